#pragma once
// A BGV ciphertext with its level, plaintext factor and tracked noise bound.
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "helib-like/bgv/context.h"
#include "helib-like/bgv/keys.h"
#include "helib-like/bgv/noise.h"
#include "helib-like/bgv/plaintext.h"
#include "helib-like/ring/double_crt.h"

namespace hl {

class PreparedPlaintext;
class Ciphertext;
namespace io {
Ciphertext loadCiphertext(std::istream& in, const std::shared_ptr<const Context>& ctx);
}  // namespace io

/// Thrown when an operation would leave a ciphertext without capacity, i.e. when its noise
/// bound would reach half the modulus and decryption would no longer be guaranteed. The
/// operands are left unchanged.
class CapacityError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A ciphertext (c0, c1) or, after a multiplication without relinearization, (c0, c1, c2)
/// with
///     c0 + c1 s (+ c2 s^2) = nu  (mod Q_l),   nu = f * m + t * e,
/// where Q_l = q_0 ... q_{l-1} is the modulus of its level l, f the plaintext factor that
/// modulus switching introduces (decryption multiplies by f^{-1} mod t), and nu the noise,
/// whose canonical-embedding norm is bounded with high probability by noiseBound() (see
/// doc/bgv.md for the bounds).
///
/// Operations that combine two ciphertexts bring them to a common level and plaintext
/// factor first (modulus switching the higher one down, multiplying by a small constant).
/// An addition may instead drop the higher operand's extra primes (the relation above holds
/// mod every divisor of Q_l, so its noise and factor stay): it does so, without any transform,
/// where the sum's bound is within 0.001 bits of the switched one's (a fresh ciphertext added
/// to a noisy one).
/// Every operation updates the noise bound and throws hl::CapacityError, leaving the
/// operands unchanged, if the result would have no capacity left. Operands from another
/// context or another key throw std::invalid_argument.
class Ciphertext {
 public:
  const Context& context() const { return *ctx_; }
  const std::shared_ptr<const Context>& contextPtr() const { return ctx_; }
  uint64_t keyId() const { return keyId_; }
  /// Number of ciphertext primes the ciphertext lives on (1..context().levels()).
  size_t level() const { return parts_.front().primes().size(); }
  /// 2, or 3 after multiply() / square() before relinearize().
  size_t size() const { return parts_.size(); }
  const DoubleCRT& part(size_t i) const { return parts_.at(i); }
  /// The plaintext factor f (in [1, t)).
  uint64_t plaintextFactor() const { return factor_; }
  /// log2 of the high-probability bound on the canonical-embedding norm of the noise:
  /// noise().bound().
  double noiseBound() const { return noise_.bound(); }
  /// What is known of the noise: moments of its canonical coordinates and their bound
  /// (hl::NoiseMoments).
  const NoiseMoments& noise() const { return noise_; }
  /// Bits left before decryption may fail: log2(Q_l / 2) - noiseBound().
  double capacity() const;

  Ciphertext& operator+=(const Ciphertext& o);
  Ciphertext& operator-=(const Ciphertext& o);
  Ciphertext& negate();
  friend Ciphertext operator+(Ciphertext a, const Ciphertext& b) { return a += b; }
  friend Ciphertext operator-(Ciphertext a, const Ciphertext& b) { return a -= b; }

  /// Adds / subtracts an unencrypted plaintext of the same context (f m with f the plaintext
  /// factor; the noise bound grows by the L1 norm of f m centred mod t). Throws
  /// std::invalid_argument if pt belongs to another context.
  Ciphertext& addPlaintext(const Plaintext& pt);
  Ciphertext& subPlaintext(const Plaintext& pt);
  /// The same with a prepared plaintext: with plaintext factor +-1 a row-wise sum over the
  /// ciphertext's primes (no transform; the noise bound grows by pt.normLog2()); otherwise
  /// f_c m or [f m]_t, whichever has the smaller bound (|f_c| 2^normLog2 against the L1 norm
  /// of f m centred mod t; the second costs a transform per prime). Throws
  /// std::invalid_argument if pt belongs to another context.
  Ciphertext& addPlaintext(const PreparedPlaintext& pt);
  Ciphertext& subPlaintext(const PreparedPlaintext& pt);
  /// Multiplies by an unencrypted plaintext (noise grows by its L1 norm, a bound on its
  /// canonical norm that costs O(n); the canonical norm itself, a complex FFT, would add
  /// 45-65% to this operation at m = 53261, see doc/performance.md: prepare the plaintext for
  /// the tighter bound). Throws std::invalid_argument if pt belongs to another context.
  Ciphertext& multiplyByPlaintext(const Plaintext& pt);
  /// Multiplies by a prepared plaintext: row by row over the ciphertext's primes, no
  /// transform; the noise bound grows by the canonical norm, pt.normLog2() (rigorous: the norm
  /// is submultiplicative). Throws std::invalid_argument if pt belongs to another context.
  Ciphertext& multiplyByPlaintext(const PreparedPlaintext& pt);
  /// Multiplies by an integer constant, taken mod t (noise grows by its centred value).
  Ciphertext& multiplyByConstant(int64_t c);

