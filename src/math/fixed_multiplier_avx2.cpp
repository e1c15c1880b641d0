// AVX2 + FMA kernel of FixedMultiplier: the double-precision modular product of
// src/math/ntt_avx2.cpp (van der Hoeven, Lecerf, Quintin, ACM TOMS 43(1), 2016): for a < 2q
// (< 2^51) and w < q, with wq = fl(w * fl(1/q)) computed on the fly (relative error at most
// 2^-52 (1 + 2^-53); only w streams from memory): |a*w/q - a*wq| < 2q * 2^-52 < 1/2, hence
// k = round(a*wq) is within 1 of a*w/q and r = a*w - k*q is exact (h - k*q and l are integers
// below 2^53) with |r| < q.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "math/fixed_multiplier_kernels.h"

namespace hl::detail {

namespace {
template <bool kLazy>
inline void mulFixedAvx2Impl(uint64_t* out, const uint64_t* a, const double* wd, size_t n,
                             uint64_t q) {
  const double qinv = 1.0 / static_cast<double>(q);
  const __m256d qinvv = _mm256_set1_pd(qinv);
  const __m256d qv = _mm256_set1_pd(static_cast<double>(q));
  const __m256d magic = _mm256_set1_pd(6755399441055744.0);  // 3 * 2^51: round to integer
  const __m256d two52 = _mm256_set1_pd(4503599627370496.0);  // 2^52
  const __m256d two52bits = _mm256_castsi256_pd(_mm256_set1_epi64x(0x4330000000000000ll));
  const __m256d zero = _mm256_setzero_pd();
  const __m256d two52q = _mm256_set1_pd(4503599627370496.0 + static_cast<double>(q));
  size_t i = 0;
#pragma GCC unroll 4
  for (; i + 4 <= n; i += 4) {
    // uint64 a < 2^52 -> double: OR the exponent of 2^52 into the bits, subtract 2^52.
    const __m256d bits = _mm256_castsi256_pd(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i)));
    const __m256d x = _mm256_sub_pd(_mm256_or_pd(bits, two52bits), two52);
    const __m256d w = _mm256_loadu_pd(wd + i), wqv = _mm256_mul_pd(w, qinvv);
    const __m256d h = _mm256_mul_pd(x, w);
    const __m256d l = _mm256_fmsub_pd(x, w, h);
    const __m256d k = _mm256_sub_pd(_mm256_fmadd_pd(x, wqv, magic), magic);
    __m256d r = _mm256_add_pd(_mm256_fnmadd_pd(k, qv, h), l);  // (-q, q)
    // Back to uint64: r + 2^52 has r in its mantissa bits. Lazy: r + q in [0, 2q) directly.
    __m256d u;
    if constexpr (kLazy) {
      u = _mm256_xor_pd(_mm256_add_pd(r, two52q), two52bits);
    } else {
      r = _mm256_add_pd(r, _mm256_and_pd(_mm256_cmp_pd(r, zero, _CMP_LT_OQ), qv));  // [0, q)
      u = _mm256_xor_pd(_mm256_add_pd(r, two52), two52bits);
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm256_castpd_si256(u));
  }
  for (; i < n; ++i) {  // the tail, same arithmetic in scalar doubles
    const double x = static_cast<double>(a[i]);
    const double h = x * wd[i];
    const double l = __builtin_fma(x, wd[i], -h);
    const double k = (__builtin_fma(x, wd[i] * qinv, 6755399441055744.0) - 6755399441055744.0);
    double r = __builtin_fma(-k, static_cast<double>(q), h) + l;
    if (kLazy || r < 0) r += static_cast<double>(q);
    out[i] = static_cast<uint64_t>(r);
  }
}
}  // namespace

void mulFixedAvx2(uint64_t* out, const uint64_t* a, const double* wd, size_t n, uint64_t q,
                  bool lazy) {
  if (lazy) {
    mulFixedAvx2Impl<true>(out, a, wd, n, q);
  } else {
    mulFixedAvx2Impl<false>(out, a, wd, n, q);
  }
}

}  // namespace hl::detail
