#pragma once
// The AVX-512 IFMA52 kernels of rns_kernels.h, written once over a "vector ops" policy V so that
// the same code runs with real instructions (rns_kernels_avx512ifma.cpp) and with the lane-by-
// lane emulation of tests/math/rns_kernels_ifma_emulated_test.cpp on machines without AVX-512.
// Requires 16 < q < 2^50, q an odd prime (baseConvert also takes q = 2^r, the plaintext
// modulus of a conversion mod t), and inputs as in rns_kernels.h (in particular below 2^50).
//
// vpmadd52luq / vpmadd52huq add the low / high 52 bits of the 104-bit product of two 52-bit
// words to a 64-bit accumulator. Notation: lo(x*y), hi(x*y); b = bit length of q, so
// 2^(b-1) < q < 2^b (q is not a power of two: q is an odd prime).
//
// Barrett reduction of x = H*2^52 + L (P. Barrett, CRYPTO'86; the quotient estimated from the
// top bits as in HAC Alg. 14.42, here with 52-bit limbs): when x' = floor(x / 2^(b-1)) =
// (H << (53 - b)) + (L >> (b - 1)) is below 2^52, then with mu = floor(2^(b+51) / q) < 2^52
// (since q > 2^(b-1)) and Q = hi(x' * mu) < 2^52:
//   x/q - Q < (x mod 2^(b-1))/q + x' (2^(b+51)/q - mu) / 2^52 + 1 < 1 + 1 + 1,
// so x - Q*q is in [0, 3q), below 2^52: it is lo52(L - Q*q), computed as lo52(L + lo(Q * (2^52 -
// q))), and two conditional subtractions (vpminuq of r and r - q) give [0, q).
//  * A product a*b (a, b < q) is such an x: x < q^2, x' < 2^(b+1).
//  * Inner products (dotProductMod, baseConvert) accumulate the exact sum as the two 64-bit
//    lanes L = sum lo(x*y) (+ the correction) and H = sum hi(x*y): with at most 64 products below
//    2^100 (and a correction below 2^50), L < 2^58 + 2^50 and H <= 2^54 - 64 (whatever the size
//    of q). The carry of L moves to H, which stays below 2^54 + 2^7, and H is reduced first, by
//    the same Barrett step with H' = H >> 3 < 2^51 + 2^4 and mH = floor(2^55 / q) < 2^52 (q > 8):
//    H/q - hi(H' * mH) < 7/q + H' (2^55/q - mH) / 2^52 + 1 < 7/17 + 0.51 + 1 < 2, so Hr = H -
//    hi(H' * mH) * q is in [0, 2q), then in [0, q) after one conditional subtraction. Then
//    x = Hr * (2^52 mod q) + L = H*2^52 + L (mod q) is below q^2 + 2^52, so x' < 2^(b+1) +
//    2^(53-b) < 2^52 for 5 <= b <= 50 and the Barrett step above applies to its two limbs
//    (hi, lo) = (hi(Hr * c52), L + lo(Hr * c52)): the low limb may carry into bit 52, which the
//    shift and the masking both tolerate.
//  * Where the terms are few (at most kMontgomeryTerms, so H < 11 * 2^48) and q is odd (not so
//    the plaintext modulus t = 2^r of a conversion mod t), the inner products
//    reduce by Montgomery's method instead (P. Montgomery, "Modular multiplication without trial
//    division", Math. Comp. 1985), with R = 2^52 and q' = -q^-1 mod 2^52: u = lo(L * q') is
//    below 2^52 (vpmadd52luq reads the low 52 bits of L, all that counts), L + lo(u * q) is a
//    multiple of 2^52 below 2^64, and r = H + hi(u * q) + (L + lo(u * q)) / 2^52 = (x + u q) / 2^52
//    is x / 2^52 mod q, below 11 * 2^48 + 2^50 + 2^7 < 2^52: three vpmadd52 and two other
//    operations where the reduction above takes six and fifteen. baseConvert folds 2^52 into
//    its constants (hat_i 2^52 and corr 2^52 mod q) and brings r into [0, q) by conditional
//    subtractions of 2^s q, ..., 2q, q, s from a bound on r / q; dotProductMod multiplies r by
//    2^52 mod q with Shoup's constant, which takes any r below 2^52.
//  * A product by a constant c < q uses Shoup's 52-bit constant c' = floor(c * 2^52 / q) as in
//    fixed_multiplier_ifma_impl.h: for a < 2^52, a*c - hi(a*c')*q is in [0, 2q).
// Sums and differences of reduced values are corrected with one vpminuq.
//
// Full groups of 8 lanes are loaded in place; the last n % 8 elements are copied to zero-padded
// buffers and run through the same code.
//
// V provides (8 lanes of 64 bits; the AVX-512 instruction in brackets): the operations listed in
// ntt_ifma_impl.h (loadu, storeu, zero, set1, add, sub, minu, andv, madd52lo, madd52hi,
// permutex2var), and
//   Reg srlv(a, count), sllv(a, count)  [vpsrlvq / vpsllvq: lanes shifted by the count lanes,
//       0 for counts above 63];
//   Reg loadBytes(const uint8_t* p)  [vpmovzxbq of the 8 bytes at p];
//   Reg loadU32(const uint32_t* p)  [vpmovzxdq of the 8 words of 32 bits at p];
//   Reg gather(const uint64_t* base, Reg index)  [vpgatherqq, scale 8: lane i = base[index_i]];
//   bool equal(Reg a, Reg b)  [vpcmpeqq to a mask, all 8 lanes equal].
//
// Everything here is a template over V, so that each including translation unit gets its own
// instantiations and no out-of-line code is shared between an AVX-512 and a portable one.

