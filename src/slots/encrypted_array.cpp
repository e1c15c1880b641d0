#include "helib-like/slots/encrypted_array.h"

#include <NTL/lzz_pE.h>
#include <NTL/mat_lzz_pE.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <string>

#include "slots/array_impl.h"

namespace hl {
namespace {

using detail::floorMod;

uint64_t mulMod(uint64_t a, uint64_t b, uint64_t m) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(a) * b) % m);
}

// p^j mod m: the exponent of X -> X^(p^j), Frobenius j times in every slot.
uint64_t frobeniusExponentOf(const detail::ArrayImpl& a, size_t j) {
  uint64_t e = 1 % a.m;
  for (size_t i = 0; i < j % a.d; ++i) e = mulMod(e, a.p, a.m);
  return e;
}

std::shared_ptr<const Context> checked(std::shared_ptr<const Context> ctx) {
  if (!ctx) throw std::invalid_argument("hl::EncryptedArray: no context given");
  return ctx;
}

std::vector<uint64_t> checkedField(const Context& ctx, std::vector<uint64_t> g) {
  const size_t d = ctx.hypercube().degree();
  if (g.size() < 2 || g.back() != 1) {
    throw std::invalid_argument(
        "hl::EncryptedArray: the field polynomial must be monic of degree >= 1");
  }
  const size_t k = g.size() - 1;
  if (d % k != 0) {
    throw std::invalid_argument("hl::EncryptedArray: the field polynomial has degree " +
                                std::to_string(k) +
                                ", which does not divide the slot degree d = " + std::to_string(d));
  }
  if (k > 1 && ctx.r() != 1) {
    throw std::invalid_argument(
        "hl::EncryptedArray: slot values in a field GF(p)[Z]/G(Z) need r = 1 (with r > 1 use "
        "integers or EncryptedArray::native)");
  }
  for (uint64_t& c : g) {
    if (c >= ctx.p() && k > 1) {
      throw std::invalid_argument(
          "hl::EncryptedArray: field polynomial coefficients must be below p");
    }
    c %= ctx.t();
  }
  return g;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Construction and plain vectors

EncryptedArray::EncryptedArray(std::shared_ptr<const Context> ctx)
    : EncryptedArray(std::move(ctx), std::vector<uint64_t>{0, 1}) {}

EncryptedArray::EncryptedArray(std::shared_ptr<const Context> ctx,
                               std::vector<uint64_t> fieldPolynomial) {
  ctx = checked(std::move(ctx));
  std::vector<uint64_t> g = checkedField(*ctx, std::move(fieldPolynomial));
  impl_ = std::make_shared<const detail::ArrayImpl>(std::move(ctx), std::move(g), false);
}

EncryptedArray EncryptedArray::native(std::shared_ptr<const Context> ctx) {
  ctx = checked(std::move(ctx));
  std::vector<uint64_t> f = detail::SlotRing::of(*ctx)->slotPolynomial();
  return EncryptedArray(
      std::make_shared<const detail::ArrayImpl>(std::move(ctx), std::move(f), true));
}

const Context& EncryptedArray::context() const { return *impl_->ctx; }
const std::shared_ptr<const Context>& EncryptedArray::contextPtr() const { return impl_->ctx; }
const Hypercube& EncryptedArray::hypercube() const { return *impl_->cube; }
size_t EncryptedArray::size() const { return impl_->ell; }
size_t EncryptedArray::valueDegree() const { return impl_->k; }
const std::vector<uint64_t>& EncryptedArray::fieldPolynomial() const { return impl_->g; }
const std::vector<uint64_t>& EncryptedArray::slotPolynomial() const {
  return impl_->ring->slotPolynomial();
}
uint64_t EncryptedArray::modulusOfValues() const {
  return impl_->k > 1 && !impl_->native ? impl_->p : impl_->t.value();
}

SlotVector EncryptedArray::zeros() const {
  return SlotVector(impl_, std::vector<uint64_t>(impl_->ell * impl_->k, 0));
}

SlotVector EncryptedArray::fromIntegers(std::span<const int64_t> values) const {
  if (values.size() > impl_->ell) {
    throw std::invalid_argument(
        "hl::EncryptedArray::fromIntegers: " + std::to_string(values.size()) + " values for " +
        std::to_string(impl_->ell) + " slots");
  }
  SlotVector v = zeros();
  for (size_t i = 0; i < values.size(); ++i)
    v.data_[i * impl_->k] = impl_->t.reduceSigned(values[i]);
  return v;
}

SlotVector EncryptedArray::fromValues(const std::vector<std::vector<int64_t>>& values) const {
  if (values.size() > impl_->ell) {
    throw std::invalid_argument("hl::EncryptedArray::fromValues: " + std::to_string(values.size()) +
                                " values for " + std::to_string(impl_->ell) + " slots");
  }
  SlotVector v = zeros();
  const Modulus mod(modulusOfValues());
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i].size() > impl_->k) {
      throw std::invalid_argument("hl::EncryptedArray::fromValues: value " + std::to_string(i) +
                                  " has " + std::to_string(values[i].size()) +
                                  " coefficients, at most " + std::to_string(impl_->k) +
                                  " allowed");
    }
    for (size_t j = 0; j < values[i].size(); ++j)
      v.data_[i * impl_->k + j] = mod.reduceSigned(values[i][j]);
  }
  return v;
}

