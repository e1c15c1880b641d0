// EncryptedArray against the plain model (SlotVector, whose data movement is plain index maps
// over the hypercube), and the plain model against independent arithmetic (NTL for GF(2^8)).
#include "helib-like/slots/encrypted_array.h"

#include <NTL/GF2E.h>
#include <NTL/GF2X.h>
#include <gtest/gtest.h>

#include <map>
#include <numeric>
#include <random>
#include <set>

namespace {

// The AES field GF(2)[Z]/(Z^8 + Z^4 + Z^3 + Z + 1).
const std::vector<uint64_t> kAesPolynomial{1, 1, 0, 1, 1, 0, 0, 0, 1};

struct Case {
  const char* name;
  uint64_t m, p;
  unsigned r;
  int bits;
  std::vector<uint64_t> gens;
  enum Values { kIntegers, kAesField, kNative } values;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

struct ArraySetup {
  std::shared_ptr<const hl::Context> ctx;
  std::unique_ptr<hl::SecretKey> sk;
  std::unique_ptr<hl::EvaluationKeys> keys;
  std::unique_ptr<hl::EncryptedArray> ea;
  std::mt19937_64 rng{2026};
};

ArraySetup& setupFor(const Case& c) {
  static std::map<std::string, std::unique_ptr<ArraySetup>> cache;
  auto& s = cache[c.name];
  if (!s) {
    s = std::make_unique<ArraySetup>();
    s->ctx = hl::Context::create({.m = c.m,
                                  .p = c.p,
                                  .r = c.r,
                                  .ciphertextBits = c.bits,
                                  .digits = 2,
                                  .generators = c.gens,
                                  .allowInsecure = true});
    hl::Prng prng(hl::Prng::Seed{11});
    s->sk = std::make_unique<hl::SecretKey>(s->ctx, prng);
    s->keys = std::make_unique<hl::EvaluationKeys>(s->ctx);
    s->keys->add(s->sk->relinearizationKey(prng));
    switch (c.values) {
      case Case::kIntegers:
        s->ea = std::make_unique<hl::EncryptedArray>(s->ctx);
        break;
      case Case::kAesField:
        s->ea = std::make_unique<hl::EncryptedArray>(s->ctx, kAesPolynomial);
        break;
      case Case::kNative:
        s->ea = std::make_unique<hl::EncryptedArray>(hl::EncryptedArray::native(s->ctx));
        break;
    }
    s->ea->addKeys(*s->keys, *s->sk, s->ea->defaultKeyExponents());
    if (c.values == Case::kAesField) {
      // Every Frobenius power of GF(2^8): linear maps take the hoisted path.
      std::vector<uint64_t> frob;
      for (size_t j = 2; j < 8; ++j) frob.push_back(s->ea->frobeniusExponent(j));
      s->ea->addKeys(*s->keys, *s->sk, frob);
    }
  }
  return *s;
}

class EncryptedArrayTest : public testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    ArraySetup& s = setupFor(GetParam());
    ctx_ = s.ctx;
    sk_ = s.sk.get();
    keys_ = s.keys.get();
    ea_ = s.ea.get();
    rng_ = &s.rng;
  }
  hl::SlotVector random() { return ea_->random(*rng_); }
  hl::Ciphertext encrypt(const hl::SlotVector& v) { return ea_->encrypt(*sk_, v); }
  // Decrypts, compares with the model, and checks the tracked noise bound against the
  // measured noise.
  void expectSlots(const hl::Ciphertext& ct, const hl::SlotVector& model, const std::string& what) {
    EXPECT_GT(ct.capacity(), 0) << what;
    EXPECT_LE(sk_->measureNoise(ct), ct.noiseBound()) << what;
    const hl::SlotVector got = ea_->decrypt(*sk_, ct);
    if (!(got == model)) {
      size_t bad = 0;
      while (bad < got.size() && std::equal(got[bad].begin(), got[bad].end(), model[bad].begin()))
        ++bad;
      ADD_FAILURE() << what << ": first wrong slot " << bad << " of " << got.size();
    }
  }

  std::shared_ptr<const hl::Context> ctx_;
  hl::SecretKey* sk_ = nullptr;
  hl::EvaluationKeys* keys_ = nullptr;
  hl::EncryptedArray* ea_ = nullptr;
  std::mt19937_64* rng_ = nullptr;
};