  /// What a product may assume of its operands' noises nu, nu' for the bound on nu nu'
  /// (hl::NoiseMoments).
  enum class NoiseRelation {
    /// Nothing (x * x, x * (x + y), products of sums that share a term): the product of the
    /// bounds, as tight as the bounds of doc/bgv.md section 5 allow.
    kAny,
    /// The random parts of nu and nu' are independent at each canonical coordinate (their
    /// deterministic parts, the messages, may be anything): distinct encryptions, or a
    /// ciphertext and a key-switched image sigma_k of it, k != +-1 mod m (whose coordinate at
    /// zeta is the coordinate at zeta^k of the same noise, plus fresh key-switching error; k = -1
    /// would pair each coordinate with its complex conjugate), as the AES S-box's x^2 * x. The
    /// moments multiply: about 1.5 bits less per product at aes-128.
    /// The caller vouches for it; a wrong claim can make the bound fail.
    kIndependent,
  };

  /// The tensor product (3 parts) of two relinearized ciphertexts. Each operand is first
  /// switched down while that leaves more capacity after a squaring (reduceNoise), then both
  /// go to the lower of the two levels. Throws std::invalid_argument if an operand has 3
  /// parts, or for kIndependent with o the ciphertext itself.
  Ciphertext& multiply(const Ciphertext& o, NoiseRelation rel = NoiseRelation::kAny);
  Ciphertext& square();
  /// What an operation that ends in a key switch (relinearize, multiplyBy, automorph,
  /// frobenius) does after it.
  enum class Then {
    kNothing,  ///< the result stays at the operand's level
    /// reduceNoise(), with its first modulus switch done in the key switch's ModDown pass: the
    /// same result, bit for bit, as calling reduceNoise() afterwards, for one forward
    /// transform per remaining prime and part fewer (of about 6 (l + K) in the key switch).
    /// For a result that is switched down next anyway (by reduceNoise() or by the product it
    /// enters); before another key switch it costs noise (that one's error is not divided).
    kReduceNoise,
  };

  /// Back to 2 parts by key switching c2 from s^2 to s. No-op on a 2-part ciphertext (then
  /// Then::kReduceNoise is reduceNoise() alone). Throws
  /// std::invalid_argument if keys lacks the relinearization key or was made from another
  /// secret key.
  Ciphertext& relinearize(const EvaluationKeys& keys, Then then = Then::kNothing);
  /// multiply() then relinearize().
  Ciphertext& multiplyBy(const Ciphertext& o, const EvaluationKeys& keys,
                         Then then = Then::kNothing, NoiseRelation rel = NoiseRelation::kAny);

  /// m(X) -> m(X^k) with key switching from s(X^k) back to s. Throws std::invalid_argument
  /// if k is not a unit mod m, if keys lacks the key for k, or if the ciphertext has 3
  /// parts. k = 1 is a no-op (then reduceNoise() alone with Then::kReduceNoise).
  Ciphertext& automorph(uint64_t k, const EvaluationKeys& keys, Then then = Then::kNothing);
  /// The Frobenius map m(X) -> m(X^{p^j}) (the automorphism with k = p^j mod m).
  Ciphertext& frobenius(unsigned j, const EvaluationKeys& keys, Then then = Then::kNothing);

