#pragma once
// Hybrid key switching (GHS 2012, section 3.1.3 with digits as in Han-Ki 2020, section 3, and
// Kim-Polyakov-Zucca 2021, section 3): ModUp of every digit of c to Q_l P, inner product with
// the key, ModDown that keeps the plaintext mod t. Split in its steps so that several key
// switches of automorphic images of one element share the ModUp (hoisting: Halevi, Shoup,
// "Faster homomorphic linear transformations in HElib", CRYPTO 2018, section 5) and sums of
// them share the ModDown too (Bossuat, Mouchet, Troncoso-Pastoriza, Hubaux, EUROCRYPT 2021,
// section 3.4). Internal to the library.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "helib-like/bgv/context.h"
#include "helib-like/bgv/keys.h"
#include "helib-like/detail/compact_rows.h"
#include "helib-like/ring/double_crt.h"

namespace hl::detail {

class BaseConverter;

/// Adds to (out0, out1) (both over the ciphertext primes of c's level) a pair with
///     k0 + k1 s = c s' + t e  (mod Q_l),
/// where key switches s' to s, e small (bounded by noise::keySwitch). c is over the
/// ciphertext primes {0..l-1} of its level.
/// With overwrite1, out1 receives k1 instead of out1 + k1; then out1 may be the same object as
/// c (c is fully read before any output is written).
/// With a permutation perm (an automorphism's, Cyclotomic::automorphismPermutation), the
/// element switched is c permuted (value j of each row is c's value perm[j]) without c itself
/// being permuted: one gather instead of DoubleCRT::automorph's copy and gather.
/// With dropTop > 0, the result then goes through the first step of a modulus switch by the
/// dropTop top primes of the level (out0 and out1 lose them; out1 may still be c): the same
/// words as modulus switching afterwards (scaleDown by those primes), in the same pass as the
/// ModDown (modDownThenSwitch).
/// With extraAcc (laid out as modDown's acc, over Q_l P of c's level), extraAcc is added to the
/// inner products before the ModDown: one ModDown for this key switch and another sum already
/// in the extended basis (a giant step of automorphismSumGroups and the next group's terms),
/// with one rounding term instead of two.
void keySwitch(const Context& ctx, const DoubleCRT& c, const KeySwitchKey& key, DoubleCRT& out0,
               DoubleCRT& out1, bool overwrite1 = false, std::span<const uint32_t> perm = {},
               size_t dropTop = 0, const uint64_t* extraAcc = nullptr);

/// Step 1 and the first half of step 2 of key switching (doc/bgv.md section 4): c (over the
/// primes of its level l, optionally read through a permutation as in keySwitch) in the
/// chain's working basis, and for each digit j present at level l the centred base-conversion
/// digits of [c]_{D_j}. row() then gives the digit's extension d_j (= c mod D_j, |d_j| <=
/// k_j D_j / 2) modulo any prime of Q_l P in evaluation form. Uses the calling thread's
/// key-switching scratch buffers: at most one object per thread at a time, and c must outlive
/// it.
class ModUp {
 public:
  ModUp(const Context& ctx, const DoubleCRT& c, std::span<const uint32_t> perm = {});

  size_t level() const { return level_; }
  /// Q_l P: the ciphertext primes of the level, then the special primes.
  const IndexSet& extendedPrimes() const { return all_; }
  /// Number of digits present at the level, and the key index of the g-th of them.
  size_t digitCount() const { return digits_.size(); }
  size_t keyIndex(size_t g) const { return digits_[g].keyIndex; }
  /// Whether the chain prime p is one of digit g's primes (where d_g = c).
  bool ownPrime(size_t g, size_t p) const { return digits_[g].primes.contains(p); }
  /// The evaluation row of d_g modulo the chain prime p of Q_l P: c's own (permuted) row when
  /// p is one of the digit's primes, otherwise computed into `scratch` (n words), which is
  /// returned. Thread-safe for distinct scratch rows.
  const uint64_t* row(size_t g, size_t p, uint64_t* scratch) const;

 private:
  struct Digit {
    IndexSet primes;
    const BaseConverter* conv;
    size_t keyIndex;
    uint64_t* u;
    uint8_t* negatives;
  };
  const uint64_t* ownRow(size_t p) const;

