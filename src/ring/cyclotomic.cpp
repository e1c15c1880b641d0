#include "helib-like/ring/cyclotomic.h"

#include <numeric>
#include <stdexcept>
#include <string>

#include "helib-like/math/cyclotomic_dft.h"

namespace hl {

namespace {
uint64_t checkedM(uint64_t m) {
  if (m < 2 || m > (uint64_t{1} << 24)) {
    throw std::invalid_argument("hl::Cyclotomic: m = " + std::to_string(m) +
                                " is outside [2, 2^24]");
  }
  return m;
}
}  // namespace

Cyclotomic::Cyclotomic(uint64_t m)
    : m_(checkedM(m)), phiPoly_(cyclotomicPolynomial(m)), evalExps_(hl::evaluationExponents(m)) {
  unitIndex_.assign(m, -1);
  evalIndex_.assign(m, -1);
  for (uint64_t k = 1; k < m; ++k) {
    if (std::gcd(k, m) == 1) {
      unitIndex_[k] = static_cast<int32_t>(units_.size());
      units_.push_back(k);
    }
  }
  for (size_t i = 0; i < evalExps_.size(); ++i) evalIndex_[evalExps_[i]] = static_cast<int32_t>(i);
}

size_t Cyclotomic::evaluationIndex(uint64_t e) const {
  const int32_t i = evalIndex_[e % m_];
  if (i < 0) {
    throw std::invalid_argument("hl::Cyclotomic: exponent " + std::to_string(e) +
                                " is not a unit mod m = " + std::to_string(m_));
  }
  return static_cast<size_t>(i);
}

std::vector<uint32_t> Cyclotomic::automorphismPermutation(uint64_t k) const {
  if (std::gcd(k % m_, m_) != 1) {
    throw std::invalid_argument("hl::Cyclotomic: X -> X^" + std::to_string(k) +
                                " is not an automorphism of Z[X]/Phi_" + std::to_string(m_) +
                                " (gcd(k, m) != 1)");
  }
  std::vector<uint32_t> perm(evalExps_.size());
  const uint64_t kk = k % m_;
  if (isPowerOfTwo()) {
    for (size_t i = 0; i < perm.size(); ++i) {
      perm[i] = static_cast<uint32_t>(evalIndex_[(evalExps_[i] * kk) & (m_ - 1)]);
    }
    return perm;
  }
  // x mod m for x = e k < m^2 <= 2^48 without a division per element: the quotient from a
  // double product is off by at most one.
  const double inv = 1.0 / static_cast<double>(m_);
  const auto m = static_cast<int64_t>(m_);
  // In parallel for large rings: a key switch computes its permutation while the other threads
  // wait (0.2 ms at m = 53261).
#pragma omp parallel for schedule(static) if (perm.size() >= (1u << 14))
  for (size_t i = 0; i < perm.size(); ++i) {
    const auto x = static_cast<int64_t>(evalExps_[i] * kk);
    int64_t r = x - static_cast<int64_t>(static_cast<double>(x) * inv) * m;
    r += r < 0 ? m : 0;
    r -= r >= m ? m : 0;
    perm[i] = static_cast<uint32_t>(evalIndex_[r]);
  }
  return perm;
}

}  // namespace hl
