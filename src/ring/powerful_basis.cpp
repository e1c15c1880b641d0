// Powerful basis mod t -> power basis mod t (see helib-like/ring/powerful_basis.h).
//
// Step 1 writes each powerful coefficient at its exponent e = sum_i j_i (m/m_i) mod m (a
// permutation into [0, m), no additions: the exponents are distinct). Step 2 reduces the
// resulting polynomial A of degree < m modulo Phi_m with NTL: GF2X and a precomputed
// GF2XModulus for t = 2 (A is then m bits, packed 64 to a word), zz_pX and a zz_pXModulus for
// other t below NTL's single-precision bound (t may be composite, e.g. p^r: Phi_m is monic, so
// the division never inverts anything but its leading coefficient 1), ZZ_pX beyond it.
//
// Before the remainder, A is replaced by A + c X^(m-1-n) Phi_m with c = 1 - A_(m-1) (mod t),
// which changes nothing mod Phi_m but makes the leading coefficient 1: NTL then always sees a
// polynomial of degree m - 1, whatever the (secret) coefficients, and no length in its
// division depends on them.
#include "helib-like/ring/powerful_basis.h"

#include <NTL/GF2X.h>
#include <NTL/ZZ_pX.h>
#include <NTL/lzz_pX.h>
#include <openssl/crypto.h>

#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

#include "helib-like/math/cyclotomic_dft.h"
#include "math/number_theory.h"
#include "ring/powerful_basis_detail.h"

