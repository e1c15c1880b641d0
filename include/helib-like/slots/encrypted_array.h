#pragma once
// SIMD slots: a plaintext of R_t = Z_t[X]/Phi_m(X), t = p^r, is a vector of ell slot values,
// and a ciphertext an encrypted one (Smart, Vercauteren, "Fully homomorphic SIMD operations",
// DCC 2014; Gentry, Halevi, Smart, "Fully homomorphic encryption with polylog overhead",
// EUROCRYPT 2012; Halevi, Shoup, "Algorithms in HElib", CRYPTO 2014). hl::SlotVector is the
// plain vector and hl::EncryptedArray does the same operations on ciphertexts, so that a
// computation and its plain model are the same code. See doc/slots.md.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "helib-like/bgv/ciphertext.h"
#include "helib-like/bgv/context.h"
#include "helib-like/bgv/keys.h"
#include "helib-like/bgv/plaintext.h"
#include "helib-like/bgv/prepared_plaintext.h"
#include "helib-like/ring/hypercube.h"

namespace hl {

namespace detail {
struct ArrayImpl;
}

class EncryptedArray;
class SlotLinearMap;
class SlotPermutation;
class SlotRotationSum;

/// A vector of ell slot values (ell = the number of slots of the context). Each value is an
/// element of the representation its EncryptedArray chose: valueDegree() coefficients mod t,
/// constant first (a polynomial in Z of degree < valueDegree(), reduced mod the field
/// polynomial G(Z); one coefficient: an integer mod t). Slots are numbered as in hl::Hypercube.
///
/// The data-movement and arithmetic methods are the plain model of the EncryptedArray methods
/// of the same names: both give the same slot values.
class SlotVector {
 public:
  /// ell values, valueDegree() coefficients each.
  size_t size() const;
  size_t valueDegree() const;
  /// The coefficients of slot i (std::out_of_range for i >= size()). Writers must keep them
  /// below t.
  std::span<const uint64_t> operator[](size_t i) const;
  std::span<uint64_t> operator[](size_t i);
  /// Slot i as an integer: its constant coefficient. Throws std::domain_error if the value has
  /// other nonzero coefficients.
  uint64_t integer(size_t i) const;
  /// All slots as integers (same exception).
  std::vector<uint64_t> integers() const;
  /// All coefficients, slot after slot.
  const std::vector<uint64_t>& data() const { return data_; }

  SlotVector& operator+=(const SlotVector& o);
  SlotVector& operator-=(const SlotVector& o);
  /// Slot-wise product in GF(p)[Z]/G(Z) (or Z_t for integers).
  SlotVector& operator*=(const SlotVector& o);
  friend SlotVector operator+(SlotVector a, const SlotVector& b) { return a += b; }
  friend SlotVector operator-(SlotVector a, const SlotVector& b) { return a -= b; }
  friend SlotVector operator*(SlotVector a, const SlotVector& b) { return a *= b; }
  bool operator==(const SlotVector& o) const { return data_ == o.data_; }

  /// Slot s receives the value of slot s - k (cyclically, in the slot numbering).
  SlotVector& rotate(int64_t k);
  /// The same along dimension dim only (the other coordinates stay).
  SlotVector& rotate(size_t dim, int64_t k);
  /// Like rotate, with zeros entering instead of the values that wrap around.
  SlotVector& shift(int64_t k);
  SlotVector& shift(size_t dim, int64_t k);
  /// Every slot receives the sum of all slots.
  SlotVector& totalSums();
  /// Slot s receives the sum of slots 0..s.
  SlotVector& runningSums();
  /// Every slot receives the value of slot s.
  SlotVector& replicate(size_t s);
  /// Frobenius j times in every slot: x -> x^(p^j).
  SlotVector& frobenius(size_t j);
  /// The linear map in every slot.
  SlotVector& apply(const SlotLinearMap& map);
  /// Slot s receives the value of slot perm[s]. Throws std::invalid_argument unless perm is a
  /// permutation of 0..size()-1.
  SlotVector& permute(std::span<const size_t> perm);

 private:
  friend class EncryptedArray;
  friend class SlotRotationSum;
  SlotVector(std::shared_ptr<const detail::ArrayImpl> impl, std::vector<uint64_t> data)
      : impl_(std::move(impl)), data_(std::move(data)) {}
  void check(const SlotVector& o, const char* op) const;

