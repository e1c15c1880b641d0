#include "bgv/key_switching.h"

#include <algorithm>
#include <stdexcept>
#include <utility>
#include <vector>

#include "bgv/rns.h"
#include "helib-like/math/memory_pool.h"
#include "math/rns_kernels.h"

namespace hl::detail {

namespace {

// The key rows of one prime for up to 64 (key, digit) pairs, from offset lo, in the width the
// keys store them (32-bit words for primes below 2^32, the same for every key of a context),
// and the inner products with them.
class KeyRows {
 public:
  KeyRows(size_t p, bool narrow) : p_(p), narrow_(narrow) {}
  void set(size_t s, const KeySwitchKey& key, size_t digit, size_t lo = 0) {
    if (narrow_) {
      b32_[s] = key.narrowRow(0, digit, p_) + lo;
      a32_[s] = key.narrowRow(1, digit, p_) + lo;
    } else {
      b64_[s] = key.wideRow(0, digit, p_) + lo;
      a64_[s] = key.wideRow(1, digit, p_) + lo;
    }
  }
  // out0 = sum_s xs[s] b_s, out1 = sum_s xs[s] a_s over `count` pairs.
  void dot(const Modulus& q, const uint64_t* const* xs, size_t count, uint64_t* out0,
           uint64_t* out1, size_t len) const {
    if (narrow_) {
      dotProductMod2Narrow(q, xs, b32_, a32_, count, out0, out1, len);
    } else {
      dotProductMod2(q, xs, b64_, a64_, count, out0, out1, len);
    }
  }
  // Each part's rows advanced by `by` words.
  void advance(size_t count, size_t by) {
    for (size_t s = 0; s < count; ++s) {
      if (narrow_) {
        b32_[s] += by;
        a32_[s] += by;
      } else {
        b64_[s] += by;
        a64_[s] += by;
      }
    }
  }

