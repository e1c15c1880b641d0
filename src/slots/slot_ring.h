#pragma once
// The algebra behind the slots (internal to the library): Phi_m = prod_s F_s mod t = p^r, one
// factor per slot of the hypercube, and the maps between R_t = Z_t[X]/Phi_m and the vector of
// slot values. See doc/slots.md.
//
// Slot values live in E = Z_t[Y]/F(Y), F = F_0 the factor of slot 0 (representative 1), whose
// root Y is a primitive m-th root of unity zeta. The value of a in R_t in the slot of
// representative u is a(zeta^u) in E; the factor of that slot is F_s(X) = prod_j (X - zeta^(u
// p^j)), the minimal polynomial of zeta^u. Then X -> X^k moves the value of slot u*k to slot u, and
// X -> X^p applies Frobenius in every slot (Gentry, Halevi, Smart, "Fully homomorphic encryption
// with polylog overhead", EUROCRYPT 2012, section 3; Halevi, Shoup, "Algorithms in HElib", CRYPTO
// 2014, section 2.3).
//
// Conversions run through a product tree of the F_s (A. Borodin, R. Moenck, "Fast modular
// transforms", JCSS 8, 1974; J. von zur Gathen, J. Gerhard, "Modern Computer Algebra", sections
// 10.1-10.3): decoding is a remainder tree down to a mod F_s, then a d x d matrix per slot to
// a(zeta^u); encoding is a d x d matrix per slot then the tree of the Chinese remainder theorem
// upwards. NTL does the polynomial arithmetic (GF2X when t = 2, zz_pX otherwise).
//
// Where every slot is an integer mod t (d = 1) and m is a power of two, Phi_m = X^n + 1 and the
// slot values a(zeta^u), u odd, are a negacyclic number-theoretic transform mod t with
// psi = zeta: decode and encode then take one transform (n log n products) instead of the tree
// (about 40x faster at m = 16384, t = 65537), with the same results.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "helib-like/bgv/context.h"
#include "helib-like/math/modulus.h"
#include "helib-like/ring/hypercube.h"

namespace hl::detail {

class SlotRing {
 public:
  /// The slot ring of ctx, built on first use and cached in the context.
  static std::shared_ptr<const SlotRing> of(const Context& ctx);

  explicit SlotRing(const Context& ctx);
  ~SlotRing();
  SlotRing(const SlotRing&) = delete;
  SlotRing& operator=(const SlotRing&) = delete;

  const Hypercube& hypercube() const { return *cube_; }
  size_t degree() const { return d_; }
  size_t slots() const { return ell_; }
  size_t ringDegree() const { return n_; }
  uint64_t p() const { return p_; }
  unsigned r() const { return r_; }
  const Modulus& t() const { return t_; }
  /// F = F_0: monic, d + 1 coefficients mod t, constant first.
  const std::vector<uint64_t>& slotPolynomial() const { return f_; }
  /// The factor of slot s (monic, d + 1 coefficients).
  std::vector<uint64_t> factor(size_t s) const;

  /// coeffs (phi(m) values mod t, power basis) -> values (ell rows of d coefficients in E).
  void decode(std::span<const uint64_t> coeffs, std::span<uint64_t> values) const;
  /// The inverse of decode.
  void encode(std::span<const uint64_t> values, std::span<uint64_t> coeffs) const;

  // Arithmetic in E (d coefficients each, reduced mod t). out may alias the inputs.
  void mul(const uint64_t* a, const uint64_t* b, uint64_t* out) const;
  /// out = a^(p^j) (Frobenius j times), any j >= 0.
  void frobenius(const uint64_t* a, size_t j, uint64_t* out) const;

  /// For r = 1 and G irreducible over GF(p) of degree k dividing d (k + 1 coefficients, monic,
  /// constant first): a root rho of G in E, as the d x k matrix whose column i is rho^i
  /// (row-major, d rows). Throws std::invalid_argument if G has no root in E.
  std::vector<uint64_t> embedding(std::span<const uint64_t> g) const;

  struct Tree;  // the product tree (public so that the implementation's templates can derive)

 private:
  const Hypercube* cube_;
  uint64_t m_, p_;
  unsigned r_;
  Modulus t_;
  size_t n_, d_, ell_;
  std::vector<uint64_t> f_;
  std::vector<uint64_t> factors_;   // ell rows of d + 1 coefficients
  std::vector<uint64_t> frob_;      // d x d: column i is Y^(p i) in E
  std::vector<uint64_t> toSlot_;    // ell matrices d x d: b mod F_s -> value in E
  std::vector<uint64_t> fromSlot_;  // ell matrices d x d: value in E -> (b * c_s^-1) mod F_s
  // For t = 2 and d <= 64: the same matrices as d columns of d bits each (products are XORs).
  std::vector<uint64_t> toSlotBits_, fromSlotBits_;
  std::unique_ptr<Tree> tree_;
  // The negacyclic transform of the d = 1, power-of-two case (empty otherwise): powers of
  // psi = zeta and of psi^-1 in bit-reversed order with their Shoup constants, n^-1 mod t, and
  // for each slot the position of its value in the transform's (bit-reversed) output.
  std::vector<uint64_t> psiBr_, psiBrShoup_, psiInvBr_, psiInvBrShoup_;
  uint64_t nInv_ = 0;
  std::vector<uint32_t> slotPos_;
  void buildNegacyclic();
};

}  // namespace hl::detail