  std::shared_ptr<const detail::ArrayImpl> impl_;
  std::vector<uint64_t> data_;
};

/// A GF(p)-linear map on slot values (the same in every slot), given by its matrix on the
/// coefficient vectors: y = M x, M of valueDegree() x valueDegree() entries mod p, row-major.
/// Encrypted, it is evaluated as sum_j c_j * Frob^j(x) with constants c_j (the linearized
/// polynomial of the map; Lidl, Niederreiter, "Finite fields", section 3.4), which is how the
/// affine map of the AES S-box is computed (Gentry, Halevi, Smart, CRYPTO 2012, section 4.2).
class SlotLinearMap {
 public:
  /// Throws std::invalid_argument if matrix has the wrong size or an entry >= p, or if the
  /// array's slot values are not a field (r > 1 and more than one coefficient).
  SlotLinearMap(const EncryptedArray& array, std::vector<uint64_t> matrix);
  const std::vector<uint64_t>& matrix() const { return matrix_; }
  /// The constants c_j (j < valueDegree()) of the linearized polynomial, as slot values.
  const std::vector<std::vector<uint64_t>>& coefficients() const { return gamma_; }
  /// The baby steps b of the baby-step giant-step form: sum_j c_j Frob^j(x) =
  /// sum_a Frob^(ab)( sum_{i<b} Frob^(-ab)(c_(ab+i)) Frob^i(x) ), with b the one that makes
  /// (b - 1) + (ceil(k / b) - 1) least, which balances baby and giant steps (valueDegree() = 8:
  /// b = 4, keys Frob^1..4 instead of Frob^1..7).
  size_t babySteps() const { return babySteps_; }
  /// The Frobenius exponents (EncryptedArray::frobeniusExponent) whose keys make
  /// EncryptedArray::apply use the baby-step giant-step form: Frob^1..b-1 and Frob^b (the
  /// giant steps Frob^2b, ... by Horner's rule, Ciphertext::automorphismSumGroups).
  std::vector<uint64_t> keyExponents() const;
  /// Prepares now the constants that only the baby-step giant-step form uses (otherwise
  /// prepared on its first use), for a set-up phase ahead of timed work.
  void prepareBabyStepGiantStep() const;

 private:
  friend class SlotVector;
  friend class EncryptedArray;
  // Frob^(-ab)(c_j) (a = j / b) in every slot for j >= b, prepared on first use.
  const PreparedPlaintext& giantConstant(size_t j) const;
  // c_j in every slot (prepared on first use for j >= b).
  const PreparedPlaintext& flatConstant(size_t j) const;
  std::shared_ptr<const PreparedPlaintext> prepareConstant(const std::vector<uint64_t>& c) const;

  std::shared_ptr<const detail::ArrayImpl> impl_;
  std::vector<uint64_t> matrix_;
  std::vector<std::vector<uint64_t>> gamma_;
  std::vector<std::shared_ptr<const PreparedPlaintext>> encoded_;  // gamma_j, j < b (else null)
  size_t babySteps_ = 1;
  struct GiantCache;
  std::shared_ptr<GiantCache> giant_;
};

/// A linear map along one dimension in diagonal form: y = sum_k C_k * rot_dim(x, k), the C_k
/// plain vectors (slot-wise constants) and rot_dim the rotation along dimension `dim` (Halevi,
/// Shoup, "Algorithms in HElib", CRYPTO 2014, section 4: the diagonal method; one hoisted
/// Ciphertext::automorphismSum when every key is present). In a bad dimension each rotation
/// is split into its two automorphisms with the constants masked accordingly. Permutations
/// within the lines of a dimension (C_k 0/1 masks) and the ShiftRows-MixColumns layer of AES
/// (C_k in GF(2^8)) are of this form. The constants are encoded and prepared once here.
class SlotRotationSum {
 public:
  /// terms: (k, C_k) pairs, k taken mod the dimension's size (equal k are added). Throws
  /// std::out_of_range for a bad dimension index and std::invalid_argument for a vector of
  /// another array.
  ///
  /// babySteps b > 0 prepares the baby-step giant-step form instead (Halevi, Shoup, CRYPTO
  /// 2018, section 4): each k = g + i with g a multiple of b and i < b, and
  /// y = sum_g rot(sum_i rot(-g)(C_(g+i)) rot(x, i), g): keys for the rotations by 1..b-1 and
  /// by the multiples of b that occur (AES MixColumns, 13 rotation amounts with b = 5: the
  /// rotations by 1..5 and 10, 6 keys instead of 12), one hoisted sum for every baby step
  /// (Ciphertext::automorphismSumGroups) and a key switch per giant step. Only in a good
  /// dimension (std::invalid_argument otherwise, or if b exceeds its size); apply() then
  /// needs exactly these keys.
  SlotRotationSum(const EncryptedArray& array, size_t dim,
                  const std::vector<std::pair<int64_t, SlotVector>>& terms, size_t babySteps = 0);
  size_t dimension() const { return dim_; }
  /// 0 for the flat form, else b.
  size_t babySteps() const { return babySteps_; }
  /// The automorphism exponents the evaluation needs (without 1): the rotations of the terms,
  /// or those of the baby and giant steps.
  std::vector<uint64_t> keyExponents() const;
  /// The plain model: the same map on a plain vector.
  SlotVector apply(const SlotVector& x) const;

