#pragma once
// A portable lane-by-lane emulation of the AVX-512 instructions the IFMA kernels use
// (src/math/ifma_ops.h has the real ones), so that the kernel templates are checked on machines
// without AVX-512. Each operation follows the Intel Intrinsics Guide pseudocode of its intrinsic.

#include <cstdint>

namespace hl::test {

struct EmulatedOps {
  struct Reg {
    uint64_t lane[8];
  };
  template <class F>
  static Reg map(F f) {
    Reg r;
    for (int i = 0; i < 8; ++i) r.lane[i] = f(i);
    return r;
  }
  static constexpr uint64_t kLow52 = (uint64_t{1} << 52) - 1;

  // _mm512_loadu_si512 / _mm512_storeu_si512
  static Reg loadu(const uint64_t* p) {
    return map([&](int i) { return p[i]; });
  }
  static void storeu(uint64_t* p, Reg x) {
    for (int i = 0; i < 8; ++i) p[i] = x.lane[i];
  }
  // _mm512_setzero_si512, _mm512_set1_epi64
  static Reg zero() {
    return map([](int) { return uint64_t{0}; });
  }
  static Reg set1(uint64_t x) {
    return map([&](int) { return x; });
  }
  // _mm512_mask_set1_epi64(_mm512_set1_epi64(lo), 0xF0, hi): mask bit i set -> hi
  static Reg set1Split(uint64_t lo, uint64_t hi) {
    const unsigned mask = 0xF0;
    return map([&](int i) { return ((mask >> i) & 1) ? hi : lo; });
  }
  // _mm512_add_epi64, _mm512_sub_epi64 (a - b), _mm512_min_epu64, _mm512_and_si512
  static Reg add(Reg a, Reg b) {
    return map([&](int i) { return a.lane[i] + b.lane[i]; });
  }
  static Reg sub(Reg a, Reg b) {
    return map([&](int i) { return a.lane[i] - b.lane[i]; });
  }
  static Reg minu(Reg a, Reg b) {
    return map([&](int i) { return a.lane[i] < b.lane[i] ? a.lane[i] : b.lane[i]; });
  }
  static Reg andv(Reg a, Reg b) {
    return map([&](int i) { return a.lane[i] & b.lane[i]; });
  }
  // _mm512_madd52lo_epu64(a, b, c): tmp = ZeroExtend(b[51:0]) * ZeroExtend(c[51:0]) (104 bits),
  // dst = a + ZeroExtend(tmp[51:0]); madd52hi adds tmp[103:52] instead. Sums are mod 2^64.
  static unsigned __int128 product52(uint64_t b, uint64_t c) {
    return static_cast<unsigned __int128>(b & kLow52) * (c & kLow52);
  }
  static Reg madd52lo(Reg a, Reg b, Reg c) {
    return map([&](int i) {
      return a.lane[i] + (static_cast<uint64_t>(product52(b.lane[i], c.lane[i])) & kLow52);
    });
  }
  static Reg madd52hi(Reg a, Reg b, Reg c) {
    return map([&](int i) {
      return a.lane[i] + static_cast<uint64_t>(product52(b.lane[i], c.lane[i]) >> 52);
    });
  }
  // _mm512_permutex2var_epi64(a, idx, b): off = idx[i][2:0]; dst[i] = idx[i][3] ? b[off] : a[off]
  static Reg permutex2var(Reg a, Reg idx, Reg b) {
    return map([&](int i) {
      const uint64_t off = idx.lane[i] & 7;
      return (idx.lane[i] & 8) ? b.lane[off] : a.lane[off];
    });
  }
};

}  // namespace hl::test
