// AVX-512 IFMA52 kernels of rns_kernels.h: the templates of rns_kernels_ifma_impl.h instantiated
// with intrinsics. Compiled with -mavx512f/dq/vl/bw/ifma (see CMakeLists.txt) and only called
// after a CPUID check, so this file includes no library header whose inline code the linker
// could share with portable translation units.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "math/ifma_ops.h"
#include "math/rns_kernels_ifma_impl.h"
#include "math/rns_kernels_isa.h"

namespace hl::detail {
namespace {

// ifma_ops.h's instructions and the few more that the RNS kernels use. As in ifma_ops.h, the
// merge-masked forms with an all-ones mask (the same instructions) avoid GCC 12's
// -Wmaybe-uninitialized false positive on the undefined pass-through of the plain intrinsics.
struct RnsAvx512Ops : Avx512Ops {
  static inline Reg srlv(Reg a, Reg count) { return _mm512_mask_srlv_epi64(a, 0xFF, a, count); }
  static inline Reg sllv(Reg a, Reg count) { return _mm512_mask_sllv_epi64(a, 0xFF, a, count); }
  static inline Reg loadBytes(const uint8_t* p) {
    return _mm512_maskz_cvtepu8_epi64(0xFF, _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
  }
  static inline Reg loadU32(const uint32_t* p) {
    return _mm512_maskz_cvtepu32_epi64(0xFF,
                                       _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  static inline Reg gather(const uint64_t* base, Reg index) {
    return _mm512_mask_i64gather_epi64(_mm512_setzero_si512(), 0xFF, index, base, 8);
  }
  static inline bool equal(Reg a, Reg b) { return _mm512_cmpeq_epu64_mask(a, b) == 0xFF; }
};

}  // namespace

void mulModAvx512Ifma(uint64_t q, const uint64_t* a, const uint64_t* b, uint64_t* out, size_t n) {
  ifma::rns::mulMod<RnsAvx512Ops>(q, a, b, out, n);
}

void addModAvx512Ifma(uint64_t q, const uint64_t* a, const uint64_t* b, uint64_t* out, size_t n) {
  ifma::rns::addMod<RnsAvx512Ops>(q, a, b, out, n);
}

void subModAvx512Ifma(uint64_t q, const uint64_t* a, const uint64_t* b, uint64_t* out, size_t n) {
  ifma::rns::subMod<RnsAvx512Ops>(q, a, b, out, n);
}

void mulScalarModAvx512Ifma(uint64_t q, const uint64_t* a, uint64_t c, uint64_t* out, size_t n) {
  ifma::rns::mulScalarMod<RnsAvx512Ops>(q, a, c, out, n);
}

void subMulScalarModAvx512Ifma(uint64_t q, const uint64_t* a, const uint64_t* b, uint64_t c,
                               uint64_t* out, size_t n) {
  ifma::rns::subMulScalarMod<RnsAvx512Ops>(q, a, b, c, out, n);
}

void subMulScalarAddModAvx512Ifma(uint64_t q, const uint64_t* a, const uint64_t* b, uint64_t c,
                                  uint64_t d, uint64_t* out, size_t n) {
  ifma::rns::subMulScalarAddMod<RnsAvx512Ops>(q, a, b, c, d, out, n);
}

void gatherMulModAvx512Ifma(uint64_t q, const uint64_t* a, const uint32_t* perm, const uint64_t* b,
                            uint64_t* out, size_t n) {
  ifma::rns::gatherMulMod<RnsAvx512Ops>(q, a, perm, b, out, n);
}

void dotProductModAvx512Ifma(uint64_t q, const uint64_t* const* x, const uint64_t* const* y,
                             size_t terms, uint64_t* out, size_t n) {
  ifma::rns::dotProductMod<RnsAvx512Ops>(q, x, y, terms, out, n);
}

void dotProductModNarrowAvx512Ifma(uint64_t q, const uint64_t* const* x, const uint32_t* const* y,
                                   size_t terms, uint64_t* out, size_t n) {
  ifma::rns::dotProductMod<RnsAvx512Ops, uint32_t>(q, x, y, terms, out, n);
}

void baseConvertAvx512Ifma(uint64_t q, const uint64_t* const* u, const uint64_t* hat, size_t k,
                           const uint8_t* neg, const uint64_t* corr, size_t corrSize, uint64_t* out,
                           size_t n) {
  ifma::rns::baseConvert<RnsAvx512Ops>(q, u, hat, k, neg, corr, corrSize, out, n);
}

}  // namespace hl::detail
