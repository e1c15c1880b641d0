// AVX2 + FMA kernels of the power-of-two negacyclic NTT (see ntt_kernels.h, ntt_scalar.cpp).
//
// AVX2 has no 64x64-bit multiplier, so the transform runs in double precision: primes are
// below 2^50 and every intermediate value is an integer of magnitude below 2^53, exact in a
// double. The uint64 array is reinterpreted in place as doubles (converted on the first pass,
// converted back with the final reduction on the last one) and only ever accessed through
// intrinsic loads and stores, which may alias.
//
// Modular product (the floating-point variant with FMA of J. van der Hoeven, G. Lecerf and
// G. Quintin, "Modular SIMD arithmetic in Mathemagix", ACM TOMS 43(1), 2016; the exact product
// h + l is Dekker's two-product): for an integer y and a twiddle w in [0, q), wq = fl(w/q),
//   h = fl(y*w), l = y*w - h (exact, one FMA), k = round(fl(y*wq)), r = fl(h - k*q) + l.
// h - k*q is exact (one FMA of two integers whose difference is below 2^51) and so is the sum,
// so r = y*w - k*q exactly. The quotient estimate is off by at most 3|y|*2^-54 (wq and the
// product each contribute a relative error), so |r| <= q*(1/2 + 3|y|*2^-54).
//
// Values are kept signed (Harvey's lazy butterflies, D. Harvey, "Faster arithmetic for
// number-theoretic transforms", J. Symb. Comp. 60 (2014), moved to a symmetric range): a
// reduction x - q*round(x/q) brings a value to [-q/2 - 1, q/2 + 1]. Bounds in units of q, for
// q < 2^50 (so |r| <= q*(1/2 + 3|y|/(16q)), the worst case):
//  * forward (Cooley-Tukey, radix 4): only every other pass reduces the x inputs of its first
//    stage, so values grow for four stages between reductions. A stage maps |x| <= B to
//    B + 1/2 + 3B/16; with reduced x inputs, to 1 + 3B/16. A reducing pass maps B <= 5.07 to
//    <= 1 + 0.96 = 1.96, then 1/2 + 1.1875 * 1.96 <= 2.82; a non-reducing one maps 2.82 to
//    3.85, then 5.07 (the first pass starts from 2q, [0, 4q) shifted). So all values stay below
//    5.07q < 2^52.4, exact, and so are the products of such y (|r| <= 1.46q, and
//    |h - k*q| <= |r| + |l| <= 1.46q + 2^49 < 2^53).
//    The last pass before the final kernel reduces (<= 2.82q); for odd log n the final kernel's
//    half-size 4 stage reduces instead (<= 1.96q after it, then <= 2.82q after half-size 2).
//    Half-size 2 does not reduce (<= 3.85q); half-size 1 does (<= 1 + 3 * 3.85/16 = 1.73q,
//    below the 1.9q that toU64 requires).
//  * inverse (Gentleman-Sande): a stage maps |x|, |y| <= B to a sum <= 2B (reduced or not) and
//    a product <= 1/2 + 3B/8, which needs 2B <= 16/3 for the quotient to be off by < 1. The sums
//    double, unlike the forward's, so some of them are reduced in every radix-4 pass: reducing
//    only every other pass cannot work (the next pass would see differences of 4-term sums, up
//    to 16 times the reduced bound). The first kernel (from [0, 2q), shifted: |x| < 1) leaves the
//    half-size 1 sums (< 2) and the half-size 4 sums (<= 5/2, products <= 1.25 -> <= 0.97) alone
//    and reduces those of half-sizes 2 (<= 4, products <= 1.25) and 8 (<= 5, products
//    <= 1.44), and of half-size 4 when that is its last stage, so it outputs <= 1.44.
//    Radix-4 passes always reduce the sums of their first stage and alternate (starting with
//    the first pass after the first kernel) between reducing the sum of the two products of the
//    second stage (A) or not (B). A maps B <= 8/3 to <= 1.07 (x0 = s0 + s2 <= 1; first-stage
//    products <= 1/2 + 3B/8 <= 3/2, so x3 = w*(d0 - d2) <= 1/2 + 9/16); B maps 1.07 to <= 1.81
//    (x1 = d0 + d2 <= 2 * (1/2 + 3 * 1.07/8)). The final pass takes inputs <= 1.81 < 2.2, its
//    products by 1/n and w/n are then below q (<= 1/2 + 3 * 2.36/16) as toU64Small requires.
//    All values stay below 5q < 2^52.4 and every product input below 16q/3.
// The last two or three forward stages and the first three or four inverse ones work on
// 8-element groups held in 128-bit halves (broadcast loads and blends, unpacks within lanes;
// see fwdFinal and invFirst), whose twiddles for half-sizes 1 and 2 are then contiguous or pairs
// of the bit-reversed table; the forward stores 128-bit halves, the inverse goes back to natural
// order with two lane-crossing permutes per group before half-size 4. Blocks that fit the L1 cache are finished
// depth-first, so only the first radix-4 pass of a large forward transform (the last one of an
// inverse) streams the whole array.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "math/ntt_kernels.h"

