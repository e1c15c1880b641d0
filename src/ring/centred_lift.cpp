#include "ring/centred_lift.h"

#include <omp.h>
#include <openssl/crypto.h>

#include <cassert>
#include <stdexcept>

#include "math/rns_kernels.h"

namespace hl::detail {

namespace {
template <typename V>
void wipe(V& v) {
  if (!v.empty()) OPENSSL_cleanse(v.data(), v.size() * sizeof(v[0]));
}

// The accumulation loops, also compiled for x86-64-v4 (AVX-512 with 64-bit integer products
// and int64 -> double conversions, so that they vectorise) and chosen at load time (GCC's
// target_clones). Every version gives the same words for lo / hi; s may differ in its last bits
// (contraction into FMA), far inside the rounding margin.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define HL_LIFT_CLONES __attribute__((target_clones("arch=x86-64-v4", "default")))
#else
#define HL_LIFT_CLONES
#endif

HL_LIFT_CLONES void accumulatePowerOfTwo(const uint64_t* row, size_t n, double inv, uint64_t h,
                                         double* s, uint64_t* lo) {
  for (size_t j = 0; j < n; ++j) {
    s[j] += static_cast<double>(static_cast<int64_t>(row[j])) * inv;
    lo[j] += row[j] * h;
  }
}

HL_LIFT_CLONES void accumulate128(const uint64_t* row, size_t n, double inv, uint64_t h, double* s,
                                  uint64_t* lo, uint64_t* hi) {
  for (size_t j = 0; j < n; ++j) {
    s[j] += static_cast<double>(static_cast<int64_t>(row[j])) * inv;
    const unsigned __int128 prod = static_cast<unsigned __int128>(row[j]) * h;
    const uint64_t sum = lo[j] + static_cast<uint64_t>(prod);
    hi[j] += static_cast<uint64_t>(prod >> 64) + static_cast<uint64_t>(sum < lo[j]);
    lo[j] = sum;
  }
}
}  // namespace

CentredLiftModT::CentredLiftModT(const ModulusChain& chain, const IndexSet& primes,
                                 const Modulus& t)
    : chain_(chain), primes_(primes), t_(t), n_(chain.ring().phi()) {
  const size_t L = primes.size();
  if (L > 64) throw std::invalid_argument("hl::DoubleCRT: the fast lift takes at most 64 primes");
  const uint64_t tv = t.value();
  powerOfTwo_ = (tv & (tv - 1)) == 0;
  hatInv_.resize(L);
  hatModT_.resize(L);
  invQ_.resize(L);
  qModT_ = 1 % tv;
  for (size_t i = 0; i < L; ++i) {
    const Modulus& qi = chain.modulus(primes[i]);
    uint64_t h = 1 % qi.value(), hT = 1 % tv;
    for (size_t k = 0; k < L; ++k) {
      if (k == i) continue;
      const uint64_t qk = chain.modulus(primes[k]).value();
      h = qi.mul(h, qi.reduce(qk));
      hT = t.mul(hT, t.reduce(qk));
    }
    hatInv_[i] = qi.inv(h);
    hatModT_[i] = hT;
    invQ_[i] = 1.0 / static_cast<double>(qi.value());
    qModT_ = t.mul(qModT_, t.reduce(qi.value()));
  }
  partials_.resize(static_cast<size_t>(omp_get_max_threads()));
}

CentredLiftModT::~CentredLiftModT() {
  for (Partial& p : partials_) {
    wipe(p.s);
    wipe(p.lo);
    wipe(p.hi);
  }
}

void CentredLiftModT::add(size_t k, uint64_t* row) {
  const auto tid = static_cast<size_t>(omp_get_thread_num());
  assert(tid < partials_.size());
  Partial& p = partials_[tid];
  if (p.s.empty()) {
    p.s.assign(n_, 0.0);
    p.lo.assign(n_, 0);
    if (!powerOfTwo_) p.hi.assign(n_, 0);
  }
  // y < 2^50 converts to double exactly through int64_t (one instruction; a uint64_t
  // conversion branches). For t = 2^r the sum is kept mod 2^64, a multiple of t.
  detail::mulScalarMod(chain_.modulus(primes_[k]), row, hatInv_[k], row, n_);
  if (powerOfTwo_) {
    accumulatePowerOfTwo(row, n_, invQ_[k], hatModT_[k], p.s.data(), p.lo.data());
  } else {
    accumulate128(row, n_, invQ_[k], hatModT_[k], p.s.data(), p.lo.data(), p.hi.data());
  }
}

std::vector<uint64_t> CentredLiftModT::finish() {
  // Merge the threads' partial sums into the first one used.
  Partial* first = nullptr;
  for (Partial& p : partials_) {
    if (p.s.empty()) continue;
    if (first == nullptr) {
      first = &p;
      continue;
    }
    for (size_t j = 0; j < n_; ++j) {
      first->s[j] += p.s[j];
      const uint64_t sum = first->lo[j] + p.lo[j];
      if (!powerOfTwo_) first->hi[j] += p.hi[j] + static_cast<uint64_t>(sum < p.lo[j]);
      first->lo[j] = sum;
    }
  }
  std::vector<uint64_t> out(n_, 0);
  if (first == nullptr) return out;
  const uint64_t tv = t_.value();
  const double* s = first->s.data();
  const uint64_t* lo = first->lo.data();
  if (powerOfTwo_) {
    for (size_t j = 0; j < n_; ++j) {
      // v = floor(s + 1/2) is round(s) except at ties, which lie outside the domain.
      const auto v = static_cast<uint64_t>(static_cast<int64_t>(s[j] + 0.5));  // 0 <= v <= L
      out[j] = (lo[j] - v * qModT_) & (tv - 1);
    }
  } else {
    const uint64_t* hi = first->hi.data();
    const uint64_t two64ModT = t_.reduce128(static_cast<unsigned __int128>(1) << 64);
    for (size_t j = 0; j < n_; ++j) {
      const auto v = static_cast<uint64_t>(static_cast<int64_t>(s[j] + 0.5));
      const uint64_t sum = t_.add(t_.mul(t_.reduce(hi[j]), two64ModT), t_.reduce(lo[j]));
      out[j] = t_.sub(sum, t_.mul(t_.reduce(v), qModT_));
    }
  }
  return out;
}

}  // namespace hl::detail
