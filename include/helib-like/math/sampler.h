#pragma once
// Samplers for RLWE secrets, errors and uniform polynomials, drawing from an hl::Prng.
//
// None of them branches on or indexes memory by a sampled value, with one documented exception
// (the positions of sampleTernaryHamming). Where a sampler rejects, it rejects raw random bits
// before they become a value: the number of draws is independent of the values returned, so
// timing tells nothing about them.
//
// Each sampler's use of the stream is part of its contract (so that a seed reproduces the same
// output everywhere); it is described with the function.

#include <cstddef>
#include <cstdint>
#include <span>

#include "helib-like/math/modulus.h"
#include "helib-like/math/prng.h"

namespace hl {

/// Standard deviation of RLWE errors in the HomomorphicEncryption.org security standard
/// (M. Albrecht et al., "Homomorphic Encryption Standard", 2018: error width 8, sigma = 8/sqrt(2
/// pi) ~ 3.19, used as 3.2 by SEAL, HElib and OpenFHE).
inline constexpr double kDefaultGaussianSigma = 3.2;

/// Tail cut of sampleGaussian, in standard deviations. The cumulative table has 64-bit entries,
/// so it cannot represent a probability below 2^-64; the discrete Gaussian's mass beyond 9.4
/// sigma is already below that (erfc(9.4 / sqrt 2) ~ 5e-21), so cutting at 10 sigma loses
/// nothing the table could hold, while giving a hard bound for noise analysis.
inline constexpr double kGaussianTailSigmas = 10.0;
/// Largest sigma sampleGaussian accepts; the per-sample cost grows with 10 * sigma.
inline constexpr double kMaxGaussianSigma = 1024.0;

/// The hard bound B of sampleGaussian: every sample x has |x| <= B = ceil(10 * sigma).
/// Throws std::invalid_argument unless 0 < sigma <= kMaxGaussianSigma.
int64_t gaussianTailBound(double sigma);

/// Fills out with independent values uniform in [0, q): out[i] is exactly what
/// prng.uniform(q.value()) would return, in order (each try takes 8 bytes of the stream as a
/// little-endian word, masked to the bit width of q - 1, rejected while >= q). This is the
/// expansion to use for a seeded uniform "a" polynomial. Throws as Prng::fill does.
void sampleUniform(Prng& prng, const Modulus& q, std::span<uint64_t> out);

/// Fills out with independent values uniform in {-1, 0, 1} (a ternary secret).
/// Stream use: bytes in order; a byte b = 255 is skipped (rejection of raw bits, so that the
/// 255 accepted byte values split evenly), otherwise the value is (b mod 3) - 1, computed by a
/// multiplication. Bytes come 8 at a time from next64(), low byte first; unused bytes of the
/// last word are dropped. Throws as Prng::fill does.
void sampleTernary(Prng& prng, std::span<int64_t> out);

/// Fills out with a ternary vector of Hamming weight exactly `weight`: the positions of the
/// nonzeros are a uniform weight-subset and each nonzero is +1 or -1 with probability 1/2.
/// Method: `weight` signs from random bits (+1 - 2 * bit) followed by zeros, then a Fisher-Yates
/// shuffle (Knuth, TAOCP vol. 2, Algorithm 3.4.2P) with j = prng.uniform(i + 1) for
/// i = n - 1 down to 1. The control flow is independent of the data, but the memory access
/// pattern of the swaps follows the (secret) random positions: a cache-timing observer of this
/// call could learn about them. Throws std::invalid_argument if weight > out.size().
void sampleTernaryHamming(Prng& prng, std::span<int64_t> out, size_t weight);

/// Fills out with independent samples of the discrete Gaussian D_{Z,sigma}, P(x) proportional to
/// exp(-x^2 / (2 sigma^2)), restricted to |x| <= gaussianTailBound(sigma) = ceil(10 sigma).
/// Method: the cumulative distribution table (CDT) of |x| with 64-bit entries
/// U[k] = 2^64 - 1 - round(2^64 * P(|x| > k)), k = 0 .. B - 1, computed in long double
/// (C. Peikert, "An efficient and parallel Gaussian sampler for lattices", CRYPTO 2010; the
/// constant-time full-table scan as in J. Bos et al., "Frodo: Take off the ring!", CCS 2016).
/// Each sample reads one 64-bit word r and returns |x| = #{k : r > U[k]}, comparing with every
/// entry (no early exit) by arithmetic rather than branches, then applies a sign from a separate
/// random bit through a mask; neither branches nor memory addresses depend on the value. So
/// P(|x| > k) is the exact tail rounded to a multiple of 2^-64. Stream use: per sample one word
/// for r, plus one word of 64 sign bits before samples 0, 64, 128, ... Cost O(10 sigma) per
/// sample; the table (B entries) is rebuilt per call, which is negligible for a polynomial.
/// Throws std::invalid_argument unless 0 < sigma <= kMaxGaussianSigma (NaN included).
void sampleGaussian(Prng& prng, std::span<int64_t> out, double sigma = kDefaultGaussianSigma);

/// Fills out with independent samples of the centered binomial distribution
/// sum_{i<eta} (a_i - b_i) over fair bits a_i, b_i: values in [-eta, eta], mean 0, variance
/// eta / 2 (E. Alkim, L. Ducas, T. Poeppelmann, P. Schwabe, "Post-quantum key exchange - a new
/// hope", USENIX Security 2016). A cheap alternative to sampleGaussian; eta = 21 gives
/// variance 10.5 ~ 3.24^2. Stream use: one next64() per sample, a = its low eta bits, b = bits
/// 32 .. 32 + eta - 1; the bits are counted without tables or branches.
/// Throws std::invalid_argument unless 1 <= eta <= 32.
void sampleCenteredBinomial(Prng& prng, std::span<int64_t> out, int eta);

}  // namespace hl
