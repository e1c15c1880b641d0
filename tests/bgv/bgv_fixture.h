#pragma once
// Shared set-up of the BGV tests: one context and key set per setting, built once per process,
// and the independent model of R_t = Z_t[X]/Phi_m(X) with NTL (ZZ_pX modulo Phi_m, t possibly
// composite).
#include <NTL/ZZ_pX.h>

#include <map>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "helib-like/bgv/ciphertext.h"
#include "helib-like/bgv/context.h"
#include "helib-like/bgv/keys.h"
#include "helib-like/math/primes.h"

namespace bgvtest {

struct Setting {
  uint64_t m, p;
  unsigned r;
  int ciphertextBits = 250;  // kMixed: the mixed chain below
};

// ciphertextBits = kMixed: primes of 27 to 50 bits (Parameters::primeBits), the small ones with
// only the powerful transform where m uses the powerful basis, as in the AES presets.
inline constexpr int kMixed = -1;
inline const std::vector<int> kMixedPrimeBits = {50, 27, 40, 28, 27, 45, 27, 50};

inline std::string name(const Setting& s) {
  return "m" + std::to_string(s.m) + "_p" + std::to_string(s.p) + "_r" + std::to_string(s.r) +
         (s.ciphertextBits == 250    ? ""
          : s.ciphertextBits == kMixed ? "_mixed"
                                       : "_Q" + std::to_string(s.ciphertextBits));
}

// A ~30-bit prime t = 1 (mod m): the plaintext space splits into slots of degree 1.
inline uint64_t bigPrimeFor(uint64_t m) { return hl::generatePrimes(30, 1, m).front(); }

// Everything one setting needs, built once (key generation dominates the suite's time).
struct Fixture {
  std::shared_ptr<const hl::Context> ctx;
  std::unique_ptr<hl::SecretKey> sk;
  std::unique_ptr<hl::PublicKey> pk;
  std::unique_ptr<hl::EvaluationKeys> keys;
  uint64_t rotation = 0;  // an automorphism exponent with a key
  std::mt19937_64 rng{12345};
  hl::Prng prng{hl::Prng::Seed{7}};
};

inline Fixture& fixtureFor(const Setting& s) {
  static std::map<std::tuple<uint64_t, uint64_t, unsigned, int>, std::unique_ptr<Fixture>> cache;
  auto& slot = cache[{s.m, s.p, s.r, s.ciphertextBits}];
  if (!slot) {
    auto f = std::make_unique<Fixture>();
    f->ctx = hl::Context::create({.m = s.m,
                                  .p = s.p,
                                  .r = s.r,
                                  .ciphertextBits = s.ciphertextBits == kMixed ? 0 : s.ciphertextBits,
                                  .primeBits = s.ciphertextBits == kMixed ? kMixedPrimeBits
                                                                          : std::vector<int>{},
                                  .digits = 2,
                                  .allowInsecure = true});
    f->sk = std::make_unique<hl::SecretKey>(f->ctx, f->prng);
    f->pk = std::make_unique<hl::PublicKey>(f->sk->publicKey(f->prng));
    f->keys = std::make_unique<hl::EvaluationKeys>(f->ctx);
    f->keys->add(f->sk->relinearizationKey(f->prng));
    f->rotation = f->ctx->ring().units()[f->ctx->ring().units().size() / 3];
    f->keys->add(f->sk->automorphismKey(f->rotation, f->prng));
    const uint64_t frob = s.p % s.m;
    if (frob != 1) f->keys->add(f->sk->automorphismKey(frob, f->prng));
    slot = std::move(f);
  }
  Fixture* f = slot.get();
  return *f;
}

// The NTL model of R_t.
class Model {
 public:
  explicit Model(const hl::Context& ctx) : ctx_(ctx), push_(NTL::conv<NTL::ZZ>(ctx.t())) {
    const auto& c = ctx.ring().phiPolynomial();
    NTL::ZZ_pX phi;
    for (size_t i = 0; i < c.size(); ++i) NTL::SetCoeff(phi, static_cast<long>(i), c[i]);
    phi_ = phi;
  }
  NTL::ZZ_pX of(const hl::Plaintext& pt) const {
    NTL::ZZ_pX f;
    const auto& c = pt.coefficients();
    for (size_t i = 0; i < c.size(); ++i) NTL::SetCoeff(f, static_cast<long>(i), NTL::conv<NTL::ZZ_p>(NTL::conv<NTL::ZZ>(c[i])));
    return f;
  }
  hl::Plaintext back(const NTL::ZZ_pX& f, const std::shared_ptr<const hl::Context>& ctx) const {
    std::vector<uint64_t> c(ctx_.n(), 0);
    for (long i = 0; i <= NTL::deg(f); ++i) c[i] = NTL::conv<uint64_t>(NTL::rep(NTL::coeff(f, i)));
    return hl::Plaintext::fromReduced(ctx, c);
  }
  NTL::ZZ_pX mul(const NTL::ZZ_pX& a, const NTL::ZZ_pX& b) const { return (a * b) % phi_; }
  NTL::ZZ_pX automorph(const NTL::ZZ_pX& a, uint64_t k) const {
    NTL::ZZ_pX r;
    const uint64_t m = ctx_.m();
    for (long i = 0; i <= NTL::deg(a); ++i) {
      const long e = static_cast<long>((static_cast<uint64_t>(i) * k) % m);
      NTL::SetCoeff(r, e, NTL::coeff(r, e) + NTL::coeff(a, i));
    }
    return r % phi_;
  }

 private:
  const hl::Context& ctx_;
  NTL::ZZ_pPush push_;
  NTL::ZZ_pX phi_;
};

inline hl::Plaintext randomPlaintext(Fixture& f) {
  std::vector<uint64_t> c(f.ctx->n());
  for (auto& x : c) x = f.rng() % f.ctx->t();
  return hl::Plaintext::fromReduced(f.ctx, c);
}

}  // namespace bgvtest
