// AVX2 + FMA kernels of rns_kernels.h, 4 lanes of doubles.
//
// Modular product in double precision (J. van der Hoeven, G. Lecerf, G. Quintin, "Modular SIMD
// arithmetic in Mathemagix", ACM TOMS 43(1), 2016; as in ntt_avx2.cpp). For integers x, y with
// |x|, |y| < 2^50 and t = x*y/q, |t| < 2^50 (one factor below q), and qinv = fl(1/q):
//   h = fl(x*y)                   h is an integer (the product of two integers rounded),
//   l = fma(x, y, -h) = x*y - h   exact: the rounding error of a product is a double (Dekker's
//                                 two-product; no underflow for integers); |l| <= ulp(h)/2 <= 2^46,
//   k = fma(h, qinv, M) - M       M = 1.5 * 2^52: the fma rounds h*qinv + M once, and the
//                                 result lies in [2^52, 2^53) where doubles are the integers,
//                                 so k is h*qinv rounded to the nearest integer,
//   r = fma(-k, q, h) + l = x*y - k*q.
// h*qinv = t (1 + e1)(1 + e2) with |e1|, |e2| <= 2^-53, so |h*qinv - t| <= |t| 2^-52 (1 + 2^-54)
// < 1/4 + 2^-50 and |k - t| < 3/4 + 2^-50: |r| < 0.76 q. Both operations of r are exact: h - k*q
// = r - l is an integer of magnitude below q + 2^46 < 2^53, and so is r. The result in (-q, q)
// goes back to a word: r + (2^52 + q) lies in [2^52, 2^53) (an exact sum), whose mantissa bits
// are the integer r + q in (0, 2q); one integer subtraction of q, kept where its sign says it is
// non-negative, gives [0, q).
//
// Inner products (dotProductMod, baseConvert) add the r of each term to a double accumulator and
// reduce it, acc - q*round(acc*qinv), before every further block of 8 terms and at the end. A
// reduced accumulator has |acc| <= q/2 + 2 (the quotient estimate is off by at most 8 * 2^-53 +
// 1/2), a block adds less than 8 * 0.76 q, and baseConvert's starting correction is below q, so
// |acc| < 7.1 q < 2^53 throughout: every sum is an exact integer.
//
// The last n % 4 elements go through the same arithmetic with masked loads and stores.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "math/rns_kernels_isa.h"

namespace hl::detail {
namespace {

constexpr double kTwo52 = 4503599627370496.0;           // 2^52
constexpr double kRoundMagic = 6755399441055744.0;      // 1.5 * 2^52
constexpr uint64_t kTwo52Bits = 0x4330000000000000ull;  // bits of 2^52
constexpr size_t kTermsPerReduction = 8;
constexpr size_t kMaxTerms = 64;

struct Consts {
  __m256d q, qinv, magic, two52, two52bits, two52q;
  __m256i qi;
};

inline Consts makeConsts(uint64_t q) {
  Consts c;
  const auto qd = static_cast<double>(q);
  c.q = _mm256_set1_pd(qd);
  c.qinv = _mm256_set1_pd(1.0 / qd);
  c.magic = _mm256_set1_pd(kRoundMagic);
  c.two52 = _mm256_set1_pd(kTwo52);
  c.two52bits = _mm256_castsi256_pd(_mm256_set1_epi64x(static_cast<int64_t>(kTwo52Bits)));
  c.two52q = _mm256_set1_pd(kTwo52 + qd);
  c.qi = _mm256_set1_epi64x(static_cast<int64_t>(q));
  return c;
}

// t[b_i] for the four bytes b_i of `bytes` (least significant first). Four scalar loads: the
// table is tiny and in L1, and AVX2's vgatherdpd is slower on the CPUs we measured (Zen 3).
inline __m256d lookupBytes(const double* t, uint32_t bytes) {
  const __m128d lo = _mm_loadh_pd(_mm_load_sd(t + (bytes & 0xFF)), t + ((bytes >> 8) & 0xFF));
  const __m128d hi = _mm_loadh_pd(_mm_load_sd(t + ((bytes >> 16) & 0xFF)), t + (bytes >> 24));
  return _mm256_insertf128_pd(_mm256_castpd128_pd256(lo), hi, 1);
}

// All four lanes.
struct Full {
  static __m256i load(const uint64_t* p) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  }
  static void store(uint64_t* p, __m256i v) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v);
  }
  // The table entries t[idx[i]] for the 4 bytes at idx (as doubles).
  static __m256d lookup(const double* t, const uint8_t* idx) {
    uint32_t bytes;
    std::memcpy(&bytes, idx, 4);
    return lookupBytes(t, bytes);
  }
};

