#include "slots/array_impl.h"

#include <deque>
#include <stdexcept>
#include <string>

#include "math/number_theory.h"

namespace hl::detail {
namespace {}  // namespace

namespace {

// Columns of a rows x cols 0/1 matrix as bit masks.
std::vector<uint64_t> bitColumns(const std::vector<uint64_t>& M, size_t rows, size_t cols) {
  std::vector<uint64_t> out(cols, 0);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) out[c] |= (M[r * cols + c] & 1) << r;
  }
  return out;
}

}  // namespace

ArrayImpl::ArrayImpl(std::shared_ptr<const Context> c, std::vector<uint64_t> gIn, bool nat)
    : ArrayImpl(std::move(c), std::move(gIn), nat, 0) {
  if (t.value() == 2 && d <= 64) {
    embBits = bitColumns(emb, d, k);
    projBits = bitColumns(proj, k, d);
  }
}

ArrayImpl::ArrayImpl(std::shared_ptr<const Context> c, std::vector<uint64_t> gIn, bool nat, int)
    : ctx(std::move(c)),
      ring(SlotRing::of(*ctx)),
      cube(&ctx->hypercube()),
      g(std::move(gIn)),
      k(g.size() - 1),
      d(ring->degree()),
      ell(ring->slots()),
      t(ctx->plaintextModulus()),
      p(ctx->p()),
      m(ctx->m()),
      native(nat) {
  if (native) {
    emb.assign(d * d, 0);
    for (size_t i = 0; i < d; ++i) emb[i * d + i] = 1;
    proj = emb;
    return;
  }
  emb = ring->embedding(g);
  if (k == 1) {
    proj.assign(d, 0);
    proj[0] = 1;
    return;
  }
  // A left inverse: k rows of emb that form an invertible k x k block, inverted (r = 1).
  const Modulus pm(p);
  std::vector<size_t> rows;
  std::vector<uint64_t> basis;  // reduced rows found so far (echelon, for the rank test)
  std::vector<size_t> pivots;
  for (size_t r = 0; r < d && rows.size() < k; ++r) {
    std::vector<uint64_t> v(emb.begin() + static_cast<long>(r * k),
                            emb.begin() + static_cast<long>((r + 1) * k));
    for (size_t b = 0; b < pivots.size(); ++b) {
      const uint64_t f = v[pivots[b]];
      if (f == 0) continue;
      for (size_t j = 0; j < k; ++j) v[j] = pm.sub(v[j], pm.mul(f, basis[b * k + j]));
    }
    size_t piv = 0;
    while (piv < k && v[piv] == 0) ++piv;
    if (piv == k) continue;
    const uint64_t s = pm.inv(v[piv]);
    for (uint64_t& x : v) x = pm.mul(x, s);
    rows.push_back(r);
    pivots.push_back(piv);
    basis.insert(basis.end(), v.begin(), v.end());
  }
  if (rows.size() != k) throw std::logic_error("hl::EncryptedArray: embedding has no full rank");
  std::vector<uint64_t> block(k * k);
  for (size_t i = 0; i < k; ++i) {
    for (size_t j = 0; j < k; ++j) block[i * k + j] = emb[rows[i] * k + j];
  }
  const std::vector<uint64_t> inv = invertMatrixMod(block, k, pm);
  proj.assign(k * d, 0);
  for (size_t i = 0; i < k; ++i) {
    for (size_t j = 0; j < k; ++j) proj[i * d + rows[j]] = inv[i * k + j];
  }
}

void ArrayImpl::toE(const uint64_t* w, uint64_t* v) const {
  if (!embBits.empty()) {
    uint64_t acc = 0;
    for (size_t j = 0; j < k; ++j) acc ^= embBits[j] & (uint64_t{0} - (w[j] & 1));
    for (size_t r = 0; r < d; ++r) v[r] = (acc >> r) & 1;
    return;
  }
  for (size_t r = 0; r < d; ++r) {
    unsigned __int128 acc = 0;
    for (size_t j = 0; j < k; ++j) acc += static_cast<unsigned __int128>(emb[r * k + j]) * w[j];
    v[r] = t.reduce128(acc);
  }
}

