#include "helib-like/math/primes.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "helib-like/math/modulus.h"

namespace hl {

bool isPrime(uint64_t n) {
  if (n < 2) return false;
  for (uint64_t p : {2u, 3u, 5u, 7u, 11u, 13u, 17u, 19u, 23u, 29u, 31u, 37u}) {
    if (n % p == 0) return n == p;
  }
  if (n >> Modulus::kMaxBits != 0) {
    throw std::invalid_argument("hl::isPrime: " + std::to_string(n) + " is 2^62 or larger");
  }
  Modulus mod(n);
  uint64_t d = n - 1;
  int s = __builtin_ctzll(d);
  d >>= s;
  // These seven bases decide primality for every n < 2^64 (J. Sinclair, 2011).
  for (uint64_t a : {2ull, 325ull, 9375ull, 28178ull, 450775ull, 9780504ull, 1795265022ull}) {
    uint64_t x = mod.pow(a % n, d);
    if (a % n == 0 || x == 1 || x == n - 1) continue;
    bool composite = true;
    for (int i = 1; i < s && composite; ++i) {
      x = mod.mul(x, x);
      if (x == n - 1) composite = false;
    }
    if (composite) return false;
  }
  return true;
}

std::vector<uint64_t> generatePrimes(int bits, size_t count, uint64_t divisor,
                                     std::span<const uint64_t> exclude) {
  if (bits < 2 || bits > kMaxPrimeBits) {
    throw std::invalid_argument("hl::generatePrimes: prime size " + std::to_string(bits) +
                                " bits is outside [2, " + std::to_string(kMaxPrimeBits) + "]");
  }
  if (divisor == 0) throw std::invalid_argument("hl::generatePrimes: divisor must be >= 1");
  const uint64_t top = uint64_t{1} << bits, bottom = uint64_t{1} << (bits - 1);
  std::vector<uint64_t> primes;
  if (divisor >= top) {
    if (count == 0) return primes;
    throw std::runtime_error("hl::generatePrimes: no prime of " + std::to_string(bits) +
                             " bits is 1 mod " + std::to_string(divisor));
  }
  // Candidates 1 + k*divisor below 2^bits, from the largest down.
  uint64_t q = ((top - 2) / divisor) * divisor + 1;
  while (primes.size() < count && q >= bottom) {
    if (isPrime(q) && std::find(exclude.begin(), exclude.end(), q) == exclude.end()) {
      primes.push_back(q);
    }
    if (q <= divisor) break;
    q -= divisor;
  }
  if (primes.size() < count) {
    throw std::runtime_error("hl::generatePrimes: only " + std::to_string(primes.size()) +
                             " primes of " + std::to_string(bits) + " bits are 1 mod " +
                             std::to_string(divisor) + ", " + std::to_string(count) +
                             " were asked for");
  }
  return primes;
}

}  // namespace hl
