#pragma once
// What a ciphertext knows of its noise: bounds on the moments of its canonical-embedding
// coordinates, and the high-probability bound derived from them (doc/bgv.md, section 5).
#include <array>
#include <cstddef>

namespace hl {

/// The noise nu of a ciphertext as upper bounds on log2 of the moment norms
///     ||nu(zeta)||_k = (E |nu(zeta)|^k)^(1/k)
/// of every canonical-embedding coordinate nu(zeta), for the orders k of kOrders, and on
/// log2 of a high-probability bound on |nu(zeta)| (order "infinity", the bound that the
/// formulas of doc/bgv.md section 5 give; a bounded quantity has every moment at its bound).
/// bound() is the smaller of that bound and Markov's bound from each moment,
///     P(|nu(zeta)| > ||nu(zeta)||_k 2^(kTailBits / k)) <= 2^-kTailBits.
///
/// Sums add norms (Minkowski's inequality: no independence needed), scaling shifts them. A
/// product nu nu' of two ciphertexts' noises takes, with nothing known of how they relate,
/// Hoelder's inequality ||X Y||_k <= ||X||_2k ||Y||_2k and the product of the bounds, which
/// is never below the product of the bounds; where the operands' random parts are independent
/// (or nearly so, as two distinct canonical coordinates of one polynomial with independent
/// coefficients: a ciphertext and a key-switched Frobenius image of it), the moments
/// multiply, ||X Y||_k = ||X||_k ||Y||_k, and the bound of a product of two noises of the
/// same kind is about 1.5 bits below the product of their bounds: how the aes-128 preset
/// fits its ten rounds into 3 digits (doc/aes.md, section 4). Ciphertext::multiply says
/// which applies.
class NoiseMoments {
 public:
  /// The finite orders k tracked.
  static constexpr std::array<double, 13> kOrders{2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128};
  /// kOrders.size() moments and the bound (index kOrders.size()).
  static constexpr size_t kCount = kOrders.size() + 1;
  /// The failure probability of bound() per coordinate is 2^-kTailBits.
  static constexpr double kTailBits = 50.0;

  /// Nothing (log2 0 = -infinity everywhere): the noise of a zero ciphertext.
  NoiseMoments();
  /// A quantity with |x| <= 2^log2Bound: every moment at the bound.
  static NoiseMoments bounded(double log2Bound);
  /// From log2 values: kOrders.size() moments, then the bound.
  static NoiseMoments fromLog2(const std::array<double, kCount>& log2Values);

  /// log2 of the high-probability bound on every coordinate: min(bound, min_k moment_k +
  /// kTailBits / k).
  double bound() const;
  /// log2 of the moment of order kOrders[i] (i < kOrders.size()), or of the bound
  /// (i == kOrders.size()).
  double log2Value(size_t i) const { return v_.at(i); }

  /// x -> 2^log2Factor x (all norms shift).
  NoiseMoments& scale(double log2Factor);
  /// x -> x + y, bounded by Minkowski's inequality.
  NoiseMoments& operator+=(const NoiseMoments& o);
  friend NoiseMoments operator+(NoiseMoments a, const NoiseMoments& b) { return a += b; }
  /// x y for independent random parts (moments multiply).
  static NoiseMoments productIndependent(const NoiseMoments& a, const NoiseMoments& b);
  /// x y with nothing assumed: Hoelder (orders 2k, the bound above 64), bounds multiply.
  static NoiseMoments product(const NoiseMoments& a, const NoiseMoments& b);

 private:
  std::array<double, kCount> v_;
};

}  // namespace hl
