// Linear maps along one dimension in diagonal form (SlotRotationSum), the building block of
// permutations and of the AES linear layer.
#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>

#include "helib-like/slots/encrypted_array.h"
#include "slots/array_impl.h"

namespace hl {
namespace {

using detail::floorMod;

bool isZero(const SlotVector& v) {
  return std::all_of(v.data().begin(), v.data().end(), [](uint64_t x) { return x == 0; });
}

}  // namespace

SlotRotationSum::SlotRotationSum(const EncryptedArray& array, size_t dim,
                                 const std::vector<std::pair<int64_t, SlotVector>>& terms,
                                 size_t babySteps)
    : impl_(array.impl_), dim_(dim), babySteps_(babySteps) {
  const Hypercube& cube = *impl_->cube;
  array.rotationExponents(dim, 0);  // throws std::out_of_range for a bad dimension
  const int64_t n = static_cast<int64_t>(cube.dimensionSize(dim));
  std::map<int64_t, SlotVector> merged;
  for (const auto& [k, c] : terms) {
    if (!impl_->sameValues(*c.impl_)) {
      throw std::invalid_argument("hl::SlotRotationSum: a constant belongs to another array");
    }
    const int64_t kk = floorMod(k, n);
    auto it = merged.find(kk);
    if (it == merged.end()) {
      merged.emplace(kk, c);
    } else {
      it->second += c;
    }
  }
  if (babySteps_ > 0) {
    if (array.rotationExponents(dim, 1).size() != 1) {
      throw std::invalid_argument(
          "hl::SlotRotationSum: the baby-step giant-step form needs a good dimension");
    }
    if (babySteps_ > static_cast<size_t>(n)) {
      throw std::invalid_argument("hl::SlotRotationSum: " + std::to_string(babySteps_) +
                                  " baby steps in a dimension of " + std::to_string(n));
    }
    const auto b = static_cast<int64_t>(babySteps_);
    babyExponents_.push_back(1 % impl_->m);
    for (int64_t i = 1; i < b; ++i) babyExponents_.push_back(array.rotationExponents(dim, i).at(0));
    std::map<int64_t, size_t> giantIndex;
    for (auto& [k, c] : merged) {
      terms_.emplace_back(k, c);
      if (isZero(c)) continue;
      const int64_t g = k / b * b, i = k - g;
      auto it = giantIndex.find(g);
      if (it == giantIndex.end()) {
        it = giantIndex.emplace(g, giants_.size()).first;
        giants_.push_back({g == 0 ? 1 % impl_->m : array.rotationExponents(dim, g).at(0), {}, {}});
      }
      SlotVector shifted = c;
      shifted.rotate(dim, -g);
      giants_[it->second].babies.push_back(static_cast<size_t>(i));
      giants_[it->second].consts.push_back(
          std::make_shared<const PreparedPlaintext>(array.encode(shifted)));
    }
    return;
  }
  for (auto& [k, c] : merged) {
    terms_.emplace_back(k, c);
    if (isZero(c)) continue;
    const std::vector<uint64_t> e = array.rotationExponents(dim, k);
    auto add = [&](uint64_t exponent, const SlotVector& constant) {
      if (isZero(constant)) return;
      exponents_.push_back(exponent);
      consts_.push_back(std::make_shared<const PreparedPlaintext>(array.encode(constant)));
    };
    if (e.size() < 2) {
      add(e.empty() ? 1 % impl_->m : e[0], c);
      continue;
    }
    // Bad dimension: the slots with coordinate >= k take X -> X^(g^-k), the others X ->
    // X^(g^(n-k)).
    SlotVector atLeast = c, below = c;
    for (size_t s = 0; s < impl_->ell; ++s) {
      auto& zeroed = static_cast<int64_t>(cube.coordinate(s, dim)) >= k ? below : atLeast;
      std::fill(zeroed[s].begin(), zeroed[s].end(), 0);
    }
    add(e[0], atLeast);
    add(e[1], below);
  }
}

std::vector<uint64_t> SlotRotationSum::keyExponents() const {
  std::vector<uint64_t> out;
  for (uint64_t e : exponents_) {
    if (e != 1 % impl_->m) out.push_back(e);
  }
  std::vector<uint64_t> giants;
  for (const Giant& g : giants_) {
    giants.push_back(g.exponent);
    for (size_t i : g.babies) {
      if (babyExponents_[i] != 1 % impl_->m) out.push_back(babyExponents_[i]);
    }
  }
  if (!giants.empty()) {
    for (uint64_t e : Ciphertext::giantKeyExponents(*impl_->ctx, giants)) out.push_back(e);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

SlotVector SlotRotationSum::apply(const SlotVector& x) const {
  if (!impl_->sameValues(*x.impl_)) {
    throw std::invalid_argument("hl::SlotRotationSum::apply: the vector belongs to another array");
  }
  SlotVector y(impl_, std::vector<uint64_t>(x.data().size(), 0));
  for (const auto& [k, c] : terms_) {
    SlotVector r = x;
    r.rotate(dim_, k);
    r *= c;
    y += r;
  }
  return y;
}

void EncryptedArray::apply(Ciphertext& ct, const SlotRotationSum& map,
                           const EvaluationKeys& keys) const {
  check(ct, "apply");
  if (!impl_->sameValues(*map.impl_)) {
    throw std::invalid_argument("hl::EncryptedArray::apply: the map belongs to another array");
  }
  if (map.babySteps_ > 0) {
    if (map.giants_.empty()) {
      ct.multiplyByConstant(0);
      return;
    }
    std::vector<Ciphertext::AutomorphismGroup> groups;
    for (const auto& g : map.giants_) {
      Ciphertext::AutomorphismGroup group;
      group.giant = g.exponent;
      group.terms = g.babies;
      for (const auto& c : g.consts) group.consts.push_back(c.get());
      groups.push_back(std::move(group));
    }
    ct.automorphismSumGroups(map.babyExponents_, groups, keys);
    return;
  }
  std::vector<const PreparedPlaintext*> consts;
  for (const auto& c : map.consts_) consts.push_back(c.get());
  detail::ArrayImpl::automorphismSum(*impl_, ct, map.exponents_, consts, keys, "apply");
}

}  // namespace hl
