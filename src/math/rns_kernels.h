#pragma once
// Coefficient-wise arithmetic on the residue rows of the RNS representation (one row of n
// values per prime q): the products, sums and inner products of the BGV layer's key switching,
// modulus switching and fast base conversion. Internal to the library.
//
// Every function takes the prime as a Modulus with 2 < q < 2^50 (kMaxPrimeBits) and a SIMD
// level, which is lowered to what this build and CPU can run (detail::usableLevel; see
// rnsKernelLevel). All levels return the same, fully reduced values in [0, q). Any n is
// accepted (n = 0 does nothing and may come with null pointers); pointers need no alignment,
// though 64-byte aligned rows (AlignedVector) load fastest. "out may equal a" means the very
// same array: partially overlapping rows are not allowed.
//
// Kernels: rns_kernels.cpp (portable), rns_kernels_avx2.cpp (double-precision products with
// FMA), rns_kernels_avx512ifma.cpp with rns_kernels_ifma_impl.h (52-bit integer products).

#include <cstddef>
#include <cstdint>

#include "helib-like/math/modulus.h"
#include "helib-like/math/simd.h"

namespace hl::detail {

/// The level the functions below run at for this prime when asked for `wanted`: `wanted`
/// lowered by usableLevel, and then from kAvx512Ifma to the next level for q <= 16 (the IFMA
/// quotient estimates need q > 16; chain primes are far larger).
SimdLevel rnsKernelLevel(const Modulus& q, SimdLevel wanted);

/// out[j] = a[j] * b[j] mod q; a[j], b[j] < q. out may equal a or b.
void mulMod(const Modulus& q, const uint64_t* a, const uint64_t* b, uint64_t* out, size_t n,
            SimdLevel level = bestSimdLevel());
/// out[j] = (a[j] + b[j]) mod q; a[j], b[j] < q. out may equal a or b.
void addMod(const Modulus& q, const uint64_t* a, const uint64_t* b, uint64_t* out, size_t n,
            SimdLevel level = bestSimdLevel());
/// out[j] = (a[j] - b[j]) mod q; a[j], b[j] < q. out may equal a or b.
void subMod(const Modulus& q, const uint64_t* a, const uint64_t* b, uint64_t* out, size_t n,
            SimdLevel level = bestSimdLevel());
/// out[j] = a[j] * c mod q for a constant c < q; a[j] < q. out may equal a.
void mulScalarMod(const Modulus& q, const uint64_t* a, uint64_t c, uint64_t* out, size_t n,
                  SimdLevel level = bestSimdLevel());
/// out[j] = (a[j] - b[j]) * c mod q for a constant c < q; a[j], b[j] < q. out may equal a or b.
/// (The rescaling step of modulus switching and ModDown: (x - [x]_p) * p^-1.)
void subMulScalarMod(const Modulus& q, const uint64_t* a, const uint64_t* b, uint64_t c,
                     uint64_t* out, size_t n, SimdLevel level = bestSimdLevel());
/// out[j] = (out[j] * d + (a[j] - b[j]) * c) mod q for constants c, d < q (d = 1: a sum), with
/// b null standing for zeros; a[j], b[j], out[j] < q. out may equal a or b. The rescaling step
/// of ModDown and modulus switching added into (or, with d, rescaled with) an accumulator in
/// one pass, where subMulScalarMod, mulScalarMod and addMod take three.
void subMulScalarAddMod(const Modulus& q, const uint64_t* a, const uint64_t* b, uint64_t c,
                        uint64_t d, uint64_t* out, size_t n, SimdLevel level = bestSimdLevel());
/// out[j] = a[perm[j]] * b[j] mod q, or out[j] = a[perm[j]] when b is null: an automorphism's
/// gather (Cyclotomic::automorphismPermutation) fused with a product, for the hoisted key
/// switches of Ciphertext::automorphismSum. Requires a[perm[j]], b[j] < q and perm[j] < the
/// length of a. out may equal b, not a.
void gatherMulMod(const Modulus& q, const uint64_t* a, const uint32_t* perm, const uint64_t* b,
                  uint64_t* out, size_t n, SimdLevel level = bestSimdLevel());
/// out[j] = sum_{t < terms} x[t][j] * y[t][j] mod q, for 1 <= terms <= 64 and all inputs < q:
/// the inner product of key switching (digits times key rows). The products are accumulated
/// exactly and reduced once (AVX2: reduced each, summed in doubles). out may equal one of the
/// x[t] or y[t].
void dotProductMod(const Modulus& q, const uint64_t* const* x, const uint64_t* const* y,
                   size_t terms, uint64_t* out, size_t n, SimdLevel level = bestSimdLevel());
/// Two inner products over the same x rows: out0 = sum_t x[t] * y0[t], out1 = sum_t x[t] * y1[t]
/// mod q (key switching's two key parts), each as dotProductMod computes it. out0 and out1 are
/// distinct and may not equal any input row (out0 is written before all of x is read).
void dotProductMod2(const Modulus& q, const uint64_t* const* x, const uint64_t* const* y0,
                    const uint64_t* const* y1, size_t terms, uint64_t* out0, uint64_t* out1,
                    size_t n, SimdLevel level = bestSimdLevel());
/// dotProductMod2 with y0 and y1 in 32-bit words, for q < 2^32 (the key-switching keys keep the
/// rows of such primes in 32-bit words: half the bytes to store and to stream). out0 and out1
/// may not equal any x row.
void dotProductMod2Narrow(const Modulus& q, const uint64_t* const* x, const uint32_t* const* y0,
                          const uint32_t* const* y1, size_t terms, uint64_t* out0, uint64_t* out1,
                          size_t n, SimdLevel level = bestSimdLevel());
/// The step of fast base conversion (Bajard, Eynard, Hasan, Zucca, SAC 2016, section 2.2) that
/// targets one prime q: out[j] = (sum_{i < k} u[i][j] * hat[i] + corr[neg[j]]) mod q, for
/// 1 <= k <= 64, digits u[i][j] < 2^50 (residues modulo the source primes, so not necessarily
/// below q), hat[i] = (S / s_i) mod q < q, and a table of 1 <= corrSize <= 256 corrections
/// corr[c] < q with neg[j] < corrSize (the centring correction -c * S mod q for c negative
/// digits, possibly combined with others by the caller). out may equal one of the u[i].
void baseConvert(const Modulus& q, const uint64_t* const* u, const uint64_t* hat, size_t k,
                 const uint8_t* neg, const uint64_t* corr, size_t corrSize, uint64_t* out, size_t n,
                 SimdLevel level = bestSimdLevel());

}  // namespace hl::detail
