#pragma once
// Kernels of FixedMultiplier. Kept free of library headers so that the kernel translation units
// (compiled with -mavx2 / -mavx512*) emit no inline code the linker could share with portable
// code.

#include <cstddef>
#include <cstdint>

namespace hl::detail {

// Kernels (src/math/fixed_multiplier*.cpp), same contract as FixedMultiplier::apply (lazy:
// applyLazy). Outputs of all kernels are equal when not lazy.
void mulFixedScalar(uint64_t* out, const uint64_t* a, const uint64_t* w, const uint64_t* wShoup,
                    size_t n, uint64_t q, bool lazy);
void mulFixedAvx2(uint64_t* out, const uint64_t* a, const double* wd, size_t n, uint64_t q,
                  bool lazy);
void mulFixedAvx512Ifma(uint64_t* out, const uint64_t* a, const uint64_t* w,
                        const uint64_t* wShoup52, size_t n, uint64_t q, bool lazy);

}  // namespace hl::detail
