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
//  * inverse (Gentleman-Sande, radix 4): pass inputs |x| <= q + 2; the sums of the first stage
//    are reduced and so is the sum of the two products of the second, so outputs are <= q + 2
//    (products of differences <= 2q + 4 stay below 0.88q, of their differences below 0.83q).
// The last two or three forward stages work on 8-element groups with 128-bit shuffles (see
// fwdFinal); the first three or four inverse ones on 16-element chunks, the half-size 2 and 1
// stages transposed in registers (4x4), with a per-chunk twiddle table for half-size 1. Blocks
// that fit the L1 cache are finished depth-first, so only the first radix-4 pass of a large forward
// transform (the last one of an inverse) streams the whole array.
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

static inline void transpose4(__m256d& v0, __m256d& v1, __m256d& v2, __m256d& v3) {
  const __m256d t0 = _mm256_unpacklo_pd(v0, v1), t1 = _mm256_unpackhi_pd(v0, v1);
  const __m256d t2 = _mm256_unpacklo_pd(v2, v3), t3 = _mm256_unpackhi_pd(v2, v3);
  v0 = _mm256_permute2f128_pd(t0, t2, 0x20);
  v1 = _mm256_permute2f128_pd(t1, t3, 0x20);
  v2 = _mm256_permute2f128_pd(t0, t2, 0x31);
  v3 = _mm256_permute2f128_pd(t1, t3, 0x31);
}

// Loads the 4x4 block of doubles at p (rows of 4) transposed: v_k[r] = p[4r + k]. The 128-bit
// halves are placed by broadcast loads and blends, which avoids the slower lane-crossing shuffles.
static inline void loadTransposed(const double* p, __m256d& v0, __m256d& v1, __m256d& v2,
                                  __m256d& v3) {
  const __m256d r02a = _mm256_blend_pd(_mm256_broadcast_pd(reinterpret_cast<const __m128d*>(p)),
                                       _mm256_broadcast_pd(reinterpret_cast<const __m128d*>(p + 8)),
                                       0xC);  // p0 p1 p8 p9
  const __m256d r13a =
      _mm256_blend_pd(_mm256_broadcast_pd(reinterpret_cast<const __m128d*>(p + 4)),
                      _mm256_broadcast_pd(reinterpret_cast<const __m128d*>(p + 12)),
                      0xC);  // p4 p5 p12 p13
  const __m256d r02b =
      _mm256_blend_pd(_mm256_broadcast_pd(reinterpret_cast<const __m128d*>(p + 2)),
                      _mm256_broadcast_pd(reinterpret_cast<const __m128d*>(p + 10)),
                      0xC);  // p2 p3 p10 p11
  const __m256d r13b =
      _mm256_blend_pd(_mm256_broadcast_pd(reinterpret_cast<const __m128d*>(p + 6)),
                      _mm256_broadcast_pd(reinterpret_cast<const __m128d*>(p + 14)),
                      0xC);             // p6 p7 p14 p15
  v0 = _mm256_unpacklo_pd(r02a, r13a);  // p0 p4 p8 p12
  v1 = _mm256_unpackhi_pd(r02a, r13a);
  v2 = _mm256_unpacklo_pd(r02b, r13b);
  v3 = _mm256_unpackhi_pd(r02b, r13b);
}

// Twiddles of one direction: w[k], w[k]/q in bit-reversed order, and the last-stage table
// (for chunk b: w[n/2 + 8b + 2r], r = 0..3, then w[n/2 + 8b + 2r + 1]).
struct Twiddles {
  size_t n;
  const double* w;
  const double* wq;
  const double* last;
  const double* lastq;
};

// Butterflies on registers.

// Cooley-Tukey: (x, y) <- (x + w*y, x - w*y).
static inline void ct(__m256d& x, __m256d& y, __m256d w, __m256d wq, const Consts& c) {
  const __m256d r = mulMod(y, w, wq, c);
  y = _mm256_sub_pd(x, r);
  x = _mm256_add_pd(x, r);
}

