#include "helib-like/math/simd.h"

#include <cpuid.h>

#include <cstdlib>
#include <string>

namespace hl {
namespace {

uint64_t xgetbv0() {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

bool detect(SimdLevel level) {
  if (level == SimdLevel::kScalar) return true;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  const bool osxsave = c & bit_OSXSAVE, fma = c & bit_FMA, avx = c & bit_AVX;
  if (!osxsave || !avx) return false;
  const uint64_t xcr0 = xgetbv0();
  if ((xcr0 & 0x6) != 0x6) return false;  // XMM and YMM state enabled by the OS
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  const bool avx2 = b & bit_AVX2;
  if (level == SimdLevel::kAvx2) return avx2 && fma;
  const bool zmm_state = (xcr0 & 0xe6) == 0xe6;  // opmask, ZMM_Hi256, Hi16_ZMM
  const bool f = b & bit_AVX512F, dq = b & bit_AVX512DQ, vl = b & bit_AVX512VL,
             bw = b & bit_AVX512BW, ifma = b & bit_AVX512IFMA;
  return zmm_state && f && dq && vl && bw && ifma;
}

SimdLevel computeBest() {
  SimdLevel best = SimdLevel::kScalar;
  for (SimdLevel l : {SimdLevel::kAvx2, SimdLevel::kAvx512Ifma}) {
    if (detect(l)) best = l;
  }
  if (const char* cap = std::getenv("HL_SIMD")) {
    const std::string s(cap);
    SimdLevel limit = best;
    if (s == "scalar") limit = SimdLevel::kScalar;
    if (s == "avx2") limit = SimdLevel::kAvx2;
    if (s == "avx512ifma") limit = SimdLevel::kAvx512Ifma;
    if (limit < best) best = limit;
  }
  return best;
}

}  // namespace

SimdLevel bestSimdLevel() {
  static const SimdLevel best = computeBest();
  return best;
}

bool cpuSupports(SimdLevel level) {
  static const bool avx2 = detect(SimdLevel::kAvx2), ifma = detect(SimdLevel::kAvx512Ifma);
  switch (level) {
    case SimdLevel::kScalar: return true;
    case SimdLevel::kAvx2: return avx2;
    case SimdLevel::kAvx512Ifma: return ifma;
  }
  return false;
}

SimdLevel detail::usableLevel(SimdLevel wanted, bool haveAvx2, bool haveIfma) {
  if (wanted >= SimdLevel::kAvx512Ifma && haveIfma && cpuSupports(SimdLevel::kAvx512Ifma)) {
    return SimdLevel::kAvx512Ifma;
  }
  if (wanted >= SimdLevel::kAvx2 && haveAvx2 && cpuSupports(SimdLevel::kAvx2)) {
    return SimdLevel::kAvx2;
  }
  return SimdLevel::kScalar;
}

std::string_view toString(SimdLevel level) {
  switch (level) {
    case SimdLevel::kScalar: return "scalar";
    case SimdLevel::kAvx2: return "avx2";
    case SimdLevel::kAvx512Ifma: return "avx512ifma";
  }
  return "unknown";
}

}  // namespace hl
