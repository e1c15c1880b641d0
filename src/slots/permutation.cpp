// Slot permutations routed through the hypercube as a Clos network (see SlotPermutation in
// include/helib-like/slots/encrypted_array.h and doc/slots.md).
#include <algorithm>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>

#include "helib-like/slots/encrypted_array.h"
#include "slots/array_impl.h"

namespace hl {

namespace {

using detail::floorMod;

// A phase before encoding: for every slot s, the slot receives the slot whose coordinate `dim`
// is source[s] (the other coordinates equal).
struct Route {
  size_t dim;
  std::vector<size_t> source;
};

// Colours the edges of an R-regular bipartite multigraph on C + C vertices with R colours so
// that no two edges at a vertex share a colour (Koenig): R successive perfect matchings, each
// found with augmenting paths (Kuhn). edges[e] = (left, right); returns a colour per edge.
std::vector<size_t> colourRegularBipartite(const std::vector<std::pair<size_t, size_t>>& edges,
                                           size_t C, size_t R) {
  std::vector<size_t> colour(edges.size(), R);
  std::vector<std::vector<size_t>> byLeft(C);
  for (size_t e = 0; e < edges.size(); ++e) byLeft[edges[e].first].push_back(e);
  std::vector<long> matchRight(C);
  std::vector<size_t> seen(C);
  size_t stamp = 0;
  for (size_t c = 0; c < R; ++c) {
    std::fill(matchRight.begin(), matchRight.end(), -1);
    // Augmenting path from a left vertex over uncoloured edges (iterative DFS would avoid deep
    // recursion; C is at most the number of slots, the depth at most C).
    std::function<bool(size_t)> augment = [&](size_t left) -> bool {
      for (size_t e : byLeft[left]) {
        if (colour[e] != R) continue;
        const size_t right = edges[e].second;
        if (seen[right] == stamp) continue;
        seen[right] = stamp;
        if (matchRight[right] < 0 || augment(edges[static_cast<size_t>(matchRight[right])].first)) {
          matchRight[right] = static_cast<long>(e);
          return true;
        }
      }
      return false;
    };
    for (size_t left = 0; left < C; ++left) {
      ++stamp;
      if (!augment(left)) throw std::logic_error("hl::SlotPermutation: no perfect matching");
    }
    for (size_t right = 0; right < C; ++right) colour[static_cast<size_t>(matchRight[right])] = c;
  }
  return colour;
}

// Routes perm (slot s receives perm[s]; perm keeps every coordinate before `first`) through
// dimensions first..k-1, appending the phases to `out`.
void route(const Hypercube& cube, std::vector<size_t> perm, size_t first, std::vector<Route>& out) {
  const size_t k = cube.dimensions(), ell = cube.size();
  auto coord = [&](size_t s, size_t i) { return cube.coordinate(s, i); };
  if (first + 1 == k) {
    Route r{first, std::vector<size_t>(ell)};
    for (size_t s = 0; s < ell; ++s) r.source[s] = coord(perm[s], first);
    out.push_back(std::move(r));
    return;
  }
  // Group = the coordinates before `first`; row = coordinate `first`; column = the coordinates
  // after it (an index below C).
  const size_t R = cube.dimensionSize(first), stride = cube.stride(first), C = stride;
  auto column = [&](size_t s) { return s % stride; };
  auto group = [&](size_t s) { return s / (stride * R); };
  const size_t groups = ell / (stride * R);
  Route first1{first, std::vector<size_t>(ell)}, last{first, std::vector<size_t>(ell)};
  std::vector<size_t> middle(ell);
  for (size_t g = 0; g < groups; ++g) {
    // Edges: one per destination slot s of the group, from its source's column to its column.
    std::vector<std::pair<size_t, size_t>> edges;
    std::vector<size_t> dest;
    for (size_t row = 0; row < R; ++row) {
      for (size_t c = 0; c < C; ++c) {
        const size_t s = g * stride * R + row * stride + c;
        edges.emplace_back(column(perm[s]), c);
        dest.push_back(s);
      }
    }
    const std::vector<size_t> colour = colourRegularBipartite(edges, C, R);
    for (size_t e = 0; e < edges.size(); ++e) {
      const size_t s = dest[e], src = perm[s], mid = colour[e];
      const size_t base = g * stride * R;
      // Stage 1 along `first`: (row of src, column of src) -> (mid, column of src).
      const size_t atMid = base + mid * stride + column(src);
      first1.source[atMid] = coord(src, first);
      // Stage 2 within row mid: (mid, column of src) -> (mid, column of s).
      middle[base + mid * stride + column(s)] = atMid;
      // Stage 3 along `first`: (mid, column of s) -> s.
      last.source[s] = mid;
    }
    (void)group;
  }
  out.push_back(std::move(first1));
  route(cube, std::move(middle), first + 1, out);
  out.push_back(std::move(last));
}

}  // namespace

SlotPermutation::SlotPermutation(const EncryptedArray& array, std::vector<size_t> perm)
    : impl_(array.impl_), perm_(std::move(perm)) {
  const detail::ArrayImpl& a = *impl_;
  const Hypercube& cube = *a.cube;
  {
    std::vector<uint8_t> seen(a.ell, 0);
    if (perm_.size() != a.ell) {
      throw std::invalid_argument("hl::SlotPermutation: the permutation has " +
                                  std::to_string(perm_.size()) + " entries, there are " +
                                  std::to_string(a.ell) + " slots");
    }
    for (size_t v : perm_) {
      if (v >= a.ell || seen[v]) {
        throw std::invalid_argument("hl::SlotPermutation: not a permutation of the slots");
      }
      seen[v] = 1;
    }
  }
  if (cube.dimensions() == 0) return;
  // A permutation that moves slots along one dimension only is that one phase.
  std::vector<Route> routes;
  for (size_t i = 0; i < cube.dimensions() && routes.empty(); ++i) {
    bool alongI = true;
    for (size_t s = 0; s < a.ell && alongI; ++s) {
      const size_t diff = s > perm_[s] ? s - perm_[s] : perm_[s] - s;
      alongI = diff % cube.stride(i) == 0 && (perm_[s] / (cube.stride(i) * cube.dimensionSize(i)) ==
                                              s / (cube.stride(i) * cube.dimensionSize(i)));
    }
    if (alongI) {
      Route r{i, std::vector<size_t>(a.ell)};
      for (size_t s = 0; s < a.ell; ++s) r.source[s] = cube.coordinate(perm_[s], i);
      routes.push_back(std::move(r));
    }
  }
  if (routes.empty()) route(cube, perm_, 0, routes);

  for (const Route& r : routes) {
    // The slots by rotation amount (slot s receives the slot `amount` positions before it
    // along the dimension): a masked sum of rotations.
    const int64_t n = static_cast<int64_t>(cube.dimensionSize(r.dim));
    std::map<int64_t, SlotVector> masks;
    bool moves = false;
    for (size_t s = 0; s < a.ell; ++s) {
      const int64_t e = static_cast<int64_t>(cube.coordinate(s, r.dim));
      const int64_t amount = floorMod(e - static_cast<int64_t>(r.source[s]), n);
      moves = moves || amount != 0;
      auto it = masks.find(amount);
      if (it == masks.end()) it = masks.emplace(amount, array.zeros()).first;
      it->second[s][0] = 1;
    }
    if (!moves) continue;
    std::vector<std::pair<int64_t, SlotVector>> terms(masks.begin(), masks.end());
    phases_.emplace_back(array, r.dim, terms);
  }
}

std::vector<uint64_t> SlotPermutation::keyExponents() const {
  std::vector<uint64_t> out;
  for (const SlotRotationSum& ph : phases_) {
    for (uint64_t e : ph.keyExponents()) out.push_back(e);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void EncryptedArray::permute(Ciphertext& ct, std::span<const size_t> perm,
                             const EvaluationKeys& keys) const {
  check(ct, "permute");
  permute(ct, SlotPermutation(*this, std::vector<size_t>(perm.begin(), perm.end())), keys);
}

void EncryptedArray::permute(Ciphertext& target, const SlotPermutation& perm,
                             const EvaluationKeys& keys) const {
  check(target, "permute");
  if (perm.impl_->ctx != impl_->ctx) {
    throw std::invalid_argument(
        "hl::EncryptedArray::permute: the permutation belongs to another context");
  }
  detail::Transaction tx(target);
  for (const SlotRotationSum& phase : perm.phases_) apply(tx.work(), phase, keys);
}

}  // namespace hl
