#include "helib-like/math/ntt.h"

#include <stdexcept>
#include <string>

#include "helib-like/math/primes.h"
#include "math/ntt_kernels.h"

namespace hl {
namespace {

// Which SIMD kernels this build has (src/math/*_avx2.cpp, *_avx512ifma.cpp; see CMakeLists.txt).
#ifdef HL_HAVE_NTT_AVX2
constexpr bool kHaveAvx2Kernel = true;
#else
constexpr bool kHaveAvx2Kernel = false;
#endif
#ifdef HL_HAVE_NTT_AVX512IFMA
constexpr bool kHaveIfmaKernel = true;
#else
constexpr bool kHaveIfmaKernel = false;
#endif

size_t bitReverse(size_t x, int bits) {
  size_t r = 0;
  for (int i = 0; i < bits; ++i) r |= ((x >> i) & 1) << (bits - 1 - i);
  return r;
}

uint64_t shoup52(uint64_t w, uint64_t q) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(w) << 52) / q);
}

}  // namespace

NttTables::NttTables(size_t n, const Modulus& q, uint64_t psi, SimdLevel level)
    : n_(n), logn_(0), q_(q), psi_(psi), level_(detail::usableLevel(level, kHaveAvx2Kernel, kHaveIfmaKernel)) {
  if (n == 0 || (n & (n - 1)) != 0 || n > (size_t{1} << 26)) {
    throw std::invalid_argument("hl::NttTables: length " + std::to_string(n) +
                                " is not a power of two in [1, 2^26]");
  }
  logn_ = __builtin_ctzll(n);
  const uint64_t qv = q.value();
  if (q.bits() > kMaxPrimeBits || !isPrime(qv)) {
    throw std::invalid_argument("hl::NttTables: modulus " + std::to_string(qv) +
                                " is not a prime below 2^" + std::to_string(kMaxPrimeBits));
  }
  if ((qv - 1) % (2 * n) != 0) {
    throw std::invalid_argument("hl::NttTables: modulus " + std::to_string(qv) +
                                " is not 1 mod 2n = " + std::to_string(2 * n));
  }
  const uint64_t order = 2 * n;
  auto isPrimitive = [&](uint64_t r) { return q.pow(r, n) == qv - 1; };  // r^n = -1
  if (psi_ == 0) {
    for (uint64_t g = 2;; ++g) {
      uint64_t r = q.pow(g, (qv - 1) / order);
      if (isPrimitive(r)) {
        psi_ = r;
        break;
      }
    }
  } else if (psi_ >= qv || !isPrimitive(psi_)) {
    throw std::invalid_argument("hl::NttTables: " + std::to_string(psi) +
                                " is not a primitive 2n-th root of unity mod " +
                                std::to_string(qv));
  }
  const uint64_t psiInv = q.inv(psi_);
  w_.resize(n);
  wi_.resize(n);
  uint64_t p = 1, pi = 1;
  for (size_t k = 0; k < n; ++k) {
    const size_t r = bitReverse(k, logn_);
    w_[r] = p;
    wi_[r] = pi;
    p = q.mul(p, psi_);
    pi = q.mul(pi, psiInv);
  }
  // Only the tables of the kernels that can run are built (at n = 2^17 each table is 1 MiB):
  // the scalar one for the scalar level and for the small lengths every SIMD kernel hands to
  // it, the IFMA ones for the IFMA level or when IFMA was asked for (the emulated-IFMA test
  // runs that algorithm on machines without it), the AVX2 ones for the AVX2 level.
  const bool scalarTables = level_ == SimdLevel::kScalar || n < 64;
  const bool ifmaTables = level_ == SimdLevel::kAvx512Ifma || level == SimdLevel::kAvx512Ifma;
  const bool avx2Tables = level_ == SimdLevel::kAvx2;
  if (scalarTables) {
    wShoup_.resize(n);
    wiShoup_.resize(n);
    for (size_t k = 0; k < n; ++k) {
      wShoup_[k] = q.shoup(w_[k]);
      wiShoup_[k] = q.shoup(wi_[k]);
    }
  }
  if (ifmaTables) {
    wShoup52_.resize(n);
    wiShoup52_.resize(n);
    for (size_t k = 0; k < n; ++k) {
      wShoup52_[k] = shoup52(w_[k], qv);
      wiShoup52_[k] = shoup52(wi_[k], qv);
    }
  }
  // IFMA stride-2 twiddles, per 16-word group: 8 lanes then their Shoup constants.
  if (ifmaTables && n >= 16) {
    wIfma2_.resize(n);
    wiIfma2_.resize(n);
    for (size_t k = 0; k < n / 16; ++k) {
      for (size_t r = 0; r < 8; ++r) {
        const size_t from = n / 4 + 4 * k + r / 2;
        wIfma2_[16 * k + r] = w_[from];
        wIfma2_[16 * k + 8 + r] = wShoup52_[from];
        wiIfma2_[16 * k + r] = wi_[from];
        wiIfma2_[16 * k + 8 + r] = wiShoup52_[from];
      }
    }
  }
  if (avx2Tables) {
    wd_.resize(n);
    wdq_.resize(n);
    wid_.resize(n);
    widq_.resize(n);
    for (size_t k = 0; k < n; ++k) {
      wd_[k] = static_cast<double>(w_[k]);
      wdq_[k] = static_cast<double>(w_[k]) / static_cast<double>(qv);
      wid_[k] = static_cast<double>(wi_[k]);
      widq_[k] = static_cast<double>(wi_[k]) / static_cast<double>(qv);
    }
  }
  nInv_ = q.inv(n % qv);
  nInvShoup_ = q.shoup(nInv_);
  nInvShoup52_ = shoup52(nInv_, qv);
  nInvW_ = n > 1 ? q.mul(nInv_, wi_[1]) : nInv_;
  nInvWShoup_ = q.shoup(nInvW_);
  nInvWShoup52_ = shoup52(nInvW_, qv);
}