 private:
  friend class EncryptedArray;
  std::shared_ptr<const detail::ArrayImpl> impl_;
  size_t dim_;
  std::vector<std::pair<int64_t, SlotVector>> terms_;  // normalised k, C_k
  std::vector<uint64_t> exponents_;
  std::vector<std::shared_ptr<const PreparedPlaintext>> consts_;
  // The baby-step giant-step form (babySteps_ > 0): the baby exponents (rotations by 0..b-1)
  // and per giant step g its exponent, its terms' baby indices and constants rot(-g)(C_k).
  size_t babySteps_ = 0;
  std::vector<uint64_t> babyExponents_;
  struct Giant {
    uint64_t exponent;
    std::vector<size_t> babies;
    std::vector<std::shared_ptr<const PreparedPlaintext>> consts;
  };
  std::vector<Giant> giants_;
};

/// A permutation of the slots (slot s receives slot perm[s]) routed through the hypercube as a
/// Clos network (C. Clos, "A study of non-blocking switching networks", Bell System Technical
/// Journal 32, 1953; the rearrangeable case by Koenig's edge-colouring theorem, as in V. Benes,
/// "Mathematical theory of connecting networks", 1965): with dimensions 0..k-1, a
/// permutation is a permutation within every line of dimension 0, then a permutation of the
/// remaining dimensions within every layer (recursively), then again within every line of
/// dimension 0: at most 2k - 1 one-dimensional phases (5 for the 16 x 12 x 10 AES hypercube).
/// A phase along dimension i is a masked sum of the rotations by 0..n_i-1 of that dimension
/// (rotations and masks). The routing and the masks are computed once here, so that a
/// permutation applied many times costs only its automorphisms and mask products.
class SlotPermutation {
 public:
  /// Throws std::invalid_argument unless perm is a permutation of 0..array.size()-1.
  SlotPermutation(const EncryptedArray& array, std::vector<size_t> perm);
  const std::vector<size_t>& permutation() const { return perm_; }
  /// The number of one-dimensional phases after dropping those that move nothing.
  size_t phases() const { return phases_.size(); }
  /// The automorphism exponents of every rotation the phases use: with keys for all of them,
  /// each phase is one hoisted Ciphertext::automorphismSum.
  std::vector<uint64_t> keyExponents() const;

  /// The phases, in the order they are applied.
  const std::vector<SlotRotationSum>& phaseMaps() const { return phases_; }