namespace hl {
namespace {

constexpr const char* kWho = "hl::powerfulToPowerMod";

void checkM(uint64_t m, const char* who) {
  if (m < 2 || m >> 31 != 0) {
    throw std::invalid_argument(std::string(who) + ": m = " + std::to_string(m) +
                                " is out of range (need 2 <= m < 2^31)");
  }
}

std::vector<uint32_t> buildExponents(uint64_t m) {
  const auto f = detail::primePowers(m);
  const size_t k = f.size();
  size_t n = 1;
  for (const auto& pf : f) n *= pf.phi;
  // Odometer over (j_1, ..., j_k) in row-major order (last factor fastest): e advances by
  // m/m_i when j_i does, and goes back by phi(m_i) m/m_i when j_i wraps to 0.
  std::vector<uint64_t> step(k), back(k);
  for (size_t i = 0; i < k; ++i) {
    step[i] = m / f[i].pe;
    back[i] = m - (f[i].phi * step[i]) % m;  // + back = - phi(m_i) m/m_i (mod m)
  }
  std::vector<uint32_t> exps(n);
  std::vector<uint64_t> idx(k, 0);
  uint64_t e = 0;
  for (size_t J = 0; J < n; ++J) {
    exps[J] = static_cast<uint32_t>(e);
    for (size_t i = k; i-- > 0;) {
      e = (e + step[i]) % m;
      if (++idx[i] < f[i].phi) break;
      idx[i] = 0;
      e = (e + back[i]) % m;
    }
  }
  return exps;
}

// Everything one (m, t) needs, built once: the exponent map, Phi_m mod t and NTL's
// precomputed remainder modulo Phi_m for the arithmetic that suits t.
struct Reducer {
  enum class Kind { kGf2, kSmall, kBig } kind;
  uint64_t m;
  size_t n;
  const std::vector<uint32_t>* exps;
  std::vector<uint64_t> phiModT;  // n + 1 coefficients, constant term first
  // t = 2: X^(m-1-n) Phi_m packed in words (the fixed-degree correction).
  std::vector<_ntl_ulong> shiftedPhiWords;
  NTL::GF2XModulus gf2;
  NTL::zz_pContext smallCtx;
  NTL::zz_pXModulus small;
  NTL::ZZ_pContext bigCtx;
  NTL::ZZ_pXModulus big;
};

std::unique_ptr<Reducer> buildReducer(uint64_t m, const Modulus& t) {
  auto r = std::make_unique<Reducer>();
  r->m = m;
  r->exps = &detail::powerfulExponents(m);
  r->n = r->exps->size();
  const std::vector<int64_t> phi = cyclotomicPolynomial(m);
  r->phiModT.resize(phi.size());
  for (size_t i = 0; i < phi.size(); ++i) r->phiModT[i] = t.reduceSigned(phi[i]);
  const long deg = static_cast<long>(r->n);
  if (t.value() == 2) {
    r->kind = Reducer::Kind::kGf2;
    NTL::GF2X f;
    for (long i = 0; i <= deg; ++i) NTL::SetCoeff(f, i, static_cast<long>(r->phiModT[i]));
    NTL::build(r->gf2, f);
    NTL::GF2X shifted;
    NTL::LeftShift(shifted, f, static_cast<long>(m) - 1 - deg);
    const size_t words = (m + NTL_BITS_PER_LONG - 1) / NTL_BITS_PER_LONG;
    r->shiftedPhiWords.assign(words, 0);
    for (long w = 0; w < shifted.xrep.length(); ++w) r->shiftedPhiWords[w] = shifted.xrep[w];
  } else if (t.value() < static_cast<uint64_t>(NTL_SP_BOUND)) {
    r->kind = Reducer::Kind::kSmall;
    const NTL::zz_pPush push(static_cast<long>(t.value()));
    r->smallCtx.save();
    NTL::zz_pX f;
    for (long i = 0; i <= deg; ++i) NTL::SetCoeff(f, i, static_cast<long>(r->phiModT[i]));
    NTL::build(r->small, f);
  } else {
    r->kind = Reducer::Kind::kBig;
    const NTL::ZZ_pPush push(NTL::conv<NTL::ZZ>(t.value()));
    r->bigCtx.save();
    NTL::ZZ_pX f;
    for (long i = 0; i <= deg; ++i) {
      NTL::SetCoeff(f, i, NTL::conv<NTL::ZZ_p>(NTL::conv<NTL::ZZ>(r->phiModT[i])));
    }
    NTL::build(r->big, f);
  }
  return r;
}

const Reducer& reducerFor(uint64_t m, const Modulus& t) {
  static std::mutex mu;
  static std::map<std::pair<uint64_t, uint64_t>, std::unique_ptr<const Reducer>> cache;
  const std::lock_guard<std::mutex> lock(mu);  // built once per (m, t); cheap afterwards
  auto& slot = cache[{m, t.value()}];
  if (!slot) slot = buildReducer(m, t);
  return *slot;
}

void checkInput(uint64_t m, const Modulus& t, size_t size, std::span<const uint64_t> in) {
  checkM(m, kWho);
  const uint64_t n = eulerPhi(m);
  if (size != n) {
    throw std::invalid_argument(std::string(kWho) + ": got " + std::to_string(size) +
                                " coefficients, need phi(m) = " + std::to_string(n));
  }
  // One test at the end rather than a branch per (secret) coefficient.
  uint64_t bad = 0;
  for (uint64_t x : in) bad |= static_cast<uint64_t>(x >= t.value());
  if (bad != 0) {
    throw std::invalid_argument(
        std::string(kWho) + ": a coefficient is not reduced mod t = " + std::to_string(t.value()));
  }
}

// A as in the file comment, leading coefficient made 1 (degree exactly m - 1).
void unreducedFixedDegree(const Reducer& r, const Modulus& t, std::span<const uint64_t> in,
                          uint64_t* a) {
  const uint32_t* e = r.exps->data();
  std::fill_n(a, r.m, uint64_t{0});
  for (size_t J = 0; J < r.n; ++J) a[e[J]] = in[J];
  const uint64_t c = t.sub(1, a[r.m - 1]);
  uint64_t* top = a + (r.m - 1 - r.n);
  for (size_t j = 0; j <= r.n; ++j) top[j] = t.add(top[j], t.mul(c, r.phiModT[j]));
}

std::vector<uint64_t> reduceGf2(const Reducer& r, std::span<const uint64_t> in) {
  constexpr unsigned kBits = NTL_BITS_PER_LONG;
  const size_t words = r.shiftedPhiWords.size();
  NTL::GF2X a, rem;
  a.xrep.SetLength(static_cast<long>(words));
  _ntl_ulong* w = a.xrep.elts();
  std::fill_n(w, words, _ntl_ulong{0});
  const uint32_t* e = r.exps->data();
  for (size_t J = 0; J < r.n; ++J) {
    w[e[J] / kBits] |= static_cast<_ntl_ulong>(in[J] & 1) << (e[J] % kBits);
  }
  // + c X^(m-1-n) Phi_m with c = 1 - A_(m-1), by a mask instead of a branch.
  const _ntl_ulong c = ((w[(r.m - 1) / kBits] >> ((r.m - 1) % kBits)) & 1) ^ 1;
  const _ntl_ulong mask = _ntl_ulong{0} - c;
  for (size_t i = 0; i < words; ++i) w[i] ^= r.shiftedPhiWords[i] & mask;
  a.normalize();
  NTL::rem(rem, a, r.gf2);
  std::vector<uint64_t> out(r.n, 0);
  const long len = rem.xrep.length();
  const _ntl_ulong* rw = rem.xrep.elts();
  for (size_t j = 0; j < r.n; ++j) {
    const long wi = static_cast<long>(j / kBits);
    if (wi < len) out[j] = (rw[wi] >> (j % kBits)) & 1;
  }
  if (len > 0) OPENSSL_cleanse(rem.xrep.elts(), static_cast<size_t>(len) * sizeof(*rw));
  OPENSSL_cleanse(w, words * sizeof(*w));
  return out;
}

std::vector<uint64_t> reduceSmall(const Reducer& r, const Modulus& t,
                                  std::span<const uint64_t> in) {
  const NTL::zz_pPush push(r.smallCtx);
  NTL::zz_pX a, rem;
  a.rep.SetLength(static_cast<long>(r.m));
  std::vector<uint64_t> tmp(r.m);
  unreducedFixedDegree(r, t, in, tmp.data());
  for (size_t i = 0; i < r.m; ++i)
    a.rep[static_cast<long>(i)].LoopHole() = static_cast<long>(tmp[i]);
  OPENSSL_cleanse(tmp.data(), tmp.size() * sizeof(uint64_t));
  a.normalize();
  NTL::rem(rem, a, r.small);
  std::vector<uint64_t> out(r.n, 0);
  for (long j = 0; j <= NTL::deg(rem); ++j) out[j] = static_cast<uint64_t>(NTL::rep(rem.rep[j]));
  for (long i = 0; i < a.rep.length(); ++i) a.rep[i].LoopHole() = 0;
  for (long i = 0; i < rem.rep.length(); ++i) rem.rep[i].LoopHole() = 0;
  return out;
}

std::vector<uint64_t> reduceBig(const Reducer& r, const Modulus& t, std::span<const uint64_t> in) {
  const NTL::ZZ_pPush push(r.bigCtx);
  NTL::ZZ_pX a, rem;
  a.rep.SetLength(static_cast<long>(r.m));
  std::vector<uint64_t> tmp(r.m);
  unreducedFixedDegree(r, t, in, tmp.data());
  for (size_t i = 0; i < r.m; ++i) {
    a.rep[static_cast<long>(i)] = NTL::conv<NTL::ZZ_p>(NTL::conv<NTL::ZZ>(tmp[i]));
  }
  OPENSSL_cleanse(tmp.data(), tmp.size() * sizeof(uint64_t));
  a.normalize();
  NTL::rem(rem, a, r.big);
  std::vector<uint64_t> out(r.n, 0);
  for (long j = 0; j <= NTL::deg(rem); ++j) out[j] = NTL::conv<uint64_t>(NTL::rep(rem.rep[j]));
  for (long i = 0; i < a.rep.length(); ++i) NTL::clear(a.rep[i]);
  for (long i = 0; i < rem.rep.length(); ++i) NTL::clear(rem.rep[i]);
  return out;
}

}  // namespace

namespace detail {

const std::vector<uint32_t>& powerfulExponents(uint64_t m) {
  checkM(m, "hl::detail::powerfulExponents");
  static std::mutex mu;
  static std::map<uint64_t, std::unique_ptr<const std::vector<uint32_t>>> cache;
  const std::lock_guard<std::mutex> lock(mu);
  auto& slot = cache[m];
  if (!slot) slot = std::make_unique<const std::vector<uint32_t>>(buildExponents(m));
  return *slot;
}

std::vector<uint64_t> powerfulToPowerModUnreduced(uint64_t m, const Modulus& t,
                                                  std::span<const uint64_t> powerfulModT) {
  checkInput(m, t, powerfulModT.size(), powerfulModT);
  const std::vector<uint32_t>& e = powerfulExponents(m);
  std::vector<uint64_t> a(m, 0);
  for (size_t J = 0; J < e.size(); ++J) a[e[J]] = powerfulModT[J];
  return a;
}

}  // namespace detail

std::vector<uint64_t> powerfulToPowerMod(uint64_t m, const Modulus& t,
                                         std::span<const uint64_t> powerfulModT) {
  checkInput(m, t, powerfulModT.size(), powerfulModT);
  const Reducer& r = reducerFor(m, t);
  switch (r.kind) {
    case Reducer::Kind::kGf2:
      return reduceGf2(r, powerfulModT);
    case Reducer::Kind::kSmall:
      return reduceSmall(r, t, powerfulModT);
    case Reducer::Kind::kBig:
      break;
  }
  return reduceBig(r, t, powerfulModT);
}

}  // namespace hl
