// AVX-512 IFMA52 NTT kernels: the templates of ntt_ifma_impl.h instantiated with intrinsics.
// Compiled with -mavx512f/dq/vl/bw/ifma (see CMakeLists.txt) and only called after a CPUID check,
// so this file includes no library header whose inline code the linker could share with
// portable translation units.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "math/ifma_ops.h"
#include "math/ntt_ifma_impl.h"
#include "math/ntt_kernels.h"

namespace hl::detail {

void nttForwardAvx512Ifma(uint64_t* a, const NttKernelArgs& t) { ifma::forward<Avx512Ops>(a, t); }

void nttInverseAvx512Ifma(uint64_t* a, const NttKernelArgs& t) { ifma::inverse<Avx512Ops>(a, t); }

}  // namespace hl::detail
