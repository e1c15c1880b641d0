#include "helib-like/detail/canonical_embedding.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>
#include <memory>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

namespace hl::detail {

namespace {

using Complex = std::complex<double>;

// exp(i * pi * num / den) from the exact fraction num / den in [0, 2): each value is rounded
// once from its own sine and cosine, with no error carried over from a recurrence.
Complex unitRoot(uint64_t num, uint64_t den) {
  const double angle = std::numbers::pi * static_cast<double>(num) / static_cast<double>(den);
  return {std::cos(angle), std::sin(angle)};
}

// (a * b) written out: std::complex's operator* follows C's Annex G and calls __muldc3 to
// handle infinities, several times slower than the four multiplications needed here.
inline Complex mul(Complex a, Complex b) {
  return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}

// Radix-2 FFTs of a power-of-two length N, y_j = sum_k x_k exp(sign * 2 pi i jk / N), in the
// two forms that need no bit-reversal pass: decimation in frequency takes x in natural order
// and leaves y in bit-reversed order; decimation in time takes x in bit-reversed order and
// leaves y in natural order. A convolution runs one after the other; a maximum over all of y
// does not care about the order.
class Fft {
 public:
  explicit Fft(size_t size) : size_(size), roots_(std::max<size_t>(size, 1)) {
    // roots_[h + j] = exp(-pi i j / h) for the stage of half-length h (j < h): the stage's
    // twiddles lie contiguously. All are taken from the last stage's table, one sin/cos each.
    const size_t last = size / 2;
    for (size_t j = 0; j < last; ++j) roots_[last + j] = std::conj(unitRoot(j, last));
    for (size_t h = last / 2; h >= 1; h /= 2) {
      for (size_t j = 0; j < h; ++j) roots_[h + j] = roots_[last + j * (last / h)];
    }
  }

  size_t size() const { return size_; }

  /// Natural order in, bit-reversed out; sign -1 (kBackward false) or +1.
  template <bool kBackward>
  void decimationInFrequency(Complex* a) const {
    // Stages that stay inside blocks of kBlock values run block by block while the block is
    // in the L1 cache; only the first log2(N / kBlock) stages sweep the whole array.
    const size_t block = std::min(kBlock, size_);
    for (size_t half = size_ / 2; half >= block; half /= 2) difStage<kBackward>(a, 0, size_, half);
    for (size_t begin = 0; begin < size_; begin += block) {
      for (size_t half = block / 2; half >= 1; half /= 2) {
        difStage<kBackward>(a, begin, begin + block, half);
      }
    }
  }

  /// Bit-reversed order in, natural out; sign +1 (unscaled inverse of the forward DIF).
  void decimationInTimeBackward(Complex* a) const {
    const size_t block = std::min(kBlock, size_);
    for (size_t begin = 0; begin < size_; begin += block) {
      for (size_t half = 1; half < block; half *= 2) ditStage(a, begin, begin + block, half);
    }
    for (size_t half = block; half < size_; half *= 2) ditStage(a, 0, size_, half);
  }

 private:
  static constexpr size_t kBlock = 2048;  // 32 KiB of complex doubles

  template <bool kBackward>
  void difStage(Complex* a, size_t begin, size_t end, size_t half) const {
    const Complex* w = roots_.data() + half;
    for (size_t start = begin; start < end; start += 2 * half) {
      Complex* lo = a + start;
      Complex* hi = lo + half;
      for (size_t j = 0; j < half; ++j) {
        const Complex d = lo[j] - hi[j];
        lo[j] += hi[j];
        hi[j] = mul(d, kBackward ? std::conj(w[j]) : w[j]);
      }
    }
  }

  void ditStage(Complex* a, size_t begin, size_t end, size_t half) const {
    const Complex* w = roots_.data() + half;
    for (size_t start = begin; start < end; start += 2 * half) {
      Complex* lo = a + start;
      Complex* hi = lo + half;
      for (size_t j = 0; j < half; ++j) {
        const Complex v = mul(hi[j], std::conj(w[j]));
        hi[j] = lo[j] - v;
        lo[j] += v;
      }
    }
  }

  size_t size_;
  std::vector<Complex> roots_;  // by stage, see the constructor
};

// The tables for one m, kept per thread for the last m evaluated.
//
// m a power of two (n = m/2): the units are the odd j = 2t + 1, and
//   a(zeta^(2t+1)) = sum_k (a_k zeta^k) (zeta^2)^(tk),
// a length-n backward DFT of the twisted coefficients a_k zeta^k.
//
// Other m (Bluestein, "A linear filtering approach to the computation of discrete Fourier
// transform", 1970): with jk = (j^2 + k^2 - (j-k)^2) / 2 and the chirp c_t = exp(i pi t^2 / m),
//   a(zeta^j) = c_j * sum_k (a_k c_k) * conj(c_(j-k)),
// a linear convolution of u_k = a_k c_k (k < n) with v_t = conj(c_t) (-(n-1) <= t < m), done
// cyclically with power-of-two FFTs of length N >= m + n - 1 so that no two t alias. Since
// |c_j| = 1, the norm needs only |convolution_j|.
struct Plan {
  uint64_t m = 0;
  size_t n = 0;
  std::unique_ptr<Fft> fft;
  std::vector<Complex> twist;      // power of two: zeta^k, k < n; otherwise the chirp c_k, k < n
  std::vector<Complex> filterHat;  // Bluestein only: the forward FFT of v (bit-reversed)
  std::vector<uint64_t> units;     // Bluestein only: Z_m^*

