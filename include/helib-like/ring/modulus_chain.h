#pragma once
// The primes of a context: ciphertext primes q_0..q_{L-1} and special primes for key switching.

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "helib-like/math/cyclotomic_dft.h"
#include "helib-like/math/modulus.h"
#include "helib-like/math/powerful_dft.h"
#include "helib-like/ring/cyclotomic.h"
#include "helib-like/ring/index_set.h"

namespace hl {

/// The ring, its primes, and the per-prime transforms. Prime i of the chain is the i-th
/// ciphertext prime for i < L and a special prime for L <= i < L + K. Immutable, shared
/// (through std::shared_ptr) by every DoubleCRT over it, and safe to use from many threads.
class ModulusChain {
 public:
  /// Explicit primes: each a distinct prime < 2^50 with q = 1 (mod primeDivisor(m)). Throws
  /// std::invalid_argument otherwise (naming the offending prime).
  ModulusChain(std::shared_ptr<const Cyclotomic> ring, std::vector<uint64_t> ciphertextPrimes,
               std::vector<uint64_t> specialPrimes = {}, SimdLevel level = bestSimdLevel());

  /// Generated primes: `ciphertextCount` primes of `ciphertextBits` bits, then `specialCount`
  /// of `specialBits` bits, the largest of each size with the right divisibility
  /// (deterministic, see hl::generatePrimes).
  static std::shared_ptr<const ModulusChain> generate(std::shared_ptr<const Cyclotomic> ring,
                                                      size_t ciphertextCount, int ciphertextBits,
                                                      size_t specialCount = 0, int specialBits = 0,
                                                      SimdLevel level = bestSimdLevel());

  const Cyclotomic& ring() const { return *ring_; }
  const std::shared_ptr<const Cyclotomic>& ringPtr() const { return ring_; }
  size_t size() const { return moduli_.size(); }
  const Modulus& modulus(size_t i) const { return moduli_.at(i); }
  /// What every prime of a chain for m must be 1 modulo: PowerfulDft::divisor(m) where the
  /// powerful basis is the working basis (852176 = 16 m at m = 53261, so primes from 24 bits
  /// up exist), cyclotomicDftDivisor(m) otherwise.
  static uint64_t primeDivisor(uint64_t m);
  /// Whether prime i has Bluestein's transform (hl::CyclotomicDft): every prime that is 1 mod
  /// cyclotomicDftDivisor(m). The others (in a powerful-basis chain) have only the powerful
  /// transform.
  bool hasDft(size_t i) const { return bluestein_.at(i) != 0; }
  /// Bluestein's transform of prime i (same zeta, hence the same evaluation form, as the
  /// powerful one). In a powerful-basis chain it is built on first use (thread-safe): nothing
  /// in the library needs it there, and its tables are large (231 MB for the 19 primes of
  /// 40-50 bits of the aes-128 preset). Throws std::logic_error unless hasDft(i).
  const CyclotomicDft& dft(size_t i) const;
  /// Power-basis coefficients mod prime i (the polynomial of degree < phi(m), in [0, q)) from
  /// the evaluation form, and back: Bluestein's transform in a power-basis chain, otherwise
  /// the powerful transform and an exact change of basis. The pointers may be equal.
  void toPowerCoefficients(size_t i, const uint64_t* values, uint64_t* coeffs) const;
  void fromPowerCoefficients(size_t i, const uint64_t* coeffs, uint64_t* values) const;

  /// The Z-basis of R in which toWorkingCoefficients() writes coefficients.
  enum class Basis {
    kPower,     ///< 1, X, ..., X^(phi(m)-1)
    kPowerful,  ///< the powerful basis of hl::PowerfulDft
  };
  /// The basis of the working coefficient form: the powerful basis where
  /// hl::PowerfulDft::recommended(m) (its prime-factor transform runs 2-4x faster than
  /// Bluestein there, see doc/performance.md), the power basis otherwise.
  Basis workingBasis() const { return powerful_.empty() ? Basis::kPower : Basis::kPowerful; }
  /// Coefficients mod prime i, in [0, q), of the element whose evaluation form mod prime i is
  /// `values`, in workingBasis(). Meant for work that is the same in every Z-basis of R and
  /// only needs some coefficient form: base conversion, rounding and scaling coefficient by
  /// coefficient (key switching, modulus switching); to read the polynomial, use dft(i).
  /// The pointers may be equal (in place).
  void toWorkingCoefficients(size_t i, const uint64_t* values, uint64_t* coeffs) const;
  /// The inverse of toWorkingCoefficients(): evaluation form from working-basis coefficients.
  void fromWorkingCoefficients(size_t i, const uint64_t* coeffs, uint64_t* values) const;
  IndexSet ciphertextPrimes() const { return IndexSet::range(0, numCiphertext_); }
  IndexSet specialPrimes() const { return IndexSet::range(numCiphertext_, moduli_.size()); }
  IndexSet allPrimes() const { return IndexSet::range(0, moduli_.size()); }
  /// log2 of the product of the primes in s. Throws std::out_of_range for an index beyond
  /// the chain.
  double logProduct(const IndexSet& s) const;

 private:
  std::shared_ptr<const Cyclotomic> ring_;
  size_t numCiphertext_;
  std::vector<Modulus> moduli_;
  std::vector<uint8_t> bluestein_;  // 1 where the prime is 1 mod cyclotomicDftDivisor(m)
  SimdLevel level_;
  // Built in the constructor in a power-basis chain, on first use (dft()) otherwise.
  mutable std::vector<std::unique_ptr<CyclotomicDft>> dfts_;
  mutable std::unique_ptr<std::once_flag[]> dftOnce_;
  std::vector<std::unique_ptr<PowerfulDft>> powerful_;  // empty: the power basis
};

}  // namespace hl
