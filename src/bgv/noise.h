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
#include <cmath>
#include <cstddef>
#include <limits>

#include "helib-like/bgv/context.h"

namespace hl::detail::noise {

inline constexpr double kSingle = 6.0;
inline constexpr double kProduct = 18.0;

/// log2(2^a + 2^b), exact for infinities.
inline double logAdd(double a, double b) {
  if (a < b) std::swap(a, b);
  if (b == -std::numeric_limits<double>::infinity()) return a;
  return a + std::log2(1.0 + std::exp2(b - a));
}

/// log2 bound for one random polynomial with coefficient variance v.
inline double single(const Context& ctx, double v) {
  return std::log2(kSingle * std::sqrt(static_cast<double>(ctx.n()) * v));
}
/// log2 bound for the product of two independent random polynomials.
inline double product(const Context& ctx, double v1, double v2) {
  return std::log2(kProduct * static_cast<double>(ctx.n()) * std::sqrt(v1 * v2));
}

/// Noise of a fresh public-key encryption without the message: t (e u + e0 + e1 s).
inline double freshPublic(const Context& ctx) {
  const double s2 = ctx.parameters().sigma * ctx.parameters().sigma;
  const double v = logAdd(
      logAdd(product(ctx, s2, 2.0 / 3.0), product(ctx, s2, ctx.secretVariance())), single(ctx, s2));
  return std::log2(static_cast<double>(ctx.t())) + v;
}
/// Noise of a fresh secret-key encryption without the message: t e.
inline double freshSecret(const Context& ctx) {
  const double s2 = ctx.parameters().sigma * ctx.parameters().sigma;
  return std::log2(static_cast<double>(ctx.t())) + single(ctx, s2);
}

/// The rounding term (delta_0 + delta_1 s + ... + delta_{parts-1} s^{parts-1}) / D of a
/// division by a product D of `primes` primes (modulus switching, ModDown): the coefficients
/// of delta / D are y / D (variance primes / 12) plus a centred residue mod t (variance
/// (t^2 - 1) / 12).
inline double rounding(const Context& ctx, size_t primes, size_t parts) {
  const double t = static_cast<double>(ctx.t());
  const double vd = (t * t - 1.0 + static_cast<double>(primes)) / 12.0;
  double b = logAdd(single(ctx, vd), product(ctx, vd, ctx.secretVariance()));
  if (parts > 2) {
    // delta_2 s^2: |s^2(zeta)| <= (kSingle^2 n Vs).
    const double s2 =
        std::log2(kSingle * kSingle * static_cast<double>(ctx.n()) * ctx.secretVariance());
    b = logAdd(b, single(ctx, vd) + s2);
  }
  return b;
}

/// The key-switching error (t sum_j d_j e_j) / P at level `level`, before the ModDown rounding
/// term: d_j, the ModUp of digit j, is a sum of k_j centred terms of size Q_j / 2.
inline double keySwitchError(const Context& ctx, size_t level) {
  const double s2 = ctx.parameters().sigma * ctx.parameters().sigma;
  double e = -std::numeric_limits<double>::infinity();
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
    const double logVd = 2 * logD + std::log2(static_cast<double>(k) / 12.0);
    const double term =
        std::log2(kProduct * static_cast<double>(ctx.n())) + 0.5 * (logVd + std::log2(s2));
    e = logAdd(e, term);
  }
  return std::log2(static_cast<double>(ctx.t())) + e - ctx.logSpecialModulus();
}

/// Noise that key switching at level `level` adds: keySwitchError plus the ModDown rounding
/// term. The same for a hoisted key switch (Halevi-Shoup 2018, section 5): the ModUp of c,
/// permuted, is the ModUp d_j' = sigma(d_j) of sigma(c), and an automorphism permutes the
/// canonical embedding, so d_j' has the norm (and coordinate distribution) of d_j.
inline double keySwitch(const Context& ctx, size_t level) {
  return logAdd(keySwitchError(ctx, level), rounding(ctx, ctx.specialPrimes().size(), 2));
}

/// The bound after sum_j c_j sigma_j(x) with one ModDown (Ciphertext::automorphismSum, doc/bgv.md
/// section 4b), for x with noise bound `noise` at level `level`. The phase is
///     sum_j c_j sigma_j(nu) + (t sum_{switched j} c_j E_j - delta_0 - delta_1 s) / P,
/// E_j = sum_g sigma_j(d_g) e_{j,g} the error of term j's inner product before the division:
/// each term's inner-product error is multiplied by its constant before the one ModDown, so
/// the constants multiply (t/P) E (keySwitchError) and not the rounding term, which comes once.
/// Coordinate by coordinate, |sum_j c_j(zeta) sigma_j(nu)(zeta)| <= sum_j |c_j(zeta)| ||nu||
/// (an automorphism permutes the coordinates, so ||sigma_j(nu)|| = ||nu||), and likewise for
/// the E_j, each bounded by keySwitchError: allLog2 = log2 max_zeta sum_j |c_j(zeta)| over all
/// terms, switchedLog2 the same over the key-switched terms, anySwitched whether there is one
/// (the ModDown rounding term comes with it even if their constants are 0). Never above
/// the sum of the constants' norms, and well below it when their largest coordinates lie at
/// different zeta.
inline double automorphismSum(const Context& ctx, size_t level, double noise, double allLog2,
                              double switchedLog2, bool anySwitched) {
  double b = noise + allLog2;
  if (anySwitched) {
    b = logAdd(b, keySwitchError(ctx, level) + switchedLog2);
    b = logAdd(b, rounding(ctx, ctx.specialPrimes().size(), 2));
  }
  return b;
}

}  // namespace hl::detail::noise