#include <cstddef>
#include <cstdint>

namespace hl::detail::ifma::rns {

inline constexpr size_t kLanes = 8;
inline constexpr size_t kMaxTerms = 64;
inline constexpr uint64_t kMask52 = (uint64_t{1} << 52) - 1;

template <class V>
struct Consts {
  using Reg = typename V::Reg;
  Reg zero, q, negq, mask52;
  Reg mu, shiftDown, shiftUp;     // the Barrett step: floor(2^(b+51)/q), b - 1, 53 - b
  Reg muH, three, c52, fiftyTwo;  // the high limb: floor(2^55/q), 3, 2^52 mod q, 52
  Reg qNegInv, c52Shoup;          // Montgomery: -q^-1 mod 2^52; Shoup's constant of 2^52 mod q
};

// The inner products reduce by Montgomery's method up to this many terms (header comment).
inline constexpr size_t kMontgomeryTerms = 11;

template <class V>
Consts<V> makeConsts(uint64_t q) {
  using u128 = unsigned __int128;
  int b = 0;
  while ((q >> b) != 0) ++b;
  Consts<V> c;
  c.zero = V::zero();
  c.q = V::set1(q);
  c.negq = V::set1((uint64_t{1} << 52) - q);
  c.mask52 = V::set1(kMask52);
  c.mu = V::set1(static_cast<uint64_t>((u128{1} << (b + 51)) / q));
  c.shiftDown = V::set1(static_cast<uint64_t>(b - 1));
  c.shiftUp = V::set1(static_cast<uint64_t>(53 - b));
  c.muH = V::set1((uint64_t{1} << 55) / q);
  c.three = V::set1(3);
  c.c52 = V::set1((uint64_t{1} << 52) % q);
  c.fiftyTwo = V::set1(52);
  uint64_t inv = q;                             // q^-1 mod 2^3 (q odd)
  for (int i = 0; i < 5; ++i) inv *= 2 - q * inv;  // Newton: 3 -> 96 bits
  c.qNegInv = V::set1((uint64_t{0} - inv) & kMask52);
  const uint64_t r52 = (uint64_t{1} << 52) % q;
  c.c52Shoup = V::set1(static_cast<uint64_t>((static_cast<u128>(r52) << 52) / q));
  return c;
}

// Shoup's 52-bit constant of c < q.
template <class V>
uint64_t shoup52(uint64_t c, uint64_t q) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(c) << 52) / q);
}

