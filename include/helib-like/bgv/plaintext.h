#pragma once
// A BGV plaintext: an element of R_t = Z_t[X]/Phi_m(X), t = p^r, in coefficient form.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "helib-like/bgv/context.h"

namespace hl {

/// An element of R_t held as its phi(m) coefficients in [0, t). (Slot encodings build on it
/// in the slots layer.)
class Plaintext {
 public:
  /// The zero plaintext. Throws std::invalid_argument if ctx is null.
  explicit Plaintext(std::shared_ptr<const Context> ctx);
  /// The plaintext with the given coefficients (at most phi(m), missing ones are zero), each
  /// reduced mod t (negative values are taken mod t too). Throws std::invalid_argument if
  /// ctx is null or there are more than phi(m) coefficients.
  Plaintext(std::shared_ptr<const Context> ctx, std::span<const int64_t> coeffs);
  /// Same, from unsigned values, which must already be below t (std::invalid_argument
  /// otherwise).
  static Plaintext fromReduced(std::shared_ptr<const Context> ctx,
                               std::vector<uint64_t> coeffs);

  const Context& context() const { return *ctx_; }
  const std::shared_ptr<const Context>& contextPtr() const { return ctx_; }
  /// The phi(m) coefficients, each in [0, t).
  const std::vector<uint64_t>& coefficients() const { return coeffs_; }
  /// Coefficients as centred representatives in (-t/2, t/2].
  std::vector<int64_t> centred() const;
  /// The L1 norm of the centred coefficients: a bound on the canonical-embedding norm.
  double l1Norm() const;

  bool operator==(const Plaintext& o) const {
    return ctx_ == o.ctx_ && coeffs_ == o.coeffs_;
  }

 private:
  std::shared_ptr<const Context> ctx_;
  std::vector<uint64_t> coeffs_;
};

}  // namespace hl
