#include "helib-like/bgv/noise.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "bgv/noise.h"

namespace hl {
namespace {

constexpr double kNone = -std::numeric_limits<double>::infinity();

// The index of order 2 kOrders[i], or kOrders.size() (the bound) where it is not tracked.
constexpr size_t doubledOrder(size_t i) {
  for (size_t j = 0; j < NoiseMoments::kOrders.size(); ++j) {
    if (NoiseMoments::kOrders[j] == 2 * NoiseMoments::kOrders[i]) return j;
  }
  return NoiseMoments::kOrders.size();
}

}  // namespace

NoiseMoments::NoiseMoments() { v_.fill(kNone); }

NoiseMoments NoiseMoments::bounded(double log2Bound) {
  NoiseMoments x;
  x.v_.fill(log2Bound);
  return x;
}

NoiseMoments NoiseMoments::fromLog2(const std::array<double, kCount>& log2Values) {
  NoiseMoments x;
  x.v_ = log2Values;
  return x;
}

double NoiseMoments::bound() const {
  double b = v_[kOrders.size()];
  for (size_t i = 0; i < kOrders.size(); ++i) b = std::min(b, v_[i] + kTailBits / kOrders[i]);
  return b;
}

NoiseMoments& NoiseMoments::scale(double log2Factor) {
  for (double& x : v_) x += log2Factor;
  return *this;
}

NoiseMoments& NoiseMoments::operator+=(const NoiseMoments& o) {
  for (size_t i = 0; i < kCount; ++i) v_[i] = detail::noise::logAdd(v_[i], o.v_[i]);
  return *this;
}

NoiseMoments NoiseMoments::productIndependent(const NoiseMoments& a, const NoiseMoments& b) {
  NoiseMoments x;
  for (size_t i = 0; i < kCount; ++i) {
    x.v_[i] = a.v_[i] == kNone || b.v_[i] == kNone ? kNone : a.v_[i] + b.v_[i];
  }
  return x;
}

NoiseMoments NoiseMoments::product(const NoiseMoments& a, const NoiseMoments& b) {
  NoiseMoments x;
  for (size_t i = 0; i < kCount; ++i) {
    const size_t j = i == kOrders.size() ? i : doubledOrder(i);
    x.v_[i] = a.v_[j] == kNone || b.v_[j] == kNone ? kNone : a.v_[j] + b.v_[j];
  }
  return x;
}

}  // namespace hl
