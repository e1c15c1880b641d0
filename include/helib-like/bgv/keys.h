#pragma once
// BGV keys: the secret key, the public (encryption) key and key-switching keys for
// relinearization and automorphisms (hybrid key switching with special primes and digits:
// Gentry, Halevi, Smart, "Homomorphic evaluation of the AES circuit", CRYPTO 2012, section
// 3.1.3; Han, Ki, "Better bootstrapping for approximate homomorphic encryption", CT-RSA 2020,
// section 3; Kim, Polyakov, Zucca, "Revisiting homomorphic encryption schemes for finite
// fields", ASIACRYPT 2021, section 3). See doc/bgv.md.
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <vector>

#include "helib-like/bgv/context.h"
#include "helib-like/detail/compact_rows.h"
#include "helib-like/bgv/plaintext.h"
#include "helib-like/math/prng.h"
#include "helib-like/ring/double_crt.h"

namespace hl {

class Ciphertext;
class PublicKey;
class KeySwitchKey;
class SecretKey;
namespace io {
PublicKey loadPublicKey(std::istream& in, const std::shared_ptr<const Context>& ctx);
KeySwitchKey loadKeySwitchKey(std::istream& in, const std::shared_ptr<const Context>& ctx);
void saveSecretKey(std::ostream& out, const SecretKey& sk);
SecretKey loadSecretKey(std::istream& in, const std::shared_ptr<const Context>& ctx);
}  // namespace io

namespace detail {
/// Decryption through the power basis whatever the chain's working basis (the phase's
/// power-basis coefficients by CyclotomicDft, then DoubleCRT::toSmallCoefficientsMod): the path
/// SecretKey::decrypt took before it used the powerful basis, kept as a reference for tests and
/// benchmarks. Not part of the API. Same exceptions as SecretKey::decrypt.
Plaintext decryptViaPowerBasis(const SecretKey& sk, const Ciphertext& ct);
}  // namespace detail

/// The secret key s, a ternary element of R (uniform, or with a fixed Hamming weight as the
/// context says), held in evaluation form over every prime of the context. It is never
/// printed or logged, and its memory (and that of every temporary derived from it) is wiped
/// when it is destroyed.
class SecretKey {
 public:
  /// Samples a fresh key with an OS-seeded CSPRNG. Throws std::invalid_argument if ctx is
  /// null.
  explicit SecretKey(std::shared_ptr<const Context> ctx);
  /// Samples a key from the given generator (reproducible with a seeded Prng: for tests).
  SecretKey(std::shared_ptr<const Context> ctx, Prng& prng);
  SecretKey(const SecretKey&) = default;
  SecretKey& operator=(const SecretKey&);
  ~SecretKey();

  const Context& context() const { return *ctx_; }
  const std::shared_ptr<const Context>& contextPtr() const { return ctx_; }
  /// A random identifier shared by this key and everything made with it, so that using a
  /// ciphertext or key with the wrong key is reported instead of decrypting to garbage.
  uint64_t id() const { return id_; }

  /// An encryption key (b, a) = (-a s + t e, a) at the top level. The OS-seeded overload
  /// draws a fresh seed for the uniform part.
  PublicKey publicKey() const;
  PublicKey publicKey(Prng& prng) const;
  /// The key that switches s^2 to s (relinearization).
  KeySwitchKey relinearizationKey() const;
  KeySwitchKey relinearizationKey(Prng& prng) const;
  /// The key that switches s(X^k) to s, for the automorphism X -> X^k. Throws
  /// std::invalid_argument unless k is a unit mod m other than 1.
  KeySwitchKey automorphismKey(uint64_t k) const;
  KeySwitchKey automorphismKey(uint64_t k, Prng& prng) const;

  /// Secret-key encryption at the top level: (c0, c1) = (-a s + t e + m, a). Lower noise
  /// than public-key encryption. Throws std::invalid_argument if pt belongs to another
  /// context.
  Ciphertext encrypt(const Plaintext& pt) const;
  Ciphertext encrypt(const Plaintext& pt, Prng& prng) const;

