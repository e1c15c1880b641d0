#pragma once
// 64-byte aligned storage for the vectors the SIMD kernels stream through: with the default
// 16-byte alignment every other 32-byte load (AVX2) and every 64-byte load (AVX-512) would
// straddle two cache lines. Large buffers come from the library's memory pool
// (helib-like/math/memory_pool.h).

#include <cstddef>
#include <new>
#include <vector>

#include "helib-like/math/memory_pool.h"

namespace hl::detail {

inline constexpr std::size_t kSimdAlignment = 64;

// Tight: a long-lived buffer, which takes no pooled buffer much larger than itself
// (poolAllocate's `tight`).
template <typename T, bool Tight = false>
struct AlignedAllocator {
  using value_type = T;
  template <typename U>
  struct rebind {
    using other = AlignedAllocator<U, Tight>;
  };
  AlignedAllocator() noexcept = default;
  template <typename U>
  AlignedAllocator(const AlignedAllocator<U, Tight>&) noexcept {}
  T* allocate(std::size_t count) {
    if (count > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(poolAllocate(count * sizeof(T), Tight));
  }
  void deallocate(T* p, std::size_t count) noexcept { poolFree(p, count * sizeof(T)); }
  template <typename U>
  bool operator==(const AlignedAllocator<U, Tight>&) const noexcept {
    return true;
  }
};

template <typename T>
using AlignedVector = std::vector<T, AlignedAllocator<T>>;
/// For storage that lives long (keys, prepared constants).
template <typename T>
using LongLivedVector = std::vector<T, AlignedAllocator<T, true>>;

}  // namespace hl::detail
