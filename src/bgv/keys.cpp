#include "helib-like/bgv/keys.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "bgv/noise.h"
#include "bgv/rns.h"
#include "helib-like/bgv/ciphertext.h"
#include "helib-like/detail/canonical_embedding.h"
#include "helib-like/detail/ntl_interop.h"
#include "helib-like/math/sampler.h"
#include "helib-like/ring/powerful_basis.h"
#include "math/rns_kernels.h"
#include "ring/centred_lift.h"

namespace hl {
namespace {

// Wipes a secret DoubleCRT when leaving scope.
struct WipeOnExit {
  DoubleCRT& d;
  ~WipeOnExit() { d.wipe(); }
};

// s restricted to the given primes, in a fresh buffer (the caller wipes it).
DoubleCRT restrict(const DoubleCRT& s, const IndexSet& primes) {
  DoubleCRT r(s.chainPtr(), primes);
  for (size_t i : primes) {
    auto from = s.values(i);
    std::copy(from.begin(), from.end(), r.values(i).begin());
  }
  return r;
}

Prng::Seed seedFrom(Prng& prng) {
  Prng::Seed seed;
  prng.fill(seed.data(), seed.size());
  return seed;
}

std::shared_ptr<const Context> checked(std::shared_ptr<const Context> ctx, const char* who) {
  if (!ctx) throw std::invalid_argument(std::string(who) + ": no context given");
  return ctx;
}

void checkPlaintext(const Context& ctx, const Plaintext& pt, const char* who) {
  if (&pt.context() != &ctx) {
    throw std::invalid_argument(std::string(who) + ": the plaintext belongs to another context");
  }
}

// t e + m over the primes `top`, e Gaussian: the part of a fresh encryption that carries the
// message. The integer coefficients are wiped before they are freed.
DoubleCRT noisyMessage(const Context& ctx, const Plaintext& pt, const IndexSet& top, Prng& prng) {
  const int64_t t = static_cast<int64_t>(ctx.t());
  std::vector<int64_t> em(ctx.n());
  std::vector<int64_t> m = pt.centred();
  // Both vectors are wiped however this function is left.
  struct Wipe {
    std::vector<int64_t>& v;
    ~Wipe() { OPENSSL_cleanse(v.data(), v.size() * sizeof(int64_t)); }
  } wipeEm{em}, wipeM{m};
  sampleGaussian(prng, em, ctx.parameters().sigma);
  for (size_t j = 0; j < em.size(); ++j) em[j] = t * em[j] + m[j];
  return DoubleCRT::fromCoefficients(ctx.chain(), top, em);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// SecretKey

SecretKey::SecretKey(std::shared_ptr<const Context> ctx)
    : SecretKey(ctx, *std::make_unique<Prng>()) {}

SecretKey::SecretKey(std::shared_ptr<const Context> ctx, Prng& prng)
    : ctx_(checked(std::move(ctx), "hl::SecretKey")),
      id_(prng.next64()),
      s_(DoubleCRT::ternary(ctx_->chain(), ctx_->chain()->allPrimes(), prng,
                            ctx_->parameters().hammingWeight)) {}

SecretKey& SecretKey::operator=(const SecretKey& o) {
  if (this != &o) {
    s_.wipe();
    ctx_ = o.ctx_;
    id_ = o.id_;
    s_ = o.s_;
  }
  return *this;
}

SecretKey::~SecretKey() { s_.wipe(); }

PublicKey SecretKey::publicKey() const {
  Prng prng;
  return publicKey(prng);
}

PublicKey SecretKey::publicKey(Prng& prng) const {
  const IndexSet top = ctx_->levelPrimes(ctx_->levels());
  const Prng::Seed seed = seedFrom(prng);
  Prng expand(seed);
  DoubleCRT a = DoubleCRT::uniform(ctx_->chain(), top, expand);
  DoubleCRT e = DoubleCRT::gaussian(ctx_->chain(), top, prng, ctx_->parameters().sigma);
  WipeOnExit wipeE{e};
  DoubleCRT s = restrict(s_, top);
  WipeOnExit wipeS{s};
  DoubleCRT b = e;
  b.mulScalar(static_cast<int64_t>(ctx_->t()));
  s *= a;  // a s: reveals s together with a, so it lives in the wiped buffer
  b -= s;
  return PublicKey(ctx_, id_, seed, std::move(b), std::move(a));
}

KeySwitchKey SecretKey::makeKeySwitchKey(const DoubleCRT& target, uint64_t automorphism,
                                         Prng& prng) const {
  const ModulusChain& chain = *ctx_->chain();
  const IndexSet all = chain.allPrimes();
  KeySwitchKey key(ctx_, id_, automorphism, seedFrom(prng));
  Prng expand(key.seed_);
  // P mod every ciphertext prime.
  const IndexSet special = chain.specialPrimes();
  for (const IndexSet& digit : ctx_->digits()) {
    DoubleCRT a = DoubleCRT::uniform(ctx_->chain(), all, expand);
    DoubleCRT b = DoubleCRT::gaussian(ctx_->chain(), all, prng, ctx_->parameters().sigma);
    b.mulScalar(static_cast<int64_t>(ctx_->t()));
    DoubleCRT as = a;
    WipeOnExit wipeAs{as};  // a s and a give s
    as *= s_;
    b -= as;
    // + P * s' on the digit's primes (the gadget factor is P mod q_i there and 0 elsewhere).
    for (size_t i : digit) {
      const Modulus& q = chain.modulus(i);
      uint64_t P = 1;
      for (size_t sp : special) P = q.mul(P, q.reduce(chain.modulus(sp).value()));
      const uint64_t Ps = q.shoup(P);
      auto bi = b.values(i);
      auto si = target.values(i);
      for (size_t j = 0; j < bi.size(); ++j) bi[j] = q.add(bi[j], q.mulShoup(si[j], P, Ps));
    }
    key.addDigit(b, a);
  }
  return key;
}

KeySwitchKey SecretKey::relinearizationKey() const {
  Prng prng;
  return relinearizationKey(prng);
}

KeySwitchKey SecretKey::relinearizationKey(Prng& prng) const {
  DoubleCRT s2 = s_;
  WipeOnExit wipe{s2};
  s2 *= s_;
  return makeKeySwitchKey(s2, 0, prng);
}

KeySwitchKey SecretKey::automorphismKey(uint64_t k) const {
  Prng prng;
  return automorphismKey(k, prng);
}

KeySwitchKey SecretKey::automorphismKey(uint64_t k, Prng& prng) const {
  const uint64_t m = ctx_->m();
  k %= m;
  if (!ctx_->ring().isUnit(k) || k == 1) {
    throw std::invalid_argument("hl::SecretKey::automorphismKey: k = " + std::to_string(k) +
                                " is not a unit mod m = " + std::to_string(m) + " other than 1");
  }
  // s(X^k) as a permutation of the evaluation values, into a buffer that is wiped.
  const std::vector<uint32_t> perm = ctx_->ring().automorphismPermutation(k);
  DoubleCRT sk(ctx_->chain(), s_.primes());
  WipeOnExit wipe{sk};
  for (size_t i : s_.primes()) {
    auto from = s_.values(i);
    auto to = sk.values(i);
    for (size_t j = 0; j < to.size(); ++j) to[j] = from[perm[j]];
  }
  return makeKeySwitchKey(sk, k, prng);
}

Ciphertext SecretKey::encrypt(const Plaintext& pt) const {
  Prng prng;
  return encrypt(pt, prng);
}

Ciphertext SecretKey::encrypt(const Plaintext& pt, Prng& prng) const {
  checkPlaintext(*ctx_, pt, "hl::SecretKey::encrypt");
  const IndexSet top = ctx_->levelPrimes(ctx_->levels());
  // c0 = -a s + (t e + m), c1 = a.
  DoubleCRT c0 = noisyMessage(*ctx_, pt, top, prng);
  DoubleCRT a = DoubleCRT::uniform(ctx_->chain(), top, prng);
  DoubleCRT as = restrict(s_, top);
  WipeOnExit wipe{as};
  as *= a;
  c0 -= as;
  std::vector<DoubleCRT> parts;
  parts.push_back(std::move(c0));
  parts.push_back(std::move(a));
  const detail::noise::Noise noise = NoiseMoments::bounded(std::log2(std::max(pt.l1Norm(), 1.0))) +
                                     detail::noise::freshSecret(*ctx_);
  return Ciphertext(ctx_, id_, std::move(parts), 1 % ctx_->t(), noise);
}

void SecretKey::check(const Ciphertext& ct, const char* op) const {
  if (ct.contextPtr() != ctx_) {
    throw std::invalid_argument(std::string("hl::SecretKey::") + op +
                                ": the ciphertext belongs to another context");
  }
  if (ct.keyId() != id_) {
    throw std::invalid_argument(std::string("hl::SecretKey::") + op +
                                ": the ciphertext was encrypted under another key");
  }
}

void SecretKey::phaseRow(const Ciphertext& ct, size_t p, uint64_t* out) const {
  // nu mod q_p as one dot product of (c_0, c_1, ...) with (1, s, s^2, ...): s is read in
  // place, and only the powers s^2, s^3, ... (for ciphertexts of three or more parts) go
  // through a per-thread buffer, wiped after use.
  const size_t n = ctx_->n(), k = ct.size();
  assert(k >= 2 && k <= 3);  // products need relinearized operands
  const Modulus& q = ctx_->chain()->modulus(p);
  if (k == 2) {  // c0 + c1 s: no row of ones
    detail::mulMod(q, ct.part(1).values(p).data(), s_.values(p).data(), out, n);
    detail::addMod(q, out, ct.part(0).values(p).data(), out, n);
    return;
  }
  // Rows: the ones, then s^2 for a three-part ciphertext.
  uint64_t* scratch = detail::threadScratch(detail::kScratchPhase, (k - 1) * n);
  uint64_t* ones = scratch;
  std::fill(ones, ones + n, uint64_t{1});
  const uint64_t* x[3];
  const uint64_t* y[3];
  const uint64_t* s = s_.values(p).data();
  for (size_t i = 0; i < k; ++i) x[i] = ct.part(i).values(p).data();
  y[0] = ones;
  y[1] = s;
  for (size_t i = 2; i < k; ++i) {
    uint64_t* power = scratch + (i - 1) * n;
    detail::mulMod(q, y[i - 1], s, power, n);
    y[i] = power;
  }
  detail::dotProductMod(q, x, y, k, out, n);
  if (k > 2) OPENSSL_cleanse(scratch + n, (k - 2) * n * sizeof(uint64_t));
}

DoubleCRT SecretKey::phase(const Ciphertext& ct) const {
  const IndexSet& primes = ct.part(0).primes();
  DoubleCRT acc(ctx_->chain(), primes);
#pragma omp parallel for schedule(static) if (primes.size() > 1)
  for (size_t idx = 0; idx < primes.size(); ++idx) {
    phaseRow(ct, primes[idx], acc.values(primes[idx]).data());
  }
  return acc;
}

Plaintext SecretKey::decrypt(const Ciphertext& ct) const {
  check(ct, "decrypt");
  const ModulusChain& chain = *ctx_->chain();
  const Modulus& t = ctx_->plaintextModulus();
  const IndexSet& primes = ct.part(0).primes();
  const size_t n = ctx_->n();
  const bool powerful = chain.workingBasis() == ModulusChain::Basis::kPowerful;
  // Prime by prime: the phase nu mod q, its coefficients (powerful basis by the prime-factor
  // transform where the chain works in it, power basis by CyclotomicDft otherwise), folded
  // into the fast lift mod t while the row is in cache (doc/bgv.md, section 2). Decryption is
  // correct only when the phase is inside (-Q/2, Q/2) anyway; the lift is exact there (up to
  // Q 2^-40 from the edge, in the basis used) and does not branch on the phase.
  detail::CentredLiftModT lift(chain, primes, t);
#pragma omp parallel if (primes.size() > 1)
  {
    uint64_t* row = detail::threadScratch(detail::kScratchDecrypt, n);
#pragma omp for schedule(static)
    for (size_t idx = 0; idx < primes.size(); ++idx) {
      const size_t p = primes[idx];
      phaseRow(ct, p, row);
      if (powerful) {
        chain.toWorkingCoefficients(p, row, row);
      } else {
        chain.toPowerCoefficients(p, row, row);
      }
      lift.add(idx, row);
    }
    OPENSSL_cleanse(row, n * sizeof(uint64_t));  // each row overwrote the one before
  }
  std::vector<uint64_t> m = lift.finish();
  if (powerful) {
    std::vector<uint64_t> w = std::move(m);
    struct Wipe {
      std::vector<uint64_t>& v;
      ~Wipe() { OPENSSL_cleanse(v.data(), v.size() * sizeof(uint64_t)); }
    } wipeW{w};
    m = powerfulToPowerMod(ctx_->m(), t, w);
  }
  return finishDecryption(ct, std::move(m));
}

Plaintext SecretKey::finishDecryption(const Ciphertext& ct, std::vector<uint64_t> m) const {
  const Modulus& t = ctx_->plaintextModulus();
  const uint64_t finv = t.inv(ct.plaintextFactor());
  if (finv != 1) {  // the factor is public
    for (uint64_t& c : m) c = t.mul(c, finv);
  }
  return Plaintext::fromReduced(ctx_, std::move(m));
}

namespace detail {

Plaintext decryptViaPowerBasis(const SecretKey& sk, const Ciphertext& ct) {
  sk.check(ct, "decrypt");
  DoubleCRT nu = sk.phase(ct);
  WipeOnExit wipe{nu};
  return sk.finishDecryption(ct, nu.toSmallCoefficientsMod(sk.ctx_->plaintextModulus()));
}

}  // namespace detail

double SecretKey::measureNoise(const Ciphertext& ct) const {
  check(ct, "measureNoise");
  DoubleCRT nu = phase(ct);
  WipeOnExit wipe{nu};
  NTL::ZZX z = detail::toZZX(nu);
  long maxBits = 0;
  for (long i = 0; i <= NTL::deg(z); ++i) maxBits = std::max(maxBits, NTL::NumBits(z[i]));
  if (maxBits == 0) return -std::numeric_limits<double>::infinity();
  const long shift = std::max(0L, maxBits - 60);
  std::vector<double> c(ctx_->n(), 0.0);
  for (long i = 0; i <= NTL::deg(z); ++i) c[i] = NTL::conv<double>(z[i] >> shift);
  for (long i = 0; i <= NTL::deg(z); ++i) NTL::clear(z[i]);  // the noise is secret too
  const double norm = detail::canonicalNormLog2(ctx_->ring(), c, static_cast<int>(shift));
  OPENSSL_cleanse(c.data(), c.size() * sizeof(double));
  return norm;
}

// ---------------------------------------------------------------------------------------------
// PublicKey

Ciphertext PublicKey::encrypt(const Plaintext& pt) const {
  Prng prng;
  return encrypt(pt, prng);
}

Ciphertext PublicKey::encrypt(const Plaintext& pt, Prng& prng) const {
  checkPlaintext(*ctx_, pt, "hl::PublicKey::encrypt");
  const IndexSet top = b_.primes();
  const int64_t t = static_cast<int64_t>(ctx_->t());
  DoubleCRT u = DoubleCRT::ternary(ctx_->chain(), top, prng);
  WipeOnExit wipeU{u};
  DoubleCRT c0 = noisyMessage(*ctx_, pt, top, prng);
  DoubleCRT c1 = DoubleCRT::gaussian(ctx_->chain(), top, prng, ctx_->parameters().sigma);
  c1.mulScalar(t);
  DoubleCRT bu = b_;
  WipeOnExit wipeBu{bu};  // b u and a u give u, and with it the message
  bu *= u;
  c0 += bu;
  DoubleCRT au = a_;
  WipeOnExit wipeAu{au};
  au *= u;
  c1 += au;
  std::vector<DoubleCRT> parts;
  parts.push_back(std::move(c0));
  parts.push_back(std::move(c1));
  const detail::noise::Noise noise = NoiseMoments::bounded(std::log2(std::max(pt.l1Norm(), 1.0))) +
                                     detail::noise::freshPublic(*ctx_);
  return Ciphertext(ctx_, keyId_, std::move(parts), 1 % ctx_->t(), noise);
}

// ---------------------------------------------------------------------------------------------
// EvaluationKeys

EvaluationKeys::EvaluationKeys(std::shared_ptr<const Context> ctx)
    : ctx_(checked(std::move(ctx), "hl::EvaluationKeys")) {}

void EvaluationKeys::add(KeySwitchKey key) {
  if (&key.context() != ctx_.get()) {
    throw std::invalid_argument("hl::EvaluationKeys::add: the key belongs to another context");
  }
  if (anyKey_ && key.keyId() != keyId_) {
    throw std::invalid_argument(
        "hl::EvaluationKeys::add: the key was made from a different secret key than the keys "
        "already held");
  }
  anyKey_ = true;
  keyId_ = key.keyId();
  auto shared = std::make_shared<const KeySwitchKey>(std::move(key));
  if (shared->isRelinearization()) {
    relin_ = std::move(shared);
  } else {
    autos_[shared->automorphism()] = std::move(shared);
  }
}

std::vector<uint64_t> EvaluationKeys::automorphisms() const {
  std::vector<uint64_t> out;
  for (const auto& [k, key] : autos_) out.push_back(k);
  return out;
}

const KeySwitchKey& EvaluationKeys::relinearization() const {
  if (!relin_) {
    throw std::invalid_argument(
        "hl::EvaluationKeys: no relinearization key was added (SecretKey::relinearizationKey)");
  }
  return *relin_;
}

const KeySwitchKey& EvaluationKeys::automorphism(uint64_t k) const {
  auto it = autos_.find(k % ctx_->m());
  if (it == autos_.end()) {
    throw std::invalid_argument("hl::EvaluationKeys: no key for the automorphism X -> X^" +
                                std::to_string(k % ctx_->m()) +
                                " was added (SecretKey::automorphismKey)");
  }
  return *it->second;
}

}  // namespace hl
