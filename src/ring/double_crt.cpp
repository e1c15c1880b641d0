#include "helib-like/ring/double_crt.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "helib-like/math/powerful_dft.h"
#include "helib-like/math/sampler.h"
#include "math/rns_kernels.h"
#include "ring/centred_lift.h"

namespace hl {
namespace {

// Parallelize over primes only when the work pays for the thread start-up.
bool worthParallel(size_t primes, size_t n) { return primes > 1 && primes * n >= (1u << 15); }

}  // namespace

// Garner's mixed-radix conversion (H. Garner, "The residue number system", 1959; Knuth TAOCP
// vol. 2, 4.3.2): x = v_0 + v_1 q_0 + v_2 q_0 q_1 + ..., 0 <= v_i < q_i. The digits of (Q-1)/2
// are (q_i - 1)/2 for odd q_i, so comparing digits from the top tells whether x > Q/2, i.e.
// whether its centred representative is x - Q.
struct DoubleCRT::MixedRadix {
  std::vector<Modulus> q;
  std::vector<uint64_t> inv;  // inv[i * L + j] = q_i^-1 mod q_j, i < j

  explicit MixedRadix(const ModulusChain& chain, const IndexSet& primes) {
    for (size_t i : primes) q.push_back(chain.modulus(i));
    const size_t L = q.size();
    inv.assign(L * L, 0);
    for (size_t i = 0; i < L; ++i) {
      for (size_t j = i + 1; j < L; ++j) inv[i * L + j] = q[j].inv(q[i].value() % q[j].value());
    }
  }
  // Digits of the residues x[k * stride] (k < L); returns true if x > (Q-1)/2.
  bool digits(const uint64_t* x, size_t stride, uint64_t* v) const {
    const size_t L = q.size();
    for (size_t j = 0; j < L; ++j) {
      const Modulus& qj = q[j];
      uint64_t t = x[j * stride];
      for (size_t i = 0; i < j; ++i) t = qj.mul(qj.sub(t, qj.reduce(v[i])), inv[i * L + j]);
      v[j] = t;
    }
    // Compare with the digits of (Q-1)/2 from the top without data-dependent branches (the
    // value may be a decryption phase): the first differing digit decides.
    uint64_t greater = 0, decided = 0;
    for (size_t j = L; j-- > 0;) {
      const uint64_t half = (q[j].value() - 1) / 2;
      const uint64_t gt = static_cast<uint64_t>(v[j] > half),
                     lt = static_cast<uint64_t>(v[j] < half);
      greater |= gt & ~decided;
      decided |= gt | lt;
    }
    return greater != 0;  // x = (Q-1)/2 is not greater
  }
};

DoubleCRT::DoubleCRT(std::shared_ptr<const ModulusChain> chain, IndexSet primes)
    : chain_(std::move(chain)), primes_(std::move(primes)) {
  if (!chain_) throw std::invalid_argument("hl::DoubleCRT: no modulus chain given");
  if (primes_.empty()) throw std::invalid_argument("hl::DoubleCRT: empty index set");
  if (primes_.last() >= chain_->size()) {
    throw std::out_of_range("hl::DoubleCRT: index set " + primes_.toString() +
                            " goes beyond the chain's " + std::to_string(chain_->size()) +
                            " primes");
  }
  n_ = chain_->ring().phi();
  data_.assign(primes_.size() * n_, 0);
}

std::span<uint64_t> DoubleCRT::values(size_t i) {
  return {data_.data() + primes_.position(i) * n_, n_};
}
std::span<const uint64_t> DoubleCRT::values(size_t i) const {
  return {data_.data() + primes_.position(i) * n_, n_};
}

DoubleCRT DoubleCRT::fromCoefficients(std::shared_ptr<const ModulusChain> chain, IndexSet primes,
                                      std::span<const int64_t> coeffs) {
  DoubleCRT r(std::move(chain), std::move(primes));
  if (coeffs.size() > r.n_) {
    throw std::invalid_argument(
        "hl::DoubleCRT::fromCoefficients: " + std::to_string(coeffs.size()) +
        " coefficients for a ring of degree " + std::to_string(r.n_));
  }
  const size_t L = r.primes_.size();
  // Where the chain works in the powerful basis, one exact integer change of basis (O(m)
  // additions per prime factor of m) and the prime-factor transform per prime replace
  // Bluestein's two NTTs of length ~2m. Inputs so large that a powerful coefficient would not
  // fit in 64 bits take the Bluestein path.
  if (r.chain_->workingBasis() == ModulusChain::Basis::kPowerful) {
    std::vector<int64_t> power(r.n_, 0), powerful;
    std::copy(coeffs.begin(), coeffs.end(), power.begin());
    bool fits = true;
    try {
      powerful = powerToPowerful(r.chain_->ring().m(), power);
    } catch (const std::overflow_error&) {
      fits = false;
    }
    OPENSSL_cleanse(power.data(), power.size() * sizeof(int64_t));
    if (fits) {
      // Coefficients below every prime in magnitude (secrets, noise, small messages) reduce by
      // adding q to the negative ones, without a branch per coefficient; the choice depends
      // only on that bound.
      uint64_t maxAbs = 0, minQ = ~uint64_t{0};
      for (int64_t x : powerful) {
        maxAbs = std::max(
            maxAbs, x < 0 ? uint64_t{0} - static_cast<uint64_t>(x) : static_cast<uint64_t>(x));
      }
      for (size_t i : r.primes_) minQ = std::min(minQ, r.chain_->modulus(i).value());
      const bool small = maxAbs < minQ;
#pragma omp parallel for if (worthParallel(L, r.n_))
      for (size_t k = 0; k < L; ++k) {
        const size_t i = r.primes_[k];
        const Modulus& q = r.chain_->modulus(i);
        uint64_t* row = r.data_.data() + k * r.n_;
        if (small) {
          const uint64_t qv = q.value();
          for (size_t j = 0; j < r.n_; ++j) {
            const auto x = static_cast<uint64_t>(powerful[j]);
            row[j] = x + (qv & static_cast<uint64_t>(powerful[j] >> 63));
          }
        } else {
          for (size_t j = 0; j < r.n_; ++j) row[j] = q.reduceSigned(powerful[j]);
        }
        r.chain_->fromWorkingCoefficients(i, row, row);
      }
      OPENSSL_cleanse(powerful.data(), powerful.size() * sizeof(int64_t));
      return r;
    }
  }
#pragma omp parallel for if (worthParallel(L, r.n_))
  for (size_t k = 0; k < L; ++k) {
    const size_t i = r.primes_[k];
    const Modulus& q = r.chain_->modulus(i);
    uint64_t* row = r.data_.data() + k * r.n_;
    for (size_t j = 0; j < coeffs.size(); ++j) row[j] = q.reduceSigned(coeffs[j]);
    r.chain_->fromPowerCoefficients(i, row, row);
  }
  return r;
}

DoubleCRT DoubleCRT::uniform(std::shared_ptr<const ModulusChain> chain, IndexSet primes,
                             Prng& prng) {
  DoubleCRT r(std::move(chain), std::move(primes));
  for (size_t k = 0; k < r.primes_.size(); ++k) {
    sampleUniform(prng, r.chain_->modulus(r.primes_[k]),
                  std::span<uint64_t>(r.data_.data() + k * r.n_, r.n_));
  }
  return r;
}

namespace {
// Builds a DoubleCRT from secret small coefficients and wipes them afterwards.
template <typename Sample>
DoubleCRT fromSecretCoefficients(std::shared_ptr<const ModulusChain> chain, IndexSet primes,
                                 Sample&& sample) {
  if (!chain) throw std::invalid_argument("hl::DoubleCRT: no modulus chain given");
  std::vector<int64_t> c(chain->ring().phi());
  try {
    sample(std::span<int64_t>(c));
    DoubleCRT r = DoubleCRT::fromCoefficients(std::move(chain), std::move(primes), c);
    OPENSSL_cleanse(c.data(), c.size() * sizeof(int64_t));
    return r;
  } catch (...) {
    OPENSSL_cleanse(c.data(), c.size() * sizeof(int64_t));
    throw;
  }
}
}  // namespace

DoubleCRT DoubleCRT::ternary(std::shared_ptr<const ModulusChain> chain, IndexSet primes, Prng& prng,
                             size_t hammingWeight) {
  return fromSecretCoefficients(std::move(chain), std::move(primes), [&](std::span<int64_t> c) {
    if (hammingWeight == 0) {
      sampleTernary(prng, c);
    } else {
      sampleTernaryHamming(prng, c, hammingWeight);
    }
  });
}

DoubleCRT DoubleCRT::gaussian(std::shared_ptr<const ModulusChain> chain, IndexSet primes,
                              Prng& prng, double sigma) {
  return fromSecretCoefficients(std::move(chain), std::move(primes),
                                [&](std::span<int64_t> c) { sampleGaussian(prng, c, sigma); });
}

DoubleCRT DoubleCRT::fromResidues(std::shared_ptr<const ModulusChain> chain, IndexSet primes,
                                  const std::vector<std::vector<uint64_t>>& residues) {
  DoubleCRT r(std::move(chain), std::move(primes));
  const size_t L = r.primes_.size();
  if (residues.size() != L) {
    throw std::invalid_argument("hl::DoubleCRT::fromResidues: " + std::to_string(residues.size()) +
                                " residue vectors for " + std::to_string(L) + " primes");
  }
  for (size_t k = 0; k < L; ++k) {
    const uint64_t q = r.chain_->modulus(r.primes_[k]).value();
    if (residues[k].size() != r.n_) {
      throw std::invalid_argument("hl::DoubleCRT::fromResidues: residue vector of length " +
                                  std::to_string(residues[k].size()) + ", expected " +
                                  std::to_string(r.n_));
    }
    for (uint64_t x : residues[k]) {
      if (x >= q) {
        throw std::invalid_argument("hl::DoubleCRT::fromResidues: residue " + std::to_string(x) +
                                    " is not reduced mod " + std::to_string(q));
      }
    }
  }
#pragma omp parallel for if (worthParallel(L, r.n_))
  for (size_t k = 0; k < L; ++k) {
    r.chain_->fromPowerCoefficients(r.primes_[k], residues[k].data(), r.data_.data() + k * r.n_);
  }
  return r;
}

std::vector<std::vector<uint64_t>> DoubleCRT::toResidues() const {
  const size_t L = primes_.size();
  std::vector<std::vector<uint64_t>> out(L, std::vector<uint64_t>(n_));
#pragma omp parallel for if (worthParallel(L, n_))
  for (size_t k = 0; k < L; ++k) {
    chain_->toPowerCoefficients(primes_[k], data_.data() + k * n_, out[k].data());
  }
  return out;
}

detail::AlignedVector<uint64_t> DoubleCRT::coefficientRows() const {
  const size_t L = primes_.size();
  detail::AlignedVector<uint64_t> res(L * n_);
#pragma omp parallel for if (worthParallel(L, n_))
  for (size_t k = 0; k < L; ++k) {
    chain_->toPowerCoefficients(primes_[k], data_.data() + k * n_, res.data() + k * n_);
  }
  return res;
}

std::vector<int64_t> DoubleCRT::toCoefficients() const {
  const size_t L = primes_.size();
  detail::AlignedVector<uint64_t> res = coefficientRows();  // prime-major
  const MixedRadix mr(*chain_, primes_);
  std::vector<int64_t> out(n_);
  std::vector<uint64_t> v(L);
  for (size_t j = 0; j < n_; ++j) {
    const bool negative = mr.digits(res.data() + j, n_, v.data());
    // |x| = sum v_i prod_{k<i} q_k, or for negative x, Q - x = 1 + sum (q_i - 1 - v_i) prod.
    unsigned __int128 acc = 0;
    for (size_t i = L; i-- > 0;) {
      const uint64_t qi = mr.q[i].value();
      const uint64_t digit = negative ? qi - 1 - v[i] : v[i];
      acc = acc * qi + digit;
      if (acc >> 64 != 0) break;  // certainly too large; reported below
    }
    if (negative) acc += 1;
    if (acc > (static_cast<unsigned __int128>(1) << 63) ||
        (!negative && acc == (static_cast<unsigned __int128>(1) << 63))) {
      throw std::overflow_error("hl::DoubleCRT::toCoefficients: coefficient " + std::to_string(j) +
                                " does not fit in 64 bits");
    }
    out[j] =
        negative ? static_cast<int64_t>(-static_cast<__int128>(acc)) : static_cast<int64_t>(acc);
  }
  return out;
}

std::vector<uint64_t> DoubleCRT::toCoefficientsMod(const Modulus& t) const {
  const size_t L = primes_.size();
  detail::AlignedVector<uint64_t> res = coefficientRows();
  const MixedRadix mr(*chain_, primes_);
  // x = sum v_i W_i with W_i = prod_{k<i} q_k; the centred value is x - Q when x > Q/2.
  std::vector<uint64_t> w(L);
  uint64_t prod = 1 % t.value();
  for (size_t i = 0; i < L; ++i) {
    w[i] = prod;
    prod = t.mul(prod, t.reduce(mr.q[i].value()));
  }
  const uint64_t qModT = prod;
  std::vector<uint64_t> out(n_);
#pragma omp parallel if (worthParallel(L, n_))
  {
    std::vector<uint64_t> v(L);
#pragma omp for
    for (size_t j = 0; j < n_; ++j) {
      const bool negative = mr.digits(res.data() + j, n_, v.data());
      uint64_t acc = 0;
      for (size_t i = 0; i < L; ++i) acc = t.add(acc, t.mul(t.reduce(v[i]), w[i]));
      // acc - Q mod t for negative values, selected without a branch.
      const uint64_t diff = acc - qModT + (t.value() & (uint64_t{0} - (acc < qModT)));
      out[j] = acc ^ ((acc ^ diff) & (uint64_t{0} - static_cast<uint64_t>(negative)));
    }
    OPENSSL_cleanse(v.data(), v.size() * sizeof(uint64_t));
  }
  OPENSSL_cleanse(res.data(), res.size() * sizeof(uint64_t));  // may be a decryption phase
  return out;
}

std::vector<uint64_t> DoubleCRT::toSmallCoefficientsMod(const Modulus& t) const {
  return liftModT(t, /*working=*/false);
}

std::vector<uint64_t> DoubleCRT::toSmallWorkingCoefficientsMod(const Modulus& t) const {
  return liftModT(t, /*working=*/true);
}

std::vector<uint64_t> DoubleCRT::liftModT(const Modulus& t, bool working) const {
  const size_t L = primes_.size();
  detail::CentredLiftModT lift(*chain_, primes_, t);
  // Prime by prime through a per-thread row (it stays in cache from the transform to the
  // lift; no buffer of L rows).
#pragma omp parallel if (worthParallel(L, n_))
  {
    thread_local detail::AlignedVector<uint64_t> row;
    if (row.size() < n_) row.resize(n_);
#pragma omp for schedule(static)
    for (size_t k = 0; k < L; ++k) {
      const uint64_t* values = data_.data() + k * n_;
      if (working) {
        chain_->toWorkingCoefficients(primes_[k], values, row.data());
      } else {
        chain_->toPowerCoefficients(primes_[k], values, row.data());
      }
      lift.add(k, row.data());
    }
    OPENSSL_cleanse(row.data(), n_ * sizeof(uint64_t));  // may be a decryption phase
  }
  return lift.finish();
}

void DoubleCRT::checkCompatible(const DoubleCRT& o, const char* op) const {
  if (chain_ != o.chain_) {
    throw std::invalid_argument(std::string("hl::DoubleCRT::") + op +
                                ": operands belong to different modulus chains");
  }
  if (!(primes_ == o.primes_)) {
    throw std::invalid_argument(std::string("hl::DoubleCRT::") + op + ": index sets differ (" +
                                primes_.toString() + " vs " + o.primes_.toString() + ")");
  }
}

template <typename Op>
DoubleCRT& DoubleCRT::pointwise(const DoubleCRT& o, const char* name, Op op) {
  checkCompatible(o, name);
  const size_t L = primes_.size();
#pragma omp parallel for if (worthParallel(L, n_))
  for (size_t k = 0; k < L; ++k) {
    const Modulus& q = chain_->modulus(primes_[k]);
    uint64_t* a = data_.data() + k * n_;
    op(q, a, o.data_.data() + k * n_, a, n_);
  }
  return *this;
}

DoubleCRT& DoubleCRT::operator+=(const DoubleCRT& o) {
  return pointwise(o, "operator+=",
                   [](const Modulus& q, const uint64_t* a, const uint64_t* b, uint64_t* out,
                      size_t n) { detail::addMod(q, a, b, out, n); });
}

DoubleCRT& DoubleCRT::operator-=(const DoubleCRT& o) {
  return pointwise(o, "operator-=",
                   [](const Modulus& q, const uint64_t* a, const uint64_t* b, uint64_t* out,
                      size_t n) { detail::subMod(q, a, b, out, n); });
}

DoubleCRT& DoubleCRT::operator*=(const DoubleCRT& o) {
  return pointwise(o, "operator*=",
                   [](const Modulus& q, const uint64_t* a, const uint64_t* b, uint64_t* out,
                      size_t n) { detail::mulMod(q, a, b, out, n); });
}

DoubleCRT& DoubleCRT::negate() {
  const size_t L = primes_.size();
  for (size_t k = 0; k < L; ++k) {
    const Modulus& q = chain_->modulus(primes_[k]);
    uint64_t* a = data_.data() + k * n_;
    for (size_t j = 0; j < n_; ++j) a[j] = q.neg(a[j]);
  }
  return *this;
}

DoubleCRT& DoubleCRT::mulScalar(int64_t c) {
  const size_t L = primes_.size();
#pragma omp parallel for if (worthParallel(L, n_))
  for (size_t k = 0; k < L; ++k) {
    const Modulus& q = chain_->modulus(primes_[k]);
    uint64_t* a = data_.data() + k * n_;
    detail::mulScalarMod(q, a, q.reduceSigned(c), a, n_);
  }
  return *this;
}

void DoubleCRT::wipe() {
  if (!data_.empty()) OPENSSL_cleanse(data_.data(), data_.size() * sizeof(uint64_t));
}

bool DoubleCRT::operator==(const DoubleCRT& o) const {
  return chain_ == o.chain_ && primes_ == o.primes_ && data_ == o.data_;
}

DoubleCRT& DoubleCRT::automorph(uint64_t k) {
  return automorph(chain_->ring().automorphismPermutation(k));
}

DoubleCRT& DoubleCRT::automorph(std::span<const uint32_t> perm) {
  if (perm.size() != n_) {
    throw std::invalid_argument("hl::DoubleCRT::automorph: a permutation of " +
                                std::to_string(perm.size()) +
                                " entries for phi(m) = " + std::to_string(n_));
  }
  const size_t L = primes_.size();
  // Row by row through a per-thread copy of the row (no full-size allocation).
#pragma omp parallel if (worthParallel(L, n_))
  {
    thread_local detail::AlignedVector<uint64_t> row;
    if (row.size() < n_) row.resize(n_);
#pragma omp for
    for (size_t r = 0; r < L; ++r) {
      uint64_t* a = data_.data() + r * n_;
      std::copy_n(a, n_, row.data());
      for (size_t j = 0; j < n_; ++j) a[j] = row[perm[j]];
    }
  }
  return *this;
}

DoubleCRT& DoubleCRT::dropPrimes(const IndexSet& drop) {
  if (!primes_.containsAll(drop)) {
    throw std::invalid_argument("hl::DoubleCRT::dropPrimes: " + drop.toString() +
                                " is not a subset of " + primes_.toString());
  }
  const IndexSet keep = primes_ - drop;
  if (keep.empty())
    throw std::invalid_argument("hl::DoubleCRT::dropPrimes: would drop every prime");
  if (drop.empty()) return *this;
  if (keep.last() < drop.first()) {  // the rows to drop are the last ones: truncate in place
    data_.resize(keep.size() * n_);
    primes_ = keep;
    return *this;
  }
  detail::AlignedVector<uint64_t> out(keep.size() * n_);
  for (size_t k = 0; k < keep.size(); ++k) {
    const size_t from = primes_.position(keep[k]);
    std::copy_n(data_.data() + from * n_, n_, out.data() + k * n_);
  }
  data_.swap(out);
  primes_ = keep;
  return *this;
}

DoubleCRT& DoubleCRT::addPrimes(const IndexSet& extra) {
  if (extra.empty()) return *this;
  if (extra.last() >= chain_->size()) {
    throw std::out_of_range("hl::DoubleCRT::addPrimes: index set " + extra.toString() +
                            " goes beyond the chain's " + std::to_string(chain_->size()) +
                            " primes");
  }
  if (!primes_.disjointFrom(extra)) {
    throw std::invalid_argument("hl::DoubleCRT::addPrimes: " + extra.toString() +
                                " overlaps the element's primes " + primes_.toString());
  }
  const size_t L = primes_.size(), E = extra.size();
  detail::AlignedVector<uint64_t> res = coefficientRows();
  const MixedRadix mr(*chain_, primes_);
  // For each new prime p: prod_{k<i} q_k mod p and Q mod p.
  std::vector<uint64_t> partial(E * L), qModP(E);
  for (size_t e = 0; e < E; ++e) {
    const Modulus& p = chain_->modulus(extra[e]);
    uint64_t prod = 1 % p.value();
    for (size_t i = 0; i < L; ++i) {
      partial[e * L + i] = prod;
      prod = p.mul(prod, p.reduce(mr.q[i].value()));
    }
    qModP[e] = prod;
  }
  std::vector<uint64_t> lifted(E * n_);  // coefficient form mod the new primes
#pragma omp parallel if (n_ * L * E >= (1u << 16))
  {
    std::vector<uint64_t> v(L);
#pragma omp for
    for (size_t j = 0; j < n_; ++j) {
      const bool negative = mr.digits(res.data() + j, n_, v.data());
      for (size_t e = 0; e < E; ++e) {
        const Modulus& p = chain_->modulus(extra[e]);
        uint64_t acc = 0;
        for (size_t i = 0; i < L; ++i) acc = p.add(acc, p.mul(p.reduce(v[i]), partial[e * L + i]));
        lifted[e * n_ + j] = negative ? p.sub(acc, qModP[e]) : acc;
      }
    }
  }
  const IndexSet all = primes_ | extra;
  detail::AlignedVector<uint64_t> out(all.size() * n_);
  for (size_t k = 0; k < all.size(); ++k) {
    const size_t i = all[k];
    uint64_t* row = out.data() + k * n_;
    if (primes_.contains(i)) {
      std::copy_n(data_.data() + primes_.position(i) * n_, n_, row);
    } else {
      const uint64_t* src = lifted.data() + extra.position(i) * n_;
      chain_->fromPowerCoefficients(i, src, row);
    }
  }
  data_.swap(out);
  primes_ = all;
  return *this;
}

}  // namespace hl
