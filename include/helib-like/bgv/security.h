#pragma once
// Estimated security of the RLWE instances behind BGV keys and ciphertexts, fitted to the
// HomomorphicEncryption.org tables. The fit, its data and its error are in doc/bgv.md and in
// src/bgv/security.cpp.

#include <cstddef>

namespace hl {

/// The smallest Hamming weight of a sparse ternary secret for which a published estimate
/// exists (h = 128: 64 coefficients +1 and 64 coefficients -1). Sparser secrets are estimated
/// at 0 bits.
inline constexpr size_t kMinEstimatedHammingWeight = 128;

/// Estimated classical security in bits of RLWE with ring dimension n (= phi(m), need not be
/// a power of two), modulus Q*P with log2(Q*P) = logQP and discrete Gaussian error of
/// standard deviation 3.2. The secret is uniform ternary for hammingWeight == 0 and otherwise
/// ternary with exactly hammingWeight nonzero coefficients; sparse secrets are estimated
/// lower (conservatively), and weights below kMinEstimatedHammingWeight get 0. The result is
/// never negative (tiny n against a large modulus gives 0). Requires n > 0, a finite logQP > 0
/// and hammingWeight <= n; throws std::invalid_argument otherwise.
double estimateSecurityBits(size_t n, double logQP, size_t hammingWeight = 0);

/// The largest log2(Q*P) (a real number) with estimateSecurityBits(n, log2(Q*P),
/// hammingWeight) >= bits: the inverse of estimateSecurityBits, used to size parameters.
/// Requires n > 0, a finite bits > 0 and hammingWeight <= n; throws std::invalid_argument
/// otherwise, and also when no modulus reaches `bits` (n too small for any modulus of at
/// least one bit, or 0 < hammingWeight < kMinEstimatedHammingWeight).
double maxLogModulusForSecurity(size_t n, double bits, size_t hammingWeight = 0);

}  // namespace hl
