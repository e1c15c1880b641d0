// AVX-512 IFMA kernel of FixedMultiplier: Shoup's product with 52-bit words (Harvey 2014,
// section 2; Boemer et al., "Intel HEXL", 2021): for a < 2^52 and wShoup52 = floor(w*2^52/q),
// qhat = floor(a * wShoup52 / 2^52) and a*w - qhat*q lies in [0, 2q), so it is recovered
// exactly from its low 52 bits.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "math/fixed_multiplier.h"

namespace hl::detail {

void mulFixedAvx512Ifma(uint64_t* out, const uint64_t* a, const uint64_t* w,
                        const uint64_t* wShoup52, size_t n, uint64_t q, bool lazy) {
  const __m512i qv = _mm512_set1_epi64(static_cast<long long>(q));
  const __m512i mask52 = _mm512_set1_epi64((1ll << 52) - 1);
  const __m512i zero = _mm512_setzero_si512();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m512i x = _mm512_loadu_si512(a + i);
    const __m512i wv = _mm512_loadu_si512(w + i);
    const __m512i ws = _mm512_loadu_si512(wShoup52 + i);
    const __m512i qhat = _mm512_madd52hi_epu64(zero, x, ws);    // floor(x * ws / 2^52)
    const __m512i lo = _mm512_madd52lo_epu64(zero, x, wv);      // x * w mod 2^52
    const __m512i qlo = _mm512_madd52lo_epu64(zero, qhat, qv);  // qhat * q mod 2^52
    __m512i r = _mm512_and_si512(_mm512_sub_epi64(lo, qlo), mask52);  // [0, 2q)
    // (the masked form of vpminuq avoids a false GCC 12 -Wmaybe-uninitialized)
    if (!lazy) r = _mm512_mask_min_epu64(r, 0xFF, r, _mm512_sub_epi64(r, qv));  // [0, q)
    _mm512_storeu_si512(out + i, r);
  }
  for (; i < n; ++i) {  // the tail in scalar code, same 52-bit arithmetic
    const uint64_t qhat =
        static_cast<uint64_t>((static_cast<unsigned __int128>(a[i]) * wShoup52[i]) >> 52);
    const uint64_t r = (a[i] * w[i] - qhat * q) & ((uint64_t{1} << 52) - 1);
    out[i] = (!lazy && r >= q) ? r - q : r;
  }
}

}  // namespace hl::detail
