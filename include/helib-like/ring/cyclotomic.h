#pragma once
// The cyclotomic ring R = Z[X]/Phi_m(X): its index m, degree phi(m), Phi_m and Z_m^*.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hl {

/// Everything about R = Z[X]/Phi_m(X) that does not depend on a modulus. Immutable.
class Cyclotomic {
 public:
  /// Any m >= 2 (power of two, odd, or even composite). Throws std::invalid_argument for
  /// m < 2 and for m above 2^24 (far beyond any ring the library is meant for), and
  /// std::overflow_error if Phi_m has a coefficient beyond 64 bits.
  explicit Cyclotomic(uint64_t m);

  uint64_t m() const { return m_; }
  /// n = phi(m), the degree of Phi_m and the length of every element.
  size_t phi() const { return phiPoly_.size() - 1; }
  bool isPowerOfTwo() const { return (m_ & (m_ - 1)) == 0; }
  /// Coefficients of Phi_m, constant term first (phi() + 1 of them).
  const std::vector<int64_t>& phiPolynomial() const { return phiPoly_; }
  /// Z_m^* in increasing order.
  const std::vector<uint64_t>& units() const { return units_; }
  bool isUnit(uint64_t k) const { return k < m_ && unitIndex_[k] >= 0; }
  /// The exponents e of the roots zeta^e in the order of evaluation vectors (see
  /// hl::evaluationExponents), shared by every prime of a modulus chain.
  const std::vector<uint64_t>& evaluationExponents() const { return evalExps_; }
  /// Position of exponent e (a unit mod m) in evaluationExponents(). Throws
  /// std::invalid_argument if e mod m is not a unit.
  size_t evaluationIndex(uint64_t e) const;
  /// The permutation that applies X -> X^k in evaluation form: the image b = a(X^k) has
  /// b[i] = a[perm[i]]. Throws std::invalid_argument unless gcd(k, m) = 1.
  std::vector<uint32_t> automorphismPermutation(uint64_t k) const;

 private:
  uint64_t m_;
  std::vector<int64_t> phiPoly_;
  std::vector<uint64_t> units_, evalExps_;
  std::vector<int32_t> unitIndex_;  // index in units_, -1 for non-units
  std::vector<int32_t> evalIndex_;  // index in evalExps_, -1 for non-units
};

}  // namespace hl
