#pragma once
// The memory pool for large buffers (ring elements, key-switching keys, scratch).
//
// Every buffer of at least kPoolMinBytes that the library allocates for its SIMD kernels (the
// storage of a DoubleCRT above all: phi(m) words per prime, megabytes at the sizes users run)
// comes from a process-wide pool. A freed buffer is kept, by its size, for a later allocation
// of at least 1/kPoolMaxSlack of that size (a ring element levels down reuses the buffer of
// the levels above: the buffer is resident already, so lending it costs no memory, where a
// fresh one would), up to a limit on the bytes kept; beyond it, buffers go back to the system. Without the pool, glibc returns such blocks to the operating system when the top of
// its heap grows past its trim threshold, and every homomorphic operation pays the page faults
// of fresh memory again (on a virtual machine, several times the cost of the arithmetic:
// doc/performance.md). The same idea as Microsoft SEAL's MemoryPoolHandle, without the handle:
// one pool, thread-safe, never in a hot loop (a few allocations per operation).
//
// The pool does not wipe buffers: objects that hold secrets (SecretKey, the temporaries of
// encryption and key generation) wipe their storage before they release it, as they would
// without a pool. Under AddressSanitizer the pool is disabled so that use-after-free stays
// detectable; memoryPoolStats().enabled says which.
#include <cstddef>

namespace hl {

struct MemoryPoolStats {
  bool enabled = false;                           // false under AddressSanitizer
  std::size_t limitBytes = 0;                     // most bytes kept in free buffers
  std::size_t cachedBytes = 0, cachedBlocks = 0;  // free buffers kept now
  std::size_t hits = 0, misses = 0;  // pooled-size allocations served from the pool / the system
};

/// Buffers below this size are not pooled (the system allocator recycles them well).
inline constexpr std::size_t kPoolMinBytes = std::size_t{1} << 18;
/// A request takes the smallest free buffer that holds it, if at most this many times larger.
inline constexpr std::size_t kPoolMaxSlack = 8;
/// The default limit of setMemoryPoolLimit.
inline constexpr std::size_t kDefaultPoolLimitBytes = std::size_t{128} << 20;

MemoryPoolStats memoryPoolStats();
/// The most bytes kept in free buffers (0: keep none); buffers above a lower limit are released.
void setMemoryPoolLimit(std::size_t bytes);
/// Returns every free buffer to the system (buffers in use are unaffected).
void releaseMemoryPool();

namespace detail {
/// 64-byte aligned storage of `bytes` (> 0), pooled from kPoolMinBytes on. tight: only a free
/// buffer of at most 1.25 times the size is taken (for storage that lives long, such as keys
/// and prepared constants, which would otherwise keep a larger buffer's surplus for good).
void* poolAllocate(std::size_t bytes, bool tight = false);
/// Releases storage from poolAllocate with the same size.
void poolFree(void* p, std::size_t bytes) noexcept;
}  // namespace detail

}  // namespace hl
