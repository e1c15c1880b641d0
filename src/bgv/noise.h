#pragma once
// The noise model: high-probability bounds on the canonical-embedding norm of BGV noise,
// kept as log2 values. The reasoning follows Gentry, Halevi, Smart, "Homomorphic evaluation
// of the AES circuit" (CRYPTO 2012), appendix A, and Halevi, Shoup, "Design and
// implementation of HElib" (2020), section 5; the constants are derived in doc/bgv.md.
//
// A polynomial with independent coefficients of variance V has canonical-embedding
// coordinates a(zeta^j) = sum_k a_k zeta^{jk} of variance n V, close to complex Gaussians:
// |a(zeta^j)| > c sqrt(n V) has probability about exp(-c^2) per coordinate. For a product
// of two independent such polynomials the coordinate is a product of two such Gaussians:
// with |X|^2 and |Y|^2 exponentially distributed, P(|XY| > c' n sqrt(V1 V2)) =
// 2c' K_1(2c') ~ sqrt(pi c') exp(-2c'). kSingle = 6 (exp(-36) ~ 2^-52) and kProduct = 18
// (about 2^-49) put both failure probabilities near 2^-50 per coordinate.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>

#include "helib-like/bgv/context.h"
#include "helib-like/bgv/noise.h"

namespace hl::detail::noise {

inline constexpr double kSingle = 6.0;
inline constexpr double kProduct = 18.0;

/// log2(2^a + 2^b), exact for infinities.
inline double logAdd(double a, double b) {
  if (a < b) std::swap(a, b);
  if (b == -std::numeric_limits<double>::infinity()) return a;
  return a + std::log2(1.0 + std::exp2(b - a));
}

// --- Moments (hl::NoiseMoments; doc/bgv.md section 5, "Moments") ----------------------------
// Each term below is a Gaussian coordinate or a product of two independent ones (the same
// approximation as the bounds): a complex Gaussian Z with E|Z|^2 = V has
// ||Z||_k = sqrt(V) Gamma(1 + k/2)^(1/k), and ||Z^2||_k = ||Z||_2k^2. Their bounds are the
// formulas with kSingle and kProduct, which Markov's bound from the moments does not beat for
// one term (6.1 sigma against 6, 20 against 18): the moments only tighten products of
// independent noises (NoiseMoments::productIndependent, and the delta_2 s^2 of a three-part
// rounding term, 1.2 bits); with none, bound() is exactly the bounds of doc/bgv.md section 5.

using Noise = NoiseMoments;
inline constexpr size_t kBoundIndex = Noise::kOrders.size();

/// log2 ||Z||_k for a complex Gaussian with E|Z|^2 = 1.
inline double unitGaussianMoment(double k) { return std::lgamma(1.0 + k / 2) / k / std::log(2.0); }

/// unitGaussianMoment at the orders k of NoiseMoments::kOrders (power 1) and at 2k (power 2),
/// computed once: the planners evaluate noise terms at every level they consider.
inline const std::array<double, Noise::kOrders.size()>& unitGaussianMoments(int power) {
  using Table = std::array<double, Noise::kOrders.size()>;
  static const std::array<Table, 2> tables = [] {
    std::array<Table, 2> t{};
    for (size_t i = 0; i < Noise::kOrders.size(); ++i) {
      t[0][i] = unitGaussianMoment(Noise::kOrders[i]);
      t[1][i] = unitGaussianMoment(2 * Noise::kOrders[i]);
    }
    return t;
  }();
  return tables[power == 2 ? 1 : 0];
}

/// The moments of Z^power (power 1 or 2) for a complex Gaussian coordinate Z with
/// log2 E|Z|^2 = logV, with the given bound.
inline Noise gaussian(double logV, int power, double bound) {
  const auto& unit = unitGaussianMoments(power);
  std::array<double, Noise::kCount> v{};
  for (size_t i = 0; i < Noise::kOrders.size(); ++i) v[i] = power * (0.5 * logV + unit[i]);
  v[kBoundIndex] = bound;
  return Noise::fromLog2(v);
}

/// One random polynomial with coefficient log2 variance logV: a coordinate has variance n V;
/// bound kSingle sqrt(n V).
inline Noise single(const Context& ctx, double logV) {
  const double logNV = std::log2(static_cast<double>(ctx.n())) + logV;
  return gaussian(logNV, 1, std::log2(kSingle) + 0.5 * logNV);
}
/// The product of two independent random polynomials (log2 coefficient variances logV1,
/// logV2): bound kProduct n sqrt(V1 V2).
inline Noise product(const Context& ctx, double logV1, double logV2) {
  const double logN = std::log2(static_cast<double>(ctx.n()));
  const double none = -std::numeric_limits<double>::infinity();
  Noise x =
      Noise::productIndependent(gaussian(logN + logV1, 1, none), gaussian(logN + logV2, 1, none));
  std::array<double, Noise::kCount> v{};
  for (size_t i = 0; i < Noise::kCount; ++i) v[i] = x.log2Value(i);
  v[kBoundIndex] = std::log2(kProduct) + logN + 0.5 * (logV1 + logV2);
  return Noise::fromLog2(v);
}

inline double sigma2(const Context& ctx) { return ctx.parameters().sigma * ctx.parameters().sigma; }

/// Noise of a fresh public-key encryption without the message: t (e u + e0 + e1 s).
inline Noise freshPublic(const Context& ctx) {
  const double s2 = std::log2(sigma2(ctx));
  Noise x = product(ctx, s2, std::log2(2.0 / 3.0));
  x += product(ctx, s2, std::log2(ctx.secretVariance()));
  x += single(ctx, s2);
  return x.scale(std::log2(static_cast<double>(ctx.t())));
}
/// Noise of a fresh secret-key encryption without the message: t e.
inline Noise freshSecret(const Context& ctx) {
  return single(ctx, std::log2(sigma2(ctx))).scale(std::log2(static_cast<double>(ctx.t())));
}

/// The rounding term (delta_0 + delta_1 s + ... + delta_{parts-1} s^{parts-1}) / D of a
/// division by a product D of `primes` primes (modulus switching, ModDown): the coefficients
/// of delta / D are y / D (variance primes / 12) plus a centred residue mod t (variance
/// (t^2 - 1) / 12).
inline Noise roundingNoise(const Context& ctx, size_t primes, size_t parts) {
  const double t = static_cast<double>(ctx.t());
  const double vd = std::log2((t * t - 1.0 + static_cast<double>(primes)) / 12.0);
  const double vs = std::log2(ctx.secretVariance());
  Noise b = single(ctx, vd);
  b += product(ctx, vd, vs);
  if (parts > 2) {
    // delta_2 s^2: |s^2(zeta)| <= kSingle^2 n Vs; its moments ||s(zeta)||_2k^2.
    const double logNVs = std::log2(static_cast<double>(ctx.n())) + vs;
    b += Noise::productIndependent(single(ctx, vd),
                                   gaussian(logNVs, 2, 2 * std::log2(kSingle) + logNVs));
  }
  return b;
}
/// Its bound.
inline double rounding(const Context& ctx, size_t primes, size_t parts) {
  return roundingNoise(ctx, primes, parts).log2Value(kBoundIndex);
}

/// The key-switching error (t sum_j d_j e_j) / P at level `level`, before the ModDown rounding
/// term: d_j, the ModUp of digit j, is a sum of k_j centred terms of size Q_j / 2.
inline Noise keySwitchErrorNoise(const Context& ctx, size_t level) {
  const double s2 = std::log2(sigma2(ctx));
  Noise e;
  for (const IndexSet& d : ctx.digits()) {
    size_t k = 0;
    double logD = 0;
    for (size_t i : d) {
      if (i >= level) break;
      ++k;
      logD += std::log2(static_cast<double>(ctx.chain()->modulus(i).value()));
    }
    if (k == 0) continue;
    // variance of d_j: k * D_j^2 / 12, in log2: 2 logD + log2(k / 12).
    e += product(ctx, 2 * logD + std::log2(static_cast<double>(k) / 12.0), s2);
  }
  return e.scale(std::log2(static_cast<double>(ctx.t()))).scale(-ctx.logSpecialModulus());
}
/// Its bound.
inline double keySwitchError(const Context& ctx, size_t level) {
  return keySwitchErrorNoise(ctx, level).log2Value(kBoundIndex);
}

/// Noise that key switching at level `level` adds: keySwitchError plus the ModDown rounding
/// term. The same for a hoisted key switch (Halevi-Shoup 2018, section 5): the ModUp of c,
/// permuted, is the ModUp d_j' = sigma(d_j) of sigma(c), and an automorphism permutes the
/// canonical embedding, so d_j' has the norm (and coordinate distribution) of d_j.
inline Noise keySwitchNoise(const Context& ctx, size_t level) {
  return keySwitchErrorNoise(ctx, level) + roundingNoise(ctx, ctx.specialPrimes().size(), 2);
}
/// Its bound.
inline double keySwitch(const Context& ctx, size_t level) {
  return keySwitchNoise(ctx, level).log2Value(kBoundIndex);
}

/// The noise after sum_j c_j sigma_j(x) with one ModDown (Ciphertext::automorphismSum, doc/bgv.md
/// section 4b), for x with noise `noise` at level `level`. The phase is
///     sum_j c_j sigma_j(nu) + (t sum_{switched j} c_j E_j - delta_0 - delta_1 s) / P,
/// E_j = sum_g sigma_j(d_g) e_{j,g} the error of term j's inner product before the division:
/// each term's inner-product error is multiplied by its constant before the one ModDown, so
/// the constants multiply (t/P) E (keySwitchError) and not the rounding term, which comes once.
/// Coordinate by coordinate, |sum_j c_j(zeta) sigma_j(nu)(zeta)| <= sum_j |c_j(zeta)| ||nu||
/// (an automorphism permutes the coordinates, so ||sigma_j(nu)|| = ||nu||; the same for every
/// moment, by Minkowski's inequality), and likewise for
/// the E_j, each bounded by keySwitchError: allLog2 = log2 max_zeta sum_j |c_j(zeta)| over all
/// terms, switchedLog2 the same over the key-switched terms, anySwitched whether there is one
/// (the ModDown rounding term comes with it even if their constants are 0). Never above
/// the sum of the constants' norms, and well below it when their largest coordinates lie at
/// different zeta.
inline Noise automorphismSum(const Context& ctx, size_t level, Noise noise, double allLog2,
                             double switchedLog2, bool anySwitched) {
  noise.scale(allLog2);
  if (anySwitched) {
    noise += keySwitchErrorNoise(ctx, level).scale(switchedLog2);
    noise += roundingNoise(ctx, ctx.specialPrimes().size(), 2);
  }
  return noise;
}

}  // namespace hl::detail::noise
