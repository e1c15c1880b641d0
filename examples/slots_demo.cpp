// The worked example of doc/slots.md: bytes in GF(2^8) slots, moved and transformed under
// encryption, checked against the same operations on the plain vector.
//
//   build/examples/slots_demo
//
// It uses a small ring (m = 4369, phi = 4096: 256 slots of GF(2^16)) with an insecure
// modulus so that it runs in a second; the code is the same for m = 53261 and 128-bit
// parameters (see bench/bench_slots.cpp).
#include <cstdio>
#include <numeric>

#include "helib-like/helib-like.h"

int main() {
  // 1. A context. Its hypercube says how the slots are arranged.
  auto ctx = hl::Context::create(
      {.m = 4369, .p = 2, .ciphertextBits = 300, .digits = 2, .allowInsecure = true});
  const hl::Hypercube& cube = ctx->hypercube();
  std::printf("m = %llu: %zu slots of GF(2^%zu), hypercube",
              static_cast<unsigned long long>(ctx->m()), cube.size(), cube.degree());
  for (size_t i = 0; i < cube.dimensions(); ++i) {
    std::printf(" %s%zu", i ? "x " : "", cube.dimensionSize(i));
    std::printf("%s", cube.isGood(i) ? " (good)" : " (bad)");
  }
  std::printf("\n");

  // 2. Slot values are bytes: GF(2)[Z]/(Z^8 + Z^4 + Z^3 + Z + 1), embedded in every slot.
  const hl::EncryptedArray ea(ctx, {1, 1, 0, 1, 1, 0, 0, 0, 1});
  hl::SecretKey sk(ctx);
  hl::EvaluationKeys keys(ctx);
  ea.addKeys(keys, sk, ea.defaultKeyExponents());
  for (size_t j = 2; j < 8; ++j)
    ea.addKeys(keys, sk, std::vector<uint64_t>{ea.frobeniusExponent(j)});
  std::printf("%zu rotation/Frobenius keys, %zu MiB\n", keys.automorphisms().size(),
              keys.automorphisms().size() * ea.keyBytes() >> 20);

  // 3. A plain vector: slot s holds the byte s mod 256 (bit i of the byte = coefficient of Z^i).
  hl::SlotVector bytes = ea.zeros();
  for (size_t s = 0; s < bytes.size(); ++s) {
    for (size_t i = 0; i < 8; ++i) bytes[s][i] = (s >> i) & 1;
  }
  hl::Ciphertext ct = ea.encrypt(sk, bytes);

  // 4. The same operations on the ciphertext and on the plain model.
  hl::SlotVector model = bytes;
  ea.rotate(ct, 5, keys);  // slot s receives slot s - 5
  model.rotate(5);
  ea.rotate(ct, 1, -1, keys);  // along the second dimension only
  model.rotate(1, -1);
  // The AES affine map's linear part, y_i = x_i + x_{i+4} + x_{i+5} + x_{i+6} + x_{i+7}.
  std::vector<uint64_t> M(64, 0);
  for (size_t i = 0; i < 8; ++i) {
    for (size_t o : {0, 4, 5, 6, 7}) M[i * 8 + (i + o) % 8] = 1;
  }
  const hl::SlotLinearMap affine(ea, M);
  ea.apply(ct, affine, keys);
  model.apply(affine);
  hl::Ciphertext sums = ct;
  ea.totalSums(sums, keys);
  hl::SlotVector modelSums = model;
  modelSums.totalSums();

  // 5. Decrypt and compare.
  const hl::SlotVector got = ea.decrypt(sk, ct), gotSums = ea.decrypt(sk, sums);
  auto byte = [](const hl::SlotVector& v, size_t s) {
    unsigned b = 0;
    for (size_t i = 0; i < 8; ++i) b |= static_cast<unsigned>(v[s][i]) << i;
    return b;
  };
  std::printf("slots 0..7 after rotate, rotate along dim 1, affine map:");
  for (size_t s = 0; s < 8; ++s) std::printf(" %02x", byte(got, s));
  std::printf("\nsum of all slots (XOR of the bytes): %02x, capacity left %.0f bits\n",
              byte(gotSums, 0), sums.capacity());
  const bool ok = got == model && gotSums == modelSums;
  std::printf("%s\n", ok ? "matches the plain model" : "MISMATCH with the plain model");
  return ok ? 0 : 1;
}
