#pragma once
// The BGV context: validated parameters and everything precomputed from them (Brakerski,
// Gentry, Vaikuntanathan, "(Leveled) fully homomorphic encryption without bootstrapping",
// ITCS 2012; the double-CRT / key-switching organisation of Gentry, Halevi, Smart,
// "Homomorphic evaluation of the AES circuit", CRYPTO 2012). See doc/bgv.md.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <typeindex>
#include <vector>

#include "helib-like/math/modulus.h"
#include "helib-like/math/simd.h"
#include "helib-like/ring/cyclotomic.h"
#include "helib-like/ring/hypercube.h"
#include "helib-like/ring/index_set.h"
#include "helib-like/ring/modulus_chain.h"

namespace hl {

namespace detail {
class RnsTables;
}

/// What a user chooses. Fill it in (designated initializers read well) and pass it to
/// Context::create, which validates it and returns the immutable context.
///
///   auto ctx = hl::Context::create({.m = 4369, .p = 2, .r = 1, .ciphertextBits = 300});
struct Parameters {
  /// The cyclotomic index: R = Z[X]/Phi_m(X), ring dimension n = phi(m). 2 <= m <= 2^24.
  uint64_t m = 0;
  /// Plaintext prime p (must not divide m) and exponent r >= 1: plaintext space t = p^r,
  /// which must be below 2^40.
  uint64_t p = 2;
  unsigned r = 1;
  /// log2 of the ciphertext modulus Q at the top level, rounded up to whole primes of at most
  /// kMaxPrimeBits bits (all of the same size).
  int ciphertextBits = 0;
  /// Instead of ciphertextBits (leave that 0): the size in bits of each ciphertext prime, from
  /// q_0 (the last one left) to the top prime (the first one modulus switching drops), for
  /// circuits whose steps need different amounts of modulus (the AES presets: small primes
  /// where a switch needs to remove only a few bits of noise). Each between 20 and
  /// kMaxPrimeBits; sizes for which too few primes exist are refused (where the powerful basis
  /// is used, e.g. m = 53261, primes from about 27 bits up are plentiful).
  std::vector<int> primeBits;
  /// log2 of the special modulus P of key switching. 0 picks the size of the largest digit
  /// (so the key-switching noise stays near the modulus-switching noise).
  int specialBits = 0;
  /// Number of digits the ciphertext modulus is split into for hybrid key switching
  /// (1 <= digits <= number of ciphertext primes): consecutive primes, balanced by bits.
  /// More digits: smaller P, more work. 0 (the default) picks min(3, number of ciphertext
  /// primes), so the default fits every modulus; Context::parameters() reports the choice.
  size_t digits = 0;
  /// 0 for a uniform ternary secret; otherwise the secret has exactly this many nonzero
  /// coefficients (sparse secrets are weaker; the security estimate accounts for it).
  size_t hammingWeight = 0;
  /// Standard deviation of the discrete Gaussian error.
  double sigma = 3.2;
  /// Optional hypercube generators of Z_m^*/<p> for the slots layer, the first dimensions in
  /// order (see hl::Hypercube); the remaining dimensions are chosen automatically (all of them
  /// when empty). Validated here.
  std::vector<uint64_t> generators;
  /// Contexts estimated below 128-bit security are refused unless this is true. Tests use
  /// small, insecure rings on purpose; never set it for real data.
  bool allowInsecure = false;
};

/// Immutable, validated BGV parameters with the ring, the primes and the per-prime
/// transforms. Shared (std::shared_ptr<const Context>) by keys and ciphertexts and safe to
/// use from many threads.
///
/// Prime layout: chain primes 0..L-1 are the ciphertext primes q_0..q_{L-1}; a ciphertext at
/// level l lives modulo q_0 * ... * q_{l-1}, and modulus switching drops the last of them.
/// Primes L..L+K-1 are the special primes whose product is P.
class Context {
 public:
  /// Validates `params` and builds the context. Throws std::invalid_argument naming the
  /// problem: m out of range, p not prime or dividing m, r = 0, t = p^r >= 2^40, a modulus
  /// size that is not positive, digits out of range, a generator that is not a unit mod m,
  /// sigma out of range, a Hamming weight above phi(m), or an estimated security below 128
  /// bits without params.allowInsecure. Throws std::runtime_error if not enough primes of
  /// the requested size exist.
  static std::shared_ptr<const Context> create(const Parameters& params);

