#pragma once
// The transform between coefficient form and evaluation form of Z_q[X]/Phi_m(X), for any m.
//
// Evaluation form: the values a(zeta^e) at the primitive m-th roots of unity zeta^e, e in Z_m^*,
// in the order given by evaluationExponents(m). Power-of-two m uses the negacyclic NTT of
// length m/2 directly. Any other m uses Bluestein's chirp transform (L. Bluestein, "A linear
// filtering approach to the computation of discrete Fourier transform", 1970) over
// power-of-two negacyclic NTTs, restricted to the exponents in Z_m^*, and the inverse
// reduces the length-m result mod Phi_m with a precomputed power-series inverse (Newton
// division, von zur Gathen & Gerhard, "Modern Computer Algebra", section 9.1).
// See doc/math.md for the derivation.

#include <cstdint>
#include <memory>
#include <vector>

#include "helib-like/math/modulus.h"
#include "helib-like/math/simd.h"

namespace hl {

/// Exponents e in Z_m^* in the order evaluation vectors store a(zeta^e), the order in which the
/// fastest transform for m produces them: for m a power of two, e_k = 2*bitrev(k) + 1 (the
/// order of the NTT); otherwise, with m = m_1 * ... * m_k the prime-power factors in increasing
/// order, lexicographic in (e mod m_1, ..., e mod m_k) (the row-major output of the
/// prime-factor transform, PowerfulDft). For a prime power m that is increasing order.
/// Throws std::invalid_argument for m < 2.
std::vector<uint64_t> evaluationExponents(uint64_t m);

/// The coefficients of the m-th cyclotomic polynomial Phi_m (degree phi(m), constant term
/// first). Throws std::invalid_argument for m < 1 and std::overflow_error if a coefficient does
/// not fit in 64 bits.
std::vector<int64_t> cyclotomicPolynomial(uint64_t m);

/// Euler's totient.
uint64_t eulerPhi(uint64_t m);

/// The modulus q of a CyclotomicDft for m must be a prime = 1 (mod cyclotomicDftDivisor(m)):
/// m for a power of two, otherwise lcm(m or 2m, 2N) with N the largest Bluestein length.
uint64_t cyclotomicDftDivisor(uint64_t m);

/// Precomputed transform for one (m, q). Immutable, shareable between threads (each call uses
/// a per-thread scratch buffer).
class CyclotomicDft {
 public:
  /// Requires m >= 2 and q a prime < 2^50 with q = 1 (mod cyclotomicDftDivisor(m)); throws
  /// std::invalid_argument otherwise.
  CyclotomicDft(uint64_t m, const Modulus& q, SimdLevel level = bestSimdLevel());
  ~CyclotomicDft();
  CyclotomicDft(const CyclotomicDft&) = delete;
  CyclotomicDft& operator=(const CyclotomicDft&) = delete;

  uint64_t m() const { return m_; }
  /// phi(m): the length of both forms.
  size_t size() const { return n_; }
  const Modulus& modulus() const { return q_; }
  /// The primitive m-th root of unity zeta the values refer to.
  uint64_t zeta() const { return zeta_; }

  /// values[k] = a(zeta^e_k) for the polynomial a with coefficients coeffs[0..phi(m)), all
  /// in [0, q). The two pointers may be equal (in place); otherwise they must not overlap.
  void forward(const uint64_t* coeffs, uint64_t* values) const;
  /// The inverse of forward(): the coefficients of the unique polynomial of degree < phi(m)
  /// with those values. Inputs in [0, q), outputs in [0, q); may be in place.
  void inverse(const uint64_t* values, uint64_t* coeffs) const;

 private:
  struct Bluestein;
  uint64_t m_;
  size_t n_;
  Modulus q_;
  uint64_t zeta_ = 0;
  std::unique_ptr<class NttTables> pow2_;  // m a power of two
  std::unique_ptr<Bluestein> blue_;        // any other m
};

}  // namespace hl
