#include "helib-like/ring/hypercube.h"

#include <numeric>
#include <stdexcept>
#include <string>

#include "math/number_theory.h"

namespace hl {
namespace {

using detail::powMod;
using detail::primeFactors;

uint64_t mulMod(uint64_t a, uint64_t b, uint64_t m) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(a) * b) % m);
}

[[noreturn]] void fail(const std::string& what) {
  throw std::invalid_argument("hl::Hypercube: " + what);
}

// The subgroup S of Z_m^* being built: its elements and a membership table.
struct Subgroup {
  std::vector<uint64_t> elements;
  std::vector<uint8_t> member;

  // The order of g in Z_m^* / S, which divides `quotient` = |Z_m^*| / |S|.
  size_t orderModulo(uint64_t g, uint64_t m, size_t quotient,
                     const std::vector<uint64_t>& factors) const {
    size_t n = quotient;
    for (uint64_t q : factors) {
      while (n % q == 0 && member[powMod(g, n / q, m)]) n /= q;
    }
    return n;
  }

  // S <- <S, g>, where g^n is the first power of g in S.
  void extend(uint64_t g, size_t n, uint64_t m) {
    const size_t base = elements.size();
    uint64_t gj = 1;
    for (size_t j = 1; j < n; ++j) {
      gj = mulMod(gj, g, m);
      for (size_t k = 0; k < base; ++k) {
        const uint64_t u = mulMod(elements[k], gj, m);
        member[u] = 1;
        elements.push_back(u);
      }
    }
  }
};

}  // namespace

Hypercube::Hypercube(uint64_t m, uint64_t p, std::span<const uint64_t> generators) : m_(m), p_(p) {
  if (m < 2 || m > (uint64_t{1} << 24)) fail("m = " + std::to_string(m) + " is outside [2, 2^24]");
  if (p < 2 || m % p == 0 || std::gcd(p, m) != 1) {
    fail("p = " + std::to_string(p) +
         " must be at least 2 and coprime to m = " + std::to_string(m));
  }
  size_t phi = 0;
  for (uint64_t u = 1; u < m; ++u) phi += std::gcd(u, m) == 1;

  Subgroup s;
  s.member.assign(m, 0);
  {
    uint64_t x = 1 % m;
    do {
      s.member[x] = 1;
      s.elements.push_back(x);
      x = mulMod(x, p, m);
    } while (x != 1 % m && s.elements.size() < phi);
  }
  d_ = s.elements.size();

  auto addDimension = [&](uint64_t g, size_t n) {
    gens_.push_back(g);
    sizes_.push_back(n);
    good_.push_back(powMod(g, n, m) == 1 % m);
    s.extend(g, n, m);
  };

  for (uint64_t g : generators) {
    if (g == 0 || g >= m || std::gcd(g, m) != 1) {
      fail("generator " + std::to_string(g) + " is not a unit mod m = " + std::to_string(m));
    }
    const size_t quotient = phi / s.elements.size();
    const size_t n = s.orderModulo(g, m, quotient, primeFactors(quotient));
    if (n == 1) {
      fail("generator " + std::to_string(g) + " is redundant: it lies in the group generated " +
           "by p and the generators before it");
    }
    addDimension(g, n);
  }
  // The remaining dimensions (all of them without given generators): the largest order first.
  while (s.elements.size() < phi) {
    const size_t quotient = phi / s.elements.size();
    const std::vector<uint64_t> factors = primeFactors(quotient);
    uint64_t best = 0;
    size_t bestOrder = 0;
    bool bestGood = false;
    for (uint64_t u = 2; u < m; ++u) {
      if (s.member[u] || std::gcd(u, m) != 1) continue;
      const size_t n = s.orderModulo(u, m, quotient, factors);
      const bool good = powMod(u, n, m) == 1;
      if (n > bestOrder || (n == bestOrder && good && !bestGood)) {
        best = u;
        bestOrder = n;
        bestGood = good;
        if (n == quotient && good) break;  // nothing beats a good generator of the whole
      }
    }
    addDimension(best, bestOrder);
  }

  const size_t k = gens_.size();
  const size_t ell = phi / d_;
  strides_.assign(k, 1);
  for (size_t i = k; i-- > 1;) strides_[i - 1] = strides_[i] * sizes_[i];
  // Representatives in slot order (an odometer over the coordinates, last one fastest).
  reps_.resize(ell);
  std::vector<size_t> e(k, 0);
  std::vector<uint64_t> prefix(k + 1, 1 % m);  // prefix[i] = g_1^e_1 ... g_i^e_i
  for (size_t slot = 0; slot < ell; ++slot) {
    reps_[slot] = prefix[k];
    for (size_t i = k; i-- > 0;) {
      if (++e[i] < sizes_[i]) {
        prefix[i + 1] = mulMod(prefix[i + 1], gens_[i], m);
        for (size_t j = i + 1; j < k; ++j) prefix[j + 1] = prefix[j];
        break;
      }
      e[i] = 0;
    }
  }
  if (k == 0) reps_.assign(1, 1 % m);
  position_.assign(m, -1);
  for (size_t slot = 0; slot < ell; ++slot) {
    uint64_t u = reps_[slot];
    for (size_t j = 0; j < d_; ++j, u = mulMod(u, p, m)) {
      if (position_[u] >= 0) throw std::logic_error("hl::Hypercube: representatives collide");
      position_[u] = static_cast<int32_t>(slot * d_ + j);
    }
  }
}

size_t Hypercube::coordinate(size_t s, size_t i) const {
  if (s >= size() || i >= dimensions()) {
    throw std::out_of_range("hl::Hypercube::coordinate: slot " + std::to_string(s) +
                            " or dimension " + std::to_string(i) + " out of range");
  }
  return (s / strides_[i]) % sizes_[i];
}

Hypercube::Position Hypercube::locate(uint64_t u) const {
  const int32_t pos = u < m_ ? position_[u] : -1;
  if (pos < 0) {
    throw std::invalid_argument("hl::Hypercube::locate: " + std::to_string(u) +
                                " is not a unit mod m = " + std::to_string(m_));
  }
  return {static_cast<size_t>(pos) / d_, static_cast<size_t>(pos) % d_};
}

uint64_t Hypercube::power(size_t i, int64_t e) const {
  const uint64_t g = gens_.at(i);
  if (e >= 0) return powMod(g, static_cast<uint64_t>(e), m_);
  // g^-1 = g^(ord - 1); the order of g in Z_m^* divides phi(m) = size() * degree().
  const uint64_t phi = static_cast<uint64_t>(size()) * d_;
  const uint64_t inv = powMod(g, phi - 1, m_);
  return powMod(inv, static_cast<uint64_t>(-e), m_);
}

}  // namespace hl