  /// The ciphertexts sigma_k(*this), m(X) -> m(X^k), for every k of ks (in that order; k = 1,
  /// or k = 1 mod m, gives a copy), with one ModUp shared by all key switches (hoisting:
  /// Halevi, Shoup, "Faster homomorphic linear transformations in HElib", CRYPTO 2018,
  /// section 5). Each result decrypts as automorph(k) would and has the same noise bound; the
  /// bits may differ (the ModUp rounding is that of c1, not of c1(X^k)). Throws, before any
  /// work, std::invalid_argument if keys belong to another context, if some k is not a unit
  /// mod m, if a key is missing (naming X^k) or belongs to another secret key, or if the
  /// ciphertext has 3 parts; hl::CapacityError if the key-switching noise would exhaust the
  /// capacity.
  std::vector<Ciphertext> automorphisms(std::span<const uint64_t> ks,
                                        const EvaluationKeys& keys) const;
  /// Replaces *this by sum_j consts[j] * sigma_{ks[j]}(*this) (consts[j] == nullptr stands for
  /// the constant 1), the building block of linear maps on slots, with one ModUp and one
  /// ModDown for all terms ("double hoisting": Bossuat, Mouchet, Troncoso-Pastoriza, Hubaux,
  /// "Efficient bootstrapping for approximate homomorphic encryption with non-sparse keys",
  /// EUROCRYPT 2021, section 3.4, Algorithm 6): the permuted extended digits' inner products
  /// with the keys are multiplied by the constants and summed over Q_l P, and the sum goes
  /// through ModDown once. Terms with k = 1 need no key. The noise bound is
  ///     sum_j ||c_j|| B + (t/P) (sum_{k_j != 1} ||c_j||) E_ks + R(K)
  /// (doc/bgv.md section 4b). The plaintext factor is unchanged. Throws, before any change,
  /// std::invalid_argument if ks and consts differ in size or are empty, if a constant or
  /// the keys belong to another context, and for the reasons automorphisms() throws;
  /// hl::CapacityError if the result would have no capacity left.
  Ciphertext& automorphismSum(std::span<const uint64_t> ks,
                              std::span<const PreparedPlaintext* const> consts,
                              const EvaluationKeys& keys);

  /// One giant step of automorphismSumGroups: X -> X^giant (1: none) applied to
  /// sum_i consts[i] sigma_{babies[terms[i]]}(x).
  struct AutomorphismGroup {
    uint64_t giant = 1;
    std::vector<size_t> terms;                     // indices into the baby exponents
    std::vector<const PreparedPlaintext*> consts;  // one per term; nullptr: 1
  };
  /// The baby-step giant-step form of a sum of automorphisms (Halevi, Shoup, "Faster
  /// homomorphic linear transformations in HElib", CRYPTO 2018, section 4):
  ///     x <- sum_g tau_g( sum_i c_{g,i} sigma_{b(g,i)}(x) ),
  /// which needs keys only for the baby exponents and the giant ones: sum_{j<8} c_j sigma^j
  /// with babies sigma^0..3 and giants 1 and sigma^4 needs 4 keys instead of 7. One ModUp of x
  /// serves every baby step of every group (each baby's permuted digits formed, and its key
  /// read, once for all groups), then one ModDown per group and one key switch per giant step
  /// other than 1. Where the giants are powers 1, gamma, gamma^2, ... of one of them, they are
  /// applied by Horner's rule, tau_0 y_0 + gamma(y_1 + gamma(y_2 + ...)), with the key of gamma
  /// alone and no more key switches (chosen when gamma's key is there and it needs no more
  /// key switches than one per giant, or when a giant's key is missing; giantKeyExponents says
  /// which keys a list of giants needs). The noise bound is that of automorphismSum for each
  /// group, plus the key-switching term of every giant step it goes through, summed over the
  /// groups. Throws as automorphismSum
  /// does, and std::invalid_argument for an empty group list, a group whose terms and
  /// constants differ in number or name a baby that does not exist; the ciphertext is
  /// unchanged when anything is thrown.
  Ciphertext& automorphismSumGroups(std::span<const uint64_t> babies,
                                    std::span<const AutomorphismGroup> groups,
                                    const EvaluationKeys& keys);
  /// The automorphism keys automorphismSumGroups needs for these giant exponents when all
  /// may be had: gamma alone where Horner's rule applies (see there), else every giant other
  /// than 1; sorted, without repeats.
  static std::vector<uint64_t> giantKeyExponents(const Context& ctx,
                                                 std::span<const uint64_t> giants);

