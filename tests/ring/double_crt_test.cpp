#include "helib-like/ring/double_crt.h"

#include <NTL/ZZ.h>
#include <NTL/ZZX.h>
#include <NTL/lzz_pX.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "helib-like/detail/ntl_interop.h"
#include "helib-like/math/cyclotomic_dft.h"
#include "helib-like/math/powerful_dft.h"
#include "helib-like/math/primes.h"
#include "helib-like/math/sampler.h"
#include "helib-like/ring/powerful_basis.h"

namespace {

using hl::DoubleCRT;
using hl::IndexSet;

NTL::ZZX phiZZX(const hl::Cyclotomic& ring) {
  NTL::ZZX f;
  const auto& c = ring.phiPolynomial();
  for (size_t i = 0; i < c.size(); ++i) NTL::SetCoeff(f, static_cast<long>(i), c[i]);
  return f;
}

NTL::ZZX toZZX(const std::vector<int64_t>& c) {
  NTL::ZZX f;
  for (size_t i = 0; i < c.size(); ++i) NTL::SetCoeff(f, static_cast<long>(i), c[i]);
  return f;
}

std::vector<int64_t> randomSmall(size_t n, int bits, std::mt19937_64& rng) {
  std::vector<int64_t> v(n);
  const int64_t bound = int64_t{1} << bits;
  for (auto& x : v) x = static_cast<int64_t>(rng() % (2 * bound + 1)) - bound;
  return v;
}

// Independent model per prime: f mod (Phi_m, q_i) with NTL's zz_pX, for every prime of `primes`.
std::vector<std::vector<uint64_t>> residuesOf(const hl::ModulusChain& chain, const IndexSet& primes,
                                              const NTL::ZZX& f) {
  std::vector<std::vector<uint64_t>> out;
  const NTL::ZZX phi = phiZZX(chain.ring());
  for (size_t i : primes) {
    NTL::zz_pPush push(static_cast<long>(chain.modulus(i).value()));
    NTL::zz_pX fq = NTL::conv<NTL::zz_pX>(f), phiq = NTL::conv<NTL::zz_pX>(phi);
    NTL::zz_pX r = fq % phiq;
    std::vector<uint64_t> v(chain.ring().phi(), 0);
    for (size_t j = 0; j < v.size(); ++j) v[j] = NTL::rep(NTL::coeff(r, static_cast<long>(j)));
    out.push_back(std::move(v));
  }
  return out;
}

// Primes of about `bits` bits that are 1 mod PowerfulDft::divisor(m) but not 1 mod
// cyclotomicDftDivisor(m): they have only the powerful transform.
std::vector<uint64_t> powerfulOnlyPrimes(uint64_t m, int bits, size_t count) {
  const uint64_t d = hl::PowerfulDft::divisor(m), b = hl::cyclotomicDftDivisor(m);
  std::vector<uint64_t> out;
  for (uint64_t k = ((uint64_t{1} << bits) - 2) / d; k > 0 && out.size() < count; --k) {
    const uint64_t q = k * d + 1;
    if ((q - 1) % b != 0 && NTL::ProbPrime(NTL::conv<NTL::ZZ>(q))) out.push_back(q);
  }
  return out;
}

// Chains are expensive for large m; build each once. `mixed`: the second ciphertext prime and
// the first special prime have only the powerful transform (the small primes of the AES
// presets), so every conversion to and from power-basis coefficients goes both ways.
std::shared_ptr<const hl::ModulusChain> chainFor(uint64_t m, bool mixed = false) {
  static std::map<std::pair<uint64_t, bool>, std::shared_ptr<const hl::ModulusChain>> cache;
  auto& c = cache[{m, mixed}];
  if (c) return c;
  auto ring = std::make_shared<hl::Cyclotomic>(m);
  if (!mixed) {
    c = hl::ModulusChain::generate(ring, 3, 50, 2, 49);
  } else {
    const auto big = hl::generatePrimes(50, 3, hl::cyclotomicDftDivisor(m));
    const auto small = powerfulOnlyPrimes(m, 30, 2);
    c = std::make_shared<const hl::ModulusChain>(ring,
                                                 std::vector<uint64_t>{big[0], small[0], big[1]},
                                                 std::vector<uint64_t>{small[1], big[2]});
    EXPECT_TRUE(c->hasDft(0));
    EXPECT_FALSE(c->hasDft(1));
    EXPECT_FALSE(c->hasDft(3));
    EXPECT_THROW(c->dft(1), std::logic_error);
  }
  return c;
}

// (m, mixed chain)
class DoubleCrtRing : public ::testing::TestWithParam<std::pair<uint64_t, bool>> {};

TEST_P(DoubleCrtRing, MultiplyMatchesNtlModPhi) {
  const uint64_t m = GetParam().first;
  auto chain = chainFor(m, GetParam().second);
  const size_t n = chain->ring().phi();
  std::mt19937_64 rng(m + 1);
  auto a = randomSmall(n, 20, rng), b = randomSmall(n, 20, rng);
  const IndexSet primes = chain->ciphertextPrimes();
  DoubleCRT da = DoubleCRT::fromCoefficients(chain, primes, a);
  DoubleCRT db = DoubleCRT::fromCoefficients(chain, primes, b);
  const NTL::ZZX pa = toZZX(a), pb = toZZX(b);
  // Independent model: NTL's product reduced mod Phi_m and mod each prime.
  EXPECT_EQ((da * db).toResidues(), residuesOf(*chain, primes, pa * pb));
  if (m <= 8191) {  // and the exact integer product (coefficients < 2^57 << Q/2)
    EXPECT_EQ(toZZX((da * db).toCoefficients()), (pa * pb) % phiZZX(chain->ring()));
  }
  const NTL::ZZX sum = pa + pb, diff = pa - pb;
  EXPECT_EQ(toZZX((da + db).toCoefficients()), sum);
  EXPECT_EQ(toZZX((da - db).toCoefficients()), diff);
  DoubleCRT neg = da;
  EXPECT_EQ(toZZX(neg.negate().toCoefficients()), -pa);
  DoubleCRT scaled = da;
  EXPECT_EQ(toZZX(scaled.mulScalar(-12345).toCoefficients()), pa * NTL::ZZ(-12345));
  // Round trip.
  EXPECT_EQ(da.toCoefficients(), a);
}

// Bluestein's transform of a prime that has one: in a powerful-basis chain it is built on first
// use, from two threads at once, and gives the evaluation form the chain's own conversions give
// (the same zeta); in a power-basis chain it is the chain's transform.
TEST_P(DoubleCrtRing, BluesteinTransformAgreesWithTheChain) {
  const uint64_t m = GetParam().first;
  auto chain = chainFor(m, GetParam().second);
  const size_t n = chain->ring().phi();
  ASSERT_TRUE(chain->hasDft(0));
  const hl::Modulus& q = chain->modulus(0);
  std::mt19937_64 rng(m + 7);
  std::vector<uint64_t> a(n), viaChain(n), viaDft(n), back(n);
  for (auto& x : a) x = rng() % q.value();
  chain->fromPowerCoefficients(0, a.data(), viaChain.data());
  const hl::CyclotomicDft* seen[2] = {nullptr, nullptr};
  std::thread other([&] { seen[1] = &chain->dft(0); });
  seen[0] = &chain->dft(0);
  other.join();
  EXPECT_EQ(seen[0], seen[1]);
  seen[0]->forward(a.data(), viaDft.data());
  EXPECT_EQ(viaDft, viaChain);
  seen[0]->inverse(viaChain.data(), back.data());
  EXPECT_EQ(back, a);
  chain->toPowerCoefficients(0, viaChain.data(), back.data());
  EXPECT_EQ(back, a);
}

// Coefficients at and beyond the primes' size whose powerful coefficients still fit in 64 bits
// (the conversion's second reduction path), and exactly +-q and +-(q - 1) for the smallest
// prime: the residues equal NTL's.
TEST_P(DoubleCrtRing, CoefficientsAboveThePrimesMatchNtl) {
  const uint64_t m = GetParam().first;
  auto chain = chainFor(m, GetParam().second);
  const size_t n = chain->ring().phi();
  std::mt19937_64 rng(m + 11);
  auto a = randomSmall(n, 56, rng);
  uint64_t minQ = ~uint64_t{0};
  for (size_t i : chain->allPrimes()) minQ = std::min(minQ, chain->modulus(i).value());
  const auto q = static_cast<int64_t>(minQ);
  const int64_t edge[] = {q, -q, q - 1, -(q - 1), q + 1, -(q + 1)};
  for (size_t j = 0; j < 6 && j < n; ++j) a[j * (n / 6)] = edge[j];
  DoubleCRT da = DoubleCRT::fromCoefficients(chain, chain->allPrimes(), a);
  EXPECT_EQ(da.toResidues(), residuesOf(*chain, chain->allPrimes(), toZZX(a)));
  // And all small (|x| < q) with the extremes q - 1 and -(q - 1) only.
  for (auto& x : a) x = (x % q);
  a[0] = q - 1;
  a[n - 1] = -(q - 1);
  DoubleCRT ds = DoubleCRT::fromCoefficients(chain, chain->allPrimes(), a);
  EXPECT_EQ(ds.toResidues(), residuesOf(*chain, chain->allPrimes(), toZZX(a)));
}

TEST_P(DoubleCrtRing, AutomorphismCommutesWithConversion) {
  const uint64_t m = GetParam().first;
  auto chain = chainFor(m, GetParam().second);
  const auto& ring = chain->ring();
  const size_t n = ring.phi();
  std::mt19937_64 rng(m + 2);
  auto a = randomSmall(n, 30, rng);
  for (uint64_t k : {ring.units()[1], ring.units()[ring.units().size() / 3], m - 1}) {
    // a(X^k) mod Phi_m: X^(jk) = X^(jk mod m) since Phi_m divides X^m - 1.
    NTL::ZZX image;
    for (size_t j = 0; j < n; ++j) {
      const long e = static_cast<long>((j * k) % m);
      NTL::SetCoeff(image, e, NTL::coeff(image, e) + a[j]);
    }
    DoubleCRT da = DoubleCRT::fromCoefficients(chain, chain->allPrimes(), a);
    da.automorph(k);
    EXPECT_EQ(da.toResidues(), residuesOf(*chain, chain->allPrimes(), image))
        << "m=" << m << " k=" << k;
  }
}

TEST_P(DoubleCrtRing, CrtOfLargeCoefficientsAndAddPrimesMatchNtl) {
  const uint64_t m = GetParam().first;
  auto chain = chainFor(m, GetParam().second);
  const size_t n = chain->ring().phi();
  const IndexSet some = {0, 2, 3};
  // Random residues: coefficients spread over all of (-Q/2, Q/2], about 150 bits.
  std::mt19937_64 rng(m + 3);
  std::vector<std::vector<uint64_t>> residues;
  for (size_t i : some) {
    std::vector<uint64_t> r(n);
    for (auto& x : r) x = rng() % chain->modulus(i).value();
    residues.push_back(r);
  }
  DoubleCRT a = DoubleCRT::fromResidues(chain, some, residues);
  EXPECT_EQ(a.toResidues(), residues);
  // Model: NTL's CRT, centred.
  NTL::ZZ Q(1);
  for (size_t i : some) Q *= NTL::conv<NTL::ZZ>(chain->modulus(i).value());
  NTL::ZZX big = hl::detail::toZZX(a);
  for (size_t j = 0; j < n; j += 97) {
    NTL::ZZ x = NTL::coeff(big, static_cast<long>(j));
    ASSERT_LE(2 * NTL::abs(x), Q);
    for (size_t k = 0; k < some.size(); ++k) {
      const NTL::ZZ q = NTL::conv<NTL::ZZ>(chain->modulus(some[k]).value());
      ASSERT_EQ(NTL::conv<unsigned long>(x % q), residues[k][j]);
    }
  }
  EXPECT_THROW(a.toCoefficients(), std::overflow_error);
  // Extending to primes 1 and 4 reduces the centred representative mod them.
  DoubleCRT b = a;
  b.addPrimes(IndexSet{1, 4});
  EXPECT_EQ(b.primes(), (IndexSet{0, 1, 2, 3, 4}));
  EXPECT_EQ(hl::detail::toZZX(b), big);
  auto bres = b.toResidues();
  for (size_t j = 0; j < n; j += 31) {
    const NTL::ZZ x = NTL::coeff(big, static_cast<long>(j));
    for (size_t i : {1, 4}) {
      const NTL::ZZ q = NTL::conv<NTL::ZZ>(chain->modulus(i).value());
      ASSERT_EQ(NTL::conv<unsigned long>(x % q), bres[b.primes().position(i)][j]);
    }
  }
  // Dropping the added primes gives back the original element.
  b.dropPrimes(IndexSet{1, 4});
  EXPECT_EQ(b, a);
  // fromZZX inverts toZZX.
  EXPECT_EQ(hl::detail::fromZZX(chain, some, big), a);
}

// toCoefficientsMod: the centred representative mod t, also at the edges of (-Q/2, Q/2];
// toSmallCoefficientsMod (decryption's last step) up to the edges of its domain.
TEST_P(DoubleCrtRing, CoefficientsModTMatchNtl) {
  const uint64_t m = GetParam().first;
  auto chain = chainFor(m, GetParam().second);
  const size_t n = chain->ring().phi();
  const IndexSet some = {0, 2, 3, 4};
  NTL::ZZ Q(1);
  for (size_t i : some) Q *= NTL::conv<NTL::ZZ>(chain->modulus(i).value());
  std::mt19937_64 rng(m + 11);
  std::vector<NTL::ZZ> x(n);
  for (auto& v : x) v = NTL::RandomBnd(Q) - Q / 2;
  const NTL::ZZ half = (Q - 1) / 2;  // Q is odd
  const NTL::ZZ edges[] = {half, -half, half - 1, -half + 1, NTL::ZZ(0), NTL::ZZ(-1), NTL::ZZ(1)};
  for (size_t k = 0; k < std::size(edges); ++k) x[k] = edges[k];
  std::vector<std::vector<uint64_t>> residues;
  for (size_t i : some) {
    const NTL::ZZ q = NTL::conv<NTL::ZZ>(chain->modulus(i).value());
    std::vector<uint64_t> r(n);
    for (size_t j = 0; j < n; ++j) r[j] = NTL::conv<unsigned long>(x[j] % q);
    residues.push_back(r);
  }
  const DoubleCRT a = DoubleCRT::fromResidues(chain, some, residues);
  // The fast lift's domain: |x| < Q/2 - Q 2^-40; its edges here are Q/2 - Q 2^-39.
  std::vector<NTL::ZZ> y = x;
  const NTL::ZZ inner = half - (Q >> 39);
  const NTL::ZZ innerEdges[] = {inner, -inner, inner - 1, -inner + 1};
  for (size_t k = 0; k < std::size(edges); ++k) y[k] = NTL::ZZ(0);
  for (size_t k = 0; k < std::size(innerEdges); ++k) y[k] = innerEdges[k];
  for (size_t j = std::size(edges); j < n; ++j) y[j] = x[j] % (2 * inner + 1) - inner;
  std::vector<std::vector<uint64_t>> yResidues;
  for (size_t i : some) {
    const NTL::ZZ q = NTL::conv<NTL::ZZ>(chain->modulus(i).value());
    std::vector<uint64_t> r(n);
    for (size_t j = 0; j < n; ++j) r[j] = NTL::conv<unsigned long>(y[j] % q);
    yResidues.push_back(r);
  }
  const DoubleCRT b = DoubleCRT::fromResidues(chain, some, yResidues);
  for (uint64_t t : {uint64_t{2}, uint64_t{257}, uint64_t{786433}, (uint64_t{1} << 61) - 1}) {
    const NTL::ZZ T = NTL::conv<NTL::ZZ>(t);
    const std::vector<uint64_t> got = a.toCoefficientsMod(hl::Modulus(t));
    const std::vector<uint64_t> fast = b.toSmallCoefficientsMod(hl::Modulus(t));
    ASSERT_EQ(got.size(), n);
    ASSERT_EQ(fast.size(), n);
    size_t wrong = 0, wrongFast = 0;
    for (size_t j = 0; j < n; ++j) {
      wrong += got[j] != NTL::conv<unsigned long>(x[j] % T);
      wrongFast += fast[j] != NTL::conv<unsigned long>(y[j] % T);
    }
    EXPECT_EQ(wrong, 0u) << "t = " << t;
    EXPECT_EQ(wrongFast, 0u) << "t = " << t;
  }
}

// The chain's working coefficient form (key and modulus switching run in it) is the powerful
// basis wherever PowerfulDft serves m, checked against the integer basis change, and it inverts.
TEST_P(DoubleCrtRing, WorkingCoefficientsAreTheChainsBasisAndInvert) {
  const uint64_t m = GetParam().first;
  auto chain = chainFor(m, GetParam().second);
  const size_t n = chain->ring().phi();
  // Powerful for products of several primes; power for prime powers (m = 2048, 8191), where
  // the two bases coincide or Bluestein is faster.
  const bool powerful = m == 4369 || m == 21845 || m == 53261;
  EXPECT_EQ(chain->workingBasis(),
            powerful ? hl::ModulusChain::Basis::kPowerful : hl::ModulusChain::Basis::kPower);
  std::mt19937_64 rng(m + 7);
  const std::vector<int64_t> f = randomSmall(n, 20, rng);
  const std::vector<int64_t> expected =
      powerful ? hl::powerToPowerful(m, std::span<const int64_t>(f)) : f;
  const IndexSet primes = chain->allPrimes();
  DoubleCRT x = DoubleCRT::fromCoefficients(chain, primes, f);
  std::vector<uint64_t> coeffs(n), back(n);
  for (size_t i : primes) {
    const uint64_t q = chain->modulus(i).value();
    chain->toWorkingCoefficients(i, x.values(i).data(), coeffs.data());
    size_t wrong = 0;
    for (size_t j = 0; j < n; ++j) {
      const uint64_t want =
          static_cast<uint64_t>((expected[j] % static_cast<int64_t>(q) + static_cast<int64_t>(q)) %
                                static_cast<int64_t>(q));
      wrong += coeffs[j] != want;
    }
    EXPECT_EQ(wrong, 0u) << "prime " << i;
    chain->fromWorkingCoefficients(i, coeffs.data(), back.data());
    EXPECT_TRUE(std::equal(back.begin(), back.end(), x.values(i).begin())) << "prime " << i;
  }
}

// toSmallWorkingCoefficientsMod: the working-basis coefficients of the representative centred
// in that basis, mod t, exact out to Q/2 - Q 2^-39 (the element is built from its working
// coefficients); and for an element small in both bases, powerfulToPowerMod of it is
// toSmallCoefficientsMod (the two decryption paths agree), checked against the integers.
TEST_P(DoubleCrtRing, SmallWorkingCoefficientsModTMatchTheIntegers) {
  const uint64_t m = GetParam().first;
  auto chain = chainFor(m, GetParam().second);
  const size_t n = chain->ring().phi();
  const bool powerful = chain->workingBasis() == hl::ModulusChain::Basis::kPowerful;
  const IndexSet some = {0, 2, 3, 4};
  NTL::ZZ Q(1);
  for (size_t i : some) Q *= NTL::conv<NTL::ZZ>(chain->modulus(i).value());
  const NTL::ZZ inner = (Q - 1) / 2 - (Q >> 39);
  std::vector<NTL::ZZ> y(n);
  for (auto& v : y) v = NTL::RandomBnd(2 * inner + 1) - inner;
  const NTL::ZZ edges[] = {inner,      -inner,     inner - 1,  -inner + 1,
                           NTL::ZZ(0), NTL::ZZ(1), NTL::ZZ(-1)};
  for (size_t k = 0; k < std::size(edges); ++k) y[(k * 7919) % n] = edges[k];
  DoubleCRT b(chain, some);
  std::vector<uint64_t> r(n);
  for (size_t i : some) {
    const NTL::ZZ q = NTL::conv<NTL::ZZ>(chain->modulus(i).value());
    for (size_t j = 0; j < n; ++j) r[j] = NTL::conv<unsigned long>(y[j] % q);
    chain->fromWorkingCoefficients(i, r.data(), b.values(i).data());
  }
  std::mt19937_64 rng(m + 13);
  const std::vector<int64_t> f = randomSmall(n, 40, rng);
  const DoubleCRT x = DoubleCRT::fromCoefficients(chain, some, f);
  for (uint64_t t :
       {uint64_t{2}, uint64_t{257 * 257}, uint64_t{1099511627689}, (uint64_t{1} << 61) - 1}) {
    const hl::Modulus T(t);
    const NTL::ZZ TZ = NTL::conv<NTL::ZZ>(t);
    const std::vector<uint64_t> got = b.toSmallWorkingCoefficientsMod(T);
    ASSERT_EQ(got.size(), n);
    size_t wrong = 0;
    for (size_t j = 0; j < n; ++j) wrong += got[j] != NTL::conv<unsigned long>(y[j] % TZ);
    EXPECT_EQ(wrong, 0u) << "t = " << t;

    const std::vector<uint64_t> working = x.toSmallWorkingCoefficientsMod(T);
    const std::vector<uint64_t> power = powerful ? hl::powerfulToPowerMod(m, T, working) : working;
    const std::vector<uint64_t> reference = x.toSmallCoefficientsMod(T);
    EXPECT_EQ(power, reference) << "t = " << t;
    wrong = 0;
    for (size_t j = 0; j < n; ++j) wrong += power[j] != T.reduceSigned(f[j]);
    EXPECT_EQ(wrong, 0u) << "t = " << t;
  }
}

INSTANTIATE_TEST_SUITE_P(Rings, DoubleCrtRing,
                         ::testing::Values(std::pair<uint64_t, bool>{2048, false},
                                           std::pair<uint64_t, bool>{4369, false},
                                           std::pair<uint64_t, bool>{8191, false},
                                           std::pair<uint64_t, bool>{21845, false},
                                           std::pair<uint64_t, bool>{53261, false},
                                           std::pair<uint64_t, bool>{4369, true},
                                           std::pair<uint64_t, bool>{53261, true}),
                         [](const auto& info) {
                           return "m" + std::to_string(info.param.first) +
                                  (info.param.second ? "_mixed" : "");
                         });

TEST(DoubleCrt, Int64EdgeCoefficientsRoundTrip) {
  auto chain = chainFor(4369);
  const size_t n = chain->ring().phi();
  std::vector<int64_t> a(n, 0);
  a[0] = INT64_MAX;
  a[1] = INT64_MIN;
  a[2] = -1;
  a[3] = 1;
  a[n - 1] = INT64_MIN + 1;
  // These coefficients have no powerful-basis form in 64 bits, so fromCoefficients takes the
  // Bluestein path here (small ones take the powerful-basis path, checked against NTL above).
  EXPECT_THROW(hl::powerToPowerful(4369, a), std::overflow_error);
  DoubleCRT da = DoubleCRT::fromCoefficients(chain, chain->ciphertextPrimes(), a);
  EXPECT_EQ(da.toCoefficients(), a);
  // Twice INT64_MAX does not fit any more.
  DoubleCRT twice = da;
  twice.mulScalar(2);
  EXPECT_THROW(twice.toCoefficients(), std::overflow_error);
  // With only one prime (50 bits), coefficients are centred mod q.
  DoubleCRT one = DoubleCRT::fromCoefficients(chain, IndexSet{0}, std::vector<int64_t>{-5, 7});
  auto c = one.toCoefficients();
  EXPECT_EQ(c[0], -5);
  EXPECT_EQ(c[1], 7);
}

TEST(DoubleCrt, RejectsBadInput) {
  EXPECT_THROW(hl::Cyclotomic(1), std::invalid_argument);
  EXPECT_THROW(hl::Cyclotomic(0), std::invalid_argument);
  auto chain = chainFor(4369);
  auto other = hl::ModulusChain::generate(std::make_shared<hl::Cyclotomic>(4369), 3, 50, 2, 49);
  const size_t n = chain->ring().phi();
  EXPECT_THROW(DoubleCRT(chain, IndexSet{0, 9}), std::out_of_range);
  EXPECT_THROW(DoubleCRT(chain, IndexSet{}), std::invalid_argument);
  EXPECT_THROW(DoubleCRT(nullptr, IndexSet{0}), std::invalid_argument);
  DoubleCRT a(chain, IndexSet{0, 1}), b(chain, IndexSet{0, 2}), c(other, IndexSet{0, 1});
  EXPECT_THROW(a += b, std::invalid_argument);
  EXPECT_THROW(a *= c, std::invalid_argument);
  EXPECT_THROW(a -= c, std::invalid_argument);
  EXPECT_THROW(a.values(2), std::out_of_range);
  EXPECT_THROW(a.automorph(17), std::invalid_argument);  // 17 divides 4369
  EXPECT_THROW(a.dropPrimes(IndexSet{2}), std::invalid_argument);
  EXPECT_THROW(a.dropPrimes(IndexSet{0, 1}), std::invalid_argument);
  EXPECT_THROW(a.addPrimes(IndexSet{1}), std::invalid_argument);
  EXPECT_THROW(a.addPrimes(IndexSet{7}), std::out_of_range);
  std::vector<int64_t> tooLong(n + 1, 1);
  EXPECT_THROW(DoubleCRT::fromCoefficients(chain, IndexSet{0}, tooLong), std::invalid_argument);
  std::vector<std::vector<uint64_t>> unreduced(1, std::vector<uint64_t>(n, 0));
  unreduced[0][5] = chain->modulus(0).value();
  EXPECT_THROW(DoubleCRT::fromResidues(chain, IndexSet{0}, unreduced), std::invalid_argument);
  // Chains validate their primes.
  auto ring = std::make_shared<hl::Cyclotomic>(4369);
  const uint64_t q = chain->modulus(0).value();
  EXPECT_THROW(hl::ModulusChain(ring, {q, q}), std::invalid_argument);
  EXPECT_THROW(hl::ModulusChain(ring, {65537}), std::invalid_argument);
  EXPECT_THROW(hl::ModulusChain(ring, {}), std::invalid_argument);
  // Failed operations leave the operand untouched.
  DoubleCRT before = a;
  EXPECT_THROW(a.dropPrimes(IndexSet{3}), std::invalid_argument);
  EXPECT_THROW(a.automorph(std::vector<uint32_t>(n - 1, 0)), std::invalid_argument);
  EXPECT_EQ(a, before);
}

TEST(DoubleCrt, SamplingIsReproducibleAndHasTheRightDistribution) {
  auto chain = chainFor(4369);
  const size_t n = chain->ring().phi();
  hl::Prng::Seed seed{};
  seed[0] = 42;
  // Uniform: directly in evaluation form, the same stream as sampleUniform prime by prime.
  hl::Prng p1(seed), p2(seed);
  DoubleCRT u = DoubleCRT::uniform(chain, IndexSet{0, 1}, p1);
  for (size_t i : {0, 1}) {
    std::vector<uint64_t> expect(n);
    hl::sampleUniform(p2, chain->modulus(i), expect);
    std::vector<uint64_t> got(u.values(i).begin(), u.values(i).end());
    EXPECT_EQ(got, expect);
  }
  // Ternary and Gaussian: the coefficients are what the samplers give for the same seed.
  hl::Prng p3(seed), p4(seed);
  DoubleCRT t = DoubleCRT::ternary(chain, chain->ciphertextPrimes(), p3);
  std::vector<int64_t> tc(n);
  hl::sampleTernary(p4, tc);
  EXPECT_EQ(t.toCoefficients(), tc);
  hl::Prng p5(seed), p6(seed);
  DoubleCRT h = DoubleCRT::ternary(chain, chain->ciphertextPrimes(), p5, 64);
  std::vector<int64_t> hc(n);
  hl::sampleTernaryHamming(p6, hc, 64);
  EXPECT_EQ(h.toCoefficients(), hc);
  EXPECT_EQ(n - std::count(hc.begin(), hc.end(), 0), 64);
  hl::Prng p7(seed), p8(seed);
  DoubleCRT g = DoubleCRT::gaussian(chain, chain->ciphertextPrimes(), p7);
  std::vector<int64_t> gc(n);
  hl::sampleGaussian(p8, gc);
  EXPECT_EQ(g.toCoefficients(), gc);
  hl::Prng bad(seed);
  EXPECT_THROW(DoubleCRT::ternary(chain, IndexSet{0}, bad, n + 1), std::invalid_argument);
}

TEST(Cyclotomic, UnitsIndexMapsAndPermutations) {
  hl::Cyclotomic ring(21845);  // 5 * 17 * 257
  EXPECT_EQ(ring.phi(), 4u * 16 * 256);
  EXPECT_EQ(ring.units().size(), ring.phi());
  EXPECT_TRUE(ring.isUnit(2));
  EXPECT_FALSE(ring.isUnit(5));
  for (size_t i = 0; i < ring.phi(); i += 101) {
    EXPECT_EQ(ring.evaluationIndex(ring.evaluationExponents()[i]), i);
  }
  EXPECT_THROW(ring.evaluationIndex(17), std::invalid_argument);
  // Composition of permutations is the permutation of the product: X -> X^2 then X -> X^3.
  auto p2 = ring.automorphismPermutation(2), p3 = ring.automorphismPermutation(3),
       p6 = ring.automorphismPermutation(6);
  for (size_t i = 0; i < ring.phi(); ++i) EXPECT_EQ(p2[p3[i]], p6[i]);
  hl::Cyclotomic pow2(2048);
  EXPECT_TRUE(pow2.isPowerOfTwo());
  EXPECT_EQ(pow2.phi(), 1024u);
  EXPECT_EQ(pow2.evaluationExponents()[0], 1u);
  EXPECT_EQ(pow2.evaluationExponents()[1], 1025u);  // 2*bitrev(1)+1 with 10 bits
}

}  // namespace
