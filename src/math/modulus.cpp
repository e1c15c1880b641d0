#include "helib-like/math/modulus.h"

#include <stdexcept>
#include <string>

namespace hl {

Modulus::Modulus(uint64_t q) : q_(q) {
  if (q < 2 || q >> kMaxBits != 0) {
    throw std::invalid_argument("hl::Modulus: modulus " + std::to_string(q) +
                                " is outside [2, 2^62)");
  }
  bits_ = 64 - __builtin_clzll(q);
  // floor(2^128 / q) = floor((2^128 - 1) / q) unless q divides 2^128 (q a power of two).
  unsigned __int128 all = ~static_cast<unsigned __int128>(0);
  unsigned __int128 ratio = all / q;
  if ((q & (q - 1)) == 0) ratio += 1;
  ratio_hi_ = static_cast<uint64_t>(ratio >> 64);
  ratio_lo_ = static_cast<uint64_t>(ratio);
}

uint64_t Modulus::pow(uint64_t a, uint64_t e) const {
  uint64_t result = 1 % q_, base = a;
  while (e != 0) {
    if (e & 1) result = mul(result, base);
    base = mul(base, base);
    e >>= 1;
  }
  return result;
}

uint64_t Modulus::inv(uint64_t a) const {
  // Extended Euclid on (a, q) with signed 128-bit cofactors.
  __int128 r0 = q_, r1 = a % q_, t0 = 0, t1 = 1;
  while (r1 != 0) {
    __int128 quot = r0 / r1;
    __int128 r2 = r0 - quot * r1;
    r0 = r1;
    r1 = r2;
    __int128 t2 = t0 - quot * t1;
    t0 = t1;
    t1 = t2;
  }
  if (r0 != 1) {
    throw std::invalid_argument("hl::Modulus::inv: " + std::to_string(a) +
                                " is not invertible modulo " + std::to_string(q_));
  }
  if (t0 < 0) t0 += q_;
  return static_cast<uint64_t>(t0);
}

}  // namespace hl