// [0, 2q) -> [0, q)
template <class V>
inline typename V::Reg reduceOnce(typename V::Reg r, const Consts<V>& c) {
  return V::minu(r, V::sub(r, c.q));
}

// x = hi * 2^52 + lo mod q for x < q^2 + 2^53 (header comment), lo < 2^63. Both corrections
// are needed: x = (2^49 - 1) q for the prime q = 2^49 + 69 has x - Q q = 2q.
template <class V>
inline typename V::Reg barrett(typename V::Reg lo, typename V::Reg hi, const Consts<V>& c) {
  const auto xs = V::add(V::sllv(hi, c.shiftUp), V::srlv(lo, c.shiftDown));  // x >> (b - 1)
  const auto quot = V::madd52hi(c.zero, xs, c.mu);
  const auto r = V::andv(V::madd52lo(lo, quot, c.negq), c.mask52);  // [0, 3q)
  return reduceOnce<V>(reduceOnce<V>(r, c), c);
}

// The exact sum hi * 2^52 + lo mod q, for hi < 2^54 and lo < 2^59 (header comment).
template <class V>
inline typename V::Reg reduceWide(typename V::Reg lo, typename V::Reg hi, const Consts<V>& c) {
  hi = V::add(hi, V::srlv(lo, c.fiftyTwo));  // < 2^54 + 2^7
  lo = V::andv(lo, c.mask52);
  const auto quot = V::madd52hi(c.zero, V::srlv(hi, c.three), c.muH);
  const auto hr = reduceOnce<V>(V::andv(V::madd52lo(hi, quot, c.negq), c.mask52), c);  // [0, q)
  return barrett<V>(V::madd52lo(lo, hr, c.c52), V::madd52hi(c.zero, hr, c.c52), c);
}

// (H * 2^52 + L) / 2^52 mod q, not reduced: below H + q + 2^7 (header comment), for any L
// below 2^63 and H + q + 2^7 below 2^64.
template <class V>
inline typename V::Reg montgomery(typename V::Reg lo, typename V::Reg hi, const Consts<V>& c) {
  const auto u = V::madd52lo(c.zero, lo, c.qNegInv);
  const auto carry = V::srlv(V::madd52lo(lo, u, c.q), c.fiftyTwo);
  return V::add(V::madd52hi(hi, u, c.q), carry);
}

// a * c mod q for a < 2^52, given c and c' = shoup52(c).
template <class V>
inline typename V::Reg mulShoup(typename V::Reg a, typename V::Reg cv, typename V::Reg cShoup,
                                const Consts<V>& c) {
  const auto quot = V::madd52hi(c.zero, a, cShoup);
  const auto r = V::andv(V::madd52lo(V::madd52lo(c.zero, a, cv), quot, c.negq), c.mask52);
  return reduceOnce<V>(r, c);  // from [0, 2q)
}

// Copies of the last count < 8 elements, zero-padded to a vector.
template <class V>
inline void copyTail(uint64_t* dst, const uint64_t* src, size_t count) {
  for (size_t i = 0; i < kLanes; ++i) dst[i] = i < count ? src[i] : 0;
}

// out = f(x) for every group of 8 elements, x holding the same group of each row of `in`: full
// groups in place, the tail through zero-padded copies.
template <class V, size_t kIn, class F>
inline void forEachGroup(const uint64_t* const (&in)[kIn], uint64_t* out, size_t n, F f) {
  size_t j = 0;
  for (; j + kLanes <= n; j += kLanes) {
    typename V::Reg x[kIn];
    for (size_t i = 0; i < kIn; ++i) x[i] = V::loadu(in[i] + j);
    V::storeu(out + j, f(x));
  }
  if (j == n) return;
  uint64_t buf[kIn][kLanes], res[kLanes];
  typename V::Reg x[kIn];
  for (size_t i = 0; i < kIn; ++i) {
    copyTail<V>(buf[i], in[i] + j, n - j);
    x[i] = V::loadu(buf[i]);
  }
  V::storeu(res, f(x));
  for (size_t i = 0; j + i < n; ++i) out[j + i] = res[i];
}

