#pragma once
// A plaintext brought once into evaluation form over every prime of the context, for
// operations that use the same constant many times (linear maps on slots: the constants of
// sum_j c_j * sigma_j(x), Halevi-Shoup, "Faster homomorphic linear transformations in HElib",
// CRYPTO 2018; Ciphertext::automorphismSum).
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "helib-like/bgv/context.h"
#include "helib-like/bgv/plaintext.h"
#include "helib-like/detail/compact_rows.h"
#include "helib-like/ring/double_crt.h"

namespace hl {

/// A Plaintext m held, besides its coefficients, as the evaluation form of a representative
/// of small canonical norm (coefficients in [-t/2, t/2]: the centred one, except that for even
/// t each coefficient t/2 may become -t/2, which for t = 2 lowers the norm by about 3 bits)
/// modulo every prime of the context: the
/// ciphertext primes of every level and the special primes, so that it can multiply both a
/// ciphertext at any level (Ciphertext::multiplyByPlaintext) and the key-switching
/// accumulators over Q_l P (Ciphertext::automorphismSum) without a transform. Also holds
/// log2 of the canonical-embedding norm of that representative, the factor by which a product
/// with it can grow a noise bound, and the whole embedding in absolute value (for sums of
/// products, Ciphertext::automorphismSum). Immutable; costs L + K forward transforms and two
/// complex FFTs to build, and (L + K + 1) phi(m) words of memory.
class PreparedPlaintext {
 public:
  /// Prepares pt. Costs one transform per prime of the context and up to two complex FFTs
  /// for the representative and its norm.
  explicit PreparedPlaintext(const Plaintext& pt);

  const Context& context() const { return *ctx_; }
  const std::shared_ptr<const Context>& contextPtr() const { return ctx_; }
  /// The plaintext it was made from (kept for t > 3, where sums with a plaintext factor other
  /// than +-1 read it; else recovered from the stored rows, a conversion).
  Plaintext plaintext() const;
  /// The representative of the plaintext modulo every prime of the context
  /// (ciphertext primes 0..L-1 and special primes L..L+K-1), in evaluation form (a copy
  /// assembled from the stored rows).
  DoubleCRT values() const { return rows_.element(0); }
  /// The stored rows of values(), those of primes below 2^32 in 32-bit words (12.5 MB -> 9.2 MB
  /// at aes-128): for the kernels that multiply by the plaintext.
  const detail::CompactRows& rows() const { return rows_; }
  /// log2 of the canonical-embedding norm max_j |m(zeta_m^j)| of the representative
  /// (hl::detail::canonicalNormLog2); -infinity for the zero plaintext.
  double normLog2() const { return normLog2_; }
  /// |m(zeta_m^j)| of the representative for every unit j, in the order of
  /// hl::detail::canonicalEmbeddingAbs, in single precision rounded up (bounds stay bounds).
  const std::vector<float>& embeddingAbs() const { return embeddingAbs_; }

 private:
  PreparedPlaintext(const Plaintext& pt,
                    std::pair<std::vector<int64_t>, std::vector<double>> representative);

  std::shared_ptr<const Context> ctx_;
  std::optional<Plaintext> pt_;  // t > 3 only
  detail::CompactRows rows_;
  std::vector<float> embeddingAbs_;
  double normLog2_;
};

}  // namespace hl