 private:
  friend class EncryptedArray;
  std::shared_ptr<const detail::ArrayImpl> impl_;
  std::vector<size_t> perm_;
  std::vector<SlotRotationSum> phases_;
};

/// The slots of a context with a chosen representation of their values, and the slot
/// operations on ciphertexts. Immutable and cheap to copy (shared state); safe to use from
/// several threads. The slot tables of the context (factorisation of Phi_m mod p^r, product
/// tree) are built on the first EncryptedArray of the context and kept in it.
///
/// Keys: rotations and Frobenius maps are automorphisms X -> X^k and need key-switching keys
/// (EvaluationKeys). defaultKeyExponents() lists a set that reaches every rotation: per
/// dimension the rotations by powers of two (and their wrap-around partners in a bad
/// dimension), and the Frobenius map. An operation whose automorphism has no key composes it
/// from the keys present (fewest key switches; each costs about one automorphism), and throws
/// std::invalid_argument naming the exponent when the keys present cannot produce it.
///
/// Errors, for every method that takes them: std::invalid_argument for a ciphertext, vector,
/// map or permutation of another context or representation and for missing keys;
/// std::out_of_range for a dimension or slot index out of range; hl::CapacityError (from the
/// BGV layer) when an operation would leave no capacity. A method that throws leaves the
/// ciphertext as it was (multi-step operations work on a copy and move it into place at the
/// end). Masks and constants are multiplied in evaluation form
/// (hl::PreparedPlaintext), with their canonical-embedding norm in the noise bound; the masks
/// of rotations and shifts are cached (at most 32, 8.8 MB each at m = 53261).
class EncryptedArray {
 public:
  /// Slots holding integers mod t = p^r. Throws std::invalid_argument if ctx is null.
  explicit EncryptedArray(std::shared_ptr<const Context> ctx);
  /// Slots holding elements of GF(p)[Z]/G(Z), G given by its coefficients (constant first,
  /// monic, irreducible mod p, of a degree dividing the slot degree d): the values are mapped
  /// into every slot through one root of G (the same in every slot, so that rotations and
  /// Frobenius commute with the encoding). For AES: G = Z^8 + Z^4 + Z^3 + Z + 1 =
  /// {1, 1, 0, 1, 1, 0, 0, 0, 1} in slots of GF(2^24). Throws std::invalid_argument if G is
  /// not monic, not irreducible, of a degree not dividing d, or if r > 1 and deg G > 1.
  EncryptedArray(std::shared_ptr<const Context> ctx, std::vector<uint64_t> fieldPolynomial);
  /// Slots holding whole elements of the slot ring Z_t[Y]/F(Y) (F = slotPolynomial(), degree d).
  static EncryptedArray native(std::shared_ptr<const Context> ctx);

  const Context& context() const;
  const std::shared_ptr<const Context>& contextPtr() const;
  const Hypercube& hypercube() const;
  /// ell, the number of slots.
  size_t size() const;
  /// The number of coefficients of a slot value (deg G).
  size_t valueDegree() const;
  /// G (valueDegree() + 1 coefficients).
  const std::vector<uint64_t>& fieldPolynomial() const;
  /// F, the polynomial of the slot ring Z_t[Y]/F(Y) (d + 1 coefficients mod t).
  const std::vector<uint64_t>& slotPolynomial() const;

  // Plain vectors.
  SlotVector zeros() const;
  /// Slot i holds values[i] mod t (negative values taken mod t). Throws std::invalid_argument
  /// if there are more than size() values; missing ones are zero.
  SlotVector fromIntegers(std::span<const int64_t> values) const;
  /// Slot i holds the polynomial values[i] (at most valueDegree() coefficients, constant
  /// first, each reduced mod t). Throws std::invalid_argument on too many values or
  /// coefficients.
  SlotVector fromValues(const std::vector<std::vector<int64_t>>& values) const;
  /// Every slot holds `value`.
  SlotVector constant(std::span<const uint64_t> value) const;
  /// A vector of uniformly random values (std::mt19937_64-style generator).
  template <class Rng>
  SlotVector random(Rng& rng) const {
    SlotVector v = zeros();
    for (uint64_t& x : v.data_) x = static_cast<uint64_t>(rng()) % modulusOfValues();
    return v;
  }

  /// The plaintext whose slots hold v. Throws std::invalid_argument if v belongs to another
  /// array.
  Plaintext encode(const SlotVector& v) const;
  /// The slot values of pt. Throws std::invalid_argument if pt belongs to another context and
  /// std::domain_error if a slot holds a value outside the representation (an element of
  /// GF(p^d) that is not in the subfield GF(p)[Z]/G(Z)).
  SlotVector decode(const Plaintext& pt) const;
  Ciphertext encrypt(const PublicKey& pk, const SlotVector& v) const;
  Ciphertext encrypt(const SecretKey& sk, const SlotVector& v) const;
  SlotVector decrypt(const SecretKey& sk, const Ciphertext& ct) const;

