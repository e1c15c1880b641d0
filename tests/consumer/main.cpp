// An encrypt-multiply-decrypt round trip through the installed library's public headers only,
// checked against the plain slot model, with a ciphertext saved and loaded on the way; and
// proof that those headers pull in neither NTL nor GMP (a user who does not ask for them
// never needs their headers).
#include <cstdio>
#include <sstream>
#include <vector>

#include "helib-like/helib-like.h"

#if defined(NTL_ZZ__H) || defined(NTL_vector__H) || defined(NTL_tools__H)
#error "the public headers include NTL"
#endif
#if defined(__GMP_H__)
#error "the public headers include GMP"
#endif

int main() {
  // p = 257 = 1 mod 256: 1024 integer slots mod 257 at m = 2048 (insecure, small: a test).
  auto ctx = hl::Context::create(
      {.m = 2048, .p = 257, .ciphertextBits = 200, .allowInsecure = true});
  const hl::EncryptedArray ea(ctx);
  hl::SecretKey sk(ctx);
  const hl::PublicKey pk = sk.publicKey();
  hl::EvaluationKeys keys(ctx);
  keys.add(sk.relinearizationKey());

  std::vector<int64_t> a(ea.size()), b(ea.size());
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<int64_t>(i % 257);
    b[i] = static_cast<int64_t>((3 * i + 1) % 257);
  }
  const hl::SlotVector va = ea.fromIntegers(a), vb = ea.fromIntegers(b);
  hl::Ciphertext ct = ea.encrypt(pk, va);
  ct.multiplyBy(ea.encrypt(pk, vb), keys);

  std::stringstream wire;
  hl::io::save(wire, ct);
  const hl::Ciphertext back = hl::io::loadCiphertext(wire, ctx);

  const hl::SlotVector got = ea.decrypt(sk, back);
  const hl::SlotVector want = va * vb;
  if (!(got == want)) {
    std::printf("consumer: the decrypted product differs from the plain one\n");
    return 1;
  }
  std::printf("consumer: %zu slots, encrypt-multiply-save-load-decrypt equals the plain product\n",
              ea.size());
  return 0;
}
