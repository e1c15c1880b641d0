#pragma once
// The shared state of an EncryptedArray and its SlotVectors (internal).
#include <cstdint>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "helib-like/bgv/ciphertext.h"
#include "helib-like/bgv/context.h"
#include "helib-like/bgv/keys.h"
#include "helib-like/bgv/plaintext.h"
#include "helib-like/bgv/prepared_plaintext.h"
#include "helib-like/math/modulus.h"
#include "slots/slot_ring.h"

namespace hl::detail {

// a mod n in [0, n), for n > 0.
inline int64_t floorMod(int64_t a, int64_t n) {
  const int64_t r = a % n;
  return r < 0 ? r + n : r;
}

// Runs the steps of a multi-step operation on a copy of the target and moves the result into
// place only when the scope is left without an exception: the caller's ciphertext is unchanged
// when a step throws (hl::CapacityError, a missing key).
class Transaction {
 public:
  explicit Transaction(Ciphertext& target)
      : target_(target), work_(target), exceptions_(std::uncaught_exceptions()) {}
  ~Transaction() {
    if (std::uncaught_exceptions() == exceptions_) target_ = std::move(work_);
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Ciphertext& work() { return work_; }

 private:
  Ciphertext& target_;
  Ciphertext work_;
  int exceptions_;
};

struct ArrayImpl {
  ArrayImpl(std::shared_ptr<const Context> ctx, std::vector<uint64_t> g, bool native);

  std::shared_ptr<const Context> ctx;
  std::shared_ptr<const SlotRing> ring;
  const Hypercube* cube;
  std::vector<uint64_t> g;  // the user's field polynomial (k + 1 coefficients)
  size_t k, d, ell;
  Modulus t;
  uint64_t p, m;
  bool native;                 // values are elements of E itself
  std::vector<uint64_t> emb;   // d x k: column i = rho^i in E
  std::vector<uint64_t> proj;  // k x d, proj * emb = identity
  // For t = 2 and d <= 64: emb and proj by columns as bit masks.
  std::vector<uint64_t> embBits, projBits;

  // Whether values of o and of this array are interchangeable (same context and representation).
  bool sameValues(const ArrayImpl& o) const {
    return &o == this || (o.ctx == ctx && o.g == g && o.native == native);
  }

  // User representation <-> E (k and d coefficients). fromE returns false when v is not in
  // the image of the embedding.
  void toE(const uint64_t* w, uint64_t* v) const;
  bool fromE(const uint64_t* v, uint64_t* w) const;
  // Arithmetic on user values (through E).
  void mul(const uint64_t* a, const uint64_t* b, uint64_t* out) const;
  void frobenius(const uint64_t* a, size_t j, uint64_t* out) const;

  // The plaintext with 1 in the slots where sel is nonzero and 0 elsewhere, in evaluation form
  // over every prime (PreparedPlaintext), cached by name.
  std::shared_ptr<const PreparedPlaintext> mask(const std::string& name,
                                                const std::vector<uint8_t>& sel) const;
  // The plaintext with the E-value v in every slot.
  Plaintext constantE(const std::vector<uint64_t>& v) const;
  // Encodes E-values (ell * d) into a plaintext.
  Plaintext encodeE(const std::vector<uint64_t>& values) const;

  // X -> X^e on ct, with the key for e or a shortest composition of the keys present; op names
  // the operation in the error message.
  static void automorphism(const ArrayImpl& a, Ciphertext& ct, uint64_t e,
                           const EvaluationKeys& keys, const char* op,
                           Ciphertext::Then then = Ciphertext::Then::kNothing);

  // ct <- sum_i consts[i] * sigma_{exps[i]}(ct) (exponent 1: no automorphism): one hoisted
  // Ciphertext::automorphismSum when a key for every exponent is present, otherwise term by
  // term with composed keys, leaving ct unchanged if a step throws. An empty sum gives zero.
  static void automorphismSum(const ArrayImpl& a, Ciphertext& ct, std::span<const uint64_t> exps,
                              std::span<const PreparedPlaintext* const> consts,
                              const EvaluationKeys& keys, const char* op);

  // Shortest products of available automorphism exponents: for a key set (its sorted
  // exponents), the BFS tree over Z_m^* from 1; cached per key set.
  struct Paths {
    std::vector<int32_t> via;    // the key exponent of the last step, -1 unreached
    std::vector<uint32_t> from;  // the previous node
  };
  std::shared_ptr<const Paths> paths(const std::vector<uint64_t>& exponents) const;

  mutable std::mutex mutex;

 private:
  ArrayImpl(std::shared_ptr<const Context> ctx, std::vector<uint64_t> g, bool native, int);

 public:
  mutable std::map<std::string, std::shared_ptr<const PreparedPlaintext>> masks;
  mutable std::deque<std::string> maskOrder;  // insertion order, for the size limit
  // Masks kept at most (each is phi(m) words per prime of the context: 8.8 MB at m = 53261 with
  // 24 primes); the oldest is dropped first and rebuilt when needed again.
  static constexpr size_t kMaxMasks = 32;
  mutable std::map<std::vector<uint64_t>, std::shared_ptr<const Paths>> pathCache;
};

}  // namespace hl::detail
