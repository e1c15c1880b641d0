#include "math/fixed_multiplier.h"

#include <cassert>

namespace hl::detail {

namespace {
#ifdef HL_HAVE_FIXED_MULTIPLIER_AVX2
constexpr bool kAvx2 = true;
#else
constexpr bool kAvx2 = false;
#endif
#ifdef HL_HAVE_FIXED_MULTIPLIER_AVX512IFMA
constexpr bool kIfma = true;
#else
constexpr bool kIfma = false;
#endif
}  // namespace

FixedMultiplier::FixedMultiplier(std::vector<uint64_t> w, const Modulus& q, SimdLevel level)
    : q_(q.value()), size_(w.size()), level_(usableLevel(level, kAvx2, kIfma)) {
  if (level_ == SimdLevel::kAvx2) {
    wd_.assign(w.begin(), w.end());  // exact: w < 2^50
    return;
  }
  w_.assign(w.begin(), w.end());
  wShoup_.resize(size_);
  const int shift = level_ == SimdLevel::kAvx512Ifma ? 52 : 64;
  for (size_t i = 0; i < size_; ++i) {
    wShoup_[i] = static_cast<uint64_t>((static_cast<unsigned __int128>(w_[i]) << shift) / q_);
  }
}

void FixedMultiplier::run(uint64_t* out, const uint64_t* a, size_t count, size_t first,
                          bool lazy) const {
  assert(first + count <= size_);
  switch (level_) {
    case SimdLevel::kAvx512Ifma:
      if constexpr (kIfma) {
        return mulFixedAvx512Ifma(out, a, w_.data() + first, wShoup_.data() + first, count, q_,
                                  lazy);
      }
      break;
    case SimdLevel::kAvx2:
      if constexpr (kAvx2) {
        return mulFixedAvx2(out, a, wd_.data() + first, count, q_, lazy);
      }
      break;
    case SimdLevel::kScalar: break;
  }
  mulFixedScalar(out, a, w_.data() + first, wShoup_.data() + first, count, q_, lazy);
}

void mulFixedScalar(uint64_t* out, const uint64_t* a, const uint64_t* w, const uint64_t* wShoup,
                    size_t n, uint64_t q, bool lazy) {
  const uint64_t bound = lazy ? 2 * q : q;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t qhat =
        static_cast<uint64_t>((static_cast<unsigned __int128>(a[i]) * wShoup[i]) >> 64);
    const uint64_t r = a[i] * w[i] - qhat * q;
    out[i] = r >= bound ? r - q : r;
  }
}

}  // namespace hl::detail
