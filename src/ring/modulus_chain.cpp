#include "helib-like/ring/modulus_chain.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "helib-like/math/primes.h"

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
  const uint64_t m = ring_->m();
  const bool powerful = PowerfulDft::recommended(m);
  if (powerful) powerful_.resize(all.size());
  // The tables are independent per prime; build them in parallel. Exceptions cannot leave an
  // OpenMP region, so they are collected and rethrown.
  std::vector<std::exception_ptr> errors(all.size());
#pragma omp parallel for schedule(dynamic) if (all.size() > 1 && ring_->phi() >= 1024)
  for (size_t i = 0; i < all.size(); ++i) {
    try {
      dfts_[i] = std::make_unique<CyclotomicDft>(m, moduli_[i], level);
      // The same zeta: both transforms produce the same evaluation form.
      if (powerful) {
        powerful_[i] = std::make_unique<PowerfulDft>(m, moduli_[i], dfts_[i]->zeta(), level);
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

void ModulusChain::toWorkingCoefficients(size_t i, const uint64_t* values, uint64_t* coeffs) const {
  if (powerful_.empty()) {
    dft(i).inverse(values, coeffs);
  } else {
    powerful_.at(i)->inverse(values, coeffs);
  }
}

void ModulusChain::fromWorkingCoefficients(size_t i, const uint64_t* coeffs,
                                           uint64_t* values) const {
  if (powerful_.empty()) {
    dft(i).forward(coeffs, values);
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
