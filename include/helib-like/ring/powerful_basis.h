#pragma once
// Powerful-basis coefficients mod t to power-basis coefficients mod t, for elements of
// Z_t[X]/Phi_m(X) (t any integer >= 2, prime or not: Phi_m is monic).
//
// The powerful basis element prod_i X_i^(j_i), X_i = X^(m/m_i) (V. Lyubashevsky, C. Peikert,
// O. Regev, "A toolkit for Ring-LWE cryptography", EUROCRYPT 2013, sections 4-5; layout of
// hl::PowerfulDft), is the monomial X^e with e = sum_i j_i (m/m_i) mod m, because Phi_m divides
// X^m - 1. Writing every coefficient at its exponent gives a polynomial A of degree < m that is
// congruent to the element modulo Phi_m; one reduction of A modulo Phi_m mod t (NTL) gives the
// power-basis coefficients. The exponents never coincide: e mod m_i = j_i (m/m_i) mod m_i
// determines j_i < phi(m_i) since m/m_i is a unit mod m_i. See doc/math.md.

#include <cstdint>
#include <span>
#include <vector>

#include "helib-like/math/modulus.h"

namespace hl {

/// The power-basis coefficients (of the polynomial of degree < phi(m)), each in [0, t), of the
/// element of Z_t[X]/Phi_m(X) whose powerful-basis coefficients are `powerfulModT` (layout of
/// hl::PowerfulDft, each in [0, t)). Agrees with hl::powerfulToPower followed by a reduction
/// mod t, in O(m) work plus one polynomial remainder mod Phi_m over Z_t (GF(2)[X] arithmetic
/// when t = 2). The index map and the remainder's precomputation are built on the first call
/// for each (m, t) and cached (thread-safe); calls may run concurrently. Requires any m with
/// 2 <= m < 2^31 and t >= 2. Throws std::invalid_argument if powerfulModT.size() != phi(m),
/// if m is out of range, or if an input is not below t.
std::vector<uint64_t> powerfulToPowerMod(uint64_t m, const Modulus& t,
                                         std::span<const uint64_t> powerfulModT);

}  // namespace hl