  const Parameters& parameters() const { return params_; }
  const Cyclotomic& ring() const { return chain_->ring(); }
  const std::shared_ptr<const ModulusChain>& chain() const { return chain_; }
  uint64_t m() const { return params_.m; }
  /// phi(m): the ring dimension.
  size_t n() const { return ring().phi(); }
  uint64_t p() const { return params_.p; }
  unsigned r() const { return params_.r; }
  /// The plaintext modulus t = p^r.
  uint64_t t() const { return t_.value(); }
  const Modulus& plaintextModulus() const { return t_; }

  /// Number of ciphertext primes L (the top level).
  size_t levels() const { return numCiphertext_; }
  /// The ciphertext primes of level l: {0, ..., l-1}. Throws std::out_of_range unless
  /// 1 <= l <= levels().
  IndexSet levelPrimes(size_t l) const;
  IndexSet specialPrimes() const { return chain_->specialPrimes(); }
  /// The key-switching digits: a partition of the ciphertext primes into consecutive ranges.
  const std::vector<IndexSet>& digits() const { return digits_; }

  /// log2 of q_0 * ... * q_{l-1}.
  double logModulus(size_t l) const { return logQ_.at(l); }
  /// log2 of the special modulus P.
  double logSpecialModulus() const { return logP_; }
  /// Estimated security in bits (see hl::estimateSecurityBits and doc/bgv.md).
  double securityLevel() const { return security_; }

  /// Per-coefficient variance of the secret key (2/3 for uniform ternary, h/n for weight h).
  double secretVariance() const;

  /// The slot structure: Z_m^*/<p> as a hypercube (d, number of slots, dimensions, which are
  /// good), with Parameters::generators or automatically chosen generators.
  const Hypercube& hypercube() const { return *hypercube_; }

  /// Internal: the precomputed base-conversion tables of key and modulus switching.
  const detail::RnsTables& rnsTables() const { return *rns_; }

  /// Internal: data of a higher layer that depends only on the context (the slots layer's
  /// factorisation of Phi_m, for example), built by make() on the first request for type T and
  /// kept as long as the context. Contexts that never ask pay nothing. Thread-safe; make() runs
  /// under a lock and must not call cached() on the same context.
  template <class T>
  std::shared_ptr<const T> cached(const std::function<std::shared_ptr<const T>()>& make) const {
    std::lock_guard<std::mutex> lock(cacheMutex_);
    auto it = cache_.find(std::type_index(typeid(T)));
    if (it == cache_.end()) {
      it = cache_.emplace(std::type_index(typeid(T)), std::shared_ptr<const void>(make())).first;
    }
    return std::static_pointer_cast<const T>(it->second);
  }

 private:
  Context() = default;

  Parameters params_;
  Modulus t_{2};
  std::shared_ptr<const ModulusChain> chain_;
  size_t numCiphertext_ = 0;
  std::vector<IndexSet> digits_;
  std::vector<double> logQ_;  // logQ_[l] = log2(q_0 ... q_{l-1}), logQ_[0] = 0
  double logP_ = 0;
  double security_ = 0;
  std::shared_ptr<const detail::RnsTables> rns_;
  std::shared_ptr<const Hypercube> hypercube_;
  mutable std::mutex cacheMutex_;
  mutable std::map<std::type_index, std::shared_ptr<const void>> cache_;
};

}  // namespace hl