namespace hl::detail {
namespace {

// Blocks of at most this many elements (16 KiB) are finished breadth-first, in L1.
constexpr size_t kCacheBlock = size_t{1} << 11;

constexpr double kTwo52 = 4503599627370496.0;           // 2^52
constexpr uint64_t kTwo52Bits = 0x4330000000000000ull;  // bits of 2^52

struct Consts {
  __m256d q, qinv, two52bits;
  __m256d two52, two52q;  // 2^52 and 2^52 + q
  __m256d floorBias;      // 2^-51
};

static inline Consts makeConsts(uint64_t q) {
  Consts c;
  const double qd = static_cast<double>(q);
  c.q = _mm256_set1_pd(qd);
  c.qinv = _mm256_set1_pd(1.0 / qd);
  c.two52bits = _mm256_castsi256_pd(_mm256_set1_epi64x(static_cast<int64_t>(kTwo52Bits)));
  c.two52 = _mm256_set1_pd(kTwo52);
  c.two52q = _mm256_set1_pd(kTwo52 + qd);
  c.floorBias = _mm256_set1_pd(0x1p-51);
  return c;
}

static inline __m256d load(const double* p) { return _mm256_loadu_pd(p); }
static inline void store(double* p, __m256d v) { _mm256_storeu_pd(p, v); }
static inline __m256d bcast(const double* p) { return _mm256_broadcast_sd(p); }

static inline __m256d roundNearest(__m256d x) {
  return _mm256_round_pd(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}

// y*w mod q, |r| <= q*(1/2 + 3|y|*2^-54), for integers |y| < 2^53 with |r| + 2^49 < 2^53
// (see the header comment).
static inline __m256d mulMod(__m256d y, __m256d w, __m256d wq, const Consts& c) {
  const __m256d h = _mm256_mul_pd(y, w);
  const __m256d l = _mm256_fmsub_pd(y, w, h);
  const __m256d k = roundNearest(_mm256_mul_pd(y, wq));
  return _mm256_add_pd(_mm256_fnmadd_pd(k, c.q, h), l);
}

// x - q*round(x/q), in [-q/2 - 1, q/2 + 1], for integers |x| < 2^53.
static inline __m256d reduce(__m256d x, const Consts& c) {
  return _mm256_fnmadd_pd(roundNearest(_mm256_mul_pd(x, c.qinv)), c.q, x);
}

// uint64 words x < 2^52 (as loaded bits) to the doubles x - offset; offset2 = 2^52 + offset.
static inline __m256d fromU64(__m256d bits, __m256d offset2, const Consts& c) {
  return _mm256_sub_pd(_mm256_or_pd(bits, c.two52bits), offset2);
}

// r in (-q, q) to the bits of the uint64 word r mod q in [0, q).
static inline __m256d toU64Small(__m256d r, const Consts& c) {
  const __m256d u = _mm256_add_pd(r, c.two52), u2 = _mm256_add_pd(r, c.two52q);
  return _mm256_xor_pd(_mm256_blendv_pd(u, u2, r), c.two52bits);
}

// Any |x| < 1.9q to the bits of x mod q in [0, q): k = floor(x/q) exactly, computed as
// floor(x*qinv + 2^-51); the bias covers the rounding errors (<= 1.5 * 2^-52) and stays below
// 1/q - 1.5 * 2^-52, so exact multiples and values just below them both land right.
static inline __m256d toU64(__m256d x, const Consts& c) {
  const __m256d k = _mm256_round_pd(_mm256_fmadd_pd(x, c.qinv, c.floorBias),
                                    _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  return _mm256_xor_pd(_mm256_add_pd(_mm256_fnmadd_pd(k, c.q, x), c.two52), c.two52bits);
}

// Twiddles of one direction: w[k], w[k]/q in bit-reversed order.
struct Twiddles {
  size_t n;
  const double* w;
  const double* wq;
};

// Butterflies on registers.

// Cooley-Tukey: (x, y) <- (x + w*y, x - w*y).
static inline void ct(__m256d& x, __m256d& y, __m256d w, __m256d wq, const Consts& c) {
  const __m256d r = mulMod(y, w, wq, c);
  y = _mm256_sub_pd(x, r);
  x = _mm256_add_pd(x, r);
}

// ---------------------------------------------------------------------------------------------
// Forward (Cooley-Tukey, natural order in, bit-reversed order out).

// Two stages on the block of 4s doubles at `a` (s a multiple of 8), block g of the m = n/(4s)
// blocks of the stage with half-size 2s. kFromU64: the block still holds uint64 words in [0, 4q).
// kReduce: reduce the x inputs of the first stage (every other pass, see the header comment).
// Two iterations are interleaved for parallelism.
template <bool kFromU64, bool kReduce>
static inline void fwdRadix4(double* a, size_t s, size_t m, size_t g, const Twiddles& tw,
                             const Consts& c) {
  const __m256d w1 = bcast(tw.w + m + g), w1q = bcast(tw.wq + m + g);
  const __m256d w2 = bcast(tw.w + 2 * m + 2 * g), w2q = bcast(tw.wq + 2 * m + 2 * g);
  const __m256d w3 = bcast(tw.w + 2 * m + 2 * g + 1), w3q = bcast(tw.wq + 2 * m + 2 * g + 1);
  const __m256d off = _mm256_add_pd(c.two52, _mm256_add_pd(c.q, c.q));  // [0, 4q) -> (-2q, 2q)
  double* p0 = a;
  double* p1 = a + s;
  double* p2 = a + 2 * s;
  double* p3 = a + 3 * s;
  if (s == 4) {  // half-sizes 8 and 4
    __m256d x0 = load(p0), x1 = load(p1), x2 = load(p2), x3 = load(p3);
    if constexpr (kFromU64) {
      x0 = fromU64(x0, off, c);
      x1 = fromU64(x1, off, c);
      x2 = fromU64(x2, off, c);
      x3 = fromU64(x3, off, c);
    }
    if constexpr (kReduce) {
      x0 = reduce(x0, c);
      x1 = reduce(x1, c);
    }
    ct(x0, x2, w1, w1q, c);
    ct(x1, x3, w1, w1q, c);
    ct(x0, x1, w2, w2q, c);
    ct(x2, x3, w3, w3q, c);
    store(p0, x0);
    store(p1, x1);
    store(p2, x2);
    store(p3, x3);
    return;
  }
  for (size_t j = 0; j < s; j += 8) {
    __m256d x0 = load(p0 + j), x1 = load(p1 + j), x2 = load(p2 + j), x3 = load(p3 + j);
    __m256d y0 = load(p0 + j + 4), y1 = load(p1 + j + 4), y2 = load(p2 + j + 4),
            y3 = load(p3 + j + 4);
    if constexpr (kFromU64) {
      x0 = fromU64(x0, off, c);
      x1 = fromU64(x1, off, c);
      x2 = fromU64(x2, off, c);
      x3 = fromU64(x3, off, c);
      y0 = fromU64(y0, off, c);
      y1 = fromU64(y1, off, c);
      y2 = fromU64(y2, off, c);
      y3 = fromU64(y3, off, c);
    }
    if constexpr (kReduce) {
      x0 = reduce(x0, c);
      x1 = reduce(x1, c);
      y0 = reduce(y0, c);
      y1 = reduce(y1, c);
    }
    ct(x0, x2, w1, w1q, c);
    ct(y0, y2, w1, w1q, c);
    ct(x1, x3, w1, w1q, c);
    ct(y1, y3, w1, w1q, c);
    ct(x0, x1, w2, w2q, c);
    ct(y0, y1, w2, w2q, c);
    ct(x2, x3, w3, w3q, c);
    ct(y2, y3, w3, w3q, c);
    store(p0 + j, x0);
    store(p1 + j, x1);
    store(p2 + j, x2);
    store(p3 + j, x3);
    store(p0 + j + 4, y0);
    store(p1 + j + 4, y1);
    store(p2 + j + 4, y2);
    store(p3 + j + 4, y3);
  }
}

// One radix-4 pass; the passes whose distance to the last kernel is odd skip the reductions.
static inline void fwdPass(double* a, size_t s, size_t m, size_t g, bool fromU64, bool reduce,
                           const Twiddles& tw, const Consts& c) {
  if (fromU64) {
    if (reduce) {
      fwdRadix4<true, true>(a, s, m, g, tw, c);
    } else {
      fwdRadix4<true, false>(a, s, m, g, tw, c);
    }
  } else if (reduce) {
    fwdRadix4<false, true>(a, s, m, g, tw, c);
  } else {
    fwdRadix4<false, false>(a, s, m, g, tw, c);
  }
}

// Loads [p0 p1 p8 p9] as doubles from 128-bit halves (broadcast loads and a blend, which avoids
// the slower lane-crossing shuffles).
static inline __m256d loadHalves(const double* p, const double* p2) {
  return _mm256_blend_pd(_mm256_broadcast_pd(reinterpret_cast<const __m128d*>(p)),
                         _mm256_broadcast_pd(reinterpret_cast<const __m128d*>(p2)), 0xC);
}

// [p[0] p[0] p[1] p[1]].
static inline __m256d loadPairs(const double* p) {
  return _mm256_blend_pd(bcast(p), bcast(p + 1), 0xC);
}

// The last stages on the 16U doubles at d + 16b (2U groups of 8): half-size 4 if kH4, then 2
// and 1, the final reduction and the conversion back to uint64. Each group of 8 elements e0..e7
// is held as X = [e0 e1 e4 e5], Y = [e2 e3 e6 e7] for half-size 2, then as [e0 e2 e4 e6],
// [e1 e3 e5 e7] for half-size 1, whose twiddles w[n/2 + 4g + r] are then contiguous.
// Input bounds: |x| <= 2.82q (half-size 2 comes straight after a reducing pass) or, if kH4,
// |x| <= 5.07q (half-size 4 reduces its x inputs; the pass before it does not).
template <bool kH4, int U>
static inline void fwdFinal(double* d, size_t b, const Twiddles& tw, const Consts& c) {
  const size_t n = tw.n;
  double* p = d + 16 * b;
  __m256d x[2 * U], y[2 * U];
  if constexpr (kH4) {
#pragma GCC unroll 8
    for (int u = 0; u < 2 * U; ++u) {
      __m256d v0 = load(p + 8 * u), v1 = load(p + 8 * u + 4);
      const size_t h = n / 8 + 2 * b + u;
      v0 = reduce(v0, c);
      ct(v0, v1, bcast(tw.w + h), bcast(tw.wq + h), c);  // |x| <= 1.96q
      x[u] = _mm256_permute2f128_pd(v0, v1, 0x20);
      y[u] = _mm256_permute2f128_pd(v0, v1, 0x31);
    }
  } else {
#pragma GCC unroll 8
    for (int u = 0; u < 2 * U; ++u) {
      x[u] = loadHalves(p + 8 * u, p + 8 * u + 4);
      y[u] = loadHalves(p + 8 * u + 2, p + 8 * u + 6);
    }
  }
#pragma GCC unroll 8
  for (int u = 0; u < 2 * U; ++u) {  // half-size 2: groups 4b + 2u, 4b + 2u + 1 of n/4
    const size_t i = n / 4 + 4 * b + 2 * u;
    ct(x[u], y[u], loadPairs(tw.w + i), loadPairs(tw.wq + i), c);  // |x| <= 3.85q
  }
#pragma GCC unroll 8
  for (int u = 0; u < 2 * U; ++u) {  // half-size 1: groups 8b + 4u + r of n/2
    const size_t i = n / 2 + 8 * b + 4 * u;
    const __m256d lo = _mm256_unpacklo_pd(x[u], y[u]);
    y[u] = _mm256_unpackhi_pd(x[u], y[u]);
    x[u] = lo;
    x[u] = reduce(x[u], c);  // keeps the outputs below 1.9q for toU64: 1/2 + 1/2 + 3*3.85/16
    ct(x[u], y[u], load(tw.w + i), load(tw.wq + i), c);
  }
#pragma GCC unroll 8
  for (int u = 0; u < 2 * U; ++u) {
    const __m256d v0 = toU64(x[u], c), v1 = toU64(y[u], c);
    const __m256d lo = _mm256_unpacklo_pd(v0, v1), hi = _mm256_unpackhi_pd(v0, v1);
    double* o = p + 8 * u;
    _mm_storeu_pd(o, _mm256_castpd256_pd128(lo));
    _mm_storeu_pd(o + 2, _mm256_castpd256_pd128(hi));
    _mm_storeu_pd(o + 4, _mm256_extractf128_pd(lo, 1));
    _mm_storeu_pd(o + 6, _mm256_extractf128_pd(hi, 1));
  }
}

// Chunks of 16 elements per fwdFinal call: four interleave enough independent work.
constexpr size_t kFinalU = 4;

// The block of len elements at d + g*len (block g of n/len), all its remaining stages.
// `top`: the whole array, still in uint64 words. Radix-4 passes run down to blocks of 16; for
// odd log n the half-size 4 stage is done by fwdFinal.
static void fwdBlock(double* d, size_t len, size_t g, bool top, bool four, const Twiddles& tw,
                     const Consts& c) {
  double* a = d + g * len;
  const size_t n = tw.n;
  // A pass on blocks of `sub` reduces iff it is an even number of passes above the last pass
  // (blocks of 16, or of 32 for odd log n, whose following half-size 4 stage reduces).
  const int baseLog = four ? 2 : 1;
  auto reduces = [baseLog](size_t sub) {
    return ((__builtin_ctzll(sub) - baseLog) / 2 - 1) % 2 == 0;
  };
  if (len > kCacheBlock) {
    fwdPass(a, len / 4, n / len, g, top, reduces(len), tw, c);
    for (size_t i = 0; i < 4; ++i) fwdBlock(d, len / 4, 4 * g + i, false, four, tw, c);
    return;
  }
  bool first = top;
  for (size_t sub = len; sub > (four ? 4 : 8); sub /= 4) {
    const size_t count = len / sub, m = n / sub;
    const bool red = reduces(sub);
    for (size_t i = 0; i < count; ++i) {
      fwdPass(a + i * sub, sub / 4, m, g * count + i, first, red, tw, c);
    }
    first = false;
  }
  const size_t b0 = g * len / 16, end = b0 + len / 16;
  size_t b = b0;
  if (four) {
    for (; b + kFinalU <= end; b += kFinalU) fwdFinal<false, kFinalU>(d, b, tw, c);
    for (; b < end; ++b) fwdFinal<false, 1>(d, b, tw, c);
  } else {
    for (; b + kFinalU <= end; b += kFinalU) fwdFinal<true, kFinalU>(d, b, tw, c);
    for (; b < end; ++b) fwdFinal<true, 1>(d, b, tw, c);
  }
}

// ---------------------------------------------------------------------------------------------
// Inverse (Gentleman-Sande, bit-reversed order in, natural order out).

// Gentleman-Sande butterfly: (x, y) <- (x + y, w*(x - y)), the sum reduced if kRed.
template <bool kRed>
static inline void gs(__m256d& x, __m256d& y, __m256d w, __m256d wq, const Consts& c) {
  const __m256d s = _mm256_add_pd(x, y);
  y = mulMod(_mm256_sub_pd(x, y), w, wq, c);
  x = kRed ? reduce(s, c) : s;
}

// Two stages on the block of 4s doubles at `a` (s a multiple of 8), block g of the m = n/(4s)
// blocks of the stage with half-size 2s: (a0, a1) by wi[2m + 2g], (a2, a3) by wi[2m + 2g + 1],
// then (a0, a2), (a1, a3) by wi[m + g]. The sums of the first stage are reduced, and so, if
// kRedX1, is the sum of the two products (see the header comment). Two iterations are
// interleaved for parallelism.
template <bool kRedX1>
static inline void invRadix4(double* a, size_t s, size_t m, size_t g, const Twiddles& tw,
                             const Consts& c) {
  const __m256d w0 = bcast(tw.w + 2 * m + 2 * g), w0q = bcast(tw.wq + 2 * m + 2 * g);
  const __m256d w1 = bcast(tw.w + 2 * m + 2 * g + 1), w1q = bcast(tw.wq + 2 * m + 2 * g + 1);
  const __m256d w2 = bcast(tw.w + m + g), w2q = bcast(tw.wq + m + g);
  double* p0 = a;
  double* p1 = a + s;
  double* p2 = a + 2 * s;
  double* p3 = a + 3 * s;
  for (size_t j = 0; j < s; j += 8) {
    __m256d x0 = load(p0 + j), x1 = load(p1 + j), x2 = load(p2 + j), x3 = load(p3 + j);
    __m256d y0 = load(p0 + j + 4), y1 = load(p1 + j + 4), y2 = load(p2 + j + 4),
            y3 = load(p3 + j + 4);
    gs<true>(x0, x1, w0, w0q, c);
    gs<true>(y0, y1, w0, w0q, c);
    gs<true>(x2, x3, w1, w1q, c);
    gs<true>(y2, y3, w1, w1q, c);
    gs<false>(x0, x2, w2, w2q, c);
    gs<false>(y0, y2, w2, w2q, c);
    gs<kRedX1>(x1, x3, w2, w2q, c);
    gs<kRedX1>(y1, y3, w2, w2q, c);
    store(p0 + j, x0);
    store(p1 + j, x1);
    store(p2 + j, x2);
    store(p3 + j, x3);
    store(p0 + j + 4, y0);
    store(p1 + j + 4, y1);
    store(p2 + j + 4, y2);
    store(p3 + j + 4, y3);
  }
}

// The last two stages on the whole array (s = n/4), with 1/n folded in, the
// final reduction and the conversion back to uint64.
static inline void invRadix4Final(double* a, size_t s, const Twiddles& tw, const Consts& c,
                                  uint64_t q, uint64_t nInv, uint64_t nInvW) {
  const double qd = static_cast<double>(q);
  const __m256d w0 = bcast(tw.w + 2), w0q = bcast(tw.wq + 2);
  const __m256d w1 = bcast(tw.w + 3), w1q = bcast(tw.wq + 3);
  const __m256d f = _mm256_set1_pd(static_cast<double>(nInv));
  const __m256d fq = _mm256_set1_pd(static_cast<double>(nInv) / qd);
  const __m256d g = _mm256_set1_pd(static_cast<double>(nInvW));
  const __m256d gq = _mm256_set1_pd(static_cast<double>(nInvW) / qd);
  double* p0 = a;
  double* p1 = a + s;
  double* p2 = a + 2 * s;
  double* p3 = a + 3 * s;
  for (size_t j = 0; j < s; j += 4) {
    __m256d x0 = load(p0 + j), x1 = load(p1 + j), x2 = load(p2 + j), x3 = load(p3 + j);
    gs<true>(x0, x1, w0, w0q, c);
    gs<true>(x2, x3, w1, w1q, c);
    store(p0 + j, toU64Small(mulMod(_mm256_add_pd(x0, x2), f, fq, c), c));
    store(p2 + j, toU64Small(mulMod(_mm256_sub_pd(x0, x2), g, gq, c), c));
    store(p1 + j, toU64Small(mulMod(_mm256_add_pd(x1, x3), f, fq, c), c));
    store(p3 + j, toU64Small(mulMod(_mm256_sub_pd(x1, x3), g, gq, c), c));
  }
}

// The first stages on the 16U elements at d + 16b (2U groups of 8), from uint64 words in
// [0, 2q): half-sizes 1, 2, 4 and, if kFour, 8. Each group of 8 elements e0..e7 is loaded as
// [e0 e1 e4 e5], [e2 e3 e6 e7] (broadcast loads and blends) and held as [e0 e2 e4 e6],
// [e1 e3 e5 e7] for half-size 1, whose twiddles wi[n/2 + 4G + r] are then contiguous, then as
// [e0 e1 e4 e5], [e2 e3 e6 e7] for half-size 2, then in natural order for half-sizes 4 and 8.
// Bounds (header comment): inputs < q, half-size 1 sums < 2q, half-size 2 sums reduced,
// products <= 1.25q; half-size 4 sums <= 2.5q, reduced if it is the last stage; half-size 8
// sums reduced, products <= 1.44q.
// kPre: the inputs are first multiplied by the constants pre[] (doubles of words in [0, q), at
// the same positions), with w/q formed on the fly: |y| < q and a relative error of w*qinv below
// 2^-51 keep the rounded quotient within 1, so the products are in (-q, q) like the inputs.
template <int U, bool kFour, bool kPre>
static inline void invFirst(double* d, size_t b, const Twiddles& tw, const Consts& c,
                            const double* pre) {
  const size_t n = tw.n;
  const __m256d off = _mm256_add_pd(c.two52, c.q);  // [0, 2q) -> (-q, q)
  double* p = d + 16 * b;
  __m256d x[2 * U], y[2 * U];
#pragma GCC unroll 8
  for (int u = 0; u < 2 * U; ++u) {
    __m256d v0 = fromU64(loadHalves(p + 8 * u, p + 8 * u + 4), off, c);
    __m256d v1 = fromU64(loadHalves(p + 8 * u + 2, p + 8 * u + 6), off, c);
    if constexpr (kPre) {
      const double* pp = pre + 16 * b;
      const __m256d w0 = loadHalves(pp + 8 * u, pp + 8 * u + 4);
      const __m256d w1 = loadHalves(pp + 8 * u + 2, pp + 8 * u + 6);
      v0 = mulMod(v0, w0, _mm256_mul_pd(w0, c.qinv), c);
      v1 = mulMod(v1, w1, _mm256_mul_pd(w1, c.qinv), c);
    }
    x[u] = _mm256_unpacklo_pd(v0, v1);
    y[u] = _mm256_unpackhi_pd(v0, v1);
  }
#pragma GCC unroll 8
  for (int u = 0; u < 2 * U; ++u) {  // half-size 1: groups 8b + 4u + r of n/2
    const size_t i = n / 2 + 8 * b + 4 * u;
    gs<false>(x[u], y[u], load(tw.w + i), load(tw.wq + i), c);
  }
#pragma GCC unroll 8
  for (int u = 0; u < 2 * U; ++u) {  // half-size 2: groups 4b + 2u, 4b + 2u + 1 of n/4
    const size_t i = n / 4 + 4 * b + 2 * u;
    const __m256d lo = _mm256_unpacklo_pd(x[u], y[u]);
    y[u] = _mm256_unpackhi_pd(x[u], y[u]);
    x[u] = lo;
    gs<true>(x[u], y[u], loadPairs(tw.w + i), loadPairs(tw.wq + i), c);
  }
#pragma GCC unroll 8
  for (int u = 0; u < 2 * U; ++u) {  // half-size 4: group 2b + u of n/8
    const size_t i = n / 8 + 2 * b + u;
    const __m256d lo = _mm256_permute2f128_pd(x[u], y[u], 0x20);
    y[u] = _mm256_permute2f128_pd(x[u], y[u], 0x31);
    x[u] = lo;
    gs<!kFour>(x[u], y[u], bcast(tw.w + i), bcast(tw.wq + i), c);
  }
  if constexpr (kFour) {
#pragma GCC unroll 8
    for (int u = 0; u < U; ++u) {  // half-size 8: group b + u of n/16
      const size_t i = n / 16 + b + u;
      const __m256d w = bcast(tw.w + i), wq = bcast(tw.wq + i);
      gs<true>(x[2 * u], x[2 * u + 1], w, wq, c);
      gs<true>(y[2 * u], y[2 * u + 1], w, wq, c);
    }
  }
#pragma GCC unroll 8
  for (int u = 0; u < 2 * U; ++u) {
    store(p + 8 * u, x[u]);
    store(p + 8 * u + 4, y[u]);
  }
}

// Chunks of 16 elements per invFirst call.
constexpr size_t kFirstU = 4;

struct InvFinal {
  uint64_t q, nInv, nInvW;
};

// One radix-4 pass on blocks of `sub`; passes alternate between reducing the sum of the two
// products or not, starting with a reducing one after invFirst (see the header comment).
static inline void invPass(double* a, size_t sub, size_t m, size_t g, bool four,
                           const Twiddles& tw, const Consts& c) {
  const bool redX1 = ((__builtin_ctzll(sub) - (four ? 6 : 5)) / 2) % 2 == 0;
  if (redX1) {
    invRadix4<true>(a, sub / 4, m, g, tw, c);
  } else {
    invRadix4<false>(a, sub / 4, m, g, tw, c);
  }
}

// All stages of the block of len elements at d + g*len, bottom-up. `top`: the whole array, whose
// last pass folds in 1/n and converts back to uint64.
template <bool kFour, bool kPre>
static inline void invFirstRange(double* d, size_t b, size_t end, const Twiddles& tw,
                                 const Consts& c, const double* pre) {
  for (; b + kFirstU <= end; b += kFirstU) invFirst<kFirstU, kFour, kPre>(d, b, tw, c, pre);
  for (; b < end; ++b) invFirst<1, kFour, kPre>(d, b, tw, c, pre);
}

// pre: constants to multiply the input by first (nullptr: none).
static void invBlock(double* d, size_t len, size_t g, bool top, bool four, const Twiddles& tw,
                     const Consts& c, const InvFinal& fin, const double* pre) {
  double* a = d + g * len;
  const size_t n = tw.n;
  if (len > kCacheBlock) {
    for (size_t i = 0; i < 4; ++i) invBlock(d, len / 4, 4 * g + i, false, four, tw, c, fin, pre);
  } else {
    const size_t b = g * len / 16, end = b + len / 16;
    if (four) {
      if (pre) {
        invFirstRange<true, true>(d, b, end, tw, c, pre);
      } else {
        invFirstRange<true, false>(d, b, end, tw, c, pre);
      }
    } else {
      if (pre) {
        invFirstRange<false, true>(d, b, end, tw, c, pre);
      } else {
        invFirstRange<false, false>(d, b, end, tw, c, pre);
      }
    }
    for (size_t sub = four ? 64 : 32; sub <= len; sub *= 4) {
      if (top && sub == len) break;  // the final pass below
      const size_t count = len / sub, m = n / sub;
      for (size_t i = 0; i < count; ++i) invPass(a + i * sub, sub, m, g * count + i, four, tw, c);
    }
  }
  if (top) {
    invRadix4Final(a, len / 4, tw, c, fin.q, fin.nInv, fin.nInvW);
  } else if (len > kCacheBlock) {
    invPass(a, len, n / len, g, four, tw, c);
  }
}

}  // namespace

void nttForwardAvx2(uint64_t* a, const NttKernelArgs& t) {
  if (t.n < 32) return nttForwardScalar(a, t);
  const Consts c = makeConsts(t.q);
  const Twiddles tw{t.n, t.wd, t.wdq};
  fwdBlock(reinterpret_cast<double*>(a), t.n, 0, true, t.logn % 2 == 0, tw, c);
}

void nttInverseAvx2(uint64_t* a, const NttKernelArgs& t) {
  if (t.n < 32) return nttInverseScalar(a, t);
  const Consts c = makeConsts(t.q);
  const Twiddles tw{t.n, t.wid, t.widq};
  const InvFinal fin{t.q, t.nInv, t.nInvW};
  invBlock(reinterpret_cast<double*>(a), t.n, 0, true, t.logn % 2 == 0, tw, c, fin, nullptr);
}

void nttInverseMulAvx2(uint64_t* a, const NttKernelArgs& t, const double* pre) {
  if (t.n < 32) {  // small: the product in 128-bit integers, then the scalar kernel
    for (size_t i = 0; i < t.n; ++i) {
      const unsigned __int128 prod =
          static_cast<unsigned __int128>(a[i]) * static_cast<uint64_t>(pre[i]);
      a[i] = static_cast<uint64_t>(prod % t.q);
    }
    return nttInverseScalar(a, t);
  }
  const Consts c = makeConsts(t.q);
  const Twiddles tw{t.n, t.wid, t.widq};
  const InvFinal fin{t.q, t.nInv, t.nInvW};
  invBlock(reinterpret_cast<double*>(a), t.n, 0, true, t.logn % 2 == 0, tw, c, fin, pre);
}

}  // namespace hl::detail
