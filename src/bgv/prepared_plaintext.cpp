#include "helib-like/bgv/prepared_plaintext.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "helib-like/detail/canonical_embedding.h"

namespace hl {
namespace {

IndexSet allPrimes(const Context& ctx) {
  return ctx.levelPrimes(ctx.levels()) | ctx.specialPrimes();
}

struct Representative {
  std::vector<int64_t> coeffs;
  std::vector<double> embedding;  // |coeffs(zeta^j)| over the units j
  double normLog2 = -std::numeric_limits<double>::infinity();
};

Representative represent(const Context& ctx, std::vector<int64_t> coeffs) {
  Representative r;
  r.embedding =
      detail::canonicalEmbeddingAbs(ctx.ring(), std::vector<double>(coeffs.begin(), coeffs.end()));
  const double largest = *std::max_element(r.embedding.begin(), r.embedding.end());
  if (largest > 0) r.normLog2 = std::log2(largest);
  r.coeffs = std::move(coeffs);
  return r;
}

// The representative of m with small canonical norm. For even t the residue t/2 has two
// centred representatives, t/2 and -t/2, and Plaintext::centred() takes t/2 throughout. For
// t = 2 that makes every coefficient 0 or 1: a polynomial with mean 1/2 per coefficient, whose
// embedding is large near zeta = 1 (the geometric sum (1/2) sum_k zeta^k reaches about
// m / (2 pi)). Choosing the sign of each t/2 at random makes the coefficients mean-zero, and
// the norm falls to about sqrt(n w log n) for w coefficients of size t/2: at m = 53261 the
// constants of the AES linear layers drop from 2^12.4 to about 2^9 (doc/aes.md, section 4),
// and every product with them grows the noise bound by that much less. The signs come from a
// fixed seed (constants are public, and the same plaintext gets the same representative every
// time); of the two representatives the one with the smaller norm is kept.
Representative smallRepresentative(const Context& ctx, const Plaintext& pt) {
  std::vector<int64_t> centred = pt.centred();
  const uint64_t t = ctx.t();
  const auto half = static_cast<int64_t>(t / 2);
  std::vector<int64_t> flipped = centred;
  bool any = false;
  if (t % 2 == 0) {
    std::mt19937_64 rng(0x9e3779b97f4a7c15ULL);
    uint64_t bits = 0;
    int left = 0;
    for (int64_t& c : flipped) {
      if (c != half) continue;
      if (left == 0) {
        bits = rng();
        left = 64;
      }
      if (bits & 1) {
        c = -half;
        any = true;
      }
      bits >>= 1;
      --left;
    }
  }
  Representative plain = represent(ctx, std::move(centred));
  if (!any) return plain;
  Representative other = represent(ctx, std::move(flipped));
  return other.normLog2 < plain.normLog2 ? std::move(other) : std::move(plain);
}

}  // namespace

PreparedPlaintext::PreparedPlaintext(const Plaintext& pt)
    : PreparedPlaintext(pt, [&pt] {
        Representative r = smallRepresentative(pt.context(), pt);
        return std::make_pair(std::move(r.coeffs), std::move(r.embedding));
      }()) {}

PreparedPlaintext::PreparedPlaintext(
    const Plaintext& pt, std::pair<std::vector<int64_t>, std::vector<double>> representative)
    : ctx_(pt.contextPtr()),
      rows_(pt.context().chain(), 1),
      normLog2_(-std::numeric_limits<double>::infinity()) {
  if (pt.context().t() > 3) pt_.emplace(pt);
  rows_.add(DoubleCRT::fromCoefficients(pt.context().chain(), allPrimes(pt.context()),
                                        representative.first));
  const std::vector<double>& e = representative.second;
  const double largest = *std::max_element(e.begin(), e.end());
  if (largest > 0) normLog2_ = std::log2(largest);
  embeddingAbs_.reserve(e.size());
  for (double v : e) {
    const auto f = static_cast<float>(v);
    embeddingAbs_.push_back(static_cast<double>(f) < v
                                ? std::nextafter(f, std::numeric_limits<float>::infinity())
                                : f);
  }
}

Plaintext PreparedPlaintext::plaintext() const {
  if (pt_) return *pt_;
  const std::vector<int64_t> rep = values().toCoefficients();  // small: |rep| <= t/2
  return Plaintext(ctx_, rep);
}

}  // namespace hl
