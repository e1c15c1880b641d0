#pragma once
// Run-time choice of the SIMD kernels.

#include <string_view>

namespace hl {

/// Instruction-set levels that the transforms have kernels for, in increasing order.
enum class SimdLevel {
  kScalar = 0,      ///< portable 64-bit code (Shoup multiplication with 128-bit products)
  kAvx2 = 1,        ///< AVX2 + FMA, double-precision modular products (primes < 2^50)
  kAvx512Ifma = 2,  ///< AVX-512F/DQ/VL + IFMA52 (primes < 2^50)
};

/// The best level this CPU supports (CPUID and XGETBV), capped by the environment variable
/// HL_SIMD=scalar|avx2|avx512ifma when it is set. Computed once.
SimdLevel bestSimdLevel();
/// Whether this CPU (and OS) can run kernels of the given level, ignoring HL_SIMD.
bool cpuSupports(SimdLevel level);
std::string_view toString(SimdLevel level);

namespace detail {
/// The highest level <= wanted whose kernel exists in this build (haveAvx2 / haveIfma) and runs
/// on this CPU; kScalar otherwise.
SimdLevel usableLevel(SimdLevel wanted, bool haveAvx2, bool haveIfma);
}  // namespace detail

}  // namespace hl
