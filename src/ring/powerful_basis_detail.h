#pragma once
// Internal pieces of hl::powerfulToPowerMod (helib-like/ring/powerful_basis.h), for layers that
// can work modulo X^m - 1 and skip the reduction modulo Phi_m (the slots layer), and for tests.

#include <cstdint>
#include <span>
#include <vector>

#include "helib-like/math/modulus.h"

namespace hl::detail {

/// The exponent of each powerful basis element: for J the row-major index of (j_1, ..., j_k)
/// (layout of hl::PowerfulDft), powerfulExponents(m)[J] = sum_i j_i (m/m_i) mod m, so that
/// prod_i X_i^(j_i) = X^e modulo X^m - 1. The entries are distinct. Built once per m and cached
/// (thread-safe); the reference stays valid for the life of the process. Requires
/// 2 <= m < 2^31 (std::invalid_argument otherwise).
const std::vector<uint32_t>& powerfulExponents(uint64_t m);

/// The unreduced form of hl::powerfulToPowerMod: the m coefficients (constant term first, each
/// in [0, t)) of the polynomial A(X) = sum_J powerfulModT[J] X^(powerfulExponents(m)[J]) of
/// degree < m, which is congruent modulo Phi_m (and modulo X^m - 1) to the element with the
/// given powerful-basis coefficients mod t; A mod Phi_m mod t is the power-basis form. Same
/// requirements and exceptions as hl::powerfulToPowerMod.
std::vector<uint64_t> powerfulToPowerModUnreduced(uint64_t m, const Modulus& t,
                                                  std::span<const uint64_t> powerfulModT);

}  // namespace hl::detail