  // Keys.
  /// The automorphism exponents k (of X -> X^k) of a rotation by `amount` along `dim`: one for
  /// a good dimension, two for a bad one (none for amount 0 mod n_dim). Throws std::out_of_range
  /// for a bad dimension index.
  std::vector<uint64_t> rotationExponents(size_t dim, int64_t amount) const;
  /// The exponent p^j mod m of Frobenius j times.
  uint64_t frobeniusExponent(size_t j) const;
  /// Rotations by every power of two below n_i along every dimension i, and Frobenius once:
  /// enough to compose any rotation, shift, sum or linear map.
  std::vector<uint64_t> defaultKeyExponents() const;
  /// Adds to `keys` a key for each exponent that it does not hold yet.
  void addKeys(EvaluationKeys& keys, const SecretKey& sk,
               std::span<const uint64_t> exponents) const;
  /// Bytes of memory one key-switching key takes in this context.
  size_t keyBytes() const;

  // Arithmetic with plain vectors.
  void add(Ciphertext& ct, const SlotVector& v) const;
  void multiply(Ciphertext& ct, const SlotVector& v) const;

  // Data movement on ciphertexts: the same results as SlotVector's methods of the same name.
  void rotate(Ciphertext& ct, int64_t k, const EvaluationKeys& keys) const;
  void rotate(Ciphertext& ct, size_t dim, int64_t k, const EvaluationKeys& keys) const;
  void shift(Ciphertext& ct, int64_t k, const EvaluationKeys& keys) const;
  void shift(Ciphertext& ct, size_t dim, int64_t k, const EvaluationKeys& keys) const;
  /// Every slot receives the sum of all slots. Per dimension, whichever the keys allow, best
  /// first: one hoisted sum of all n rotations (keys for every rotation); in a good dimension,
  /// hoisted sums of radix r stages (n = r_0 r_1 ..., each stage one ModUp and one ModDown for
  /// r - 1 rotations: keys from totalSumsKeyExponents(r), r = 16, 8 or 4); else S_n from the
  /// bits of n, one key switch per step (keys for rotations by 1 and the powers of two).
  void totalSums(Ciphertext& ct, const EvaluationKeys& keys) const;
  /// The rotation keys of totalSums' radix-r stages in the good dimensions and of its
  /// bit-by-bit steps in the others (2 <= radix <= 64; std::invalid_argument otherwise).
  std::vector<uint64_t> totalSumsKeyExponents(size_t radix) const;
  void runningSums(Ciphertext& ct, const EvaluationKeys& keys) const;
  void replicate(Ciphertext& ct, size_t s, const EvaluationKeys& keys) const;
  /// then: as Ciphertext::automorph (Then::kReduceNoise fuses reduceNoise() with the key
  /// switch where the key for p^j is present, else it follows the composition).
  void frobenius(Ciphertext& ct, size_t j, const EvaluationKeys& keys,
                 Ciphertext::Then then = Ciphertext::Then::kNothing) const;
  void apply(Ciphertext& ct, const SlotLinearMap& map, const EvaluationKeys& keys) const;
  /// y = sum_k C_k * rot_dim(x, k) (SlotRotationSum).
  void apply(Ciphertext& ct, const SlotRotationSum& map, const EvaluationKeys& keys) const;
  /// Slot s receives slot perm[s] (builds a SlotPermutation; keep one to apply it often).
  void permute(Ciphertext& ct, std::span<const size_t> perm, const EvaluationKeys& keys) const;
  void permute(Ciphertext& ct, const SlotPermutation& perm, const EvaluationKeys& keys) const;

 private:
  friend class SlotLinearMap;
  friend class SlotPermutation;
  friend class SlotRotationSum;
  explicit EncryptedArray(std::shared_ptr<const detail::ArrayImpl> impl) : impl_(std::move(impl)) {}
  uint64_t modulusOfValues() const;
  void check(const SlotVector& v, const char* op) const;
  void check(const Ciphertext& ct, const char* op) const;

  std::shared_ptr<const detail::ArrayImpl> impl_;
};

}  // namespace hl
