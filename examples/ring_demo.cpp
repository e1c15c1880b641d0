// A short demo of the math layer: a negacyclic product of two polynomials through the NTT.
#include <cstdio>
#include <vector>

#include "helib-like/helib-like.h"

int main() {
  const size_t n = 1 << 12;
  const uint64_t q = hl::generatePrimes(50, 1, 2 * n)[0];
  hl::Modulus mod(q);
  hl::NttTables ntt(n, mod);
  std::printf("helib-like ring demo: Z_q[X]/(X^%zu + 1), q = %llu (%d bits), kernels: %s\n", n,
              static_cast<unsigned long long>(q), mod.bits(), hl::toString(ntt.level()).data());
  // (1 + X) * (1 - X + X^2 - ... ) and X^(n-1) * X = -1 in this ring.
  std::vector<uint64_t> a(n, 0), b(n, 0);
  a[n - 1] = 1;
  b[1] = 1;
  ntt.forward(a.data());
  ntt.forward(b.data());
  for (size_t i = 0; i < n; ++i) a[i] = mod.mul(a[i], b[i]);
  ntt.inverse(a.data());
  std::printf("X^%zu * X = %s1 (constant term %llu, expected q-1)\n", n - 1,
              a[0] == q - 1 ? "-" : "?", static_cast<unsigned long long>(a[0]));
  return a[0] == q - 1 ? 0 : 1;
}
