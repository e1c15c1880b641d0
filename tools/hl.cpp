// hl: the command-line tool of helib-like (doc/parameters.md, doc/format.md).
//
//   hl params --p 257 --depth 4 --min-slots 64            # candidate rings, best first
//   hl keygen --m 2048 --p 257 --bits 200 --allow-insecure --dir keys
//   hl encrypt --dir keys --in values.txt --out x.ct     # slot values: text or a JSON array
//   hl decrypt --dir keys --in x.ct [--json]
//   hl info x.ct [--dir keys]
//
// A key directory holds context.hl, public.hl, eval.hl and secret.hl (the secret key: written
// only by keygen, with a warning). Errors are one line on stderr and exit code 1 (2 for a bad
// command line).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "helib-like/helib-like.h"

namespace {

namespace fs = std::filesystem;

struct Files {
  fs::path dir;
  fs::path context() const { return dir / "context.hl"; }
  fs::path publicKey() const { return dir / "public.hl"; }
  fs::path secretKey() const { return dir / "secret.hl"; }
  fs::path evalKeys() const { return dir / "eval.hl"; }
};

std::ifstream openIn(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + p.string());
  return in;
}

std::ofstream openOut(const fs::path& p) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + p.string());
  return out;
}

std::string hex(const std::array<uint8_t, 32>& d, size_t bytes = 8) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < bytes; ++i) {
    s += digits[d[i] >> 4];
    s += digits[d[i] & 15];
  }
  return s;
}

// Slot values: a JSON array of integers, or integers separated by spaces, commas or newlines.
std::vector<int64_t> parseValues(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  std::vector<int64_t> out;
  if (first != std::string::npos && text[first] == '[') {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(std::string("the values are not valid JSON: ") + e.what());
    }
    if (!j.is_array()) throw std::runtime_error("the JSON values must be an array of integers");
    for (const auto& v : j) {
      if (!v.is_number_integer()) throw std::runtime_error("the JSON values must be integers");
      out.push_back(v.get<int64_t>());
    }
    return out;
  }
  std::string cleaned = text;
  std::replace(cleaned.begin(), cleaned.end(), ',', ' ');
  std::istringstream in(cleaned);
  std::string token;
  while (in >> token) {
    size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(token, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != token.size()) throw std::runtime_error("\"" + token + "\" is not an integer");
    out.push_back(v);
  }
  return out;
}

std::string readAll(const std::string& path) {
  std::ostringstream s;
  if (path == "-") {
    s << std::cin.rdbuf();
  } else {
    std::ifstream in = openIn(path);
    s << in.rdbuf();
  }
  return s.str();
}

// ---------------------------------------------------------------------------------------------
// hl params

uint64_t multiplicativeOrder(uint64_t p, uint64_t m) {
  uint64_t x = p % m, d = 1;
  while (x != 1) {
    x = static_cast<uint64_t>((static_cast<unsigned __int128>(x) * p) % m);
    ++d;
  }
  return d;
}

struct Candidate {
  uint64_t m = 0;
  size_t phi = 0, d = 0, slots = 0;
  int qBits = 0, pBits = 0;
  double security = 0, cost = 0, measuredMs = -1;
  bool powerful = false;
};

// The modulus a circuit of multiplicative depth D needs: every level costs about the
// modulus-switching floor, f = log2(t) + log2(18 n sqrt(2/9)) bits, plus what whole primes of up
// to 50 bits waste; measured with product trees and squarings on the library's own chains
// (doc/parameters.md: depth 10 in 300 bits at m = 21845, t = 2; depth 7 in 400 bits at
// m = 16384, t = 65537), D (f + 18) + f + 20 bits is enough with a little to spare.
int modulusBitsForDepth(size_t depth, double logT, size_t n) {
  const double f = logT + std::log2(18.0 * static_cast<double>(n) * std::sqrt(2.0 / 9.0));
  return static_cast<int>(std::ceil(static_cast<double>(depth) * (f + 18) + f + 20));
}

