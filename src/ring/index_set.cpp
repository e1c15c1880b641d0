#include "helib-like/ring/index_set.h"

#include <algorithm>
#include <iterator>
#include <stdexcept>

namespace hl {

IndexSet::IndexSet(std::initializer_list<size_t> indices) : v_(indices) {
  std::sort(v_.begin(), v_.end());
  v_.erase(std::unique(v_.begin(), v_.end()), v_.end());
}

IndexSet IndexSet::range(size_t first, size_t last) {
  IndexSet s;
  for (size_t i = first; i < last; ++i) s.v_.push_back(i);
  return s;
}

bool IndexSet::contains(size_t i) const { return std::binary_search(v_.begin(), v_.end(), i); }

bool IndexSet::containsAll(const IndexSet& o) const {
  return std::includes(v_.begin(), v_.end(), o.v_.begin(), o.v_.end());
}

bool IndexSet::disjointFrom(const IndexSet& o) const { return (*this & o).empty(); }

size_t IndexSet::position(size_t i) const {
  auto it = std::lower_bound(v_.begin(), v_.end(), i);
  if (it == v_.end() || *it != i) {
    throw std::out_of_range("hl::IndexSet: index " + std::to_string(i) + " is not in " +
                            toString());
  }
  return static_cast<size_t>(it - v_.begin());
}

size_t IndexSet::first() const {
  if (v_.empty()) throw std::out_of_range("hl::IndexSet::first: the set is empty");
  return v_.front();
}

size_t IndexSet::last() const {
  if (v_.empty()) throw std::out_of_range("hl::IndexSet::last: the set is empty");
  return v_.back();
}

void IndexSet::insert(size_t i) {
  auto it = std::lower_bound(v_.begin(), v_.end(), i);
  if (it == v_.end() || *it != i) v_.insert(it, i);
}

void IndexSet::erase(size_t i) {
  auto it = std::lower_bound(v_.begin(), v_.end(), i);
  if (it != v_.end() && *it == i) v_.erase(it);
}

IndexSet IndexSet::operator|(const IndexSet& o) const {
  IndexSet r;
  std::set_union(v_.begin(), v_.end(), o.v_.begin(), o.v_.end(), std::back_inserter(r.v_));
  return r;
}

IndexSet IndexSet::operator&(const IndexSet& o) const {
  IndexSet r;
  std::set_intersection(v_.begin(), v_.end(), o.v_.begin(), o.v_.end(), std::back_inserter(r.v_));
  return r;
}

IndexSet IndexSet::operator-(const IndexSet& o) const {
  IndexSet r;
  std::set_difference(v_.begin(), v_.end(), o.v_.begin(), o.v_.end(), std::back_inserter(r.v_));
  return r;
}

std::string IndexSet::toString() const {
  std::string s = "{";
  for (size_t k = 0; k < v_.size(); ++k) s += (k ? ", " : "") + std::to_string(v_[k]);
  return s + "}";
}

}  // namespace hl
