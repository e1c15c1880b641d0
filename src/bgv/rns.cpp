#include "bgv/rns.h"

#include <stdexcept>
#include <string>

#include "helib-like/detail/aligned.h"

namespace hl::detail {

BaseConverter::BaseConverter(const ModulusChain& chain, const IndexSet& source, const Modulus& t)
    : chain_(&chain), source_(source), t_(t) {
  const size_t k = source.size();
  if (k == 0 || k > 255) throw std::logic_error("hl::detail::BaseConverter: bad source size");
  for (size_t i : source) src_.push_back(chain.modulus(i));
  // (S/s_i) mod s_i and its inverse.
  inv_.resize(k);
  invShoup_.resize(k);
  for (size_t i = 0; i < k; ++i) {
    const Modulus& si = src_[i];
    uint64_t hatMod = 1;
    for (size_t j = 0; j < k; ++j) {
      if (j != i) hatMod = si.mul(hatMod, src_[j].value() % si.value());
    }
    inv_[i] = si.inv(hatMod);
    invShoup_[i] = si.shoup(inv_[i]);
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
  std::fill_n(negatives, n, uint8_t{0});
  for (size_t i = 0; i < k; ++i) {
    const Modulus& s = src_[i];
    const uint64_t w = inv_[i], ws = invShoup_[i], half = s.value() >> 1;
    const uint64_t* x = rows[i];
    uint64_t* ui = u + i * n;
    for (size_t j = 0; j < n; ++j) {
      const uint64_t v = s.mulShoup(x[j], w, ws);
      ui[j] = v;
      negatives[j] += static_cast<uint8_t>(v > half);
    }
  }
}

void BaseConverter::convertWith(const uint64_t* u, const uint8_t* negatives, size_t n,
                                const Modulus& q, const uint64_t* hat, uint64_t prod,
                                uint64_t* out) const {
  const size_t k = src_.size();
  // negS[c] = -c * S mod q for the centring correction.
  uint64_t negS[256];
  negS[0] = 0;
  const uint64_t minusS = q.neg(prod);
  for (size_t c = 1; c <= k; ++c) negS[c] = q.add(negS[c - 1], minusS);
  // Each term is below 2^50 * 2^62; 255 of them fit in 128 bits only while s_i, hat < 2^60,
  // which holds for chain primes (< 2^50) and t (< 2^40).
  for (size_t j = 0; j < n; ++j) {
    unsigned __int128 acc = 0;
    for (size_t i = 0; i < k; ++i) acc += static_cast<unsigned __int128>(u[i * n + j]) * hat[i];
    out[j] = q.add(q.reduce128(acc), negS[negatives[j]]);
  }
}

void BaseConverter::convert(const uint64_t* u, const uint8_t* negatives, size_t n, size_t target,
                            uint64_t* out) const {
  if (source_.contains(target)) {
    throw std::logic_error("hl::detail::BaseConverter::convert: target is in the source");
  }
  const size_t k = src_.size();
  convertWith(u, negatives, n, chain_->modulus(target), hat_.data() + target * k,
              prodMod_[target], out);
}

void BaseConverter::convertModT(const uint64_t* u, const uint8_t* negatives, size_t n,
                                uint64_t* out) const {
  convertWith(u, negatives, n, t_, hatT_.data(), prodModT_, out);
}

RnsTables::RnsTables(const ModulusChain& chain, size_t numCiphertext,
                     const std::vector<IndexSet>& digits, const Modulus& t) {
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
    auto it = conv_.find({s.first(), s.last()});
    if (it != conv_.end()) return it->second;
  }
  throw std::logic_error("hl::detail::RnsTables: no base converter for " + s.toString());
}

void scaleDown(DoubleCRT& x, const BaseConverter& conv, const Modulus& t) {
  const IndexSet& drop = conv.source();
  const IndexSet keep = x.primes() - drop;
  if (!x.primes().containsAll(drop) || keep.empty()) {
    throw std::logic_error("hl::detail::scaleDown: bad prime sets");
  }
  const ModulusChain& chain = x.chain();
  const size_t n = x.ringSize(), k = drop.size();
  // Coefficient form of x mod each dropped prime, then the centred digits of delta's y part.
  AlignedVector<uint64_t> coeff(k * n), u(k * n);
  std::vector<uint8_t> neg(n);
  std::vector<const uint64_t*> rows(k);
#pragma omp parallel for if (k > 1)
  for (size_t i = 0; i < k; ++i) chain.dft(drop[i]).inverse(x.values(drop[i]).data(), coeff.data() + i * n);
  for (size_t i = 0; i < k; ++i) rows[i] = coeff.data() + i * n;
  conv.digits(rows.data(), n, u.data(), neg.data());
  // delta = y + D * c with c = -y D^{-1} (mod t), centred: then delta = 0 (mod t).
  std::vector<int64_t> c(n);
  {
    std::vector<uint64_t> yt(n);
    conv.convertModT(u.data(), neg.data(), n, yt.data());
    const uint64_t w = conv.negInverseProductModT(), half = t.value() >> 1;
    for (size_t j = 0; j < n; ++j) {
      const uint64_t cj = t.mul(yt[j], w);
      c[j] = cj > half ? static_cast<int64_t>(cj) - static_cast<int64_t>(t.value())
                       : static_cast<int64_t>(cj);
    }
  }
#pragma omp parallel
  {
    AlignedVector<uint64_t> delta(n);
#pragma omp for schedule(static)
    for (size_t idx = 0; idx < keep.size(); ++idx) {
      const size_t p = keep[idx];
      const Modulus& q = chain.modulus(p);
      conv.convert(u.data(), neg.data(), n, p, delta.data());
      const uint64_t D = conv.productMod(p), Ds = q.shoup(D);
      for (size_t j = 0; j < n; ++j) {
        const uint64_t cj = c[j] < 0 ? q.value() - static_cast<uint64_t>(-c[j]) : c[j];
        delta[j] = q.add(delta[j], q.mulShoup(cj, D, Ds));
      }
      chain.dft(p).forward(delta.data(), delta.data());
      const uint64_t inv = conv.inverseProductMod(p), invs = q.shoup(inv);
      uint64_t* v = x.values(p).data();
      for (size_t j = 0; j < n; ++j) v[j] = q.mulShoup(q.sub(v[j], delta[j]), inv, invs);
    }
  }
  x.dropPrimes(drop);
}

}  // namespace hl::detail
