#pragma once
// Entry points of the vector kernels behind rns_kernels.h, one set per instruction set. Kept
// free of library headers so that the kernel translation units (compiled with -mavx2 /
// -mavx512*) emit no inline code the linker could share with portable code. Each has the
// contract of the function of rns_kernels.h with the same name, with q < 2^50 passed as its
// value (the IFMA ones also need q > 16), and is called only after a CPUID check.

#include <cstddef>
#include <cstdint>

namespace hl::detail {

void mulModAvx2(uint64_t q, const uint64_t* a, const uint64_t* b, uint64_t* out, size_t n);
void addModAvx2(uint64_t q, const uint64_t* a, const uint64_t* b, uint64_t* out, size_t n);
void subModAvx2(uint64_t q, const uint64_t* a, const uint64_t* b, uint64_t* out, size_t n);
void mulScalarModAvx2(uint64_t q, const uint64_t* a, uint64_t c, uint64_t* out, size_t n);
void subMulScalarModAvx2(uint64_t q, const uint64_t* a, const uint64_t* b, uint64_t c,
                         uint64_t* out, size_t n);
void subMulScalarAddModAvx2(uint64_t q, const uint64_t* a, const uint64_t* b, uint64_t c,
                            uint64_t d, uint64_t* out, size_t n);
void dotProductModAvx2(uint64_t q, const uint64_t* const* x, const uint64_t* const* y, size_t terms,
                       uint64_t* out, size_t n);
void dotProductMod2Avx2(uint64_t q, const uint64_t* const* x, const uint64_t* const* y0,
                        const uint64_t* const* y1, size_t terms, uint64_t* out0, uint64_t* out1,
                        size_t n);
void baseConvertAvx2(uint64_t q, const uint64_t* const* u, const uint64_t* hat, size_t k,
                     const uint8_t* neg, const uint64_t* corr, size_t corrSize, uint64_t* out,
                     size_t n);

void mulModAvx512Ifma(uint64_t q, const uint64_t* a, const uint64_t* b, uint64_t* out, size_t n);
void addModAvx512Ifma(uint64_t q, const uint64_t* a, const uint64_t* b, uint64_t* out, size_t n);
void subModAvx512Ifma(uint64_t q, const uint64_t* a, const uint64_t* b, uint64_t* out, size_t n);
void mulScalarModAvx512Ifma(uint64_t q, const uint64_t* a, uint64_t c, uint64_t* out, size_t n);
void subMulScalarModAvx512Ifma(uint64_t q, const uint64_t* a, const uint64_t* b, uint64_t c,
                               uint64_t* out, size_t n);
void subMulScalarAddModAvx512Ifma(uint64_t q, const uint64_t* a, const uint64_t* b, uint64_t c,
                                  uint64_t d, uint64_t* out, size_t n);
void gatherMulModAvx512Ifma(uint64_t q, const uint64_t* a, const uint32_t* perm, const uint64_t* b,
                            uint64_t* out, size_t n);
void dotProductModAvx512Ifma(uint64_t q, const uint64_t* const* x, const uint64_t* const* y,
                             size_t terms, uint64_t* out, size_t n);
void dotProductModNarrowAvx512Ifma(uint64_t q, const uint64_t* const* x, const uint32_t* const* y,
                                   size_t terms, uint64_t* out, size_t n);
void baseConvertAvx512Ifma(uint64_t q, const uint64_t* const* u, const uint64_t* hat, size_t k,
                           const uint8_t* neg, const uint64_t* corr, size_t corrSize, uint64_t* out,
                           size_t n);

}  // namespace hl::detail