  const Context& ctx_;
  const DoubleCRT& c_;
  size_t n_, level_;
  IndexSet all_;
  std::vector<Digit> digits_;
  uint64_t* permuted_ = nullptr;
};

/// Step 4: ModDown of the accumulators acc (2 * |Q_l P| rows of n: part 0 then part 1, each in
/// the order of extendedPrimes(); clobbered) into out0 and out1 (over the level's primes): the
/// result is added to out0, and to out1 unless overwrite1.
/// With dropTop > 0, followed by the first step of a modulus switch by the dropTop top primes
/// of the level, fused (modDownThenSwitch): out0 and out1 lose those primes.
void modDown(const Context& ctx, size_t level, uint64_t* acc, DoubleCRT& out0, DoubleCRT& out1,
             bool overwrite1, size_t dropTop = 0);

/// The extended digits d_j of an element c over Q_l P in evaluation form, computed once and
/// kept (hoisting, Halevi-Shoup 2018, section 5). An automorphism sigma permutes evaluation
/// values identically modulo every prime, and sigma(d_j) = sigma(c) (mod D_j) with
/// ||sigma(d_j)|| = ||d_j||, so the permuted rows serve as the ModUp of sigma(c): with the key
/// for s(X^k) -> s they key-switch sigma_k(c) with the noise of noise::keySwitch.
class HoistedModUp {
 public:
  /// c over the primes of its level; c must outlive the object. Costs one key switch's ModUp
  /// (l inverse transforms, sum_j (l + K - k_j) forward ones); holds about
  /// (digits - 1) (l + K) n words.
  HoistedModUp(const Context& ctx, const DoubleCRT& c);
  ~HoistedModUp();
  HoistedModUp(const HoistedModUp&) = delete;
  HoistedModUp& operator=(const HoistedModUp&) = delete;

  size_t level() const { return level_; }
  const IndexSet& extendedPrimes() const { return all_; }

  /// One term of innerProducts: the key for s(X^k) -> s, the automorphism's permutation
  /// (Cyclotomic::automorphismPermutation(k)) and an optional constant over (at least) the
  /// primes of Q_l P (nullptr: 1).
  struct Term {
    const KeySwitchKey* key;
    std::span<const uint32_t> perm;
    const CompactRows* constant;  // element 0; nullptr: 1
  };
  /// acc (laid out as for modDown) = sum over the terms of constant * sum_j sigma(d_j) *
  /// (b_j, a_j): the inner products of step 3 for the automorphic images, multiplied and
  /// summed over Q_l P (double hoisting: Bossuat et al., EUROCRYPT 2021, Algorithm 6). At
  /// least one term.
  void innerProducts(std::span<const Term> terms, uint64_t* acc) const;

  /// Several sums over the same automorphic images (the baby steps of a baby-step giant-step
  /// sum): accs[g] (laid out as for modDown) = sum over group g's terms of constant *
  /// sum_j sigma_b(d_j) * (b_j, a_j), sigma_b and the key those of baby b. Each baby's inner
  /// product with its key, D_b = sum_j sigma_b(d_j) * (b_j, a_j), is computed once per block
  /// of evaluation points, and each group's sum is then a dot product of its constants with
  /// those (beta times fewer products per term than multiplying the digits; the same
  /// residues). Every group has at least one term; every baby has a key and a permutation
  /// (not the identity).
  struct Baby {
    const KeySwitchKey* key;
    std::span<const uint32_t> perm;
  };
  struct GroupTerm {
    size_t baby;
    const CompactRows* constant;  // element 0; nullptr: 1
  };
  /// With c0 (the other part of the ciphertext whose c1 this object extended, over the level's
  /// primes), part 0 of each accumulator also receives P sum over its terms of constant *
  /// sigma_b(c0) on the ciphertext primes: after the ModDown, which divides P y exactly, that
  /// is the terms' unswitched part sum constant * sigma_b(c0), added in the same pass (one
  /// gather per baby instead of a gather, a product and a sum per term).
  void innerProductsGrouped(std::span<const Baby> babies,
                            std::span<const std::vector<GroupTerm>> groups,
                            std::span<uint64_t* const> accs, const DoubleCRT* c0 = nullptr) const;

 private:
  const Context& ctx_;
  size_t n_, level_;
  IndexSet all_;
  std::vector<size_t> keyIndex_;
  std::vector<const uint64_t*> rows_;  // rows_[g * |all| + idx]: d_g mod all_[idx]
  uint64_t* storage_ = nullptr;
  size_t storageWords_ = 0;
};

}  // namespace hl::detail