template <class V>
void mulMod(uint64_t q, const uint64_t* a, const uint64_t* b, uint64_t* out, size_t n) {
  const Consts<V> c = makeConsts<V>(q);
  const uint64_t* const in[2] = {a, b};
  forEachGroup<V>(in, out, n, [&](const typename V::Reg* x) {
    return barrett<V>(V::madd52lo(c.zero, x[0], x[1]), V::madd52hi(c.zero, x[0], x[1]), c);
  });
}

// out[j] = a[perm[j]] (* b[j] mod q): 8 lanes per vpgatherqq, or per plain load where the 8
// indices are consecutive. The permutations of automorphisms are often made of long runs of
// consecutive indices: at m = 53261 a rotation along the first hypercube dimension (X ->
// X^43863) is 192 runs of 240, and loads are several times faster than gathers there. The tail
// gathers through padded index and factor buffers (index 0 is valid: n > 0 there).
template <class V>
void gatherMulMod(uint64_t q, const uint64_t* a, const uint32_t* perm, const uint64_t* b,
                  uint64_t* out, size_t n) {
  const Consts<V> c = makeConsts<V>(q);
  auto product = [&](typename V::Reg x, typename V::Reg y) {
    return barrett<V>(V::madd52lo(c.zero, x, y), V::madd52hi(c.zero, x, y), c);
  };
  static constexpr uint64_t kIota[kLanes] = {0, 1, 2, 3, 4, 5, 6, 7};
  const typename V::Reg iota = V::loadu(kIota);
  auto load = [&](size_t j) {
    const typename V::Reg idx = V::loadU32(perm + j);
    if (V::equal(idx, V::add(V::set1(perm[j]), iota))) return V::loadu(a + perm[j]);
    return V::gather(a, idx);
  };
  size_t j = 0;
  if (b == nullptr) {
    for (; j + kLanes <= n; j += kLanes) V::storeu(out + j, load(j));
  } else {
    for (; j + kLanes <= n; j += kLanes) V::storeu(out + j, product(load(j), V::loadu(b + j)));
  }
  if (j == n) return;
  uint32_t idx[kLanes] = {};
  uint64_t fb[kLanes], res[kLanes];
  for (size_t i = 0; j + i < n; ++i) idx[i] = perm[j + i];
  const auto x = V::gather(a, V::loadU32(idx));
  if (b == nullptr) {
    V::storeu(res, x);
  } else {
    copyTail<V>(fb, b + j, n - j);
    V::storeu(res, product(x, V::loadu(fb)));
  }
  for (size_t i = 0; j + i < n; ++i) out[j + i] = res[i];
}

template <class V>
void addMod(uint64_t q, const uint64_t* a, const uint64_t* b, uint64_t* out, size_t n) {
  const Consts<V> c = makeConsts<V>(q);
  const uint64_t* const in[2] = {a, b};
  forEachGroup<V>(in, out, n,
                  [&](const typename V::Reg* x) { return reduceOnce<V>(V::add(x[0], x[1]), c); });
}

template <class V>
void subMod(uint64_t q, const uint64_t* a, const uint64_t* b, uint64_t* out, size_t n) {
  const Consts<V> c = makeConsts<V>(q);
  const uint64_t* const in[2] = {a, b};
  forEachGroup<V>(in, out, n, [&](const typename V::Reg* x) {
    const auto d = V::sub(x[0], x[1]);  // a - b, or a - b + 2^64 if a < b
    return V::minu(d, V::add(d, c.q));
  });
}

template <class V>
void mulScalarMod(uint64_t q, const uint64_t* a, uint64_t cst, uint64_t* out, size_t n) {
  const Consts<V> c = makeConsts<V>(q);
  const auto cv = V::set1(cst), cs = V::set1(shoup52<V>(cst, q));
  const uint64_t* const in[1] = {a};
  forEachGroup<V>(in, out, n,
                  [&](const typename V::Reg* x) { return mulShoup<V>(x[0], cv, cs, c); });
}

