#include "helib-like/math/sampler.h"

#include <bit>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace hl {

namespace {

// x < y for unsigned words, by arithmetic on the sign bit (H. Warren, "Hacker's Delight",
// 2nd ed., section 2-12): no comparison instruction whose result feeds a branch.
constexpr uint64_t ctLess(uint64_t x, uint64_t y) {
  return ((~x & y) | ((~x | y) & (x - y))) >> 63;
}
static_assert(ctLess(0, 1) == 1 && ctLess(1, 0) == 0 && ctLess(5, 5) == 0);
static_assert(ctLess(~uint64_t{0}, 0) == 0 && ctLess(0, ~uint64_t{0}) == 1);
static_assert(ctLess(uint64_t{1} << 63, (uint64_t{1} << 63) + 1) == 1);
static_assert(ctLess((uint64_t{1} << 63) - 1, uint64_t{1} << 63) == 1);
static_assert(ctLess(uint64_t{1} << 63, (uint64_t{1} << 63) - 1) == 0);

// Bits set in x, by the SWAR sum of Hacker's Delight section 5-1 (libgcc's fallback for
// __builtin_popcount may use a lookup table indexed by the secret bits).
constexpr uint64_t ctPopcount(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
  return (x * 0x0101010101010101ull) >> 56;
}
static_assert(ctPopcount(0) == 0 && ctPopcount(~uint64_t{0}) == 64 && ctPopcount(0xf0f1) == 9);

// floor(b / 3) = (b * 171) >> 9 for every byte b (171 / 512 overestimates 1/3 by less than
// 1/(3 * 256)); checked exhaustively below.
constexpr uint32_t div3Byte(uint32_t b) { return (b * 171u) >> 9; }
constexpr bool div3ByteIsExact() {
  for (uint32_t b = 0; b < 256; ++b) {
    if (div3Byte(b) != b / 3) return false;
  }
  return true;
}
static_assert(div3ByteIsExact());

// x if neg == 0, -x if neg == 1, through a mask.
constexpr int64_t conditionalNegate(uint64_t x, uint64_t neg) {
  const uint64_t mask = 0 - neg;
  return static_cast<int64_t>((x ^ mask) + neg);
}

void checkSigma(double sigma) {
  if (!(sigma > 0.0 && sigma <= kMaxGaussianSigma)) {  // also rejects NaN
    throw std::invalid_argument("hl::sampleGaussian: sigma must be in (0, " +
                                std::to_string(kMaxGaussianSigma) + "], got " +
                                std::to_string(sigma));
  }
}

// The CDT of |x|: entry k is U[k] = 2^64 - 1 - round(2^64 * P(|x| > k)) for k = 0 .. B - 1, so
// that P(r > U[k]) = round(2^64 * P(|x| > k)) / 2^64 for a uniform 64-bit r. Tails are summed
// from the smallest term up, in long double (64-bit mantissa on x86-64), so each entry is
// within one unit of the exact value.
std::vector<uint64_t> gaussianTable(double sigma, int64_t bound) {
  const long double twoSigma2 = 2.0L * static_cast<long double>(sigma) * sigma;
  std::vector<long double> rho(static_cast<size_t>(bound) + 1);
  for (int64_t k = 0; k <= bound; ++k) {
    rho[k] = std::exp(-static_cast<long double>(k) * k / twoSigma2);
  }
  // tail[k] = sum_{k < |j| <= B} rho(j) = 2 * sum_{j = k+1}^{B} rho(j).
  std::vector<long double> tail(static_cast<size_t>(bound) + 1, 0.0L);
  for (int64_t k = bound - 1; k >= 0; --k) tail[k] = tail[k + 1] + 2.0L * rho[k + 1];
  const long double total = rho[0] + tail[0];
  std::vector<uint64_t> table(static_cast<size_t>(bound));
  const long double two64 = std::ldexp(1.0L, 64);
  for (int64_t k = 0; k < bound; ++k) {
    long double scaled = std::round(tail[k] / total * two64);
    // P(|x| > k) < 1 always (P(0) > 0), so scaled <= 2^64 - 1 except for a sub-unit rounding.
    const uint64_t t = scaled >= two64 ? ~uint64_t{0} : static_cast<uint64_t>(scaled);
    table[k] = ~uint64_t{0} - t;
  }
  return table;
}

}  // namespace

