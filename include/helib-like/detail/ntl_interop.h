#pragma once
// Big-integer conversions of DoubleCRT through NTL. Not part of the stable API: it exposes
// NTL types, for tests and for layers that need exact big-integer coefficients.

#include <NTL/ZZX.h>

#include <memory>

#include "helib-like/ring/double_crt.h"

namespace hl::detail {

/// The element's representative with coefficients in (-Q/2, Q/2], as an NTL::ZZX (exact CRT).
NTL::ZZX toZZX(const DoubleCRT& a);
/// The element a mod Q over the given primes (a of degree < phi(m), any integer coefficients).
/// Throws std::invalid_argument if deg(a) >= phi(m).
DoubleCRT fromZZX(std::shared_ptr<const ModulusChain> chain, IndexSet primes, const NTL::ZZX& a);

}  // namespace hl::detail