template <class V>
void subMulScalarMod(uint64_t q, const uint64_t* a, const uint64_t* b, uint64_t cst, uint64_t* out,
                     size_t n) {
  const Consts<V> c = makeConsts<V>(q);
  const auto cv = V::set1(cst), cs = V::set1(shoup52<V>(cst, q));
  const uint64_t* const in[2] = {a, b};
  forEachGroup<V>(in, out, n, [&](const typename V::Reg* x) {
    return mulShoup<V>(V::sub(V::add(x[0], c.q), x[1]), cv, cs, c);  // a - b + q in (0, 2q)
  });
}

template <class V>
void subMulScalarAddMod(uint64_t q, const uint64_t* a, const uint64_t* b, uint64_t cst, uint64_t d,
                        uint64_t* out, size_t n) {
  const Consts<V> c = makeConsts<V>(q);
  const auto cv = V::set1(cst), cs = V::set1(shoup52<V>(cst, q));
  const auto dv = V::set1(d), ds = V::set1(shoup52<V>(d, q));
  auto step = [&](typename V::Reg x, typename V::Reg o) {
    if (d != 1) o = mulShoup<V>(o, dv, ds, c);
    return reduceOnce<V>(V::add(mulShoup<V>(x, cv, cs, c), o), c);  // both in [0, q)
  };
  if (b == nullptr) {
    const uint64_t* const in[2] = {a, out};
    forEachGroup<V>(in, out, n, [&](const typename V::Reg* x) { return step(x[0], x[1]); });
  } else {
    const uint64_t* const in[3] = {a, b, out};
    forEachGroup<V>(in, out, n, [&](const typename V::Reg* x) {
      return step(V::sub(V::add(x[0], c.q), x[1]), x[2]);  // a - b + q in (0, 2q)
    });
  }
}

// A row of 64-bit words, or of 32-bit words zero-extended (the key rows of primes below 2^32).
template <class V>
inline typename V::Reg loadRow(const uint64_t* p) {
  return V::loadu(p);
}
template <class V>
inline typename V::Reg loadRow(const uint32_t* p) {
  return V::loadU32(p);
}

// The inner products of the U groups of 8 lanes from offset j of the rows, stored at out. Two
// groups at once hide the 4-cycle latency of the accumulating vpmadd52 chains.
template <class V, int U, class Y, bool kMont>
inline void dotGroups(const uint64_t* const* x, const Y* const* y, size_t terms, size_t j,
                      uint64_t* out, const Consts<V>& c) {
  typename V::Reg lo[U], hi[U];
  for (int v = 0; v < U; ++v) lo[v] = hi[v] = c.zero;
  for (size_t t = 0; t < terms; ++t) {
    const uint64_t* xt = x[t] + j;
    const Y* yt = y[t] + j;
    for (int v = 0; v < U; ++v) {
      const auto xv = V::loadu(xt + kLanes * v), yv = loadRow<V>(yt + kLanes * v);
      lo[v] = V::madd52lo(lo[v], xv, yv);
      hi[v] = V::madd52hi(hi[v], xv, yv);
    }
  }
  for (int v = 0; v < U; ++v) {
    // Montgomery's r = x / 2^52 (below 2^52), times 2^52 mod q by Shoup's method.
    V::storeu(out + kLanes * v, kMont ? mulShoup<V>(montgomery<V>(lo[v], hi[v], c), c.c52,
                                                    c.c52Shoup, c)
                                      : reduceWide<V>(lo[v], hi[v], c));
  }
}