int64_t gaussianTailBound(double sigma) {
  checkSigma(sigma);
  return static_cast<int64_t>(std::ceil(kGaussianTailSigmas * sigma));
}

void sampleUniform(Prng& prng, const Modulus& q, std::span<uint64_t> out) {
  // Same rule as Prng::uniform, with the mask computed once.
  const uint64_t bound = q.value();
  const int width =
      static_cast<int>(std::bit_width(bound - 1));  // q >= 2, q < 2^62: 1 <= width <= 62
  const uint64_t mask = (uint64_t{1} << width) - 1;
  for (uint64_t& x : out) {
    uint64_t w;
    do {
      w = prng.next64() & mask;  // rejection on raw bits; accepted with probability > 1/2
    } while (w >= bound);
    x = w;
  }
}

void sampleTernary(Prng& prng, std::span<int64_t> out) {
  size_t i = 0;
  const size_t n = out.size();
  while (i < n) {
    uint64_t w = prng.next64();
    for (int k = 0; k < 8 && i < n; ++k, w >>= 8) {
      const auto b = static_cast<uint32_t>(w & 0xff);
      if (b == 255) continue;  // raw byte rejected: 255 = 3 * 85 values remain
      out[i++] = static_cast<int64_t>(b - 3 * div3Byte(b)) - 1;
    }
  }
}

void sampleTernaryHamming(Prng& prng, std::span<int64_t> out, size_t weight) {
  const size_t n = out.size();
  if (weight > n) {
    throw std::invalid_argument("hl::sampleTernaryHamming: weight " + std::to_string(weight) +
                                " exceeds the length " + std::to_string(n));
  }
  uint64_t bits = 0;
  for (size_t i = 0; i < weight; ++i) {
    if (i % 64 == 0) bits = prng.next64();
    out[i] = 1 - 2 * static_cast<int64_t>((bits >> (i % 64)) & 1);
  }
  for (size_t i = weight; i < n; ++i) out[i] = 0;
  // Fisher-Yates: every swap happens (also for j == i), so the control flow is fixed; the
  // addresses touched depend on the random j (see the header).
  for (size_t i = n; i-- > 1;) {
    const auto j = static_cast<size_t>(prng.uniform(i + 1));
    std::swap(out[i], out[j]);
  }
}

void sampleGaussian(Prng& prng, std::span<int64_t> out, double sigma) {
  const int64_t bound = gaussianTailBound(sigma);  // validates sigma
  const std::vector<uint64_t> table = gaussianTable(sigma, bound);
  const uint64_t* t = table.data();
  const size_t len = table.size();
  uint64_t signs = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    if (i % 64 == 0) signs = prng.next64();
    const uint64_t r = prng.next64();
    uint64_t magnitude = 0;
    for (size_t k = 0; k < len; ++k) magnitude += ctLess(t[k], r);  // full scan, no early exit
    out[i] = conditionalNegate(magnitude, (signs >> (i % 64)) & 1);
  }
}

void sampleCenteredBinomial(Prng& prng, std::span<int64_t> out, int eta) {
  if (eta < 1 || eta > 32) {
    throw std::invalid_argument("hl::sampleCenteredBinomial: eta must be in [1, 32], got " +
                                std::to_string(eta));
  }
  const uint64_t mask = eta == 32 ? 0xffffffffull : (uint64_t{1} << eta) - 1;
  for (int64_t& x : out) {
    const uint64_t w = prng.next64();
    x = static_cast<int64_t>(ctPopcount(w & mask)) -
        static_cast<int64_t>(ctPopcount((w >> 32) & mask));
  }
}

}  // namespace hl
