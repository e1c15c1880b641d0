// SlotVector: the plain model. Data movement is written directly as index maps over the
// hypercube (independent of the automorphism-based algorithms of EncryptedArray, which the
// tests compare against it).
#include <stdexcept>
#include <string>

#include "helib-like/slots/encrypted_array.h"
#include "slots/array_impl.h"

namespace hl {
namespace {

using detail::floorMod;

}  // namespace

size_t SlotVector::size() const { return impl_->ell; }
size_t SlotVector::valueDegree() const { return impl_->k; }

std::span<const uint64_t> SlotVector::operator[](size_t i) const {
  if (i >= impl_->ell) throw std::out_of_range("hl::SlotVector: no slot " + std::to_string(i));
  return {data_.data() + i * impl_->k, impl_->k};
}

std::span<uint64_t> SlotVector::operator[](size_t i) {
  if (i >= impl_->ell) throw std::out_of_range("hl::SlotVector: no slot " + std::to_string(i));
  return {data_.data() + i * impl_->k, impl_->k};
}

uint64_t SlotVector::integer(size_t i) const {
  auto v = (*this)[i];
  for (size_t j = 1; j < v.size(); ++j) {
    if (v[j] != 0) {
      throw std::domain_error("hl::SlotVector::integer: slot " + std::to_string(i) +
                              " does not hold an integer");
    }
  }
  return v[0];
}

std::vector<uint64_t> SlotVector::integers() const {
  std::vector<uint64_t> out(size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = integer(i);
  return out;
}

void SlotVector::check(const SlotVector& o, const char* op) const {
  if (!impl_->sameValues(*o.impl_)) {
    throw std::invalid_argument(std::string("hl::SlotVector::") + op +
                                ": the vectors belong to different arrays");
  }
}

SlotVector& SlotVector::operator+=(const SlotVector& o) {
  check(o, "operator+=");
  for (size_t i = 0; i < data_.size(); ++i) data_[i] = impl_->t.add(data_[i], o.data_[i]);
  return *this;
}

SlotVector& SlotVector::operator-=(const SlotVector& o) {
  check(o, "operator-=");
  for (size_t i = 0; i < data_.size(); ++i) data_[i] = impl_->t.sub(data_[i], o.data_[i]);
  return *this;
}

SlotVector& SlotVector::operator*=(const SlotVector& o) {
  check(o, "operator*=");
  const size_t k = impl_->k;
  for (size_t s = 0; s < impl_->ell; ++s) {
    impl_->mul(data_.data() + s * k, o.data_.data() + s * k, data_.data() + s * k);
  }
  return *this;
}

namespace {

// out[s] = in[src(s)], zero where src(s) < 0.
template <class Src>
void moveSlots(std::vector<uint64_t>& data, size_t ell, size_t k, Src src) {
  std::vector<uint64_t> out(data.size(), 0);
  for (size_t s = 0; s < ell; ++s) {
    const int64_t from = src(s);
    if (from >= 0) {
      std::copy(data.begin() + from * static_cast<int64_t>(k),
                data.begin() + (from + 1) * static_cast<int64_t>(k), out.begin() + s * k);
    }
  }
  data.swap(out);
}

}  // namespace

SlotVector& SlotVector::rotate(int64_t k) {
  const int64_t ell = static_cast<int64_t>(impl_->ell);
  moveSlots(data_, impl_->ell, impl_->k,
            [&](size_t s) { return floorMod(static_cast<int64_t>(s) - k, ell); });
  return *this;
}

SlotVector& SlotVector::shift(int64_t k) {
  const int64_t ell = static_cast<int64_t>(impl_->ell);
  moveSlots(data_, impl_->ell, impl_->k, [&](size_t s) {
    const int64_t from = static_cast<int64_t>(s) - k;
    return from >= 0 && from < ell ? from : -1;
  });
  return *this;
}

namespace {

// The slot with coordinate `dim` replaced: s + (e' - e) * stride.
int64_t along(const Hypercube& c, size_t s, size_t dim, int64_t e) {
  const int64_t stride = static_cast<int64_t>(c.stride(dim));
  return static_cast<int64_t>(s) + (e - static_cast<int64_t>(c.coordinate(s, dim))) * stride;
}

}  // namespace

SlotVector& SlotVector::rotate(size_t dim, int64_t k) {
  const Hypercube& c = *impl_->cube;
  const int64_t n = static_cast<int64_t>(c.dimensionSize(dim));
  moveSlots(data_, impl_->ell, impl_->k, [&](size_t s) {
    return along(c, s, dim, floorMod(static_cast<int64_t>(c.coordinate(s, dim)) - k, n));
  });
  return *this;
}

SlotVector& SlotVector::shift(size_t dim, int64_t k) {
  const Hypercube& c = *impl_->cube;
  const int64_t n = static_cast<int64_t>(c.dimensionSize(dim));
  moveSlots(data_, impl_->ell, impl_->k, [&](size_t s) -> int64_t {
    const int64_t e = static_cast<int64_t>(c.coordinate(s, dim)) - k;
    return e >= 0 && e < n ? along(c, s, dim, e) : -1;
  });
  return *this;
}

SlotVector& SlotVector::totalSums() {
  const size_t k = impl_->k;
  std::vector<uint64_t> sum(k, 0);
  for (size_t s = 0; s < impl_->ell; ++s) {
    for (size_t j = 0; j < k; ++j) sum[j] = impl_->t.add(sum[j], data_[s * k + j]);
  }
  for (size_t s = 0; s < impl_->ell; ++s) std::copy(sum.begin(), sum.end(), data_.begin() + s * k);
  return *this;
}

SlotVector& SlotVector::runningSums() {
  const size_t k = impl_->k;
  for (size_t s = 1; s < impl_->ell; ++s) {
    for (size_t j = 0; j < k; ++j) {
      data_[s * k + j] = impl_->t.add(data_[s * k + j], data_[(s - 1) * k + j]);
    }
  }
  return *this;
}

SlotVector& SlotVector::replicate(size_t s) {
  const size_t k = impl_->k;
  if (s >= impl_->ell)
    throw std::out_of_range("hl::SlotVector::replicate: no slot " + std::to_string(s));
  moveSlots(data_, impl_->ell, k, [&](size_t) { return static_cast<int64_t>(s); });
  return *this;
}

SlotVector& SlotVector::frobenius(size_t j) {
  const size_t k = impl_->k;
  for (size_t s = 0; s < impl_->ell; ++s) {
    impl_->frobenius(data_.data() + s * k, j, data_.data() + s * k);
  }
  return *this;
}

SlotVector& SlotVector::apply(const SlotLinearMap& map) {
  if (!impl_->sameValues(*map.impl_)) {
    throw std::invalid_argument("hl::SlotVector::apply: the map belongs to another array");
  }
  // y = M x on the coefficient vector, directly from the matrix (not the linearized form).
  const size_t k = impl_->k;
  const Modulus pm(impl_->p);
  std::vector<uint64_t> y(k);
  for (size_t s = 0; s < impl_->ell; ++s) {
    uint64_t* x = data_.data() + s * k;
    for (size_t i = 0; i < k; ++i) {
      uint64_t acc = 0;
      for (size_t j = 0; j < k; ++j)
        acc = pm.add(acc, pm.mul(map.matrix_[i * k + j], x[j] % impl_->p));
      y[i] = acc;
    }
    std::copy(y.begin(), y.end(), x);
  }
  return *this;
}

SlotVector& SlotVector::permute(std::span<const size_t> perm) {
  const size_t ell = impl_->ell;
  std::vector<uint8_t> seen(ell, 0);
  if (perm.size() != ell) {
    throw std::invalid_argument("hl::SlotVector::permute: the permutation has " +
                                std::to_string(perm.size()) + " entries, there are " +
                                std::to_string(ell) + " slots");
  }
  for (size_t v : perm) {
    if (v >= ell || seen[v]) {
      throw std::invalid_argument("hl::SlotVector::permute: not a permutation of the slots");
    }
    seen[v] = 1;
  }
  moveSlots(data_, ell, impl_->k, [&](size_t s) { return static_cast<int64_t>(perm[s]); });
  return *this;
}

}  // namespace hl
