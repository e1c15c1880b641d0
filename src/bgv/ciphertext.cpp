#include "helib-like/bgv/ciphertext.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "bgv/key_switching.h"
#include "bgv/noise.h"
#include "bgv/rns.h"
#include "helib-like/bgv/prepared_plaintext.h"
#include "helib-like/math/memory_pool.h"
#include "math/rns_kernels.h"

namespace hl {
namespace {

using detail::noise::Noise;

// c mod t as a centred value in (-t/2, t/2].
int64_t centredMod(const Modulus& t, uint64_t c) {
  return c > t.value() / 2 ? static_cast<int64_t>(c) - static_cast<int64_t>(t.value())
                           : static_cast<int64_t>(c);
}

double log2Abs(int64_t c) {
  return c == 0 ? -std::numeric_limits<double>::infinity()
                : std::log2(std::fabs(static_cast<double>(c)));
}

// log2 of the ciphertext prime q_{l-1} that modulus switching at level l drops.
double logTopPrime(const Context& ctx, size_t l) {
  return ctx.logModulus(l) - ctx.logModulus(l - 1);
}

// The noise bound after switching from level `from` down to `to`.
// Switches of at least this many levels divide by all the dropped primes at once (one pass over
// the remaining primes instead of one per level, for a rounding term a little larger:
// noise::rounding grows with the number of primes divided by); shorter ones go prime by prime.
constexpr size_t kOneStepLevels = 4;

// Dropping more primes than a base converter takes happens in chunks of this many.
size_t oneStepChunk(size_t from, size_t to) {
  return std::min(from - to, detail::BaseConverter::kMaxSource);
}

Noise switchedNoise(const Context& ctx, Noise noise, size_t from, size_t to, size_t parts) {
  while (from > to) {
    if (from - to >= kOneStepLevels) {
      const size_t k = oneStepChunk(from, to);
      noise.scale(-(ctx.logModulus(from) - ctx.logModulus(from - k)));
      noise += detail::noise::roundingNoise(ctx, k, parts);
      from -= k;
    } else {
      noise.scale(-logTopPrime(ctx, from));
      noise += detail::noise::roundingNoise(ctx, 1, parts);
      --from;
    }
  }
  return noise;
}

// The bound after one step of modSwitchTo from level `from` that drops `drop` top primes, as
// that step computes it (modSwitchDown for one prime, one division by several otherwise).
Noise stepNoise(const Context& ctx, Noise noise, size_t from, size_t drop, size_t parts) {
  if (drop != 1) return switchedNoise(ctx, noise, from, from - drop, parts);
  const double logQ = std::log2(static_cast<double>(ctx.chain()->modulus(from - 1).value()));
  return noise.scale(-logQ) + detail::noise::roundingNoise(ctx, 1, parts);
}

// The plaintext factor after switching from level `from` down to `to`.
uint64_t switchedFactor(const Context& ctx, uint64_t f, size_t from, size_t to) {
  const Modulus& t = ctx.plaintextModulus();
  for (size_t l = from; l > to; --l) {
    f = t.mul(f, t.inv(t.reduce(ctx.chain()->modulus(l - 1).value())));
  }
  return f;
}

// How automorphismSumGroups applies its giant steps. Directly, one key switch per giant other
// than 1 (gamma = 0); or, where every giant is a power gamma^e of one of them with e <= steps,
// by Horner's rule, sum_G gamma^(e_G)(y_G) = y_0 + gamma(y_1 + gamma(y_2 + ...)), with the key
// of gamma alone: `steps` key switches, as many as the direct form's when the powers are
// 1, gamma, gamma^2, ... (the AES byte layers' rotations by 0, 5 and 10: one key less). Horner
// is taken when its key is there and it needs no more key switches than the direct form, or
// when a direct key is missing.
struct GiantPlan {
  std::vector<uint64_t> reduced;  // the giants mod m
  uint64_t gamma = 0;
  size_t steps = 0;
  std::vector<size_t> power;  // per group: e with giant = gamma^e
};

// The powers e_G with giant_G = gamma^e_G (e_G <= 2 * groups), and their largest; nullopt if
// some giant is not such a power.
std::optional<std::pair<size_t, std::vector<size_t>>> hornerPowers(
    uint64_t m, const std::vector<uint64_t>& reduced, uint64_t gamma) {
  std::vector<uint64_t> powers{1};
  while (powers.size() <= 2 * reduced.size()) {
    powers.push_back(
        static_cast<uint64_t>(static_cast<unsigned __int128>(powers.back()) * gamma % m));
  }
  std::vector<size_t> power;
  size_t steps = 0;
  for (uint64_t k : reduced) {
    const auto it = std::find(powers.begin(), powers.end(), k);
    if (it == powers.end()) return std::nullopt;
    power.push_back(static_cast<size_t>(it - powers.begin()));
    steps = std::max(steps, power.back());
  }
  return std::make_pair(steps, std::move(power));
}

// The plan: among the giants whose key `usable` says is there, the gamma with the fewest
// steps; Horner if that is no more than the direct key switches, or if directKeys is false.
template <class Usable>
GiantPlan planGiantsWith(const Context& ctx, std::span<const uint64_t> giants, Usable usable) {
  const uint64_t m = ctx.m();
  GiantPlan plan;
  size_t direct = 0;
  bool directKeys = true;
  for (uint64_t k : giants) {
    plan.reduced.push_back(k % m);
    if (k % m == 1) continue;
    ++direct;
    directKeys = directKeys && usable(k % m);
  }
  if (direct == 0) return plan;
  for (uint64_t gamma : plan.reduced) {
    if (gamma == 1 || !usable(gamma)) continue;
    auto found = hornerPowers(m, plan.reduced, gamma);
    if (found && (plan.gamma == 0 || found->first < plan.steps)) {
      plan.gamma = gamma;
      plan.steps = found->first;
      plan.power = std::move(found->second);
    }
  }
  if (plan.gamma != 0 && !(plan.steps <= direct || !directKeys)) {
    plan.gamma = 0;
    plan.steps = 0;
    plan.power.clear();
  }
  return plan;
}

GiantPlan planGiants(const Context& ctx, std::span<const uint64_t> giants,
                     const EvaluationKeys& keys) {
  return planGiantsWith(ctx, giants, [&](uint64_t k) { return keys.hasAutomorphism(k); });
}

// The noise bound of sum_j c_j sigma_j(x) (noise::automorphismSum) for x with bound `noise` at
// level `level`: max over zeta of sum_j |c_j(zeta)| over all terms and over the key-switched
// ones (switched[j]); a missing constant is 1, |1(zeta)| = 1. 0 when every constant is 0.
Noise sumNoise(const Context& ctx, size_t level, const Noise& noise,
               std::span<const PreparedPlaintext* const> consts, std::span<const bool> switched) {
  const size_t n = ctx.n(), terms = consts.size();
  bool anySwitch = false;
  std::vector<const float*> e(terms, nullptr);  // null: the constant 1
  for (size_t j = 0; j < terms; ++j) {
    anySwitch |= switched[j];
    if (consts[j] != nullptr) e[j] = consts[j]->embeddingAbs().data();
  }
  // Coordinate by coordinate (in parallel: the other threads would wait for it), the largest
  // sum over all terms and over the switched ones.
  double largestAll = 0, largestSwitched = 0;
#pragma omp parallel for schedule(static) reduction(max : largestAll, largestSwitched) \
    if (n * terms >= (1u << 16))
  for (size_t i = 0; i < n; ++i) {
    double all = 0, sw = 0;
    for (size_t j = 0; j < terms; ++j) (switched[j] ? sw : all) += e[j] == nullptr ? 1.0 : e[j][i];
    all += sw;
    largestAll = std::max(largestAll, all);
    largestSwitched = std::max(largestSwitched, sw);
  }
  auto log2OrNone = [](double x) {
    return x > 0 ? std::log2(x) : -std::numeric_limits<double>::infinity();
  };
  const Noise b = detail::noise::automorphismSum(ctx, level, noise, log2OrNone(largestAll),
                                                 log2OrNone(largestSwitched), anySwitch);
  return b.bound() == -std::numeric_limits<double>::infinity() ? Noise::bounded(0.0) : b;
}

// Of the term c sigma(x) of a sum of automorphisms (Ciphertext::automorphismSum and
// automorphismSumGroups), the part that needs no key switch, on values lo..lo+len of one prime:
// o0 += c sigma(c0), and for sigma = 1 (perm null) also o1 += c c1; c (row p of its element
// 0) null is 1, tmp holds 2 len words.
void addUnswitchedTerm(const Modulus& q, const uint64_t* c0, const uint64_t* c1,
                       const uint32_t* perm, const detail::CompactRows* c, size_t p, uint64_t* o0,
                       uint64_t* o1, size_t lo, size_t len, uint64_t* tmp) {
  const uint64_t* cv = c == nullptr ? nullptr : c->block(0, p, lo, len, tmp + len);
  const uint64_t* x0 = c0 + lo;
  if (perm != nullptr) {
    detail::gatherMulMod(q, c0, perm + lo, cv, tmp, len);
    x0 = tmp;
  } else if (cv != nullptr) {
    detail::mulMod(q, x0, cv, tmp, len);
    x0 = tmp;
  }
  detail::addMod(q, o0 + lo, x0, o0 + lo, len);
  if (perm == nullptr) {
    const uint64_t* x1 = c1 + lo;
    if (cv != nullptr) {
      detail::mulMod(q, x1, cv, tmp, len);
      x1 = tmp;
    }
    detail::addMod(q, o1 + lo, x1, o1 + lo, len);
  }
}

// addUnswitchedTerm for `count` terms, term(i) giving term i's permutation (nullptr: the
// identity) and constant (nullptr: 1), prime by prime over `primes` in blocks that stay in the
// first-level cache: o0 += sum c_i sigma_i(c0), o1 += sum of c_i c1 over the identities.
template <class Term>
void addUnswitchedTerms(const ModulusChain& chain, const IndexSet& primes, size_t n,
                        const DoubleCRT& c0p, const DoubleCRT& c1p, size_t count, Term term,
                        DoubleCRT& o0, DoubleCRT& o1) {
  constexpr size_t kBlock = 512;
  const size_t l = primes.size();
#pragma omp parallel for schedule(static)
  for (size_t idx = 0; idx < l; ++idx) {
    const size_t p = primes[idx];
    const Modulus& q = chain.modulus(p);
    uint64_t* tmp = detail::threadScratch(detail::kScratchHoistTerms, 2 * kBlock);
    const uint64_t* c0 = c0p.values(p).data();
    const uint64_t* c1 = c1p.values(p).data();
    uint64_t* r0 = o0.values(p).data();
    uint64_t* r1 = o1.values(p).data();
    for (size_t lo = 0; lo < n; lo += kBlock) {
      const size_t len = std::min(kBlock, n - lo);
      for (size_t i = 0; i < count; ++i) {
        const auto [perm, constant] = term(i);
        addUnswitchedTerm(q, c0, c1, perm, constant, p, r0, r1, lo, len, tmp);
      }
    }
  }
}

// The level reduceNoise() stops at. Switching down by q changes the capacity left after a
// squaring from logQ - 2B to (logQ - log q) - 2B': worth it while B' < B - log(q) / 2.
size_t reducedLevel(const Context& ctx, Noise noise, size_t level, size_t parts) {
  while (level > 1) {
    const double lq = logTopPrime(ctx, level);
    Noise next = noise;
    next.scale(-lq) += detail::noise::roundingNoise(ctx, 1, parts);
    if (!(next.bound() < noise.bound() - lq / 2)) break;
    noise = next;
    --level;
  }
  return level;
}

}  // namespace

double Ciphertext::capacity() const { return ctx_->logModulus(level()) - 1.0 - noise_.bound(); }

void Ciphertext::checkCompatible(const Ciphertext& o, const char* op) const {
  if (o.ctx_ != ctx_) {
    throw std::invalid_argument(std::string("hl::Ciphertext::") + op +
                                ": the operands belong to different contexts");
  }
  if (o.keyId_ != keyId_) {
    throw std::invalid_argument(std::string("hl::Ciphertext::") + op +
                                ": the operands were encrypted under different keys");
  }
}

void Ciphertext::checkCapacity(const Noise& noise, size_t level, const char* op) const {
  const double noiseLog2 = noise.bound();
  const double cap = ctx_->logModulus(level) - 1.0 - noiseLog2;
  if (!(cap > 0)) {
    throw CapacityError(std::string("hl::Ciphertext::") + op +
                        ": the result would have no capacity left (noise bound 2^" +
                        std::to_string(noiseLog2) + " at level " + std::to_string(level) +
                        " with a " + std::to_string(ctx_->logModulus(level)) +
                        "-bit modulus); use larger parameters or a shallower circuit");
  }
}

void Ciphertext::checkRelation(const Ciphertext& o, NoiseRelation rel, const char* op) const {
  if (rel == NoiseRelation::kIndependent && &o == this) {
    throw std::invalid_argument(std::string("hl::Ciphertext::") + op +
                                ": a ciphertext's noise is not independent of itself (use "
                                "NoiseRelation::kAny to square)");
  }
}

void Ciphertext::checkKeys(const EvaluationKeys& keys, const char* op) const {
  if (&keys.context() != ctx_.get()) {
    throw std::invalid_argument(std::string("hl::Ciphertext::") + op +
                                ": the keys belong to another context");
  }
}

Ciphertext& Ciphertext::modSwitchDown() {
  const size_t l = level();
  if (l <= 1) {
    throw std::invalid_argument("hl::Ciphertext::modSwitchDown: already at level 1");
  }
  const size_t top = l - 1;
  const Modulus& q = ctx_->chain()->modulus(top);
  const Noise noise = stepNoise(*ctx_, noise_, l, 1, size());
  checkCapacity(noise, l - 1, "modSwitchDown");
  const detail::BaseConverter& conv = ctx_->rnsTables().converter(IndexSet{top});
  detail::scaleDown(parts_, conv, ctx_->plaintextModulus());
  const Modulus& t = ctx_->plaintextModulus();
  factor_ = t.mul(factor_, t.inv(t.reduce(q.value())));
  noise_ = noise;
  return *this;
}

Ciphertext& Ciphertext::modSwitchTo(size_t l) {
  if (l == 0 || l > level()) {
    throw std::invalid_argument("hl::Ciphertext::modSwitchTo: level " + std::to_string(l) +
                                " is outside [1, " + std::to_string(level()) + "]");
  }
  while (level() > l) {
    const size_t L = level();
    if (L - l < kOneStepLevels) {
      modSwitchDown();
      continue;
    }
    // Several levels in one division by q_{L-k} ... q_{L-1} (see switchedNoise).
    const size_t k = oneStepChunk(L, l);
    const Noise noise = stepNoise(*ctx_, noise_, L, k, size());
    checkCapacity(noise, L - k, "modSwitchTo");
    const detail::BaseConverter& conv = ctx_->rnsTables().converter(IndexSet::range(L - k, L));
    detail::scaleDown(parts_, conv, ctx_->plaintextModulus());
    factor_ = switchedFactor(*ctx_, factor_, L, L - k);
    noise_ = noise;
  }
  return *this;
}

Ciphertext& Ciphertext::modSwitchToLowest() {
  for (size_t l = 1; l < level(); ++l) {
    if (ctx_->logModulus(l) - 1.0 - switchedNoise(*ctx_, noise_, level(), l, size()).bound() > 0) {
      return modSwitchTo(l);
    }
  }
  return *this;
}

Ciphertext& Ciphertext::reduceNoise() {
  return modSwitchTo(reducedLevel(*ctx_, noise_, level(), size()));
}

Ciphertext& Ciphertext::addSub(const Ciphertext& o, bool subtract) {
  const char* op = subtract ? "operator-=" : "operator+=";
  checkCompatible(o, op);
  // Plan on the noise bounds first, so that nothing changes if the capacity does not suffice.
  // The operand above the common level L reaches it in one of two ways: modulus switching
  // (divide by the primes above L: the noise shrinks to about the rounding term, the factor
  // changes), or dropping those primes (the phase c0 + c1 s = f m + nu mod Q also holds mod the
  // divisor Q_L: the noise and the factor stay). Dropping costs no transform; it is taken where
  // the sum's bound comes within kDropSlackBits of the switched one, i.e. where the operand's
  // noise is far below the other's (an encrypted AES round key added to the state: 2^24 next
  // to 2^60, where switching cost 25 ms a round at the top of the aes-128 chain).
  constexpr double kDropSlackBits = 1e-3;
  const size_t L = std::min(level(), o.level());
  struct Plan {
    bool dropSelf = false, dropOther = false;
    Noise ns, no, noise;
    int64_t cs = 1, co = 1;  // the constants that make the factors agree
  };
  auto plan = [&](bool dropSelf, bool dropOther) {
    Plan p;
    p.dropSelf = dropSelf;
    p.dropOther = dropOther;
    p.ns = dropSelf ? noise_ : switchedNoise(*ctx_, noise_, level(), L, size());
    p.no = dropOther ? o.noise_ : switchedNoise(*ctx_, o.noise_, o.level(), L, o.size());
    const uint64_t fs = dropSelf ? factor_ : switchedFactor(*ctx_, factor_, level(), L);
    const uint64_t fo = dropOther ? o.factor_ : switchedFactor(*ctx_, o.factor_, o.level(), L);
    // Different plaintext factors: scale one side by a constant c so that the factors agree
    // (nu -> c nu with factor f -> c f), whichever side gives the smaller noise.
    if (fs != fo) {
      const Modulus& t = ctx_->plaintextModulus();
      const int64_t toSelf = centredMod(t, t.mul(fo, t.inv(fs)));
      const int64_t toOther = centredMod(t, t.mul(fs, t.inv(fo)));
      const double a = std::max(p.ns.bound() + log2Abs(toSelf), p.no.bound());
      const double b = std::max(p.ns.bound(), p.no.bound() + log2Abs(toOther));
      if (a <= b) {
        p.cs = toSelf;
      } else {
        p.co = toOther;
      }
    }
    p.noise = Noise(p.ns).scale(log2Abs(p.cs)) + Noise(p.no).scale(log2Abs(p.co));
    return p;
  };
  Plan best = plan(false, false);
  if (level() > L || o.level() > L) {
    const Plan dropped = plan(level() > L, o.level() > L);
    if (dropped.noise.bound() <= best.noise.bound() + kDropSlackBits) best = dropped;
  }
  const bool dropSelf = best.dropSelf, dropOther = best.dropOther;
  const int64_t cs = best.cs, co = best.co;
  const Noise noise = best.noise;
  checkCapacity(noise, L, op);

  if (dropSelf) {
    const IndexSet above = IndexSet::range(L, level());
    for (DoubleCRT& part : parts_) part.dropPrimes(above);
  } else {
    modSwitchTo(L);
  }
  if (cs != 1) rescaleFactor(cs);
  std::optional<Ciphertext> copy;
  const Ciphertext* rhs = &o;
  if ((o.level() > L && !dropOther) || co != 1) {
    copy.emplace(o);
    if (!dropOther) copy->modSwitchTo(L);
    if (co != 1) copy->rescaleFactor(co);
    rhs = &*copy;
  }
  // rhs may still hold primes above L (dropped): only the rows of L's primes take part.
  while (parts_.size() < rhs->size()) parts_.emplace_back(ctx_->chain(), parts_[0].primes());
  const IndexSet& primes = parts_[0].primes();
  const ModulusChain& chain = *ctx_->chain();
  const size_t n = ctx_->n();
#pragma omp parallel for collapse(2) schedule(static)
  for (size_t i = 0; i < rhs->size(); ++i) {
    for (size_t k = 0; k < L; ++k) {
      const size_t p = primes[k];
      uint64_t* a = parts_[i].values(p).data();
      const uint64_t* b = rhs->parts_[i].values(p).data();
      if (subtract) {
        detail::subMod(chain.modulus(p), a, b, a, n);
      } else {
        detail::addMod(chain.modulus(p), a, b, a, n);
      }
    }
  }
  noise_ = noise;
  return *this;
}

void Ciphertext::rescaleFactor(int64_t c) {
  const Modulus& t = ctx_->plaintextModulus();
  for (DoubleCRT& part : parts_) part.mulScalar(c);
  factor_ = t.mul(factor_, t.reduceSigned(c));
  noise_.scale(log2Abs(c));
}

Ciphertext& Ciphertext::operator+=(const Ciphertext& o) { return addSub(o, false); }
Ciphertext& Ciphertext::operator-=(const Ciphertext& o) { return addSub(o, true); }

Ciphertext& Ciphertext::negate() {
  for (DoubleCRT& part : parts_) part.negate();
  return *this;
}

Ciphertext& Ciphertext::addSubPlaintext(const Plaintext& pt, bool subtract) {
  const char* op = subtract ? "subPlaintext" : "addPlaintext";
  if (&pt.context() != ctx_.get()) {
    throw std::invalid_argument(std::string("hl::Ciphertext::") + op +
                                ": the plaintext belongs to another context");
  }
  // nu + f m decrypts to f (m_ct + m).
  const Modulus& t = ctx_->plaintextModulus();
  std::vector<int64_t> c(ctx_->n());
  double l1 = 0;
  for (size_t i = 0; i < c.size(); ++i) {
    uint64_t v = t.mul(pt.coefficients()[i], factor_);
    if (subtract) v = t.neg(v);
    c[i] = centredMod(t, v);
    l1 += std::fabs(static_cast<double>(c[i]));
  }
  const Noise noise = noise_ + Noise::bounded(std::log2(std::max(l1, 1.0)));
  checkCapacity(noise, level(), op);
  parts_[0] += DoubleCRT::fromCoefficients(ctx_->chain(), parts_[0].primes(), c);
  noise_ = noise;
  return *this;
}

Ciphertext& Ciphertext::addSubPlaintext(const PreparedPlaintext& pt, bool subtract) {
  const char* op = subtract ? "subPlaintext" : "addPlaintext";
  if (&pt.context() != ctx_.get()) {
    throw std::invalid_argument(std::string("hl::Ciphertext::") + op +
                                ": the plaintext belongs to another context");
  }
  if (pt.normLog2() == -std::numeric_limits<double>::infinity()) return *this;  // m = 0
  // nu + f m decrypts to f (m_ct + m). f_c m (f_c the centred f, negated to subtract) is such
  // an element, with norm |f_c| ||m||, and needs no transform: the prepared rows times f_c.
  // Where f != +-1 the centred [f m]_t may be much smaller (its L1 norm bounds its canonical
  // norm); then it is added as the Plaintext overload does, through a transform.
  const Modulus& t = ctx_->plaintextModulus();
  int64_t fc = centredMod(t, factor_);
  if (subtract) fc = -fc;
  const double rowBound = log2Abs(fc) + pt.normLog2();
  if (fc != 1 && fc != -1) {  // t > 3: the plaintext is kept
    const Plaintext m = pt.plaintext();
    double l1 = 0;
    for (uint64_t c : m.coefficients()) {
      l1 += std::fabs(static_cast<double>(centredMod(t, t.mul(c, factor_))));
    }
    if (std::log2(std::max(l1, 1.0)) < rowBound) return addSubPlaintext(m, subtract);
  }
  const Noise noise = noise_ + Noise::bounded(rowBound);
  checkCapacity(noise, level(), op);
  const IndexSet& primes = parts_[0].primes();
  const size_t n = ctx_->n();
  const ModulusChain& chain = *ctx_->chain();
#pragma omp parallel for schedule(static) if (primes.size() > 1)
  for (size_t k = 0; k < primes.size(); ++k) {
    const size_t i = primes[k];
    const Modulus& q = chain.modulus(i);
    uint64_t* c0 = parts_[0].values(i).data();
    const uint64_t* v =
        pt.rows().block(0, i, 0, n, detail::threadScratch(detail::kScratchPlaintextRow, n));
    if (fc == 1) {
      detail::addMod(q, c0, v, c0, n);
    } else if (fc == -1) {
      detail::subMod(q, c0, v, c0, n);
    } else {
      uint64_t* row = detail::threadScratch(detail::kScratchRow, n);
      detail::mulScalarMod(q, v, q.reduceSigned(fc), row, n);
      detail::addMod(q, c0, row, c0, n);
    }
  }
  noise_ = noise;
  return *this;
}

Ciphertext& Ciphertext::addPlaintext(const PreparedPlaintext& pt) {
  return addSubPlaintext(pt, false);
}
Ciphertext& Ciphertext::subPlaintext(const PreparedPlaintext& pt) {
  return addSubPlaintext(pt, true);
}

Ciphertext& Ciphertext::addPlaintext(const Plaintext& pt) { return addSubPlaintext(pt, false); }
Ciphertext& Ciphertext::subPlaintext(const Plaintext& pt) { return addSubPlaintext(pt, true); }

Ciphertext& Ciphertext::multiplyByPlaintext(const Plaintext& pt) {
  if (&pt.context() != ctx_.get()) {
    throw std::invalid_argument(
        "hl::Ciphertext::multiplyByPlaintext: the plaintext belongs to another context");
  }
  const double l1 = pt.l1Norm();
  const Noise noise = l1 == 0 ? Noise::bounded(0.0) : Noise(noise_).scale(std::log2(l1));
  checkCapacity(noise, level(), "multiplyByPlaintext");
  const DoubleCRT p = DoubleCRT::fromCoefficients(ctx_->chain(), parts_[0].primes(), pt.centred());
  for (DoubleCRT& part : parts_) part *= p;
  noise_ = noise;
  return *this;
}

Ciphertext& Ciphertext::multiplyByPlaintext(const PreparedPlaintext& pt) {
  if (&pt.context() != ctx_.get()) {
    throw std::invalid_argument(
        "hl::Ciphertext::multiplyByPlaintext: the plaintext belongs to another context");
  }
  // ||m nu|| <= ||m|| ||nu||: the canonical norm is submultiplicative.
  const Noise noise = pt.normLog2() == -std::numeric_limits<double>::infinity()
                          ? Noise::bounded(0.0)
                          : Noise(noise_).scale(pt.normLog2());
  checkCapacity(noise, level(), "multiplyByPlaintext");
  const IndexSet& primes = parts_[0].primes();
  const size_t n = ctx_->n(), L = primes.size(), np = parts_.size();
  const ModulusChain& chain = *ctx_->chain();
#pragma omp parallel for schedule(static) if (L * np > 1)
  for (size_t w = 0; w < L * np; ++w) {
    const size_t i = primes[w % L];
    uint64_t* row = parts_[w / L].values(i).data();
    const uint64_t* v =
        pt.rows().block(0, i, 0, n, detail::threadScratch(detail::kScratchPlaintextRow, n));
    detail::mulMod(chain.modulus(i), row, v, row, n);
  }
  noise_ = noise;
  return *this;
}

Ciphertext& Ciphertext::multiplyByConstant(int64_t c) {
  const Modulus& t = ctx_->plaintextModulus();
  const int64_t cc = centredMod(t, t.reduceSigned(c));
  const Noise noise = cc == 0 ? Noise::bounded(0.0) : Noise(noise_).scale(log2Abs(cc));
  checkCapacity(noise, level(), "multiplyByConstant");
  for (DoubleCRT& part : parts_) part.mulScalar(cc);
  noise_ = noise;
  return *this;
}

Ciphertext& Ciphertext::multiply(const Ciphertext& o, NoiseRelation rel) {
  checkCompatible(o, "multiply");
  checkRelation(o, rel, "multiply");
  if (size() != 2 || o.size() != 2) {
    throw std::invalid_argument(
        "hl::Ciphertext::multiply: both operands must have 2 parts (relinearize first)");
  }
  const size_t L = productLevel(o);
  const Noise noise = productNoise(o, L, rel);
  checkCapacity(noise, L, "multiply");
  modSwitchTo(L);
  std::optional<Ciphertext> copy;
  const Ciphertext* rhs = &o;
  if (&o == this) {
    // square of itself: rhs is *this, already switched
  } else if (o.level() > L) {
    copy.emplace(o);
    copy->modSwitchTo(L);
    rhs = &*copy;
  }
  tensor(*rhs);
  noise_ = noise;
  return *this;
}

size_t Ciphertext::productLevel(const Ciphertext& o) const {
  return std::min(reducedLevel(*ctx_, noise_, level(), size()),
                  reducedLevel(*ctx_, o.noise_, o.level(), o.size()));
}

NoiseMoments Ciphertext::productNoise(const Ciphertext& o, size_t L, NoiseRelation rel) const {
  const Noise a = switchedNoise(*ctx_, noise_, level(), L, size());
  const Noise b = switchedNoise(*ctx_, o.noise_, o.level(), L, o.size());
  return rel == NoiseRelation::kIndependent ? Noise::productIndependent(a, b)
                                            : Noise::product(a, b);
}

void Ciphertext::tensor(const Ciphertext& rhs) {
  // (a0 + a1 s)(b0 + b1 s) = a0 b0 + (a0 b1 + a1 b0) s + a1 b1 s^2. rhs may be *this. One pass
  // per prime: c2 first (from a1, b1), then c1 into a1's row (a0 b1 + a1 b0 in one inner
  // product), then c0 into a0's row; the kernels read index j of every input before writing it.
  const IndexSet& primes = parts_[0].primes();
  const size_t n = ctx_->n();
  DoubleCRT c2(ctx_->chain(), primes);
  const ModulusChain& chain = *ctx_->chain();
  const size_t L = primes.size();
#pragma omp parallel for schedule(static) if (L > 1)
  for (size_t k = 0; k < L; ++k) {
    const size_t i = primes[k];
    const Modulus& q = chain.modulus(i);
    uint64_t* a0 = parts_[0].values(i).data();
    uint64_t* a1 = parts_[1].values(i).data();
    const uint64_t* b0 = rhs.parts_[0].values(i).data();
    const uint64_t* b1 = rhs.parts_[1].values(i).data();
    detail::mulMod(q, a1, b1, c2.values(i).data(), n);
    const uint64_t* xs[2] = {a0, a1};
    const uint64_t* ys[2] = {b1, b0};
    detail::dotProductMod(q, xs, ys, 2, a1, n);
    detail::mulMod(q, a0, b0, a0, n);
  }
  parts_.push_back(std::move(c2));
  const Modulus& t = ctx_->plaintextModulus();
  factor_ = t.mul(factor_, rhs.factor_);
}

Ciphertext& Ciphertext::square() {
  if (size() != 2) {
    throw std::invalid_argument("hl::Ciphertext::square: the operand must have 2 parts");
  }
  return multiply(*this);
}

Ciphertext::SwitchPlan Ciphertext::planSwitchAfterKeySwitch(const Noise& noise, Then then,
                                                            const char* op) const {
  const size_t L = level();
  checkCapacity(noise, L, op);
  SwitchPlan plan{L, 0, noise};
  if (then != Then::kReduceNoise) return plan;
  plan.target = reducedLevel(*ctx_, noise, L, 2);
  if (plan.target < L) {
    // The first step of modSwitchTo(target), as it would take it.
    plan.drop = L - plan.target >= kOneStepLevels ? oneStepChunk(L, plan.target) : 1;
    plan.noise = stepNoise(*ctx_, noise, L, plan.drop, 2);
    checkCapacity(plan.noise, L - plan.drop, op);
  }
  return plan;
}

void Ciphertext::finishSwitch(const SwitchPlan& plan) {
  if (plan.drop > 0) {
    const size_t L = plan.drop + level();  // the key switch dropped plan.drop primes
    factor_ = switchedFactor(*ctx_, factor_, L, L - plan.drop);
  }
  noise_ = plan.noise;
  if (plan.target < level()) modSwitchTo(plan.target);
}

Ciphertext& Ciphertext::relinearize(const EvaluationKeys& keys, Then then) {
  checkKeys(keys, "relinearize");
  if (size() == 2) return then == Then::kReduceNoise ? reduceNoise() : *this;
  const KeySwitchKey& key = keys.relinearization();
  if (key.keyId() != keyId_) {
    throw std::invalid_argument(
        "hl::Ciphertext::relinearize: the relinearization key belongs to another secret key");
  }
  const Noise noise = noise_ + detail::noise::keySwitchNoise(*ctx_, level());
  const SwitchPlan plan = planSwitchAfterKeySwitch(noise, then, "relinearize");
  detail::keySwitch(*ctx_, parts_[2], key, parts_[0], parts_[1], /*overwrite1=*/false, {},
                    plan.drop);
  parts_.pop_back();
  finishSwitch(plan);
  return *this;
}

Ciphertext& Ciphertext::multiplyBy(const Ciphertext& o, const EvaluationKeys& keys, Then then,
                                   NoiseRelation rel) {
  checkCompatible(o, "multiplyBy");
  checkRelation(o, rel, "multiplyBy");
  checkKeys(keys, "multiplyBy");
  if (size() != 2 || o.size() != 2) {
    throw std::invalid_argument(
        "hl::Ciphertext::multiplyBy: both operands must have 2 parts (relinearize first)");
  }
  // Check everything (key, capacity after relinearization) before changing anything.
  const KeySwitchKey& key = keys.relinearization();
  if (key.keyId() != keyId_) {
    throw std::invalid_argument(
        "hl::Ciphertext::multiplyBy: the relinearization key belongs to another secret key");
  }
  const size_t L = productLevel(o);
  const Noise noise = productNoise(o, L, rel) + detail::noise::keySwitchNoise(*ctx_, L);
  checkCapacity(noise, L, "multiplyBy");
  multiply(o, rel);
  return relinearize(keys, then);
}

Ciphertext& Ciphertext::automorph(uint64_t k, const EvaluationKeys& keys, Then then) {
  automorphImpl(k, keys, then, nullptr);
  return *this;
}

void Ciphertext::automorphImpl(uint64_t k, const EvaluationKeys& keys, Then then,
                               const uint64_t* extraAcc) {
  const uint64_t m = ctx_->m();
  k %= m;
  if (!ctx_->ring().isUnit(k)) {
    throw std::invalid_argument("hl::Ciphertext::automorph: k = " + std::to_string(k) +
                                " is not a unit mod m = " + std::to_string(m));
  }
  if (size() != 2) {
    throw std::invalid_argument("hl::Ciphertext::automorph: relinearize the ciphertext first");
  }
  if (k == 1) {
    if (extraAcc != nullptr) throw std::logic_error("hl::Ciphertext::automorph: no key switch");
    if (then == Then::kReduceNoise) reduceNoise();
    return;
  }
  checkKeys(keys, "automorph");
  const KeySwitchKey& key = keys.automorphism(k);
  if (key.keyId() != keyId_) {
    throw std::invalid_argument(
        "hl::Ciphertext::automorph: the automorphism key belongs to another secret key");
  }
  const Noise noise = noise_ + detail::noise::keySwitchNoise(*ctx_, level());
  const SwitchPlan plan = planSwitchAfterKeySwitch(noise, then, "automorph");
  // (c0(X^k), c1(X^k)) decrypts under s(X^k); switch c1(X^k) back to s.
  // c1(X^k) is only read by the key switch, which permutes it on the way in.
  const std::vector<uint32_t> perm = ctx_->ring().automorphismPermutation(k);
  parts_[0].automorph(perm);
  detail::keySwitch(*ctx_, parts_[1], key, parts_[0], parts_[1], /*overwrite1=*/true, perm,
                    plan.drop, extraAcc);
  finishSwitch(plan);
}

std::vector<uint64_t> Ciphertext::checkAutomorphisms(std::span<const uint64_t> ks,
                                                     const EvaluationKeys& keys,
                                                     const char* op) const {
  const uint64_t m = ctx_->m();
  checkKeys(keys, op);
  std::vector<uint64_t> reduced;
  reduced.reserve(ks.size());
  for (uint64_t k : ks) {
    k %= m;
    if (!ctx_->ring().isUnit(k)) {
      throw std::invalid_argument(std::string("hl::Ciphertext::") + op +
                                  ": k = " + std::to_string(k) +
                                  " is not a unit mod m = " + std::to_string(m));
    }
    reduced.push_back(k);
  }
  if (size() != 2) {
    throw std::invalid_argument(std::string("hl::Ciphertext::") + op +
                                ": relinearize the ciphertext first");
  }
  for (uint64_t k : reduced) {
    if (k == 1) continue;
    if (keys.automorphism(k).keyId() != keyId_) {  // throws naming X^k if it is missing
      throw std::invalid_argument(std::string("hl::Ciphertext::") + op +
                                  ": the automorphism key for X -> X^" + std::to_string(k) +
                                  " belongs to another secret key");
    }
  }
  return reduced;
}

std::vector<uint64_t> Ciphertext::giantKeyExponents(const Context& ctx,
                                                    std::span<const uint64_t> giants) {
  const GiantPlan plan = planGiantsWith(ctx, giants, [](uint64_t) { return true; });
  if (plan.gamma != 0) return {plan.gamma};
  std::vector<uint64_t> out;
  for (uint64_t k : plan.reduced) {
    if (k != 1) out.push_back(k);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<Ciphertext> Ciphertext::automorphisms(std::span<const uint64_t> ks,
                                                  const EvaluationKeys& keys) const {
  const std::vector<uint64_t> kk = checkAutomorphisms(ks, keys, "automorphisms");
  const bool anySwitch = std::any_of(kk.begin(), kk.end(), [](uint64_t k) { return k != 1; });
  const Noise noise = noise_ + detail::noise::keySwitchNoise(*ctx_, level());
  if (anySwitch) checkCapacity(noise, level(), "automorphisms");

  std::vector<Ciphertext> out;
  out.reserve(kk.size());
  std::optional<detail::HoistedModUp> up;
  if (anySwitch) up.emplace(*ctx_, parts_[1]);
  const size_t n = ctx_->n(), total = level() + ctx_->specialPrimes().size();
  for (uint64_t k : kk) {
    if (k == 1) {
      out.push_back(*this);
      continue;
    }
    // sigma(c0) + ModDown(sum_j sigma(d_j) key_j), ModDown(...) for c1.
    const std::vector<uint32_t> perm = ctx_->ring().automorphismPermutation(k);
    std::vector<DoubleCRT> parts;
    parts.push_back(parts_[0]);
    parts[0].automorph(perm);
    parts.emplace_back(ctx_->chain(), parts_[0].primes());
    const detail::HoistedModUp::Term term{&keys.automorphism(k), perm, nullptr};
    uint64_t* acc = detail::threadScratch(detail::kScratchKsAcc, 2 * total * n);
    up->innerProducts({&term, 1}, acc);
    detail::modDown(*ctx_, level(), acc, parts[0], parts[1], /*overwrite1=*/true);
    out.push_back(Ciphertext(ctx_, keyId_, std::move(parts), factor_, noise));
  }
  return out;
}

Ciphertext& Ciphertext::automorphismSum(std::span<const uint64_t> ks,
                                        std::span<const PreparedPlaintext* const> consts,
                                        const EvaluationKeys& keys) {
  if (ks.empty() || ks.size() != consts.size()) {
    throw std::invalid_argument("hl::Ciphertext::automorphismSum: " + std::to_string(ks.size()) +
                                " exponents and " + std::to_string(consts.size()) +
                                " constants (expected the same positive number)");
  }
  for (size_t j = 0; j < consts.size(); ++j) {
    if (consts[j] != nullptr && &consts[j]->context() != ctx_.get()) {
      throw std::invalid_argument("hl::Ciphertext::automorphismSum: constant " + std::to_string(j) +
                                  " belongs to another context");
    }
  }
  const std::vector<uint64_t> kk = checkAutomorphisms(ks, keys, "automorphismSum");
  const size_t terms = kk.size();
  std::unique_ptr<bool[]> switched(new bool[terms]);
  bool anySwitch = false, anyIdentity = false;
  for (size_t j = 0; j < terms; ++j) {
    switched[j] = kk[j] != 1;
    anySwitch |= switched[j];
    anyIdentity |= !switched[j];
  }
  const Noise noise =
      sumNoise(*ctx_, level(), noise_, consts, std::span<const bool>(switched.get(), terms));
  checkCapacity(noise, level(), "automorphismSum");

  const size_t n = ctx_->n(), l = level();
  const IndexSet& primes = parts_[0].primes();
  const ModulusChain& chain = *ctx_->chain();
  std::vector<std::vector<uint32_t>> perms(terms);
  for (size_t j = 0; j < terms; ++j) {
    if (switched[j]) perms[j] = ctx_->ring().automorphismPermutation(kk[j]);
  }
  // The parts that need no key switch: out0 = sum_j c_j sigma_j(c0), and out1 = sum of c_j c1
  // over the terms with k_j = 1.
  DoubleCRT out0(ctx_->chain(), primes), out1(ctx_->chain(), primes);
  addUnswitchedTerms(chain, primes, n, parts_[0], parts_[1], terms,
                     [&](size_t j) {
                       return std::make_pair(switched[j] ? perms[j].data() : nullptr,
                                             consts[j] == nullptr ? nullptr : &consts[j]->rows());
                     },
                     out0, out1);
  // The key-switched terms: one ModUp of c1, the constants' multiples of the permuted digits'
  // inner products summed over Q_l P, one ModDown into (out0, out1).
  if (anySwitch) {
    const detail::HoistedModUp up(*ctx_, parts_[1]);
    std::vector<detail::HoistedModUp::Term> list;
    for (size_t j = 0; j < terms; ++j) {
      if (switched[j]) {
        list.push_back({&keys.automorphism(kk[j]), perms[j],
                        consts[j] == nullptr ? nullptr : &consts[j]->rows()});
      }
    }
    const size_t total = l + ctx_->specialPrimes().size();
    uint64_t* acc = detail::threadScratch(detail::kScratchKsAcc, 2 * total * n);
    up.innerProducts(list, acc);
    detail::modDown(*ctx_, l, acc, out0, out1, /*overwrite1=*/!anyIdentity);
  }
  parts_[0] = std::move(out0);
  parts_[1] = std::move(out1);
  noise_ = noise;
  return *this;
}

Ciphertext& Ciphertext::automorphismSumGroups(std::span<const uint64_t> babies,
                                              std::span<const AutomorphismGroup> groups,
                                              const EvaluationKeys& keys) {
  const char* op = "automorphismSumGroups";
  if (groups.empty()) {
    throw std::invalid_argument("hl::Ciphertext::automorphismSumGroups: no groups");
  }
  std::vector<uint64_t> giants;
  for (size_t G = 0; G < groups.size(); ++G) {
    const AutomorphismGroup& g = groups[G];
    if (g.terms.empty() || g.terms.size() != g.consts.size()) {
      throw std::invalid_argument("hl::Ciphertext::automorphismSumGroups: group " +
                                  std::to_string(G) + " has " + std::to_string(g.terms.size()) +
                                  " terms and " + std::to_string(g.consts.size()) +
                                  " constants (expected the same positive number)");
    }
    for (size_t i = 0; i < g.terms.size(); ++i) {
      if (g.terms[i] >= babies.size()) {
        throw std::invalid_argument(
            "hl::Ciphertext::automorphismSumGroups: group " + std::to_string(G) + " names baby " +
            std::to_string(g.terms[i]) + " of " + std::to_string(babies.size()));
      }
      if (g.consts[i] != nullptr && &g.consts[i]->context() != ctx_.get()) {
        throw std::invalid_argument("hl::Ciphertext::automorphismSumGroups: a constant of group " +
                                    std::to_string(G) + " belongs to another context");
      }
    }
    giants.push_back(g.giant);
  }
  const std::vector<uint64_t> kb = checkAutomorphisms(babies, keys, op);
  const GiantPlan plan = planGiants(*ctx_, giants, keys);
  const std::vector<uint64_t>& kg = plan.reduced;
  if (plan.gamma != 0) {
    checkAutomorphisms(std::span<const uint64_t>(&plan.gamma, 1), keys, op);
  } else {
    checkAutomorphisms(giants, keys, op);
  }

  // The noise of each group (automorphismSum's bound for its terms, then a key switch for
  // the giant step), summed: checked before anything changes.
  const size_t n = ctx_->n(), l = level();
  std::vector<Noise> groupSum(groups.size());
  Noise noise;
  bool anyBabySwitch = false;
  for (size_t G = 0; G < groups.size(); ++G) {
    const AutomorphismGroup& g = groups[G];
    std::unique_ptr<bool[]> sw(new bool[g.terms.size()]);
    for (size_t i = 0; i < g.terms.size(); ++i) {
      sw[i] = kb[g.terms[i]] != 1;
      anyBabySwitch |= sw[i];
    }
    Noise b = sumNoise(*ctx_, l, noise_, g.consts, std::span<const bool>(sw.get(), g.terms.size()));
    groupSum[G] = b;
    if (plan.gamma != 0) continue;
    if (kg[G] != 1) b += detail::noise::keySwitchNoise(*ctx_, l);
    noise += b;
  }
  // The giant steps' order: by Horner's rule from the highest power down, else group by group.
  std::vector<size_t> order;
  if (plan.gamma != 0) {
    for (size_t e = plan.steps + 1; e-- > 0;) {
      for (size_t G = 0; G < groups.size(); ++G) {
        if (plan.power[G] == e) order.push_back(G);
      }
    }
  } else {
    for (size_t G = 0; G < groups.size(); ++G) order.push_back(G);
  }
  if (plan.gamma != 0) {
    // Horner, as evaluated below: every step a key switch of the sum so far, then the groups
    // of that power added.
    const Noise ks = detail::noise::keySwitchNoise(*ctx_, l);
    size_t e = plan.steps;
    for (size_t G : order) {
      for (; e > plan.power[G]; --e) noise += ks;
      noise += groupSum[G];
    }
    for (; e > 0; --e) noise += ks;
  }
  checkCapacity(noise, l, op);

  const IndexSet& primes = parts_[0].primes();
  const ModulusChain& chain = *ctx_->chain();
  std::vector<std::vector<uint32_t>> perms(kb.size());
  for (size_t b = 0; b < kb.size(); ++b) {
    if (kb[b] != 1) perms[b] = ctx_->ring().automorphismPermutation(kb[b]);
  }
  // Group G's parts that need no key switch, added into (o0, o1): c sigma(c0), and c c1 for
  // sigma = 1. With key-switched baby steps, those of the switched terms join the groups'
  // accumulators (P c sigma(c0), divided exactly by the ModDown: innerProductsGrouped's c0),
  // so only the identities are left here.
  auto addUnswitched = [&](size_t G, DoubleCRT& o0, DoubleCRT& o1) {
    const AutomorphismGroup& g = groups[G];
    std::vector<size_t> left;
    for (size_t i = 0; i < g.terms.size(); ++i) {
      if (!anyBabySwitch || kb[g.terms[i]] == 1) left.push_back(i);
    }
    if (left.empty()) return;
    addUnswitchedTerms(chain, primes, n, parts_[0], parts_[1], left.size(),
                       [&](size_t j) {
                         const size_t i = left[j], b = g.terms[i];
                         return std::make_pair(
                             kb[b] != 1 ? perms[b].data() : nullptr,
                             g.consts[i] == nullptr ? nullptr : &g.consts[i]->rows());
                       },
                       o0, o1);
  };
  // The key-switched baby steps: one ModUp of c1, every group's inner products over Q_l P in
  // one pass. Each group's accumulator is a buffer of its own, released after its ModDown;
  // the first group's is the thread's key-switching scratch, which the giant steps' key
  // switches use only after that group's ModDown (a buffer less: 25 MB at aes-128).
  const size_t words = 2 * (l + ctx_->specialPrimes().size()) * n;
  struct Acc {
    uint64_t* p = nullptr;
    size_t bytes = 0;  // 0: a thread scratch buffer
    void release() {
      if (bytes != 0) detail::poolFree(p, bytes);
      p = nullptr;
    }
    ~Acc() { release(); }
  };
  std::vector<Acc> acc(groups.size());
  if (anyBabySwitch) {
    const detail::HoistedModUp up(*ctx_, parts_[1]);  // its digits go before the giant steps
    std::vector<detail::HoistedModUp::Baby> list;
    std::vector<size_t> listIndex(kb.size(), SIZE_MAX);
    for (size_t b = 0; b < kb.size(); ++b) {
      if (kb[b] == 1) continue;
      listIndex[b] = list.size();
      list.push_back({&keys.automorphism(kb[b]), perms[b]});
    }
    std::vector<std::vector<detail::HoistedModUp::GroupTerm>> terms;
    std::vector<uint64_t*> accs;
    for (size_t G = 0; G < groups.size(); ++G) {
      std::vector<detail::HoistedModUp::GroupTerm> t;
      for (size_t i = 0; i < groups[G].terms.size(); ++i) {
        const size_t b = groups[G].terms[i];
        if (kb[b] == 1) continue;
        t.push_back({listIndex[b],
                     groups[G].consts[i] == nullptr ? nullptr : &groups[G].consts[i]->rows()});
      }
      if (t.empty()) continue;
      terms.push_back(std::move(t));
      if (G == order.front()) {
        acc[G].p = detail::threadScratch(detail::kScratchKsAcc, words);
        acc[G].bytes = 0;  // not the pool's
      } else {
        acc[G].p = static_cast<uint64_t*>(detail::poolAllocate(words * sizeof(uint64_t)));
        acc[G].bytes = words * sizeof(uint64_t);
      }
      accs.push_back(acc[G].p);
    }
    up.innerProductsGrouped(list, terms, accs, &parts_[0]);
  }
  // Group G added into a ciphertext at this level: its ModDown (which adds), its unswitched
  // terms; its accumulator released.
  auto addGroup = [&](size_t G, Ciphertext& into) {
    if (acc[G].p != nullptr) {
      detail::modDown(*ctx_, l, acc[G].p, into.parts_[0], into.parts_[1], /*overwrite1=*/false);
      acc[G].release();
    }
    addUnswitched(G, into.parts_[0], into.parts_[1]);
  };
  auto zero = [&] {
    std::vector<DoubleCRT> parts;
    parts.emplace_back(ctx_->chain(), primes);
    parts.emplace_back(ctx_->chain(), primes);
    return Ciphertext(ctx_, keyId_, std::move(parts), factor_, Noise());
  };
  // The giant steps, and the sum: one running sum, every group's ModDown and terms added into
  // it (no ciphertext per group).
  std::optional<Ciphertext> sum;
  if (plan.gamma != 0) {
    Noise partial;
    size_t e = plan.steps;
    for (size_t G : order) {
      bool added = false;
      for (; e > plan.power[G]; --e) {
        sum->noise_ = partial;
        // (acc[G] must not be the key-switching scratch the key switch fills: only the first
        // group's is, and no giant step precedes it.)
        if (e - 1 == plan.power[G] && acc[G].p != nullptr && acc[G].bytes != 0) {
          // The last giant step before group G: its ModDown takes the group's accumulators
          // too (one ModDown instead of two; the bound below stays that of two).
          sum->automorphImpl(plan.gamma, keys, Then::kNothing, acc[G].p);
          acc[G].release();
          addUnswitched(G, sum->parts_[0], sum->parts_[1]);
          added = true;
        } else {
          sum->automorph(plan.gamma, keys);
        }
        partial = sum->noise_;
      }
      if (!sum) sum.emplace(zero());
      if (!added) addGroup(G, *sum);
      partial += groupSum[G];
    }
    sum->noise_ = partial;
    for (; e > 0; --e) sum->automorph(plan.gamma, keys);  // no group of power 0
  } else {
    for (size_t G = 0; G < groups.size(); ++G) {
      if (kg[G] == 1) {
        if (!sum) sum.emplace(zero());
        addGroup(G, *sum);
        continue;
      }
      Ciphertext y = zero();
      addGroup(G, y);
      y.noise_ = groupSum[G];
      y.automorph(kg[G], keys);  // its bound: groupSum + keySwitch = groupNoise
      if (!sum) {
        sum.emplace(std::move(y));
      } else {
        for (size_t e = 0; e < 2; ++e) sum->parts_[e] += y.parts_[e];
      }
    }
  }
  parts_ = std::move(sum->parts_);
  noise_ = noise;
  return *this;
}

Ciphertext& Ciphertext::frobenius(unsigned j, const EvaluationKeys& keys, Then then) {
  const uint64_t m = ctx_->m();
  uint64_t k = 1 % m;
  for (unsigned i = 0; i < j; ++i)
    k = static_cast<uint64_t>((static_cast<unsigned __int128>(k) * ctx_->p()) % m);
  return automorph(k, keys, then);
}

}  // namespace hl
