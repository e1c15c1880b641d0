#pragma once
// Primes for the ciphertext modulus chain.

#include <cstdint>
#include <span>
#include <vector>

namespace hl {

/// Largest prime size the library's transforms accept: the AVX-512 IFMA kernels multiply
/// 52-bit limbs and keep lazy values below 4q, so q < 2^50 (doc/math.md, "Prime choice").
inline constexpr int kMaxPrimeBits = 50;

/// Deterministic primality test for 2 <= n < 2^62 (Miller-Rabin with a base set that is
/// exact below 2^64; Jaeschke / Sinclair).
bool isPrime(uint64_t n);

/// The `count` largest primes q < 2^bits with q = 1 (mod divisor), in decreasing order, that
/// are not in `exclude`. Deterministic: the same arguments give the same primes in every
/// process. Requires 2 <= bits <= kMaxPrimeBits and divisor >= 1; throws
/// std::invalid_argument otherwise, and std::runtime_error if there are not enough such primes
/// of exactly `bits` bits.
std::vector<uint64_t> generatePrimes(int bits, size_t count, uint64_t divisor,
                                     std::span<const uint64_t> exclude = {});

}  // namespace hl
