#include "helib-like/bgv/context.h"

#include <cmath>
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
  if (params.ciphertextBits <= 0) fail("ciphertextBits must be positive");
  if (params.ciphertextBits > 100000) fail("ciphertextBits is unreasonably large");
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
  const auto [L, qBits] = primeSizes(params.ciphertextBits);
  const int tBits = 64 - __builtin_clzll(static_cast<uint64_t>(t));
  if (qBits < tBits + 2) {
    fail("ciphertext primes of " + std::to_string(qBits) + " bits are too small for t of " +
         std::to_string(tBits) + " bits; ask for more ciphertextBits");
  }
  if (params.digits == 0 || params.digits > L) {
    fail("digits = " + std::to_string(params.digits) + " must be between 1 and the number of " +
         "ciphertext primes (" + std::to_string(L) + ")");
  }
  if (params.digits > 64 || (L + params.digits - 1) / params.digits > 63) {
    fail("at most 64 digits of at most 63 primes each are supported (" + std::to_string(L) +
         " primes in " + std::to_string(params.digits) + " digits)");
  }
  const uint64_t divisor = cyclotomicDftDivisor(m);
  const uint64_t pExclude[1] = {params.p};
  std::vector<uint64_t> qs = generatePrimes(qBits, L, divisor, pExclude);

  const size_t beta = params.digits;
  size_t first = 0;
  size_t largestDigit = 0;
  for (size_t j = 0; j < beta; ++j) {
    const size_t size = L / beta + (j < L % beta ? 1 : 0);
    ctx->digits_.push_back(IndexSet::range(first, first + size));
    largestDigit = std::max(largestDigit, size);
    first += size;
  }
  const int pTotal =
      params.specialBits > 0 ? params.specialBits : static_cast<int>(largestDigit) * qBits;
  const auto [K, pBits] = primeSizes(pTotal);
  if (K > 63) fail("the special modulus needs more than 63 primes; ask for fewer specialBits");
  std::vector<uint64_t> exclude = qs;
  exclude.push_back(params.p);
  std::vector<uint64_t> ps = generatePrimes(std::max(pBits, tBits + 2), K, divisor, exclude);

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