bool ArrayImpl::fromE(const uint64_t* v, uint64_t* w) const {
  if (native) {
    std::copy(v, v + d, w);
    return true;
  }
  if (!projBits.empty()) {
    uint64_t acc = 0, in = 0;
    for (size_t j = 0; j < d; ++j) {
      acc ^= projBits[j] & (uint64_t{0} - (v[j] & 1));
      in |= (v[j] & 1) << j;
    }
    uint64_t back = 0;
    for (size_t i = 0; i < k; ++i) {
      w[i] = (acc >> i) & 1;
      back ^= embBits[i] & (uint64_t{0} - w[i]);
    }
    return back == in;
  }
  for (size_t i = 0; i < k; ++i) {
    unsigned __int128 acc = 0;
    for (size_t j = 0; j < d; ++j) acc += static_cast<unsigned __int128>(proj[i * d + j]) * v[j];
    w[i] = t.reduce128(acc);
  }
  std::vector<uint64_t> back(d);
  toE(w, back.data());
  return std::equal(back.begin(), back.end(), v);
}

void ArrayImpl::mul(const uint64_t* a, const uint64_t* b, uint64_t* out) const {
  std::vector<uint64_t> x(d), y(d);
  toE(a, x.data());
  toE(b, y.data());
  ring->mul(x.data(), y.data(), x.data());
  fromE(x.data(), out);
}

void ArrayImpl::frobenius(const uint64_t* a, size_t j, uint64_t* out) const {
  std::vector<uint64_t> x(d);
  toE(a, x.data());
  ring->frobenius(x.data(), j, x.data());
  fromE(x.data(), out);
}

Plaintext ArrayImpl::encodeE(const std::vector<uint64_t>& values) const {
  std::vector<uint64_t> coeffs(ctx->n());
  ring->encode(values, coeffs);
  return Plaintext::fromReduced(ctx, std::move(coeffs));
}

Plaintext ArrayImpl::constantE(const std::vector<uint64_t>& v) const {
  std::vector<uint64_t> values(ell * d);
  for (size_t s = 0; s < ell; ++s) std::copy(v.begin(), v.end(), values.begin() + s * d);
  return encodeE(values);
}

std::shared_ptr<const PreparedPlaintext> ArrayImpl::mask(const std::string& name,
                                                         const std::vector<uint8_t>& sel) const {
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = masks.find(name);
    if (it != masks.end()) return it->second;
  }
  std::vector<uint64_t> values(ell * d, 0);
  for (size_t s = 0; s < ell; ++s) values[s * d] = sel[s] ? 1 : 0;
  auto pt = std::make_shared<const PreparedPlaintext>(encodeE(values));
  std::lock_guard<std::mutex> lock(mutex);
  auto [it, inserted] = masks.emplace(name, std::move(pt));
  if (inserted) {
    maskOrder.push_back(name);
    if (maskOrder.size() > kMaxMasks) {
      masks.erase(maskOrder.front());  // holders of a shared_ptr keep their copy
      maskOrder.pop_front();
    }
  }
  return it->second;
}

std::shared_ptr<const ArrayImpl::Paths> ArrayImpl::paths(
    const std::vector<uint64_t>& exponents) const {
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = pathCache.find(exponents);
    if (it != pathCache.end()) return it->second;
  }
  auto P = std::make_shared<Paths>();
  P->via.assign(m, -1);
  P->from.assign(m, 0);
  std::deque<uint64_t> queue{1 % m};
  P->via[1 % m] = 0;
  while (!queue.empty()) {
    const uint64_t u = queue.front();
    queue.pop_front();
    for (uint64_t e : exponents) {
      const uint64_t v = static_cast<uint64_t>((static_cast<unsigned __int128>(u) * e) % m);
      if (P->via[v] >= 0) continue;
      P->via[v] = static_cast<int32_t>(e);
      P->from[v] = static_cast<uint32_t>(u);
      queue.push_back(v);
    }
  }
  std::lock_guard<std::mutex> lock(mutex);
  return pathCache.emplace(exponents, std::move(P)).first->second;
}

}  // namespace hl::detail