template <class V, class Y, bool kMont>
void dotProductRows(uint64_t q, const uint64_t* const* x, const Y* const* y, size_t terms,
                    uint64_t* out, size_t n) {
  const Consts<V> c = makeConsts<V>(q);
  size_t j = 0;
  for (; j + 2 * kLanes <= n; j += 2 * kLanes) {
    dotGroups<V, 2, Y, kMont>(x, y, terms, j, out + j, c);
  }
  for (; j + kLanes <= n; j += kLanes) dotGroups<V, 1, Y, kMont>(x, y, terms, j, out + j, c);
  if (j == n) return;
  uint64_t bx[kMaxTerms][kLanes], by[kMaxTerms][kLanes], res[kLanes];
  const uint64_t* px[kMaxTerms];
  const uint64_t* py[kMaxTerms];
  for (size_t t = 0; t < terms; ++t) {
    copyTail<V>(bx[t], x[t] + j, n - j);
    for (size_t i = 0; i < kLanes; ++i) by[t][i] = j + i < n ? y[t][j + i] : 0;
    px[t] = bx[t];
    py[t] = by[t];
  }
  dotGroups<V, 1, uint64_t, kMont>(px, py, terms, 0, res, c);
  for (size_t i = 0; j + i < n; ++i) out[j + i] = res[i];
}

// Y: uint64_t, or uint32_t for rows of 32-bit words (the same sums, half the bytes to stream).
template <class V, class Y = uint64_t>
void dotProductMod(uint64_t q, const uint64_t* const* x, const Y* const* y, size_t terms,
                   uint64_t* out, size_t n) {
  if (terms <= kMontgomeryTerms && (q & 1) != 0) {
    dotProductRows<V, Y, true>(q, x, y, terms, out, n);
  } else {
    dotProductRows<V, Y, false>(q, x, y, terms, out, n);
  }
}

// The correction table corr[0..size) of baseConvert. Up to 16 entries it sits in two registers
// and one vpermt2q looks up 8 lanes (neg[j] < 16 selects by its low four bits); larger tables
// use vpgatherqq.
template <class V>
struct CorrTable {
  typename V::Reg t0, t1;
  const uint64_t* corr;
  bool small;
  CorrTable(const uint64_t* c, size_t size) : corr(c), small(size <= 16) {
    uint64_t padded[16] = {};
    for (size_t i = 0; small && i < size; ++i) padded[i] = c[i];
    t0 = V::loadu(padded);
    t1 = V::loadu(padded + 8);
  }
  typename V::Reg lookup(const uint8_t* neg) const {
    const auto idx = V::loadBytes(neg);
    return small ? V::permutex2var(t0, idx, t1) : V::gather(corr, idx);
  }
};

// Montgomery's r (below (k/4 + 1) q + 2^7 for k inputs below 2^50 and constants below q,
// header comment) into [0, q): conditional subtractions of 2^(s-1) q, ..., 2q, q.
template <class V>
struct Subtractions {
  typename V::Reg step[4];
  int count = 0;
  Subtractions(uint64_t q, size_t k) {
    using u128 = unsigned __int128;
    const u128 bound = u128{q} * (k + 4) / 4 + 128;
    while ((u128{q} << count) < bound) ++count;
    for (int i = 0; i < count; ++i) step[i] = V::set1(q << i);
  }
  typename V::Reg apply(typename V::Reg r) const {
    for (int i = count - 1; i >= 0; --i) r = V::minu(r, V::sub(r, step[i]));
    return r;
  }
};

// How baseConvert brings its sums into [0, q): reduceWide, Montgomery's step (odd q, few
// terms), or a mask (q = 2^r, the plaintext modulus of a conversion mod t: 2^52 = 0 mod q).
enum class Reduction { kWide, kMontgomery, kMask };