// Two Gentleman-Sande stages: (x0, x1) by wa, (x2, x3) by wb, then (x0, x2), (x1, x3) by w.
// Inputs and outputs |x| <= q + 2.
static inline void gs4(__m256d& x0, __m256d& x1, __m256d& x2, __m256d& x3, __m256d wa, __m256d waq,
                       __m256d wb, __m256d wbq, __m256d w, __m256d wq, const Consts& c) {
  const __m256d s0 = reduce(_mm256_add_pd(x0, x1), c);
  const __m256d d0 = mulMod(_mm256_sub_pd(x0, x1), wa, waq, c);
  const __m256d s2 = reduce(_mm256_add_pd(x2, x3), c);
  const __m256d d2 = mulMod(_mm256_sub_pd(x2, x3), wb, wbq, c);
  x0 = _mm256_add_pd(s0, s2);
  x2 = mulMod(_mm256_sub_pd(s0, s2), w, wq, c);
  x1 = reduce(_mm256_add_pd(d0, d2), c);
  x3 = mulMod(_mm256_sub_pd(d0, d2), w, wq, c);
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

// Two stages on the block of 4s doubles at `a`, block g of the m = n/(4s) blocks of the stage
// with half-size 2s: (a0, a1) by wi[2m + 2g], (a2, a3) by wi[2m + 2g + 1], then (a0, a2),
// (a1, a3) by wi[m + g].
static inline void invRadix4(double* a, size_t s, size_t m, size_t g, const Twiddles& tw,
                             const Consts& c) {
  const __m256d w0 = bcast(tw.w + 2 * m + 2 * g), w0q = bcast(tw.wq + 2 * m + 2 * g);
  const __m256d w1 = bcast(tw.w + 2 * m + 2 * g + 1), w1q = bcast(tw.wq + 2 * m + 2 * g + 1);
  const __m256d w2 = bcast(tw.w + m + g), w2q = bcast(tw.wq + m + g);
  double* p0 = a;
  double* p1 = a + s;
  double* p2 = a + 2 * s;
  double* p3 = a + 3 * s;
  for (size_t j = 0; j < s; j += 4) {
    __m256d x0 = load(p0 + j), x1 = load(p1 + j), x2 = load(p2 + j), x3 = load(p3 + j);
    gs4(x0, x1, x2, x3, w0, w0q, w1, w1q, w2, w2q, c);
    store(p0 + j, x0);
    store(p1 + j, x1);
    store(p2 + j, x2);
    store(p3 + j, x3);
  }
}

// The last two stages on the whole array (s = n/4), with 1/n folded in, the final reduction
// and the conversion back to uint64.
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
    const __m256d x0 = load(p0 + j), x1 = load(p1 + j), x2 = load(p2 + j), x3 = load(p3 + j);
    const __m256d s0 = reduce(_mm256_add_pd(x0, x1), c);
    const __m256d d0 = mulMod(_mm256_sub_pd(x0, x1), w0, w0q, c);
    const __m256d s2 = reduce(_mm256_add_pd(x2, x3), c);
    const __m256d d2 = mulMod(_mm256_sub_pd(x2, x3), w1, w1q, c);
    store(p0 + j, toU64Small(mulMod(_mm256_add_pd(s0, s2), f, fq, c), c));
    store(p2 + j, toU64Small(mulMod(_mm256_sub_pd(s0, s2), g, gq, c), c));
    store(p1 + j, toU64Small(mulMod(_mm256_add_pd(d0, d2), f, fq, c), c));
    store(p3 + j, toU64Small(mulMod(_mm256_sub_pd(d0, d2), g, gq, c), c));
  }
}

