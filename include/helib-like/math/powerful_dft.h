#pragma once
// The transform between powerful-basis coefficients and evaluation form of Z_q[X]/Phi_m(X).
//
// For m = m_1 * ... * m_k, the m_i the prime powers dividing m, the ring Z[X]/Phi_m is the
// tensor product of the rings Z[X_i]/Phi_{m_i}(X_i), X_i = X^(m/m_i), and the tensor product
// of their power bases is the powerful basis (V. Lyubashevsky, C. Peikert, O. Regev, "A toolkit
// for Ring-LWE cryptography", EUROCRYPT 2013, sections 4-5). The values of an element at the
// primitive m-th roots of unity are then a k-dimensional transform whose one-dimensional
// pieces are the evaluations of polynomials of degree < phi(m_i) at the primitive m_i-th roots:
// dense matrices for small factors, Rader's algorithm (C. Rader, "Discrete Fourier transforms
// when the number of data samples is prime", Proc. IEEE 56, 1968) over small power-of-two NTTs
// for prime factors, a twisted NTT for a power of two. No transform of length ~2m and no
// reduction mod Phi_m is involved. See doc/math.md and src/math/powerful_dft.cpp.
//
// Any Z-basis of R serves for coefficient-wise work (base conversion, rounding), so the BGV
// hot path can stay in the powerful basis; powerToPowerful / powerfulToPower convert to and
// from the power basis (the coefficients of a polynomial of degree < phi(m)) when needed.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "helib-like/math/modulus.h"
#include "helib-like/math/simd.h"

namespace hl {

/// Transform between powerful-basis coefficients and evaluation form of Z_q[X]/Phi_m(X).
///
/// Powerful basis: with m = m_1 ... m_k the factorisation of m into prime powers, in increasing
/// order, and X_i = X^(m/m_i) (a primitive m_i-th root of unity in R), the basis elements are
/// prod_i X_i^(j_i), 0 <= j_i < phi(m_i), stored at index
/// j_1 * (phi(m_2) ... phi(m_k)) + ... + j_k (row-major, last factor fastest).
///
/// Evaluation form: exactly the order of hl::evaluationExponents(m), with the same values
/// CyclotomicDft(m, q) produces for the same ring element when both use the same zeta: entry k
/// is a(zeta^e_k). Both transforms can therefore be mixed on one element.
///
/// Immutable after construction and shareable between threads (a transform uses a per-thread
/// scratch buffer and allocates nothing after the first call on a thread).
class PowerfulDft {
 public:
  /// `zeta` a primitive m-th root of unity mod q (pass CyclotomicDft(m, q).zeta() to get the
  /// same values as that transform). q must be a prime below 2^50 with q = 1 mod m and q = 1 mod
  /// the lengths of the small power-of-two NTTs this class uses; q = 1 mod
  /// cyclotomicDftDivisor(m) always suffices. Throws std::invalid_argument if m is not
  /// supported (the message names the factor), if q is not such a prime, or if zeta is not a
  /// primitive m-th root of unity. `level` caps the kernels as for NttTables.
  PowerfulDft(uint64_t m, const Modulus& q, uint64_t zeta, SimdLevel level = bestSimdLevel());
  ~PowerfulDft();
  PowerfulDft(const PowerfulDft&) = delete;
  PowerfulDft& operator=(const PowerfulDft&) = delete;

  /// Whether the constructor accepts m (for a suitable q): m >= 2, m < 2^31, and every prime
  /// power factor p^e of m is 2^e, a prime p <= 2^18 + 1, or an odd p^e (e > 1) with
  /// phi(p^e) <= 64. Builds nothing.
  static bool supports(uint64_t m);
  /// Whether this transform is expected to beat CyclotomicDft (Bluestein) for m: m is
  /// supported and not a prime power, and no factor needs a zero-padded Rader convolution or
  /// a cyclic NTT longer than 2048 (measured per prime, doc/performance.md: m = 53261, 21845,
  /// 4369 2-4x faster; m = 8191, 3 * 1031, 2 * 8191 2-5x slower). Builds nothing.
  static bool recommended(uint64_t m);
  /// The D with q = 1 (mod D) required of the modulus: the lcm of m and the lengths of the
  /// cyclic NTTs the factors need (852176 = 16 m for m = 53261, against 2^18 m for
  /// CyclotomicDft). Throws std::invalid_argument if m is not supported.
  static uint64_t divisor(uint64_t m);

  uint64_t m() const { return m_; }
  /// phi(m): the length of both forms.
  size_t size() const { return n_; }
  const Modulus& modulus() const { return q_; }
  uint64_t zeta() const { return zeta_; }
  /// The kernels that run (kScalar, kAvx2 or kAvx512Ifma).
  SimdLevel level() const { return level_; }
  /// Whether the SIMD kernels run in their lazy mode: q < 2^40 and q n <= 2^44 for the longest
  /// cyclic NTT n of the factors (every q below 2^40 at m = 53261), where the double-precision
  /// values have room to skip the reductions that only bound them (about 20% faster). The words
  /// are the same.
  bool lazyReductions() const;

  /// values[k] = a(zeta^e_k) for the element a with powerful-basis coefficients
  /// powerful[0..phi(m)), all in [0, q). Outputs in [0, q). The pointers may be equal (in
  /// place); otherwise they must not overlap.
  void forward(const uint64_t* powerful, uint64_t* values) const;
  /// The exact inverse of forward(). Inputs in [0, q), outputs in [0, q); may be in place.
  void inverse(const uint64_t* values, uint64_t* powerful) const;

  struct Plan;  // internal (named here only so that the implementation's helpers can use it)

 private:
  uint64_t m_;
  size_t n_;
  Modulus q_;
  uint64_t zeta_;
  SimdLevel level_;
  std::unique_ptr<Plan> plan_;
};

/// Power-basis coefficients (of the polynomial of degree < phi(m)) to powerful-basis
/// coefficients (layout as in PowerfulDft), over the integers. Any m >= 2 (m < 2^31). Throws
/// std::invalid_argument if power.size() != phi(m), std::overflow_error if a result does not fit
/// in 64 bits. Reference speed (O(m * number of prime factors)).
std::vector<int64_t> powerToPowerful(uint64_t m, std::span<const int64_t> power);
/// The inverse of powerToPowerful (exact, over the integers; reduces a polynomial of degree < m
/// modulo Phi_m with NTL's big-integer arithmetic). Same exceptions.
std::vector<int64_t> powerfulToPower(uint64_t m, std::span<const int64_t> powerful);

}  // namespace hl