  /// The plaintext of ct: [c0 + c1 s (+ c2 s^2)]_Q mod t, times the inverse of the
  /// ciphertext's plaintext factor. Throws std::invalid_argument if ct belongs to another
  /// context or was made under another key. Decryption is only guaranteed while
  /// ct.capacity() > 0, which every operation maintains. Where the chain works in the powerful
  /// basis the phase is centred in that basis (doc/bgv.md, section 2).
  Plaintext decrypt(const Ciphertext& ct) const;

  /// log2 of the canonical-embedding norm of the real noise [c0 + c1 s (+ c2 s^2)]_Q of ct
  /// (the quantity ct.noiseBound() bounds), measured with the secret key: for tests and
  /// diagnostics. Returns -infinity for a noiseless ciphertext. Same exceptions as decrypt.
  double measureNoise(const Ciphertext& ct) const;

 private:
  friend class PublicKey;
  friend Plaintext detail::decryptViaPowerBasis(const SecretKey& sk, const Ciphertext& ct);
  friend void io::saveSecretKey(std::ostream& out, const SecretKey& sk);
  friend SecretKey io::loadSecretKey(std::istream& in, const std::shared_ptr<const Context>& ctx);
  // A key with the given id and s (evaluation form over every prime): for loadSecretKey.
  SecretKey(std::shared_ptr<const Context> ctx, uint64_t id, DoubleCRT s)
      : ctx_(std::move(ctx)), id_(id), s_(std::move(s)) {}
  // [c0 + c1 s + c2 s^2]_Q over the ciphertext's primes.
  DoubleCRT phase(const Ciphertext& ct) const;
  // The phase mod the chain prime p (one of ct's primes) into out[0..n).
  void phaseRow(const Ciphertext& ct, size_t p, uint64_t* out) const;
  KeySwitchKey makeKeySwitchKey(const DoubleCRT& target, uint64_t automorphism, Prng& prng) const;
  void check(const Ciphertext& ct, const char* op) const;
  // The phase's power-basis coefficients mod t times the inverse of ct's plaintext factor.
  Plaintext finishDecryption(const Ciphertext& ct, std::vector<uint64_t> m) const;

  std::shared_ptr<const Context> ctx_;
  uint64_t id_ = 0;
  DoubleCRT s_;  // over all primes (ciphertext and special), evaluation form
};

/// The public encryption key (b, a) over the top-level ciphertext primes, with
/// b = -a s + t e. Encryption: (c0, c1) = (b u + t e0 + m, a u + t e1), u ternary.
class PublicKey {
 public:
  const Context& context() const { return *ctx_; }
  const std::shared_ptr<const Context>& contextPtr() const { return ctx_; }
  uint64_t keyId() const { return keyId_; }
  /// The seed the uniform part a was expanded from.
  const Prng::Seed& seed() const { return seed_; }
  /// b = -a s + t e and a, over the top-level ciphertext primes.
  const DoubleCRT& b() const { return b_; }
  const DoubleCRT& a() const { return a_; }

  /// Public-key encryption at the top level. Throws std::invalid_argument if pt belongs to
  /// another context.
  Ciphertext encrypt(const Plaintext& pt) const;
  Ciphertext encrypt(const Plaintext& pt, Prng& prng) const;

 private:
  friend class SecretKey;
  friend PublicKey io::loadPublicKey(std::istream& in, const std::shared_ptr<const Context>& ctx);
  PublicKey(std::shared_ptr<const Context> ctx, uint64_t keyId, Prng::Seed seed, DoubleCRT b,
            DoubleCRT a)
      : ctx_(std::move(ctx)), keyId_(keyId), seed_(seed), b_(std::move(b)), a_(std::move(a)) {}