int runParams(uint64_t p, unsigned r, size_t depth, int modulusBits, size_t minSlots,
              size_t degreeMultiple, double security, uint64_t maxM, size_t count,
              size_t measure, bool json) {
  if (!hl::isPrime(p)) throw std::runtime_error("p = " + std::to_string(p) + " is not a prime");
  if (depth == 0 && modulusBits <= 0) throw std::runtime_error("give --depth or --modulus-bits");
  double logT = 0;
  for (unsigned i = 0; i < r; ++i) logT += std::log2(static_cast<double>(p));
  std::vector<Candidate> cands;
  for (uint64_t m = 3; m <= maxM; ++m) {
    if (m % p == 0) continue;
    const size_t phi = hl::eulerPhi(m);
    if (phi < 256 || phi < minSlots) continue;
    const int q = modulusBits > 0 ? modulusBits : modulusBitsForDepth(depth, logT, phi);
    // Three digits: P about a third of Q.
    const int pb = (q + 2) / 3;
    const double sec = hl::estimateSecurityBits(phi, q + pb);
    if (sec < security) continue;
    const size_t d = multiplicativeOrder(p % m, m);
    if (d % degreeMultiple != 0) continue;
    const size_t slots = phi / d;
    if (slots < minSlots) continue;
    Candidate c;
    c.m = m;
    c.phi = phi;
    c.d = d;
    c.slots = slots;
    c.qBits = q;
    c.pBits = pb;
    c.security = sec;
    c.powerful = hl::PowerfulDft::recommended(m);
    // Cost proxy: transform work per prime (n log n, Bluestein about 2.5x the powerful
    // transform), times the primes, per slot.
    const double primes = std::ceil((q + pb) / 50.0);
    c.cost = static_cast<double>(phi) * std::log2(static_cast<double>(phi)) * primes *
             (c.powerful ? 1.0 : 2.5) / static_cast<double>(slots);
    cands.push_back(c);
  }
  std::sort(cands.begin(), cands.end(),
            [](const Candidate& a, const Candidate& b) { return a.cost < b.cost; });
  if (cands.size() > count) cands.resize(count);
  // Measured: one multiply + relinearize at the top level on this machine (best of three).
  for (size_t i = 0; i < cands.size() && i < measure; ++i) {
    Candidate& c = cands[i];
    auto ctx = hl::Context::create(
        {.m = c.m, .p = p, .r = r, .ciphertextBits = c.qBits, .specialBits = c.pBits});
    hl::SecretKey sk(ctx);
    hl::EvaluationKeys keys(ctx);
    keys.add(sk.relinearizationKey());
    const hl::Ciphertext x = sk.encrypt(hl::Plaintext(ctx));
    double best = 1e9;
    for (int rep = 0; rep < 3; ++rep) {
      hl::Ciphertext y = x;
      const auto t0 = std::chrono::steady_clock::now();
      y.multiplyBy(x, keys);
      best = std::min(best, std::chrono::duration<double, std::milli>(
                                std::chrono::steady_clock::now() - t0).count());
    }
    c.measuredMs = best;
  }
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const Candidate& c : cands) {
      const hl::Hypercube cube(c.m, p);
      std::vector<size_t> dims;
      for (size_t i = 0; i < cube.dimensions(); ++i) dims.push_back(cube.dimensionSize(i));
      out.push_back({{"m", c.m}, {"phi", c.phi}, {"d", c.d}, {"slots", c.slots},
                     {"hypercube", dims}, {"ciphertext_bits", c.qBits},
                     {"special_bits", c.pBits}, {"security_bits", c.security},
                     {"multiply_relinearize_ms", c.measuredMs < 0 ? nlohmann::json()
                                                                 : nlohmann::json(c.measuredMs)}});
    }
    std::cout << out.dump(2) << std::endl;
    return 0;
  }
  if (cands.empty()) {
    std::printf("no m <= %llu meets the requirements; allow a larger --max-m or fewer slots\n",
                static_cast<unsigned long long>(maxM));
    return 0;
  }
  std::printf("%-8s %-7s %-4s %-6s %-18s %-10s %-8s %s\n", "m", "phi(m)", "d", "slots",
              "hypercube", "Q + P", "security", "multiply+relin");
  for (const Candidate& c : cands) {
    const hl::Hypercube cube(c.m, p);
    std::string dims;
    for (size_t i = 0; i < cube.dimensions(); ++i) {
      dims += (i ? "x" : "") + std::to_string(cube.dimensionSize(i)) + (cube.isGood(i) ? "" : "'");
    }
    char qp[32], ms[32] = "-";
    std::snprintf(qp, sizeof qp, "%d+%d", c.qBits, c.pBits);
    if (c.measuredMs >= 0) std::snprintf(ms, sizeof ms, "%.1f ms", c.measuredMs);
    std::printf("%-8llu %-7zu %-4zu %-6zu %-18s %-10s %-8.1f %s\n",
                static_cast<unsigned long long>(c.m), c.phi, c.d, c.slots,
                dims.empty() ? "1" : dims.c_str(), qp, c.security, ms);
  }
  std::printf("(' marks a bad dimension. Q from the depth by the noise model, P = Q/3 for three "
              "digits; use: hl keygen --m M --p %llu --bits Q)\n",
              static_cast<unsigned long long>(p));
  return 0;
}

// ---------------------------------------------------------------------------------------------
// hl keygen / encrypt / decrypt / info

