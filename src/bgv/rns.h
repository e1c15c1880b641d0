#pragma once
// RNS tools of the BGV layer: fast base conversion between sets of chain primes, and the
// division by a product of primes that keeps the plaintext mod t (modulus switching and the
// ModDown of key switching). Internal to the library.
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <utility>
#include <vector>

#include "helib-like/math/modulus.h"
#include "helib-like/ring/double_crt.h"
#include "helib-like/ring/index_set.h"
#include "helib-like/ring/modulus_chain.h"

namespace hl::detail {

/// Fast base conversion from the primes s_0..s_{k-1} of a source set S with product S
/// (Bajard, Eynard, Hasan, Zucca, "A full RNS variant of FV like somewhat homomorphic
/// encryption schemes", SAC 2016, section 2.2; Halevi, Polyakov, Shoup, CT-RSA 2019). A
/// residue vector x_i = x mod s_i is written as the integer
///     y = sum_i u_i * (S/s_i),   u_i = [x_i * (S/s_i)^{-1}]_{s_i} in (-s_i/2, s_i/2],
/// which is = x (mod S) and |y| <= k S / 2 (the "overflow" y - [x]_S is a small multiple of S).
/// y is then reduced modulo any chain prime and modulo the plaintext modulus t. Centred
/// digits are computed as unsigned u_i in [0, s_i) with a count of the digits above s_i/2:
/// sum_i u_i (S/s_i) - count * S is the centred sum.
class BaseConverter {
 public:
  BaseConverter(const ModulusChain& chain, const IndexSet& source, const Modulus& t);

  const IndexSet& source() const { return source_; }
  size_t size() const { return source_.size(); }

  /// u (|S| rows of n) and the per-coefficient count of negative digits, from the
  /// coefficient-form residues rows[k] (row k for the k-th source prime, values in [0, s_k)).
  void digits(const uint64_t* const* rows, size_t n, uint64_t* u, uint8_t* negatives) const;
  /// Most source primes a converter takes (one term of the kernel's 64 is left for the extra
  /// term of convertPlusMultiple).
  static constexpr size_t kMaxSource = 63;

  /// out[j] = y_j mod the chain prime `target` (which must not be in S), for every j < n.
  /// Digit row i starts at u + i * stride (stride 0: n).
  void convert(const uint64_t* u, const uint8_t* negatives, size_t n, size_t target, uint64_t* out,
               size_t stride = 0) const;
  /// out[j] = (y_j + S * [c_j]_t) mod the chain prime `target`, where [c_j]_t is c_j in [0, t)
  /// centred (c_j - t when c_j > t/2): the delta of scaleDown in one pass. `combined[j]` must
  /// be negatives[j] + (size() + 1) * (c_j > t/2) (combineNegatives).
  void convertPlusMultiple(const uint64_t* u, const uint8_t* combined, const uint64_t* c, size_t n,
                           size_t target, uint64_t* out) const;
  /// combined[j] = negatives[j] + (size() + 1) * (c[j] > t/2) for j < n.
  void combineNegatives(const uint8_t* negatives, const uint64_t* c, size_t n,
                        uint8_t* combined) const;
  /// out[j] = y_j mod t.
  void convertModT(const uint64_t* u, const uint8_t* negatives, size_t n, uint64_t* out,
                   size_t stride = 0) const;

  /// S mod the chain prime p, and S^{-1} mod p (p not in S).
  uint64_t productMod(size_t p) const { return prodMod_[p]; }
  uint64_t inverseProductMod(size_t p) const { return invProdMod_[p]; }
  /// S mod t and -S^{-1} mod t.
  uint64_t productModT() const { return prodModT_; }
  uint64_t negInverseProductModT() const { return negInvProdModT_; }

 private:
  void convertWith(const uint64_t* u, size_t stride, const uint8_t* negatives, size_t n,
                   const Modulus& q, const uint64_t* hat, uint64_t prod, uint64_t* out) const;

  const ModulusChain* chain_;
  IndexSet source_;
  Modulus t_;
  std::vector<Modulus> src_;
  std::vector<uint64_t> inv_;   // (S/s_i)^{-1} mod s_i
  std::vector<uint64_t> hat_;   // hat_[p * k + i] = (S/s_i) mod chain prime p
  std::vector<uint64_t> hatT_;  // (S/s_i) mod t
  std::vector<uint64_t> prodMod_, invProdMod_;
  uint64_t prodModT_ = 0, negInvProdModT_ = 0;
};

/// Everything the BGV layer precomputes per context: base converters for every range of
/// primes that key switching and modulus switching divide by or extend from.
class RnsTables {
 public:
  RnsTables(const ModulusChain& chain, size_t numCiphertext, const std::vector<IndexSet>& digits,
            const Modulus& t);
  /// The converter whose source is exactly s: the ranges built at construction (prefixes of
  /// the digits, the special primes, single ciphertext primes) or, built on first use and kept,
  /// any other range of at most BaseConverter::kMaxSource ciphertext primes (modulus switching
  /// down several levels at once). Thread-safe; references stay valid. Throws
  /// std::logic_error for a set that is not such a range.
  const BaseConverter& converter(const IndexSet& s) const;