  /// Modulus switching: drops the top prime q_{l-1}, dividing the noise by it and adding a
  /// rounding term; the plaintext factor is multiplied by q_{l-1}^{-1} mod t. Throws
  /// std::invalid_argument at level 1 and hl::CapacityError if the rounding term would
  /// exhaust the capacity.
  Ciphertext& modSwitchDown();
  /// Switches down to the given level (no-op at the current level): four levels or more in one
  /// division by the product of the dropped primes (a slightly larger rounding term, one pass
  /// over the remaining primes), fewer prime by prime. Throws std::invalid_argument unless
  /// 1 <= l <= level(), and hl::CapacityError if the rounding term would exhaust the capacity
  /// (the ciphertext may then be left at an intermediate level).
  Ciphertext& modSwitchTo(size_t l);
  /// Switches down to the lowest level at which the capacity stays positive: the smallest
  /// ciphertext that still decrypts (a reply sent over a network). No-op when no lower level
  /// has capacity left.
  Ciphertext& modSwitchToLowest();
  /// Switches down while that lowers the noise by more than the rounding term it adds,
  /// which is what multiply() does to its operands first.
  Ciphertext& reduceNoise();

 private:
  friend class SecretKey;
  friend class PublicKey;
  friend Ciphertext io::loadCiphertext(std::istream& in, const std::shared_ptr<const Context>& ctx);
  Ciphertext(std::shared_ptr<const Context> ctx, uint64_t keyId, std::vector<DoubleCRT> parts,
             uint64_t factor, NoiseMoments noise)
      : ctx_(std::move(ctx)),
        keyId_(keyId),
        parts_(std::move(parts)),
        factor_(factor),
        noise_(std::move(noise)) {}

  void checkCompatible(const Ciphertext& o, const char* op) const;
  void checkCapacity(const NoiseMoments& noise, size_t level, const char* op) const;
  void checkKeys(const EvaluationKeys& keys, const char* op) const;
  void checkRelation(const Ciphertext& o, NoiseRelation rel, const char* op) const;
  Ciphertext& addSub(const Ciphertext& o, bool subtract);
  Ciphertext& addSubPlaintext(const Plaintext& pt, bool subtract);
  Ciphertext& addSubPlaintext(const PreparedPlaintext& pt, bool subtract);
  // Checks ks (units, keys present and of this secret key, 2 parts) for `op`; returns the
  // exponents reduced mod m.
  std::vector<uint64_t> checkAutomorphisms(std::span<const uint64_t> ks, const EvaluationKeys& keys,
                                           const char* op) const;
  // nu -> c nu with the plaintext factor f -> c f (the plaintext is unchanged).
  void rescaleFactor(int64_t c);
  // automorph, with extraAcc (over Q_l P, laid out as the ModDown's accumulators) added to the
  // key switch's inner products before its ModDown; the bound is the caller's to set.
  void automorphImpl(uint64_t k, const EvaluationKeys& keys, Then then, const uint64_t* extraAcc);
  // A key switch's Then: the level reduceNoise() would reach from the noise bound after the
  // key switch, how many top primes its first step drops (fused with the ModDown), and the
  // bound after that step. Checks the capacity of both.
  struct SwitchPlan {
    size_t target, drop;
    NoiseMoments noise;
  };
  SwitchPlan planSwitchAfterKeySwitch(const NoiseMoments& noise, Then then, const char* op) const;
  // After the key switch of a plan: the factor and bound of its first step, then the rest.
  void finishSwitch(const SwitchPlan& plan);
  // The level both operands of a product are switched to, and the product's noise there.
  size_t productLevel(const Ciphertext& o) const;
  NoiseMoments productNoise(const Ciphertext& o, size_t level, NoiseRelation rel) const;
  // The tensor product with rhs (at the same level; rhs may be *this).
  void tensor(const Ciphertext& rhs);

  std::shared_ptr<const Context> ctx_;
  uint64_t keyId_;
  std::vector<DoubleCRT> parts_;
  uint64_t factor_;
  NoiseMoments noise_;
};

}  // namespace hl
