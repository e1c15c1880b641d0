#include "helib-like/ring/modulus_chain.h"

#include <openssl/crypto.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "helib-like/math/primes.h"
#include "helib-like/ring/powerful_basis.h"
#include "math/number_theory.h"

namespace hl {

ModulusChain::ModulusChain(std::shared_ptr<const Cyclotomic> ring,
                           std::vector<uint64_t> ciphertextPrimes,
                           std::vector<uint64_t> specialPrimes, SimdLevel level)
    : ring_(std::move(ring)), numCiphertext_(ciphertextPrimes.size()) {
  if (!ring_) throw std::invalid_argument("hl::ModulusChain: no ring given");
  if (ciphertextPrimes.empty()) {
    throw std::invalid_argument("hl::ModulusChain: at least one ciphertext prime is needed");
  }
  std::vector<uint64_t> all = std::move(ciphertextPrimes);
  all.insert(all.end(), specialPrimes.begin(), specialPrimes.end());
  for (size_t i = 0; i < all.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (all[i] == all[j]) {
        throw std::invalid_argument("hl::ModulusChain: prime " + std::to_string(all[i]) +
                                    " appears twice");
      }
    }
    if (all[i] < 2 || all[i] >> kMaxPrimeBits != 0) {
      throw std::invalid_argument("hl::ModulusChain: " + std::to_string(all[i]) +
                                  " is not a prime below 2^" + std::to_string(kMaxPrimeBits));
    }
    moduli_.emplace_back(all[i]);
  }
  dfts_.resize(all.size());
  dftOnce_ = std::make_unique<std::once_flag[]>(all.size());
  bluestein_.assign(all.size(), 0);
  level_ = level;
  const uint64_t m = ring_->m();
  const bool powerful = PowerfulDft::recommended(m);
  if (powerful) powerful_.resize(all.size());
  // The tables are independent per prime; build them in parallel. Exceptions cannot leave an
  // OpenMP region, so they are collected and rethrown.
  std::vector<std::exception_ptr> errors(all.size());
  const uint64_t bluestein = cyclotomicDftDivisor(m);
#pragma omp parallel for schedule(dynamic) if (all.size() > 1 && ring_->phi() >= 1024)
  for (size_t i = 0; i < all.size(); ++i) {
    try {
      if (!powerful) {
        dfts_[i] = std::make_unique<CyclotomicDft>(m, moduli_[i], level);
        bluestein_[i] = 1;
      } else if ((all[i] - 1) % bluestein == 0) {
        // Bluestein's zeta (CyclotomicDft: eta^2 for eta a primitive root of order m, or 2m
        // for even m), so that the transform, when dft() builds it, gives the same evaluation
        // form; the powerful one does all the work meanwhile.
        if (!isPrime(all[i])) {
          throw std::invalid_argument("hl::ModulusChain: " + std::to_string(all[i]) +
                                      " is not a prime");
        }
        const uint64_t eta = detail::primitiveRoot(moduli_[i], m % 2 == 1 ? m : 2 * m);
        powerful_[i] =
            std::make_unique<PowerfulDft>(m, moduli_[i], moduli_[i].mul(eta, eta), level);
        bluestein_[i] = 1;
      } else {
        // Only the powerful transform (its divisor is much smaller: 16 m against 2^18 m at
        // m = 53261, so primes of 24-30 bits exist); the power basis goes through it.
        if (!isPrime(all[i]) || (all[i] - 1) % PowerfulDft::divisor(m) != 0) {
          throw std::invalid_argument("hl::ModulusChain: " + std::to_string(all[i]) +
                                      " is not a prime = 1 mod " +
                                      std::to_string(PowerfulDft::divisor(m)) +
                                      " (needed for m = " + std::to_string(m) + ")");
        }
        powerful_[i] = std::make_unique<PowerfulDft>(m, moduli_[i],
                                                     detail::primitiveRoot(moduli_[i], m), level);
      }
    } catch (...) {
      errors[i] = std::current_exception();
    }
  }
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

std::shared_ptr<const ModulusChain> ModulusChain::generate(std::shared_ptr<const Cyclotomic> ring,
                                                           size_t ciphertextCount,
                                                           int ciphertextBits, size_t specialCount,
                                                           int specialBits, SimdLevel level) {
  if (!ring) throw std::invalid_argument("hl::ModulusChain::generate: no ring given");
  const uint64_t divisor = cyclotomicDftDivisor(ring->m());
  auto ctxt = generatePrimes(ciphertextBits, ciphertextCount, divisor);
  std::vector<uint64_t> special;
  if (specialCount > 0) special = generatePrimes(specialBits, specialCount, divisor, ctxt);
  return std::make_shared<const ModulusChain>(std::move(ring), std::move(ctxt), std::move(special),
                                              level);
}

uint64_t ModulusChain::primeDivisor(uint64_t m) {
  return PowerfulDft::recommended(m) ? PowerfulDft::divisor(m) : cyclotomicDftDivisor(m);
}

const CyclotomicDft& ModulusChain::dft(size_t i) const {
  if (!bluestein_.at(i)) {
    throw std::logic_error("hl::ModulusChain::dft: prime " + std::to_string(i) + " (" +
                           std::to_string(moduli_[i].value()) +
                           ") has only the powerful transform; use toPowerCoefficients");
  }
  std::call_once(dftOnce_[i], [&] {
    if (!dfts_[i]) dfts_[i] = std::make_unique<CyclotomicDft>(ring_->m(), moduli_[i], level_);
  });
  return *dfts_[i];
}

void ModulusChain::toPowerCoefficients(size_t i, const uint64_t* values, uint64_t* coeffs) const {
  if (powerful_.empty()) {
    dfts_.at(i)->inverse(values, coeffs);
    return;
  }
  const Modulus& q = moduli_.at(i);
  const size_t n = ring_->phi();
  std::vector<uint64_t> w(n);
  powerful_[i]->inverse(values, w.data());
  std::vector<uint64_t> power = powerfulToPowerMod(ring_->m(), q, w);
  std::copy(power.begin(), power.end(), coeffs);
  // The element may be secret (a decryption phase): wipe the copies.
  OPENSSL_cleanse(w.data(), n * sizeof(uint64_t));
  OPENSSL_cleanse(power.data(), power.size() * sizeof(uint64_t));
}

void ModulusChain::fromPowerCoefficients(size_t i, const uint64_t* coeffs, uint64_t* values) const {
  if (powerful_.empty()) {
    dfts_.at(i)->forward(coeffs, values);
    return;
  }
  // Centred, the powerful coefficients are sums of at most 2^(number of prime factors of m)
  // of them, far inside 64 bits.
  const Modulus& q = moduli_.at(i);
  const size_t n = ring_->phi();
  std::vector<int64_t> centred(n);
  const uint64_t half = q.value() / 2;
  for (size_t j = 0; j < n; ++j) {
    centred[j] = coeffs[j] > half ? -static_cast<int64_t>(q.value() - coeffs[j])
                                  : static_cast<int64_t>(coeffs[j]);
  }
  std::vector<int64_t> powerful = powerToPowerful(ring_->m(), centred);
  for (size_t j = 0; j < n; ++j) values[j] = q.reduceSigned(powerful[j]);
  powerful_[i]->forward(values, values);
  OPENSSL_cleanse(centred.data(), n * sizeof(int64_t));  // the element may be secret
  OPENSSL_cleanse(powerful.data(), powerful.size() * sizeof(int64_t));
}

void ModulusChain::toWorkingCoefficients(size_t i, const uint64_t* values, uint64_t* coeffs) const {
  if (powerful_.empty()) {
    dfts_[i]->inverse(values, coeffs);
  } else {
    powerful_.at(i)->inverse(values, coeffs);
  }
}

void ModulusChain::fromWorkingCoefficients(size_t i, const uint64_t* coeffs,
                                           uint64_t* values) const {
  if (powerful_.empty()) {
    dfts_[i]->forward(coeffs, values);
  } else {
    powerful_.at(i)->forward(coeffs, values);
  }
}

double ModulusChain::logProduct(const IndexSet& s) const {
  double bits = 0;
  for (size_t i : s) bits += std::log2(static_cast<double>(modulus(i).value()));
  return bits;
}

}  // namespace hl