int runKeygen(const hl::Parameters& params, const Files& files, bool rotations) {
  auto ctx = hl::Context::create(params);
  fs::create_directories(files.dir);
  hl::SecretKey sk(ctx);
  hl::EvaluationKeys keys(ctx);
  keys.add(sk.relinearizationKey());
  if (rotations) {
    const hl::EncryptedArray ea(ctx);
    ea.addKeys(keys, sk, ea.defaultKeyExponents());
  }
  hl::io::saveToFile(files.context().string(), *ctx);
  hl::io::saveToFile(files.publicKey().string(), sk.publicKey());
  hl::io::saveToFile(files.evalKeys().string(), keys);
  std::fprintf(stderr, "hl keygen: writing the SECRET key to %s: keep it private\n",
               files.secretKey().string().c_str());
  hl::io::saveSecretKeyToFile(files.secretKey().string(), sk);
  std::printf("m = %llu, phi(m) = %zu, %zu slots, Q %.0f bits, P %.0f bits, security %.1f bits, "
              "%zu evaluation keys, in %s\n",
              static_cast<unsigned long long>(ctx->m()), ctx->n(), ctx->hypercube().size(),
              ctx->logModulus(ctx->levels()), ctx->logSpecialModulus(), ctx->securityLevel(),
              keys.automorphisms().size() + 1, files.dir.string().c_str());
  return 0;
}

std::shared_ptr<const hl::Context> loadContext(const Files& files) {
  return hl::io::loadContextFromFile(files.context().string());
}

int runEncrypt(const Files& files, const std::string& inPath, const std::string& outPath) {
  auto ctx = loadContext(files);
  const hl::PublicKey pk = hl::io::loadPublicKeyFromFile(files.publicKey().string(), ctx);
  const hl::EncryptedArray ea(ctx);
  const std::vector<int64_t> values = parseValues(readAll(inPath));
  if (values.size() > ea.size()) {
    throw std::runtime_error(std::to_string(values.size()) + " values, the context has " +
                             std::to_string(ea.size()) + " slots");
  }
  const hl::Ciphertext ct = ea.encrypt(pk, ea.fromIntegers(values));
  std::ofstream out = openOut(outPath);
  hl::io::save(out, ct);
  return 0;
}

int runDecrypt(const Files& files, const std::string& inPath, bool json, size_t count) {
  auto ctx = loadContext(files);
  const hl::SecretKey sk = hl::io::loadSecretKeyFromFile(files.secretKey().string(), ctx);
  const hl::Ciphertext ct = hl::io::loadCiphertextFromFile(inPath, ctx);
  const hl::EncryptedArray ea(ctx);
  const hl::SlotVector v = ea.decrypt(sk, ct);
  const size_t n = count == 0 ? v.size() : std::min(count, v.size());
  std::vector<uint64_t> out;
  for (size_t i = 0; i < n; ++i) out.push_back(v[i][0]);
  if (json) {
    std::cout << nlohmann::json(out).dump() << std::endl;
  } else {
    for (size_t i = 0; i < n; ++i) std::printf("%s%llu", i ? " " : "", static_cast<unsigned long long>(out[i]));
    std::printf("\n");
  }
  return 0;
}