  explicit Plan(const Cyclotomic& ring) : m(ring.m()), n(ring.phi()) {
    twist.resize(n);
    if (ring.isPowerOfTwo()) {
      fft = std::make_unique<Fft>(n);
      for (size_t k = 0; k < n; ++k) twist[k] = unitRoot(2 * k, m);
      return;
    }
    // c_t depends on t^2 mod 2m; t < m <= 2^24 keeps t^2 exact in 64 bits.
    auto chirp = [this](uint64_t t) { return unitRoot((t * t) % (2 * m), m); };
    fft = std::make_unique<Fft>(std::bit_ceil(static_cast<size_t>(m) + n - 1));
    const size_t size = fft->size();
    for (size_t k = 0; k < n; ++k) twist[k] = chirp(k);
    filterHat.assign(size, Complex{});
    for (uint64_t t = 0; t < m; ++t) filterHat[t] = std::conj(chirp(t));
    for (uint64_t t = 1; t < n; ++t) filterHat[size - t] = std::conj(chirp(t));  // c_-t = c_t
    fft->decimationInFrequency<false>(filterHat.data());  // kept in bit-reversed order
    units = ring.units();
  }

  // |a(zeta^j)| for every j in Z_m^*, in a fixed order (the same for every call on the same
  // m), for coefficients of magnitude at most about 1.
  std::vector<double> absValues(std::span<const double> coeffs) const {
    std::vector<Complex> a(fft->size(), Complex{});
    for (size_t k = 0; k < coeffs.size(); ++k) a[k] = coeffs[k] * twist[k];  // real * complex
    std::vector<double> out;
    out.reserve(n);
    if (filterHat.empty()) {
      fft->decimationInFrequency<true>(a.data());  // every output is a unit (bit-reversed order)
      for (const Complex& z : a) out.push_back(std::abs(z));
      return out;
    }
    fft->decimationInFrequency<false>(a.data());
    for (size_t i = 0; i < a.size(); ++i) a[i] = mul(a[i], filterHat[i]);  // both bit-reversed
    fft->decimationInTimeBackward(a.data());
    const double scale = 1.0 / static_cast<double>(fft->size());
    for (uint64_t j : units) out.push_back(std::abs(a[j]) * scale);
    return out;
  }
};

const Plan& planFor(const Cyclotomic& ring) {
  thread_local std::unique_ptr<Plan> plan;
  if (!plan || plan->m != ring.m()) plan = std::make_unique<Plan>(ring);
  return *plan;
}

}  // namespace

namespace {

// The embedding's absolute values, scaled by 2^-exponent (exponent: that of the largest
// coefficient, so that the transform sees coefficients in [1, 2): no overflow or underflow
// whatever the magnitude of the input). Empty for a = 0.
std::vector<double> scaledAbsValues(const Cyclotomic& ring, std::span<const double> coeffs,
                                    const char* who, int& exponent) {
  if (coeffs.size() > ring.phi()) {
    throw std::invalid_argument(std::string("hl::detail::") + who + ": " +
                                std::to_string(coeffs.size()) +
                                " coefficients for phi(m) = " + std::to_string(ring.phi()));
  }
  double largest = 0;
  for (double c : coeffs) {
    if (!std::isfinite(c)) {
      throw std::invalid_argument(std::string("hl::detail::") + who + ": non-finite coefficient");
    }
    largest = std::max(largest, std::abs(c));
  }
  if (largest == 0) return {};
  exponent = std::ilogb(largest);
  std::vector<double> scaled(coeffs.begin(), coeffs.end());
  for (double& c : scaled) c = std::ldexp(c, -exponent);
  return planFor(ring).absValues(scaled);
}

}  // namespace

double canonicalNormLog2(const Cyclotomic& ring, std::span<const double> coeffs, int scaleLog2) {
  int exponent = 0;
  const std::vector<double> v = scaledAbsValues(ring, coeffs, "canonicalNormLog2", exponent);
  if (v.empty()) return -std::numeric_limits<double>::infinity();
  return std::log2(*std::max_element(v.begin(), v.end())) + exponent + scaleLog2;
}

std::vector<double> canonicalEmbeddingAbs(const Cyclotomic& ring, std::span<const double> coeffs) {
  int exponent = 0;
  std::vector<double> v = scaledAbsValues(ring, coeffs, "canonicalEmbeddingAbs", exponent);
  if (v.empty()) return std::vector<double>(ring.phi(), 0.0);
  for (double& x : v) x = std::ldexp(x, exponent);
  return v;
}

}  // namespace hl::detail
