#include "bgv/rns.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>
#include <string>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "helib-like/detail/aligned.h"
#include "helib-like/math/simd.h"
#include "math/rns_kernels.h"

namespace hl::detail {
namespace {

// negatives[j] += add where u[j] > half, for u[j] < 2^63 and sums below 256.
void countAbove(const uint64_t* u, uint64_t half, uint8_t* negatives, size_t n, uint8_t add = 1) {
  for (size_t j = 0; j < n; ++j) negatives[j] += static_cast<uint8_t>(u[j] > half ? add : 0);
}

#if defined(__x86_64__)
// The same with AVX2: a signed 64-bit comparison (u[j], half < 2^63) of 4 words at a time, its
// sign mask turned into 4 bytes of 0 or 1 added as one 32-bit word (no byte carries: a count
// is at most kMaxSource; with `add` in place of 1, bytes of 0 or add, as long as the sums stay
// below 256).
__attribute__((target("avx2"))) void countAboveAvx2(const uint64_t* u, uint64_t half,
                                                    uint8_t* negatives, size_t n,
                                                    uint8_t add = 1) {
  static constexpr auto kBytes = [] {
    std::array<uint32_t, 16> t{};
    for (uint32_t m = 0; m < 16; ++m)
      for (uint32_t b = 0; b < 4; ++b) t[m] |= ((m >> b) & 1u) << (8 * b);
    return t;
  }();
  const __m256i h = _mm256_set1_epi64x(static_cast<long long>(half));
  size_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(u + j));
    const int mask = _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(x, h)));
    uint32_t w;
    std::memcpy(&w, negatives + j, 4);
    w += kBytes[static_cast<size_t>(mask)] * add;
    std::memcpy(negatives + j, &w, 4);
  }
  countAbove(u + j, half, negatives + j, n - j, add);
}
#endif

// countAbove with AVX2 where the CPU has it.
void addAbove(const uint64_t* u, uint64_t half, uint8_t* negatives, size_t n, uint8_t add = 1) {
#if defined(__x86_64__)
  static const bool avx2 = cpuSupports(SimdLevel::kAvx2);
  if (avx2) return countAboveAvx2(u, half, negatives, n, add);
#endif
  countAbove(u, half, negatives, n, add);
}

}  // namespace

BaseConverter::BaseConverter(const ModulusChain& chain, const IndexSet& source, const Modulus& t)
    : chain_(&chain), source_(source), t_(t) {
  const size_t k = source.size();
  if (k == 0 || k > kMaxSource) {
    throw std::logic_error("hl::detail::BaseConverter: bad source size");
  }
  for (size_t i : source) src_.push_back(chain.modulus(i));
  // (S/s_i) mod s_i and its inverse.
  inv_.resize(k);
  for (size_t i = 0; i < k; ++i) {
    const Modulus& si = src_[i];
    uint64_t hatMod = 1;
    for (size_t j = 0; j < k; ++j) {
      if (j != i) hatMod = si.mul(hatMod, src_[j].value() % si.value());
    }
    inv_[i] = si.inv(hatMod);
  }
  auto hatsMod = [&](const Modulus& q, uint64_t* hat, uint64_t& prod) {
    prod = 1 % q.value();
    for (size_t i = 0; i < k; ++i) {
      uint64_t h = 1 % q.value();
      for (size_t j = 0; j < k; ++j) {
        if (j != i) h = q.mul(h, q.reduce(src_[j].value()));
      }
      hat[i] = h;
      prod = q.mul(prod, q.reduce(src_[i].value()));
    }
  };
  const size_t P = chain.size();
  hat_.assign(P * k, 0);
  prodMod_.assign(P, 0);
  invProdMod_.assign(P, 0);
  for (size_t p = 0; p < P; ++p) {
    if (source.contains(p)) continue;
    const Modulus& q = chain.modulus(p);
    hatsMod(q, hat_.data() + p * k, prodMod_[p]);
    invProdMod_[p] = q.inv(prodMod_[p]);
  }
  hatT_.assign(k, 0);
  hatsMod(t_, hatT_.data(), prodModT_);
  negInvProdModT_ = t_.neg(t_.inv(prodModT_));
}