NttTables::~NttTables() = default;
NttTables::NttTables(NttTables&&) noexcept = default;
NttTables& NttTables::operator=(NttTables&&) noexcept = default;

void NttTables::fillArgs(detail::NttKernelArgs& t) const {
  t.q = q_.value();
  t.n = n_;
  t.logn = logn_;
  t.w = w_.data();
  t.wShoup = wShoup_.data();
  t.wShoup52 = wShoup52_.data();
  t.wi = wi_.data();
  t.wiShoup = wiShoup_.data();
  t.wiShoup52 = wiShoup52_.data();
  t.wd = wd_.data();
  t.wdq = wdq_.data();
  t.wid = wid_.data();
  t.widq = widq_.data();
  t.wIfma2 = wIfma2_.data();
  t.wiIfma2 = wiIfma2_.data();
  t.nInv = nInv_;
  t.nInvShoup = nInvShoup_;
  t.nInvShoup52 = nInvShoup52_;
  t.nInvW = nInvW_;
  t.nInvWShoup = nInvWShoup_;
  t.nInvWShoup52 = nInvWShoup52_;
}

void detail::fillKernelArgs(const NttTables& tables, NttKernelArgs& t) { tables.fillArgs(t); }

void NttTables::forward(uint64_t* a) const {
  detail::NttKernelArgs t;
  fillArgs(t);
  switch (level_) {
    case SimdLevel::kAvx512Ifma:
      if constexpr (kHaveIfmaKernel) return detail::nttForwardAvx512Ifma(a, t);
      break;
    case SimdLevel::kAvx2:
      if constexpr (kHaveAvx2Kernel) return detail::nttForwardAvx2(a, t);
      break;
    case SimdLevel::kScalar: break;
  }
  detail::nttForwardScalar(a, t);
}

void NttTables::inverse(uint64_t* a) const {
  detail::NttKernelArgs t;
  fillArgs(t);
  switch (level_) {
    case SimdLevel::kAvx512Ifma:
      if constexpr (kHaveIfmaKernel) return detail::nttInverseAvx512Ifma(a, t);
      break;
    case SimdLevel::kAvx2:
      if constexpr (kHaveAvx2Kernel) return detail::nttInverseAvx2(a, t);
      break;
    case SimdLevel::kScalar: break;
  }
  detail::nttInverseScalar(a, t);
}

}  // namespace hl
