#pragma once
// Small number-theory helpers shared by the transforms of math/ (internal).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "helib-like/math/modulus.h"

namespace hl::detail {

inline bool isPowerOfTwo(uint64_t x) { return x != 0 && (x & (x - 1)) == 0; }

/// The smallest power of two >= x.
inline size_t nextPowerOfTwo(uint64_t x) {
  size_t p = 1;
  while (p < x) p <<= 1;
  return p;
}

/// The lowest `bits` bits of x in reverse order.
inline size_t bitReverse(size_t x, unsigned bits) {
  size_t r = 0;
  for (unsigned i = 0; i < bits; ++i) r |= ((x >> i) & 1) << (bits - 1 - i);
  return r;
}

/// The distinct prime factors of m, increasing (trial division; m is a ring index or a
/// transform length).
inline std::vector<uint64_t> primeFactors(uint64_t m) {
  std::vector<uint64_t> f;
  for (uint64_t p = 2; p * p <= m; ++p) {
    if (m % p == 0) {
      f.push_back(p);
      while (m % p == 0) m /= p;
    }
  }
  if (m > 1) f.push_back(m);
  return f;
}

/// a^-1 mod `mod` for gcd(a, mod) = 1 and mod < 2^62 (small moduli: ring factors, transform
/// lengths), by the extended Euclidean algorithm. Throws std::logic_error without an inverse.
inline uint64_t invMod(uint64_t a, uint64_t mod) {
  int64_t t = 0, newT = 1;
  int64_t r = static_cast<int64_t>(mod), newR = static_cast<int64_t>(a % mod);
  while (newR != 0) {
    const int64_t quo = r / newR;
    const int64_t t2 = t - quo * newT, r2 = r - quo * newR;
    t = newT;
    newT = t2;
    r = newR;
    newR = r2;
  }
  if (r != 1) throw std::logic_error("hl::detail::invMod: no inverse");
  return static_cast<uint64_t>(t < 0 ? t + static_cast<int64_t>(mod) : t);
}

/// A prime power factor p^e of m.
struct PrimePower {
  uint64_t p;    // the prime
  unsigned e;    // its exponent
  uint64_t pe;   // p^e
  uint64_t phi;  // (p - 1) p^(e-1)
};

/// The prime power factors of m, in increasing order of p^e (the dimension order of the
/// powerful basis and of the evaluation order, see evaluationExponents).
inline std::vector<PrimePower> primePowers(uint64_t m) {
  std::vector<PrimePower> f;
  for (uint64_t p = 2; p * p <= m; ++p) {
    if (m % p != 0) continue;
    PrimePower pp{p, 0, 1, 0};
    while (m % p == 0) {
      m /= p;
      ++pp.e;
      pp.pe *= p;
    }
    pp.phi = pp.pe / p * (p - 1);
    f.push_back(pp);
  }
  if (m > 1) f.push_back({m, 1, m, m - 1});
  std::sort(f.begin(), f.end(),
            [](const PrimePower& a, const PrimePower& b) { return a.pe < b.pe; });
  return f;
}

/// A primitive k-th root of unity mod the prime q (k | q - 1), chosen deterministically:
/// g^((q-1)/k) for the smallest g >= 2 that gives one.
inline uint64_t primitiveRoot(const Modulus& q, uint64_t k) {
  const uint64_t qv = q.value();
  const auto factors = primeFactors(k);
  for (uint64_t g = 2; g < qv; ++g) {
    const uint64_t r = q.pow(g, (qv - 1) / k);
    bool primitive = true;
    for (uint64_t p : factors) primitive = primitive && q.pow(r, k / p) != 1;
    if (primitive) return r;
  }
  throw std::logic_error("hl::primitiveRoot: none found");
}

/// a^e mod m for any m >= 1 (128-bit products).
inline uint64_t powMod(uint64_t a, uint64_t e, uint64_t m) {
  unsigned __int128 r = 1 % m, x = a % m;
  for (; e; e >>= 1, x = x * x % m) {
    if (e & 1) r = r * x % m;
  }
  return static_cast<uint64_t>(r);
}

/// The inverse of the P x P matrix a (row-major) modulo the prime q, by Gauss-Jordan
/// elimination. Throws std::logic_error if a is singular.
inline std::vector<uint64_t> invertMatrixMod(std::vector<uint64_t> a, size_t P, const Modulus& q) {
  std::vector<uint64_t> inv(P * P, 0);
  for (size_t i = 0; i < P; ++i) inv[i * P + i] = 1;
  for (size_t col = 0; col < P; ++col) {
    size_t piv = col;
    while (piv < P && a[piv * P + col] == 0) ++piv;
    if (piv == P) throw std::logic_error("hl: internal error (singular matrix)");
    if (piv != col) {
      for (size_t k = 0; k < P; ++k) {
        std::swap(a[piv * P + k], a[col * P + k]);
        std::swap(inv[piv * P + k], inv[col * P + k]);
      }
    }
    const uint64_t s = q.inv(a[col * P + col]);
    for (size_t k = 0; k < P; ++k) {
      a[col * P + k] = q.mul(a[col * P + k], s);
      inv[col * P + k] = q.mul(inv[col * P + k], s);
    }
    for (size_t row = 0; row < P; ++row) {
      const uint64_t f = a[row * P + col];
      if (row == col || f == 0) continue;
      for (size_t k = 0; k < P; ++k) {
        a[row * P + k] = q.sub(a[row * P + k], q.mul(f, a[col * P + k]));
        inv[row * P + k] = q.sub(inv[row * P + k], q.mul(f, inv[col * P + k]));
      }
    }
  }
  return inv;
}

}  // namespace hl::detail
