#pragma once
// The slot structure of Z[X]/Phi_m(X) modulo a prime p: the quotient group Z_m^*/<p> written as
// a hypercube of generators (Gentry, Halevi, Smart, "Fully homomorphic encryption with polylog
// overhead", EUROCRYPT 2012, section 3, and "Homomorphic evaluation of the AES circuit",
// CRYPTO 2012, section 2.4; Halevi, Shoup, "Algorithms in HElib", CRYPTO 2014, section 2).
// Pure group theory on Z_m^*: no modulus, no polynomial. See doc/slots.md.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace hl {

/// Z_m^*/<p> as a hypercube. Phi_m factors mod p into ell = phi(m)/d irreducible factors of
/// degree d = ord_m(p); the slots are indexed by the cosets of <p> in Z_m^*. With generators
/// g_1, ..., g_k and orders n_1, ..., n_k (n_i the order of g_i in Z_m^* / <p, g_1, ..., g_{i-1}>),
/// every coset holds exactly one representative
///     t(e) = g_1^e_1 * ... * g_k^e_k mod m,   0 <= e_i < n_i,
/// and slot number s = e_1 (n_2 ... n_k) + ... + e_{k-1} n_k + e_k (row-major, the first
/// dimension slowest) is the slot of t(e). Dimension i is good when g_i^n_i = 1 (mod m): a
/// rotation along it is one automorphism. Otherwise it is bad and a rotation needs two
/// automorphisms and masks.
///
/// Immutable; cheap to copy (a few vectors of phi(m)/d entries).
class Hypercube {
 public:
  /// The hypercube of Z_m^*/<p>. Given generators come first, in the given order; the
  /// remaining dimensions (all of them when none are given) are chosen automatically: each
  /// g_i of the largest order in the quotient by the previous ones, a good one among those
  /// where possible. So {g} with g of order 16 asks for a 16-long first dimension and lets the
  /// library complete the cube. Throws std::invalid_argument if m < 2 or m > 2^24, if p
  /// divides m or p < 2, if a generator is not a unit mod m, or if one is redundant (order 1
  /// in the quotient by p and the generators before it).
  Hypercube(uint64_t m, uint64_t p, std::span<const uint64_t> generators = {});

  uint64_t m() const { return m_; }
  uint64_t p() const { return p_; }
  /// d = ord_m(p): the degree of every slot.
  size_t degree() const { return d_; }
  /// ell = phi(m)/d: the number of slots.
  size_t size() const { return reps_.size(); }
  /// Number of dimensions k (0 when there is one slot).
  size_t dimensions() const { return gens_.size(); }
  uint64_t generator(size_t i) const { return gens_.at(i); }
  /// n_i, the length of dimension i.
  size_t dimensionSize(size_t i) const { return sizes_.at(i); }
  /// Whether g_i^(n_i) = 1 mod m.
  bool isGood(size_t i) const { return good_.at(i) != 0; }
  /// The stride of dimension i in the slot numbering: n_{i+1} ... n_k.
  size_t stride(size_t i) const { return strides_.at(i); }
  /// Coordinate e_i of slot s. Throws std::out_of_range for s >= size() or i >= dimensions().
  size_t coordinate(size_t s, size_t i) const;

  /// The representative t of slot s (in Z_m^*). Throws std::out_of_range for s >= size().
  uint64_t representative(size_t s) const { return reps_.at(s); }
  const std::vector<uint64_t>& representatives() const { return reps_; }
  /// The slot of the unit u and the j with u = t * p^j mod m, t the slot's representative.
  /// Throws std::invalid_argument if u is not a unit mod m.
  struct Position {
    size_t slot;
    size_t frobenius;
  };
  Position locate(uint64_t u) const;

  /// g_i^e mod m for any integer e (negative allowed). Throws std::out_of_range for a bad i.
  uint64_t power(size_t i, int64_t e) const;

 private:
  uint64_t m_, p_;
  size_t d_ = 1;
  std::vector<uint64_t> gens_;
  std::vector<size_t> sizes_, strides_;
  std::vector<uint8_t> good_;
  std::vector<uint64_t> reps_;
  std::vector<int32_t> position_;  // unit u = t_s p^j -> s * d + j; -1 for non-units
};

}  // namespace hl
