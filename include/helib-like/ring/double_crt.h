#pragma once
// DoubleCRT: an element of R = Z[X]/Phi_m(X) modulo a product of chain primes, stored as one
// evaluation vector per prime (RNS x evaluation form; Gentry, Halevi, Smart, "Homomorphic
// evaluation of the AES circuit", CRYPTO 2012, section 2.8 / appendix, and HElib).

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "helib-like/detail/aligned.h"
#include "helib-like/math/prng.h"
#include "helib-like/ring/index_set.h"
#include "helib-like/ring/modulus_chain.h"

namespace hl {

/// An element a of R_Q, Q = prod_{i in primes()} q_i, stored as the values a(zeta_i^e) mod q_i
/// for every prime i of its index set and every e in Z_m^* (order of
/// Cyclotomic::evaluationExponents()). Addition, multiplication and automorphisms are
/// pointwise; conversions to and from coefficients run the per-prime transforms.
///
/// Binary operations require both operands over the same ModulusChain object and the same
/// index set, and throw std::invalid_argument otherwise. Heavy loops run in parallel over
/// primes (OpenMP).
class DoubleCRT {
 public:
  /// The zero element over the given primes. Throws std::out_of_range if an index is beyond
  /// the chain, std::invalid_argument if chain is null.
  DoubleCRT(std::shared_ptr<const ModulusChain> chain, IndexSet primes);

  /// The element with the given integer coefficients (at most phi(m) of them; missing ones are
  /// zero). Throws std::invalid_argument if there are more than phi(m).
  static DoubleCRT fromCoefficients(std::shared_ptr<const ModulusChain> chain, IndexSet primes,
                                    std::span<const int64_t> coeffs);
  /// Per-prime residues in coefficient form: residues[k] holds phi(m) values in [0, q_i) for the
  /// k-th prime of `primes`. Throws std::invalid_argument on a size mismatch or a value >= q.
  static DoubleCRT fromResidues(std::shared_ptr<const ModulusChain> chain, IndexSet primes,
                                const std::vector<std::vector<uint64_t>>& residues);

  /// A uniformly random element of R_Q, sampled directly in evaluation form (the transform is
  /// a bijection, so uniform values are uniform coefficients): prime by prime, in the order of
  /// `primes`, hl::sampleUniform over phi(m) values. Reproducible for a seeded Prng.
  static DoubleCRT uniform(std::shared_ptr<const ModulusChain> chain, IndexSet primes, Prng& prng);
  /// A ternary element (coefficients uniform in {-1, 0, 1}, hl::sampleTernary), or with exactly
  /// `hammingWeight` nonzero coefficients when that is nonzero (hl::sampleTernaryHamming). The
  /// temporary coefficient vector is wiped.
  static DoubleCRT ternary(std::shared_ptr<const ModulusChain> chain, IndexSet primes, Prng& prng,
                           size_t hammingWeight = 0);
  /// An element with discrete Gaussian coefficients of parameter sigma (hl::sampleGaussian).
  static DoubleCRT gaussian(std::shared_ptr<const ModulusChain> chain, IndexSet primes, Prng& prng,
                            double sigma = 3.2);

  /// The coefficients of the representative with every coefficient in (-Q/2, Q/2], by CRT.
  /// Throws std::overflow_error if one of them does not fit in int64_t.
  std::vector<int64_t> toCoefficients() const;
  /// The coefficients of the centred representative (as for toCoefficients, but without a
  /// size limit) reduced mod t, each in [0, t). Requires 2 <= t < 2^62 (hl::Modulus).
  std::vector<uint64_t> toCoefficientsMod(const Modulus& t) const;
  /// The same for an element whose centred coefficients satisfy |x| < Q/2 - Q 2^-40 (for
  /// example the phase of a ciphertext that decrypts correctly), several times faster (fast
  /// base conversion with exact rounding, L products per coefficient instead of Garner's
  /// L^2/2) and without branches on the values. For coefficients closer to +-Q/2 a result may
  /// be off by Q mod t. Requires 2 <= t < 2^62; throws std::invalid_argument for more than 64
  /// primes.
  std::vector<uint64_t> toSmallCoefficientsMod(const Modulus& t) const;
  /// The same fast conversion in the chain's working basis (ModulusChain::workingBasis(),
  /// toWorkingCoefficients per prime): the coefficients, each in [0, t), of the representative
  /// whose working-basis coefficients are centred. Exact when every centred working-basis
  /// coefficient x satisfies |x| < Q/2 - Q 2^-40; in the powerful basis that holds whenever the
  /// canonical-embedding norm of the element is below (Q/2 - Q 2^-40) / g_m, with
  /// g_m < (4/pi)^k when m is a power of two times k distinct odd primes (2.05 for m = 53261;
  /// doc/bgv.md, section 2). Where the working basis is the power basis
  /// this equals toSmallCoefficientsMod (and is as fast); in the powerful basis it avoids
  /// Bluestein's transform (hl::powerfulToPowerMod then gives power-basis coefficients).
  /// Same requirements as toSmallCoefficientsMod.
  std::vector<uint64_t> toSmallWorkingCoefficientsMod(const Modulus& t) const;
  /// The coefficient-form residues mod each prime (inverse of fromResidues).
  std::vector<std::vector<uint64_t>> toResidues() const;