TEST_P(EncryptedArrayTest, EncodeDecodeRoundTrip) {
  const hl::SlotVector v = random();
  EXPECT_EQ(ea_->decode(ea_->encode(v)), v);
  EXPECT_EQ(ea_->size(), ctx_->hypercube().size());
  EXPECT_EQ(ea_->decrypt(*sk_, encrypt(v)), v);
}

TEST_P(EncryptedArrayTest, SlotwiseAddAndMultiply) {
  const hl::SlotVector a = random(), b = random();
  hl::Ciphertext ca = encrypt(a), cb = encrypt(b);
  hl::Ciphertext sum = ca;
  sum += cb;
  expectSlots(sum, a + b, "add");
  hl::Ciphertext prod = ca;
  prod.multiplyBy(cb, *keys_);
  expectSlots(prod, a * b, "multiply");
  hl::Ciphertext byConst = ca;
  ea_->multiply(byConst, b);
  expectSlots(byConst, a * b, "multiply by a plain vector");
  hl::Ciphertext plus = ca;
  ea_->add(plus, b);
  expectSlots(plus, a + b, "add a plain vector");
}

TEST_P(EncryptedArrayTest, EveryRotationInEveryDimension) {
  const hl::Hypercube& cube = ea_->hypercube();
  const hl::SlotVector v = random();
  const hl::Ciphertext ct = encrypt(v);
  for (size_t dim = 0; dim < cube.dimensions(); ++dim) {
    const int64_t n = static_cast<int64_t>(cube.dimensionSize(dim));
    // Every amount (and -1, and one beyond n), composed from the power-of-two keys.
    for (int64_t k = -1; k <= n; ++k) {
      hl::Ciphertext c = ct;
      ea_->rotate(c, dim, k, *keys_);
      hl::SlotVector model = v;
      model.rotate(dim, k);
      expectSlots(c, model, "rotate dim " + std::to_string(dim) + " by " + std::to_string(k));
    }
  }
}

TEST_P(EncryptedArrayTest, RotationsAndShiftsOfTheWholeOrder) {
  const hl::SlotVector v = random();
  const hl::Ciphertext ct = encrypt(v);
  const int64_t ell = static_cast<int64_t>(ea_->size());
  for (int64_t k : {int64_t{1}, int64_t{-1}, ell / 3 + 1, ell - 2}) {
    hl::Ciphertext c = ct;
    ea_->rotate(c, k, *keys_);
    hl::SlotVector model = v;
    model.rotate(k);
    expectSlots(c, model, "rotate by " + std::to_string(k));
    c = ct;
    ea_->shift(c, k, *keys_);
    model = v;
    model.shift(k);
    expectSlots(c, model, "shift by " + std::to_string(k));
  }
  for (size_t dim = 0; dim < ea_->hypercube().dimensions(); ++dim) {
    for (int64_t k : {int64_t{1}, int64_t{-1}}) {
      hl::Ciphertext c = ct;
      ea_->shift(c, dim, k, *keys_);
      hl::SlotVector model = v;
      model.shift(dim, k);
      expectSlots(c, model, "shift dim " + std::to_string(dim) + " by " + std::to_string(k));
    }
  }
}

TEST_P(EncryptedArrayTest, SumsAndReplicate) {
  const hl::SlotVector v = random();
  const hl::Ciphertext ct = encrypt(v);
  hl::Ciphertext c = ct;
  ea_->totalSums(c, *keys_);
  hl::SlotVector model = v;
  model.totalSums();
  expectSlots(c, model, "totalSums");
  // The model itself against a direct sum.
  std::vector<uint64_t> sum(ea_->valueDegree(), 0);
  for (size_t s = 0; s < v.size(); ++s) {
    for (size_t j = 0; j < sum.size(); ++j) sum[j] = (sum[j] + v[s][j]) % ctx_->t();
  }
  EXPECT_TRUE(std::equal(sum.begin(), sum.end(), model[v.size() - 1].begin()));

  const size_t s = v.size() / 2 + 1;
  c = ct;
  ea_->replicate(c, s, *keys_);
  model = v;
  model.replicate(s);
  expectSlots(c, model, "replicate");
}

