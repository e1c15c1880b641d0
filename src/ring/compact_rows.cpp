#include "helib-like/detail/compact_rows.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace hl::detail {

CompactRows::CompactRows(std::shared_ptr<const ModulusChain> chain, size_t elements)
    : chain_(std::move(chain)) {
  if (!chain_) throw std::invalid_argument("hl::detail::CompactRows: no modulus chain given");
  primes_ = chain_->size();
  n_ = chain_->ring().phi();
  size_t narrowCount = 0;
  for (size_t p = 0; p < primes_; ++p) {
    narrowPrime_.push_back(narrowModulus(chain_->modulus(p)));
    narrowCount += narrowPrime_.back() ? 1 : 0;
  }
  wide_.reserve(elements * (primes_ - narrowCount) * n_);
  narrow_.reserve(elements * narrowCount * n_);
  offset_.reserve(elements * primes_);
}

void CompactRows::add(const DoubleCRT& x) {
  if (!chain_ || x.primes() != chain_->allPrimes()) {
    throw std::invalid_argument("hl::detail::CompactRows: the element is not over every prime");
  }
  for (size_t p = 0; p < primes_; ++p) {
    const auto row = x.values(p);
    if (narrowPrime_[p]) {
      offset_.push_back(narrow_.size());
      for (uint64_t v : row) narrow_.push_back(static_cast<uint32_t>(v));  // v < q < 2^32
    } else {
      offset_.push_back(wide_.size());
      wide_.insert(wide_.end(), row.begin(), row.end());
    }
  }
  ++elements_;
}

DoubleCRT CompactRows::element(size_t k) const {
  if (k >= elements_) {
    throw std::out_of_range("hl::detail::CompactRows: element " + std::to_string(k) + " of " +
                            std::to_string(elements_));
  }
  DoubleCRT out(chain_, chain_->allPrimes());
  for (size_t p = 0; p < primes_; ++p) {
    auto row = out.values(p);
    if (const uint32_t* r = narrowRow(k, p)) {
      std::copy(r, r + n_, row.begin());
    } else {
      const uint64_t* w = wideRow(k, p);
      std::copy(w, w + n_, row.begin());
    }
  }
  return out;
}

}  // namespace hl::detail