// The first `count` < 4 lanes; the others load 0 and are not stored.
struct Partial {
  size_t count;
  __m256i mask;
  explicit Partial(size_t n)
      : count(n),
        mask(_mm256_cmpgt_epi64(_mm256_set1_epi64x(static_cast<int64_t>(n)),
                                _mm256_setr_epi64x(0, 1, 2, 3))) {}
  __m256i load(const uint64_t* p) const {
    return _mm256_maskload_epi64(reinterpret_cast<const long long*>(p), mask);
  }
  void store(uint64_t* p, __m256i v) const {
    _mm256_maskstore_epi64(reinterpret_cast<long long*>(p), mask, v);
  }
  __m256d lookup(const double* t, const uint8_t* idx) const {
    uint32_t bytes = 0;
    std::memcpy(&bytes, idx, count);
    return lookupBytes(t, bytes);
  }
};

// Unroll<U>::value: the number of 4-lane vectors a kernel body handles at once.
template <size_t U>
struct Unroll {
  static constexpr size_t value = U;
};

// The inner products keep kBlock vectors in flight: one term of one vector is a chain of about
// 30 cycles of latency for about 3 cycles of throughput.
constexpr size_t kBlock = 4;

// f(j, lanes, Unroll<U>{}) on blocks of 4U elements from j: kBlock vectors while they fit, then
// single vectors, then the remaining n % 4 elements.
template <class F>
inline void forEachBlock(size_t n, F f) {
  size_t j = 0;
  for (; j + 4 * kBlock <= n; j += 4 * kBlock) f(j, Full{}, Unroll<kBlock>{});
  for (; j + 4 <= n; j += 4) f(j, Full{}, Unroll<1>{});
  if (j < n) f(j, Partial(n - j), Unroll<1>{});
}

// f(j, lanes) on every group of 4 elements, then on the remaining n % 4.
template <class F>
inline void forEachGroup(size_t n, F f) {
  size_t j = 0;
#pragma GCC unroll 2
  for (; j + 4 <= n; j += 4) f(j, Full{});
  if (j < n) f(j, Partial(n - j));
}

// Words below 2^52 to doubles: the word ORed into the mantissa of 2^52, minus 2^52.
inline __m256d toDouble(__m256i x, const Consts& c) {
  return _mm256_sub_pd(_mm256_or_pd(_mm256_castsi256_pd(x), c.two52bits), c.two52);
}

// r in (-q, q) to the word r mod q (see the header comment).
inline __m256i toWord(__m256d r, const Consts& c) {
  const __m256d v = _mm256_xor_pd(_mm256_add_pd(r, c.two52q), c.two52bits);  // r + q
  const __m256d t = _mm256_castsi256_pd(_mm256_sub_epi64(_mm256_castpd_si256(v), c.qi));
  return _mm256_castpd_si256(_mm256_blendv_pd(t, v, t));  // t < 0 ? r + q : r
}

// x*y - k*q with k the rounded quotient: in (-0.76q, 0.76q) for |x|, |y| < 2^50, |x*y/q| < 2^50.
inline __m256d mulRem(__m256d x, __m256d y, const Consts& c) {
  const __m256d h = _mm256_mul_pd(x, y);
  const __m256d l = _mm256_fmsub_pd(x, y, h);
  const __m256d k = _mm256_sub_pd(_mm256_fmadd_pd(h, c.qinv, c.magic), c.magic);
  return _mm256_add_pd(_mm256_fnmadd_pd(k, c.q, h), l);
}

// acc - q*round(acc/q), |.| <= q/2 + 2, for integers |acc| < 2^53.
inline __m256d reduceAcc(__m256d acc, const Consts& c) {
  const __m256d k = _mm256_sub_pd(_mm256_fmadd_pd(acc, c.qinv, c.magic), c.magic);
  return _mm256_fnmadd_pd(k, c.q, acc);
}

}  // namespace

void mulModAvx2(uint64_t q, const uint64_t* a, const uint64_t* b, uint64_t* out, size_t n) {
  const Consts c = makeConsts(q);
  forEachGroup(n, [&](size_t j, const auto& lanes) {
    const __m256d x = toDouble(lanes.load(a + j), c), y = toDouble(lanes.load(b + j), c);
    lanes.store(out + j, toWord(mulRem(x, y, c), c));
  });
}

