// Bad input gets a clear exception and changes nothing: parameter validation, wrong keys,
// missing key-switching keys, objects from another context.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <string>

#include "bgv_fixture.h"
#include "helib-like/bgv/security.h"

namespace {

using bgvtest::Fixture;
using bgvtest::Setting;
using bgvtest::fixtureFor;
using bgvtest::randomPlaintext;

// Runs f, expects exception E whose message contains `needle`.
template <typename E>
void expectThrowWith(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no exception; expected one mentioning \"" << needle << "\"";
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

hl::Parameters insecure(uint64_t m, uint64_t p, unsigned r = 1) {
  return {.m = m, .p = p, .r = r, .ciphertextBits = 100, .digits = 2, .allowInsecure = true};
}

TEST(ContextValidation, RejectsBadParameters) {
  using E = std::invalid_argument;
  auto create = [](hl::Parameters p) { return [p] { hl::Context::create(p); }; };
  expectThrowWith<E>(create(insecure(1, 3)), "m = 1");
  expectThrowWith<E>(create(insecure(4369, 4)), "not a prime");
  expectThrowWith<E>(create(insecure(2048, 2)), "divides m");
  expectThrowWith<E>(create(insecure(4369, 257)), "divides m");
  expectThrowWith<E>(create(insecure(4369, 2, 0)), "r must be");
  expectThrowWith<E>(create(insecure(4369, 2, 41)), "2^40");
  hl::Parameters p = insecure(4369, 2);
  p.ciphertextBits = 0;
  expectThrowWith<E>(create(p), "ciphertextBits");
  p = insecure(4369, 2);
  p.digits = 3;  // set by hand, but only 2 primes of 50 bits
  expectThrowWith<E>(create(p), "digits = 3");
  p = insecure(4369, 2);
  p.generators = {17};
  expectThrowWith<E>(create(p), "not a unit");
  p = insecure(4369, 2);
  p.sigma = 0;
  expectThrowWith<E>(create(p), "sigma");
  p = insecure(4369, 2);
  p.hammingWeight = 5000;
  expectThrowWith<E>(create(p), "Hamming weight");
  p = insecure(4369, 3);
  p.r = 20;  // t = 3^20 has 32 bits; 100 bits in 2 primes of 50 are fine, 60 bits are not
  p.ciphertextBits = 60;
  expectThrowWith<E>(create(p), "too small for t");
}

TEST(ContextValidation, RefusesInsecureParametersUnlessAskedTo) {
  hl::Parameters p = insecure(4369, 2);
  p.ciphertextBits = 250;
  p.allowInsecure = false;
  expectThrowWith<std::invalid_argument>([&] { hl::Context::create(p); }, "allowInsecure");
  p.allowInsecure = true;
  const auto ctx = hl::Context::create(p);
  EXPECT_LT(ctx->securityLevel(), 128);
  // The estimate the context reports is the library's estimate for its n and log2(Q*P).
  EXPECT_DOUBLE_EQ(ctx->securityLevel(),
                   hl::estimateSecurityBits(ctx->n(), ctx->logModulus(ctx->levels()) +
                                                          ctx->logSpecialModulus()));
}

TEST(ContextValidation, LayoutMatchesTheRequest) {
  const auto ctx = hl::Context::create(
      {.m = 4369, .p = 2, .ciphertextBits = 250, .digits = 2, .allowInsecure = true});
  EXPECT_EQ(ctx->n(), 4096u);
  EXPECT_EQ(ctx->levels(), 5u);
  EXPECT_GE(ctx->logModulus(5), 249.0);
  ASSERT_EQ(ctx->digits().size(), 2u);
  EXPECT_EQ(ctx->digits()[0].size() + ctx->digits()[1].size(), 5u);
  // Default special modulus: the size of the largest digit (3 primes of 50 bits).
  EXPECT_GE(ctx->logSpecialModulus(), 149.0);
  EXPECT_EQ(ctx->t(), 2u);
  for (size_t i = 0; i < ctx->chain()->size(); ++i) {
    EXPECT_EQ(ctx->chain()->modulus(i).value() % ctx->m(), 1u);
  }
}

// Every default of Parameters fits the smallest moduli: one and two ciphertext primes, given
// as ciphertextBits or as primeBits. The defaults resolve (digits to one per prime, P to the
// digit's size) and a product decrypts right against the NTL model.
TEST(ContextValidation, DefaultsFitOneAndTwoPrimeModuli) {
  struct Case {
    int bits;
    std::vector<int> primeBits;
    size_t primes;
  };
  const Case cases[] = {{50, {}, 1}, {100, {}, 2}, {0, {45}, 1}, {0, {50, 40}, 2}};
  for (const Case& c : cases) {
    hl::Parameters p{.m = 4369, .p = 2, .ciphertextBits = c.bits, .primeBits = c.primeBits,
                     .allowInsecure = true};
    const auto ctx = hl::Context::create(p);
    EXPECT_EQ(ctx->levels(), c.primes);
    EXPECT_EQ(ctx->digits().size(), c.primes);
    EXPECT_EQ(ctx->parameters().digits, c.primes);
    EXPECT_GE(ctx->logSpecialModulus(), ctx->logModulus(1) - 1);
    hl::Prng prng(hl::Prng::Seed{11});
    const hl::SecretKey sk(ctx, prng);
    hl::EvaluationKeys keys(ctx);
    keys.add(sk.relinearizationKey(prng));
    const bgvtest::Model model(*ctx);
    std::vector<uint64_t> xa(ctx->n()), ya(ctx->n());
    std::mt19937_64 rng(5);
    for (auto& v : xa) v = rng() % 2;
    for (auto& v : ya) v = rng() % 2;
    const hl::Plaintext x = hl::Plaintext::fromReduced(ctx, xa);
    const hl::Plaintext y = hl::Plaintext::fromReduced(ctx, ya);
    hl::Ciphertext a = sk.encrypt(x, prng);
    a.multiplyBy(sk.encrypt(y, prng), keys);
    EXPECT_EQ(sk.decrypt(a), model.back(model.mul(model.of(x), model.of(y)), ctx))
        << c.bits << " bits, " << c.primeBits.size() << " prime sizes";
  }
  // The newcomer's first try: refused for its security, not for a parameter left alone.
  try {
    hl::Context::create({.m = 4369, .p = 2, .ciphertextBits = 100});
    FAIL() << "an insecure context was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("security"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("digits"), std::string::npos) << e.what();
  }
}

// Parameters::primeBits: each prime has its size, in chain order (q_0 first); digits are
// balanced by bits; primes too small for Bluestein's divisor still get the powerful transform.
TEST(ContextValidation, PrimeBitsGiveAMixedChain) {
  const std::vector<int> bits = {50, 27, 40, 28, 27, 45, 27, 50};
  const auto ctx = hl::Context::create(
      {.m = 21845, .p = 2, .primeBits = bits, .digits = 3, .allowInsecure = true});
  ASSERT_EQ(ctx->levels(), bits.size());
  double total = 0;
  for (size_t i = 0; i < bits.size(); ++i) {
    const double lq = std::log2(static_cast<double>(ctx->chain()->modulus(i).value()));
    EXPECT_GT(lq, bits[i] - 1.0) << i;
    EXPECT_LT(lq, bits[i] + 0.0) << i;
    EXPECT_EQ((ctx->chain()->modulus(i).value() - 1) % hl::ModulusChain::primeDivisor(21845), 0u);
    total += lq;
    EXPECT_NEAR(ctx->logModulus(i + 1), total, 1e-9);
  }
  EXPECT_FALSE(ctx->chain()->hasDft(1));  // 27 bits: below Bluestein's divisor 2^26.4 * ...
  // Three digits of about a third of the bits each, covering the primes in order.
  ASSERT_EQ(ctx->digits().size(), 3u);
  size_t next = 0;
  for (const hl::IndexSet& d : ctx->digits()) {
    ASSERT_FALSE(d.empty());
    EXPECT_EQ(d.first(), next);
    next = d.last() + 1;
    EXPECT_NEAR(ctx->chain()->logProduct(d), total / 3, 30.0);
  }
  EXPECT_EQ(next, bits.size());
  // Refusals: both sizes given, a size out of range, more small primes than exist.
  expectThrowWith<std::invalid_argument>(
      [] {
        hl::Context::create({.m = 4369, .ciphertextBits = 100, .primeBits = {50, 50},
                             .allowInsecure = true});
      },
      "not both");
  expectThrowWith<std::invalid_argument>(
      [] { hl::Context::create({.m = 4369, .primeBits = {50, 19}, .allowInsecure = true}); },
      "outside [20, 50]");
  expectThrowWith<std::invalid_argument>(
      [] {
        hl::Context::create(
            {.m = 53261, .primeBits = std::vector<int>(30, 24), .allowInsecure = true});
      },
      "primes of 24 bits");
}

TEST(BgvErrors, WrongSecretKeyIsReported) {
  Fixture& f = fixtureFor(Setting{4369, 2, 1});
  const hl::SecretKey other(f.ctx, f.prng);
  const hl::Ciphertext ct = f.pk->encrypt(randomPlaintext(f), f.prng);
  expectThrowWith<std::invalid_argument>([&] { other.decrypt(ct); }, "another key");
  // Keys of another secret key cannot be mixed into an evaluation-key set or used.
  hl::EvaluationKeys keys(f.ctx);
  keys.add(other.relinearizationKey(f.prng));
  expectThrowWith<std::invalid_argument>([&] { keys.add(f.sk->automorphismKey(3, f.prng)); },
                                         "different secret key");
  hl::Ciphertext a = ct;
  expectThrowWith<std::invalid_argument>([&] { a.multiplyBy(ct, keys); }, "another secret key");
  EXPECT_EQ(a.size(), 2u);  // unchanged
  EXPECT_EQ(f.sk->decrypt(a), f.sk->decrypt(ct));
  const hl::Ciphertext b = other.encrypt(randomPlaintext(f), f.prng);
  expectThrowWith<std::invalid_argument>([&] { a += b; }, "different keys");
}

TEST(BgvErrors, MissingKeySwitchingKeyIsReported) {
  Fixture& f = fixtureFor(Setting{4369, 2, 1});
  hl::Ciphertext a = f.pk->encrypt(randomPlaintext(f), f.prng);
  const hl::Ciphertext copy = a;
  uint64_t k = 3;
  while (f.keys->hasAutomorphism(k) || !f.ctx->ring().isUnit(k)) ++k;
  expectThrowWith<std::invalid_argument>([&] { a.automorph(k, *f.keys); }, "X^" + std::to_string(k));
  expectThrowWith<std::invalid_argument>([&] { a.automorph(17, *f.keys); }, "not a unit");
  const hl::EvaluationKeys empty(f.ctx);
  expectThrowWith<std::invalid_argument>([&] { a.multiplyBy(copy, empty); }, "relinearization");
  EXPECT_EQ(f.sk->decrypt(a), f.sk->decrypt(copy));
  EXPECT_EQ(a.level(), copy.level());
  a.multiply(copy);
  expectThrowWith<std::invalid_argument>([&] { a.automorph(f.rotation, *f.keys); }, "relinearize");
  expectThrowWith<std::invalid_argument>([&] { a.multiply(copy); }, "2 parts");
  expectThrowWith<std::invalid_argument>([&] { f.sk->automorphismKey(1); }, "unit");
  hl::Ciphertext low = copy;
  low.modSwitchTo(1);
  expectThrowWith<std::invalid_argument>([&] { low.modSwitchDown(); }, "level 1");
  expectThrowWith<std::invalid_argument>([&] { low.modSwitchTo(2); }, "level 2");
}

TEST(BgvErrors, MismatchedContextsAreReported) {
  Fixture& f = fixtureFor(Setting{4369, 2, 1});
  Fixture& g = fixtureFor(Setting{4369, 2, 8});
  const hl::Plaintext foreign = randomPlaintext(g);
  expectThrowWith<std::invalid_argument>([&] { f.pk->encrypt(foreign, f.prng); }, "another context");
  expectThrowWith<std::invalid_argument>([&] { f.sk->encrypt(foreign, f.prng); }, "another context");
  hl::Ciphertext a = f.pk->encrypt(randomPlaintext(f), f.prng);
  const hl::Ciphertext b = g.pk->encrypt(foreign, g.prng);
  expectThrowWith<std::invalid_argument>([&] { a += b; }, "different contexts");
  expectThrowWith<std::invalid_argument>([&] { a.multiplyBy(b, *f.keys); }, "different contexts");
  expectThrowWith<std::invalid_argument>([&] { a.relinearize(*g.keys); }, "another context");
  expectThrowWith<std::invalid_argument>([&] { a.addPlaintext(foreign); }, "another context");
  expectThrowWith<std::invalid_argument>([&] { a.multiplyByPlaintext(foreign); }, "another context");
  expectThrowWith<std::invalid_argument>([&] { f.sk->decrypt(b); }, "another context");
  hl::EvaluationKeys keys(f.ctx);
  expectThrowWith<std::invalid_argument>([&] { keys.add(g.sk->relinearizationKey(g.prng)); },
                                         "another context");
}

TEST(BgvErrors, PlaintextInputIsValidated) {
  Fixture& f = fixtureFor(Setting{4369, 2, 1});
  std::vector<int64_t> tooMany(f.ctx->n() + 1, 1);
  expectThrowWith<std::invalid_argument>([&] { hl::Plaintext(f.ctx, tooMany); }, "coefficients");
  expectThrowWith<std::invalid_argument>(
      [&] { hl::Plaintext::fromReduced(f.ctx, std::vector<uint64_t>{0, 2}); }, "not below t");
  // Signed input is reduced mod t.
  const std::vector<int64_t> c = {-1, 3, -4};
  const hl::Plaintext pt(f.ctx, c);
  EXPECT_EQ(pt.coefficients()[0], 1u);
  EXPECT_EQ(pt.coefficients()[1], 1u);
  EXPECT_EQ(pt.coefficients()[2], 0u);
}

}  // namespace
