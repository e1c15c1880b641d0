#include "helib-like/detail/ntl_interop.h"

#include <stdexcept>
#include <string>

namespace hl::detail {

NTL::ZZX toZZX(const DoubleCRT& a) {
  const auto residues = a.toResidues();
  const IndexSet& primes = a.primes();
  NTL::ZZ Q(1);
  for (size_t i : primes) Q *= NTL::conv<NTL::ZZ>(a.chain().modulus(i).value());
  const NTL::ZZ halfQ = Q / 2;
  // CRT basis e_k = (Q/q_k) * ((Q/q_k)^-1 mod q_k).
  std::vector<NTL::ZZ> basis;
  for (size_t k = 0; k < primes.size(); ++k) {
    const NTL::ZZ qk = NTL::conv<NTL::ZZ>(a.chain().modulus(primes[k]).value());
    const NTL::ZZ rest = Q / qk;
    basis.push_back(rest * NTL::InvMod(rest % qk, qk));
  }
  NTL::ZZX out;
  for (size_t j = 0; j < a.ringSize(); ++j) {
    NTL::ZZ x(0);
    for (size_t k = 0; k < primes.size(); ++k) x += basis[k] * NTL::conv<NTL::ZZ>(residues[k][j]);
    x %= Q;
    if (x > halfQ) x -= Q;
    NTL::SetCoeff(out, static_cast<long>(j), x);
  }
  return out;
}

DoubleCRT fromZZX(std::shared_ptr<const ModulusChain> chain, IndexSet primes, const NTL::ZZX& a) {
  if (!chain) throw std::invalid_argument("hl::detail::fromZZX: no modulus chain given");
  const size_t n = chain->ring().phi();
  if (NTL::deg(a) >= static_cast<long>(n)) {
    throw std::invalid_argument("hl::detail::fromZZX: degree " + std::to_string(NTL::deg(a)) +
                                " >= phi(m) = " + std::to_string(n));
  }
  std::vector<std::vector<uint64_t>> residues;
  for (size_t i : primes) {
    if (i >= chain->size()) break;  // reported by the DoubleCRT constructor
    const NTL::ZZ q = NTL::conv<NTL::ZZ>(chain->modulus(i).value());
    std::vector<uint64_t> r(n, 0);
    for (long j = 0; j <= NTL::deg(a); ++j) r[j] = NTL::conv<unsigned long>(NTL::coeff(a, j) % q);
    residues.push_back(std::move(r));
  }
  return DoubleCRT::fromResidues(std::move(chain), std::move(primes), residues);
}

}  // namespace hl::detail