SlotVector EncryptedArray::constant(std::span<const uint64_t> value) const {
  if (value.size() > impl_->k) {
    throw std::invalid_argument("hl::EncryptedArray::constant: too many coefficients");
  }
  SlotVector v = zeros();
  for (size_t s = 0; s < impl_->ell; ++s) {
    for (size_t j = 0; j < value.size(); ++j)
      v.data_[s * impl_->k + j] = value[j] % modulusOfValues();
  }
  return v;
}

void EncryptedArray::check(const SlotVector& v, const char* op) const {
  if (!impl_->sameValues(*v.impl_)) {
    throw std::invalid_argument(std::string("hl::EncryptedArray::") + op +
                                ": the vector belongs to another array");
  }
}

void EncryptedArray::check(const Ciphertext& ct, const char* op) const {
  if (ct.contextPtr() != impl_->ctx) {
    throw std::invalid_argument(std::string("hl::EncryptedArray::") + op +
                                ": the ciphertext belongs to another context");
  }
}

Plaintext EncryptedArray::encode(const SlotVector& v) const {
  check(v, "encode");
  const size_t d = impl_->d, k = impl_->k;
  std::vector<uint64_t> values(impl_->ell * d);
  for (size_t s = 0; s < impl_->ell; ++s) impl_->toE(v.data_.data() + s * k, values.data() + s * d);
  return impl_->encodeE(values);
}

SlotVector EncryptedArray::decode(const Plaintext& pt) const {
  if (pt.contextPtr() != impl_->ctx) {
    throw std::invalid_argument(
        "hl::EncryptedArray::decode: the plaintext belongs to another context");
  }
  const size_t d = impl_->d, k = impl_->k;
  std::vector<uint64_t> values(impl_->ell * d);
  impl_->ring->decode(pt.coefficients(), values);
  SlotVector v = zeros();
  for (size_t s = 0; s < impl_->ell; ++s) {
    if (!impl_->fromE(values.data() + s * d, v.data_.data() + s * k)) {
      throw std::domain_error("hl::EncryptedArray::decode: slot " + std::to_string(s) +
                              " holds a value outside GF(p)[Z]/G(Z)");
    }
  }
  return v;
}

Ciphertext EncryptedArray::encrypt(const PublicKey& pk, const SlotVector& v) const {
  return pk.encrypt(encode(v));
}
Ciphertext EncryptedArray::encrypt(const SecretKey& sk, const SlotVector& v) const {
  return sk.encrypt(encode(v));
}
SlotVector EncryptedArray::decrypt(const SecretKey& sk, const Ciphertext& ct) const {
  return decode(sk.decrypt(ct));
}

// ---------------------------------------------------------------------------------------------
// Keys

std::vector<uint64_t> EncryptedArray::rotationExponents(size_t dim, int64_t amount) const {
  const Hypercube& c = *impl_->cube;
  if (dim >= c.dimensions()) {
    throw std::out_of_range("hl::EncryptedArray: no dimension " + std::to_string(dim) +
                            " (there are " + std::to_string(c.dimensions()) + ")");
  }
  const int64_t n = static_cast<int64_t>(c.dimensionSize(dim));
  const int64_t k = floorMod(amount, n);
  if (k == 0) return {};
  // Slot e receives slot e - k: X -> X^(g^-k); in a bad dimension the slots that wrap around
  // take X -> X^(g^(n-k)) instead.
  std::vector<uint64_t> out{c.power(dim, -k)};
  if (!c.isGood(dim)) out.push_back(c.power(dim, n - k));
  return out;
}

