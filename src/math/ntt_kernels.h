#pragma once
// Internal interface between NttTables and the SIMD kernels. Kept free of library headers so
// that the kernel translation units (compiled with -mavx2 / -mavx512*) emit no inline code
// that the linker could pick for the portable parts of the library.

#include <cstddef>
#include <cstdint>

namespace hl {
class NttTables;
}

namespace hl::detail {

/// A view of an NttTables object (see include/helib-like/math/ntt.h for the meaning).
struct NttKernelArgs {
  uint64_t q;
  size_t n;
  int logn;
  const uint64_t* w;  // psi^bitrev(k), k in [0, n)
  const uint64_t* wShoup;    // floor(w * 2^64 / q)
  const uint64_t* wShoup52;  // floor(w * 2^52 / q)
  const uint64_t* wi;        // psi^-bitrev(k)
  const uint64_t* wiShoup;
  const uint64_t* wiShoup52;
  const double* wd;    // (double) w[k]
  const double* wdq;   // (double) w[k] / q
  const double* wid;   // (double) wi[k]
  const double* widq;  // (double) wi[k] / q
  // IFMA stride-2 stage tables (n >= 16, see ntt_ifma_impl.h): for 16-word group k < n/16,
  // entries 16k + r = w[n/4 + 4k + r/2] and 16k + 8 + r = wShoup52[n/4 + 4k + r/2], r = 0..7.
  const uint64_t* wIfma2;
  const uint64_t* wiIfma2;  // the same from wi, wiShoup52
  uint64_t nInv, nInvShoup, nInvShoup52;    // n^-1 mod q
  uint64_t nInvW, nInvWShoup, nInvWShoup52;  // n^-1 * wi[1] mod q
};

// Fills t from tables (NttTables::forward does the same); for tests that call kernels directly.
void fillKernelArgs(const NttTables& tables, NttKernelArgs& t);

// Each kernel implements NttTables::forward / inverse exactly (same outputs, fully reduced).
void nttForwardScalar(uint64_t* a, const NttKernelArgs& t);
void nttInverseScalar(uint64_t* a, const NttKernelArgs& t);
void nttForwardAvx2(uint64_t* a, const NttKernelArgs& t);
void nttInverseAvx2(uint64_t* a, const NttKernelArgs& t);
// The inverse of (a[i] * pre[i] mod q), pre[i] the doubles of words in [0, q): the product is
// folded into the first stages (the Bluestein filter product). Input a[i] in [0, 2q).
void nttInverseMulAvx2(uint64_t* a, const NttKernelArgs& t, const double* pre);
void nttForwardAvx512Ifma(uint64_t* a, const NttKernelArgs& t);
void nttInverseAvx512Ifma(uint64_t* a, const NttKernelArgs& t);

}  // namespace hl::detail
