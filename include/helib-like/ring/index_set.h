#pragma once
// A set of prime indices into a ModulusChain.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace hl {

/// A finite set of non-negative indices (positions of primes in a ModulusChain), kept sorted.
class IndexSet {
 public:
  IndexSet() = default;
  IndexSet(std::initializer_list<size_t> indices);
  /// The range [first, last). Empty if last <= first.
  static IndexSet range(size_t first, size_t last);

  size_t size() const { return v_.size(); }
  bool empty() const { return v_.empty(); }
  bool contains(size_t i) const;
  bool containsAll(const IndexSet& other) const;
  bool disjointFrom(const IndexSet& other) const;
  /// Position of index i inside the set (its rank). Throws std::out_of_range if absent.
  size_t position(size_t i) const;
  size_t first() const;  ///< smallest index; throws std::out_of_range if empty
  size_t last() const;   ///< largest index; throws std::out_of_range if empty

  void insert(size_t i);
  void erase(size_t i);
  IndexSet operator|(const IndexSet& o) const;  ///< union
  IndexSet operator&(const IndexSet& o) const;  ///< intersection
  IndexSet operator-(const IndexSet& o) const;  ///< difference
  bool operator==(const IndexSet& o) const = default;

  auto begin() const { return v_.begin(); }
  auto end() const { return v_.end(); }
  size_t operator[](size_t pos) const { return v_[pos]; }
  std::string toString() const;

 private:
  std::vector<size_t> v_;
};

}  // namespace hl