int runInfo(const std::string& path, const std::string& dir) {
  std::ifstream in = openIn(path);
  const hl::io::RecordInfo info = hl::io::peekRecord(in);
  std::printf("%s: a %s, format version %u, context %s..., body %llu bytes\n", path.c_str(),
              hl::io::typeName(info.type), info.version, hex(info.fingerprint).c_str(),
              static_cast<unsigned long long>(info.bodyBytes));
  std::ifstream again = openIn(path);
  if (info.type == hl::io::ObjectType::kContext) {
    auto ctx = hl::io::loadContext(again);
    std::printf("m = %llu, p = %llu, r = %u, phi(m) = %zu, %zu slots of degree %zu, Q %.0f bits "
                "(%zu primes), P %.0f bits, %zu digits, security %.1f bits\n",
                static_cast<unsigned long long>(ctx->m()), static_cast<unsigned long long>(ctx->p()),
                ctx->r(), ctx->n(), ctx->hypercube().size(), ctx->hypercube().degree(),
                ctx->logModulus(ctx->levels()), ctx->levels(), ctx->logSpecialModulus(),
                ctx->digits().size(), ctx->securityLevel());
    return 0;
  }
  if (dir.empty()) return 0;
  auto ctx = loadContext(Files{dir});
  if (hl::io::contextFingerprint(*ctx) != info.fingerprint) {
    throw std::runtime_error(path + " belongs to another context than " + dir);
  }
  if (info.type == hl::io::ObjectType::kCiphertext) {
    const hl::Ciphertext ct = hl::io::loadCiphertext(again, ctx);
    std::printf("level %zu of %zu, %zu parts, noise bound 2^%.1f, capacity %.1f bits\n", ct.level(),
                ctx->levels(), ct.size(), ct.noiseBound(), ct.capacity());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hl: helib-like on the command line (BGV keys, encryption, parameters)"};
  app.require_subcommand(1);

  auto* params = app.add_subcommand("params", "list candidate rings for a computation, best first");
  uint64_t pp = 2;
  unsigned pr = 1;
  size_t depth = 0, minSlots = 1, degreeMultiple = 1, count = 10, measure = 3;
  int modulusBits = 0;
  double security = 128;
  uint64_t maxM = 70000;
  bool paramsJson = false;
  params->add_option("--p", pp, "plaintext prime p")->required();
  params->add_option("--r", pr, "plaintext exponent r (t = p^r)");
  params->add_option("--depth", depth, "multiplicative depth of the computation");
  params->add_option("--modulus-bits", modulusBits, "ciphertext modulus bits (instead of --depth)");
  params->add_option("--min-slots", minSlots, "at least this many slots");
  params->add_option("--degree-multiple", degreeMultiple,
                     "the slot degree d must be a multiple of this (8 for GF(2^8) bytes)");
  params->add_option("--security", security, "security level in bits")
      ->check(CLI::IsMember({128.0, 192.0, 256.0}));
  params->add_option("--max-m", maxM, "largest m to consider")->check(CLI::Range(3ull, 1ull << 20));
  params->add_option("--count", count, "how many candidates to list");
  params->add_option("--measure", measure,
                     "time one multiply + relinearize for this many of the best (0: none)");
  params->add_flag("--json", paramsJson, "print the candidates as JSON");

  auto* keygen = app.add_subcommand("keygen", "make a context and keys into a directory");
  hl::Parameters kp;
  std::string dir;
  bool rotations = false;
  keygen->add_option("--m", kp.m, "cyclotomic index m")->required();
  keygen->add_option("--p", kp.p, "plaintext prime p");
  keygen->add_option("--r", kp.r, "plaintext exponent r");
  keygen->add_option("--bits", kp.ciphertextBits, "ciphertext modulus bits")->required();
  keygen->add_option("--special-bits", kp.specialBits, "special modulus bits (0: automatic)");
  keygen->add_option("--digits", kp.digits, "key-switching digits (0: automatic)");
  keygen->add_option("--generators", kp.generators, "hypercube generators (default: automatic)");
  keygen->add_flag("--allow-insecure", kp.allowInsecure,
                   "accept an estimated security below 128 bits (tests only)");
  keygen->add_flag("--rotations", rotations, "also make the default rotation keys");
  keygen->add_option("--dir", dir, "output directory")->required();

  auto* encrypt = app.add_subcommand("encrypt", "encrypt slot values with the public key");
  std::string encIn = "-", encOut;
  encrypt->add_option("--dir", dir, "key directory")->required();
  encrypt->add_option("--in", encIn, "values: a JSON array or integers separated by spaces or "
                                     "commas (default: standard input)");
  encrypt->add_option("--out", encOut, "ciphertext file")->required();

  auto* decrypt = app.add_subcommand("decrypt", "decrypt a ciphertext with the secret key");
  std::string decIn;
  bool decJson = false;
  size_t decCount = 0;
  decrypt->add_option("--dir", dir, "key directory")->required();
  decrypt->add_option("--in", decIn, "ciphertext file")->required();
  decrypt->add_flag("--json", decJson, "print a JSON array");
  decrypt->add_option("--count", decCount, "print only the first values");

  auto* info = app.add_subcommand("info", "what a file holds");
  std::string infoPath;
  info->add_option("file", infoPath, "a file written by hl or the library")->required();
  info->add_option("--dir", dir, "key directory (for a ciphertext's level and capacity)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);  // --help: the usage on standard output, exit 0
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // A bad command line: one line on stderr, exit 2.
    std::fprintf(stderr, "hl: %s (hl --help, hl COMMAND --help)\n", e.what());
    return 2;
  }
  try {
    if (*params) {
      return runParams(pp, pr, depth, modulusBits, minSlots, degreeMultiple, security, maxM,
                       count, measure, paramsJson);
    }
    if (*keygen) return runKeygen(kp, Files{dir}, rotations);
    if (*encrypt) return runEncrypt(Files{dir}, encIn, encOut);
    if (*decrypt) return runDecrypt(Files{dir}, decIn, decJson, decCount);
    if (*info) return runInfo(infoPath, dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hl: %s\n", e.what());
    return 1;
  }
  return 0;
}
