#include "helib-like/math/cyclotomic_dft.h"

#include <NTL/ZZX.h>
#include <NTL/lzz_pX.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>

#include "helib-like/math/ntt.h"
#include "helib-like/math/primes.h"
#include "math/fixed_multiplier.h"
#include "math/ntt_kernels.h"
#include "math/number_theory.h"

namespace hl {
namespace {

using detail::bitReverse;
using detail::isPowerOfTwo;
using detail::nextPowerOfTwo;
using detail::primeFactors;
using detail::primitiveRoot;

void checkM(uint64_t m, const char* who) {
  if (m < 2) {
    throw std::invalid_argument(std::string(who) + ": m = " + std::to_string(m) +
                                " is not a valid cyclotomic index (need m >= 2)");
  }
}

// Bluestein lengths: forward needs N >= phi(m) + m - 1, inverse N >= 2m - 1.
size_t forwardLength(uint64_t m) { return nextPowerOfTwo(eulerPhi(m) + m - 1); }
size_t inverseLength(uint64_t m) { return nextPowerOfTwo(2 * m - 1); }

// thread-local scratch so that the transforms allocate nothing after warm-up.
uint64_t* scratch(size_t words) {
  thread_local detail::AlignedVector<uint64_t> buf;
  if (buf.size() < words) buf.resize(words);
  return buf.data();
}

}  // namespace

uint64_t eulerPhi(uint64_t m) {
  uint64_t phi = m;
  for (uint64_t p : primeFactors(m)) phi = phi / p * (p - 1);
  return phi;
}

std::vector<uint64_t> evaluationExponents(uint64_t m) {
  checkM(m, "hl::evaluationExponents");
  std::vector<uint64_t> e;
  if (isPowerOfTwo(m)) {
    const size_t n = m / 2;
    const int logn = __builtin_ctzll(n);
    e.resize(n);
    for (size_t k = 0; k < n; ++k) e[k] = (2 * bitReverse(k, logn) + 1) % m;
    return e;
  }
  // Lexicographic in (e mod m_1, ..., e mod m_k) over the prime-power factors m_1 < ... < m_k:
  // the row-major order of the powerful-basis transform's output (PowerfulDft), so that it
  // writes evaluation vectors without a permutation. For a prime power: increasing order.
  const auto f = detail::primePowers(m);
  std::vector<uint64_t> weight(f.size());  // CRT: e = sum_i u_i * weight_i mod m
  for (size_t i = 0; i < f.size(); ++i) {
    const uint64_t rest = m / f[i].pe;
    const uint64_t inv = detail::invMod(rest % f[i].pe, f[i].pe);
    weight[i] = static_cast<uint64_t>((static_cast<unsigned __int128>(rest) * inv) % m);
  }
  std::vector<std::vector<uint64_t>> units(f.size());
  for (size_t i = 0; i < f.size(); ++i) {
    for (uint64_t u = 1; u < f[i].pe; ++u) {
      if (u % f[i].p != 0) units[i].push_back(u);
    }
  }
  // Odometer over the multi-index, last dimension fastest.
  std::vector<size_t> idx(f.size(), 0);
  e.reserve(eulerPhi(m));
  while (true) {
    unsigned __int128 x = 0;
    for (size_t i = 0; i < f.size(); ++i)
      x += static_cast<unsigned __int128>(units[i][idx[i]]) * weight[i];
    e.push_back(static_cast<uint64_t>(x % m));
    size_t d = f.size();
    while (d > 0 && ++idx[d - 1] == units[d - 1].size()) idx[--d] = 0;
    if (d == 0) break;
  }
  return e;
}

namespace {

// Phi_m by exact big-integer polynomial arithmetic (NTL): the fallback when a truncated
// power-series coefficient leaves 64 bits.
std::vector<int64_t> cyclotomicPolynomialNtl(uint64_t m) {
  // Phi_m = prod_{d | m} (X^d - 1)^mu(m/d): multiply the factors with mu = +1, then divide
  // exactly by those with mu = -1.
  const auto primes = primeFactors(m);
  NTL::ZZX num(NTL::INIT_MONO, 0), den(NTL::INIT_MONO, 0);
  for (uint64_t mask = 0; mask < (uint64_t{1} << primes.size()); ++mask) {
    uint64_t d = m;  // m / (product of a square-free set of primes): mu(m/d) = (-1)^|set|
    for (size_t i = 0; i < primes.size(); ++i) {
      if (mask >> i & 1) d /= primes[i];
    }
    NTL::ZZX f(NTL::INIT_MONO, static_cast<long>(d));
    NTL::SetCoeff(f, 0, -1);
    ((__builtin_popcountll(mask) & 1) ? den : num) *= f;
  }
  NTL::ZZX phi;
  if (!NTL::divide(phi, num, den)) throw std::logic_error("hl::cyclotomicPolynomial: inexact");
  std::vector<int64_t> c(static_cast<size_t>(NTL::deg(phi)) + 1);
  for (size_t i = 0; i < c.size(); ++i) {
    const NTL::ZZ& x = NTL::coeff(phi, static_cast<long>(i));
    if (NTL::NumBits(x) > 63) {
      throw std::overflow_error("hl::cyclotomicPolynomial: a coefficient of Phi_" +
                                std::to_string(m) + " does not fit in 64 bits");
    }
    c[i] = NTL::conv<long>(x);
  }
  return c;
}

// For m > 1, Phi_m = prod_{d | m} (1 - X^d)^mu(m/d) (the signs cancel since sum mu = 0), and
// as it has degree phi(m) it can be computed as a power series mod X^(phi+1): multiplying by
// 1 - X^d and dividing by it are both O(phi). Returns false if a coefficient overflows.
bool cyclotomicPolynomialSeries(uint64_t m, std::vector<int64_t>& f) {
  const size_t n = eulerPhi(m);
  const auto primes = primeFactors(m);
  f.assign(n + 1, 0);
  f[0] = 1;
  for (uint64_t mask = 0; mask < (uint64_t{1} << primes.size()); ++mask) {
    uint64_t d = m;
    for (size_t i = 0; i < primes.size(); ++i) {
      if (mask >> i & 1) d /= primes[i];
    }
    if (d > n) continue;                          // 1 - X^d = 1 mod X^(n+1)
    if ((__builtin_popcountll(mask) & 1) == 0) {  // times (1 - X^d)
      for (size_t i = n; i >= d; --i) {
        if (__builtin_sub_overflow(f[i], f[i - d], &f[i])) return false;
      }
    } else {  // divided by (1 - X^d): times 1 + X^d + X^2d + ...
      for (size_t i = d; i <= n; ++i) {
        if (__builtin_add_overflow(f[i], f[i - d], &f[i])) return false;
      }
    }
  }
  return true;
}

}  // namespace

std::vector<int64_t> cyclotomicPolynomial(uint64_t m) {
  if (m < 1) throw std::invalid_argument("hl::cyclotomicPolynomial: m must be >= 1");
  if (m == 1) return {-1, 1};
  // Every prime of a chain asks for the same Phi_m: remember the last few.
  static std::mutex mutex;
  static std::vector<std::pair<uint64_t, std::vector<int64_t>>> cache;
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (const auto& [key, value] : cache) {
      if (key == m) return value;
    }
  }
  std::vector<int64_t> f;
  if (!cyclotomicPolynomialSeries(m, f)) f = cyclotomicPolynomialNtl(m);
  std::lock_guard<std::mutex> lock(mutex);
  if (cache.size() >= 8) cache.erase(cache.begin());
  cache.emplace_back(m, f);
  return f;
}

