// Portable NTT kernels: Harvey's lazy butterflies with 64-bit Shoup multiplication.
#include "math/ntt_kernels.h"

namespace hl::detail {
namespace {

inline uint64_t mulShoupLazy(uint64_t x, uint64_t w, uint64_t wShoup, uint64_t q) {
  uint64_t qhat = static_cast<uint64_t>((static_cast<unsigned __int128>(x) * wShoup) >> 64);
  return x * w - qhat * q;  // in [0, 2q)
}

}  // namespace

void nttForwardScalar(uint64_t* a, const NttKernelArgs& tab) {
  const uint64_t q = tab.q, q2 = 2 * q;
  const size_t n = tab.n;
  size_t t = n;
  for (size_t m = 1; m < n; m <<= 1) {
    t >>= 1;
    for (size_t i = 0; i < m; ++i) {
      const uint64_t w = tab.w[m + i], ws = tab.wShoup[m + i];
      uint64_t* x = a + 2 * i * t;
      uint64_t* y = x + t;
      for (size_t j = 0; j < t; ++j) {
        uint64_t u = x[j];
        u = u >= q2 ? u - q2 : u;                               // [0, 2q)
        const uint64_t v = mulShoupLazy(y[j], w, ws, q);  // [0, 2q)
        x[j] = u + v;                                           // [0, 4q)
        y[j] = u - v + q2;                                      // [0, 4q)
      }
    }
  }
  for (size_t j = 0; j < n; ++j) {
    uint64_t u = a[j];
    u = u >= q2 ? u - q2 : u;
    a[j] = u >= q ? u - q : u;
  }
}

void nttInverseScalar(uint64_t* a, const NttKernelArgs& tab) {
  const uint64_t q = tab.q, q2 = 2 * q;
  const size_t n = tab.n;
  size_t t = 1;
  for (size_t m = n; m > 2; m >>= 1) {
    const size_t h = m >> 1;
    for (size_t i = 0; i < h; ++i) {
      const uint64_t w = tab.wi[h + i], ws = tab.wiShoup[h + i];
      uint64_t* x = a + 2 * i * t;
      uint64_t* y = x + t;
      for (size_t j = 0; j < t; ++j) {
        const uint64_t u = x[j], v = y[j];  // [0, 2q)
        uint64_t s = u + v;
        x[j] = s >= q2 ? s - q2 : s;                          // [0, 2q)
        y[j] = mulShoupLazy(u - v + q2, w, ws, q);            // [0, 2q)
      }
    }
    t <<= 1;
  }
  if (n == 1) {
    a[0] = a[0] >= q ? a[0] - q : a[0];
    return;
  }
  // Last stage with n^-1 folded in: (u + v) / n and (u - v) * wi[1] / n.
  uint64_t* x = a;
  uint64_t* y = a + n / 2;
  for (size_t j = 0; j < n / 2; ++j) {
    const uint64_t u = x[j], v = y[j];
    uint64_t r0 = mulShoupLazy(u + v, tab.nInv, tab.nInvShoup, q);
    uint64_t r1 = mulShoupLazy(u - v + q2, tab.nInvW, tab.nInvWShoup, q);
    x[j] = r0 >= q ? r0 - q : r0;
    y[j] = r1 >= q ? r1 - q : r1;
  }
}

}  // namespace hl::detail