void BaseConverter::digits(const uint64_t* const* rows, size_t n, uint64_t* u,
                           uint8_t* negatives) const {
  const size_t k = src_.size();
  constexpr size_t kBlock = 2048;
  const size_t blocks = (n + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (blocks > 1 && n * k >= (1u << 15))
  for (size_t b = 0; b < blocks; ++b) {
    const size_t lo = b * kBlock, hi = std::min(n, lo + kBlock);
    std::fill(negatives + lo, negatives + hi, uint8_t{0});
    for (size_t i = 0; i < k; ++i) {
      const Modulus& s = src_[i];
      const uint64_t half = s.value() >> 1;
      uint64_t* ui = u + i * n;
      detail::mulScalarMod(s, rows[i] + lo, inv_[i], ui + lo, hi - lo);
      addAbove(ui + lo, half, negatives + lo, hi - lo);
    }
  }
}

void BaseConverter::convertWith(const uint64_t* u, size_t stride, const uint8_t* negatives,
                                size_t n, const Modulus& q, const uint64_t* hat, uint64_t prod,
                                uint64_t* out) const {
  const size_t k = src_.size();
  // corr[c] = -c * S mod q: the centring correction for c negative digits.
  uint64_t corr[kMaxSource + 1];
  corr[0] = 0;
  const uint64_t minusS = q.neg(prod);
  for (size_t c = 1; c <= k; ++c) corr[c] = q.add(corr[c - 1], minusS);
  const uint64_t* rows[kMaxSource];
  for (size_t i = 0; i < k; ++i) rows[i] = u + i * stride;
  detail::baseConvert(q, rows, hat, k, negatives, corr, k + 1, out, n);
}

void BaseConverter::convert(const uint64_t* u, const uint8_t* negatives, size_t n, size_t target,
                            uint64_t* out, size_t stride) const {
  if (source_.contains(target)) {
    throw std::logic_error("hl::detail::BaseConverter::convert: target is in the source");
  }
  const size_t k = src_.size();
  convertWith(u, stride == 0 ? n : stride, negatives, n, chain_->modulus(target),
              hat_.data() + target * k, prodMod_[target], out);
}

void BaseConverter::combineNegatives(const uint8_t* negatives, const uint64_t* c, size_t n,
                                     uint8_t* combined) const {
  const auto high = static_cast<uint8_t>(src_.size() + 1);  // 2 k + 1 < 256 at most in all
  const uint64_t half = t_.value() >> 1;
  std::memcpy(combined, negatives, n);
  addAbove(c, half, combined, n, high);
}

void BaseConverter::convertPlusMultiple(const uint64_t* u, const uint8_t* combined,
                                        const uint64_t* c, size_t n, size_t target,
                                        uint64_t* out) const {
  if (source_.contains(target)) {
    throw std::logic_error(
        "hl::detail::BaseConverter::convertPlusMultiple: target is in the source");
  }
  const size_t k = src_.size();
  const Modulus& q = chain_->modulus(target);
  // Terms: the k digits with (S/s_i) mod q, then c with S mod q. Corrections: -a * S for a
  // negative digits, and -a * S - t * S where c is above t/2 (index a + k + 1).
  const uint64_t S = prodMod_[target];
  const uint64_t* rows[kMaxSource + 1];
  uint64_t hats[kMaxSource + 1];
  for (size_t i = 0; i < k; ++i) {
    rows[i] = u + i * n;
    hats[i] = hat_[target * k + i];
  }
  rows[k] = c;
  hats[k] = S;
  uint64_t corr[2 * (kMaxSource + 1)];
  const uint64_t minusS = q.neg(S);
  const uint64_t minusTS = q.neg(q.mul(q.reduce(t_.value()), S));
  corr[0] = 0;
  corr[k + 1] = minusTS;
  for (size_t a = 1; a <= k; ++a) {
    corr[a] = q.add(corr[a - 1], minusS);
    corr[k + 1 + a] = q.add(corr[k + a], minusS);
  }
  detail::baseConvert(q, rows, hats, k + 1, combined, corr, 2 * (k + 1), out, n);
}

void BaseConverter::convertModT(const uint64_t* u, const uint8_t* negatives, size_t n,
                                uint64_t* out, size_t stride) const {
  convertWith(u, stride == 0 ? n : stride, negatives, n, t_, hatT_.data(), prodModT_, out);
}

RnsTables::RnsTables(const ModulusChain& chain, size_t numCiphertext,
                     const std::vector<IndexSet>& digits, const Modulus& t)
    : chain_(&chain), numCiphertext_(numCiphertext), t_(t) {
  auto add = [&](size_t first, size_t last) {
    conv_.try_emplace({first, last}, chain, IndexSet::range(first, last + 1), t);
  };
  for (const IndexSet& d : digits) {
    for (size_t last = d.first(); last <= d.last(); ++last) add(d.first(), last);
  }
  for (size_t i = 0; i < numCiphertext; ++i) add(i, i);
  if (chain.size() > numCiphertext) add(numCiphertext, chain.size() - 1);
}

const BaseConverter& RnsTables::converter(const IndexSet& s) const {
  if (!s.empty() && s.last() - s.first() + 1 == s.size()) {
    const std::lock_guard<std::mutex> lock(mu_);
    auto it = conv_.find({s.first(), s.last()});
    if (it != conv_.end()) return it->second;
    if (s.last() < numCiphertext_ && s.size() <= BaseConverter::kMaxSource) {
      return conv_.try_emplace({s.first(), s.last()}, *chain_, s, t_).first->second;
    }
  }
  throw std::logic_error("hl::detail::RnsTables: no base converter for " + s.toString());
}

uint64_t* threadScratch(size_t slot, size_t count) {
  thread_local std::vector<AlignedVector<uint64_t>> buffers;
  if (buffers.size() <= slot) buffers.resize(slot + 1);
  AlignedVector<uint64_t>& b = buffers[slot];
  if (b.size() < count) b.resize(count);
  return b.data();
}

namespace {

// The digits of delta for a division by D = prod(conv.source()) (the first half of scaleDown):
// y's centred base-conversion digits and c = -y D^{-1} (mod t), so that delta = y + D c
// (c centred) is = x (mod D) and = 0 (mod t); convertPlusMultiple then gives delta modulo any
// other prime in one pass. Scratch slots: four of the thread's, given by `slots`.
struct DeltaDigits {
  const BaseConverter* conv;
  size_t n, k, negStride;
  uint64_t* u;
  uint8_t* neg;
  uint64_t* c;
  uint8_t* combined;

  // delta of part e modulo the chain prime p, in coefficient form (working basis).
  void deltaMod(size_t e, size_t p, uint64_t* out) const {
    conv->convertPlusMultiple(u + e * k * n, combined + e * negStride, c + e * n, n, p, out);
  }
};

// rows(e) gives part e's k coefficient-form rows mod the source primes.
template <class Rows>
DeltaDigits deltaDigits(const BaseConverter& conv, const Modulus& t, size_t n, size_t np, Rows rows,
                        const size_t (&slots)[4]) {
  DeltaDigits d{&conv, n, conv.size(), (n + 63) / 64 * 64, nullptr, nullptr, nullptr, nullptr};
  const size_t k = d.k, negStride = d.negStride;
  d.u = threadScratch(slots[0], np * k * n);
  d.neg = reinterpret_cast<uint8_t*>(threadScratch(slots[1], np * negStride / 8));
  d.c = threadScratch(slots[2], np * n);
  d.combined = reinterpret_cast<uint8_t*>(threadScratch(slots[3], np * negStride / 8));
  for (size_t e = 0; e < np; ++e) conv.digits(rows(e), n, d.u + e * k * n, d.neg + e * negStride);
  // delta = y + D * c with c = -y D^{-1} (mod t), centred: then delta = 0 (mod t). c is kept
  // as a residue mod t and enters each prime's base conversion as a centred term.
  const uint64_t w = conv.negInverseProductModT();
  constexpr size_t kBlock = 4096;
  const size_t blocks = (n + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (np * blocks > 1)
  for (size_t eb = 0; eb < np * blocks; ++eb) {
    const size_t e = eb / blocks, b = eb % blocks;
    const size_t lo = b * kBlock, len = std::min(n, lo + kBlock) - lo;
    uint64_t* ce = d.c + e * n;
    conv.convertModT(d.u + e * k * n + lo, d.neg + e * negStride + lo, len, ce + lo, n);
    const uint64_t ws = t.shoup(w);
    for (size_t j = lo; j < lo + len; ++j) ce[j] = t.mulShoup(ce[j], w, ws);
    conv.combineNegatives(d.neg + e * negStride + lo, ce + lo, len,
                          d.combined + e * negStride + lo);
  }
  return d;
}

// Every part's rows mod the primes of `primes` (rows(e)[i] for the i-th prime) from evaluation
// to coefficient form (working basis), in place.
template <class Rows>
void rowsToCoefficients(const ModulusChain& chain, const IndexSet& primes, size_t np, Rows rows) {
  const size_t k = primes.size();
#pragma omp parallel for schedule(dynamic, 1) if (np * k > 1)
  for (size_t w = 0; w < np * k; ++w) {
    uint64_t* row = rows(w / k)[w % k];
    chain.toWorkingCoefficients(primes[w % k], row, row);
  }
}

// f(e, idx, p, q, rows) for every part e < np and kept prime keep[idx] = p, in parallel, rows
// the calling thread's two scratch rows of n words.
template <class F>
void forEachKept(const ModulusChain& chain, const IndexSet& keep, size_t np, size_t n, F f) {
  const size_t nk = keep.size();
#pragma omp parallel for schedule(static)
  for (size_t w = 0; w < np * nk; ++w) {
    const size_t e = w / nk, idx = w % nk, p = keep[idx];
    f(e, idx, p, chain.modulus(p), threadScratch(kScratchRow, 2 * n));
  }
}

constexpr size_t kFirstSlots[4] = {kScratchScaleU, kScratchScaleNeg, kScratchScaleC,
                                   kScratchScaleCombined};
constexpr size_t kSecondSlots[4] = {kScratchScale2U, kScratchScale2Neg, kScratchScale2C,
                                    kScratchScale2Combined};

}  // namespace

void scaleDown(const ModulusChain& chain, const BaseConverter& conv, const Modulus& t,
               const IndexSet& keep, std::span<const ScaleDownPart> parts) {
  const size_t n = chain.ring().phi(), np = parts.size();
  // Coefficient form (working basis) of every part mod each dropped prime, then the centred
  // digits of delta's y part.
  rowsToCoefficients(chain, conv.source(), np, [&](size_t e) { return parts[e].dropRows; });
  const DeltaDigits dd = deltaDigits(
      conv, t, n, np, [&](size_t e) { return parts[e].dropRows; }, kFirstSlots);
  forEachKept(chain, keep, np, n,
              [&](size_t e, size_t idx, size_t p, const Modulus& q, uint64_t* delta) {
                // delta = y + D * c (c centred mod t) in one base conversion.
                dd.deltaMod(e, p, delta);
                chain.fromWorkingCoefficients(p, delta, delta);
                const uint64_t inv = conv.inverseProductMod(p);
                const uint64_t* in = parts[e].keepIn[idx];
                uint64_t* out = parts[e].keepOut[idx];
                if (parts[e].accumulate) {
                  detail::subMulScalarAddMod(q, in, delta, inv, 1, out, n);
                } else {
                  detail::subMulScalarMod(q, in, delta, inv, out, n);
                }
              });
}

void modDownThenSwitch(const ModulusChain& chain, const BaseConverter& first,
                       const BaseConverter& second, const Modulus& t, const IndexSet& keep,
                       std::span<const ModDownSwitchPart> parts) {
  const IndexSet& special = first.source();
  const IndexSet& top = second.source();
  const size_t n = chain.ring().phi(), kt = top.size(), np = parts.size();
  // The ModDown's digits, from the special rows in coefficient form.
  rowsToCoefficients(chain, special, np, [&](size_t e) { return parts[e].specialRows; });
  const DeltaDigits d1 = deltaDigits(
      first, t, n, np, [&](size_t e) { return parts[e].specialRows; }, kFirstSlots);
  // The ModDown's output mod the top primes, in coefficient form, in place of topAcc:
  // (coeff(acc + P base) - delta_1) / P.
#pragma omp parallel for schedule(dynamic, 1) if (np * kt > 1)
  for (size_t w = 0; w < np * kt; ++w) {
    const size_t e = w / kt, i = w % kt, p = top[i];
    const Modulus& q = chain.modulus(p);
    uint64_t* row = parts[e].topAcc[i];
    uint64_t* delta = threadScratch(kScratchRow, 2 * n);
    if (parts[e].accumulate) {  // row += P base
      detail::subMulScalarAddMod(q, parts[e].topBase[i], nullptr, first.productMod(p), 1, row, n);
    }
    chain.toWorkingCoefficients(p, row, row);
    d1.deltaMod(e, p, delta);
    detail::subMulScalarMod(q, row, delta, first.inverseProductMod(p), row, n);
  }
  const DeltaDigits d2 = deltaDigits(
      second, t, n, np, [&](size_t e) { return parts[e].topAcc; }, kSecondSlots);
  // The kept primes: one forward transform of delta_1 + P delta_2.
  forEachKept(chain, keep, np, n,
              [&](size_t e, size_t idx, size_t p, const Modulus& q, uint64_t* delta) {
                uint64_t* delta2 = delta + n;
                d1.deltaMod(e, p, delta);
                d2.deltaMod(e, p, delta2);
                detail::subMulScalarAddMod(q, delta2, nullptr, first.productMod(p), 1, delta,
                                           n);  // delta += P delta_2
                chain.fromWorkingCoefficients(p, delta, delta);
                const uint64_t invQt = second.inverseProductMod(p);
                const uint64_t inv = q.mul(first.inverseProductMod(p), invQt);
                uint64_t* out = parts[e].keepOut[idx];
                if (parts[e].accumulate) {  // out = out Qt^-1 + (acc - delta) (P Qt)^-1
                  detail::subMulScalarAddMod(q, parts[e].keepAcc[idx], delta, inv, invQt, out, n);
                } else {
                  detail::subMulScalarMod(q, parts[e].keepAcc[idx], delta, inv, out, n);
                }
              });
}

void scaleDown(std::span<DoubleCRT> xs, const BaseConverter& conv, const Modulus& t) {
  if (xs.empty()) return;
  const IndexSet& drop = conv.source();
  const IndexSet keep = xs[0].primes() - drop;
  std::vector<std::vector<uint64_t*>> dropRows(xs.size()), keepRows(xs.size());
  std::vector<ScaleDownPart> parts;
  for (size_t e = 0; e < xs.size(); ++e) {
    DoubleCRT& x = xs[e];
    if (!x.primes().containsAll(drop) || keep.empty() || x.primes() != (keep | drop)) {
      throw std::logic_error("hl::detail::scaleDown: bad prime sets");
    }
    for (size_t i : drop) dropRows[e].push_back(x.values(i).data());
    for (size_t i : keep) keepRows[e].push_back(x.values(i).data());
    parts.push_back({dropRows[e].data(), keepRows[e].data(), keepRows[e].data(), false});
  }
  scaleDown(xs[0].chain(), conv, t, keep, parts);
  for (DoubleCRT& x : xs) x.dropPrimes(drop);
}

}  // namespace hl::detail