uint64_t cyclotomicDftDivisor(uint64_t m) {
  checkM(m, "hl::cyclotomicDftDivisor");
  if (isPowerOfTwo(m)) return m;
  const uint64_t chirpOrder = (m % 2 == 1) ? m : 2 * m;
  const uint64_t twoN = 2 * std::max(forwardLength(m), inverseLength(m));
  return std::lcm(chirpOrder, twoN);
}

// Bluestein's transform with the chirp eta^(k^2), eta of order m (m odd) or 2m (m even), so
// that zeta = eta^2 and zeta^(ij) = eta^(i^2) eta^(j^2) eta^(-(i-j)^2).
struct CyclotomicDft::Bluestein {
  size_t nf, ni;                                 // Bluestein lengths (forward, inverse)
  std::vector<std::unique_ptr<NttTables>> ntts;  // distinct power-of-two lengths
  const NttTables* fwd;                          // length nf
  const NttTables* inv;                          // length ni
  std::vector<uint32_t> exps;                    // evaluationExponents(m) (m < 2^32)
  // Forward: x_j = a_j * chirpIn[j] (j < n), y = x (*) hF, value_k = y[e_k + n - 1] * chirpOut[k].
  detail::FixedMultiplier chirpIn, hF, chirpOut;
  // Inverse: x_e = A_k * ichirpIn[k] (includes 1/m), y = x (*) hI, b_j = y[j + m - 1] *
  // ichirpOut[j].
  detail::FixedMultiplier ichirpIn, hI, ichirpOut;
  // Reduction of b (degree < m) mod Phi_m: either schoolbook over the nonzero terms of Phi_m
  // or Newton division with NTTs of lengths n1 (quotient) and n2 (product).
  bool schoolbook;
  std::vector<std::pair<size_t, uint64_t>> phiTerms;  // (i, -Phi_i mod q) for Phi_i != 0, i < n
  const NttTables* ntt1 = nullptr;
  const NttTables* ntt2 = nullptr;
  detail::FixedMultiplier finvHat, phiHat;

