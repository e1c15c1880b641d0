#pragma once
// The AVX-512 instructions the IFMA kernels are written with (ntt_ifma_impl.h,
// fixed_multiplier_ifma_impl.h). Include only from translation units compiled with
// -mavx512f/dq/vl/bw/ifma; tests/math/ifma_emulation.h emulates the same set.

#include <immintrin.h>

#include <cstdint>

namespace hl::detail {
namespace {

// Each member is one instruction; tests/math/ntt_ifma_emulated_test.cpp emulates the same set.
struct Avx512Ops {
  using Reg = __m512i;
  static inline Reg loadu(const uint64_t* p) { return _mm512_loadu_si512(p); }
  static inline void storeu(uint64_t* p, Reg x) { _mm512_storeu_si512(p, x); }
  static inline Reg zero() { return _mm512_setzero_si512(); }
  static inline Reg set1(uint64_t x) { return _mm512_set1_epi64(static_cast<long long>(x)); }
  // Lanes 0-3 = lo, lanes 4-7 = hi (vpbroadcastq, then a merge-masked vpbroadcastq).
  static inline Reg set1Split(uint64_t lo, uint64_t hi) {
    return _mm512_mask_set1_epi64(_mm512_set1_epi64(static_cast<long long>(lo)), 0xF0,
                                  static_cast<long long>(hi));
  }
  static inline Reg add(Reg a, Reg b) { return _mm512_add_epi64(a, b); }
  static inline Reg sub(Reg a, Reg b) { return _mm512_sub_epi64(a, b); }  // a - b
  // vpminuq; the all-ones merge mask (same instruction) avoids GCC 12's -Wmaybe-uninitialized
  // false positive on the undefined pass-through of _mm512_min_epu64.
  static inline Reg minu(Reg a, Reg b) { return _mm512_mask_min_epu64(a, 0xFF, a, b); }
  static inline Reg andv(Reg a, Reg b) { return _mm512_and_si512(a, b); }
  // acc + lo52(b[51:0] * c[51:0]) and acc + hi52(...): the accumulator is the first argument.
  static inline Reg madd52lo(Reg acc, Reg b, Reg c) { return _mm512_madd52lo_epu64(acc, b, c); }
  static inline Reg madd52hi(Reg acc, Reg b, Reg c) { return _mm512_madd52hi_epu64(acc, b, c); }
  // Lane i = (idx[i] bit 3 ? b : a)[idx[i] & 7].
  static inline Reg permutex2var(Reg a, Reg idx, Reg b) {
    return _mm512_permutex2var_epi64(a, idx, b);
  }
};


}  // namespace
}  // namespace hl::detail
