#pragma once
// Power-of-two negacyclic number-theoretic transform over Z_q, q prime, q = 1 (mod 2n).
//
// Forward: Cooley-Tukey, natural-order input, bit-reversed output; inverse: Gentleman-Sande,
// bit-reversed input, natural-order output, with 1/n folded into the last stage. Both use
// Harvey's lazy butterflies (D. Harvey, "Faster arithmetic for number-theoretic transforms",
// J. Symb. Comp. 60 (2014), Alg. 4), which keep values below 4q between stages.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "helib-like/detail/aligned.h"
#include "helib-like/math/modulus.h"
#include "helib-like/math/simd.h"

namespace hl {

class NttTables;
namespace detail {
struct NttKernelArgs;
void fillKernelArgs(const NttTables& tables, NttKernelArgs& args);
}  // namespace detail

/// Precomputed tables for the negacyclic NTT of length n modulo q (one object per (n, q)).
/// Immutable after construction and safe to share between threads.
class NttTables {
 public:
  /// n a power of two (1 <= n <= 2^26), q a prime < 2^50 with q = 1 (mod 2n). `psi` picks the
  /// primitive 2n-th root of unity; 0 means the canonical one (see psi()). `level` caps the
  /// kernels used (bestSimdLevel() by default; a level the CPU lacks falls back to the best
  /// one it has). Throws std::invalid_argument on any violated requirement.
  NttTables(size_t n, const Modulus& q, uint64_t psi = 0, SimdLevel level = bestSimdLevel());
  ~NttTables();
  NttTables(NttTables&&) noexcept;
  NttTables& operator=(NttTables&&) noexcept;
  NttTables(const NttTables&) = delete;
  NttTables& operator=(const NttTables&) = delete;

  size_t size() const { return n_; }
  int logSize() const { return logn_; }
  const Modulus& modulus() const { return q_; }
  /// The primitive 2n-th root of unity psi: forward() evaluates at psi^(2*bitrev(k)+1). The
  /// canonical choice is g^((q-1)/2n) for the smallest g >= 2 for which that has order 2n.
  uint64_t psi() const { return psi_; }
  SimdLevel level() const { return level_; }

  /// In place: a[k] <- sum_j a[j] * psi^((2*bitrev(k)+1)*j) mod q, where bitrev reverses
  /// logSize() bits. Input values in [0, 4q), output in [0, q).
  void forward(uint64_t* a) const;
  /// In place, the exact inverse of forward(). Input values in [0, 2q), output in [0, q).
  void inverse(uint64_t* a) const;

 private:
  void fillArgs(detail::NttKernelArgs& args) const;
  friend void detail::fillKernelArgs(const NttTables&, detail::NttKernelArgs&);

  size_t n_;
  int logn_;
  Modulus q_;
  uint64_t psi_;
  SimdLevel level_;
  // Bit-reversed powers: w_[k] = psi^bitrev(k), wi_[k] = psi^-bitrev(k), with Shoup constants
  // for 64-bit (scalar) and 52-bit (IFMA) words, and double-precision copies for AVX2.
  detail::AlignedVector<uint64_t> w_, wShoup_, wShoup52_, wi_, wiShoup_, wiShoup52_;
  detail::AlignedVector<double> wd_, wdq_, wid_, widq_;
  // Stride-2 stage twiddles in the IFMA kernels' per-lane layout (see NttKernelArgs::wIfma2).
  detail::AlignedVector<uint64_t> wIfma2_, wiIfma2_;
  uint64_t nInv_, nInvShoup_, nInvShoup52_;
  uint64_t nInvW_, nInvWShoup_, nInvWShoup52_;  // n^-1 * wi_[1] for the last inverse stage
};

}  // namespace hl
