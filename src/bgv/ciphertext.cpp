#include "helib-like/bgv/ciphertext.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include "bgv/key_switching.h"
#include "bgv/noise.h"
#include "bgv/rns.h"

namespace hl {
namespace {

// c mod t as a centred value in (-t/2, t/2].
int64_t centredMod(const Modulus& t, uint64_t c) {
  return c > t.value() / 2 ? static_cast<int64_t>(c) - static_cast<int64_t>(t.value())
                           : static_cast<int64_t>(c);
}

double log2Abs(int64_t c) {
  return c == 0 ? -std::numeric_limits<double>::infinity()
                : std::log2(std::fabs(static_cast<double>(c)));
}

}  // namespace

double Ciphertext::capacity() const { return ctx_->logModulus(level()) - 1.0 - noiseLog2_; }

void Ciphertext::checkCompatible(const Ciphertext& o, const char* op) const {
  if (o.ctx_ != ctx_) {
    throw std::invalid_argument(std::string("hl::Ciphertext::") + op +
                                ": the operands belong to different contexts");
  }
  if (o.keyId_ != keyId_) {
    throw std::invalid_argument(std::string("hl::Ciphertext::") + op +
                                ": the operands were encrypted under different keys");
  }
}

void Ciphertext::checkCapacity(double noiseLog2, size_t level, const char* op) const {
  const double cap = ctx_->logModulus(level) - 1.0 - noiseLog2;
  if (!(cap > 0)) {
    throw CapacityError(std::string("hl::Ciphertext::") + op +
                        ": the result would have no capacity left (noise bound 2^" +
                        std::to_string(noiseLog2) + " at level " + std::to_string(level) +
                        " with a " + std::to_string(ctx_->logModulus(level)) +
                        "-bit modulus); use larger parameters or a shallower circuit");
  }
}

void Ciphertext::checkKeys(const EvaluationKeys& keys, const char* op) const {
  if (&keys.context() != ctx_.get()) {
    throw std::invalid_argument(std::string("hl::Ciphertext::") + op +
                                ": the keys belong to another context");
  }
}

Ciphertext& Ciphertext::modSwitchDown() {
  const size_t l = level();
  if (l <= 1) {
    throw std::invalid_argument("hl::Ciphertext::modSwitchDown: already at level 1");
  }
  const size_t top = l - 1;
  const Modulus& q = ctx_->chain()->modulus(top);
  const double noise =
      detail::noise::logAdd(noiseLog2_ - std::log2(static_cast<double>(q.value())),
                            detail::noise::rounding(*ctx_, 1, size()));
  checkCapacity(noise, l - 1, "modSwitchDown");
  const detail::BaseConverter& conv = ctx_->rnsTables().converter(IndexSet{top});
  for (DoubleCRT& part : parts_) detail::scaleDown(part, conv, ctx_->plaintextModulus());
  const Modulus& t = ctx_->plaintextModulus();
  factor_ = t.mul(factor_, t.inv(t.reduce(q.value())));
  noiseLog2_ = noise;
  return *this;
}

Ciphertext& Ciphertext::modSwitchTo(size_t l) {
  if (l == 0 || l > level()) {
    throw std::invalid_argument("hl::Ciphertext::modSwitchTo: level " + std::to_string(l) +
                                " is outside [1, " + std::to_string(level()) + "]");
  }
  while (level() > l) modSwitchDown();
  return *this;
}

Ciphertext& Ciphertext::reduceNoise() {
  // Switching down by q changes the capacity left after a squaring from
  // logQ - 2 B to (logQ - log q) - 2 B': worth it while B' < B - log(q) / 2.
  while (level() > 1) {
    const double lq = std::log2(static_cast<double>(ctx_->chain()->modulus(level() - 1).value()));
    const double next =
        detail::noise::logAdd(noiseLog2_ - lq, detail::noise::rounding(*ctx_, 1, size()));
    if (!(next < noiseLog2_ - lq / 2)) break;
    modSwitchDown();
  }
  return *this;
}

Ciphertext Ciphertext::aligned(const Ciphertext& o) {
  Ciphertext other = o;
  if (other.level() > level()) other.modSwitchTo(level());
  if (level() > other.level()) modSwitchTo(other.level());
  if (other.factor_ != factor_) {
    // Either multiply other by f / f_o or *this by f_o / f (mod t), whichever is smaller.
    const Modulus& t = ctx_->plaintextModulus();
    const int64_t toThis = centredMod(t, t.mul(factor_, t.inv(other.factor_)));
    const int64_t toOther = centredMod(t, t.mul(other.factor_, t.inv(factor_)));
    const double a = std::max(noiseLog2_, other.noiseLog2_ + log2Abs(toThis));
    const double b = std::max(other.noiseLog2_, noiseLog2_ + log2Abs(toOther));
    if (a <= b) {
      other.multiplyByConstant(toThis);
    } else {
      multiplyByConstant(toOther);
    }
  }
  return other;
}

Ciphertext& Ciphertext::addSub(const Ciphertext& o, bool subtract) {
  checkCompatible(o, subtract ? "operator-=" : "operator+=");
  Ciphertext self = *this;  // the operands stay unchanged if an exception is thrown
  Ciphertext other = self.aligned(o);
  const double noise = detail::noise::logAdd(self.noiseLog2_, other.noiseLog2_);
  checkCapacity(noise, self.level(), subtract ? "operator-=" : "operator+=");
  while (self.parts_.size() < other.size()) {
    self.parts_.push_back(DoubleCRT(ctx_->chain(), self.parts_[0].primes()));
  }
  for (size_t i = 0; i < other.size(); ++i) {
    if (subtract) {
      self.parts_[i] -= other.parts_[i];
    } else {
      self.parts_[i] += other.parts_[i];
    }
  }
  self.noiseLog2_ = noise;
  *this = std::move(self);
  return *this;
}

Ciphertext& Ciphertext::operator+=(const Ciphertext& o) { return addSub(o, false); }
Ciphertext& Ciphertext::operator-=(const Ciphertext& o) { return addSub(o, true); }

Ciphertext& Ciphertext::negate() {
  for (DoubleCRT& part : parts_) part.negate();
  return *this;
}

Ciphertext& Ciphertext::addSubPlaintext(const Plaintext& pt, bool subtract) {
  const char* op = subtract ? "subPlaintext" : "addPlaintext";
  if (&pt.context() != ctx_.get()) {
    throw std::invalid_argument(std::string("hl::Ciphertext::") + op +
                                ": the plaintext belongs to another context");
  }
  // nu + f m decrypts to f (m_ct + m).
  const Modulus& t = ctx_->plaintextModulus();
  std::vector<int64_t> c(ctx_->n());
  double l1 = 0;
  for (size_t i = 0; i < c.size(); ++i) {
    uint64_t v = t.mul(pt.coefficients()[i], factor_);
    if (subtract) v = t.neg(v);
    c[i] = centredMod(t, v);
    l1 += std::fabs(static_cast<double>(c[i]));
  }
  const double noise = detail::noise::logAdd(noiseLog2_, std::log2(std::max(l1, 1.0)));
  checkCapacity(noise, level(), op);
  parts_[0] += DoubleCRT::fromCoefficients(ctx_->chain(), parts_[0].primes(), c);
  noiseLog2_ = noise;
  return *this;
}

Ciphertext& Ciphertext::addPlaintext(const Plaintext& pt) { return addSubPlaintext(pt, false); }
Ciphertext& Ciphertext::subPlaintext(const Plaintext& pt) { return addSubPlaintext(pt, true); }

Ciphertext& Ciphertext::multiplyByPlaintext(const Plaintext& pt) {
  if (&pt.context() != ctx_.get()) {
    throw std::invalid_argument(
        "hl::Ciphertext::multiplyByPlaintext: the plaintext belongs to another context");
  }
  const double l1 = pt.l1Norm();
  const double noise = l1 == 0 ? 0.0 : noiseLog2_ + std::log2(l1);
  checkCapacity(noise, level(), "multiplyByPlaintext");
  const DoubleCRT p = DoubleCRT::fromCoefficients(ctx_->chain(), parts_[0].primes(), pt.centred());
  for (DoubleCRT& part : parts_) part *= p;
  noiseLog2_ = noise;
  return *this;
}

Ciphertext& Ciphertext::multiplyByConstant(int64_t c) {
  const Modulus& t = ctx_->plaintextModulus();
  const int64_t cc = centredMod(t, t.reduceSigned(c));
  const double noise = cc == 0 ? 0.0 : noiseLog2_ + log2Abs(cc);
  checkCapacity(noise, level(), "multiplyByConstant");
  for (DoubleCRT& part : parts_) part.mulScalar(cc);
  noiseLog2_ = noise;
  return *this;
}

Ciphertext& Ciphertext::multiply(const Ciphertext& o) {
  checkCompatible(o, "multiply");
  if (size() != 2 || o.size() != 2) {
    throw std::invalid_argument(
        "hl::Ciphertext::multiply: both operands must have 2 parts (relinearize first)");
  }
  Ciphertext self = *this;
  self.reduceNoise();
  Ciphertext other = o;
  other.reduceNoise();
  Ciphertext rhs = self.aligned(other);
  const double noise = self.noiseLog2_ + rhs.noiseLog2_;
  checkCapacity(noise, self.level(), "multiply");
  // (a0 + a1 s)(b0 + b1 s) = a0 b0 + (a0 b1 + a1 b0) s + a1 b1 s^2.
  DoubleCRT c2 = self.parts_[1];
  c2 *= rhs.parts_[1];
  DoubleCRT c1 = self.parts_[0];
  c1 *= rhs.parts_[1];
  DoubleCRT t = self.parts_[1];
  t *= rhs.parts_[0];
  c1 += t;
  self.parts_[0] *= rhs.parts_[0];
  self.parts_[1] = std::move(c1);
  self.parts_.push_back(std::move(c2));
  const Modulus& tm = ctx_->plaintextModulus();
  self.factor_ = tm.mul(self.factor_, rhs.factor_);
  self.noiseLog2_ = noise;
  *this = std::move(self);
  return *this;
}

Ciphertext& Ciphertext::square() {
  if (size() != 2) {
    throw std::invalid_argument("hl::Ciphertext::square: the operand must have 2 parts");
  }
  reduceNoise();
  const double noise = 2 * noiseLog2_;
  checkCapacity(noise, level(), "square");
  DoubleCRT c2 = parts_[1];
  c2 *= parts_[1];
  DoubleCRT c1 = parts_[0];
  c1 *= parts_[1];
  c1 += c1;
  parts_[0] *= parts_[0];
  parts_[1] = std::move(c1);
  parts_.push_back(std::move(c2));
  const Modulus& t = ctx_->plaintextModulus();
  factor_ = t.mul(factor_, factor_);
  noiseLog2_ = noise;
  return *this;
}

Ciphertext& Ciphertext::relinearize(const EvaluationKeys& keys) {
  if (size() == 2) return *this;
  checkKeys(keys, "relinearize");
  const KeySwitchKey& key = keys.relinearization();
  if (key.keyId() != keyId_) {
    throw std::invalid_argument(
        "hl::Ciphertext::relinearize: the relinearization key belongs to another secret key");
  }
  const double noise =
      detail::noise::logAdd(noiseLog2_, detail::noise::keySwitch(*ctx_, level()));
  checkCapacity(noise, level(), "relinearize");
  detail::keySwitch(*ctx_, parts_[2], key, parts_[0], parts_[1]);
  parts_.pop_back();
  noiseLog2_ = noise;
  return *this;
}

Ciphertext& Ciphertext::multiplyBy(const Ciphertext& o, const EvaluationKeys& keys) {
  checkKeys(keys, "multiplyBy");
  keys.relinearization();  // report a missing key before doing the work
  Ciphertext product = *this;
  product.multiply(o);
  product.relinearize(keys);
  *this = std::move(product);
  return *this;
}

Ciphertext& Ciphertext::automorph(uint64_t k, const EvaluationKeys& keys) {
  const uint64_t m = ctx_->m();
  k %= m;
  if (!ctx_->ring().isUnit(k)) {
    throw std::invalid_argument("hl::Ciphertext::automorph: k = " + std::to_string(k) +
                                " is not a unit mod m = " + std::to_string(m));
  }
  if (size() != 2) {
    throw std::invalid_argument("hl::Ciphertext::automorph: relinearize the ciphertext first");
  }
  if (k == 1) return *this;
  checkKeys(keys, "automorph");
  const KeySwitchKey& key = keys.automorphism(k);
  if (key.keyId() != keyId_) {
    throw std::invalid_argument(
        "hl::Ciphertext::automorph: the automorphism key belongs to another secret key");
  }
  const double noise =
      detail::noise::logAdd(noiseLog2_, detail::noise::keySwitch(*ctx_, level()));
  checkCapacity(noise, level(), "automorph");
  // (c0(X^k), c1(X^k)) decrypts under s(X^k); switch c1(X^k) back to s.
  DoubleCRT c0 = parts_[0];
  c0.automorph(k);
  DoubleCRT c1 = parts_[1];
  c1.automorph(k);
  DoubleCRT zero = c1;
  zero.mulScalar(0);
  detail::keySwitch(*ctx_, c1, key, c0, zero);
  parts_[0] = std::move(c0);
  parts_[1] = std::move(zero);
  noiseLog2_ = noise;
  return *this;
}

Ciphertext& Ciphertext::frobenius(unsigned j, const EvaluationKeys& keys) {
  const uint64_t m = ctx_->m();
  uint64_t k = 1 % m;
  for (unsigned i = 0; i < j; ++i) k = static_cast<uint64_t>((static_cast<unsigned __int128>(k) * ctx_->p()) % m);
  return automorph(k, keys);
}

}  // namespace hl