void addModAvx2(uint64_t q, const uint64_t* a, const uint64_t* b, uint64_t* out, size_t n) {
  const __m256i qi = _mm256_set1_epi64x(static_cast<int64_t>(q));
  forEachGroup(n, [&](size_t j, const auto& lanes) {
    const __m256d s = _mm256_castsi256_pd(_mm256_add_epi64(lanes.load(a + j), lanes.load(b + j)));
    const __m256d t = _mm256_castsi256_pd(_mm256_sub_epi64(_mm256_castpd_si256(s), qi));
    lanes.store(out + j, _mm256_castpd_si256(_mm256_blendv_pd(t, s, t)));  // t < 0 ? s : s - q
  });
}

void subModAvx2(uint64_t q, const uint64_t* a, const uint64_t* b, uint64_t* out, size_t n) {
  const __m256i qi = _mm256_set1_epi64x(static_cast<int64_t>(q));
  forEachGroup(n, [&](size_t j, const auto& lanes) {
    const __m256d d = _mm256_castsi256_pd(_mm256_sub_epi64(lanes.load(a + j), lanes.load(b + j)));
    const __m256d e = _mm256_castsi256_pd(_mm256_add_epi64(_mm256_castpd_si256(d), qi));
    lanes.store(out + j, _mm256_castpd_si256(_mm256_blendv_pd(d, e, d)));  // d < 0 ? d + q : d
  });
}

void mulScalarModAvx2(uint64_t q, const uint64_t* a, uint64_t c, uint64_t* out, size_t n) {
  const Consts k = makeConsts(q);
  const __m256d y = _mm256_set1_pd(static_cast<double>(c));
  forEachGroup(n, [&](size_t j, const auto& lanes) {
    lanes.store(out + j, toWord(mulRem(toDouble(lanes.load(a + j), k), y, k), k));
  });
}

void subMulScalarModAvx2(uint64_t q, const uint64_t* a, const uint64_t* b, uint64_t c,
                         uint64_t* out, size_t n) {
  const Consts k = makeConsts(q);
  const __m256d y = _mm256_set1_pd(static_cast<double>(c));
  forEachGroup(n, [&](size_t j, const auto& lanes) {
    // a - b in (-q, q), exact; |(a - b) * c / q| < q.
    const __m256d x = _mm256_sub_pd(toDouble(lanes.load(a + j), k), toDouble(lanes.load(b + j), k));
    lanes.store(out + j, toWord(mulRem(x, y, k), k));
  });
}

void subMulScalarAddModAvx2(uint64_t q, const uint64_t* a, const uint64_t* b, uint64_t c,
                            uint64_t d, uint64_t* out, size_t n) {
  const Consts k = makeConsts(q);
  const __m256d y = _mm256_set1_pd(static_cast<double>(c));
  const __m256d z = _mm256_set1_pd(static_cast<double>(d));
  auto body = [&](size_t j, const auto& lanes, auto withB, auto withD) {
    // x = a - b in (-q, q), exact; both products below 0.76 q in magnitude, their sum below
    // 1.52 q (2q with out itself), reduced to q/2 + 2 before going back to a word.
    __m256d x = toDouble(lanes.load(a + j), k);
    if constexpr (withB) x = _mm256_sub_pd(x, toDouble(lanes.load(b + j), k));
    __m256d o = toDouble(lanes.load(out + j), k);
    if constexpr (withD) o = mulRem(o, z, k);
    lanes.store(out + j, toWord(reduceAcc(_mm256_add_pd(mulRem(x, y, k), o), k), k));
  };
  const std::true_type yes;
  const std::false_type no;
  if (b != nullptr && d != 1) {
    forEachGroup(n, [&](size_t j, const auto& lanes) { body(j, lanes, yes, yes); });
  } else if (b != nullptr) {
    forEachGroup(n, [&](size_t j, const auto& lanes) { body(j, lanes, yes, no); });
  } else if (d != 1) {
    forEachGroup(n, [&](size_t j, const auto& lanes) { body(j, lanes, no, yes); });
  } else {
    forEachGroup(n, [&](size_t j, const auto& lanes) { body(j, lanes, no, no); });
  }
}