// The first stages on chunks b .. b+U-1, from uint64 words in [0, 2q): half-sizes 1 and 2 on
// the transposed chunk, then 4 and, if kFour, 8.
template <int U, bool kFour>
static inline void invFirst(double* d, size_t b, const Twiddles& tw, const Consts& c) {
  const size_t n = tw.n;
  const __m256d off = _mm256_add_pd(c.two52, c.q);  // [0, 2q) -> (-q, q)
  __m256d v[U][4];
#pragma GCC unroll 4
  for (int u = 0; u < U; ++u) {
    loadTransposed(d + 16 * (b + u), v[u][0], v[u][1], v[u][2], v[u][3]);  // v_k[r] = 16b+4r+k
    for (int k = 0; k < 4; ++k) v[u][k] = fromU64(v[u][k], off, c);
  }
#pragma GCC unroll 4
  for (int u = 0; u < U; ++u) {
    // Half-size 1: groups 8b + 2r (v0, v1) and 8b + 2r + 1 (v2, v3) of n/2; then half-size 2:
    // group 4b + r of n/4, pairs (v0, v2) and (v1, v3).
    const double* t = tw.last + 8 * (b + u);
    const double* tq = tw.lastq + 8 * (b + u);
    const size_t i = n / 4 + 4 * (b + u);
    gs4(v[u][0], v[u][1], v[u][2], v[u][3], load(t), load(tq), load(t + 4), load(tq + 4),
        load(tw.w + i), load(tw.wq + i), c);
    transpose4(v[u][0], v[u][1], v[u][2], v[u][3]);
  }
#pragma GCC unroll 4
  for (int u = 0; u < U; ++u) {
    const size_t i = n / 8 + 2 * (b + u);  // half-size 4: groups 2b, 2b + 1 of n/8
    if constexpr (kFour) {                 // then half-size 8: group b of n/16
      const size_t h = n / 16 + b + u;
      gs4(v[u][0], v[u][1], v[u][2], v[u][3], bcast(tw.w + i), bcast(tw.wq + i),
          bcast(tw.w + i + 1), bcast(tw.wq + i + 1), bcast(tw.w + h), bcast(tw.wq + h), c);
    } else {
      const __m256d s0 = reduce(_mm256_add_pd(v[u][0], v[u][1]), c);
      v[u][1] = mulMod(_mm256_sub_pd(v[u][0], v[u][1]), bcast(tw.w + i), bcast(tw.wq + i), c);
      v[u][0] = s0;
      const __m256d s2 = reduce(_mm256_add_pd(v[u][2], v[u][3]), c);
      v[u][3] =
          mulMod(_mm256_sub_pd(v[u][2], v[u][3]), bcast(tw.w + i + 1), bcast(tw.wq + i + 1), c);
      v[u][2] = s2;
    }
    double* p = d + 16 * (b + u);
    for (int k = 0; k < 4; ++k) store(p + 4 * k, v[u][k]);
  }
}

struct InvFinal {
  uint64_t q, nInv, nInvW;
};

// All stages of the block of len elements at d + g*len, bottom-up. `top`: the whole array, whose
// last pass folds in 1/n and converts back to uint64.
static void invBlock(double* d, size_t len, size_t g, bool top, bool four, const Twiddles& tw,
                     const Consts& c, const InvFinal& fin) {
  double* a = d + g * len;
  const size_t n = tw.n;
  if (len > kCacheBlock) {
    for (size_t i = 0; i < 4; ++i) invBlock(d, len / 4, 4 * g + i, false, four, tw, c, fin);
  } else {
    size_t b = g * len / 16;
    const size_t end = b + len / 16;
    if (four) {
      for (; b + 2 <= end; b += 2) invFirst<2, true>(d, b, tw, c);
      if (b < end) invFirst<1, true>(d, b, tw, c);
    } else {
      for (; b + 2 <= end; b += 2) invFirst<2, false>(d, b, tw, c);
      if (b < end) invFirst<1, false>(d, b, tw, c);
    }
    for (size_t sub = four ? 64 : 32; sub <= len; sub *= 4) {
      if (top && sub == len) break;  // the final pass below
      const size_t count = len / sub, m = n / sub;
      for (size_t i = 0; i < count; ++i) invRadix4(a + i * sub, sub / 4, m, g * count + i, tw, c);
    }
  }
  if (top) {
    invRadix4Final(a, len / 4, tw, c, fin.q, fin.nInv, fin.nInvW);
  } else if (len > kCacheBlock) {
    invRadix4(a, len / 4, n / len, g, tw, c);
  }
}

}  // namespace

void nttForwardAvx2(uint64_t* a, const NttKernelArgs& t) {
  if (t.n < 32) return nttForwardScalar(a, t);
  const Consts c = makeConsts(t.q);
  const Twiddles tw{t.n, t.wd, t.wdq, t.wdLast, t.wdqLast};
  fwdBlock(reinterpret_cast<double*>(a), t.n, 0, true, t.logn % 2 == 0, tw, c);
}

void nttInverseAvx2(uint64_t* a, const NttKernelArgs& t) {
  if (t.n < 32) return nttInverseScalar(a, t);
  const Consts c = makeConsts(t.q);
  const Twiddles tw{t.n, t.wid, t.widq, t.widLast, t.widqLast};
  const InvFinal fin{t.q, t.nInv, t.nInvW};
  invBlock(reinterpret_cast<double*>(a), t.n, 0, true, t.logn % 2 == 0, tw, c, fin);
}

}  // namespace hl::detail
