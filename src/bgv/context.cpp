#include "helib-like/bgv/context.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>

#include "bgv/rns.h"
#include "helib-like/bgv/security.h"
#include "helib-like/math/cyclotomic_dft.h"
#include "helib-like/math/primes.h"
#include "helib-like/math/sampler.h"

namespace hl {
namespace {

constexpr int kMaxPlaintextBits = 40;

[[noreturn]] void fail(const std::string& what) {
  throw std::invalid_argument("hl::Context: " + what);
}

// Splits `total` bits into the fewest primes of at most kMaxPrimeBits bits, all of one size.
std::pair<size_t, int> primeSizes(int total) {
  const size_t count = static_cast<size_t>((total + kMaxPrimeBits - 1) / kMaxPrimeBits);
  const int bits = static_cast<int>((static_cast<size_t>(total) + count - 1) / count);
  return {count, bits};
}

}  // namespace

std::shared_ptr<const Context> Context::create(const Parameters& params) {
  const uint64_t m = params.m;
  if (m < 2 || m > (uint64_t{1} << 24)) fail("m = " + std::to_string(m) + " is outside [2, 2^24]");
  if (params.p < 2 || !isPrime(params.p)) fail("p = " + std::to_string(params.p) + " is not a prime");
  if (m % params.p == 0) {
    fail("p = " + std::to_string(params.p) + " divides m = " + std::to_string(m) +
         " (p must not ramify)");
  }
  if (params.r == 0) fail("r must be at least 1");
  unsigned __int128 t = 1;
  for (unsigned i = 0; i < params.r; ++i) {
    t *= params.p;
    if (t >> kMaxPlaintextBits != 0) {
      fail("the plaintext modulus p^r = " + std::to_string(params.p) + "^" +
           std::to_string(params.r) + " is not below 2^" + std::to_string(kMaxPlaintextBits));
    }
  }
  if (params.primeBits.empty()) {
    if (params.ciphertextBits <= 0) fail("ciphertextBits must be positive");
    if (params.ciphertextBits > 100000) fail("ciphertextBits is unreasonably large");
  } else {
    if (params.ciphertextBits != 0) fail("give either ciphertextBits or primeBits, not both");
    if (params.primeBits.size() > 2000) fail("primeBits has unreasonably many primes");
    for (int b : params.primeBits) {
      if (b < 20 || b > kMaxPrimeBits) {
        fail("primeBits: " + std::to_string(b) + " is outside [20, " +
             std::to_string(kMaxPrimeBits) + "]");
      }
    }
  }
  if (params.specialBits < 0 || params.specialBits > 100000) fail("specialBits is out of range");
  if (!(params.sigma > 0 && params.sigma <= kMaxGaussianSigma)) {
    fail("sigma must be in (0, " + std::to_string(kMaxGaussianSigma) + "]");
  }
  if (params.sigma < kDefaultGaussianSigma && !params.allowInsecure) {
    fail("sigma = " + std::to_string(params.sigma) + " is below 3.2, which the security " +
         "estimate assumes; set allowInsecure to use it anyway");
  }
  std::shared_ptr<const Hypercube> cube;
  try {
    cube = std::make_shared<const Hypercube>(m, params.p, params.generators);
  } catch (const std::invalid_argument& e) {
    fail(e.what());
  }

  auto ctx = std::shared_ptr<Context>(new Context());
  ctx->params_ = params;
  ctx->hypercube_ = std::move(cube);
  ctx->t_ = Modulus(static_cast<uint64_t>(t));
  auto ring = std::make_shared<const Cyclotomic>(m);
  const size_t n = ring->phi();
  if (params.hammingWeight > n) {
    fail("Hamming weight " + std::to_string(params.hammingWeight) + " exceeds phi(m) = " +
         std::to_string(n));
  }

  // Ciphertext primes, then digits, then special primes sized to the largest digit.
  std::vector<int> sizes = params.primeBits;
  if (sizes.empty()) {
    const auto [count, bits] = primeSizes(params.ciphertextBits);
    sizes.assign(count, bits);
  }
  const size_t L = sizes.size();
  const int qBits = *std::min_element(sizes.begin(), sizes.end());
  const int tBits = 64 - __builtin_clzll(static_cast<uint64_t>(t));
  if (qBits < tBits + 2) {
    fail("ciphertext primes of " + std::to_string(qBits) + " bits are too small for t of " +
         std::to_string(tBits) + " bits; ask for more ciphertextBits");
  }
  // digits = 0: the default, three digits or one per prime if there are fewer.
  const size_t beta = params.digits == 0 ? std::min<size_t>(3, L) : params.digits;
  if (beta > L) {
    fail("digits = " + std::to_string(params.digits) + " must be between 1 and the number of " +
         "ciphertext primes (" + std::to_string(L) + "), or 0 for the default");
  }
  if (beta > 64 || L > 63 * beta) {
    fail("at most 64 digits of at most 63 primes each are supported (" + std::to_string(L) +
         " primes in " + std::to_string(beta) + " digits)");
  }
  ctx->params_.digits = beta;
  // Primes of each size: the largest ones with Bluestein's transform where enough exist, else
  // (powerful basis) the largest ones the powerful transform accepts.
  std::vector<uint64_t> exclude{params.p};
  auto primesOf = [&](int bits, size_t count) {
    std::vector<uint64_t> out;
    try {
      out = generatePrimes(bits, count, cyclotomicDftDivisor(m), exclude);
    } catch (const std::runtime_error&) {
      const uint64_t relaxed = ModulusChain::primeDivisor(m);
      if (relaxed == cyclotomicDftDivisor(m)) throw;
      try {
        out = generatePrimes(bits, count, relaxed, exclude);
      } catch (const std::runtime_error&) {
        fail("there are not " + std::to_string(count) + " primes of " + std::to_string(bits) +
             " bits that are 1 mod " + std::to_string(relaxed) + " for m = " +
             std::to_string(m) + "; use larger primes");
      }
    }
    exclude.insert(exclude.end(), out.begin(), out.end());
    return out;
  };
  std::vector<uint64_t> qs(L);
  {
    std::map<int, std::vector<size_t>> positions;  // size -> indices in the chain
    for (size_t i = 0; i < L; ++i) positions[sizes[i]].push_back(i);
    for (const auto& [bits, where] : positions) {
      const std::vector<uint64_t> got = primesOf(bits, where.size());
      for (size_t k = 0; k < where.size(); ++k) qs[where[k]] = got[k];
    }
  }

  // Digits: consecutive primes, the boundaries where the bit count is closest to j/beta of
  // the total (one prime at least per digit).
  std::vector<double> prefix(L + 1, 0.0);
  for (size_t i = 0; i < L; ++i) prefix[i + 1] = prefix[i] + std::log2(static_cast<double>(qs[i]));
  size_t first = 0;
  double largestDigitBits = 0;
  for (size_t j = 0; j < beta; ++j) {
    size_t end = L;
    if (params.primeBits.empty()) {
      end = first + L / beta + (j < L % beta ? 1 : 0);  // equal primes: equal counts
    } else if (j + 1 < beta) {
      const double target = prefix[L] * static_cast<double>(j + 1) / static_cast<double>(beta);
      end = first + 1;
      while (end < L - (beta - 1 - j) &&
             std::abs(prefix[end + 1] - target) < std::abs(prefix[end] - target)) {
        ++end;
      }
    }
    if (end - first > 63) fail("a digit would have more than 63 primes; ask for more digits");
    ctx->digits_.push_back(IndexSet::range(first, end));
    largestDigitBits = std::max(largestDigitBits, prefix[end] - prefix[first]);
    first = end;
  }
  const int pTotal = params.specialBits > 0 ? params.specialBits
                                            : static_cast<int>(std::ceil(largestDigitBits));
  const auto [K, pBits] = primeSizes(pTotal);
  if (K > 63) fail("the special modulus needs more than 63 primes; ask for fewer specialBits");
  std::vector<uint64_t> ps = primesOf(std::max(pBits, tBits + 2), K);

  ctx->numCiphertext_ = L;
  ctx->chain_ = std::make_shared<const ModulusChain>(ring, qs, ps);
  ctx->logQ_.assign(L + 1, 0.0);
  for (size_t l = 1; l <= L; ++l) {
    ctx->logQ_[l] = ctx->logQ_[l - 1] + std::log2(static_cast<double>(qs[l - 1]));
  }
  ctx->logP_ = ctx->chain_->logProduct(ctx->chain_->specialPrimes());
  ctx->security_ = estimateSecurityBits(n, ctx->logQ_[L] + ctx->logP_, params.hammingWeight);
  if (ctx->security_ < 128 && !params.allowInsecure) {
    fail("estimated security is " + std::to_string(static_cast<int>(ctx->security_)) +
         " bits (n = " + std::to_string(n) + ", log2(Q*P) = " +
         std::to_string(static_cast<int>(ctx->logQ_[L] + ctx->logP_)) +
         "), below 128: use a larger m or a smaller modulus, or set allowInsecure for tests");
  }
  ctx->rns_ = std::make_shared<const detail::RnsTables>(*ctx->chain_, L, ctx->digits_, ctx->t_);
  return ctx;
}

IndexSet Context::levelPrimes(size_t l) const {
  if (l == 0 || l > numCiphertext_) {
    throw std::out_of_range("hl::Context::levelPrimes: level " + std::to_string(l) +
                            " is outside [1, " + std::to_string(numCiphertext_) + "]");
  }
  return IndexSet::range(0, l);
}

double Context::secretVariance() const {
  if (params_.hammingWeight == 0) return 2.0 / 3.0;
  return static_cast<double>(params_.hammingWeight) / static_cast<double>(n());
}

}  // namespace hl