uint64_t EncryptedArray::frobeniusExponent(size_t j) const {
  return frobeniusExponentOf(*impl_, j);
}

std::vector<uint64_t> EncryptedArray::defaultKeyExponents() const {
  std::vector<uint64_t> out;
  const Hypercube& c = *impl_->cube;
  for (size_t i = 0; i < c.dimensions(); ++i) {
    for (size_t a = 1; a < c.dimensionSize(i); a *= 2) {
      for (uint64_t e : rotationExponents(i, static_cast<int64_t>(a))) out.push_back(e);
    }
  }
  if (impl_->d > 1) out.push_back(frobeniusExponent(1));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  out.erase(std::remove(out.begin(), out.end(), 1 % impl_->m), out.end());
  return out;
}

void EncryptedArray::addKeys(EvaluationKeys& keys, const SecretKey& sk,
                             std::span<const uint64_t> exponents) const {
  if (&keys.context() != impl_->ctx.get() || sk.contextPtr() != impl_->ctx) {
    throw std::invalid_argument("hl::EncryptedArray::addKeys: the keys belong to another context");
  }
  for (uint64_t e : exponents) {
    e %= impl_->m;
    if (e == 1 || keys.hasAutomorphism(e)) continue;
    keys.add(sk.automorphismKey(e));
  }
}

size_t EncryptedArray::keyBytes() const {
  const Context& ctx = *impl_->ctx;
  return 2 * ctx.digits().size() * ctx.chain()->size() * ctx.n() * sizeof(uint64_t);
}

// ---------------------------------------------------------------------------------------------
// Encrypted operations

// X -> X^e on ct, with the key for e or a shortest composition of the keys present.
void detail::ArrayImpl::automorphism(const detail::ArrayImpl& a, Ciphertext& ct, uint64_t e,
                                     const EvaluationKeys& keys, const char* op,
                                     Ciphertext::Then then) {
  e %= a.m;
  if (e == 1 % a.m) {
    if (then == Ciphertext::Then::kReduceNoise) ct.reduceNoise();
    return;
  }
  if (keys.hasAutomorphism(e)) {
    ct.automorph(e, keys, then);
    return;
  }
  const std::vector<uint64_t> available = keys.automorphisms();
  const auto paths = a.paths(available);
  if (paths->via[e] < 0) {
    throw std::invalid_argument(std::string("hl::EncryptedArray::") + op +
                                ": needs the key for the automorphism X -> X^" + std::to_string(e) +
                                ", which the keys present cannot compose (add it with "
                                "EncryptedArray::addKeys)");
  }
  Transaction tx(ct);
  for (uint64_t u = e; u != 1 % a.m; u = paths->from[u]) {
    const bool last = paths->from[u] == 1 % a.m;
    tx.work().automorph(static_cast<uint64_t>(paths->via[u]), keys,
                        last ? then : Ciphertext::Then::kNothing);
  }
}

void detail::ArrayImpl::automorphismSum(const ArrayImpl& a, Ciphertext& ct,
                                        std::span<const uint64_t> exps,
                                        std::span<const PreparedPlaintext* const> consts,
                                        const EvaluationKeys& keys, const char* op) {
  if (exps.empty()) {
    ct.multiplyByConstant(0);
    return;
  }
  const bool allKeys = std::all_of(exps.begin(), exps.end(), [&](uint64_t e) {
    return e % a.m == 1 % a.m || keys.hasAutomorphism(e);
  });
  if (allKeys) {
    ct.automorphismSum(exps, consts, keys);
    return;
  }
  Transaction tx(ct);
  const Ciphertext x = ct;
  for (size_t i = 0; i < exps.size(); ++i) {
    Ciphertext y = x;
    automorphism(a, y, exps[i], keys, op);
    y.multiplyByPlaintext(*consts[i]);
    if (i == 0) {
      tx.work() = std::move(y);
    } else {
      tx.work() += y;
    }
  }
}