// totalSums in hoisted stages of radix r (keys from totalSumsKeyExponents(r)) against the
// model; with fewer key switches than the bit-by-bit sums its noise bound is smaller.
TEST_P(EncryptedArrayTest, TotalSumsInHoistedStages) {
  const hl::SlotVector v = random();
  hl::SlotVector model = v;
  model.totalSums();
  hl::Ciphertext bits = encrypt(v);
  ea_->totalSums(bits, *keys_);  // the default keys: powers of two only
  expectSlots(bits, model, "totalSums bit by bit");
  for (size_t radix : {4, 8}) {
    hl::EvaluationKeys keys(ctx_);
    ea_->addKeys(keys, *sk_, ea_->totalSumsKeyExponents(radix));
    hl::Ciphertext c = encrypt(v);
    ea_->totalSums(c, keys);
    expectSlots(c, model, "totalSums radix " + std::to_string(radix));
    bool staged = false;  // a good dimension of a size with a divisor above 2 up to radix
    const hl::Hypercube& h = ea_->hypercube();
    for (size_t i = 0; i < h.dimensions(); ++i) {
      for (size_t r = 3; r <= radix; ++r) staged |= h.isGood(i) && h.dimensionSize(i) % r == 0;
    }
    if (staged) EXPECT_LT(c.noiseBound(), bits.noiseBound()) << radix;
  }
  EXPECT_THROW(ea_->totalSumsKeyExponents(1), std::invalid_argument);
  EXPECT_THROW(ea_->totalSumsKeyExponents(65), std::invalid_argument);
}

TEST_P(EncryptedArrayTest, RunningSums) {
  if (ea_->size() > 300) GTEST_SKIP() << "many shifts; covered by the smaller rings";
  const hl::SlotVector v = random();
  hl::Ciphertext c = encrypt(v);
  ea_->runningSums(c, *keys_);
  hl::SlotVector model = v;
  model.runningSums();
  expectSlots(c, model, "runningSums");
}

TEST_P(EncryptedArrayTest, FrobeniusInEverySlot) {
  if (ctx_->hypercube().degree() == 1) GTEST_SKIP() << "d = 1: Frobenius is the identity";
  const hl::SlotVector v = random();
  for (size_t j : {size_t{1}, size_t{3}}) {
    hl::Ciphertext c = encrypt(v);
    ea_->frobenius(c, j, *keys_);
    hl::SlotVector model = v;
    model.frobenius(j);
    expectSlots(c, model, "frobenius " + std::to_string(j));
  }
}

TEST_P(EncryptedArrayTest, RandomLinearMaps) {
  if (ctx_->r() != 1) GTEST_SKIP() << "GF(p)-linear maps need r = 1";
  const size_t k = ea_->valueDegree();
  for (int trial = 0; trial < 2; ++trial) {
    std::vector<uint64_t> M(k * k);
    for (auto& x : M) x = (*rng_)() % ctx_->p();
    const hl::SlotLinearMap map(*ea_, M);
    const hl::SlotVector v = random();
    hl::Ciphertext c = encrypt(v);
    ea_->apply(c, map, *keys_);
    hl::SlotVector model = v;
    model.apply(map);
    expectSlots(c, model, "linear map");
    // With only the default keys (one Frobenius key), term by term with composed keys.
    hl::EvaluationKeys partial(ctx_);
    for (uint64_t e : ea_->defaultKeyExponents()) partial.add(keys_->automorphism(e));
    c = encrypt(v);
    ea_->apply(c, map, partial);
    expectSlots(c, model, "linear map, composed Frobenius keys");
    // With the keys of the baby-step giant-step form only (b - 1 baby and ceil(k / b) - 1
    // giant Frobenius keys), the same values, and a bound that holds the measured noise.
    const std::vector<uint64_t> bsgs = map.keyExponents();
    const size_t b = map.babySteps();
    EXPECT_EQ(bsgs.size(), (b - 1) + ((k + b - 1) / b - 1)) << "k = " << k << ", b = " << b;
    if (k == 8) EXPECT_EQ(b, 4u);
    hl::EvaluationKeys giantKeys(ctx_);
    bool allThere = true;
    for (uint64_t e : bsgs) {
      if (keys_->hasAutomorphism(e)) {
        giantKeys.add(keys_->automorphism(e));
      } else {
        allThere = false;
      }
    }
    if (allThere && k > 2) {
      c = encrypt(v);
      ea_->apply(c, map, giantKeys);
      expectSlots(c, model, "linear map, baby-step giant-step");
      EXPECT_LE(sk_->measureNoise(c), c.noiseBound());
    }
    // The linearized form sum_j gamma_j x^(p^j) equals the matrix, in the plain model too.
    hl::SlotVector viaGamma = ea_->zeros();
    for (size_t j = 0; j < k; ++j) {
      hl::SlotVector term = v;
      term.frobenius(j);
      term *= ea_->constant(map.coefficients()[j]);
      viaGamma += term;
    }
    EXPECT_EQ(viaGamma, model);
  }
}