namespace {

// out[o][j] = sum_t x[t][j] * y[o][t][j] mod q for kOut outputs sharing the x rows (each x
// vector is loaded and converted once for all outputs).
template <size_t kOut>
inline void dotProducts(uint64_t q, const uint64_t* const* x, const uint64_t* const* const* y,
                        size_t terms, uint64_t* const* out, size_t n) {
  const Consts c = makeConsts(q);
  forEachBlock(n, [&](size_t j, const auto& lanes, auto unroll) {
    constexpr size_t kU = decltype(unroll)::value;
    __m256d acc[kOut][kU];
#pragma GCC unroll 4
    for (size_t v = 0; v < kU; ++v) {
      for (size_t o = 0; o < kOut; ++o) acc[o][v] = _mm256_setzero_pd();
    }
    for (size_t t0 = 0; t0 < terms; t0 += kTermsPerReduction) {
      if (t0 > 0) {
#pragma GCC unroll 4
        for (size_t v = 0; v < kU; ++v) {
          for (size_t o = 0; o < kOut; ++o) acc[o][v] = reduceAcc(acc[o][v], c);
        }
      }
      const size_t end = t0 + kTermsPerReduction < terms ? t0 + kTermsPerReduction : terms;
      for (size_t t = t0; t < end; ++t) {
        const uint64_t* xt = x[t] + j;
#pragma GCC unroll 4
        for (size_t v = 0; v < kU; ++v) {
          const __m256d xv = toDouble(lanes.load(xt + 4 * v), c);
          for (size_t o = 0; o < kOut; ++o) {
            const __m256d yv = toDouble(lanes.load(y[o][t] + j + 4 * v), c);
            acc[o][v] = _mm256_add_pd(acc[o][v], mulRem(xv, yv, c));
          }
        }
      }
    }
#pragma GCC unroll 4
    for (size_t v = 0; v < kU; ++v) {
      for (size_t o = 0; o < kOut; ++o)
        lanes.store(out[o] + j + 4 * v, toWord(reduceAcc(acc[o][v], c), c));
    }
  });
}

}  // namespace

void dotProductModAvx2(uint64_t q, const uint64_t* const* x, const uint64_t* const* y, size_t terms,
                       uint64_t* out, size_t n) {
  const uint64_t* const* ys[1] = {y};
  uint64_t* outs[1] = {out};
  dotProducts<1>(q, x, ys, terms, outs, n);
}

void dotProductMod2Avx2(uint64_t q, const uint64_t* const* x, const uint64_t* const* y0,
                        const uint64_t* const* y1, size_t terms, uint64_t* out0, uint64_t* out1,
                        size_t n) {
  const uint64_t* const* ys[2] = {y0, y1};
  uint64_t* outs[2] = {out0, out1};
  dotProducts<2>(q, x, ys, terms, outs, n);
}

void baseConvertAvx2(uint64_t q, const uint64_t* const* u, const uint64_t* hat, size_t k,
                     const uint8_t* neg, const uint64_t* corr, size_t corrSize, uint64_t* out,
                     size_t n) {
  const Consts c = makeConsts(q);
  double hatd[kMaxTerms], corrd[256];
  for (size_t i = 0; i < k; ++i) hatd[i] = static_cast<double>(hat[i]);
  for (size_t i = 0; i < corrSize; ++i) corrd[i] = static_cast<double>(corr[i]);
  forEachBlock(n, [&](size_t j, const auto& lanes, auto unroll) {
    constexpr size_t kU = decltype(unroll)::value;
    __m256d acc[kU];
#pragma GCC unroll 4
    for (size_t v = 0; v < kU; ++v) acc[v] = lanes.lookup(corrd, neg + j + 4 * v);  // [0, q)
    for (size_t i0 = 0; i0 < k; i0 += kTermsPerReduction) {
      if (i0 > 0) {
#pragma GCC unroll 4
        for (size_t v = 0; v < kU; ++v) acc[v] = reduceAcc(acc[v], c);
      }
      const size_t end = i0 + kTermsPerReduction < k ? i0 + kTermsPerReduction : k;
      for (size_t i = i0; i < end; ++i) {
        const uint64_t* ui = u[i] + j;
        const __m256d h = _mm256_broadcast_sd(hatd + i);
#pragma GCC unroll 4
        for (size_t v = 0; v < kU; ++v) {
          acc[v] = _mm256_add_pd(acc[v], mulRem(toDouble(lanes.load(ui + 4 * v), c), h, c));
        }
      }
    }
#pragma GCC unroll 4
    for (size_t v = 0; v < kU; ++v) lanes.store(out + j + 4 * v, toWord(reduceAcc(acc[v], c), c));
  });
}

}  // namespace hl::detail
