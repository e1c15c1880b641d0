#include "slots/slot_ring.h"

#include <NTL/GF2X.h>
#include <NTL/ZZX.h>
#include <NTL/ZZXFactoring.h>
#include <NTL/lzz_pEX.h>
#include <NTL/lzz_pEXFactoring.h>
#include <NTL/lzz_pX.h>
#include <NTL/lzz_pXFactoring.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "math/number_theory.h"

namespace hl::detail {
namespace {

using NTL::GF2X;
using NTL::GF2XModulus;
using NTL::zz_pX;
using NTL::zz_pXModulus;

// ---------------------------------------------------------------------------------------------
// Coefficient vectors <-> NTL polynomials. Values are already reduced mod the modulus.

void load(GF2X& a, const uint64_t* c, size_t len) {
  a.xrep.SetLength(static_cast<long>((len + 63) / 64));
  for (long w = 0; w < a.xrep.length(); ++w) a.xrep[w] = 0;
  for (size_t i = 0; i < len; ++i) a.xrep[i / 64] |= static_cast<_ntl_ulong>(c[i] & 1) << (i % 64);
  a.normalize();
}

void store(const GF2X& a, uint64_t* out, size_t len) {
  const long words = a.xrep.length();
  for (size_t i = 0; i < len; ++i) {
    const long w = static_cast<long>(i / 64);
    out[i] = w < words ? (a.xrep[w] >> (i % 64)) & 1 : 0;
  }
}

void load(zz_pX& a, const uint64_t* c, size_t len) {
  a.rep.SetLength(static_cast<long>(len));
  for (size_t i = 0; i < len; ++i) a.rep[i].LoopHole() = static_cast<long>(c[i]);
  a.normalize();
}

void store(const zz_pX& a, uint64_t* out, size_t len) {
  const long deg = NTL::deg(a);
  for (size_t i = 0; i < len; ++i) {
    out[i] = static_cast<long>(i) <= deg ? static_cast<uint64_t>(NTL::rep(a.rep[i])) : 0;
  }
}

zz_pX fromVector(const std::vector<uint64_t>& c) {
  zz_pX a;
  load(a, c.data(), c.size());
  return a;
}

std::vector<uint64_t> toVector(const zz_pX& a, size_t len) {
  std::vector<uint64_t> c(len);
  store(a, c.data(), len);
  return c;
}

// a mod the node's polynomial, with the precomputed modulus where NTL allows it.
void reduce(GF2X& r, const GF2X& a, const GF2X&, const GF2XModulus& mod) { NTL::rem(r, a, mod); }
void reduce(zz_pX& r, const zz_pX& a, const zz_pX& f, const zz_pXModulus& mod) {
  if (NTL::deg(a) < NTL::deg(f)) {
    r = a;
  } else if (NTL::deg(a) <= 2 * (NTL::deg(f) - 1)) {
    NTL::rem(r, a, mod);
  } else {
    NTL::rem(r, a, f);
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The product tree of the slot factors.

struct SlotRing::Tree {
  virtual ~Tree() = default;
  // Remainders of a (phi(m) coefficients) modulo every leaf, d coefficients each.
  virtual void down(const uint64_t* a, size_t n, uint64_t* leaves, size_t d) const = 0;
  // sum_s u_s * prod_{s' != s} F_s' from the leaves u_s (d coefficients each).
  virtual void up(const uint64_t* leaves, size_t d, uint64_t* a, size_t n) const = 0;
  // c_s = (prod_{s' != s} F_s') mod F_s for every leaf.
  virtual std::vector<std::vector<uint64_t>> cofactors(size_t d) const = 0;
};

namespace {

template <class Poly, class PolyModulus>
class TreeImpl final : public SlotRing::Tree {
 public:
  // Runs under the modulus context of the caller (zz_p) for construction.
  explicit TreeImpl(std::vector<Poly> leaves) {
    node_.push_back(std::move(leaves));
    while (node_.back().size() > 1) {
      const std::vector<Poly>& below = node_.back();
      std::vector<Poly> above((below.size() + 1) / 2);
      for (size_t j = 0; j < above.size(); ++j) {
        if (2 * j + 1 < below.size()) {
          NTL::mul(above[j], below[2 * j], below[2 * j + 1]);
        } else {
          above[j] = below[2 * j];
        }
      }
      node_.push_back(std::move(above));
    }
    mod_.resize(node_.size());
    for (size_t h = 0; h < node_.size(); ++h) {
      mod_[h].resize(node_[h].size());
      for (size_t j = 0; j < node_[h].size(); ++j) NTL::build(mod_[h][j], node_[h][j]);
    }
  }

  void down(const uint64_t* a, size_t n, uint64_t* leaves, size_t d) const override {
    std::vector<Poly> cur(1), next;
    Poly top;
    load(top, a, n);
    reduce(cur[0], top, node_.back()[0], mod_.back()[0]);
    for (size_t h = node_.size() - 1; h-- > 0;) {
      const size_t count = node_[h].size();
      next.resize(count);
      for (size_t j = 0; j < count; ++j) {
        if (count % 2 == 1 && j == count - 1) {
          next[j] = cur[j / 2];  // carried up unchanged: the parent is this node
        } else {
          reduce(next[j], cur[j / 2], node_[h][j], mod_[h][j]);
        }
      }
      std::swap(cur, next);
    }
    for (size_t s = 0; s < cur.size(); ++s) store(cur[s], leaves + s * d, d);
  }

  void up(const uint64_t* leaves, size_t d, uint64_t* a, size_t n) const override {
    std::vector<Poly> cur(node_[0].size()), next;
    for (size_t s = 0; s < cur.size(); ++s) load(cur[s], leaves + s * d, d);
    Poly t1, t2;
    for (size_t h = 0; h + 1 < node_.size(); ++h) {
      next.resize(node_[h + 1].size());
      for (size_t j = 0; j < next.size(); ++j) {
        if (2 * j + 1 < cur.size()) {
          NTL::mul(t1, cur[2 * j], node_[h][2 * j + 1]);
          NTL::mul(t2, cur[2 * j + 1], node_[h][2 * j]);
          NTL::add(next[j], t1, t2);
        } else {
          next[j] = cur[2 * j];
        }
      }
      std::swap(cur, next);
    }
    store(cur[0], a, n);
  }

  std::vector<std::vector<uint64_t>> cofactors(size_t d) const override {
    // Top down: c_root = 1, and for a child L with sibling R of node v,
    // c_L = (c_v * R) mod L (von zur Gathen-Gerhard, section 10.3).
    std::vector<Poly> cur(1), next;
    NTL::set(cur[0]);
    Poly tmp, sib;
    for (size_t h = node_.size() - 1; h-- > 0;) {
      next.resize(node_[h].size());
      for (size_t j = 0; j < next.size(); ++j) {
        const size_t sibling = j ^ 1;
        if (sibling >= node_[h].size()) {
          next[j] = cur[j / 2];
          continue;
        }
        reduce(tmp, cur[j / 2], node_[h][j], mod_[h][j]);
        reduce(sib, node_[h][sibling], node_[h][j], mod_[h][j]);
        NTL::MulMod(next[j], tmp, sib, mod_[h][j]);
      }
      std::swap(cur, next);
    }
    std::vector<std::vector<uint64_t>> out(cur.size(), std::vector<uint64_t>(d));
    for (size_t s = 0; s < cur.size(); ++s) store(cur[s], out[s].data(), d);
    return out;
  }

 private:
  std::vector<std::vector<Poly>> node_;  // node_[0]: leaves, node_.back(): the root
  std::vector<std::vector<PolyModulus>> mod_;
};

// The zz_p context of t, kept for the tree's lifetime (zz_pX values are only meaningful under
// it).
template <class Base>
class ModularTree final : public SlotRing::Tree {
 public:
  ModularTree(NTL::zz_pContext ctx, std::vector<zz_pX> leaves) : ctx_(std::move(ctx)) {
    NTL::zz_pPush push(ctx_);
    impl_ = std::make_unique<Base>(std::move(leaves));
  }
  ~ModularTree() override {
    NTL::zz_pPush push(ctx_);
    impl_.reset();
  }
  void down(const uint64_t* a, size_t n, uint64_t* leaves, size_t d) const override {
    NTL::zz_pPush push(ctx_);
    impl_->down(a, n, leaves, d);
  }
  void up(const uint64_t* leaves, size_t d, uint64_t* a, size_t n) const override {
    NTL::zz_pPush push(ctx_);
    impl_->up(leaves, d, a, n);
  }
  std::vector<std::vector<uint64_t>> cofactors(size_t d) const override {
    NTL::zz_pPush push(ctx_);
    return impl_->cofactors(d);
  }

 private:
  NTL::zz_pContext ctx_;
  std::unique_ptr<Base> impl_;
};

// The first monic irreducible polynomial of degree d over GF(p) in the order X^d + c(X), c
// counted in base p (NTL's BuildIrred draws random candidates, and the slot encoding must not
// depend on the state of a random generator). Runs under the zz_p context of p.
zz_pX firstIrreducible(uint64_t p, size_t d) {
  for (uint64_t c = 0;; ++c) {
    zz_pX f(NTL::INIT_MONO, static_cast<long>(d));
    uint64_t v = c;
    for (long i = 0; v; ++i, v /= p) NTL::SetCoeff(f, i, static_cast<long>(v % p));
    if (NTL::deg(f) == static_cast<long>(d) && NTL::DetIrredTest(f)) return f;
  }
}

// A primitive m-th root of unity in GF(p^d) = GF(p)[X]/irr, deterministic: the first of
// x = X + c, c = 1, 2, ... (then polynomials with two and more terms) whose power
// x^((p^d - 1)/m) has order exactly m. Runs under the zz_p context of p.
zz_pX primitiveRoot(uint64_t m, uint64_t p, size_t d, const zz_pXModulus& irr) {
  NTL::ZZ order = NTL::power(NTL::conv<NTL::ZZ>(static_cast<long>(p)), static_cast<long>(d)) - 1;
  const NTL::ZZ e = order / static_cast<long>(m);
  const std::vector<uint64_t> factors = primeFactors(m);
  zz_pX one;
  NTL::set(one);
  for (uint64_t c = 1;; ++c) {
    // c in base p: the coefficients of the candidate (plus X when d > 1).
    zz_pX x;
    uint64_t v = c;
    for (long i = 0; v; ++i, v /= p) NTL::SetCoeff(x, i, static_cast<long>(v % p));
    if (d > 1) x += zz_pX(NTL::INIT_MONO, 1);
    NTL::rem(x, x, irr);
    if (NTL::IsZero(x)) continue;
    zz_pX y;
    NTL::PowerMod(y, x, e, irr);
    bool primitive = true;
    for (uint64_t q : factors) {
      zz_pX z;
      NTL::PowerMod(z, y, static_cast<long>(m / q), irr);
      if (z == one) {
        primitive = false;
        break;
      }
    }
    if (primitive) return y;
    if (c > 1000000) throw std::logic_error("hl::SlotRing: no primitive m-th root found");
  }
}

// Over GF(2): out = M x for the d x d matrix M given by its columns as bit masks.
void matVecBits(const uint64_t* columns, const uint64_t* x, uint64_t* out, size_t d) {
  uint64_t acc = 0;
  for (size_t i = 0; i < d; ++i) acc ^= columns[i] & (uint64_t{0} - (x[i] & 1));
  for (size_t j = 0; j < d; ++j) out[j] = (acc >> j) & 1;
}

std::vector<uint64_t> columnBits(const std::vector<uint64_t>& matrices, size_t count, size_t d) {
  std::vector<uint64_t> bits(count * d, 0);
  for (size_t s = 0; s < count; ++s) {
    for (size_t j = 0; j < d; ++j) {
      for (size_t i = 0; i < d; ++i) {
        bits[s * d + i] |= (matrices[(s * d + j) * d + i] & 1) << j;
      }
    }
  }
  return bits;
}

// out = M x for a rows x cols matrix M (row-major), entries and x below t.
void matVec(const Modulus& t, const uint64_t* M, const uint64_t* x, uint64_t* out, size_t rows,
            size_t cols) {
  for (size_t i = 0; i < rows; ++i) {
    unsigned __int128 acc = 0;
    const uint64_t* row = M + i * cols;
    for (size_t j = 0; j < cols; ++j) acc += static_cast<unsigned __int128>(row[j]) * x[j];
    out[i] = t.reduce128(acc);
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------

std::shared_ptr<const SlotRing> SlotRing::of(const Context& ctx) {
  return ctx.cached<SlotRing>([&ctx] { return std::make_shared<const SlotRing>(ctx); });
}

SlotRing::~SlotRing() = default;

SlotRing::SlotRing(const Context& ctx)
    : cube_(&ctx.hypercube()),
      m_(ctx.m()),
      p_(ctx.p()),
      r_(ctx.r()),
      t_(ctx.plaintextModulus()),
      n_(ctx.n()),
      d_(ctx.hypercube().degree()),
      ell_(ctx.hypercube().size()) {
  const long d = static_cast<long>(d_);
  // 1. The factors mod p: F = minimal polynomial of a primitive m-th root of unity, and
  // F_s = minimal polynomial of zeta^u_s in E = GF(p)[Y]/F.
  std::vector<zz_pX> factorsModP(ell_);
  NTL::zz_pContext pContext(static_cast<long>(p_));
  if (d_ == 1 && r_ == 1 && (m_ & (m_ - 1)) == 0 && m_ >= 4 && p_ % 2 == 1) {
    // Every slot an integer and m a power of two: the factors are X - zeta^u, decode and encode
    // are the negacyclic transform (buildNegacyclic), and no tree is needed.
    uint64_t zeta = 0;
    {
      NTL::zz_pPush push(pContext);
      const zz_pXModulus irrMod(firstIrreducible(p_, d_));
      zeta = static_cast<uint64_t>(NTL::rep(NTL::coeff(primitiveRoot(m_, p_, d_, irrMod), 0)));
    }
    factors_.resize(2 * ell_);
    for (size_t s = 0; s < ell_; ++s) {
      factors_[2 * s] = t_.neg(t_.pow(zeta, cube_->representative(s)));
      factors_[2 * s + 1] = 1;
    }
    f_ = {factors_[0], 1};
    frob_ = {1};
    buildNegacyclic();
    return;
  }
  {
    NTL::zz_pPush push(pContext);
    const zz_pXModulus irrMod(firstIrreducible(p_, d_));
    const zz_pX zeta = primitiveRoot(m_, p_, d_, irrMod);
    zz_pX f;
    NTL::MinPolyMod(f, zeta, irrMod, d);
    zz_pXModulus fMod(f);
    zz_pX yMod;  // Y mod F (the constant zeta when d = 1)
    NTL::rem(yMod, zz_pX(NTL::INIT_MONO, 1), fMod);
    for (size_t s = 0; s < ell_; ++s) {
      zz_pX g;
      NTL::PowerMod(g, yMod, static_cast<long>(cube_->representative(s)), fMod);
      NTL::MinPolyMod(factorsModP[s], g, fMod, d);
    }
    if (factorsModP[0] != f) throw std::logic_error("hl::SlotRing: slot 0 is not F");
  }
  // 2. Hensel lifting to t = p^r (NTL's MultiLift: one lifting tree for all factors).
  std::vector<std::vector<uint64_t>> factors(ell_);
  if (r_ == 1) {
    NTL::zz_pPush push(pContext);
    for (size_t s = 0; s < ell_; ++s) factors[s] = toVector(factorsModP[s], d_ + 1);
  } else {
    NTL::ZZX phi;
    const auto& c = ctx.ring().phiPolynomial();
    for (size_t i = 0; i < c.size(); ++i) NTL::SetCoeff(phi, static_cast<long>(i), c[i]);
    NTL::vec_ZZX lifted;
    {
      NTL::zz_pPush push(pContext);
      NTL::vec_zz_pX a;
      a.SetLength(static_cast<long>(ell_));
      for (size_t s = 0; s < ell_; ++s) a[s] = factorsModP[s];
      NTL::MultiLift(lifted, a, phi, static_cast<long>(r_));
    }
    const NTL::ZZ tz = NTL::conv<NTL::ZZ>(static_cast<long>(t_.value()));
    for (size_t s = 0; s < ell_; ++s) {
      factors[s].assign(d_ + 1, 0);
      for (long i = 0; i <= d; ++i) {
        factors[s][i] = NTL::conv<uint64_t>(NTL::coeff(lifted[s], i) % tz);
      }
    }
  }
  f_ = factors[0];
  factors_.reserve(ell_ * (d_ + 1));
  for (const auto& fs : factors) factors_.insert(factors_.end(), fs.begin(), fs.end());

  // 3. The tree, the cofactors and the per-slot matrices, over Z_t.
  NTL::zz_pContext tContext(static_cast<long>(t_.value()));
  if (t_.value() == 2) {
    std::vector<GF2X> leaves(ell_);
    for (size_t s = 0; s < ell_; ++s) load(leaves[s], factors[s].data(), d_ + 1);
    tree_ = std::make_unique<TreeImpl<GF2X, GF2XModulus>>(std::move(leaves));
  } else {
    std::vector<zz_pX> leaves(ell_);
    {
      NTL::zz_pPush push(tContext);
      for (size_t s = 0; s < ell_; ++s) leaves[s] = fromVector(factors[s]);
    }
    tree_ =
        std::make_unique<ModularTree<TreeImpl<zz_pX, zz_pXModulus>>>(tContext, std::move(leaves));
  }
  const std::vector<std::vector<uint64_t>> cof = tree_->cofactors(d_);

  NTL::zz_pPush push(tContext);
  const zz_pX F = fromVector(f_);
  const zz_pXModulus FMod(F);
  const zz_pX X(NTL::INIT_MONO, 1);
  zz_pX xModF;
  NTL::rem(xModF, X, F);
  frob_.assign(d_ * d_, 0);
  {
    zz_pX w, col;
    NTL::PowerMod(w, xModF, static_cast<long>(p_), FMod);
    NTL::set(col);
    for (size_t i = 0; i < d_; ++i) {
      const std::vector<uint64_t> v = toVector(col, d_);
      for (size_t j = 0; j < d_; ++j) frob_[j * d_ + i] = v[j];
      NTL::MulMod(col, col, w, FMod);
    }
  }
  toSlot_.assign(ell_ * d_ * d_, 0);
  fromSlot_.assign(ell_ * d_ * d_, 0);
  for (size_t s = 0; s < ell_; ++s) {
    const uint64_t u = cube_->representative(s);
    // toSlot: column i = (Y^u)^i mod F.
    zz_pX w, col;
    NTL::PowerMod(w, xModF, static_cast<long>(u), FMod);
    NTL::set(col);
    uint64_t* T = toSlot_.data() + s * d_ * d_;
    for (size_t i = 0; i < d_; ++i) {
      const std::vector<uint64_t> v = toVector(col, d_);
      for (size_t j = 0; j < d_; ++j) T[j * d_ + i] = v[j];
      NTL::MulMod(col, col, w, FMod);
    }
    // fromSlot: column i = c_s^-1 X^(u' i) mod F_s, u' = u^-1 mod m (X -> X^u' inverts
    // X -> Y^u; c_s^-1 is the CRT weight of the slot).
    const zz_pX Fs = fromVector(factors[s]);
    const zz_pXModulus FsMod(Fs);
    zz_pX inv;
    {
      // c_s^-1 mod p by the extended Euclidean algorithm, then Newton's iteration
      // v <- v (2 - c v) doubles the p-adic precision up to p^r.
      std::vector<uint64_t> cModP(d_), fModP(d_ + 1);
      for (size_t i = 0; i < d_; ++i) cModP[i] = cof[s][i] % p_;
      for (size_t i = 0; i <= d_; ++i) fModP[i] = factors[s][i] % p_;
      std::vector<uint64_t> invModP;
      {
        NTL::zz_pPush pushP(pContext);
        zz_pX cp = fromVector(cModP), fp = fromVector(fModP), ip;
        NTL::InvMod(ip, cp, fp);
        invModP = toVector(ip, d_);
      }
      inv = fromVector(invModP);
      const zz_pX c = fromVector(cof[s]);
      for (unsigned prec = 1; prec < r_; prec *= 2) {
        zz_pX cv, two;
        NTL::MulMod(cv, c, inv, FsMod);
        NTL::set(two);
        two += two;
        NTL::MulMod(inv, inv, two - cv, FsMod);
      }
    }
    const uint64_t uInv = powMod(u, cube_->size() * d_ - 1, m_);  // u^(phi - 1) = u^-1
    zz_pX xs;
    NTL::rem(xs, X, FsMod);
    zz_pX wInv;
    NTL::PowerMod(wInv, xs, static_cast<long>(uInv), FsMod);
    col = inv;
    uint64_t* Fm = fromSlot_.data() + s * d_ * d_;
    for (size_t i = 0; i < d_; ++i) {
      const std::vector<uint64_t> v = toVector(col, d_);
      for (size_t j = 0; j < d_; ++j) Fm[j * d_ + i] = v[j];
      NTL::MulMod(col, col, wInv, FsMod);
    }
  }
  if (t_.value() == 2 && d_ <= 64) {
    toSlotBits_ = columnBits(toSlot_, ell_, d_);
    fromSlotBits_ = columnBits(fromSlot_, ell_, d_);
  }
  buildNegacyclic();
}

void SlotRing::buildNegacyclic() {
  if (d_ != 1 || (m_ & (m_ - 1)) != 0 || m_ < 4 || t_.value() % 2 == 0) return;
  // F_0 = X - zeta: zeta = -f_0, a primitive m-th root of unity mod t, so psi = zeta has
  // psi^n = -1 (n = m / 2).
  const uint64_t psi = t_.neg(f_[0]);
  const uint64_t psiInv = t_.inv(psi);
  size_t logn = 0;
  while ((size_t{1} << logn) < n_) ++logn;
  auto brv = [logn](size_t x) {
    size_t r = 0;
    for (size_t b = 0; b < logn; ++b) r |= ((x >> b) & 1) << (logn - 1 - b);
    return r;
  };
  psiBr_.resize(n_);
  psiInvBr_.resize(n_);
  uint64_t w = 1, wi = 1;
  for (size_t i = 0; i < n_; ++i) {
    psiBr_[brv(i)] = w;
    psiInvBr_[brv(i)] = wi;
    w = t_.mul(w, psi);
    wi = t_.mul(wi, psiInv);
  }
  psiBrShoup_.resize(n_);
  psiInvBrShoup_.resize(n_);
  for (size_t i = 0; i < n_; ++i) {
    psiBrShoup_[i] = t_.shoup(psiBr_[i]);
    psiInvBrShoup_[i] = t_.shoup(psiInvBr_[i]);
  }
  nInv_ = t_.inv(n_ % t_.value());
  // The forward transform leaves a(psi^(2 brv(k) + 1)) at position k; slot s holds
  // a(zeta^u_s), u_s odd: position brv((u_s - 1) / 2).
  slotPos_.resize(ell_);
  for (size_t s = 0; s < ell_; ++s) {
    slotPos_[s] = static_cast<uint32_t>(brv((cube_->representative(s) - 1) / 2));
  }
}

std::vector<uint64_t> SlotRing::factor(size_t s) const {
  if (s >= ell_) throw std::out_of_range("hl::SlotRing::factor: no slot " + std::to_string(s));
  const auto first = factors_.begin() + static_cast<long>(s * (d_ + 1));
  return std::vector<uint64_t>(first, first + static_cast<long>(d_ + 1));
}

void SlotRing::decode(std::span<const uint64_t> coeffs, std::span<uint64_t> values) const {
  if (coeffs.size() != n_ || values.size() != ell_ * d_) {
    throw std::invalid_argument("hl::SlotRing::decode: size mismatch");
  }
  if (!slotPos_.empty()) {
    // Cooley-Tukey, natural order in, bit-reversed out (the negacyclic twist folded into the
    // twiddles: Poeppelmann, Oder, Gueneysu, "High-performance ideal lattice-based
    // cryptography on 8-bit ATxmega microcontrollers", LATINCRYPT 2015, Alg. 1).
    std::vector<uint64_t> a(coeffs.begin(), coeffs.end());
    for (size_t half = n_ / 2, groups = 1; groups < n_; groups *= 2, half /= 2) {
      for (size_t i = 0; i < groups; ++i) {
        const uint64_t w = psiBr_[groups + i], ws = psiBrShoup_[groups + i];
        uint64_t* x = a.data() + 2 * i * half;
        for (size_t j = 0; j < half; ++j) {
          const uint64_t u = x[j], v = t_.mulShoup(x[j + half], w, ws);
          x[j] = t_.add(u, v);
          x[j + half] = t_.sub(u, v);
        }
      }
    }
    for (size_t s = 0; s < ell_; ++s) values[s] = a[slotPos_[s]];
    return;
  }
  std::vector<uint64_t> leaves(ell_ * d_);
  tree_->down(coeffs.data(), n_, leaves.data(), d_);
  if (!toSlotBits_.empty()) {
    for (size_t s = 0; s < ell_; ++s) {
      matVecBits(toSlotBits_.data() + s * d_, leaves.data() + s * d_, values.data() + s * d_, d_);
    }
    return;
  }
  for (size_t s = 0; s < ell_; ++s) {
    matVec(t_, toSlot_.data() + s * d_ * d_, leaves.data() + s * d_, values.data() + s * d_, d_,
           d_);
  }
}

void SlotRing::encode(std::span<const uint64_t> values, std::span<uint64_t> coeffs) const {
  if (coeffs.size() != n_ || values.size() != ell_ * d_) {
    throw std::invalid_argument("hl::SlotRing::encode: size mismatch");
  }
  if (!slotPos_.empty()) {
    // Gentleman-Sande, bit-reversed in, natural out: the inverse of decode's transform.
    std::vector<uint64_t> a(n_);
    for (size_t s = 0; s < ell_; ++s) a[slotPos_[s]] = values[s];
    for (size_t half = 1, groups = n_ / 2; groups >= 1; half *= 2, groups /= 2) {
      for (size_t i = 0; i < groups; ++i) {
        const uint64_t w = psiInvBr_[groups + i], ws = psiInvBrShoup_[groups + i];
        uint64_t* x = a.data() + 2 * i * half;
        for (size_t j = 0; j < half; ++j) {
          const uint64_t u = x[j], v = x[j + half];
          x[j] = t_.add(u, v);
          x[j + half] = t_.mulShoup(t_.sub(u, v), w, ws);
        }
      }
      if (groups == 1) break;
    }
    const uint64_t ns = t_.shoup(nInv_);
    for (size_t i = 0; i < n_; ++i) coeffs[i] = t_.mulShoup(a[i], nInv_, ns);
    return;
  }
  std::vector<uint64_t> leaves(ell_ * d_);
  for (size_t s = 0; s < ell_ && !fromSlotBits_.empty(); ++s) {
    matVecBits(fromSlotBits_.data() + s * d_, values.data() + s * d_, leaves.data() + s * d_, d_);
  }
  for (size_t s = 0; s < ell_ && fromSlotBits_.empty(); ++s) {
    matVec(t_, fromSlot_.data() + s * d_ * d_, values.data() + s * d_, leaves.data() + s * d_, d_,
           d_);
  }
  tree_->up(leaves.data(), d_, coeffs.data(), n_);
}

void SlotRing::mul(const uint64_t* a, const uint64_t* b, uint64_t* out) const {
  std::vector<unsigned __int128> acc(2 * d_ - 1, 0);
  // Products below 2^80 and at most d of them per term: reduce each term once at the end.
  std::vector<uint64_t> prod(2 * d_ - 1);
  for (size_t i = 0; i < d_; ++i) {
    for (size_t j = 0; j < d_; ++j) acc[i + j] += static_cast<unsigned __int128>(a[i]) * b[j];
  }
  for (size_t i = 0; i < prod.size(); ++i) prod[i] = t_.reduce128(acc[i]);
  // Reduction by the monic F of degree d: X^d = -(f_0 + ... + f_{d-1} X^{d-1}).
  for (size_t i = prod.size(); i-- > d_;) {
    const uint64_t c = prod[i];
    if (c == 0) continue;
    for (size_t j = 0; j < d_; ++j) {
      prod[i - d_ + j] = t_.sub(prod[i - d_ + j], t_.mul(c, f_[j]));
    }
  }
  std::copy(prod.begin(), prod.begin() + static_cast<long>(d_), out);
}

void SlotRing::frobenius(const uint64_t* a, size_t j, uint64_t* out) const {
  std::vector<uint64_t> cur(a, a + d_), next(d_);
  for (size_t k = 0; k < j % d_; ++k) {
    matVec(t_, frob_.data(), cur.data(), next.data(), d_, d_);
    std::swap(cur, next);
  }
  std::copy(cur.begin(), cur.end(), out);
}

std::vector<uint64_t> SlotRing::embedding(std::span<const uint64_t> g) const {
  const size_t k = g.size() - 1;
  if (g.size() < 2 || d_ % k != 0 || g.back() != 1) {
    throw std::invalid_argument("hl::SlotRing::embedding: G must be monic of a degree dividing d");
  }
  std::vector<uint64_t> rho(d_, 0);
  if (k == 1) {
    rho[0] = t_.neg(t_.reduce(g[0]));
  } else {
    if (r_ != 1) {
      throw std::invalid_argument(
          "hl::SlotRing::embedding: a field representation needs r = 1 (the slots are Galois "
          "rings otherwise)");
    }
    NTL::zz_pContext pContext(static_cast<long>(p_));
    NTL::zz_pPush push(pContext);
    NTL::zz_pEPush pushE(fromVector(f_));
    NTL::zz_pEX G;
    for (size_t i = 0; i <= k; ++i) {
      NTL::SetCoeff(G, static_cast<long>(i),
                    NTL::conv<NTL::zz_pE>(NTL::conv<NTL::zz_p>(static_cast<long>(g[i] % p_))));
    }
    NTL::vec_zz_pE roots;
    if (!NTL::DetIrredTest(fromVector(std::vector<uint64_t>(g.begin(), g.end())))) {
      throw std::invalid_argument("hl::SlotRing::embedding: G is not irreducible mod p");
    }
    NTL::FindRoots(roots, G);
    if (roots.length() == 0) {
      throw std::invalid_argument("hl::SlotRing::embedding: G has no root in the slots");
    }
    // The smallest root in the order of its coefficient vectors (highest first), so that the
    // choice does not depend on NTL's random choices.
    std::vector<std::vector<uint64_t>> cands;
    for (long i = 0; i < roots.length(); ++i) {
      std::vector<uint64_t> v = toVector(NTL::rep(roots[i]), d_);
      std::reverse(v.begin(), v.end());
      cands.push_back(std::move(v));
    }
    std::sort(cands.begin(), cands.end());
    rho = cands.front();
    std::reverse(rho.begin(), rho.end());
  }
  // Columns rho^0, ..., rho^(k-1).
  std::vector<uint64_t> M(d_ * k, 0), pw(d_, 0);
  pw[0] = 1 % t_.value();
  for (size_t i = 0; i < k; ++i) {
    for (size_t j = 0; j < d_; ++j) M[j * k + i] = pw[j];
    mul(pw.data(), rho.data(), pw.data());
  }
  return M;
}

}  // namespace hl::detail
