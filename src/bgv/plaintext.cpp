#include "helib-like/bgv/plaintext.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace hl {

Plaintext::Plaintext(std::shared_ptr<const Context> ctx) : ctx_(std::move(ctx)) {
  if (!ctx_) throw std::invalid_argument("hl::Plaintext: no context given");
  coeffs_.assign(ctx_->n(), 0);
}

Plaintext::Plaintext(std::shared_ptr<const Context> ctx, std::span<const int64_t> coeffs)
    : Plaintext(std::move(ctx)) {
  if (coeffs.size() > coeffs_.size()) {
    throw std::invalid_argument("hl::Plaintext: " + std::to_string(coeffs.size()) +
                                " coefficients given, phi(m) = " + std::to_string(coeffs_.size()));
  }
  const Modulus& t = ctx_->plaintextModulus();
  for (size_t i = 0; i < coeffs.size(); ++i) coeffs_[i] = t.reduceSigned(coeffs[i]);
}

Plaintext Plaintext::fromReduced(std::shared_ptr<const Context> ctx, std::vector<uint64_t> coeffs) {
  Plaintext pt(std::move(ctx));
  if (coeffs.size() > pt.coeffs_.size()) {
    throw std::invalid_argument("hl::Plaintext::fromReduced: " + std::to_string(coeffs.size()) +
                                " coefficients given, phi(m) = " +
                                std::to_string(pt.coeffs_.size()));
  }
  const uint64_t t = pt.ctx_->t();
  for (size_t i = 0; i < coeffs.size(); ++i) {
    if (coeffs[i] >= t) {
      throw std::invalid_argument("hl::Plaintext::fromReduced: coefficient " + std::to_string(i) +
                                  " = " + std::to_string(coeffs[i]) + " is not below t = " +
                                  std::to_string(t));
    }
  }
  coeffs.resize(pt.coeffs_.size(), 0);
  pt.coeffs_ = std::move(coeffs);
  return pt;
}

std::vector<int64_t> Plaintext::centred() const {
  const uint64_t t = ctx_->t(), half = t / 2;
  std::vector<int64_t> out(coeffs_.size());
  for (size_t i = 0; i < coeffs_.size(); ++i) {
    out[i] = coeffs_[i] > half ? static_cast<int64_t>(coeffs_[i]) - static_cast<int64_t>(t)
                               : static_cast<int64_t>(coeffs_[i]);
  }
  return out;
}

double Plaintext::l1Norm() const {
  double sum = 0;
  for (int64_t c : centred()) sum += std::fabs(static_cast<double>(c));
  return sum;
}

}  // namespace hl