namespace {

std::string maskName(const char* what, size_t dim, int64_t k) {
  return std::string(what) + ":" + std::to_string(dim) + ":" + std::to_string(k);
}

// Slots whose coordinate along dim is below k.
std::shared_ptr<const PreparedPlaintext> coordinateBelow(const detail::ArrayImpl& a, size_t dim,
                                                         int64_t k) {
  std::vector<uint8_t> sel(a.ell);
  for (size_t s = 0; s < a.ell; ++s) sel[s] = static_cast<int64_t>(a.cube->coordinate(s, dim)) < k;
  return a.mask(maskName("below", dim, k), sel);
}

std::shared_ptr<const PreparedPlaintext> coordinateAtLeast(const detail::ArrayImpl& a, size_t dim,
                                                           int64_t k) {
  std::vector<uint8_t> sel(a.ell);
  for (size_t s = 0; s < a.ell; ++s) sel[s] = static_cast<int64_t>(a.cube->coordinate(s, dim)) >= k;
  return a.mask(maskName("atleast", dim, k), sel);
}

}  // namespace

void EncryptedArray::add(Ciphertext& ct, const SlotVector& v) const {
  check(ct, "add");
  ct.addPlaintext(encode(v));
}

void EncryptedArray::multiply(Ciphertext& ct, const SlotVector& v) const {
  check(ct, "multiply");
  ct.multiplyByPlaintext(encode(v));
}

void EncryptedArray::rotate(Ciphertext& ct, size_t dim, int64_t k,
                            const EvaluationKeys& keys) const {
  check(ct, "rotate");
  const std::vector<uint64_t> e = rotationExponents(dim, k);
  if (e.empty()) return;
  if (e.size() == 1) {
    detail::ArrayImpl::automorphism(*impl_, ct, e[0], keys, "rotate");
    return;
  }
  // Bad dimension: slots with coordinate >= k take X -> X^(g^-k), the others X -> X^(g^(n-k)).
  const int64_t kk = floorMod(k, static_cast<int64_t>(impl_->cube->dimensionSize(dim)));
  const auto atLeast = coordinateAtLeast(*impl_, dim, kk), below = coordinateBelow(*impl_, dim, kk);
  if (keys.hasAutomorphism(e[0]) && keys.hasAutomorphism(e[1])) {
    // Both automorphisms and masks with one ModUp and one ModDown.
    const PreparedPlaintext* consts[2] = {atLeast.get(), below.get()};
    ct.automorphismSum(e, consts, keys);
    return;
  }
  detail::Transaction tx(ct);
  Ciphertext wrapped = ct;
  detail::ArrayImpl::automorphism(*impl_, wrapped, e[1], keys, "rotate");
  detail::ArrayImpl::automorphism(*impl_, tx.work(), e[0], keys, "rotate");
  tx.work().multiplyByPlaintext(*atLeast);
  wrapped.multiplyByPlaintext(*below);
  tx.work() += wrapped;
}

void EncryptedArray::shift(Ciphertext& target, size_t dim, int64_t k,
                           const EvaluationKeys& keys) const {
  detail::Transaction tx(target);
  Ciphertext& ct = tx.work();
  check(ct, "shift");
  const Hypercube& c = *impl_->cube;
  if (dim >= c.dimensions()) rotationExponents(dim, 0);  // throws
  const int64_t n = static_cast<int64_t>(c.dimensionSize(dim));
  if (k == 0) return;
  if (k >= n || k <= -n) {
    ct.multiplyByConstant(0);
    return;
  }
  const std::vector<uint64_t> e = rotationExponents(dim, k);
  if (k > 0) {
    // The slots with coordinate >= k keep their value, the others become zero: only the
    // automorphism that is right on the kept slots is needed.
    detail::ArrayImpl::automorphism(*impl_, ct, e[0], keys, "shift");
    ct.multiplyByPlaintext(*coordinateAtLeast(*impl_, dim, k));
  } else {
    // Rotation by n + k: the kept slots (coordinate < n + k) are the ones that wrap around.
    detail::ArrayImpl::automorphism(*impl_, ct, e.size() == 2 ? e[1] : e[0], keys, "shift");
    ct.multiplyByPlaintext(*coordinateBelow(*impl_, dim, n + k));
  }
}

