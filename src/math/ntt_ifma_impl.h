#pragma once
// The AVX-512 IFMA52 negacyclic NTT, written once over a "vector ops" policy V so that the same
// algorithm runs with real intrinsics (ntt_avx512ifma.cpp) and with a lane-by-lane emulation
// (tests/math/ntt_ifma_emulated_test.cpp) on machines without AVX-512.
//
// Butterflies: Harvey's lazy Cooley-Tukey / Gentleman-Sande butterflies (D. Harvey, "Faster
// arithmetic for number-theoretic transforms", J. Symb. Comp. 60 (2014), Alg. 4 and its
// inverse), with Shoup's multiplication done in 52-bit limbs as in Intel HEXL (F. Boemer et al.,
// "Intel HEXL: Accelerating Homomorphic Encryption with Intel AVX512-IFMA52", WAHC 2021,
// Sec. 4): for y < 2^52 and w' = floor(w * 2^52 / q),
//   qhat = hi52(y * w'),  y*w - qhat*q = lo52(y*w) + lo52(qhat * (2^52 - q))  (mod 2^52),
// and the true value lies in [0, 2q), so masking to 52 bits recovers it exactly. q < 2^50 keeps
// every lazy value below 4q < 2^52, the width of the multiplier.
//
// Schedule (forward; the inverse runs it backwards). Stage s has 2^s super-blocks of n >> s
// words and twiddle w[2^s + block]; a group of r consecutive stages on super-blocks of B words is
// done on 2^r vectors held in registers (radix 2^r), whose twiddle for level l, sub-block h is
// w[(G << l) + h] with G the super-block's twiddle index at the group's first stage.
//  1. Stages whose super-blocks exceed kBlockWords: radix-4 passes over the whole array.
//  2. Then depth first, per block of kBlockWords words (L1-resident): radix-8/4/2 passes down to
//     super-blocks of 128 words.
//  3. The tail, per 64 words (8 vectors): strides 32, 16, 8 as one radix-8 group, then strides
//     4, 2, 1 on each pair of vectors (16 words) in registers: before each of these stages a pair
//     of permutex2var moves the pairs' partners into different vectors, and the twiddles come in
//     per-lane layouts (split broadcast for stride 4, the expanded table wIfma2 for stride 2,
//     the bit-reversed table itself for stride 1). The final reduction to [0, q) happens there too.
// n < 16 goes to the scalar kernel; n = 16, 32 run the tail alone with 1 or 2 vector stages.
//
// V provides (8 lanes of 64 bits; semantics of the AVX-512 instruction in brackets):
//   using Reg;  Reg loadu(const uint64_t*);  void storeu(uint64_t*, Reg);  Reg zero();
//   Reg set1(uint64_t);  Reg set1Split(uint64_t lo, uint64_t hi)  [lanes 0-3 lo, lanes 4-7 hi];
//   Reg add(a, b), sub(a, b) [a - b], minu(a, b) [vpminuq], andv(a, b);
//   Reg madd52lo(acc, b, c), madd52hi(acc, b, c)  [vpmadd52luq / vpmadd52huq: acc + low / high
//       52 bits of the 104-bit product of the low 52 bits of b and c, mod 2^64];
//   Reg permutex2var(a, idx, b)  [lane i: (idx_i & 8 ? b : a)[idx_i & 7]].
//
// Everything here is a template over V (or constexpr data), so each including translation unit
// gets its own instantiations and no out-of-line code is shared between an AVX-512 and a portable
// translation unit.

#include <cstddef>
#include <cstdint>

#include "math/ntt_kernels.h"

