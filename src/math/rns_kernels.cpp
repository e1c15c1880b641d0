// The portable kernels of rns_kernels.h and the dispatch to the vector ones.
#include "math/rns_kernels.h"

#include <cassert>

#include "math/rns_kernels_isa.h"

namespace hl::detail {

namespace {
#ifdef HL_HAVE_RNS_KERNELS_AVX2
constexpr bool kAvx2 = true;
#else
constexpr bool kAvx2 = false;
#endif
#ifdef HL_HAVE_RNS_KERNELS_AVX512IFMA
constexpr bool kIfma = true;
#else
constexpr bool kIfma = false;
#endif

constexpr uint64_t kPrimeBound = uint64_t{1} << 50;
constexpr size_t kMaxTerms = 64;

using u128 = unsigned __int128;

// The 128-bit sums below stay under q * 2^64, the domain of Modulus::reduce128: 64 products of
// values below 2^50 and q are below 2^56 q.
void dotProductScalar(const Modulus& q, const uint64_t* const* x, const uint64_t* const* y,
                      size_t terms, uint64_t* out, size_t n) {
  for (size_t j = 0; j < n; ++j) {
    u128 acc = 0;
    for (size_t t = 0; t < terms; ++t) acc += static_cast<u128>(x[t][j]) * y[t][j];
    out[j] = q.reduce128(acc);
  }
}

void baseConvertScalar(const Modulus& q, const uint64_t* const* u, const uint64_t* hat, size_t k,
                       const uint8_t* neg, const uint64_t* corr, uint64_t* out, size_t n) {
  for (size_t j = 0; j < n; ++j) {
    u128 acc = corr[neg[j]];
    for (size_t i = 0; i < k; ++i) acc += static_cast<u128>(u[i][j]) * hat[i];
    out[j] = q.reduce128(acc);
  }
}

}  // namespace

SimdLevel rnsKernelLevel(const Modulus& q, SimdLevel wanted) {
  SimdLevel level = usableLevel(wanted, kAvx2, kIfma);
  if (level == SimdLevel::kAvx512Ifma && q.value() <= 16) {
    level = usableLevel(SimdLevel::kAvx2, kAvx2, kIfma);
  }
  return level;
}

// Each function runs the kernel of its level; the `if constexpr` keeps builds without a kernel
// file linkable (rnsKernelLevel never picks a level whose kernel is missing).

void mulMod(const Modulus& q, const uint64_t* a, const uint64_t* b, uint64_t* out, size_t n,
            SimdLevel level) {
  assert(q.value() < kPrimeBound);
  switch (rnsKernelLevel(q, level)) {
    case SimdLevel::kAvx512Ifma:
      if constexpr (kIfma) return mulModAvx512Ifma(q.value(), a, b, out, n);
      break;
    case SimdLevel::kAvx2:
      if constexpr (kAvx2) return mulModAvx2(q.value(), a, b, out, n);
      break;
    case SimdLevel::kScalar:
      break;
  }
  for (size_t j = 0; j < n; ++j) out[j] = q.mul(a[j], b[j]);
}

void gatherMulMod(const Modulus& q, const uint64_t* a, const uint32_t* perm, const uint64_t* b,
                  uint64_t* out, size_t n, SimdLevel level) {
  assert(q.value() < kPrimeBound);
  // AVX2 has no cheap 64-bit gather on the CPUs measured (rns_kernels_avx2.cpp): scalar there.
  if (rnsKernelLevel(q, level) == SimdLevel::kAvx512Ifma) {
    if constexpr (kIfma) return gatherMulModAvx512Ifma(q.value(), a, perm, b, out, n);
  }
  if (b == nullptr) {
    for (size_t j = 0; j < n; ++j) out[j] = a[perm[j]];
  } else {
    for (size_t j = 0; j < n; ++j) out[j] = q.mul(a[perm[j]], b[j]);
  }
}

void addMod(const Modulus& q, const uint64_t* a, const uint64_t* b, uint64_t* out, size_t n,
            SimdLevel level) {
  assert(q.value() < kPrimeBound);
  switch (rnsKernelLevel(q, level)) {
    case SimdLevel::kAvx512Ifma:
      if constexpr (kIfma) return addModAvx512Ifma(q.value(), a, b, out, n);
      break;
    case SimdLevel::kAvx2:
      if constexpr (kAvx2) return addModAvx2(q.value(), a, b, out, n);
      break;
    case SimdLevel::kScalar:
      break;
  }
  for (size_t j = 0; j < n; ++j) out[j] = q.add(a[j], b[j]);
}

void subMod(const Modulus& q, const uint64_t* a, const uint64_t* b, uint64_t* out, size_t n,
            SimdLevel level) {
  assert(q.value() < kPrimeBound);
  switch (rnsKernelLevel(q, level)) {
    case SimdLevel::kAvx512Ifma:
      if constexpr (kIfma) return subModAvx512Ifma(q.value(), a, b, out, n);
      break;
    case SimdLevel::kAvx2:
      if constexpr (kAvx2) return subModAvx2(q.value(), a, b, out, n);
      break;
    case SimdLevel::kScalar:
      break;
  }
  for (size_t j = 0; j < n; ++j) out[j] = q.sub(a[j], b[j]);
}

void mulScalarMod(const Modulus& q, const uint64_t* a, uint64_t c, uint64_t* out, size_t n,
                  SimdLevel level) {
  assert(q.value() < kPrimeBound && c < q.value());
  switch (rnsKernelLevel(q, level)) {
    case SimdLevel::kAvx512Ifma:
      if constexpr (kIfma) return mulScalarModAvx512Ifma(q.value(), a, c, out, n);
      break;
    case SimdLevel::kAvx2:
      if constexpr (kAvx2) return mulScalarModAvx2(q.value(), a, c, out, n);
      break;
    case SimdLevel::kScalar:
      break;
  }
  const uint64_t cShoup = q.shoup(c);
  for (size_t j = 0; j < n; ++j) out[j] = q.mulShoup(a[j], c, cShoup);
}

void subMulScalarMod(const Modulus& q, const uint64_t* a, const uint64_t* b, uint64_t c,
                     uint64_t* out, size_t n, SimdLevel level) {
  assert(q.value() < kPrimeBound && c < q.value());
  switch (rnsKernelLevel(q, level)) {
    case SimdLevel::kAvx512Ifma:
      if constexpr (kIfma) return subMulScalarModAvx512Ifma(q.value(), a, b, c, out, n);
      break;
    case SimdLevel::kAvx2:
      if constexpr (kAvx2) return subMulScalarModAvx2(q.value(), a, b, c, out, n);
      break;
    case SimdLevel::kScalar:
      break;
  }
  const uint64_t cShoup = q.shoup(c);
  for (size_t j = 0; j < n; ++j) out[j] = q.mulShoup(q.sub(a[j], b[j]), c, cShoup);
}

void subMulScalarAddMod(const Modulus& q, const uint64_t* a, const uint64_t* b, uint64_t c,
                        uint64_t d, uint64_t* out, size_t n, SimdLevel level) {
  assert(q.value() < kPrimeBound && c < q.value() && d < q.value());
  switch (rnsKernelLevel(q, level)) {
    case SimdLevel::kAvx512Ifma:
      if constexpr (kIfma) return subMulScalarAddModAvx512Ifma(q.value(), a, b, c, d, out, n);
      break;
    case SimdLevel::kAvx2:
      if constexpr (kAvx2) return subMulScalarAddModAvx2(q.value(), a, b, c, d, out, n);
      break;
    case SimdLevel::kScalar:
      break;
  }
  const uint64_t cShoup = q.shoup(c), dShoup = q.shoup(d);
  for (size_t j = 0; j < n; ++j) {
    const uint64_t x = q.mulShoup(b == nullptr ? a[j] : q.sub(a[j], b[j]), c, cShoup);
    out[j] = q.add(d == 1 ? out[j] : q.mulShoup(out[j], d, dShoup), x);
  }
}

void dotProductMod(const Modulus& q, const uint64_t* const* x, const uint64_t* const* y,
                   size_t terms, uint64_t* out, size_t n, SimdLevel level) {
  assert(q.value() < kPrimeBound && terms >= 1 && terms <= kMaxTerms);
  switch (rnsKernelLevel(q, level)) {
    case SimdLevel::kAvx512Ifma:
      if constexpr (kIfma) return dotProductModAvx512Ifma(q.value(), x, y, terms, out, n);
      break;
    case SimdLevel::kAvx2:
      if constexpr (kAvx2) return dotProductModAvx2(q.value(), x, y, terms, out, n);
      break;
    case SimdLevel::kScalar:
      break;
  }
  dotProductScalar(q, x, y, terms, out, n);
}

void dotProductMod2(const Modulus& q, const uint64_t* const* x, const uint64_t* const* y0,
                    const uint64_t* const* y1, size_t terms, uint64_t* out0, uint64_t* out1,
                    size_t n, SimdLevel level) {
  assert(q.value() < kPrimeBound && terms >= 1 && terms <= kMaxTerms);
  const SimdLevel l = rnsKernelLevel(q, level);
  if (l == SimdLevel::kAvx2) {
    if constexpr (kAvx2) return dotProductMod2Avx2(q.value(), x, y0, y1, terms, out0, out1, n);
  }
  // Other levels: two passes (the IFMA kernel is bound by its products, not by the x loads).
  dotProductMod(q, x, y0, terms, out0, n, l);
  dotProductMod(q, x, y1, terms, out1, n, l);
}

void dotProductMod2Narrow(const Modulus& q, const uint64_t* const* x, const uint32_t* const* y0,
                          const uint32_t* const* y1, size_t terms, uint64_t* out0, uint64_t* out1,
                          size_t n, SimdLevel level) {
  assert(q.value() < (uint64_t{1} << 32) && terms >= 1 && terms <= kMaxTerms);
  const SimdLevel l = rnsKernelLevel(q, level);
  if (l == SimdLevel::kAvx512Ifma) {
    if constexpr (kIfma) {
      dotProductModNarrowAvx512Ifma(q.value(), x, y0, terms, out0, n);
      return dotProductModNarrowAvx512Ifma(q.value(), x, y1, terms, out1, n);
    }
  }
  // Other levels: the 32-bit rows widened block by block (in the first-level cache) for the
  // 64-bit kernel.
  constexpr size_t kBlock = 32;
  uint64_t w0[kMaxTerms][kBlock], w1[kMaxTerms][kBlock];
  const uint64_t* px[kMaxTerms];
  const uint64_t* p0[kMaxTerms];
  const uint64_t* p1[kMaxTerms];
  for (size_t j = 0; j < n; j += kBlock) {
    const size_t len = n - j < kBlock ? n - j : kBlock;
    for (size_t t = 0; t < terms; ++t) {
      for (size_t i = 0; i < len; ++i) {
        w0[t][i] = y0[t][j + i];
        w1[t][i] = y1[t][j + i];
      }
      px[t] = x[t] + j;
      p0[t] = w0[t];
      p1[t] = w1[t];
    }
    dotProductMod2(q, px, p0, p1, terms, out0 + j, out1 + j, len, l);
  }
}

void baseConvert(const Modulus& q, const uint64_t* const* u, const uint64_t* hat, size_t k,
                 const uint8_t* neg, const uint64_t* corr, size_t corrSize, uint64_t* out, size_t n,
                 SimdLevel level) {
  assert(q.value() < kPrimeBound && k >= 1 && k <= kMaxTerms && corrSize >= 1 && corrSize <= 256);
  switch (rnsKernelLevel(q, level)) {
    case SimdLevel::kAvx512Ifma:
      if constexpr (kIfma)
        return baseConvertAvx512Ifma(q.value(), u, hat, k, neg, corr, corrSize, out, n);
      break;
    case SimdLevel::kAvx2:
      if constexpr (kAvx2)
        return baseConvertAvx2(q.value(), u, hat, k, neg, corr, corrSize, out, n);
      break;
    case SimdLevel::kScalar:
      break;
  }
  baseConvertScalar(q, u, hat, k, neg, corr, out, n);
}

}  // namespace hl::detail