namespace {

// Rotation of the slot order restricted to dimensions 0..j (the coordinates after j stay):
// slot s receives slot s - k in the row-major order of the first j + 1 coordinates.
void rotatePrefix(const EncryptedArray& ea, const detail::ArrayImpl& a, Ciphertext& ct, size_t j,
                  int64_t k, const EvaluationKeys& keys) {
  int64_t total = 1;
  for (size_t i = 0; i <= j; ++i) total *= static_cast<int64_t>(a.cube->dimensionSize(i));
  k = floorMod(k, total);
  if (k == 0) return;
  if (j == 0) {
    ea.rotate(ct, 0, k, keys);
    return;
  }
  const int64_t n = static_cast<int64_t>(a.cube->dimensionSize(j));
  const int64_t q = k / n, r = k % n;
  if (r != 0) {
    // Rotate dimension j by r; the slots whose coordinate wrapped (below r) came from the
    // previous position of the prefix and move one step further.
    ea.rotate(ct, j, r, keys);
    Ciphertext low = ct;
    low.multiplyByPlaintext(*coordinateBelow(a, j, r));
    ct -= low;
    rotatePrefix(ea, a, low, j - 1, 1, keys);
    ct += low;
  }
  rotatePrefix(ea, a, ct, j - 1, q, keys);
}

}  // namespace

void EncryptedArray::rotate(Ciphertext& target, int64_t k, const EvaluationKeys& keys) const {
  detail::Transaction tx(target);
  Ciphertext& ct = tx.work();
  check(ct, "rotate");
  if (impl_->cube->dimensions() == 0) return;
  rotatePrefix(*this, *impl_, ct, impl_->cube->dimensions() - 1, k, keys);
}

void EncryptedArray::shift(Ciphertext& target, int64_t k, const EvaluationKeys& keys) const {
  detail::Transaction tx(target);
  Ciphertext& ct = tx.work();
  check(ct, "shift");
  const int64_t ell = static_cast<int64_t>(impl_->ell);
  if (k == 0) return;
  if (k >= ell || k <= -ell) {
    ct.multiplyByConstant(0);
    return;
  }
  rotate(ct, k, keys);
  std::vector<uint8_t> sel(impl_->ell);
  for (int64_t s = 0; s < ell; ++s) sel[s] = k > 0 ? s >= k : s < ell + k;
  ct.multiplyByPlaintext(*impl_->mask(maskName("shift", 0, k), sel));
}

namespace {

// n = r_0 r_1 ... with each r_i <= radix, greedily the largest divisor of what is left; empty
// if n has a prime factor above radix.
std::vector<size_t> sumRadices(size_t n, size_t radix) {
  std::vector<size_t> out;
  while (n > 1) {
    size_t r = std::min(radix, n);
    while (r > 1 && n % r != 0) --r;
    if (r <= 1) return {};
    out.push_back(r);
    n /= r;
  }
  return out;
}

}  // namespace