TEST_P(EncryptedArrayTest, RandomPermutation) {
  const hl::Hypercube& cube = ea_->hypercube();
  for (size_t i = 0; i < cube.dimensions(); ++i) {
    if (cube.dimensionSize(i) > 64 && ea_->size() > 256)
      GTEST_SKIP() << "a 128-long bad dimension in 1024 slots: too many rotations";
  }
  std::vector<size_t> perm(ea_->size());
  std::iota(perm.begin(), perm.end(), 0);
  std::shuffle(perm.begin(), perm.end(), *rng_);
  const hl::SlotVector v = random();
  hl::SlotVector model = v;
  model.permute(perm);
  for (size_t s = 0; s < v.size(); ++s) {
    ASSERT_TRUE(std::equal(model[s].begin(), model[s].end(), v[perm[s]].begin()));
  }
  // With the default keys: every masked rotation composed from them.
  hl::Ciphertext c = encrypt(v);
  ea_->permute(c, perm, *keys_);
  expectSlots(c, model, "permute");
  // With a key for every rotation the network uses: one hoisted sum per phase.
  const hl::SlotPermutation plan(*ea_, perm);
  EXPECT_LE(plan.phases(), 2 * cube.dimensions() - 1);
  if (plan.keyExponents().size() <= 40) {
    hl::EvaluationKeys all(ctx_);
    ea_->addKeys(all, *sk_, plan.keyExponents());
    c = encrypt(v);
    ea_->permute(c, plan, all);
    expectSlots(c, model, "permute, hoisted phases");
  }
  // A permutation along one dimension is a single phase.
  std::vector<size_t> along(ea_->size());
  for (size_t s = 0; s < along.size(); ++s) {
    const size_t e = cube.coordinate(s, 0), n = cube.dimensionSize(0);
    along[s] = s - e * cube.stride(0) + ((3 * e + 1) % n) * cube.stride(0);
  }
  if (std::gcd<size_t, size_t>(3, cube.dimensionSize(0)) == 1) {
    const hl::SlotPermutation one(*ea_, along);
    EXPECT_EQ(one.phases(), 1u);
    c = encrypt(v);
    ea_->permute(c, one, *keys_);
    model = v;
    model.permute(along);
    expectSlots(c, model, "permute along dimension 0");
  }
}

TEST_P(EncryptedArrayTest, RotationSumsAlongEachDimension) {
  const hl::Hypercube& cube = ea_->hypercube();
  const hl::SlotVector v = random();
  for (size_t dim = 0; dim < cube.dimensions(); ++dim) {
    const int64_t n = static_cast<int64_t>(cube.dimensionSize(dim));
    std::vector<std::pair<int64_t, hl::SlotVector>> terms;
    for (int64_t k : {int64_t{0}, int64_t{1}, n - 1, int64_t{2}, int64_t{1}})
      terms.emplace_back(k, random());
    const hl::SlotRotationSum map(*ea_, dim, terms);
    // The plain model against the definition.
    hl::SlotVector expect = ea_->zeros();
    for (const auto& [k, c] : terms) {
      hl::SlotVector r = v;
      r.rotate(dim, k);
      expect += r * c;
    }
    const hl::SlotVector model = map.apply(v);
    ASSERT_EQ(model, expect);
    hl::Ciphertext c = encrypt(v);
    ea_->apply(c, map, *keys_);
    expectSlots(c, model, "rotation sum, dim " + std::to_string(dim));
    hl::EvaluationKeys all(ctx_);
    ea_->addKeys(all, *sk_, map.keyExponents());
    c = encrypt(v);
    ea_->apply(c, map, all);
    expectSlots(c, model, "rotation sum, hoisted, dim " + std::to_string(dim));
  }
}

