#pragma once
// 64-byte aligned storage for the vectors the SIMD kernels stream through: with the default
// 16-byte alignment every other 32-byte load (AVX2) and every 64-byte load (AVX-512) would
// straddle two cache lines.

#include <cstddef>
#include <new>
#include <vector>

namespace hl::detail {

inline constexpr std::size_t kSimdAlignment = 64;

template <typename T>
struct AlignedAllocator {
  using value_type = T;
  AlignedAllocator() noexcept = default;
  template <typename U>
  AlignedAllocator(const AlignedAllocator<U>&) noexcept {}
  T* allocate(std::size_t count) {
    if (count > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(::operator new(count * sizeof(T), std::align_val_t{kSimdAlignment}));
  }
  void deallocate(T* p, std::size_t) noexcept {
    ::operator delete(p, std::align_val_t{kSimdAlignment});
  }
  template <typename U>
  bool operator==(const AlignedAllocator<U>&) const noexcept {
    return true;
  }
};

template <typename T>
using AlignedVector = std::vector<T, AlignedAllocator<T>>;

}  // namespace hl::detail