std::vector<uint64_t> EncryptedArray::totalSumsKeyExponents(size_t radix) const {
  if (radix < 2 || radix > 64) {
    throw std::invalid_argument("hl::EncryptedArray::totalSumsKeyExponents: radix " +
                                std::to_string(radix) + " is not in [2, 64]");
  }
  const Hypercube& c = *impl_->cube;
  std::vector<uint64_t> out;
  for (size_t i = 0; i < c.dimensions(); ++i) {
    const size_t n = c.dimensionSize(i);
    const std::vector<size_t> radices = sumRadices(n, radix);
    if (c.isGood(i) && !radices.empty()) {
      size_t a = 1;
      for (size_t r : radices) {
        for (size_t j = 1; j < r; ++j) {
          for (uint64_t e : rotationExponents(i, static_cast<int64_t>(j * a))) out.push_back(e);
        }
        a *= r;
      }
      continue;
    }
    for (size_t a = 1; a < n; a *= 2) {
      for (uint64_t e : rotationExponents(i, static_cast<int64_t>(a))) out.push_back(e);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void EncryptedArray::totalSums(Ciphertext& target, const EvaluationKeys& keys) const {
  detail::Transaction tx(target);
  Ciphertext& ct = tx.work();
  check(ct, "totalSums");
  const Hypercube& c = *impl_->cube;
  for (size_t i = 0; i < c.dimensions(); ++i) {
    const size_t n = c.dimensionSize(i);
    // With a key for every rotation of the dimension: sum_{j<n} rot^j(x) as one hoisted sum
    // (masks for the wrapped slots in a bad dimension).
    std::vector<uint64_t> exps{1 % impl_->m};
    std::vector<const PreparedPlaintext*> consts{nullptr};
    std::vector<std::shared_ptr<const PreparedPlaintext>> hold;
    bool allKeys = true;
    for (size_t j = 1; j < n && allKeys; ++j) {
      const std::vector<uint64_t> e = rotationExponents(i, static_cast<int64_t>(j));
      for (uint64_t x : e) allKeys = allKeys && keys.hasAutomorphism(x);
      exps.push_back(e[0]);
      if (e.size() == 1) {
        consts.push_back(nullptr);
      } else {
        hold.push_back(coordinateAtLeast(*impl_, i, static_cast<int64_t>(j)));
        consts.push_back(hold.back().get());
        hold.push_back(coordinateBelow(*impl_, i, static_cast<int64_t>(j)));
        exps.push_back(e[1]);
        consts.push_back(hold.back().get());
      }
    }
    if (allKeys) {
      ct.automorphismSum(exps, consts, keys);
      continue;
    }
    // Hoisted stages of radix r in a good dimension: stage k sums rot^(j a)(x) over j < r_k,
    // a = r_0 ... r_(k-1), one ModUp and one ModDown for r_k - 1 rotations.
    bool staged = false;
    for (size_t radix : {16, 8, 4}) {
      const std::vector<size_t> radices = sumRadices(n, radix);
      if (!c.isGood(i) || radices.empty() || radices.front() <= 2) continue;
      std::vector<std::vector<uint64_t>> stages;
      bool have = true;
      size_t a = 1;
      for (size_t r : radices) {
        std::vector<uint64_t> e{1 % impl_->m};
        for (size_t j = 1; j < r && have; ++j) {
          e.push_back(rotationExponents(i, static_cast<int64_t>(j * a)).front());
          have = keys.hasAutomorphism(e.back());
        }
        stages.push_back(std::move(e));
        a *= r;
      }
      if (!have) continue;
      for (const auto& e : stages) {
        const std::vector<const PreparedPlaintext*> none(e.size(), nullptr);
        ct.automorphismSum(e, none, keys);
      }
      staged = true;
      break;
    }
    if (staged) continue;
    // S_n = sum_{j<n} rot^j(x) from the bits of n: S_2a = S_a + rot^a(S_a), S_a+1 = x + rot(S_a).
    const Ciphertext x = ct;
    size_t a = 1;
    for (int bit = 62 - __builtin_clzll(n); bit >= 0; --bit) {
      Ciphertext y = ct;
      rotate(y, i, static_cast<int64_t>(a), keys);
      ct += y;
      a *= 2;
      if ((n >> bit) & 1) {
        rotate(ct, i, 1, keys);
        ct += x;
        a += 1;
      }
    }
  }
}

void EncryptedArray::runningSums(Ciphertext& target, const EvaluationKeys& keys) const {
  detail::Transaction tx(target);
  Ciphertext& ct = tx.work();
  check(ct, "runningSums");
  for (size_t k = 1; k < impl_->ell; k *= 2) {
    Ciphertext y = ct;
    shift(y, static_cast<int64_t>(k), keys);
    ct += y;
  }
}

void EncryptedArray::replicate(Ciphertext& target, size_t s, const EvaluationKeys& keys) const {
  detail::Transaction tx(target);
  Ciphertext& ct = tx.work();
  check(ct, "replicate");
  if (s >= impl_->ell) {
    throw std::out_of_range("hl::EncryptedArray::replicate: no slot " + std::to_string(s));
  }
  std::vector<uint8_t> sel(impl_->ell, 0);
  sel[s] = 1;
  ct.multiplyByPlaintext(*impl_->mask(maskName("slot", 0, static_cast<int64_t>(s)), sel));
  totalSums(ct, keys);
}

void EncryptedArray::frobenius(Ciphertext& ct, size_t j, const EvaluationKeys& keys,
                               Ciphertext::Then then) const {
  check(ct, "frobenius");
  detail::ArrayImpl::automorphism(*impl_, ct, frobeniusExponent(j), keys, "frobenius", then);
}

void EncryptedArray::apply(Ciphertext& ct, const SlotLinearMap& map,
                           const EvaluationKeys& keys) const {
  check(ct, "apply");
  if (!impl_->sameValues(*map.impl_)) {
    throw std::invalid_argument("hl::EncryptedArray::apply: the map belongs to another array");
  }
  // sum_j c_j Frob^j(x), the terms with c_j = 0 left out: one hoisted sum when every key is
  // there, else the baby-step giant-step form when its keys are, else term by term.
  auto zero = [](const std::vector<uint64_t>& c) {
    return std::all_of(c.begin(), c.end(), [](uint64_t x) { return x == 0; });
  };
  std::vector<uint64_t> exps;
  for (size_t j = 0; j < map.gamma_.size(); ++j) {
    if (!zero(map.gamma_[j])) exps.push_back(frobeniusExponent(j));
  }
  const auto has = [&](uint64_t e) {
    return e % impl_->m == 1 % impl_->m || keys.hasAutomorphism(e);
  };
  const bool flat = std::all_of(exps.begin(), exps.end(), has);
  const std::vector<uint64_t> bsgsKeys = map.keyExponents();
  if (!flat && !exps.empty() && std::all_of(bsgsKeys.begin(), bsgsKeys.end(), has)) {
    const size_t b = map.babySteps_, k = map.gamma_.size();
    std::vector<uint64_t> babies;
    for (size_t i = 0; i < b; ++i) babies.push_back(frobeniusExponent(i));
    std::vector<Ciphertext::AutomorphismGroup> groups;
    for (size_t a = 0; a * b < k; ++a) {
      Ciphertext::AutomorphismGroup g;
      g.giant = frobeniusExponent(a * b);
      for (size_t i = 0; i < b && a * b + i < k; ++i) {
        const size_t j = a * b + i;
        if (zero(map.gamma_[j])) continue;
        g.terms.push_back(i);
        g.consts.push_back(a == 0 ? map.encoded_[j].get() : &map.giantConstant(j));
      }
      if (!g.terms.empty()) groups.push_back(std::move(g));
    }
    ct.automorphismSumGroups(babies, groups, keys);
    return;
  }
  std::vector<const PreparedPlaintext*> consts;
  for (size_t j = 0; j < map.gamma_.size(); ++j) {
    if (!zero(map.gamma_[j])) consts.push_back(&map.flatConstant(j));
  }
  detail::ArrayImpl::automorphismSum(*impl_, ct, exps, consts, keys, "apply");
}

// ---------------------------------------------------------------------------------------------
// Linear maps

SlotLinearMap::SlotLinearMap(const EncryptedArray& array, std::vector<uint64_t> matrix)
    : impl_(array.impl_), matrix_(std::move(matrix)) {
  const detail::ArrayImpl& a = *impl_;
  const size_t k = a.k;
  if (a.ctx->r() != 1) {
    throw std::invalid_argument("hl::SlotLinearMap: GF(p)-linear maps need r = 1");
  }
  if (matrix_.size() != k * k) {
    throw std::invalid_argument("hl::SlotLinearMap: the matrix has " +
                                std::to_string(matrix_.size()) + " entries, " +
                                std::to_string(k * k) + " expected");
  }
  for (uint64_t x : matrix_) {
    if (x >= a.p) throw std::invalid_argument("hl::SlotLinearMap: matrix entries must be below p");
  }
  // The linearized polynomial: L(x) = sum_j gamma_j x^(p^j) on GF(p^k) = GF(p)[Z]/G(Z). With
  // the basis z_i = Z^i: sum_j gamma_j z_i^(p^j) = L(z_i) for every i, a k x k system over
  // GF(p^k) whose matrix (the Moore matrix of the basis) is invertible.
  NTL::zz_pPush push(static_cast<long>(a.p));
  NTL::zz_pX G;
  for (size_t i = 0; i <= k; ++i)
    NTL::SetCoeff(G, static_cast<long>(i), static_cast<long>(a.g[i] % a.p));
  NTL::zz_pEPush pushE(G);
  NTL::mat_zz_pE A;
  A.SetDims(static_cast<long>(k), static_cast<long>(k));
  NTL::vec_zz_pE b;
  b.SetLength(static_cast<long>(k));
  for (size_t i = 0; i < k; ++i) {
    NTL::zz_pE z = NTL::conv<NTL::zz_pE>(NTL::zz_pX(NTL::INIT_MONO, static_cast<long>(i)));
    for (size_t j = 0; j < k; ++j) {
      A[j][i] = z;
      NTL::power(z, z, static_cast<long>(a.p));
    }
    NTL::zz_pX col;
    for (size_t r = 0; r < k; ++r)
      NTL::SetCoeff(col, static_cast<long>(r), static_cast<long>(matrix_[r * k + i]));
    b[i] = NTL::conv<NTL::zz_pE>(col);
  }
  NTL::zz_pE det;
  NTL::vec_zz_pE x;
  NTL::solve(det, x, A, b);  // x A = b
  if (NTL::IsZero(det)) throw std::logic_error("hl::SlotLinearMap: singular Moore matrix");
  // The baby steps with the fewest keys, (b - 1) + (ceil(k / b) - 1); the larger b among
  // equals (fewer giant steps, each a key switch of its own).
  size_t bestKeys = SIZE_MAX;
  for (size_t b = 1; b <= k; ++b) {
    const size_t keysNeeded = (b - 1) + ((k + b - 1) / b - 1);
    if (keysNeeded <= bestKeys) {
      bestKeys = keysNeeded;
      babySteps_ = b;
    }
  }
  // gamma_j prepared now for the terms both forms share (j < b); the others on first use by
  // the form that needs them (giantConstant, flatConstant): 12.5 MB each at aes-128.
  for (size_t j = 0; j < k; ++j) {
    std::vector<uint64_t> c(k, 0);
    const NTL::zz_pX& rep = NTL::rep(x[j]);
    for (long i = 0; i <= NTL::deg(rep); ++i) c[i] = static_cast<uint64_t>(NTL::rep(rep[i]));
    encoded_.push_back(j < babySteps_ ? prepareConstant(c) : nullptr);
    gamma_.push_back(std::move(c));
  }
  giant_ = std::make_shared<GiantCache>();
}

struct SlotLinearMap::GiantCache {
  std::once_flag once, flatOnce;
  // Index j, null for j < b: Frob^(-ab)(gamma_j), and gamma_j itself.
  std::vector<std::shared_ptr<const PreparedPlaintext>> constants, flat;
};

std::shared_ptr<const PreparedPlaintext> SlotLinearMap::prepareConstant(
    const std::vector<uint64_t>& c) const {
  const detail::ArrayImpl& a = *impl_;
  std::vector<uint64_t> e(a.d);
  a.toE(c.data(), e.data());
  return std::make_shared<const PreparedPlaintext>(a.constantE(e));
}

const PreparedPlaintext& SlotLinearMap::flatConstant(size_t j) const {
  if (j < babySteps_) return *encoded_.at(j);
  std::call_once(giant_->flatOnce, [&] {
    giant_->flat.resize(gamma_.size());
    for (size_t i = babySteps_; i < gamma_.size(); ++i)
      giant_->flat[i] = prepareConstant(gamma_[i]);
  });
  return *giant_->flat.at(j);
}

const PreparedPlaintext& SlotLinearMap::giantConstant(size_t j) const {
  const detail::ArrayImpl& a = *impl_;
  const size_t k = gamma_.size(), b = babySteps_;
  std::call_once(giant_->once, [&] {
    giant_->constants.resize(k);
    for (size_t i = b; i < k; ++i) {
      // Frob^(-ab) on GF(p^k): Frob^(k - ab mod k).
      const size_t shift = (k - (i / b) * b % k) % k;
      std::vector<uint64_t> c(k);
      a.frobenius(gamma_[i].data(), shift, c.data());
      giant_->constants[i] = prepareConstant(c);
    }
  });
  return *giant_->constants.at(j);
}

void SlotLinearMap::prepareBabyStepGiantStep() const {
  if (babySteps_ < gamma_.size()) giantConstant(babySteps_);
}

std::vector<uint64_t> SlotLinearMap::keyExponents() const {
  const size_t k = gamma_.size(), b = babySteps_;
  std::vector<uint64_t> out;
  for (size_t i = 1; i < b; ++i) out.push_back(frobeniusExponentOf(*impl_, i));
  std::vector<uint64_t> giants{1};
  for (size_t g = b; g < k; g += b) giants.push_back(frobeniusExponentOf(*impl_, g));
  for (uint64_t e : Ciphertext::giantKeyExponents(*impl_->ctx, giants)) out.push_back(e);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace hl