  const ModulusChain& chain() const { return *chain_; }
  const std::shared_ptr<const ModulusChain>& chainPtr() const { return chain_; }
  const IndexSet& primes() const { return primes_; }
  size_t ringSize() const { return n_; }
  /// Evaluation values mod the prime with chain index i (which must be in primes()).
  std::span<uint64_t> values(size_t i);
  std::span<const uint64_t> values(size_t i) const;

  DoubleCRT& operator+=(const DoubleCRT& o);
  DoubleCRT& operator-=(const DoubleCRT& o);
  DoubleCRT& operator*=(const DoubleCRT& o);
  DoubleCRT& negate();
  /// Multiplies by an integer constant.
  DoubleCRT& mulScalar(int64_t c);
  friend DoubleCRT operator+(DoubleCRT a, const DoubleCRT& b) { return a += b; }
  friend DoubleCRT operator-(DoubleCRT a, const DoubleCRT& b) { return a -= b; }
  friend DoubleCRT operator*(DoubleCRT a, const DoubleCRT& b) { return a *= b; }
  /// Overwrites every value with zero in a way the compiler cannot elide (for secret
  /// material: call it before a secret element is destroyed).
  void wipe();

  /// Exact equality of the represented elements (same chain, same primes, same values).
  bool operator==(const DoubleCRT& o) const;

  /// a(X) -> a(X^k), a permutation of every evaluation vector. Throws std::invalid_argument
  /// unless gcd(k, m) = 1.
  DoubleCRT& automorph(uint64_t k);
  /// The same with the permutation given (Cyclotomic::automorphismPermutation(k)), for callers
  /// that apply one automorphism to several elements. Throws std::invalid_argument if its size
  /// is not phi(m); the entries are trusted to be a permutation of [0, phi(m)).
  DoubleCRT& automorph(std::span<const uint32_t> perm);

  /// Extends the element to primes() | extra by lifting each coefficient to its
  /// representative in (-Q/2, Q/2] (exact CRT) and reducing it mod the new primes.
  /// Throws std::out_of_range if an index is beyond the chain, std::invalid_argument if
  /// `extra` overlaps primes().
  DoubleCRT& addPrimes(const IndexSet& extra);
  /// Keeps only the residues mod primes() - drop (no rescaling: that is modulus switching,
  /// done by the BGV layer). Throws std::invalid_argument if `drop` is not a subset of
  /// primes() or would remove every prime.
  DoubleCRT& dropPrimes(const IndexSet& drop);

 private:
  void checkCompatible(const DoubleCRT& o, const char* op) const;
  template <typename Op>
  DoubleCRT& pointwise(const DoubleCRT& o, const char* name, Op op);
  // CRT from coefficient-form residues: mixed-radix digits (Garner), centred.
  struct MixedRadix;
  // The power-basis coefficients mod each prime, one row of n_ per prime (prime-major).
  detail::AlignedVector<uint64_t> coefficientRows() const;
  // toSmallCoefficientsMod (working = false) or toSmallWorkingCoefficientsMod (true).
  std::vector<uint64_t> liftModT(const Modulus& t, bool working) const;

  std::shared_ptr<const ModulusChain> chain_;
  IndexSet primes_;
  size_t n_;
  detail::AlignedVector<uint64_t> data_;  // primes_.size() rows of n_ values, 64-byte aligned
};

}  // namespace hl