  // The product by the filter transform followed by the inverse NTT, fused into the kernel
  // where the kernel offers it (AVX2), in two passes otherwise.
  static void filterThenInverse(const NttTables& ntt, const detail::FixedMultiplier& filter,
                                uint64_t* x) {
#ifdef HL_HAVE_NTT_AVX2
    if (ntt.level() == SimdLevel::kAvx2 && filter.level() == SimdLevel::kAvx2) {
      detail::NttKernelArgs args;
      detail::fillKernelArgs(ntt, args);
      detail::nttInverseMulAvx2(x, args, filter.doubles());
      return;
    }
#endif
    filter.applyLazy(x, x, ntt.size());
    ntt.inverse(x);
  }

  const NttTables* tables(size_t len, const Modulus& q, SimdLevel level) {
    for (auto& t : ntts) {
      if (t->size() == len) return t.get();
    }
    ntts.push_back(std::make_unique<NttTables>(len, q, 0, level));
    return ntts.back().get();
  }
};

CyclotomicDft::CyclotomicDft(uint64_t m, const Modulus& q, SimdLevel level) : m_(m), n_(0), q_(q) {
  checkM(m, "hl::CyclotomicDft");
  if (m >> 31 != 0) {
    throw std::invalid_argument("hl::CyclotomicDft: m = " + std::to_string(m) +
                                " is too large (the transforms index Z_m with 32-bit words)");
  }
  const uint64_t qv = q.value();
  const uint64_t divisor = cyclotomicDftDivisor(m);
  if (q.bits() > kMaxPrimeBits || !isPrime(qv) || (qv - 1) % divisor != 0) {
    throw std::invalid_argument("hl::CyclotomicDft: modulus " + std::to_string(qv) +
                                " is not a prime below 2^" + std::to_string(kMaxPrimeBits) +
                                " that is 1 mod " + std::to_string(divisor) +
                                " (needed for m = " + std::to_string(m) + ")");
  }
  n_ = eulerPhi(m);
  if (isPowerOfTwo(m)) {
    pow2_ = std::make_unique<NttTables>(n_, q, 0, level);
    zeta_ = pow2_->psi();
    return;
  }
  auto b = std::make_unique<Bluestein>();
  const uint64_t order = (m % 2 == 1) ? m : 2 * m;
  const uint64_t eta = primitiveRoot(q, order);
  const uint64_t etaInv = q.inv(eta);
  zeta_ = q.mul(eta, eta);
  // eta^(j^2) and eta^(-j^2) for 0 <= j < m (every offset used has |k| < m), incrementally:
  // eta^((j+1)^2) = eta^(j^2) * eta^(2j+1).
  std::vector<uint64_t> sq(m), sqInv(m);
  {
    uint64_t c = 1, ci = 1, d = eta, di = etaInv;
    const uint64_t eta2 = q.mul(eta, eta), eta2Inv = q.mul(etaInv, etaInv);
    for (size_t j = 0; j < m; ++j) {
      sq[j] = c;
      sqInv[j] = ci;
      c = q.mul(c, d);
      ci = q.mul(ci, di);
      d = q.mul(d, eta2);
      di = q.mul(di, eta2Inv);
    }
  }
  auto chirp = [&](int64_t k, bool inverse) {  // eta^(+-k^2), |k| < m
    const size_t a = static_cast<size_t>(k < 0 ? -k : k);
    return inverse ? sqInv[a] : sq[a];
  };
  {
    const auto e = evaluationExponents(m);
    b->exps.assign(e.begin(), e.end());
  }
  b->nf = forwardLength(m);
  b->ni = inverseLength(m);
  b->fwd = b->tables(b->nf, q, level);
  b->inv = b->tables(b->ni, q, level);
  const size_t n = n_;

  auto fixed = [&](std::vector<uint64_t> w) {
    return detail::FixedMultiplier(std::move(w), q, level);
  };
  // Forward chirps and the transformed filter h_t = eta^(-(t - (n-1))^2), t < n + m - 1.
  std::vector<uint64_t> w(n);
  for (size_t j = 0; j < n; ++j) w[j] = chirp(static_cast<int64_t>(j), false);
  b->chirpIn = fixed(w);
  for (size_t k = 0; k < n; ++k) w[k] = chirp(static_cast<int64_t>(b->exps[k]), false);
  b->chirpOut = fixed(w);
  std::vector<uint64_t> h(b->nf, 0);
  for (size_t t = 0; t < n + m - 1; ++t) {
    h[t] = chirp(static_cast<int64_t>(t) - static_cast<int64_t>(n - 1), true);
  }
  b->fwd->forward(h.data());
  b->hF = fixed(std::move(h));
  // Inverse: b_j = (1/m) eta^(-j^2) sum_e (A_e eta^(-e^2)) eta^((j - e)^2), filter offset m - 1.
  const uint64_t mInv = q.inv(m % qv);
  for (size_t k = 0; k < n; ++k) {
    w[k] = q.mul(mInv, chirp(static_cast<int64_t>(b->exps[k]), true));
  }
  b->ichirpIn = fixed(w);
  w.resize(m);
  for (size_t j = 0; j < m; ++j) w[j] = chirp(static_cast<int64_t>(j), true);
  b->ichirpOut = fixed(std::move(w));
  h.assign(b->ni, 0);
  for (size_t t = 0; t < 2 * m - 1; ++t) {
    h[t] = chirp(static_cast<int64_t>(t) - static_cast<int64_t>(m - 1), false);
  }
  b->inv->forward(h.data());
  b->hI = fixed(std::move(h));

  // Reduction mod Phi_m.
  const auto phi = cyclotomicPolynomial(m);
  std::vector<uint64_t> phiModQ(n + 1);
  for (size_t i = 0; i <= n; ++i) phiModQ[i] = q.reduceSigned(phi[i]);
  const size_t d = m - n;
  size_t nonzero = 0;
  for (size_t i = 0; i < n; ++i) nonzero += phiModQ[i] != 0;
  const size_t n1 = nextPowerOfTwo(2 * d - 1), n2 = nextPowerOfTwo(m);
  const double schoolbookCost = static_cast<double>(d) * static_cast<double>(nonzero);
  const double nttCost = 3.0 * (static_cast<double>(n1) * std::log2(static_cast<double>(n1)) +
                                static_cast<double>(n2) * std::log2(static_cast<double>(n2)));
  b->schoolbook = schoolbookCost <= nttCost;
  if (b->schoolbook) {
    for (size_t i = 0; i < n; ++i) {
      if (phiModQ[i] != 0) b->phiTerms.emplace_back(i, q.neg(phiModQ[i]));
    }
  } else {
    // rev(Q) = rev(b) * Phi^-1 mod X^d (Phi_m is palindromic for m >= 2, so rev(Phi) = Phi).
    NTL::zz_pPush push(static_cast<long>(qv));
    NTL::zz_pX f;
    for (size_t i = 0; i <= n; ++i)
      NTL::SetCoeff(f, static_cast<long>(i), static_cast<long>(phiModQ[i]));
    NTL::zz_pX finv = NTL::InvTrunc(f, static_cast<long>(d));
    b->ntt1 = b->tables(n1, q, level);
    b->ntt2 = b->tables(n2, q, level);
    std::vector<uint64_t> fh(n1, 0), ph(n2, 0);
    for (size_t i = 0; i < d; ++i) fh[i] = NTL::rep(NTL::coeff(finv, static_cast<long>(i)));
    b->ntt1->forward(fh.data());
    b->finvHat = fixed(std::move(fh));
    std::copy(phiModQ.begin(), phiModQ.end(), ph.begin());
    b->ntt2->forward(ph.data());
    b->phiHat = fixed(std::move(ph));
  }
  blue_ = std::move(b);
}

