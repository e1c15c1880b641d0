// AVX-512 IFMA kernel of FixedMultiplier (fixed_multiplier_ifma_impl.h with real instructions).
// Compiled with -mavx512f/dq/vl/bw/ifma and called only after a CPUID check.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "math/fixed_multiplier_kernels.h"
#include "math/fixed_multiplier_ifma_impl.h"
#include "math/ifma_ops.h"

namespace hl::detail {

void mulFixedAvx512Ifma(uint64_t* out, const uint64_t* a, const uint64_t* w,
                        const uint64_t* wShoup52, size_t n, uint64_t q, bool lazy) {
  if (lazy) {
    ifma::mulFixed<Avx512Ops, true>(out, a, w, wShoup52, n, q);
  } else {
    ifma::mulFixed<Avx512Ops, false>(out, a, w, wShoup52, n, q);
  }
}

}  // namespace hl::detail