namespace hl::detail::ifma {

inline constexpr int kBlockLog = 11;  // depth-first blocks of 2^11 words = 16 KiB
inline constexpr int kGlobalRadixLog = 2;
inline constexpr int kBlockRadixLog = 3;

// ---- Permutations of the 16-word tail --------------------------------------------------------
// A 16-word group has index bits b3 b2 b1 b0. A layout says which index bit selects the vector
// (V) and which sit at the lane bits L2 L1 L0. S0 is the natural layout; in S1, S2, S3 the
// partners of the stride 4, 2, 1 butterflies are in different vectors, and the lanes hold the
// remaining bits most significant first, so the twiddle of lane i is easy to lay out.
struct TailLayout {
  int v, l2, l1, l0;
};
inline constexpr TailLayout kS0{3, 2, 1, 0};
inline constexpr TailLayout kS1{2, 3, 1, 0};
inline constexpr TailLayout kS2{1, 3, 2, 0};
inline constexpr TailLayout kS3{0, 3, 2, 1};

// permutex2var index that builds vector `outVec` of layout `to` from the two vectors of `from`.
struct PermIndex {
  uint64_t lane[8];
};
consteval PermIndex permIndex(TailLayout from, TailLayout to, int outVec) {
  PermIndex r{};
  for (int i = 0; i < 8; ++i) {
    int bit[4] = {0, 0, 0, 0};
    bit[to.v] = outVec;
    bit[to.l2] = (i >> 2) & 1;
    bit[to.l1] = (i >> 1) & 1;
    bit[to.l0] = i & 1;
    const int srcVec = bit[from.v];
    const int srcLane = (bit[from.l2] << 2) | (bit[from.l1] << 1) | bit[from.l0];
    r.lane[i] = static_cast<uint64_t>((srcVec << 3) | srcLane);
  }
  return r;
}

// One layout change: the two index vectors.
struct PermPair {
  PermIndex lo, hi;
};
consteval PermPair permPair(TailLayout from, TailLayout to) {
  return {permIndex(from, to, 0), permIndex(from, to, 1)};
}
// Forward: S0 -> S1 -> S2 -> S3 -> S0; inverse: S0 -> S3 -> S2 -> S1 -> S0.
inline constexpr PermPair kFwdPerm[4] = {permPair(kS0, kS1), permPair(kS1, kS2), permPair(kS2, kS3),
                                         permPair(kS3, kS0)};
inline constexpr PermPair kInvPerm[4] = {permPair(kS0, kS3), permPair(kS3, kS2), permPair(kS2, kS1),
                                         permPair(kS1, kS0)};

// ---- Arithmetic ------------------------------------------------------------------------------

template <class V>
struct Ctx {
  using Reg = typename V::Reg;
  Reg zero, q, q2, negq, mask52;
  Reg perm[8];  // the four layout changes of the tail, two index vectors each
  // Tail twiddles: stride 4 (w4[2k], w4[2k+1] for group k), stride 2 (expanded, 16 words per
  // group: 8 twiddles then their Shoup constants), stride 1 (w1[8k..8k+8)).
  const uint64_t *w, *ws, *w4, *ws4, *e2, *w1, *ws1;
  Reg nInv, nInvS, nInvW, nInvWS;  // inverse only: the last stage with n^-1 folded in
};

// Harvey's lazy product with a 52-bit Shoup constant: y < 2^52, returns y * w mod q in [0, 2q).
template <class V>
inline typename V::Reg mulLazy(typename V::Reg y, typename V::Reg w, typename V::Reg ws,
                               const Ctx<V>& c) {
  const auto qhat = V::madd52hi(c.zero, y, ws);
  auto t = V::madd52lo(c.zero, y, w);
  t = V::madd52lo(t, qhat, c.negq);
  return V::andv(t, c.mask52);
}

// x, y in [0, 4q) -> x + w*y, x - w*y in [0, 4q).
template <class V>
inline void fwdButterfly(typename V::Reg& x, typename V::Reg& y, typename V::Reg w,
                         typename V::Reg ws, const Ctx<V>& c) {
  const auto u = V::minu(x, V::sub(x, c.q2));  // [0, 2q)
  const auto t = mulLazy<V>(y, w, ws, c);      // [0, 2q)
  x = V::add(u, t);
  y = V::add(u, V::sub(c.q2, t));
}

// x, y in [0, 2q) -> x + y, (x - y) * w in [0, 2q).
template <class V>
inline void invButterfly(typename V::Reg& x, typename V::Reg& y, typename V::Reg w,
                         typename V::Reg ws, const Ctx<V>& c) {
  const auto s = V::add(x, y);
  const auto d = V::sub(V::add(x, c.q2), y);  // [0, 4q)
  x = V::minu(s, V::sub(s, c.q2));
  y = mulLazy<V>(d, w, ws, c);
}

// [0, 2q) -> [0, q)
template <class V>
inline typename V::Reg reduce2q(typename V::Reg x, const Ctx<V>& c) {
  return V::minu(x, V::sub(x, c.q));
}

// The last inverse stage: (x + y) / n and (x - y) * wi[1] / n, fully reduced.
template <class V>
inline void invLastButterfly(typename V::Reg& x, typename V::Reg& y, const Ctx<V>& c) {
  const auto s = V::add(x, y);
  const auto d = V::sub(V::add(x, c.q2), y);
  x = reduce2q<V>(mulLazy<V>(s, c.nInv, c.nInvS, c), c);
  y = reduce2q<V>(mulLazy<V>(d, c.nInvW, c.nInvWS, c), c);
}

// ---- Radix-2^R groups on registers -----------------------------------------------------------

// Broadcast twiddles of a group: level l, sub-block h at [(1 << l) - 1 + h].
template <class V, int R>
inline void loadGroupTwiddles(typename V::Reg* tw, typename V::Reg* tws, const uint64_t* w,
                              const uint64_t* ws, size_t g) {
#pragma GCC unroll 8
  for (int l = 0; l < R; ++l) {
#pragma GCC unroll 8
    for (int h = 0; h < (1 << l); ++h) {
      tw[(1 << l) - 1 + h] = V::set1(w[(g << l) + h]);
      tws[(1 << l) - 1 + h] = V::set1(ws[(g << l) + h]);
    }
  }
}

// R forward stages on x[0 .. 2^R): level l pairs x[p] with x[p + 2^(R-1-l)].
template <class V, int R>
inline void fwdLevels(typename V::Reg* x, const typename V::Reg* tw, const typename V::Reg* tws,
                      const Ctx<V>& c) {
#pragma GCC unroll 8
  for (int l = 0; l < R; ++l) {
    const int span = 1 << (R - 1 - l);
#pragma GCC unroll 8
    for (int h = 0; h < (1 << l); ++h) {
#pragma GCC unroll 8
      for (int p = 2 * h * span; p < 2 * h * span + span; ++p) {
        fwdButterfly<V>(x[p], x[p + span], tw[(1 << l) - 1 + h], tws[(1 << l) - 1 + h], c);
      }
    }
  }
}

// The same levels in inverse order; with Last, level 0 is the final stage of the transform.
template <class V, int R, bool Last>
inline void invLevels(typename V::Reg* x, const typename V::Reg* tw, const typename V::Reg* tws,
                      const Ctx<V>& c) {
#pragma GCC unroll 8
  for (int l = R - 1; l >= 0; --l) {
    const int span = 1 << (R - 1 - l);
#pragma GCC unroll 8
    for (int h = 0; h < (1 << l); ++h) {
#pragma GCC unroll 8
      for (int p = 2 * h * span; p < 2 * h * span + span; ++p) {
        if (Last && l == 0) {
          invLastButterfly<V>(x[p], x[p + span], c);
        } else {
          invButterfly<V>(x[p], x[p + span], tw[(1 << l) - 1 + h], tws[(1 << l) - 1 + h], c);
        }
      }
    }
  }
}

// One pass of R stages over `count` consecutive super-blocks of `b` words starting at a, the
// first with twiddle index g0 (the parts of b >> R words hold at least one vector).
template <class V, int R, bool Inverse, bool Last>
void radixPass(uint64_t* a, size_t count, size_t b, size_t g0, const Ctx<V>& ctx) {
  using Reg = typename V::Reg;
  // A local copy: the vector stores may alias anything reachable through a pointer, and the
  // constants should stay in registers.
  const Ctx<V> c = ctx;
  constexpr int kParts = 1 << R;
  const size_t part = b >> R;
  for (size_t i = 0; i < count; ++i) {
    Reg tw[kParts - 1], tws[kParts - 1];
    loadGroupTwiddles<V, R>(tw, tws, c.w, c.ws, g0 + i);
    uint64_t* base = a + i * b;
    for (size_t j = 0; j < part; j += 8) {
      Reg x[kParts];
#pragma GCC unroll 8
      for (int p = 0; p < kParts; ++p) x[p] = V::loadu(base + p * part + j);
      if constexpr (Inverse) {
        invLevels<V, R, Last>(x, tw, tws, c);
      } else {
        fwdLevels<V, R>(x, tw, tws, c);
      }
#pragma GCC unroll 8
      for (int p = 0; p < kParts; ++p) V::storeu(base + p * part + j, x[p]);
    }
  }
}

template <class V, bool Inverse>
void radixPassDispatch(int r, bool last, uint64_t* a, size_t count, size_t b, size_t g0,
                       const Ctx<V>& c) {
  if (last) {
    switch (r) {
      case 1:
        return radixPass<V, 1, Inverse, Inverse>(a, count, b, g0, c);
      case 2:
        return radixPass<V, 2, Inverse, Inverse>(a, count, b, g0, c);
      default:
        return radixPass<V, 3, Inverse, Inverse>(a, count, b, g0, c);
    }
  }
  switch (r) {
    case 1:
      return radixPass<V, 1, Inverse, false>(a, count, b, g0, c);
    case 2:
      return radixPass<V, 2, Inverse, false>(a, count, b, g0, c);
    default:
      return radixPass<V, 3, Inverse, false>(a, count, b, g0, c);
  }
}

// ---- The tail: strides 4, 2, 1 on 16 words in two registers ----------------------------------

template <class V>
inline void permute(typename V::Reg& a0, typename V::Reg& a1, const typename V::Reg* idx) {
  const auto lo = V::permutex2var(a0, idx[0], a1);
  const auto hi = V::permutex2var(a0, idx[1], a1);
  a0 = lo;
  a1 = hi;
}

// Forward strides 4, 2, 1 and the reduction to [0, q) on 16-word group k (natural layout).
template <class V>
inline void fwdLast3(typename V::Reg& a0, typename V::Reg& a1, size_t k, const Ctx<V>& c) {
  permute<V>(a0, a1, c.perm + 0);  // S1
  fwdButterfly<V>(a0, a1, V::set1Split(c.w4[2 * k], c.w4[2 * k + 1]),
                  V::set1Split(c.ws4[2 * k], c.ws4[2 * k + 1]), c);
  permute<V>(a0, a1, c.perm + 2);  // S2
  fwdButterfly<V>(a0, a1, V::loadu(c.e2 + 16 * k), V::loadu(c.e2 + 16 * k + 8), c);
  permute<V>(a0, a1, c.perm + 4);  // S3
  fwdButterfly<V>(a0, a1, V::loadu(c.w1 + 8 * k), V::loadu(c.ws1 + 8 * k), c);
  a0 = V::minu(a0, V::sub(a0, c.q2));
  a1 = V::minu(a1, V::sub(a1, c.q2));
  a0 = reduce2q<V>(a0, c);
  a1 = reduce2q<V>(a1, c);
  permute<V>(a0, a1, c.perm + 6);  // S0
}

// Inverse strides 1, 2, 4 on 16-word group k (natural layout in and out).
template <class V>
inline void invFirst3(typename V::Reg& a0, typename V::Reg& a1, size_t k, const Ctx<V>& c) {
  permute<V>(a0, a1, c.perm + 0);  // S3
  invButterfly<V>(a0, a1, V::loadu(c.w1 + 8 * k), V::loadu(c.ws1 + 8 * k), c);
  permute<V>(a0, a1, c.perm + 2);  // S2
  invButterfly<V>(a0, a1, V::loadu(c.e2 + 16 * k), V::loadu(c.e2 + 16 * k + 8), c);
  permute<V>(a0, a1, c.perm + 4);  // S1
  invButterfly<V>(a0, a1, V::set1Split(c.w4[2 * k], c.w4[2 * k + 1]),
                  V::set1Split(c.ws4[2 * k], c.ws4[2 * k + 1]), c);
  permute<V>(a0, a1, c.perm + 6);  // S0
}

// The last R + 3 forward stages on one block of 2^(R+3) words with twiddle index g (for its
// first stage); its 16-word groups are numbered from 2^(R-1) * (g - n / 2^(R+3)).
template <class V, int R>
inline void fwdTail(uint64_t* a, size_t g, size_t firstGroup, const Ctx<V>& c) {
  using Reg = typename V::Reg;
  constexpr int kParts = 1 << R;
  Reg x[kParts];
#pragma GCC unroll 8
  for (int p = 0; p < kParts; ++p) x[p] = V::loadu(a + 8 * p);
  Reg tw[kParts - 1], tws[kParts - 1];
  loadGroupTwiddles<V, R>(tw, tws, c.w, c.ws, g);
  fwdLevels<V, R>(x, tw, tws, c);
#pragma GCC unroll 4
  for (int p = 0; p < kParts; p += 2) fwdLast3<V>(x[p], x[p + 1], firstGroup + p / 2, c);
#pragma GCC unroll 8
  for (int p = 0; p < kParts; ++p) V::storeu(a + 8 * p, x[p]);
}

template <class V, int R, bool Last>
inline void invTail(uint64_t* a, size_t g, size_t firstGroup, const Ctx<V>& c) {
  using Reg = typename V::Reg;
  constexpr int kParts = 1 << R;
  Reg x[kParts];
#pragma GCC unroll 8
  for (int p = 0; p < kParts; ++p) x[p] = V::loadu(a + 8 * p);
#pragma GCC unroll 4
  for (int p = 0; p < kParts; p += 2) invFirst3<V>(x[p], x[p + 1], firstGroup + p / 2, c);
  Reg tw[kParts - 1], tws[kParts - 1];
  loadGroupTwiddles<V, R>(tw, tws, c.w, c.ws, g);
  invLevels<V, R, Last>(x, tw, tws, c);
#pragma GCC unroll 8
  for (int p = 0; p < kParts; ++p) V::storeu(a + 8 * p, x[p]);
}

// All tails of one block of `count` words at a (64-word blocks, a at word offset `offset`).
template <class V>
void fwdTails(uint64_t* a, size_t offset, size_t count, size_t n, const Ctx<V>& ctx) {
  const Ctx<V> c = ctx;
  for (size_t k = 0; k < count; k += 64) {
    fwdTail<V, 3>(a + k, n / 64 + (offset + k) / 64, (offset + k) / 16, c);
  }
}

template <class V>
void invTails(uint64_t* a, size_t offset, size_t count, size_t n, const Ctx<V>& ctx) {
  const Ctx<V> c = ctx;
  for (size_t k = 0; k < count; k += 64) {
    invTail<V, 3, false>(a + k, n / 64 + (offset + k) / 64, (offset + k) / 16, c);
  }
}

// ---- Drivers ---------------------------------------------------------------------------------

template <class V>
Ctx<V> makeCtx(const NttKernelArgs& t, bool inverse) {
  Ctx<V> c;
  const size_t n = t.n;
  c.zero = V::zero();
  c.q = V::set1(t.q);
  c.q2 = V::set1(2 * t.q);
  c.negq = V::set1((uint64_t{1} << 52) - t.q);
  c.mask52 = V::set1((uint64_t{1} << 52) - 1);
  const PermPair* perms = inverse ? kInvPerm : kFwdPerm;
  for (int i = 0; i < 4; ++i) {
    c.perm[2 * i] = V::loadu(perms[i].lo.lane);
    c.perm[2 * i + 1] = V::loadu(perms[i].hi.lane);
  }
  c.w = inverse ? t.wi : t.w;
  c.ws = inverse ? t.wiShoup52 : t.wShoup52;
  c.w4 = c.w + n / 8;
  c.ws4 = c.ws + n / 8;
  c.e2 = inverse ? t.wiIfma2 : t.wIfma2;
  c.w1 = c.w + n / 2;
  c.ws1 = c.ws + n / 2;
  c.nInv = V::set1(t.nInv);
  c.nInvS = V::set1(t.nInvShoup52);
  c.nInvW = V::set1(t.nInvW);
  c.nInvWS = V::set1(t.nInvWShoup52);
  return c;
}

// The radix groups of the middle stages [first, end) in forward order, at most `radixLog` each.
struct StageGroups {
  int start[32];
  int size[32];
  int count = 0;
};
template <class V>  // a template only so that no out-of-line copy is shared between TUs
StageGroups stageGroups(int first, int end, int radixLog) {
  StageGroups g{};
  for (int s = first; s < end;) {
    const int r = end - s < radixLog ? end - s : radixLog;
    g.start[g.count] = s;
    g.size[g.count] = r;
    ++g.count;
    s += r;
  }
  return g;
}

template <class V>
void forward(uint64_t* a, const NttKernelArgs& t) {
  const size_t n = t.n;
  if (n < 16) return nttForwardScalar(a, t);
  const Ctx<V> c = makeCtx<V>(t, false);
  if (n == 16) return fwdTail<V, 1>(a, 1, 0, c);
  if (n == 32) return fwdTail<V, 2>(a, 1, 0, c);
  const int logn = t.logn;
  const int tailStart = logn - 6;  // stages >= tailStart act inside 64-word blocks
  const int blockStart = logn > kBlockLog ? logn - kBlockLog : 0;
  const StageGroups global = stageGroups<V>(0, blockStart, kGlobalRadixLog);
  for (int i = 0; i < global.count; ++i) {
    const int s = global.start[i];
    radixPassDispatch<V, false>(global.size[i], false, a, size_t{1} << s, n >> s, size_t{1} << s,
                                c);
  }
  const StageGroups local = stageGroups<V>(blockStart, tailStart, kBlockRadixLog);
  const size_t block = n >> blockStart;
  for (size_t b0 = 0; b0 < n; b0 += block) {
    for (int i = 0; i < local.count; ++i) {
      const int s = local.start[i];
      const size_t sb = n >> s;
      radixPassDispatch<V, false>(local.size[i], false, a + b0, block / sb, sb,
                                  (size_t{1} << s) + b0 / sb, c);
    }
    fwdTails<V>(a + b0, b0, block, n, c);
  }
}

template <class V>
void inverse(uint64_t* a, const NttKernelArgs& t) {
  const size_t n = t.n;
  if (n < 16) return nttInverseScalar(a, t);
  const Ctx<V> c = makeCtx<V>(t, true);
  if (n == 16) return invTail<V, 1, true>(a, 1, 0, c);
  if (n == 32) return invTail<V, 2, true>(a, 1, 0, c);
  if (n == 64) return invTail<V, 3, true>(a, 1, 0, c);
  const int logn = t.logn;
  const int tailStart = logn - 6;
  const int blockStart = logn > kBlockLog ? logn - kBlockLog : 0;
  const StageGroups local = stageGroups<V>(blockStart, tailStart, kBlockRadixLog);
  const size_t block = n >> blockStart;
  for (size_t b0 = 0; b0 < n; b0 += block) {
    invTails<V>(a + b0, b0, block, n, c);
    for (int i = local.count - 1; i >= 0; --i) {
      const int s = local.start[i];
      const size_t sb = n >> s;
      radixPassDispatch<V, true>(local.size[i], s == 0, a + b0, block / sb, sb,
                                 (size_t{1} << s) + b0 / sb, c);
    }
  }
  const StageGroups global = stageGroups<V>(0, blockStart, kGlobalRadixLog);
  for (int i = global.count - 1; i >= 0; --i) {
    const int s = global.start[i];
    radixPassDispatch<V, true>(global.size[i], s == 0, a, size_t{1} << s, n >> s, size_t{1} << s,
                               c);
  }
}

}  // namespace hl::detail::ifma
