#pragma once
// Ring elements held for reading only (key-switching keys, prepared plaintexts), in evaluation
// form over every prime of a chain, with the rows of primes below 2^32 in 32-bit words: the
// largest objects an evaluator holds, and the ones its kernels stream (doc/bgv.md, section 4).
// Not part of the API.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "helib-like/detail/aligned.h"
#include "helib-like/ring/double_crt.h"
#include "helib-like/ring/modulus_chain.h"

namespace hl::detail {

class CompactRows {
 public:
  CompactRows() = default;
  /// Room for `elements` elements over every prime of the chain (allocated once).
  CompactRows(std::shared_ptr<const ModulusChain> chain, size_t elements);

  /// Appends x, which must be over every prime of the chain (std::invalid_argument if not).
  void add(const DoubleCRT& x);
  size_t elements() const { return elements_; }
  /// The bytes of the rows.
  size_t bytes() const {
    return wide_.size() * sizeof(uint64_t) + narrow_.size() * sizeof(uint32_t);
  }
  /// Element k as a DoubleCRT (a copy; std::out_of_range for k >= elements()).
  DoubleCRT element(size_t k) const;

  /// Whether rows modulo q are held in 32-bit words: q < 2^32.
  static bool narrowModulus(const Modulus& q) { return q.value() >> 32 == 0; }
  /// Whether the prime of index p is held in 32-bit words.
  bool narrow(size_t p) const { return narrowPrime_[p]; }
  /// Row p of element k: in 64-bit words (nullptr if narrow(p)) or 32-bit words (nullptr if
  /// not). No bounds checks.
  const uint64_t* wideRow(size_t k, size_t p) const {
    return narrowPrime_[p] ? nullptr : wide_.data() + offset_[k * primes_ + p];
  }
  const uint32_t* narrowRow(size_t k, size_t p) const {
    return narrowPrime_[p] ? narrow_.data() + offset_[k * primes_ + p] : nullptr;
  }
  /// Values lo..lo+len of row p of element k in 64-bit words: the stored ones, or the 32-bit
  /// ones widened into scratch (len words).
  const uint64_t* block(size_t k, size_t p, size_t lo, size_t len, uint64_t* scratch) const {
    if (!narrowPrime_[p]) return wideRow(k, p) + lo;
    const uint32_t* r = narrowRow(k, p) + lo;
    for (size_t j = 0; j < len; ++j) scratch[j] = r[j];
    return scratch;
  }

 private:
  std::shared_ptr<const ModulusChain> chain_;
  size_t elements_ = 0, primes_ = 0, n_ = 0;
  std::vector<bool> narrowPrime_;  // per prime index: q < 2^32
  std::vector<size_t> offset_;     // per (element, prime): the row's offset in its array
  LongLivedVector<uint64_t> wide_;
  LongLivedVector<uint32_t> narrow_;
};

}  // namespace hl::detail
