#pragma once
// Word-size modular arithmetic: a prime (or any odd or even modulus) q < 2^62 with Barrett and
// Shoup precomputation.
//
// Barrett reduction: P. Barrett, "Implementing the RSA public key encryption algorithm on a
// standard digital signal processor", CRYPTO'86. Shoup multiplication by a fixed operand:
// V. Shoup, NTL (MulModPrecon); analysed in D. Harvey, "Faster arithmetic for number-theoretic
// transforms", J. Symb. Comp. 60 (2014), section 2.

#include <cstdint>

namespace hl {

/// A modulus q with 2 <= q < 2^62 and the constants for fast reduction modulo q.
/// Every member function expects operands already reduced to [0, q) unless it says otherwise,
/// and returns values in [0, q).
class Modulus {
 public:
  static constexpr int kMaxBits = 62;

  /// Throws std::invalid_argument unless 2 <= q < 2^62.
  explicit Modulus(uint64_t q);

  uint64_t value() const { return q_; }
  /// Number of bits of q (q < 2^bits()).
  int bits() const { return bits_; }

  uint64_t add(uint64_t a, uint64_t b) const {
    uint64_t s = a + b;
    return s >= q_ ? s - q_ : s;
  }
  uint64_t sub(uint64_t a, uint64_t b) const { return a >= b ? a - b : a + q_ - b; }
  uint64_t neg(uint64_t a) const { return a == 0 ? 0 : q_ - a; }

  /// a * b mod q by Barrett reduction of the 128-bit product.
  uint64_t mul(uint64_t a, uint64_t b) const {
    return reduce128(static_cast<unsigned __int128>(a) * b);
  }
  /// Any 64-bit value mod q.
  uint64_t reduce(uint64_t a) const {
    // floor(a * floor(2^128/q) / 2^128) only needs the high word of the ratio for a < 2^64.
    uint64_t qest = static_cast<uint64_t>((static_cast<unsigned __int128>(a) * ratio_hi_) >> 64);
    uint64_t r = a - qest * q_;
    return r >= q_ ? r - q_ : r;
  }
  /// A signed 64-bit value mod q.
  uint64_t reduceSigned(int64_t a) const {
    uint64_t r = reduce(static_cast<uint64_t>(a < 0 ? -(a + 1) : a));  // |a| or |a|-1
    return a < 0 ? sub(q_ - 1, r) : r;  // -(|a|-1) - 1 = a
  }
  /// Any value below q * 2^64 (in particular any product of two reduced values) mod q.
  uint64_t reduce128(unsigned __int128 z) const {
    uint64_t z0 = static_cast<uint64_t>(z), z1 = static_cast<uint64_t>(z >> 64);
    // Quotient estimate floor(z * ratio / 2^128) from three partial products; it is at most
    // two below the true quotient (the dropped low product and the floor of the ratio).
    unsigned __int128 p00 = static_cast<unsigned __int128>(z0) * ratio_lo_;
    unsigned __int128 p01 = static_cast<unsigned __int128>(z0) * ratio_hi_;
    unsigned __int128 p10 = static_cast<unsigned __int128>(z1) * ratio_lo_;
    unsigned __int128 mid = (p00 >> 64) + static_cast<uint64_t>(p01) + static_cast<uint64_t>(p10);
    uint64_t qest = static_cast<uint64_t>(p01 >> 64) + static_cast<uint64_t>(p10 >> 64) +
                    static_cast<uint64_t>(mid >> 64) + z1 * ratio_hi_;
    uint64_t r = z0 - qest * q_;
    r = r >= q_ ? r - q_ : r;
    return r >= q_ ? r - q_ : r;
  }

  /// a^e mod q (square and multiply; the exponent is public).
  uint64_t pow(uint64_t a, uint64_t e) const;
  /// The inverse of a mod q. Throws std::invalid_argument if gcd(a, q) != 1.
  uint64_t inv(uint64_t a) const;

  /// Shoup's constant floor(w * 2^64 / q) for a fixed multiplicand w in [0, q).
  uint64_t shoup(uint64_t w) const {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(w) << 64) / q_);
  }
  /// x * w mod q in [0, 2q) for any 64-bit x, given wShoup = shoup(w) (Harvey, Alg. 2).
  uint64_t mulShoupLazy(uint64_t x, uint64_t w, uint64_t wShoup) const {
    uint64_t qhat = static_cast<uint64_t>((static_cast<unsigned __int128>(x) * wShoup) >> 64);
    return x * w - qhat * q_;
  }
  /// x * w mod q in [0, q) for any 64-bit x, given wShoup = shoup(w).
  uint64_t mulShoup(uint64_t x, uint64_t w, uint64_t wShoup) const {
    uint64_t r = mulShoupLazy(x, w, wShoup);
    return r >= q_ ? r - q_ : r;
  }

  bool operator==(const Modulus& o) const { return q_ == o.q_; }

 private:
  uint64_t q_;
  int bits_;
  uint64_t ratio_hi_, ratio_lo_;  // floor(2^128 / q)
};

}  // namespace hl