CyclotomicDft::~CyclotomicDft() = default;

void CyclotomicDft::forward(const uint64_t* coeffs, uint64_t* values) const {
  if (pow2_) {
    if (values != coeffs) std::copy(coeffs, coeffs + n_, values);
    pow2_->forward(values);
    return;
  }
  const Bluestein& b = *blue_;
  const size_t n = n_;
  uint64_t* x = scratch(b.nf);
  b.chirpIn.applyLazy(x, coeffs, n);
  std::fill(x + n, x + b.nf, 0);
  b.fwd->forward(x);
  Bluestein::filterThenInverse(*b.fwd, b.hF, x);
  const uint64_t* y = x + (n - 1);
  // Gather the unit positions and multiply by the output chirp, a chunk at a time so that the
  // gathered words are still in L1 when they are multiplied.
  constexpr size_t kChunk = 512;
  for (size_t k0 = 0; k0 < n; k0 += kChunk) {
    const size_t len = std::min(kChunk, n - k0);
    for (size_t k = k0; k < k0 + len; ++k) values[k] = y[b.exps[k]];
    b.chirpOut.apply(values + k0, values + k0, len, k0);
  }
}

void CyclotomicDft::inverse(const uint64_t* values, uint64_t* coeffs) const {
  if (pow2_) {
    if (values != coeffs) std::copy(values, values + n_, coeffs);
    pow2_->inverse(coeffs);
    return;
  }
  const Bluestein& b = *blue_;
  const size_t n = n_, m = m_, d = m - n;
  const size_t n1 = b.ntt1 ? b.ntt1->size() : 0, n2 = b.ntt2 ? b.ntt2->size() : 0;
  uint64_t* x = scratch(b.ni + m + n1 + n2);
  uint64_t* r = x + b.ni;  // b_j, j < m
  b.ichirpIn.applyLazy(r, values, n);
  std::fill(x, x + b.ni, 0);
  for (size_t k = 0; k < n; ++k) x[b.exps[k]] = r[k];
  b.inv->forward(x);
  Bluestein::filterThenInverse(*b.inv, b.hI, x);
  b.ichirpOut.apply(r, x + (m - 1), m);
  // r mod Phi_m.
  if (b.schoolbook) {
    for (size_t k = m - 1; k >= n; --k) {  // subtract r_k X^(k-n) Phi_m
      const uint64_t c = r[k];
      if (c == 0) continue;  // public control flow: the coefficients are not secret here
      for (const auto& [i, negPhi] : b.phiTerms) {
        r[k - n + i] = q_.add(r[k - n + i], q_.mul(c, negPhi));
      }
    }
    std::copy(r, r + n, coeffs);
    return;
  }
  uint64_t* t1 = r + m;
  uint64_t* t2 = t1 + n1;
  for (size_t i = 0; i < d; ++i) t1[i] = r[m - 1 - i];
  std::fill(t1 + d, t1 + n1, 0);
  b.ntt1->forward(t1);
  b.finvHat.applyLazy(t1, t1, n1);
  b.ntt1->inverse(t1);  // t1[0..d) = reversed quotient
  for (size_t i = 0; i < d; ++i) t2[i] = t1[d - 1 - i];
  std::fill(t2 + d, t2 + n2, 0);
  b.ntt2->forward(t2);
  b.phiHat.applyLazy(t2, t2, n2);
  b.ntt2->inverse(t2);  // quotient * Phi_m, no wrap-around since n2 >= m
  for (size_t j = 0; j < n; ++j) coeffs[j] = q_.sub(r[j], t2[j]);
}

}  // namespace hl