 private:
  const ModulusChain* chain_;
  size_t numCiphertext_;
  Modulus t_;
  mutable std::mutex mu_;
  // std::map: insertions leave references to the other elements valid.
  mutable std::map<std::pair<size_t, size_t>, BaseConverter> conv_;
};

/// Division by D = prod(conv.source()) that keeps the plaintext mod t (Brakerski-Gentry-
/// Vaikuntanathan 2012, section 4; Gentry-Halevi-Smart 2012, section 3.1): for an element x
/// given by its evaluation rows, computes (x - delta) / D over the primes `keep`, where
/// delta = x (mod D), delta = 0 (mod t) and delta / D has coefficients of size about t/2 + k/2.
/// The plaintext picks up the factor D^{-1} mod t; the noise is divided by D plus a rounding
/// term (noise::rounding).
/// Several elements (the parts of a ciphertext) go through one call so that the per-prime
/// work of all of them is shared among the threads. For each part:
///   dropRows[i]  the evaluation row of x mod the i-th prime of conv.source(); clobbered.
///   keepIn[i]    the evaluation row of x mod keep[i] (read).
///   keepOut[i]   receives the result mod keep[i] (may equal keepIn[i]); with accumulate the
///                result is added to it instead.
struct ScaleDownPart {
  uint64_t* const* dropRows;
  const uint64_t* const* keepIn;
  uint64_t* const* keepOut;
  bool accumulate;
};
void scaleDown(const ModulusChain& chain, const BaseConverter& conv, const Modulus& t,
               const IndexSet& keep, std::span<const ScaleDownPart> parts);

/// A ModDown (division by P = prod(first.source()), the special primes) followed by the first
/// step of a modulus switch (division by Q_T = prod(second.source()), the top primes of the
/// level), with the words of the two scaleDown calls it replaces but one forward transform per
/// kept prime instead of two, and none for the dropped top primes: with x = base + (acc -
/// delta_1) / P the ModDown's output,
///     (x - delta_2) / Q_T = base / Q_T + (acc - (delta_1 + P delta_2)) / (P Q_T),
/// delta_1 + P delta_2 formed in coefficient form; delta_2 needs x mod the top primes in
/// coefficient form, which is (coeff(acc + P base) - delta_1) / P there (one inverse transform
/// per top prime, as the switch alone would take). For each part:
///   specialRows[i]  acc mod the i-th special prime (evaluation form); clobbered.
///   topAcc[i]       acc mod the i-th prime of second.source(); clobbered.
///   topBase[i]      base mod that prime (read; only with accumulate).
///   keepAcc[i]      acc mod keep[i] (read).
///   keepOut[i]      receives the result mod keep[i]; with accumulate it holds base on entry.
struct ModDownSwitchPart {
  uint64_t* const* specialRows;
  uint64_t* const* topAcc;
  const uint64_t* const* topBase;
  const uint64_t* const* keepAcc;
  uint64_t* const* keepOut;
  bool accumulate;
};
void modDownThenSwitch(const ModulusChain& chain, const BaseConverter& first,
                       const BaseConverter& second, const Modulus& t, const IndexSet& keep,
                       std::span<const ModDownSwitchPart> parts);

/// scaleDown of DoubleCRTs over the same keep | conv.source(), in place; drops the source
/// primes. Throws std::logic_error if an element has other primes.
void scaleDown(std::span<DoubleCRT> xs, const BaseConverter& conv, const Modulus& t);

/// A grow-only per-thread buffer (no allocation in hot paths once warm). Callers that are
/// live at the same time on one thread use different slots.
uint64_t* threadScratch(size_t slot, size_t count);
enum ScratchSlot : size_t {
  kScratchScaleU,
  kScratchScaleNeg,
  kScratchScaleC,
  kScratchRow,
  kScratchKsCoeff,
  kScratchKsDigits,
  kScratchKsNeg,
  kScratchKsAcc,
  kScratchKsRows,
  kScratchPhase,
  kScratchDecrypt,
  kScratchScaleCombined,
  kScratchKsPermuted,
  kScratchHoistGather,
  kScratchHoistTerms,
  kScratchPlaintextRow,
  kScratchScale2U,
  kScratchScale2Neg,
  kScratchScale2C,
  kScratchScale2Combined,
};

}  // namespace hl::detail
