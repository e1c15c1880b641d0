#pragma once
// The fast base conversion with exact rounding (S. Halevi, Y. Polyakov, V. Shoup, "An improved
// RNS variant of the BFV homomorphic encryption scheme", CT-RSA 2019, section 2) from
// coefficient rows mod q_0, ..., q_(L-1) to the centred coefficients mod t, accumulated one
// prime at a time, so that a caller can produce each row (inverse transform, a decryption
// phase), fold it in while it is in cache, and never hold all L rows.

#include <cstdint>
#include <vector>

#include "helib-like/detail/aligned.h"
#include "helib-like/math/modulus.h"
#include "helib-like/ring/index_set.h"
#include "helib-like/ring/modulus_chain.h"

namespace hl::detail {

/// With Q = prod_k q_k over `primes`, y_k = [x_k (Q/q_k)^-1]_(q_k) and s = sum_k y_k / q_k,
/// sum_k y_k (Q/q_k) = Q s, and the centred representative of x mod Q is Q (s - round(s)).
/// In double precision s is off by less than L^2 2^-53 (< 2^-41 for L <= 64), so round(s) is
/// exact whenever |x| < Q/2 - Q 2^-40; then x mod t = sum_k y_k (Q/q_k mod t) - round(s) (Q mod
/// t): L products per coefficient and no branch on the values. Any Z-basis of coefficients
/// serves (the conversion acts coefficient by coefficient).
///
/// add() may be called from the threads of one OpenMP parallel region (each thread sums into
/// its own partial sums, merged by finish()); every k must be added exactly once. Every buffer
/// is wiped (the rows may be a decryption phase). Requires 2 <= t < 2^62 and at most 64 primes.
class CentredLiftModT {
 public:
  CentredLiftModT(const ModulusChain& chain, const IndexSet& primes, const Modulus& t);
  ~CentredLiftModT();
  CentredLiftModT(const CentredLiftModT&) = delete;
  CentredLiftModT& operator=(const CentredLiftModT&) = delete;

  /// Folds in row k (the phi(m) coefficients mod primes[k], each in [0, q)); overwrites `row`
  /// with y_k (the caller wipes it).
  void add(size_t k, uint64_t* row);
  /// The centred coefficients mod t, each in [0, t).
  std::vector<uint64_t> finish();

 private:
  struct Partial {
    AlignedVector<double> s;
    AlignedVector<uint64_t> lo, hi;  // sum_k y_k (Q/q_k mod t), 128 bits (hi unused for 2^r)
  };
  const ModulusChain& chain_;
  const IndexSet& primes_;
  Modulus t_;
  size_t n_;
  bool powerOfTwo_;
  std::vector<uint64_t> hatInv_, hatModT_;
  std::vector<double> invQ_;
  uint64_t qModT_;
  std::vector<Partial> partials_;  // one per OpenMP thread
};

}  // namespace hl::detail
