#pragma once
// FixedMultiplier's IFMA kernel as a template over the instruction set V of ntt_ifma_impl.h
// (real: ifma_ops.h; emulated: tests/math/ifma_emulation.h). Shoup's product with 52-bit words
// (Harvey 2014, section 2; Boemer et al., "Intel HEXL", 2021): for a < 2^52 and
// wShoup52 = floor(w * 2^52 / q), qhat = floor(a * wShoup52 / 2^52) and a*w - qhat*q lies in
// [0, 2q), so it is recovered exactly from its low 52 bits.

#include <cstddef>
#include <cstdint>

namespace hl::detail::ifma {

template <class V, bool kLazy>
void mulFixed(uint64_t* out, const uint64_t* a, const uint64_t* w, const uint64_t* wShoup52,
              size_t n, uint64_t q) {
  constexpr uint64_t kMask52 = (uint64_t{1} << 52) - 1;
  const auto qv = V::set1(q), mask = V::set1(kMask52), zero = V::zero();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const auto x = V::loadu(a + i);
    const auto qhat = V::madd52hi(zero, x, V::loadu(wShoup52 + i));  // floor(x * w' / 2^52)
    const auto lo = V::madd52lo(zero, x, V::loadu(w + i));           // x * w mod 2^52
    const auto qlo = V::madd52lo(zero, qhat, qv);                     // qhat * q mod 2^52
    auto r = V::andv(V::sub(lo, qlo), mask);                          // [0, 2q)
    if constexpr (!kLazy) r = V::minu(r, V::sub(r, qv));              // [0, q)
    V::storeu(out + i, r);
  }
  for (; i < n; ++i) {  // the tail in scalar code, the same 52-bit arithmetic
    const uint64_t qhat =
        static_cast<uint64_t>((static_cast<unsigned __int128>(a[i]) * wShoup52[i]) >> 52);
    const uint64_t r = (a[i] * w[i] - qhat * q) & kMask52;
    out[i] = (!kLazy && r >= q) ? r - q : r;
  }
}

}  // namespace hl::detail::ifma
