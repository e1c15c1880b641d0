// The memory pool (see memory_pool.h): free buffers by size, under one mutex. A request takes
// the smallest free buffer of at least its size and at most kPoolMaxSlack times it: a
// ciphertext levels down reuses the buffers of the levels above instead of faulting in fresh
// pages (measured: 12% of an AES evaluation at m = 53261 went to the kernel zeroing pages
// while exact sizes were required; with at most 1.5 times, the AES's later rounds, at a third
// of the top level's primes, still faulted in 175 MB of their own next to the idle buffers of
// the first rounds).
#include "helib-like/math/memory_pool.h"

#include <cstdint>
#include <mutex>
#include <map>
#include <new>
#include <unordered_map>
#include <vector>

#include "helib-like/detail/aligned.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define HL_POOL_ENABLED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HL_POOL_ENABLED 0
#endif
#endif
#ifndef HL_POOL_ENABLED
#define HL_POOL_ENABLED 1
#endif

namespace hl {
namespace {

// Fresh buffers of at least this size have their pages populated in one system call.
constexpr std::size_t kPopulateMinBytes = std::size_t{1} << 20;

void* systemAllocate(std::size_t bytes) {
  void* p = ::operator new (bytes, std::align_val_t{detail::kSimdAlignment});
#if defined(__linux__)
  // Every pooled buffer is written whole soon after (ring elements, keys, scratch), so its
  // pages are faulted in either way: MADV_POPULATE_WRITE (Linux 5.14) maps them all in one
  // call instead of one page fault per 4 KiB (measured: the kernel's share of an AES
  // evaluation at aes-128 from about 5% to 3%, the same peak memory). Older kernels refuse
  // the advice (EINVAL) and the pages fault in as before.
  if (bytes >= kPopulateMinBytes) {
    constexpr int kPopulateWrite = 23;  // MADV_POPULATE_WRITE, absent from older headers
    const auto first = reinterpret_cast<std::uintptr_t>(p);
    const std::uintptr_t page = 4096, lo = (first + page - 1) & ~(page - 1),
                         hi = (first + bytes) & ~(page - 1);
    if (hi > lo) (void)madvise(reinterpret_cast<void*>(lo), hi - lo, kPopulateWrite);
  }
#endif
  return p;
}
void systemFree(void* p) noexcept {
  ::operator delete (p, std::align_val_t{detail::kSimdAlignment});
}

struct Pool {
  std::mutex mu;
  std::map<std::size_t, std::vector<void*>> free;  // by capacity in bytes
  // Buffers in use whose capacity exceeds the size they were asked for.
  std::unordered_map<void*, std::size_t> larger;
  std::size_t limit = kDefaultPoolLimitBytes, cached = 0, blocks = 0, hits = 0, misses = 0;

  // Drops free buffers until at most `keep` bytes remain; the caller holds mu.
  void shrinkTo(std::size_t keep) {
    for (auto it = free.begin(); it != free.end() && cached > keep;) {
      auto& list = it->second;
      while (!list.empty() && cached > keep) {
        systemFree(list.back());
        list.pop_back();
        cached -= it->first;
        --blocks;
      }
      it = list.empty() ? free.erase(it) : std::next(it);
    }
  }
};

// Never destroyed: buffers may be freed by static destructors after main returns.
Pool& pool() {
  static Pool* p = new Pool;
  return *p;
}

}  // namespace

MemoryPoolStats memoryPoolStats() {
  Pool& p = pool();
  const std::lock_guard<std::mutex> lock(p.mu);
  return {HL_POOL_ENABLED != 0, p.limit, p.cached, p.blocks, p.hits, p.misses};
}

void setMemoryPoolLimit(std::size_t bytes) {
  Pool& p = pool();
  const std::lock_guard<std::mutex> lock(p.mu);
  p.limit = bytes;
  p.shrinkTo(bytes);
}

void releaseMemoryPool() {
  Pool& p = pool();
  const std::lock_guard<std::mutex> lock(p.mu);
  p.shrinkTo(0);
}

namespace detail {

void* poolAllocate(std::size_t bytes, bool tight) {
  if (HL_POOL_ENABLED == 0 || bytes < kPoolMinBytes) return systemAllocate(bytes);
  Pool& p = pool();
  {
    const std::lock_guard<std::mutex> lock(p.mu);
    auto it = p.free.lower_bound(bytes);
    if (it != p.free.end() &&
        (tight ? it->first <= bytes + bytes / 4 : it->first / kPoolMaxSlack <= bytes)) {
      void* block = it->second.back();
      const std::size_t capacity = it->first;
      try {
        if (capacity != bytes) p.larger.emplace(block, capacity);
      } catch (...) {
        return systemAllocate(bytes);  // no memory for the bookkeeping: leave the pool alone
      }
      it->second.pop_back();
      if (it->second.empty()) p.free.erase(it);
      p.cached -= capacity;
      --p.blocks;
      ++p.hits;
      return block;
    }
    ++p.misses;
  }
  return systemAllocate(bytes);  // outside the lock: it may fault in pages
}

void poolFree(void* ptr, std::size_t bytes) noexcept {
  if (ptr == nullptr) return;
  if (HL_POOL_ENABLED == 0 || bytes < kPoolMinBytes) return systemFree(ptr);
  Pool& p = pool();
  {
    const std::lock_guard<std::mutex> lock(p.mu);
    if (auto it = p.larger.find(ptr); it != p.larger.end()) {
      bytes = it->second;
      p.larger.erase(it);
    }
    if (p.cached + bytes <= p.limit) {
      try {
        p.free[bytes].push_back(ptr);
        p.cached += bytes;
        ++p.blocks;
        return;
      } catch (...) {  // no memory for the bookkeeping: release the buffer instead
      }
    }
  }
  systemFree(ptr);
}

}  // namespace detail
}  // namespace hl
