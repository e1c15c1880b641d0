#include "helib-like/math/memory_pool.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "helib-like/detail/aligned.h"

namespace {

using hl::detail::poolAllocate;
using hl::detail::poolFree;

// Each test starts from an empty pool with the default limit and leaves it so.
class MemoryPool : public ::testing::Test {
 protected:
  void SetUp() override {
    hl::setMemoryPoolLimit(hl::kDefaultPoolLimitBytes);
    hl::releaseMemoryPool();
    if (!hl::memoryPoolStats().enabled) GTEST_SKIP() << "pool disabled (AddressSanitizer)";
  }
  void TearDown() override {
    hl::setMemoryPoolLimit(hl::kDefaultPoolLimitBytes);
    hl::releaseMemoryPool();
  }
};

constexpr size_t kBig = size_t{3} << 20;  // above kPoolMinBytes

TEST_F(MemoryPool, ReusesAFreedBufferOfTheSameSize) {
  const auto before = hl::memoryPoolStats();
  void* a = poolAllocate(kBig);
  ASSERT_EQ(reinterpret_cast<uintptr_t>(a) % hl::detail::kSimdAlignment, 0u);
  std::memset(a, 0x5a, kBig);  // usable
  poolFree(a, kBig);
  auto s = hl::memoryPoolStats();
  EXPECT_EQ(s.cachedBytes, kBig);
  EXPECT_EQ(s.cachedBlocks, 1u);
  EXPECT_EQ(s.misses, before.misses + 1);
  void* b = poolAllocate(kBig);  // the same buffer back
  EXPECT_EQ(b, a);
  s = hl::memoryPoolStats();
  EXPECT_EQ(s.hits, before.hits + 1);
  EXPECT_EQ(s.cachedBytes, 0u);
  void* c = poolAllocate(kBig + 64);  // another size: not that buffer (b is in use anyway)
  EXPECT_NE(c, b);
  poolFree(c, kBig + 64);
  poolFree(b, kBig);
  EXPECT_EQ(hl::memoryPoolStats().cachedBlocks, 2u);
  EXPECT_EQ(hl::memoryPoolStats().cachedBytes, 2 * kBig + 64);
}

// A smaller request (a ciphertext levels down) takes a free buffer of up to kPoolMaxSlack
// times its size, which returns to the pool with its full capacity.
TEST_F(MemoryPool, SlightlySmallerRequestsReuseLargerBuffers) {
  void* a = poolAllocate(kBig);
  poolFree(a, kBig);
  const auto before = hl::memoryPoolStats();
  void* b = poolAllocate(kBig - kBig / 5);
  EXPECT_EQ(b, a);
  EXPECT_EQ(hl::memoryPoolStats().hits, before.hits + 1);
  EXPECT_EQ(hl::memoryPoolStats().cachedBytes, 0u);
  poolFree(b, kBig - kBig / 5);
  EXPECT_EQ(hl::memoryPoolStats().cachedBytes, kBig);  // filed under its capacity
  const size_t tooSmall = kBig / hl::kPoolMaxSlack - 64;
  void* c = poolAllocate(tooSmall);  // too small to take it
  EXPECT_NE(c, a);
  EXPECT_EQ(hl::memoryPoolStats().cachedBytes, kBig);
  void* d = poolAllocate(kBig / hl::kPoolMaxSlack);  // just large enough
  EXPECT_EQ(d, a);
  poolFree(c, tooSmall);
  poolFree(d, kBig / hl::kPoolMaxSlack);
  EXPECT_EQ(hl::memoryPoolStats().cachedBytes, kBig + tooSmall);
  // Best fit: of two free buffers that hold a request, the smaller one.
  void* f = poolAllocate(2 * kBig);
  poolFree(f, 2 * kBig);
  void* e = poolAllocate(kBig / 2);
  EXPECT_EQ(e, a);
  void* g = poolAllocate(kBig / 2);
  EXPECT_EQ(g, f);
  poolFree(e, kBig / 2);
  poolFree(g, kBig / 2);
}

// A tight request (storage that lives long: keys, prepared constants) takes a free buffer of
// at most 1.25 times its size, so that it does not keep a larger buffer's surplus for good;
// LongLivedVector allocates that way.
TEST_F(MemoryPool, TightRequestsTakeOnlyCloseSizes) {
  void* a = poolAllocate(kBig);
  poolFree(a, kBig);
  void* b = poolAllocate(kBig / 2, /*tight=*/true);
  EXPECT_NE(b, a);
  EXPECT_EQ(hl::memoryPoolStats().cachedBytes, kBig);
  void* c = poolAllocate(kBig - kBig / 8, /*tight=*/true);
  EXPECT_EQ(c, a);
  poolFree(b, kBig / 2);
  poolFree(c, kBig - kBig / 8);
  EXPECT_EQ(hl::memoryPoolStats().cachedBytes, kBig + kBig / 2);
  {
    hl::detail::LongLivedVector<uint64_t> v;
    v.reserve(kBig / 8 / 3);  // a third of the big buffer: not that one
    EXPECT_NE(static_cast<void*>(v.data()), a);
  }
}

TEST_F(MemoryPool, SmallBuffersAreNotPooled) {
  const auto before = hl::memoryPoolStats();
  void* a = poolAllocate(hl::kPoolMinBytes - 8);
  ASSERT_EQ(reinterpret_cast<uintptr_t>(a) % hl::detail::kSimdAlignment, 0u);
  poolFree(a, hl::kPoolMinBytes - 8);
  const auto s = hl::memoryPoolStats();
  EXPECT_EQ(s.cachedBytes, 0u);
  EXPECT_EQ(s.hits + s.misses, before.hits + before.misses);
}

TEST_F(MemoryPool, LimitAndReleaseBoundTheBytesKept) {
  hl::setMemoryPoolLimit(2 * kBig);
  std::vector<void*> blocks;
  for (int i = 0; i < 4; ++i) blocks.push_back(poolAllocate(kBig));
  for (void* p : blocks) poolFree(p, kBig);
  EXPECT_EQ(hl::memoryPoolStats().cachedBytes, 2 * kBig);  // two kept, two released
  hl::setMemoryPoolLimit(kBig);                            // lowering the limit releases the excess
  EXPECT_EQ(hl::memoryPoolStats().cachedBytes, kBig);
  EXPECT_EQ(hl::memoryPoolStats().limitBytes, kBig);
  hl::releaseMemoryPool();
  EXPECT_EQ(hl::memoryPoolStats().cachedBytes, 0u);
  EXPECT_EQ(hl::memoryPoolStats().cachedBlocks, 0u);
  hl::setMemoryPoolLimit(0);  // keep nothing
  void* a = poolAllocate(kBig);
  poolFree(a, kBig);
  EXPECT_EQ(hl::memoryPoolStats().cachedBytes, 0u);
}

// The allocator the ring elements use goes through the pool.
TEST_F(MemoryPool, AlignedVectorStorageIsRecycled) {
  const auto before = hl::memoryPoolStats();
  const uint64_t* first;
  {
    hl::detail::AlignedVector<uint64_t> v(kBig / 8, 7);
    first = v.data();
  }
  hl::detail::AlignedVector<uint64_t> w(kBig / 8, 0);
  EXPECT_EQ(w.data(), first);
  EXPECT_EQ(w[12345], 0u);  // value-initialised as usual
  EXPECT_EQ(hl::memoryPoolStats().hits, before.hits + 1);
}

// Threads allocating and freeing concurrently get distinct, intact buffers.
TEST_F(MemoryPool, ConcurrentUseKeepsBuffersDistinct) {
  constexpr int kThreads = 4, kRounds = 200;
  std::vector<std::thread> threads;
  std::vector<int> bad(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &bad] {
      for (int r = 0; r < kRounds; ++r) {
        const size_t bytes = hl::kPoolMinBytes * (1 + (r % 3));
        auto* p = static_cast<uint8_t*>(poolAllocate(bytes));
        std::memset(p, t + 1, bytes);
        std::this_thread::yield();
        for (size_t i = 0; i < bytes; i += 4093) bad[t] += p[i] != t + 1;
        poolFree(p, bytes);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(bad[t], 0) << "thread " << t;
}

}  // namespace