// The baby-step giant-step form of a rotation sum along a good dimension: every rotation
// amount with a random constant, b = 2, 3 and 5 baby steps, evaluated with exactly the keys
// it names (b - 1 babies and the giant step b, whose powers the other giants are), equals the
// plain model; a bad dimension and
// too many baby steps are refused.
TEST_P(EncryptedArrayTest, RotationSumBabyStepGiantStep) {
  const hl::Hypercube& cube = ea_->hypercube();
  size_t dim = cube.dimensions();
  for (size_t i = 0; i < cube.dimensions(); ++i) {
    if (cube.isGood(i) && cube.dimensionSize(i) >= 6 && cube.dimensionSize(i) <= 16) {
      dim = i;
      break;
    }
  }
  if (dim == cube.dimensions()) GTEST_SKIP() << "no good dimension of 6 to 16 slots";
  const auto n = static_cast<int64_t>(cube.dimensionSize(dim));
  const hl::SlotVector v = random();
  std::vector<std::pair<int64_t, hl::SlotVector>> terms;
  for (int64_t k = 0; k < n; ++k) {
    if (k == 3) continue;  // one amount missing
    terms.emplace_back(k, random());
  }
  for (size_t b : {2, 3, 5}) {
    const hl::SlotRotationSum map(*ea_, dim, terms, b);
    EXPECT_EQ(map.babySteps(), b);
    const hl::SlotVector model = map.apply(v);
    const std::vector<uint64_t> keys = map.keyExponents();
    // Babies 1..b-1 and the giant step b alone: the giants b, 2b, ... below n are its powers,
    // applied by Horner's rule.
    std::set<uint64_t> want;
    for (size_t i = 1; i < b; ++i)
      want.insert(ea_->rotationExponents(dim, static_cast<int64_t>(i))[0]);
    want.insert(ea_->rotationExponents(dim, static_cast<int64_t>(b))[0]);
    EXPECT_EQ(std::set<uint64_t>(keys.begin(), keys.end()), want) << "b = " << b;
    hl::EvaluationKeys only(ctx_);
    ea_->addKeys(only, *sk_, keys);
    hl::Ciphertext c = encrypt(v);
    ea_->apply(c, map, only);
    expectSlots(c, model, "rotation sum, baby-step giant-step, b = " + std::to_string(b));
  }
  EXPECT_THROW(hl::SlotRotationSum(*ea_, dim, terms, static_cast<size_t>(n) + 1),
               std::invalid_argument);
  for (size_t i = 0; i < cube.dimensions(); ++i) {
    if (!cube.isGood(i)) {
      EXPECT_THROW(hl::SlotRotationSum(*ea_, i, terms, 2), std::invalid_argument);
    }
  }
}

