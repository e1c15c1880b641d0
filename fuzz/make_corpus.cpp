// Writes the seed corpus of the fuzz targets: valid records of every type for the fuzz context
// (fuzz_common.h), one folder per target.
//   make_corpus OUTDIR
#include <filesystem>
#include <fstream>

#include "fuzz_common.h"

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  namespace fs = std::filesystem;
  const fs::path out = argv[1];
  const auto& ctx = fuzz::context();
  hl::Prng prng(hl::Prng::Seed{9});
  const hl::SecretKey sk(ctx, prng);
  auto write = [&](const char* target, const char* name, auto&& save) {
    fs::create_directories(out / target);
    std::ofstream f(out / target / name, std::ios::binary);
    save(f);
  };
  std::vector<uint64_t> c(ctx->n());
  for (size_t i = 0; i < c.size(); ++i) c[i] = (i * 7) % ctx->t();
  const hl::Plaintext pt = hl::Plaintext::fromReduced(ctx, c);
  hl::Ciphertext ct = sk.encrypt(pt, prng);
  hl::Ciphertext prod = ct;
  prod.multiply(ct);
  hl::Ciphertext low = ct;
  low.modSwitchDown();
  hl::EvaluationKeys keys(ctx);
  keys.add(sk.relinearizationKey(prng));
  keys.add(sk.automorphismKey(3, prng));
  write("context", "ctx", [&](std::ostream& o) { hl::io::save(o, *ctx); });
  write("plaintext", "pt", [&](std::ostream& o) { hl::io::save(o, pt); });
  write("ciphertext", "fresh", [&](std::ostream& o) { hl::io::save(o, ct); });
  write("ciphertext", "product", [&](std::ostream& o) { hl::io::save(o, prod); });
  write("ciphertext", "low", [&](std::ostream& o) { hl::io::save(o, low); });
  write("public_key", "seeded", [&](std::ostream& o) { hl::io::save(o, sk.publicKey(prng)); });
  write("public_key", "full", [&](std::ostream& o) {
    hl::io::save(o, sk.publicKey(prng), hl::io::UniformParts::kFull);
  });
  write("keyswitch_key", "relin", [&](std::ostream& o) { hl::io::save(o, keys.relinearization()); });
  write("keyswitch_key", "rot", [&](std::ostream& o) {
    hl::io::save(o, keys.automorphism(3), hl::io::UniformParts::kFull);
  });
  write("evaluation_keys", "set", [&](std::ostream& o) { hl::io::save(o, keys); });
  write("secret_key", "sk", [&](std::ostream& o) { hl::io::saveSecretKey(o, sk); });
  // Compressed records.
  const auto z = hl::io::Compression::kZstd;
  write("ciphertext", "zstd", [&](std::ostream& o) { hl::io::save(o, ct, z); });
  write("plaintext", "zstd", [&](std::ostream& o) { hl::io::save(o, pt, z); });
  write("context", "zstd", [&](std::ostream& o) { hl::io::save(o, *ctx, z); });
  write("keyswitch_key", "zstd", [&](std::ostream& o) {
    hl::io::save(o, keys.relinearization(), hl::io::UniformParts::kSeed, z);
  });
  return 0;
}
