// The powerful-basis transform (see powerful_dft.h).
//
// Layout. An element is a k-dimensional array of shape phi(m_1) x ... x phi(m_k), row-major.
// Evaluating prod_i X_i^(j_i) at zeta^e gives prod_i omega_i^(u_i j_i) with
// omega_i = zeta^(m/m_i) (a primitive m_i-th root) and u_i = e mod m_i, so the transform is the
// tensor product of the one-dimensional maps F_i: (a_j)_{j < phi(m_i)} -> (a(omega_i^u))_{u in
// Z_{m_i}^*}, applied along each dimension (in any order). Every one-dimensional map outputs its
// rows in increasing order of u, so the value at e = CRT(u_1, ..., u_k) lands at the row-major
// position of the ranks of (u_1, ..., u_k): exactly e's position in evaluationExponents(m),
// which is defined that way so that no permutation follows.
//
// One-dimensional maps (the "factors"), chosen per factor by an operation count:
//  * dense: the phi x phi matrix (and its inverse, by Gauss-Jordan elimination mod q);
//  * Rader (m_i = p prime): with g a generator of Z_p^*, u = g^s and j = g^-t,
//      a(omega^(g^s)) = a_0 + sum_t a_(g^-t) omega^(g^(s-t))        (a_(p-1) := 0),
//    a cyclic convolution of length L = p - 1 with the fixed kernel c_d = omega^(g^d). For the
//    inverse, the length-p inverse DFT with the unknown value A_0 eliminated through
//    a_(p-1) = 0 gives, with z_j = (1/p) sum_{u != 0} A_u omega^(-uj) (j = g^-t: again a
//    cyclic convolution, kernel omega^(-g^-d) / p), a_j = z_j - z_(p-1) for 0 < j < p - 1 and
//    a_0 = (1/p) sum_u A_u - z_(p-1).
//    The convolution: L = 2^a * r with r odd is split by the Chinese remainder map
//    t -> (t mod 2^a, t mod r) into a two-dimensional cyclic convolution 2^a x r (R. Agarwal and
//    J. Cooley, "New algorithms for digital convolution", IEEE Trans. ASSP 25, 1977): a cyclic
//    NTT of length 2^a along the first index (q = 1 mod 2^a), then for each of the 2^a
//    frequencies an r x r circulant matrix (kernel transform and 1/2^a folded in), then the
//    inverse NTT. When r is large the convolution is instead zero-padded to a power of two
//    N >= 2L - 1 (linear convolution with the periodically extended kernel, the wrapped part
//    never read). For m = 53261 = 13 * 17 * 241 this gives 4 x 3, 16 x 1 and 16 x 15.
//  * twisted NTT (m_i = 2^e): a(omega^(2v+1)) = sum_j (a_j omega^j) (omega^2)^(vj), a cyclic
//    NTT of length 2^(e-1) of the twisted coefficients.
// All one-dimensional maps work on "rows": W adjacent fibres at once, one word per fibre, so
// every constant (twiddle, matrix entry) multiplies a whole row and the kernels vectorise
// across fibres without shuffles. A dimension whose fibres are strided by a multiple of the
// vector width is processed in place, W columns at a time; the innermost dimension (stride 1)
// goes through a blocked transpose into a scratch buffer.
//
// Kernels: portable 64-bit words (Shoup products, Harvey's lazy butterflies, 128-bit dot
// products with one Barrett reduction per output; D. Harvey, "Faster arithmetic for
// number-theoretic transforms", J. Symb. Comp. 60, 2014), and AVX2+FMA in double precision
// (the exact modular product of J. van der Hoeven, G. Lecerf, G. Quintin, "Modular SIMD
// arithmetic in Mathemagix", ACM TOMS 43(1), 2016, as in src/math/ntt_avx2.cpp), compiled here
// with function-level target attributes and chosen at run time. Both give the same words.
#include "helib-like/math/powerful_dft.h"

#include <NTL/ZZX.h>
#include <openssl/crypto.h>

#include "math/number_theory.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HL_PDFT_X86 1
#define HL_PDFT_AVX2 __attribute__((target("avx2,fma")))
#else
#define HL_PDFT_X86 0
#endif

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "helib-like/detail/aligned.h"
#include "helib-like/math/cyclotomic_dft.h"
#include "helib-like/math/ntt.h"
#include "helib-like/math/primes.h"