 private:
  size_t p_;
  bool narrow_;
  const uint64_t* b64_[64];
  const uint64_t* a64_[64];
  const uint32_t* b32_[64];
  const uint32_t* a32_[64];
};

// The hoisted inner products go prime by prime in two halves of the n values each (split at a
// multiple of `block`): 2 (l + K) work items, which two threads share evenly also where l + K is
// odd (whole primes would leave one thread a prime more).
constexpr size_t kHalves = 2;
std::pair<size_t, size_t> half(size_t n, size_t block, size_t h) {
  const size_t mid = std::min(n, (n / 2 + block - 1) / block * block);
  return h == 0 ? std::make_pair(size_t{0}, mid) : std::make_pair(mid, n);
}

}  // namespace

ModUp::ModUp(const Context& ctx, const DoubleCRT& c, std::span<const uint32_t> perm)
    : ctx_(ctx), c_(c), n_(ctx.n()), level_(c.primes().size()) {
  const ModulusChain& chain = *ctx.chain();
  const size_t n = n_, l = level_;
  const IndexSet levelPrimes = ctx.levelPrimes(l);
  all_ = levelPrimes | ctx.specialPrimes();
  const RnsTables& rns = ctx.rnsTables();

  // The evaluation rows of the element switched: c's own, or c's permuted into a scratch.
  const bool permuted = !perm.empty();
  if (permuted && perm.size() != n) throw std::logic_error("hl::detail::ModUp: bad permutation");
  if (permuted) permuted_ = threadScratch(kScratchKsPermuted, l * n);
  // Coefficient form of c mod each prime of its level (in the chain's working basis: base
  // conversion and rounding are the same in any Z-basis of R).
  uint64_t* coeff = threadScratch(kScratchKsCoeff, l * n);
  // Dynamic: the primes' transforms differ in cost (lazy and general kernels, doc/math.md 4b).
#pragma omp parallel for schedule(dynamic, 1)
  for (size_t i = 0; i < l; ++i) {
    if (permuted) {
      detail::gatherMulMod(chain.modulus(i), c.values(i).data(), perm.data(), nullptr,
                           permuted_ + i * n, n);
    }
    chain.toWorkingCoefficients(i, ownRow(i), coeff + i * n);
  }

  // ModUp, first half: the centred base-conversion digits of every digit of the modulus
  // (digit j of the key pairs with the part of digit j below the level).
  for (size_t j = 0; j < ctx.digits().size(); ++j) {
    IndexSet present = ctx.digits()[j] & levelPrimes;
    if (!present.empty())
      digits_.push_back({present, &rns.converter(present), j, nullptr, nullptr});
  }
  const size_t beta = digits_.size();
  uint64_t* u = threadScratch(kScratchKsDigits, l * n);
  uint8_t* neg = reinterpret_cast<uint8_t*>(threadScratch(kScratchKsNeg, beta * ((n + 7) / 8)));
  size_t offset = 0;
  for (size_t g = 0; g < beta; ++g) {
    Digit& d = digits_[g];
    d.u = u + offset * n;
    d.negatives = neg + g * ((n + 7) / 8) * 8;
    std::vector<const uint64_t*> rows;
    for (size_t i : d.primes) rows.push_back(coeff + i * n);
    d.conv->digits(rows.data(), n, d.u, d.negatives);
    offset += d.primes.size();
  }
}

const uint64_t* ModUp::ownRow(size_t p) const {
  return permuted_ != nullptr ? permuted_ + p * n_ : c_.values(p).data();
}

const uint64_t* ModUp::row(size_t g, size_t p, uint64_t* scratch) const {
  const Digit& d = digits_[g];
  if (d.primes.contains(p)) return ownRow(p);
  // ModUp, second half: the digit extended to the prime p, then to evaluation form.
  d.conv->convert(d.u, d.negatives, n_, p, scratch);
  ctx_.chain()->fromWorkingCoefficients(p, scratch, scratch);
  return scratch;
}

void modDown(const Context& ctx, size_t level, uint64_t* acc, DoubleCRT& out0, DoubleCRT& out1,
             bool overwrite1, size_t dropTop) {
  // ModDown: divide by P keeping the plaintext mod t, adding the result into out0 / out1 (both
  // parts in one call, so that their transforms share the threads).
  const size_t n = ctx.n(), l = level;
  const IndexSet levelPrimes = ctx.levelPrimes(l);
  const IndexSet special = ctx.specialPrimes();
  const IndexSet all = levelPrimes | special;
  const size_t total = all.size();
  const BaseConverter& down = ctx.rnsTables().converter(special);
  DoubleCRT* outs[2] = {&out0, &out1};
  if (dropTop > 0) {
    if (dropTop >= l || &out0 == &out1) {
      throw std::logic_error("hl::detail::modDown: bad modulus switch after the ModDown");
    }
    const IndexSet top = IndexSet::range(l - dropTop, l);
    const IndexSet keep = ctx.levelPrimes(l - dropTop);
    const BaseConverter& second = ctx.rnsTables().converter(top);
    std::vector<uint64_t*> specialRows[2], topAcc[2], keepOut[2];
    std::vector<const uint64_t*> topBase[2], keepAcc[2];
    ModDownSwitchPart parts[2];
    for (size_t e = 0; e < 2; ++e) {
      const bool accumulate = e == 0 || !overwrite1;
      for (size_t idx = 0; idx < total; ++idx) {
        uint64_t* row = acc + (e * total + idx) * n;
        const size_t p = all[idx];
        if (idx >= l) {
          specialRows[e].push_back(row);
        } else if (top.contains(p)) {
          topAcc[e].push_back(row);
          topBase[e].push_back(outs[e]->values(p).data());
        } else {
          keepAcc[e].push_back(row);
          keepOut[e].push_back(outs[e]->values(p).data());
        }
      }
      parts[e] = {specialRows[e].data(), topAcc[e].data(),  topBase[e].data(),
                  keepAcc[e].data(),     keepOut[e].data(), accumulate};
    }
    modDownThenSwitch(*ctx.chain(), down, second, ctx.plaintextModulus(), keep, parts);
    out0.dropPrimes(top);
    out1.dropPrimes(top);
    return;
  }
  std::vector<uint64_t*> dropRows[2], keepIn[2], keepOut[2];
  ScaleDownPart parts[2];
  for (size_t e = 0; e < 2; ++e) {
    for (size_t idx = 0; idx < total; ++idx) {
      uint64_t* row = acc + (e * total + idx) * n;
      if (idx < l) {
        keepIn[e].push_back(row);
        keepOut[e].push_back(outs[e]->values(all[idx]).data());
      } else {
        dropRows[e].push_back(row);
      }
    }
    parts[e] = {dropRows[e].data(), keepIn[e].data(), keepOut[e].data(), e == 0 || !overwrite1};
  }
  scaleDown(*ctx.chain(), down, ctx.plaintextModulus(), levelPrimes, parts);
}

void keySwitch(const Context& ctx, const DoubleCRT& c, const KeySwitchKey& key, DoubleCRT& out0,
               DoubleCRT& out1, bool overwrite1, std::span<const uint32_t> perm, size_t dropTop,
               const uint64_t* extraAcc) {
  const ModulusChain& chain = *ctx.chain();
  const size_t n = ctx.n();
  const ModUp up(ctx, c, perm);
  const IndexSet& all = up.extendedPrimes();
  const size_t beta = up.digitCount();

  // ModUp, second half (each digit extended to every other prime of Q_l P), and the inner
  // product with the key, prime by prime: acc_e = sum_j d_j * key_e[j] over Q_l P.
  const size_t total = all.size();
  uint64_t* acc = threadScratch(kScratchKsAcc, 2 * total * n);  // part e, prime idx
  // Dynamic, the special primes first: a prime of a digit converts one digit fewer than the
  // others, so the cheaper items come last and the threads finish closer together.
#pragma omp parallel for schedule(dynamic, 1)
  for (size_t w = 0; w < total; ++w) {
    const size_t idx = total - 1 - w;
    const size_t p = all[idx];
    const Modulus& q = chain.modulus(p);
    uint64_t* rows = threadScratch(kScratchKsRows, beta * n);
    const uint64_t* xs[64];
    KeyRows keyRows(p, CompactRows::narrowModulus(q));
    for (size_t g = 0; g < beta; ++g) {
      xs[g] = up.row(g, p, rows + g * n);
      keyRows.set(g, key, up.keyIndex(g));
    }
    keyRows.dot(q, xs, beta, acc + idx * n, acc + (total + idx) * n, n);
    if (extraAcc != nullptr) {
      for (size_t e = 0; e < 2; ++e) {
        const size_t row = (e * total + idx) * n;
        detail::addMod(q, acc + row, extraAcc + row, acc + row, n);
      }
    }
  }
  modDown(ctx, up.level(), acc, out0, out1, overwrite1, dropTop);
}

HoistedModUp::HoistedModUp(const Context& ctx, const DoubleCRT& c)
    : ctx_(ctx), n_(ctx.n()), level_(c.primes().size()) {
  const ModUp up(ctx, c);
  all_ = up.extendedPrimes();
  const size_t beta = up.digitCount(), total = all_.size(), n = n_;
  for (size_t g = 0; g < beta; ++g) keyIndex_.push_back(up.keyIndex(g));
  // Storage for the rows that are not c's own.
  std::vector<uint64_t*> slot(beta * total, nullptr);
  size_t count = 0;
  for (size_t g = 0; g < beta; ++g) {
    for (size_t idx = 0; idx < total; ++idx) count += up.ownPrime(g, all_[idx]) ? 0 : 1;
  }
  storageWords_ = count * n;
  if (storageWords_ > 0) {
    storage_ = static_cast<uint64_t*>(poolAllocate(storageWords_ * sizeof(uint64_t)));
  }
  size_t next = 0;
  for (size_t g = 0; g < beta; ++g) {
    for (size_t idx = 0; idx < total; ++idx) {
      if (!up.ownPrime(g, all_[idx])) slot[g * total + idx] = storage_ + (next++) * n;
    }
  }
  rows_.assign(beta * total, nullptr);
  // One (prime, digit) row per work item: beta times as many items as primes, which two threads
  // share evenly whatever the number of primes; from the last prime down, so the special
  // primes' rows (every digit converted) come first.
#pragma omp parallel for schedule(dynamic, 1)
  for (size_t w = 0; w < total * beta; ++w) {
    const size_t idx = total - 1 - w / beta, g = w % beta;
    rows_[g * total + idx] = up.row(g, all_[idx], slot[g * total + idx]);
  }
}

HoistedModUp::~HoistedModUp() {
  if (storage_ != nullptr) poolFree(storage_, storageWords_ * sizeof(uint64_t));
}

void HoistedModUp::innerProducts(std::span<const Term> terms, uint64_t* acc) const {
  if (terms.empty()) throw std::logic_error("hl::detail::HoistedModUp: no terms");
  const ModulusChain& chain = *ctx_.chain();
  const size_t n = n_, total = all_.size(), beta = keyIndex_.size();
  // sum_j c_j sum_g sigma_j(d_g) key_j[g] = sum_{j,g} (c_j sigma_j(d_g)) key_j[g]: the constant
  // multiplies the gathered digits, and all (j, g) pairs go through one inner product per part
  // (exact 128-bit accumulation, one reduction per value instead of one per term and a sum).
  // The kernel takes at most 64 terms: larger sums are cut into chunks of whole terms.
  const size_t perChunk = std::max<size_t>(1, 64 / beta);
  const size_t chunkTerms = std::min(terms.size(), perChunk);
  // Blocks of at most 16384 gathered words (128 KiB) per thread, which stay in the second-level
  // cache while the key rows stream past; smaller blocks measured slower at m = 53261 (the
  // kernels' per-call set-up), larger ones no faster.
  const size_t block = std::clamp<size_t>(16384 / (chunkTerms * beta), 64, 1024) / 8 * 8;
#pragma omp parallel for schedule(static)
  for (size_t w = 0; w < total * kHalves; ++w) {
    const size_t idx = w / kHalves;
    const auto [begin, end] = half(n, block, w % kHalves);
    const size_t p = all_[idx];
    const Modulus& q = chain.modulus(p);
    uint64_t* scratch = threadScratch(kScratchHoistGather, (chunkTerms * beta + 3) * block);
    uint64_t* tmp0 = scratch + chunkTerms * beta * block;
    uint64_t* tmp1 = tmp0 + block;
    uint64_t* wide = tmp1 + block;  // a constant's 32-bit values widened
    uint64_t* out0 = acc + idx * n;
    uint64_t* out1 = acc + (total + idx) * n;
    const uint64_t* xs[64];
    for (size_t first = 0; first < terms.size(); first += perChunk) {
      const size_t count = std::min(perChunk, terms.size() - first);
      // Key rows of every term of the chunk for this prime, advanced block by block.
      KeyRows keyRows(p, CompactRows::narrowModulus(q));
      for (size_t t = 0; t < count; ++t) {
        for (size_t g = 0; g < beta; ++g)
          keyRows.set(t * beta + g, *terms[first + t].key, keyIndex_[g], begin);
      }
      for (size_t lo = begin; lo < end; lo += block) {
        const size_t len = std::min(block, end - lo);
        for (size_t t = 0; t < count; ++t) {
          const Term& term = terms[first + t];
          const uint64_t* cv =
              term.constant == nullptr ? nullptr : term.constant->block(0, p, lo, len, wide);
          for (size_t g = 0; g < beta; ++g) {
            const size_t s = t * beta + g;
            const uint64_t* src = rows_[g * total + idx];
            uint64_t* dst = scratch + s * block;
            if (term.perm.empty()) {
              if (cv != nullptr) {
                detail::mulMod(q, src + lo, cv, dst, len);
                xs[s] = dst;
              } else {
                xs[s] = src + lo;
              }
            } else {
              detail::gatherMulMod(q, src, term.perm.data() + lo, cv, dst, len);
              xs[s] = dst;
            }
          }
        }
        if (first == 0) {
          keyRows.dot(q, xs, count * beta, out0 + lo, out1 + lo, len);
        } else {
          keyRows.dot(q, xs, count * beta, tmp0, tmp1, len);
          detail::addMod(q, out0 + lo, tmp0, out0 + lo, len);
          detail::addMod(q, out1 + lo, tmp1, out1 + lo, len);
        }
        keyRows.advance(count * beta, len);
      }
    }
  }
}

void HoistedModUp::innerProductsGrouped(std::span<const Baby> babies,
                                        std::span<const std::vector<GroupTerm>> groups,
                                        std::span<uint64_t* const> accs,
                                        const DoubleCRT* c0) const {
  if (babies.empty() || groups.empty() || groups.size() != accs.size()) {
    throw std::logic_error("hl::detail::HoistedModUp: bad grouped inner products");
  }
  const ModulusChain& chain = *ctx_.chain();
  const size_t n = n_, total = all_.size(), beta = keyIndex_.size(), nb = babies.size();
  size_t maxTerms = 0;
  for (const auto& g : groups) {
    if (g.empty()) throw std::logic_error("hl::detail::HoistedModUp: an empty group");
    maxTerms = std::max(maxTerms, g.size());
  }
  // sum_t c_t sum_g sigma_b(t)(d_g) key_b(t)[g] = sum_t c_t D_b(t) with D_b = sum_g sigma_b(d_g)
  // key_b[g]: each baby's inner product with its key once (2 rows), then each group's sum of
  // constants times those (the same residues as multiplying the digits by the constants
  // first, with beta times fewer products per term). Per block of evaluation points that keeps
  // the babies' products and one group's constants in the L2 cache; terms go to the kernels 64
  // at a time.
  const size_t chunk = std::min<size_t>(maxTerms, 64);
  const size_t block = std::clamp<size_t>(16384 / (beta + 2 * nb + chunk), 64, 1024) / 8 * 8;
  const BaseConverter* special =
      c0 == nullptr ? nullptr : &ctx_.rnsTables().converter(ctx_.specialPrimes());
#pragma omp parallel for schedule(static)
  for (size_t w = 0; w < total * kHalves; ++w) {
    const size_t idx = w / kHalves;
    const auto [begin, end] = half(n, block, w % kHalves);
    const size_t p = all_[idx];
    const Modulus& q = chain.modulus(p);
    uint64_t* scratch = threadScratch(kScratchHoistGather, (beta + 2 * nb + chunk + 4) * block);
    uint64_t* gathered = scratch;              // one baby's permuted digits
    uint64_t* dots = gathered + beta * block;  // [baby][part] blocks
    uint64_t* consts = dots + 2 * nb * block;  // the constants of up to 64 terms
    uint64_t* tmp0 = consts + chunk * block;
    uint64_t* tmp1 = tmp0 + block;
    uint64_t* ones = tmp1 + block;  // the constant 1 (terms without one)
    std::fill(ones, ones + block, uint64_t{1});
    const bool narrow = CompactRows::narrowModulus(q);
    // P mod p, where c0's unswitched terms join part 0 (the ciphertext primes).
    const bool withC0 = c0 != nullptr && idx < level_;
    const uint64_t* c0row = withC0 ? c0->values(p).data() : nullptr;
    uint64_t* pRow = ones + block;  // P mod p
    if (withC0) std::fill(pRow, pRow + block, special->productMod(p));
    for (size_t lo = begin; lo < end; lo += block) {
      const size_t len = std::min(block, end - lo);
      for (size_t b = 0; b < nb; ++b) {
        const uint64_t* xs[64];
        KeyRows keyRows(p, narrow);
        for (size_t g = 0; g < beta; ++g) {
          uint64_t* dst = gathered + g * block;
          detail::gatherMulMod(q, rows_[g * total + idx], babies[b].perm.data() + lo, nullptr, dst,
                               len);
          xs[g] = dst;
          keyRows.set(g, *babies[b].key, keyIndex_[g], lo);
        }
        uint64_t* d0 = dots + 2 * b * block;
        keyRows.dot(q, xs, beta, d0, dots + (2 * b + 1) * block, len);
        if (withC0) {  // D_b part 0 += P sigma_b(c0)
          detail::gatherMulMod(q, c0row, babies[b].perm.data() + lo, pRow, tmp0, len);
          detail::addMod(q, d0, tmp0, d0, len);
        }
      }
      for (size_t G = 0; G < groups.size(); ++G) {
        const std::vector<GroupTerm>& terms = groups[G];
        uint64_t* out0 = accs[G] + idx * n + lo;
        uint64_t* out1 = accs[G] + (total + idx) * n + lo;
        for (size_t first = 0; first < terms.size(); first += chunk) {
          const size_t count = std::min(chunk, terms.size() - first);
          const uint64_t* d0[64];
          const uint64_t* d1[64];
          const uint64_t* cs[64];
          for (size_t t = 0; t < count; ++t) {
            const GroupTerm& term = terms[first + t];
            d0[t] = dots + 2 * term.baby * block;
            d1[t] = dots + (2 * term.baby + 1) * block;
            cs[t] = term.constant == nullptr
                        ? ones
                        : term.constant->block(0, p, lo, len, consts + t * block);
          }
          if (first == 0) {
            detail::dotProductMod(q, d0, cs, count, out0, len);
            detail::dotProductMod(q, d1, cs, count, out1, len);
          } else {
            detail::dotProductMod(q, d0, cs, count, tmp0, len);
            detail::dotProductMod(q, d1, cs, count, tmp1, len);
            detail::addMod(q, out0, tmp0, out0, len);
            detail::addMod(q, out1, tmp1, out1, len);
          }
        }
      }
    }
  }
}

}  // namespace hl::detail