  std::shared_ptr<const Context> ctx_;
  uint64_t keyId_;
  Prng::Seed seed_;
  DoubleCRT b_, a_;
};

/// A key-switching key from a secret s' (s^2, or s(X^k)) to the secret s: for every digit
/// j, (b_j, a_j) over all primes of the context with
///     b_j = -a_j s + t e_j + P * (Q/Q_j) * [(Q/Q_j)^{-1}]_{Q_j} * s'   (mod Q P),
/// Q the top-level ciphertext modulus, Q_j the product of digit j's primes, P the special
/// modulus. The uniform a_j are expanded from seed().
///
/// The rows of primes below 2^32 are held in 32-bit words: a key is the largest object an
/// evaluator holds (at m = 53261 with 4 digits and 34 primes, 100 MB in 64-bit words; 74 MB
/// when 18 of the primes are below 2^32), and key switching streams it whole.
class KeySwitchKey {
 public:
  const Context& context() const { return *ctx_; }
  uint64_t keyId() const { return keyId_; }
  /// 0 for the relinearization key (s^2 -> s), otherwise the k of X -> X^k.
  uint64_t automorphism() const { return automorphism_; }
  bool isRelinearization() const { return automorphism_ == 0; }
  const Prng::Seed& seed() const { return seed_; }
  size_t digitCount() const { return rows_.elements() / 2; }
  /// b_j and a_j over every prime of the context (copies assembled from the stored rows).
  /// Throw std::out_of_range for a digit >= digitCount().
  DoubleCRT b(size_t digit) const { return rows_.element(2 * digit); }
  DoubleCRT a(size_t digit) const { return rows_.element(2 * digit + 1); }
  /// The bytes of the stored rows.
  size_t storageBytes() const { return rows_.bytes(); }

  /// The stored row of part 0 (b) or 1 (a) of a digit for the prime of index p: in 64-bit
  /// words (wideRow) or, where that prime is below 2^32, in 32-bit words (narrowRow); the
  /// other returns nullptr. For the key-switching kernels; no bounds checks.
  const uint64_t* wideRow(size_t part, size_t digit, size_t p) const {
    return rows_.wideRow(2 * digit + part, p);
  }
  const uint32_t* narrowRow(size_t part, size_t digit, size_t p) const {
    return rows_.narrowRow(2 * digit + part, p);
  }

 private:
  friend class SecretKey;
  friend KeySwitchKey io::loadKeySwitchKey(std::istream& in,
                                           const std::shared_ptr<const Context>& ctx);
  KeySwitchKey(std::shared_ptr<const Context> ctx, uint64_t keyId, uint64_t automorphism,
               Prng::Seed seed)
      : ctx_(std::move(ctx)),
        keyId_(keyId),
        automorphism_(automorphism),
        seed_(seed),
        rows_(ctx_->chain(), 2 * ctx_->digits().size()) {}
  /// Appends the rows of the next digit (b and a over every prime of the context).
  void addDigit(const DoubleCRT& b, const DoubleCRT& a) {
    rows_.add(b);
    rows_.add(a);
  }

  std::shared_ptr<const Context> ctx_;
  uint64_t keyId_;
  uint64_t automorphism_;
  Prng::Seed seed_;
  detail::CompactRows rows_;  // b_0, a_0, b_1, a_1, ...
};

/// The key-switching keys an evaluator holds: at most one relinearization key and one key
/// per automorphism, all made from the same secret key.
class EvaluationKeys {
 public:
  /// Throws std::invalid_argument if ctx is null.
  explicit EvaluationKeys(std::shared_ptr<const Context> ctx);
  const Context& context() const { return *ctx_; }

  /// Adds (or replaces) a key. Throws std::invalid_argument if it belongs to another
  /// context or was made from a different secret key than the keys already held.
  void add(KeySwitchKey key);
  bool hasRelinearization() const { return relin_ != nullptr; }
  bool hasAutomorphism(uint64_t k) const { return autos_.count(k % ctx_->m()) != 0; }
  /// The automorphism exponents k for which a key is held, increasing.
  std::vector<uint64_t> automorphisms() const;

  /// Throw std::invalid_argument naming the missing key if it was not added.
  const KeySwitchKey& relinearization() const;
  const KeySwitchKey& automorphism(uint64_t k) const;

 private:
  std::shared_ptr<const Context> ctx_;
  uint64_t keyId_ = 0;
  bool anyKey_ = false;
  std::shared_ptr<const KeySwitchKey> relin_;
  std::map<uint64_t, std::shared_ptr<const KeySwitchKey>> autos_;
};

}  // namespace hl