namespace hl {
namespace {

using detail::bitReverse;
using detail::invMod;
using detail::isPowerOfTwo;
using detail::nextPowerOfTwo;
using detail::primeFactors;
using detail::PrimePower;
using detail::primePowers;
using detail::primitiveRoot;

// ---------------------------------------------------------------------------------------------
// Small number theory.

uint64_t powMod(uint64_t a, uint64_t e, uint64_t mod) {
  unsigned __int128 r = 1 % mod, b = a % mod;
  for (; e != 0; e >>= 1) {
    if (e & 1) r = r * b % mod;
    b = b * b % mod;
  }
  return static_cast<uint64_t>(r);
}

// The smallest generator of Z_p^*, p prime.
uint64_t generatorModPrime(uint64_t p) {
  if (p == 2) return 1;
  const auto divs = primeFactors(p - 1);
  for (uint64_t g = 2; g < p; ++g) {
    bool ok = true;
    for (uint64_t d : divs) ok = ok && powMod(g, (p - 1) / d, p) != 1;
    if (ok) return g;
  }
  throw std::logic_error("hl::PowerfulDft: internal error (no generator)");
}

unsigned log2Exact(uint64_t x) { return static_cast<unsigned>(__builtin_ctzll(x)); }
size_t roundUp(size_t x, size_t k) { return (x + k - 1) / k * k; }

// Largest prime factor the Rader path accepts: the zero-padded convolution needs scratch rows
// of length up to 4p.
constexpr uint64_t kMaxRaderPrime = (uint64_t{1} << 18) + 1;
// Longest cyclic NTT in a factor for which recommended() still prefers this transform.
constexpr size_t kMaxRecommendedNtt = 2048;
// Largest phi of an odd prime power p^e (e > 1) handled (as a dense matrix).
constexpr uint64_t kMaxDensePhi = 64;

// Why m is not supported ("" when it is).
std::string unsupportedReason(uint64_t m) {
  if (m < 2) return "m = " + std::to_string(m) + " is not a valid cyclotomic index (need m >= 2)";
  if (m >> 31 != 0) return "m = " + std::to_string(m) + " is too large (need m < 2^31)";
  for (const auto& f : primePowers(m)) {
    if (f.p == 2) continue;
    if (f.e == 1 && f.p > kMaxRaderPrime) {
      return "the prime factor " + std::to_string(f.p) + " of m = " + std::to_string(m) +
             " is above the supported " + std::to_string(kMaxRaderPrime);
    }
    if (f.e > 1 && f.phi > kMaxDensePhi) {
      return "the prime power factor " + std::to_string(f.p) + "^" + std::to_string(f.e) +
             " of m = " + std::to_string(m) + " has phi = " + std::to_string(f.phi) + " > " +
             std::to_string(kMaxDensePhi) + " (odd prime powers are only done densely)";
    }
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// Constants: a multiplier w in [0, q) with its Shoup constant (scalar kernels) and w, w/q as
// doubles (AVX2 kernels).

struct Const {
  uint64_t w, ws;
  double d, dq;
};

Const makeConst(uint64_t w, const Modulus& q) {
  return {w, q.shoup(w), static_cast<double>(w),
          static_cast<double>(w) / static_cast<double>(q.value())};
}

// Twiddles of a cyclic NTT of length n with root w: tw[len + j] = w^(j n / 2len), 1 <= len < n.
std::vector<Const> twiddleTable(size_t n, uint64_t w, const Modulus& q) {
  std::vector<Const> t(std::max<size_t>(n, 1));
  for (size_t len = 1; len < n; len <<= 1) {
    const uint64_t step = q.pow(w, n / (2 * len));
    uint64_t x = 1;
    for (size_t j = 0; j < len; ++j) {
      t[len + j] = makeConst(x, q);
      x = q.mul(x, step);
    }
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// Row kernels. A block of `rows` rows of W words each; the word type is uint64_t (scalar
// kernels: residues, lazily reduced) or double (AVX2 kernels: signed integers), stored in the
// same 64-bit words. Between the one-dimensional maps every value is "reduced": in [0, q)
// (scalar) or of magnitude at most q (AVX2).

struct ScalarOps {
  static constexpr size_t kLanes = 1;
  static constexpr bool kWinograd = false;    // 3 x 3 and 15 x 15 circulants go through mat()
  static constexpr bool kFusedRader = false;  // Rader placement and sums in separate passes
  struct Ctx {
    const Modulus* mod;
    uint64_t q, twoQ;
  };
  static Ctx makeCtx(const Modulus& q) { return {&q, q.value(), 2 * q.value()}; }

  // x - bound if x >= bound, for x, bound < 2^63, by a sign mask: a comparison may be compiled
  // to a branch, which mispredicts half the time on these data.
  static uint64_t csub(uint64_t x, uint64_t bound) {
    const uint64_t t = x - bound;
    return t + (bound & static_cast<uint64_t>(static_cast<int64_t>(t) >> 63));
  }
  static uint64_t reduce4q(uint64_t x, const Ctx& c) { return csub(csub(x, c.twoQ), c.q); }

  // Cyclic NTT of length n (decimation in frequency, natural order in, bit-reversed out) on n
  // groups of bw words. Harvey's butterfly: inputs and outputs in [0, 2q).
  static void dif(uint64_t* T, size_t n, size_t bw, const Const* tw, const Ctx& c) {
    const uint64_t twoQ = c.twoQ;
    for (size_t len = n / 2; len >= 1; len >>= 1) {
      for (size_t s = 0; s < n; s += 2 * len) {
        for (size_t j = 0; j < len; ++j) {
          uint64_t* X = T + (s + j) * bw;
          uint64_t* Y = X + len * bw;
          const Const w = tw[len + j];
          if (j == 0) {
            for (size_t i = 0; i < bw; ++i) {
              const uint64_t x = X[i], y = Y[i];
              X[i] = csub(x + y, twoQ);
              Y[i] = csub(x - y + twoQ, twoQ);
            }
          } else {
            for (size_t i = 0; i < bw; ++i) {
              const uint64_t x = X[i], y = Y[i];
              X[i] = csub(x + y, twoQ);
              Y[i] = c.mod->mulShoupLazy(x - y + twoQ, w.w, w.ws);
            }
          }
        }
      }
    }
  }

  // The inverse direction without the factor 1/n (decimation in time, bit-reversed order in,
  // natural out), with the twiddles of the inverse root. Inputs in [0, 4q), outputs in [0, 4q).
  static void dit(uint64_t* T, size_t n, size_t bw, const Const* itw, const Ctx& c) {
    const uint64_t twoQ = c.twoQ;
    for (size_t len = 1; len < n; len <<= 1) {
      for (size_t s = 0; s < n; s += 2 * len) {
        for (size_t j = 0; j < len; ++j) {
          uint64_t* X = T + (s + j) * bw;
          uint64_t* Y = X + len * bw;
          const Const w = itw[len + j];
          if (j == 0) {
            for (size_t i = 0; i < bw; ++i) {
              const uint64_t x = csub(X[i], twoQ), t = csub(Y[i], twoQ);
              X[i] = x + t;
              Y[i] = x - t + twoQ;
            }
          } else {
            for (size_t i = 0; i < bw; ++i) {
              const uint64_t x = csub(X[i], twoQ), t = c.mod->mulShoupLazy(Y[i], w.w, w.ws);
              X[i] = x + t;
              Y[i] = x - t + twoQ;
            }
          }
        }
      }
    }
  }

  // out row u = sum_j M[u][j] * in row j, for u < nOut, j < nIn; inputs below 4q (nIn <= 2^12),
  // outputs in [0, q): 128-bit sums, one reduction per output.
  static void mat(uint64_t* out, size_t outStride, const uint64_t* in, size_t inStride, size_t nOut,
                  size_t nIn, size_t W, const Const* M, const Ctx& c) {
    constexpr size_t kB = 4;
    for (size_t u = 0; u < nOut; ++u) {
      const Const* row = M + u * nIn;
      size_t i0 = 0;
      for (; i0 + kB <= W; i0 += kB) {
        unsigned __int128 acc[kB] = {};
        for (size_t j = 0; j < nIn; ++j) {
          const uint64_t w = row[j].w;
          const uint64_t* x = in + j * inStride + i0;
          for (size_t b = 0; b < kB; ++b) acc[b] += static_cast<unsigned __int128>(w) * x[b];
        }
        for (size_t b = 0; b < kB; ++b) out[u * outStride + i0 + b] = c.mod->reduce128(acc[b]);
      }
      for (; i0 < W; ++i0) {
        unsigned __int128 acc = 0;
        for (size_t j = 0; j < nIn; ++j) {
          acc += static_cast<unsigned __int128>(row[j].w) * in[j * inStride + i0];
        }
        out[u * outStride + i0] = c.mod->reduce128(acc);
      }
    }
  }

  // dst = src * w, any 64-bit inputs, outputs in [0, q).
  static void scale(uint64_t* dst, const uint64_t* src, size_t W, const Const& w, const Ctx& c) {
    for (size_t i = 0; i < W; ++i) dst[i] = c.mod->mulShoup(src[i], w.w, w.ws);
  }
  // dst = a + b, a < 4q, b < q.
  static void addReduce(uint64_t* dst, const uint64_t* a, const uint64_t* b, size_t W,
                        const Ctx& c) {
    for (size_t i = 0; i < W; ++i) {
      dst[i] = csub(reduce4q(a[i], c) + b[i], c.q);
    }
  }
  // dst = a - b, a, b < 4q.
  static void subReduce(uint64_t* dst, const uint64_t* a, const uint64_t* b, size_t W,
                        const Ctx& c) {
    for (size_t i = 0; i < W; ++i) {
      dst[i] = csub(reduce4q(a[i], c) + c.q - reduce4q(b[i], c), c.q);
    }
  }
  // dst = src reduced, src < 4q.
  static void reduceCopy(uint64_t* dst, const uint64_t* src, size_t W, const Ctx& c) {
    for (size_t i = 0; i < W; ++i) dst[i] = reduce4q(src[i], c);
  }
  // dst = sum of `rows` reduced rows at src + k * stride.
  static void sumRows(uint64_t* dst, const uint64_t* src, size_t rows, size_t stride, size_t W,
                      const Ctx& c) {
    // Row by row into dst; a reduced row plus 8191 more rows below 2^50 fit in 64 bits.
    std::memcpy(dst, src, W * sizeof(uint64_t));
    for (size_t k = 1; k < rows; ++k) {
      const uint64_t* x = src + k * stride;
      for (size_t i = 0; i < W; ++i) dst[i] += x[i];
      if ((k & 8191) == 8191) {
        for (size_t i = 0; i < W; ++i) dst[i] = c.mod->reduce(dst[i]);
      }
    }
    for (size_t i = 0; i < W; ++i) dst[i] = c.mod->reduce(dst[i]);
  }
  // Fibres b < cnt of length P stored one after another (src + b * P) to the rows of a
  // transpose buffer (t + j * B + b), and back; kWords: the fibres are in [0, q) words (the
  // transform's input or output) instead of the kernels' representation (the same here).
  template <bool kWords>
  static void gatherFibres(uint64_t* t, size_t B, const uint64_t* src, size_t P, size_t cnt,
                           const Ctx&) {
    for (size_t b = 0; b < cnt; ++b)
      for (size_t j = 0; j < P; ++j) t[j * B + b] = src[b * P + j];
  }
  template <bool kWords>
  static void scatterFibres(uint64_t* dst, size_t P, const uint64_t* t, size_t B, size_t cnt,
                            const Ctx&) {
    for (size_t b = 0; b < cnt; ++b)
      for (size_t j = 0; j < P; ++j) dst[b * P + j] = t[j * B + b];
  }
  static void fromU64(uint64_t* dst, const uint64_t* src, size_t n, const Ctx&) {
    std::memcpy(dst, src, n * sizeof(uint64_t));
  }
  static void toU64(uint64_t* dst, const uint64_t* src, size_t n, const Ctx&) {
    std::memcpy(dst, src, n * sizeof(uint64_t));
  }
};

#if HL_PDFT_X86
// Vector wrappers for the SIMD kernels (src/math/powerful_dft_simd.inc): 4 doubles (AVX2 + FMA)
// and 8 doubles (AVX-512F/DQ; the dispatch level is kAvx512Ifma, whose CPUs all have them).
#define HL_PDFT_INLINE inline __attribute__((always_inline))
struct V4 {
  using T = __m256d;
  static constexpr size_t kLanes = 4;
#define HL_V4 HL_PDFT_AVX2 static HL_PDFT_INLINE
  HL_V4 T ld(const uint64_t* p) { return _mm256_loadu_pd(reinterpret_cast<const double*>(p)); }
  HL_V4 void st(uint64_t* p, T v) { _mm256_storeu_pd(reinterpret_cast<double*>(p), v); }
  HL_V4 T set1(double x) { return _mm256_set1_pd(x); }
  HL_V4 T zero() { return _mm256_setzero_pd(); }
  HL_V4 T add(T a, T b) { return _mm256_add_pd(a, b); }
  HL_V4 T sub(T a, T b) { return _mm256_sub_pd(a, b); }
  HL_V4 T mul(T a, T b) { return _mm256_mul_pd(a, b); }
  HL_V4 T fmadd(T a, T b, T c) { return _mm256_fmadd_pd(a, b, c); }    // a b + c
  HL_V4 T fmsub(T a, T b, T c) { return _mm256_fmsub_pd(a, b, c); }    // a b - c
  HL_V4 T fnmadd(T a, T b, T c) { return _mm256_fnmadd_pd(a, b, c); }  // c - a b
  HL_V4 T rnd(T x) { return _mm256_round_pd(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  HL_V4 T floor(T x) { return _mm256_round_pd(x, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
  HL_V4 T orBits(T x, uint64_t m) {
    return _mm256_or_pd(x, _mm256_castsi256_pd(_mm256_set1_epi64x(static_cast<long long>(m))));
  }
  HL_V4 T xorBits(T x, uint64_t m) {
    return _mm256_xor_pd(x, _mm256_castsi256_pd(_mm256_set1_epi64x(static_cast<long long>(m))));
  }
#undef HL_V4
};

#define HL_PDFT_AVX512 __attribute__((target("avx512f,avx512dq,avx2,fma")))
struct V8 {
  using T = __m512d;
  static constexpr size_t kLanes = 8;
#define HL_V8 HL_PDFT_AVX512 static HL_PDFT_INLINE
  HL_V8 T ld(const uint64_t* p) { return _mm512_loadu_pd(p); }
  HL_V8 void st(uint64_t* p, T v) { _mm512_storeu_pd(p, v); }
  HL_V8 T set1(double x) { return _mm512_set1_pd(x); }
  HL_V8 T zero() { return _mm512_setzero_pd(); }
  HL_V8 T add(T a, T b) { return _mm512_add_pd(a, b); }
  HL_V8 T sub(T a, T b) { return _mm512_sub_pd(a, b); }
  HL_V8 T mul(T a, T b) { return _mm512_mul_pd(a, b); }
  HL_V8 T fmadd(T a, T b, T c) { return _mm512_fmadd_pd(a, b, c); }
  HL_V8 T fmsub(T a, T b, T c) { return _mm512_fmsub_pd(a, b, c); }
  HL_V8 T fnmadd(T a, T b, T c) { return _mm512_fnmadd_pd(a, b, c); }
  // The masked forms with every lane selected: GCC 12's _mm512_roundscale_pd passes an
  // "undefined" vector that -Wmaybe-uninitialized reports.
  HL_V8 T rnd(T x) {
    return _mm512_mask_roundscale_pd(x, 0xff, x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  HL_V8 T floor(T x) {
    return _mm512_mask_roundscale_pd(x, 0xff, x, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  }
  HL_V8 T orBits(T x, uint64_t m) {
    return _mm512_or_pd(x, _mm512_castsi512_pd(_mm512_set1_epi64(static_cast<long long>(m))));
  }
  HL_V8 T xorBits(T x, uint64_t m) {
    return _mm512_xor_pd(x, _mm512_castsi512_pd(_mm512_set1_epi64(static_cast<long long>(m))));
  }
#undef HL_V8
};

#define HL_PDFT_OPS AvxOps
#define HL_PDFT_VEC V4
#define HL_PDFT_TGT HL_PDFT_AVX2
#include "math/powerful_dft_simd.inc"  // NOLINT(bugprone-suspicious-include)
#undef HL_PDFT_OPS
#undef HL_PDFT_VEC
#undef HL_PDFT_TGT

#define HL_PDFT_OPS Avx512Ops
#define HL_PDFT_VEC V8
#define HL_PDFT_TGT HL_PDFT_AVX512
#include "math/powerful_dft_simd.inc"  // NOLINT(bugprone-suspicious-include)
#undef HL_PDFT_OPS
#undef HL_PDFT_VEC
#undef HL_PDFT_TGT
#endif

// ---------------------------------------------------------------------------------------------
// One-dimensional maps.

enum class Kind { kDense, kRader, kTwisted };

struct FactorPlan {
  PrimePower f;
  Kind kind = Kind::kDense;
  size_t P = 0;  // phi(m_i): rows in and out
  // kDense: P x P matrices.
  std::vector<Const> F, G;
  // kRader / kTwisted: cyclic NTT of length n on groups of r rows (rows = n * r of scratch).
  size_t n = 1, r = 1, rows = 0;
  bool padded = false;
  std::vector<Const> tw, itw;
  // kRader: kernel transforms, per NTT position: r == 1 one constant, else an r x r matrix.
  std::vector<Const> kF, kI;
  // kRader with r == 15 (r == 3): per NTT position, the 40 (4) values of conv15's (conv3's)
  // kernel transform.
  std::vector<Const> wF, wI;
  std::vector<uint32_t> posIn, posOut;  // convolution index -> scratch row (input / output)
  std::vector<int32_t> fwdSrc;          // forward: convolution input t <- coefficient row or -1
  std::vector<uint32_t> fwdDst;  // forward: output s (Rader) / NTT position (twisted) -> value row
  std::vector<uint32_t> invSrc;  // inverse: convolution input <- value row
  std::vector<int32_t> invDst;   // inverse: convolution output t -> coefficient row or -1
  Const pInv{};
  // kTwisted: omega^j and omega^-j / P.
  std::vector<Const> twist, untwist;

  size_t scratchRows() const {
    switch (kind) {
      case Kind::kDense:
        return P + 2;
      case Kind::kTwisted:
        return P + 2;
      case Kind::kRader:
        return (r > 1 ? 2 * rows : rows) + 2;
    }
    return 0;
  }
};

// Operation counts per fibre (one direction), in units of a multiply-accumulate.
constexpr double kCostButterfly = 2.5, kCostMul = 1.2, kCostMove = 0.5;

double denseCost(size_t P) { return static_cast<double>(P * P) + kCostMove * P; }
double nttCost(size_t n, size_t groups) {
  return kCostButterfly * static_cast<double>(n / 2 * log2Exact(n) * groups * 2);
}

Kind chooseKind(const PrimePower& f, size_t& nOut, size_t& rOut, bool& paddedOut) {
  const size_t P = f.phi;
  if (f.p == 2) {
    const double tw = nttCost(P, 1) / 2 + 2 * kCostMul * P + kCostMove * P;
    if (P <= kMaxDensePhi && denseCost(P) <= tw) return Kind::kDense;
    nOut = P;
    return Kind::kTwisted;
  }
  if (f.e > 1) return Kind::kDense;  // supported only for phi <= kMaxDensePhi
  const size_t L = P;
  const size_t a = static_cast<size_t>(__builtin_ctzll(L));
  const size_t n1 = size_t{1} << a, r = L >> a;
  const double split = nttCost(n1, r) + (r == 1 ? kCostMul * n1 : static_cast<double>(n1 * r * r)) +
                       3 * kCostMove * L;
  const size_t N = nextPowerOfTwo(2 * L - 1);
  const double padded = nttCost(N, 1) + kCostMul * N + kCostMove * (N + 2 * L);
  const double best = std::min(split, padded);
  if (P <= kMaxDensePhi && denseCost(P) <= best) return Kind::kDense;
  if (split <= padded) {
    nOut = n1;
    rOut = r;
    paddedOut = false;
  } else {
    nOut = N;
    rOut = 1;
    paddedOut = true;
  }
  return Kind::kRader;
}

// Rank of each unit of Z_M in increasing order (-1 for non-units).
std::vector<int32_t> unitRanks(uint64_t M) {
  std::vector<int32_t> idx(M, -1);
  int32_t k = 0;
  for (uint64_t u = 0; u < M; ++u) {
    if (std::gcd(u, M) == 1) idx[u] = k++;
  }
  return idx;
}

// The kernel side of AvxOps<>::conv15: the same pre-additions applied to the kernel
// k_0..k_14 (mod q), times 1/15 (the reconstruction's 1/3 and 1/5); appends 40 constants in
// conv15's order (index a * 10 + j).
void conv15Kernel(const uint64_t* k, const Modulus& q, std::vector<Const>& out) {
  static constexpr int kRow[3][5] = {{0, 6, 12, 3, 9}, {10, 1, 7, 13, 4}, {5, 11, 2, 8, 14}};
  uint64_t v[4][5];
  for (int b = 0; b < 5; ++b) {
    const uint64_t u0 = k[kRow[0][b]], u1 = k[kRow[1][b]], u2 = k[kRow[2][b]];
    v[0][b] = q.add(q.add(u0, u1), u2);
    v[1][b] = q.sub(u0, u2);
    v[2][b] = q.sub(u1, u2);
    v[3][b] = q.add(v[1][b], v[2][b]);
  }
  const uint64_t inv15 = q.inv(15 % q.value());
  for (int a = 0; a < 4; ++a) {
    const uint64_t* w = v[a];
    const uint64_t c0 = q.sub(w[0], w[4]), c1 = q.sub(w[1], w[4]);
    const uint64_t c2 = q.sub(w[2], w[4]), c3 = q.sub(w[3], w[4]);
    const uint64_t e[10] = {q.add(q.add(q.add(w[0], w[1]), q.add(w[2], w[3])), w[4]),
                            c0,
                            c1,
                            q.add(c0, c1),
                            c2,
                            c3,
                            q.add(c2, c3),
                            q.add(c0, c2),
                            q.add(c1, c3),
                            q.add(q.add(c0, c2), q.add(c1, c3))};
    for (uint64_t x : e) out.push_back(makeConst(q.mul(x, inv15), q));
  }
}

// The kernel side of AvxOps<>::conv3: (k0 + k1 + k2, k0 - k2, k1 - k2, k0 + k1 - 2 k2) / 3.
void conv3Kernel(const uint64_t* k, const Modulus& q, std::vector<Const>& out) {
  const uint64_t inv3 = q.inv(3 % q.value());
  const uint64_t d0 = q.sub(k[0], k[2]), d1 = q.sub(k[1], k[2]);
  for (uint64_t x : {q.add(q.add(k[0], k[1]), k[2]), d0, d1, q.add(d0, d1)})
    out.push_back(makeConst(q.mul(x, inv3), q));
}

FactorPlan buildFactor(const PrimePower& f, uint64_t omega, const Modulus& q) {
  FactorPlan fp;
  fp.f = f;
  fp.P = f.phi;
  const size_t P = fp.P;
  const uint64_t M = f.pe;
  const auto ranks = unitRanks(M);
  fp.kind = chooseKind(f, fp.n, fp.r, fp.padded);
  // Powers of omega (order M).
  std::vector<uint64_t> opow(M);
  opow[0] = 1;
  for (size_t i = 1; i < M; ++i) opow[i] = q.mul(opow[i - 1], omega);

  if (fp.kind == Kind::kDense) {
    std::vector<uint64_t> a(P * P);
    size_t row = 0;
    for (uint64_t u = 1; u < M; ++u) {
      if (ranks[u] < 0) continue;
      for (size_t j = 0; j < P; ++j) a[row * P + j] = opow[(u * j) % M];
      ++row;
    }
    const auto g = detail::invertMatrixMod(a, P, q);
    for (size_t i = 0; i < P * P; ++i) {
      fp.F.push_back(makeConst(a[i], q));
      fp.G.push_back(makeConst(g[i], q));
    }
    return fp;
  }

  if (fp.kind == Kind::kTwisted) {
    // NTT of length P with root omega^2; position i holds the value at omega^(2 bitrev(i) + 1).
    const unsigned bits = log2Exact(P);
    fp.rows = P;
    const uint64_t w = q.mul(omega, omega), wInv = q.inv(w);
    fp.tw = twiddleTable(P, w, q);
    fp.itw = twiddleTable(P, wInv, q);
    const uint64_t pInv = q.inv(P % q.value());
    for (size_t j = 0; j < P; ++j) {
      fp.twist.push_back(makeConst(opow[j], q));
      fp.untwist.push_back(makeConst(q.mul(opow[(M - j) % M], pInv), q));
    }
    for (size_t i = 0; i < P; ++i) {
      const uint64_t u = 2 * bitReverse(i, bits) + 1;
      fp.fwdDst.push_back(static_cast<uint32_t>(ranks[u]));
    }
    fp.invSrc = fp.fwdDst;
    return fp;
  }

  // Rader, p prime.
  const uint64_t p = f.p, L = p - 1;
  const uint64_t g = generatorModPrime(p), gInv = invMod(g, p);
  const size_t n = fp.n, r = fp.r;
  fp.rows = fp.padded ? n : n * r;
  const uint64_t w = primitiveRoot(q, n), wInv = q.inv(w);
  fp.tw = twiddleTable(n, w, q);
  fp.itw = twiddleTable(n, wInv, q);
  fp.posIn.resize(L);
  fp.posOut.resize(L);
  for (size_t t = 0; t < L; ++t) {
    if (fp.padded) {
      fp.posIn[t] = static_cast<uint32_t>(t);
      fp.posOut[t] = static_cast<uint32_t>(t + L - 1);
    } else {
      fp.posIn[t] = fp.posOut[t] = static_cast<uint32_t>((t % n) * r + (t % r));
    }
  }
  std::vector<uint64_t> gPow(L), gInvPow(L);
  gPow[0] = gInvPow[0] = 1;
  for (size_t s = 1; s < L; ++s) {
    gPow[s] = gPow[s - 1] * g % p;
    gInvPow[s] = gInvPow[s - 1] * gInv % p;
  }
  for (size_t t = 0; t < L; ++t) {
    const uint64_t j = gInvPow[t];
    fp.fwdSrc.push_back(j == p - 1 ? -1 : static_cast<int32_t>(j));
    fp.fwdDst.push_back(static_cast<uint32_t>(ranks[gPow[t]]));
    fp.invSrc.push_back(static_cast<uint32_t>(ranks[gPow[t]]));
    fp.invDst.push_back(j == p - 1 ? -1 : static_cast<int32_t>(j));
  }
  const uint64_t pInv = q.inv(p % q.value());
  fp.pInv = makeConst(pInv, q);
  // Kernels: forward c_d = omega^(g^d), inverse omega^(-g^-d) / p; transformed with the same
  // NTT the data goes through, times 1/n.
  const uint64_t nInv = q.inv(n % q.value());
  const ScalarOps::Ctx ctx = ScalarOps::makeCtx(q);
  auto transformKernel = [&](bool inverse, std::vector<Const>& wino) {
    std::vector<uint64_t> k(L);
    for (size_t d = 0; d < L; ++d) {
      k[d] = inverse ? q.mul(opow[(p - gInvPow[d]) % p], pInv) : opow[gPow[d]];
    }
    std::vector<uint64_t> K(fp.rows, 0);
    if (fp.padded) {
      for (size_t i = 0; i + 1 < 2 * L; ++i) K[i] = k[(i + 1) % L];  // k_((i - (L-1)) mod L)
    } else {
      for (size_t d = 0; d < L; ++d) K[fp.posIn[d]] = k[d];
    }
    ScalarOps::dif(K.data(), n, fp.padded ? 1 : r, fp.tw.data(), ctx);
    for (auto& x : K) x = q.mul(ScalarOps::reduce4q(x, ctx), nInv);
    if (!fp.padded && r == 15) {
      for (size_t i = 0; i < n; ++i) conv15Kernel(K.data() + i * r, q, wino);
    }
    if (!fp.padded && r == 3) {
      for (size_t i = 0; i < n; ++i) conv3Kernel(K.data() + i * r, q, wino);
    }
    std::vector<Const> out;
    if (r == 1) {
      for (size_t i = 0; i < n; ++i) out.push_back(makeConst(K[i], q));
    } else {
      // Block i: out[t2] = sum_s2 K_i[(t2 - s2) mod r] x[s2].
      for (size_t i = 0; i < n; ++i) {
        for (size_t t2 = 0; t2 < r; ++t2) {
          for (size_t s2 = 0; s2 < r; ++s2) {
            out.push_back(makeConst(K[i * r + (t2 + r - s2) % r], q));
          }
        }
      }
    }
    return out;
  };
  fp.kF = transformKernel(false, fp.wF);
  fp.kI = transformKernel(true, fp.wI);
  return fp;
}

// The one-dimensional maps on W columns: input row j at in + j * inStride, output row u at
// out + u * outStride (the two may coincide), scratch of scratchRows() * W words.
// The cyclic convolution of a Rader factor on the scratch rows T (already placed, padded when
// fp.padded): cyclic NTT, the kernel per frequency (a scalar, or an r x r circulant: conv15 for
// r = 15 where the kernels have it, else a matrix product into T2), inverse NTT. Returns the
// rows holding the result (T or T2).
// The kernel per frequency of a Rader convolution, after the cyclic NTT on T: a scalar (in
// place), or an r x r circulant (conv15 / conv3 where the kernels have them, else a matrix
// product) into T2. Returns the rows holding the result (T or T2).
template <class Ops>
uint64_t* raderKernel(const FactorPlan& fp, uint64_t* T, uint64_t* T2, size_t W,
                      const std::vector<Const>& kernel, const std::vector<Const>& kernelW,
                      const typename Ops::Ctx& c) {
  const size_t n = fp.n, r = fp.r;
  if (r == 1) {
    for (size_t i = 0; i < n; ++i) Ops::scale(T + i * W, T + i * W, W, kernel[i], c);
    return T;
  }
  for (size_t i = 0; i < n; ++i) {
    if constexpr (Ops::kWinograd) {
      if (r == 3 && !kernelW.empty()) {
        Ops::conv3(T2 + i * r * W, W, T + i * r * W, W, W, kernelW.data() + i * 4, c);
        continue;
      }
      if (r == 15 && !kernelW.empty()) {
        Ops::conv15(T2 + i * r * W, W, T + i * r * W, W, W, kernelW.data() + i * 40, c);
        continue;
      }
    }
    Ops::mat(T2 + i * r * W, W, T + i * r * W, W, r, r, W, kernel.data() + i * r * r, c);
  }
  return T2;
}

// The cyclic convolution of a Rader factor on the scratch rows T (already placed, padded when
// fp.padded): cyclic NTT, the kernel per frequency, inverse NTT. Returns the rows holding the
// result (T or T2).
template <class Ops>
uint64_t* raderConvolution(const FactorPlan& fp, uint64_t* T, uint64_t* T2, size_t W,
                           const std::vector<Const>& kernel, const std::vector<Const>& kernelW,
                           const typename Ops::Ctx& c) {
  Ops::dif(T, fp.n, fp.r * W, fp.tw.data(), c);
  uint64_t* X = raderKernel<Ops>(fp, T, T2, W, kernel, kernelW, c);
  Ops::dit(X, fp.n, fp.r * W, fp.itw.data(), c);
  return X;
}

// Per-thread row-pointer tables of the fused Rader passes.
struct RowPointers {
  std::vector<const uint64_t*> src;
  std::vector<uint64_t*> dst;
};
RowPointers& rowPointers(size_t rows) {
  thread_local RowPointers p;
  if (p.src.size() < rows) {
    p.src.resize(rows);
    p.dst.resize(rows);
  }
  return p;
}

template <class Ops>
void factorForward(const FactorPlan& fp, const uint64_t* in, size_t inStride, uint64_t* out,
                   size_t outStride, size_t W, uint64_t* scr, const typename Ops::Ctx& c) {
  const size_t P = fp.P;
  const size_t rowBytes = W * sizeof(uint64_t);
  switch (fp.kind) {
    case Kind::kDense: {
      Ops::mat(scr, W, in, inStride, P, P, W, fp.F.data(), c);
      for (size_t u = 0; u < P; ++u) std::memcpy(out + u * outStride, scr + u * W, rowBytes);
      return;
    }
    case Kind::kTwisted: {
      for (size_t j = 0; j < P; ++j) Ops::scale(scr + j * W, in + j * inStride, W, fp.twist[j], c);
      Ops::dif(scr, P, W, fp.tw.data(), c);
      for (size_t i = 0; i < P; ++i)
        Ops::reduceCopy(out + fp.fwdDst[i] * outStride, scr + i * W, W, c);
      return;
    }
    case Kind::kRader: {
      const size_t L = P, r = fp.r;
      uint64_t* T = scr;
      uint64_t* T2 = T + fp.rows * W;
      uint64_t* a0 = (r > 1 ? T2 + fp.rows * W : T2);
      std::memcpy(a0, in, rowBytes);  // in may equal out
      if constexpr (Ops::kFusedRader) {
        if (!fp.padded) {
          // The first DIF pass reads the input rows where the placement would copy them
          // (a zero row for a_(p-1)), the last DIT pass writes A_s = X_s + a_0 to the outputs.
          uint64_t* zero = a0 + W;
          std::memset(zero, 0, rowBytes);
          RowPointers& rp = rowPointers(fp.rows);
          for (size_t t = 0; t < L; ++t) {
            rp.src[fp.posIn[t]] =
                fp.fwdSrc[t] < 0 ? zero : in + static_cast<size_t>(fp.fwdSrc[t]) * inStride;
            rp.dst[fp.posOut[t]] = out + fp.fwdDst[t] * outStride;
          }
          Ops::difGather(T, fp.n, r, W, fp.tw.data(), rp.src.data(), c);
          uint64_t* X = raderKernel<Ops>(fp, T, T2, W, fp.kF, fp.wF, c);
          Ops::ditScatterAdd(X, fp.n, r, W, fp.itw.data(), rp.dst.data(), a0, c);
          return;
        }
      }
      for (size_t t = 0; t < L; ++t) {
        uint64_t* dst = T + fp.posIn[t] * W;
        if (fp.fwdSrc[t] < 0) {
          std::memset(dst, 0, rowBytes);
        } else {
          std::memcpy(dst, in + static_cast<size_t>(fp.fwdSrc[t]) * inStride, rowBytes);
        }
      }
      if (fp.padded) std::memset(T + L * W, 0, (fp.rows - L) * rowBytes);
      const uint64_t* X = raderConvolution<Ops>(fp, T, T2, W, fp.kF, fp.wF, c);
      for (size_t s = 0; s < L; ++s) {
        Ops::addReduce(out + fp.fwdDst[s] * outStride, X + fp.posOut[s] * W, a0, W, c);
      }
      return;
    }
  }
}

template <class Ops>
void factorInverse(const FactorPlan& fp, const uint64_t* in, size_t inStride, uint64_t* out,
                   size_t outStride, size_t W, uint64_t* scr, const typename Ops::Ctx& c) {
  const size_t P = fp.P;
  const size_t rowBytes = W * sizeof(uint64_t);
  switch (fp.kind) {
    case Kind::kDense: {
      Ops::mat(scr, W, in, inStride, P, P, W, fp.G.data(), c);
      for (size_t u = 0; u < P; ++u) std::memcpy(out + u * outStride, scr + u * W, rowBytes);
      return;
    }
    case Kind::kTwisted: {
      for (size_t i = 0; i < P; ++i)
        std::memcpy(scr + i * W, in + fp.invSrc[i] * inStride, rowBytes);
      Ops::dit(scr, P, W, fp.itw.data(), c);
      for (size_t j = 0; j < P; ++j)
        Ops::scale(out + j * outStride, scr + j * W, W, fp.untwist[j], c);
      return;
    }
    case Kind::kRader: {
      const size_t L = P, r = fp.r;
      uint64_t* T = scr;
      uint64_t* T2 = T + fp.rows * W;
      uint64_t* S = (r > 1 ? T2 + fp.rows * W : T2);
      Ops::sumRows(S, in, P, inStride, W, c);
      Ops::scale(S, S, W, fp.pInv, c);
      auto convolve = [&]() -> const uint64_t* {
        if constexpr (Ops::kFusedRader) {
          if (!fp.padded) {  // the first DIF pass reads the value rows in place of a copy
            RowPointers& rp = rowPointers(fp.rows);
            for (size_t s = 0; s < L; ++s) rp.src[fp.posIn[s]] = in + fp.invSrc[s] * inStride;
            Ops::difGather(T, fp.n, r, W, fp.tw.data(), rp.src.data(), c);
            uint64_t* Y = raderKernel<Ops>(fp, T, T2, W, fp.kI, fp.wI, c);
            Ops::dit(Y, fp.n, r * W, fp.itw.data(), c);
            return Y;
          }
        }
        for (size_t s = 0; s < L; ++s) {
          std::memcpy(T + fp.posIn[s] * W, in + fp.invSrc[s] * inStride, rowBytes);
        }
        if (fp.padded) std::memset(T + L * W, 0, (fp.rows - L) * rowBytes);
        return raderConvolution<Ops>(fp, T, T2, W, fp.kI, fp.wI, c);
      };
      const uint64_t* X = convolve();
      const uint64_t* zLast = X + fp.posOut[L / 2] * W;  // z_(p-1): t = L/2, g^-t = -1
      for (size_t t = 0; t < L; ++t) {
        if (fp.invDst[t] < 0) continue;
        Ops::subReduce(out + static_cast<size_t>(fp.invDst[t]) * outStride, X + fp.posOut[t] * W,
                       zLast, W, c);
      }
      Ops::subReduce(out, S, zLast, W, c);
      return;
    }
  }
}

// Column widths: stages whose fibres are strided by a multiple of the vector width take up to
// kDirectWidth columns at a time in place; the others are transposed kTransposeWidth fibres at a
// time. Both are capped so that a stage's scratch stays below kScratchBudget words.
constexpr size_t kDirectWidth = 64;
constexpr size_t kTransposeWidth = 16;
constexpr size_t kScratchBudget = size_t{1} << 16;

}  // namespace

// ---------------------------------------------------------------------------------------------

struct PowerfulDft::Plan {
  std::vector<FactorPlan> factors;
  std::vector<size_t> stride;      // of each dimension in the row-major layout
  std::vector<bool> direct;        // per dimension: in place (true) or transposed
  std::vector<size_t> width;       // per dimension: columns per kernel call
  std::unique_ptr<NttTables> ntt;  // m a power of two: the transform is the negacyclic NTT
  size_t lanes = 1;
  size_t transposeWords = 0, kernelWords = 0;
  // The SIMD kernels may leave out the reductions that only bound values (q < 2^40 and
  // q n <= 2^44 for the longest cyclic NTT n of the factors: see kLazy in
  // src/math/powerful_dft_simd.inc).
  bool lazy = false;
};

bool PowerfulDft::supports(uint64_t m) { return unsupportedReason(m).empty(); }

bool PowerfulDft::recommended(uint64_t m) {
  if (!supports(m)) return false;
  const auto factors = primePowers(m);
  if (factors.size() < 2) return false;  // a prime power: the powerful basis is the power basis
  for (const auto& f : factors) {
    size_t n = 1, r = 1;
    bool padded = false;
    const Kind kind = chooseKind(f, n, r, padded);
    // Zero-padded Rader convolutions and long row NTTs (wide rows out of cache) lose to
    // Bluestein (m = 3 * 1031, 2 * 8191, 3 * 65537 in doc/performance.md).
    if (kind != Kind::kDense && (padded || n > kMaxRecommendedNtt)) return false;
  }
  return true;
}

uint64_t PowerfulDft::divisor(uint64_t m) {
  if (const auto why = unsupportedReason(m); !why.empty()) {
    throw std::invalid_argument("hl::PowerfulDft::divisor: " + why);
  }
  // Every cyclic NTT length the factors need must divide q - 1, and so must m.
  uint64_t need = m;
  for (const auto& f : primePowers(m)) {
    size_t n = 1, r = 1;
    bool padded = false;
    const Kind k = chooseKind(f, n, r, padded);
    if (k != Kind::kDense) need = std::lcm(need, static_cast<uint64_t>(n));
  }
  return need;
}

PowerfulDft::PowerfulDft(uint64_t m, const Modulus& q, uint64_t zeta, SimdLevel level)
    : m_(m), n_(0), q_(q), zeta_(zeta), level_(SimdLevel::kScalar) {
  if (const auto why = unsupportedReason(m); !why.empty()) {
    throw std::invalid_argument("hl::PowerfulDft: " + why);
  }
  const uint64_t qv = q.value();
  n_ = eulerPhi(m);
  const auto factors = primePowers(m);
  const uint64_t need = divisor(m);
  if (q.bits() > kMaxPrimeBits || !isPrime(qv) || (qv - 1) % need != 0) {
    throw std::invalid_argument(
        "hl::PowerfulDft: modulus " + std::to_string(qv) + " is not a prime below 2^" +
        std::to_string(kMaxPrimeBits) + " that is 1 mod " + std::to_string(need) +
        " (needed for m = " + std::to_string(m) + "; 1 mod cyclotomicDftDivisor(m) suffices)");
  }
  bool primitive = zeta < qv && q.pow(zeta, m) == 1;
  for (uint64_t p : primeFactors(m)) primitive = primitive && q.pow(zeta, m / p) != 1;
  if (!primitive) {
    throw std::invalid_argument("hl::PowerfulDft: zeta = " + std::to_string(zeta) +
                                " is not a primitive " + std::to_string(m) +
                                "-th root of unity mod " + std::to_string(qv));
  }
#if HL_PDFT_X86
  level_ = detail::usableLevel(level, true, true);
#else
  level_ = detail::usableLevel(level, false, false);
#endif
  plan_ = std::make_unique<Plan>();
  Plan& pl = *plan_;
  if (isPowerOfTwo(m)) {
    pl.ntt = std::make_unique<NttTables>(n_, q, zeta, level);
    return;
  }
  pl.lanes = level_ == SimdLevel::kAvx512Ifma ? 8 : level_ == SimdLevel::kAvx2 ? 4 : 1;
  const size_t k = factors.size();
  for (const auto& f : factors) pl.factors.push_back(buildFactor(f, q.pow(zeta, m / f.pe), q));
  pl.stride.assign(k, 1);
  for (size_t i = k - 1; i-- > 0;) pl.stride[i] = pl.stride[i + 1] * factors[i + 1].phi;
  // Column widths and scratch.
  pl.direct.resize(k);
  pl.width.resize(k);
  for (size_t d = 0; d < k; ++d) {
    const FactorPlan& fp = pl.factors[d];
    const size_t I = pl.stride[d], fibres = n_ / fp.P;
    pl.direct[d] = I % pl.lanes == 0 && I >= 2 * pl.lanes;
    const size_t rows = fp.scratchRows() + (pl.direct[d] ? 0 : fp.P);
    const size_t cap = std::max(pl.lanes, kScratchBudget / rows / pl.lanes * pl.lanes);
    if (pl.direct[d]) {
      pl.width[d] = std::min({kDirectWidth, cap, I});
    } else {
      pl.width[d] = std::min({kTransposeWidth, cap, roundUp(fibres, pl.lanes)});
      pl.transposeWords = std::max(pl.transposeWords, fp.P * pl.width[d]);
    }
    pl.kernelWords = std::max(pl.kernelWords, fp.scratchRows() * pl.width[d]);
  }
  size_t longestNtt = 1;
  for (const FactorPlan& fp : pl.factors) {
    if (fp.kind != Kind::kDense) longestNtt = std::max(longestNtt, fp.n);
  }
  pl.lazy = qv < (uint64_t{1} << 40) &&
            static_cast<unsigned __int128>(qv) * longestNtt <= (uint64_t{1} << 44);
  pl.transposeWords = roundUp(pl.transposeWords, 8);
  pl.kernelWords = roundUp(pl.kernelWords, 8);
  // The layout's row-major order is the evaluation order (evaluationExponents: lexicographic
  // in the ranks of e mod m_i), so the transform writes values in place; checked once here.
  std::vector<std::vector<int32_t>> ranks;
  for (const auto& f : factors) ranks.push_back(unitRanks(f.pe));
  const auto exps = evaluationExponents(m);
  for (size_t t = 0; t < n_; ++t) {
    size_t idx = 0;
    for (size_t i = 0; i < k; ++i)
      idx += static_cast<size_t>(ranks[i][exps[t] % factors[i].pe]) * pl.stride[i];
    if (idx != t) throw std::logic_error("hl::PowerfulDft: evaluation order mismatch");
  }
}

PowerfulDft::~PowerfulDft() = default;

bool PowerfulDft::lazyReductions() const { return level_ != SimdLevel::kScalar && plan_->lazy; }

namespace {

uint64_t* threadScratch(size_t words) {
  thread_local detail::AlignedVector<uint64_t> buf;
  if (buf.size() < words) buf.resize(words);
  return buf.data();
}

template <class Ops>
void runStage(const PowerfulDft::Plan& pl, size_t d, bool forward, uint64_t* work, size_t n,
              uint64_t* tbuf, uint64_t* kscr, const typename Ops::Ctx& c,
              const uint64_t* wordsIn = nullptr, uint64_t* wordsOut = nullptr);

}  // namespace

// Kept out of the anonymous namespace's declaration order issues: the driver needs Plan.
namespace {

// One dimension's maps over the array `work`. For the innermost dimension (fibres contiguous,
// always transposed) the fibres may instead be read from wordsIn, words in [0, q), or written to
// wordsOut as words: the transform's first and last stages, fused with the conversions.
template <class Ops>
void runStage(const PowerfulDft::Plan& pl, size_t d, bool forward, uint64_t* work, size_t n,
              uint64_t* tbuf, uint64_t* kscr, const typename Ops::Ctx& c, const uint64_t* wordsIn,
              uint64_t* wordsOut) {
  const FactorPlan& fp = pl.factors[d];
  const size_t P = fp.P, I = pl.stride[d], O = n / (P * I);
  auto kernel = [&](const uint64_t* in, size_t is, uint64_t* out, size_t os, size_t W) {
    if (forward) {
      factorForward<Ops>(fp, in, is, out, os, W, kscr, c);
    } else {
      factorInverse<Ops>(fp, in, is, out, os, W, kscr, c);
    }
  };
  if (pl.direct[d]) {
    const size_t Wmax = pl.width[d];
    for (size_t o = 0; o < O; ++o) {
      uint64_t* base = work + o * P * I;
      for (size_t c0 = 0; c0 < I; c0 += Wmax) {
        const size_t W = std::min(Wmax, I - c0);
        kernel(base + c0, I, base + c0, I, W);
      }
    }
    return;
  }
  const size_t B = pl.width[d], fibres = O * I;
  if (I == 1) {  // the innermost dimension: fibre f is the P words at work + f * P
    for (size_t f0 = 0; f0 < fibres; f0 += B) {
      const size_t cnt = std::min(B, fibres - f0);
      if (wordsIn != nullptr) {
        Ops::template gatherFibres<true>(tbuf, B, wordsIn + f0 * P, P, cnt, c);
      } else {
        Ops::template gatherFibres<false>(tbuf, B, work + f0 * P, P, cnt, c);
      }
      if (cnt < B) {
        for (size_t j = 0; j < P; ++j)
          std::memset(tbuf + j * B + cnt, 0, (B - cnt) * sizeof(uint64_t));
      }
      kernel(tbuf, B, tbuf, B, B);
      if (wordsOut != nullptr) {
        Ops::template scatterFibres<true>(wordsOut + f0 * P, P, tbuf, B, cnt, c);
      } else {
        Ops::template scatterFibres<false>(work + f0 * P, P, tbuf, B, cnt, c);
      }
    }
    return;
  }
  if (wordsIn != nullptr || wordsOut != nullptr)
    throw std::logic_error("hl::PowerfulDft: fused conversion on a strided dimension");
  for (size_t f0 = 0; f0 < fibres; f0 += B) {
    const size_t cnt = std::min(B, fibres - f0);
    for (size_t b = 0; b < cnt; ++b) {
      const size_t f = f0 + b;
      const uint64_t* src = work + (f / I) * P * I + f % I;
      for (size_t j = 0; j < P; ++j) tbuf[j * B + b] = src[j * I];
    }
    if (cnt < B) {
      for (size_t j = 0; j < P; ++j)
        std::memset(tbuf + j * B + cnt, 0, (B - cnt) * sizeof(uint64_t));
    }
    kernel(tbuf, B, tbuf, B, B);
    for (size_t b = 0; b < cnt; ++b) {
      const size_t f = f0 + b;
      uint64_t* dst = work + (f / I) * P * I + f % I;
      for (size_t j = 0; j < P; ++j) dst[j * I] = tbuf[j * B + b];
    }
  }
}

template <class Ops>
void forwardImpl(const PowerfulDft::Plan& pl, const Modulus& q, size_t n, const uint64_t* in,
                 uint64_t* values) {
  const auto c = Ops::makeCtx(q);
  uint64_t* work = threadScratch(roundUp(n, 8) + pl.transposeWords + pl.kernelWords);
  uint64_t* tbuf = work + roundUp(n, 8);
  uint64_t* kscr = tbuf + pl.transposeWords;
  // The innermost dimension goes first and reads the input words itself.
  const size_t k = pl.factors.size();
  runStage<Ops>(pl, k - 1, true, work, n, tbuf, kscr, c, in, nullptr);
  for (size_t d = k - 1; d-- > 0;) runStage<Ops>(pl, d, true, work, n, tbuf, kscr, c);
  Ops::toU64(values, work, n, c);
}

template <class Ops>
void inverseImpl(const PowerfulDft::Plan& pl, const Modulus& q, size_t n, const uint64_t* values,
                 uint64_t* out) {
  const auto c = Ops::makeCtx(q);
  uint64_t* work = threadScratch(roundUp(n, 8) + pl.transposeWords + pl.kernelWords);
  uint64_t* tbuf = work + roundUp(n, 8);
  uint64_t* kscr = tbuf + pl.transposeWords;
  Ops::fromU64(work, values, n, c);
  // The innermost dimension goes last and writes the output words itself.
  const size_t k = pl.factors.size();
  for (size_t d = 0; d + 1 < k; ++d) runStage<Ops>(pl, d, false, work, n, tbuf, kscr, c);
  runStage<Ops>(pl, k - 1, false, work, n, tbuf, kscr, c, nullptr, out);
}

}  // namespace

void PowerfulDft::forward(const uint64_t* powerful, uint64_t* values) const {
  const Plan& pl = *plan_;
  if (pl.ntt) {
    if (values != powerful) std::copy(powerful, powerful + n_, values);
    pl.ntt->forward(values);
    return;
  }
#if HL_PDFT_X86
  if (level_ == SimdLevel::kAvx512Ifma) {
    if (pl.lazy) return forwardImpl<Avx512Ops<true>>(pl, q_, n_, powerful, values);
    return forwardImpl<Avx512Ops<false>>(pl, q_, n_, powerful, values);
  }
  if (level_ == SimdLevel::kAvx2) {
    if (pl.lazy) return forwardImpl<AvxOps<true>>(pl, q_, n_, powerful, values);
    return forwardImpl<AvxOps<false>>(pl, q_, n_, powerful, values);
  }
#endif
  forwardImpl<ScalarOps>(pl, q_, n_, powerful, values);
}

void PowerfulDft::inverse(const uint64_t* values, uint64_t* powerful) const {
  const Plan& pl = *plan_;
  if (pl.ntt) {
    if (values != powerful) std::copy(values, values + n_, powerful);
    pl.ntt->inverse(powerful);
    return;
  }
#if HL_PDFT_X86
  if (level_ == SimdLevel::kAvx512Ifma) {
    if (pl.lazy) return inverseImpl<Avx512Ops<true>>(pl, q_, n_, values, powerful);
    return inverseImpl<Avx512Ops<false>>(pl, q_, n_, values, powerful);
  }
  if (level_ == SimdLevel::kAvx2) {
    if (pl.lazy) return inverseImpl<AvxOps<true>>(pl, q_, n_, values, powerful);
    return inverseImpl<AvxOps<false>>(pl, q_, n_, values, powerful);
  }
#endif
  inverseImpl<ScalarOps>(pl, q_, n_, values, powerful);
}

// ---------------------------------------------------------------------------------------------
// Basis changes over the integers.
//
// Z[X]/(X^m - 1) is the tensor product of the Z[X_i]/(X_i^(m_i) - 1) (the group ring of
// Z_m = prod Z_(m_i)), X^j corresponding to prod_i X_i^(j t_i mod m_i) with t_i the inverse of
// m/m_i mod m_i (then X_i = X^(m/m_i)). Reducing along each dimension mod Phi_(m_i) gives the
// powerful coefficients of X^j in Z[X]/Phi_m.

namespace {

void checkBasisArgs(uint64_t m, size_t size, const char* who) {
  if (m < 2 || m >> 31 != 0) {
    throw std::invalid_argument(std::string(who) + ": m = " + std::to_string(m) +
                                " is out of range (need 2 <= m < 2^31)");
  }
  if (size != eulerPhi(m)) {
    throw std::invalid_argument(std::string(who) + ": got " + std::to_string(size) +
                                " coefficients, need phi(m) = " + std::to_string(eulerPhi(m)));
  }
}

int64_t toInt64(__int128 x, const char* who) {
  if (x > std::numeric_limits<int64_t>::max() || x < std::numeric_limits<int64_t>::min()) {
    throw std::overflow_error(std::string(who) + ": a coefficient does not fit in 64 bits");
  }
  return static_cast<int64_t>(x);
}

}  // namespace

namespace {

// The index maps of powerToPowerful for one m, built once per m and shared: X^j goes to
// position scatter[j] = sum_i (j t_i mod m_i) es_i of the extended array (t_i = (m/m_i)^-1 mod
// m_i, es_i its strides, m_i per dimension), and powerful coefficient J (row-major in the
// reduced block j_i < phi(m_i)) is read from position gather[J].
struct PowerfulMaps {
  std::vector<uint32_t> scatter, gather;
};

std::shared_ptr<const PowerfulMaps> powerfulMaps(uint64_t m, const std::vector<PrimePower>& f) {
  static std::mutex mu;
  static std::map<uint64_t, std::shared_ptr<const PowerfulMaps>> cache;
  {
    const std::lock_guard<std::mutex> lock(mu);
    if (auto it = cache.find(m); it != cache.end()) return it->second;
  }
  const size_t k = f.size();
  size_t n = 1;
  for (const auto& pf : f) n *= pf.phi;
  std::vector<size_t> es(k, 1);
  for (size_t i = k - 1; i-- > 0;) es[i] = es[i + 1] * f[i + 1].pe;
  auto maps = std::make_shared<PowerfulMaps>();
  maps->scatter.resize(n);
  maps->gather.resize(n);
  {  // odometer in j: r_i = j t_i mod m_i advances by t_i
    std::vector<uint64_t> t(k), r(k, 0);
    for (size_t i = 0; i < k; ++i) t[i] = invMod((m / f[i].pe) % f[i].pe, f[i].pe);
    size_t pos = 0;
    for (size_t j = 0; j < n; ++j) {
      maps->scatter[j] = static_cast<uint32_t>(pos);
      for (size_t i = 0; i < k; ++i) {
        r[i] += t[i];
        pos += t[i] * es[i];
        if (r[i] >= f[i].pe) {
          r[i] -= f[i].pe;
          pos -= f[i].pe * es[i];
        }
      }
    }
  }
  {  // odometer over the reduced block in row-major order
    std::vector<uint64_t> idx(k, 0);
    size_t pos = 0;
    for (size_t J = 0; J < n; ++J) {
      maps->gather[J] = static_cast<uint32_t>(pos);
      for (size_t i = k; i-- > 0;) {
        pos += es[i];
        if (++idx[i] < f[i].phi) break;
        pos -= f[i].phi * es[i];
        idx[i] = 0;
      }
    }
  }
  const std::lock_guard<std::mutex> lock(mu);
  return cache.emplace(m, std::move(maps)).first->second;  // another thread's copy if first
}

// powerToPowerful with the extended coefficients in T (int64_t when the caller has checked
// that no partial sum can overflow it, __int128 otherwise).
template <class T>
std::vector<int64_t> powerToPowerfulIn(uint64_t m, std::span<const int64_t> power,
                                       const std::vector<PrimePower>& f, const char* who) {
  const size_t k = f.size(), n = power.size();
  std::vector<size_t> es(k, 1);  // strides of the extended array (m_i per dimension)
  for (size_t i = k - 1; i-- > 0;) es[i] = es[i + 1] * f[i + 1].pe;
  const auto maps = powerfulMaps(m, f);
  // Per-thread scratch (a fresh m-word vector per call would be page-faulted in every time);
  // zeroed here, wiped below.
  thread_local detail::AlignedVector<T> scratch;
  if (scratch.size() < m) scratch.resize(m);
  std::fill_n(scratch.data(), m, T{0});
  const std::span<T> ext(scratch.data(), m);
  const uint32_t* sc = maps->scatter.data();
  for (size_t j = 0; j < n; ++j) ext[sc[j]] = power[j];
  // Along dimension i: Y^E = -sum_{c < p-1} Y^(E - phi + c p^(e-1)) for phi <= E < p^e, since
  // Phi_(p^e)(Y) = sum_{c < p} Y^(c p^(e-1)); the targets are all below phi.
  for (size_t i = 0; i < k; ++i) {
    const uint64_t M = f[i].pe, phi = f[i].phi, step = f[i].pe / f[i].p;
    // Whole rows of `inner` contiguous values at a time (no shortcut for zero rows: the values
    // may be secret).
    const size_t inner = es[i], outer = m / (M * inner);
    for (size_t o = 0; o < outer; ++o) {
      T* x = ext.data() + o * M * inner;
      if (inner == 1 && f[i].e == 1) {  // the innermost prime factor: x_j -= x_(p-1), j < p-1
        const T v = x[phi];
        for (uint64_t j = 0; j < phi; ++j) x[j] -= v;
        x[phi] = 0;
        continue;
      }
      for (uint64_t E = phi; E < M; ++E) {
        T* src = x + E * inner;
        for (uint64_t cc = 0; cc + 1 < f[i].p; ++cc) {
          T* dst = x + (E - phi + cc * step) * inner;  // below phi: never src
          for (size_t c = 0; c < inner; ++c) dst[c] -= src[c];
        }
        std::fill_n(src, inner, T{0});
      }
    }
  }
  // Read the reduced block (j_i < phi(m_i)) in row-major order.
  std::vector<int64_t> out(n);
  const uint32_t* ga = maps->gather.data();
  for (size_t J = 0; J < n; ++J) {
    if constexpr (std::is_same_v<T, int64_t>) {
      out[J] = ext[ga[J]];
    } else {
      out[J] = toInt64(ext[ga[J]], who);
    }
  }
  OPENSSL_cleanse(ext.data(), ext.size() * sizeof(T));  // may hold secret coefficients
  return out;
}

}  // namespace

std::vector<int64_t> powerToPowerful(uint64_t m, std::span<const int64_t> power) {
  constexpr const char* kWho = "hl::powerToPowerful";
  checkBasisArgs(m, power.size(), kWho);
  const auto f = primePowers(m);
  // Every powerful coefficient is a signed sum of at most prod_i g_i input coefficients, g_i = 2
  // for a prime factor (x_j - x_(p-1)) and at most p for a prime power p^e, e > 1: in 64 bits
  // when max |x| * prod g_i < 2^62 (the partial sums too: they have fewer terms).
  unsigned __int128 growth = 1;
  for (const auto& pf : f) growth *= (pf.e == 1 ? 2 : pf.p);
  uint64_t maxAbs = 0;
  for (int64_t x : power) {
    const uint64_t a = x < 0 ? uint64_t{0} - static_cast<uint64_t>(x) : static_cast<uint64_t>(x);
    maxAbs = std::max(maxAbs, a);
  }
  if (static_cast<unsigned __int128>(maxAbs) * growth < (static_cast<unsigned __int128>(1) << 62)) {
    return powerToPowerfulIn<int64_t>(m, power, f, kWho);
  }
  return powerToPowerfulIn<__int128>(m, power, f, kWho);
}

std::vector<int64_t> powerfulToPower(uint64_t m, std::span<const int64_t> powerful) {
  constexpr const char* kWho = "hl::powerfulToPower";
  checkBasisArgs(m, powerful.size(), kWho);
  const auto f = primePowers(m);
  const size_t k = f.size(), n = powerful.size();
  std::vector<size_t> ps(k, 1);
  for (size_t i = k - 1; i-- > 0;) ps[i] = ps[i + 1] * f[i + 1].phi;
  // b = sum_J c_J X^(sum_i (m/m_i) j_i mod m), of degree < m.
  NTL::ZZX b;
  b.SetMaxLength(static_cast<long>(m));
  for (size_t J = 0; J < n; ++J) {
    if (powerful[J] == 0) continue;
    uint64_t E = 0;
    for (size_t i = 0; i < k; ++i) E = (E + (m / f[i].pe) * (J / ps[i] % f[i].phi)) % m;
    NTL::SetCoeff(b, static_cast<long>(E), NTL::conv<NTL::ZZ>(static_cast<long>(powerful[J])));
  }
  // b mod Phi_m by Newton division: Phi_m is palindromic, so the reversed quotient is
  // rev(b) * Phi_m^-1 mod X^(m-n).
  const auto phiCoeffs = cyclotomicPolynomial(m);
  NTL::ZZX phi;
  for (size_t i = 0; i < phiCoeffs.size(); ++i) {
    NTL::SetCoeff(phi, static_cast<long>(i), NTL::conv<NTL::ZZ>(static_cast<long>(phiCoeffs[i])));
  }
  const long d = static_cast<long>(m - n);
  NTL::ZZX rb, quoRev, quo;
  NTL::reverse(rb, b, static_cast<long>(m) - 1);
  NTL::MulTrunc(quoRev, rb, NTL::InvTrunc(phi, d), d);
  NTL::reverse(quo, quoRev, d - 1);
  const NTL::ZZX rem = b - quo * phi;
  if (NTL::deg(rem) >= static_cast<long>(n))
    throw std::logic_error("hl::powerfulToPower: internal error");
  std::vector<int64_t> out(n, 0);
  for (size_t j = 0; j < n; ++j) {
    const NTL::ZZ& x = NTL::coeff(rem, static_cast<long>(j));
    if (NTL::NumBits(x) > 63)
      throw std::overflow_error(std::string(kWho) + ": a coefficient does not fit in 64 bits");
    out[j] = NTL::conv<long>(x);
  }
  return out;
}

}  // namespace hl
