#pragma once
// Pointwise products by a fixed vector of constants (chirps, filter transforms), with the
// precomputation each kernel needs. Internal to the library.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "helib-like/detail/aligned.h"
#include "helib-like/math/modulus.h"
#include "helib-like/math/simd.h"
#include "math/fixed_multiplier_kernels.h"

namespace hl::detail {

class FixedMultiplier {
 public:
  FixedMultiplier() = default;
  /// w: the constants, each in [0, q). `level` picks the kernel (falls back as NttTables does).
  FixedMultiplier(std::vector<uint64_t> w, const Modulus& q, SimdLevel level);

  size_t size() const { return size_; }
  SimdLevel level() const { return level_; }
  /// The constants as doubles (AVX2 level only; empty otherwise), for kernels that fuse the
  /// product into a transform (nttInverseMulAvx2).
  const double* doubles() const { return wd_.data(); }
  /// out[i] = a[i] * w[first + i] mod q in [0, q) for i < count (first + count <= size()),
  /// inputs a[i] < 2q. out may equal a.
  void apply(uint64_t* out, const uint64_t* a, size_t count, size_t first = 0) const {
    run(out, a, count, first, false);
  }
  /// The same product left in [0, 2q) (enough for an NTT input), one step cheaper.
  void applyLazy(uint64_t* out, const uint64_t* a, size_t count, size_t first = 0) const {
    run(out, a, count, first, true);
  }

 private:
  void run(uint64_t* out, const uint64_t* a, size_t count, size_t first, bool lazy) const;

  uint64_t q_ = 0;
  size_t size_ = 0;
  SimdLevel level_ = SimdLevel::kScalar;
  // Only the representation of the level that runs is kept: w and its Shoup constants (64-bit,
  // or 52-bit for IFMA), or w as doubles for AVX2.
  AlignedVector<uint64_t> w_, wShoup_;
  AlignedVector<double> wd_;            // AVX2: w as doubles
};

}  // namespace hl::detail