TEST_P(EncryptedArrayTest, MissingKeysFailNamingTheAutomorphism) {
  hl::EvaluationKeys none(ctx_);
  hl::Ciphertext c = encrypt(random());
  const auto exps = ea_->rotationExponents(0, 1);
  try {
    ea_->rotate(c, 0, 1, none);
    FAIL() << "rotation without keys";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("X^" + std::to_string(exps.back())), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(ea_->rotate(c, 99, 1, *keys_), std::out_of_range);
  std::vector<size_t> notPerm(ea_->size(), 0);
  EXPECT_THROW(ea_->permute(c, notPerm, *keys_), std::invalid_argument);
}

TEST_P(EncryptedArrayTest, ExhaustedCapacityLeavesTheCiphertextUnchanged) {
  // Down to the lowest level, then multi-step operations until one runs out of capacity: it
  // must throw hl::CapacityError and leave the ciphertext exactly as it was.
  hl::Ciphertext c = encrypt(random());
  c.modSwitchTo(1);
  const int64_t k = static_cast<int64_t>(ea_->size()) / 3 + 1;
  bool threw = false;
  for (int i = 0; i < 200 && !threw; ++i) {
    const hl::Ciphertext before = c;
    try {
      if (i % 2 == 0) {
        ea_->rotate(c, k, *keys_);
      } else {
        ea_->totalSums(c, *keys_);
      }
    } catch (const hl::CapacityError&) {
      threw = true;
      ASSERT_EQ(c.level(), before.level());
      EXPECT_EQ(c.noiseBound(), before.noiseBound());
      for (size_t j = 0; j < c.size(); ++j) EXPECT_TRUE(c.part(j) == before.part(j)) << j;
    }
  }
  EXPECT_TRUE(threw) << "capacity never ran out";
}

INSTANTIATE_TEST_SUITE_P(
    Rings, EncryptedArrayTest,
    testing::Values(
        Case{"m4369_p2_integers", 4369, 2, 1, 300, {}, Case::kIntegers},
        Case{"m4369_p2_gf256", 4369, 2, 1, 300, {}, Case::kAesField},
        Case{"m819_p257_r2_integers", 819, 257, 2, 400, {}, Case::kIntegers},
        Case{"m819_p257_r2_native", 819, 257, 2, 400, {}, Case::kNative},
        Case{"m256_p257_full", 256, 257, 1, 300, {}, Case::kIntegers},
        Case{"m21845_p2_integers", 21845, 2, 1, 300, {}, Case::kIntegers},
        Case{"m53261_p2_gf256", 53261, 2, 1, 300, {43863, 28680, 15913}, Case::kAesField}),
    [](const testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

// The GF(2^8) representation against NTL's GF2E with the AES polynomial.
TEST(SlotVectorModel, Gf256ArithmeticMatchesNtl) {
  auto ctx = hl::Context::create(
      {.m = 4369, .p = 2, .ciphertextBits = 100, .digits = 1, .allowInsecure = true});
  const hl::EncryptedArray ea(ctx, kAesPolynomial);
  NTL::GF2X aes;
  for (size_t i = 0; i < kAesPolynomial.size(); ++i)
    NTL::SetCoeff(aes, static_cast<long>(i), static_cast<long>(kAesPolynomial[i]));
  NTL::GF2EPush push(aes);
  std::mt19937_64 rng(5);
  const hl::SlotVector a = ea.random(rng), b = ea.random(rng);
  const hl::SlotVector prod = a * b;
  hl::SlotVector frob = a;
  frob.frobenius(1);
  auto toE = [](std::span<const uint64_t> v) {
    NTL::GF2X x;
    for (size_t i = 0; i < v.size(); ++i)
      NTL::SetCoeff(x, static_cast<long>(i), static_cast<long>(v[i]));
    return NTL::conv<NTL::GF2E>(x);
  };
  for (size_t s = 0; s < a.size(); ++s) {
    EXPECT_EQ(toE(prod[s]), toE(a[s]) * toE(b[s])) << s;
    EXPECT_EQ(toE(frob[s]), NTL::sqr(toE(a[s]))) << s;
  }
  // Values outside GF(2^8) in a slot of GF(2^16) cannot be decoded in this representation.
  const hl::EncryptedArray full = hl::EncryptedArray::native(ctx);
  hl::SlotVector y = full.zeros();
  y[3][0] = 0;
  y[3][1] = 1;  // Y generates GF(2^16), not in the subfield
  EXPECT_THROW(ea.decode(full.encode(y)), std::domain_error);
}

TEST(EncryptedArrayErrors, BadFieldPolynomials) {
  auto ctx = hl::Context::create(
      {.m = 4369, .p = 2, .ciphertextBits = 100, .digits = 1, .allowInsecure = true});
  EXPECT_THROW(hl::EncryptedArray(ctx, {1, 1, 1, 1}), std::invalid_argument);  // degree 3 !| 16
  EXPECT_THROW(hl::EncryptedArray(ctx, {1, 0, 1}), std::invalid_argument);     // Z^2+1 reducible
  EXPECT_THROW(hl::EncryptedArray(ctx, {1, 1, 2}), std::invalid_argument);     // not monic
  EXPECT_THROW(hl::EncryptedArray(std::shared_ptr<const hl::Context>()), std::invalid_argument);
  auto ctx2 = hl::Context::create(
      {.m = 819, .p = 257, .r = 2, .ciphertextBits = 200, .digits = 1, .allowInsecure = true});
  EXPECT_THROW(hl::EncryptedArray(ctx2, {3, 0, 1}), std::invalid_argument);  // r > 1
}

}  // namespace