template <class V, int U, Reduction kRed>
inline void convertGroups(const uint64_t* const* u, const typename V::Reg* hat, size_t k,
                          const uint8_t* neg, const CorrTable<V>& corr, size_t j, uint64_t* out,
                          const Consts<V>& c, const Subtractions<V>& sub) {
  typename V::Reg lo[U], hi[U];
  for (int v = 0; v < U; ++v) {
    lo[v] = corr.lookup(neg + j + kLanes * v);
    hi[v] = c.zero;
  }
  for (size_t i = 0; i < k; ++i) {
    const uint64_t* ui = u[i] + j;
    for (int v = 0; v < U; ++v) {
      const auto uv = V::loadu(ui + kLanes * v);
      lo[v] = V::madd52lo(lo[v], uv, hat[i]);
      hi[v] = V::madd52hi(hi[v], uv, hat[i]);
    }
  }
  for (int v = 0; v < U; ++v) {
    typename V::Reg r;
    if constexpr (kRed == Reduction::kMontgomery) {
      r = sub.apply(montgomery<V>(lo[v], hi[v], c));
    } else if constexpr (kRed == Reduction::kMask) {
      r = V::andv(lo[v], V::sub(c.q, V::set1(1)));
    } else {
      r = reduceWide<V>(lo[v], hi[v], c);
    }
    V::storeu(out + kLanes * v, r);
  }
}

template <class V, Reduction kRed>
void convertRows(uint64_t q, const uint64_t* const* u, const uint64_t* hat, size_t k,
                 const uint8_t* neg, const uint64_t* corr, size_t corrSize, uint64_t* out,
                 size_t n) {
  const Consts<V> c = makeConsts<V>(q);
  const Subtractions<V> sub(q, k);
  // With Montgomery's reduction, the constants times 2^52 mod q (header comment).
  uint64_t scaledHat[kMaxTerms], scaledCorr[kMaxTerms + 1];
  if constexpr (kRed == Reduction::kMontgomery) {
    const uint64_t r52 = (uint64_t{1} << 52) % q;
    auto times = [&](uint64_t x) {
      return static_cast<uint64_t>(static_cast<unsigned __int128>(x) * r52 % q);
    };
    for (size_t i = 0; i < k; ++i) scaledHat[i] = times(hat[i]);
    for (size_t i = 0; i < corrSize; ++i) scaledCorr[i] = times(corr[i]);
    hat = scaledHat;
    corr = scaledCorr;
  }
  const CorrTable<V> table(corr, corrSize);
  typename V::Reg hv[kMaxTerms];
  for (size_t i = 0; i < k; ++i) hv[i] = V::set1(hat[i]);
  size_t j = 0;
  for (; j + 2 * kLanes <= n; j += 2 * kLanes) {
    convertGroups<V, 2, kRed>(u, hv, k, neg, table, j, out + j, c, sub);
  }
  for (; j + kLanes <= n; j += kLanes) {
    convertGroups<V, 1, kRed>(u, hv, k, neg, table, j, out + j, c, sub);
  }
  if (j == n) return;
  uint64_t bu[kMaxTerms][kLanes], res[kLanes];
  const uint64_t* pu[kMaxTerms];
  uint8_t bn[kLanes];
  for (size_t i = 0; i < k; ++i) {
    copyTail<V>(bu[i], u[i] + j, n - j);
    pu[i] = bu[i];
  }
  for (size_t i = 0; i < kLanes; ++i) bn[i] = j + i < n ? neg[j + i] : 0;
  convertGroups<V, 1, kRed>(pu, hv, k, bn, table, 0, res, c, sub);
  for (size_t i = 0; j + i < n; ++i) out[j + i] = res[i];
}

template <class V>
void baseConvert(uint64_t q, const uint64_t* const* u, const uint64_t* hat, size_t k,
                 const uint8_t* neg, const uint64_t* corr, size_t corrSize, uint64_t* out,
                 size_t n) {
  if ((q & (q - 1)) == 0) {
    convertRows<V, Reduction::kMask>(q, u, hat, k, neg, corr, corrSize, out, n);
  } else if (k <= kMontgomeryTerms && corrSize <= kMaxTerms + 1 && (q & 1) != 0) {
    convertRows<V, Reduction::kMontgomery>(q, u, hat, k, neg, corr, corrSize, out, n);
  } else {
    convertRows<V, Reduction::kWide>(q, u, hat, k, neg, corr, corrSize, out, n);
  }
}

}  // namespace hl::detail::ifma::rns
