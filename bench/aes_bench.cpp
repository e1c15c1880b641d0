// hl-aes-bench: AES-128 on encrypted data, every block checked against OpenSSL.
//
//   hl-aes-bench --preset aes-128 --direction both
//   hl-aes-bench --preset test --blocks 4 --key 000102030405060708090a0b0c0d0e0f --json
//
// Encryption: the key owner encrypts the expanded key and the blocks; the circuit encrypts every
// block under the encrypted key. Decryption is the transciphering use: the blocks arrive as
// AES ciphertext in the clear and the circuit turns them into FHE encryptions of the plaintext
// (HomomorphicAes::transcipher). Timings are wall-clock seconds of the homomorphic evaluation.
#include <algorithm>
#include <omp.h>
#include <openssl/evp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "helib-like/helib-like.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

double peakRssMiB() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

hl::AesBlock openssl(const hl::AesBlock& key, const hl::AesBlock& in, bool encrypt) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (ctx == nullptr || EVP_CipherInit_ex(ctx, EVP_aes_128_ecb(), nullptr, key.data(), nullptr,
                                          encrypt ? 1 : 0) != 1) {
    throw std::runtime_error("OpenSSL: cannot set up AES-128-ECB");
  }
  EVP_CIPHER_CTX_set_padding(ctx, 0);
  hl::AesBlock out{};
  int len = 0;
  EVP_CipherUpdate(ctx, out.data(), &len, in.data(), 16);
  EVP_CIPHER_CTX_free(ctx);
  return out;
}

// Hex digits (whitespace ignored) to bytes; throws on odd length or a bad digit.
std::vector<uint8_t> fromHex(const std::string& s) {
  std::string h;
  for (char c : s) {
    if (!std::isspace(static_cast<unsigned char>(c))) h += c;
  }
  if (h.size() % 2 != 0) throw std::invalid_argument("odd number of hex digits");
  std::vector<uint8_t> out;
  for (size_t i = 0; i < h.size(); i += 2) {
    size_t used = 0;
    const int v = std::stoi(h.substr(i, 2), &used, 16);
    if (used != 2) throw std::invalid_argument("bad hex digit in \"" + h.substr(i, 2) + "\"");
    out.push_back(static_cast<uint8_t>(v));
  }
  return out;
}

std::string toHex(const hl::AesBlock& b) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (uint8_t x : b) {
    s += digits[x >> 4];
    s += digits[x & 15];
  }
  return s;
}

struct Result {
  std::string direction;
  size_t blocks = 0;
  double secondsEval = 0, capacity = 0;
  bool correct = false;
  std::string error;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"AES-128 evaluated on encrypted data (helib-like), checked against OpenSSL"};
  std::string presetName = "aes-128", direction = "encrypt", keyHex, plainHex;
  size_t blocks = 0;
  int threads = 0;
  uint64_t seed = 0;
  bool json = false, listPresets = false, trace = false, stepTimes = false;
  app.add_option("--preset", presetName, "parameter preset (see --list-presets)");
  app.add_option("--blocks", blocks, "number of blocks (default: all slots of one ciphertext)");
  app.add_option("--key", keyHex, "AES-128 key, 32 hex digits (default: random)");
  app.add_option("--plaintext", plainHex,
                 "plaintext: one block (32 hex digits, used for every block) or one per block "
                 "(default: random)");
  app.add_option("--seed", seed, "seed of the random key and blocks (default: from the clock)");
  app.add_option("--direction", direction, "encrypt, decrypt or both")
      ->check(CLI::IsMember({"encrypt", "decrypt", "both"}));
  app.add_option("--threads", threads, "OpenMP threads (default: OMP_NUM_THREADS or all cores)");
  app.add_flag("--json", json, "print one JSON object per direction as the last lines");
  app.add_flag("--list-presets", listPresets, "list the presets and exit");
  app.add_flag("--trace", trace,
               "print level, noise bound and measured noise (with the secret key) after every "
               "step of the circuit (diagnostics; slower)");
  app.add_flag("--step-times", stepTimes,
               "print the time spent in each step of the circuit, summed over the rounds");
  CLI11_PARSE(app, argc, argv);

  try {
    if (listPresets) {
      for (const hl::AesPreset& p : hl::aesPresets()) {
        std::printf("%-10s %s\n", p.name.c_str(), p.description.c_str());
      }
      return 0;
    }
    if (threads > 0) omp_set_num_threads(threads);
    const hl::AesPreset& preset = hl::aesPreset(presetName);
    if (preset.insecure) {
      std::fprintf(stderr, "warning: preset \"%s\" is INSECURE (for tests only)\n",
                   preset.name.c_str());
    }

    // Parameters and keys.
    const auto t0 = Clock::now();
    auto ctx = hl::Context::create(preset.params);
    hl::SecretKey sk(ctx);
    const hl::PublicKey pk = sk.publicKey();
    hl::EvaluationKeys keys(ctx);
    keys.add(sk.relinearizationKey());
    const hl::HomomorphicAes aes(ctx);
    // Keys for the directions asked for only (each key is tens to hundreds of MiB).
    if (direction == "both") {
      aes.array().addKeys(keys, sk, aes.keyExponents());
    } else {
      aes.array().addKeys(keys, sk,
                          aes.keyExponents(direction == "encrypt" ? hl::AesDirection::kEncrypt
                                                                  : hl::AesDirection::kDecrypt));
    }
    const double setup = seconds(t0, Clock::now());

    const size_t perCt = aes.blocksPerCiphertext();
    if (blocks == 0) blocks = perCt;
    if (blocks > perCt) {
      throw std::invalid_argument("--blocks " + std::to_string(blocks) + ": one ciphertext holds " +
                                  std::to_string(perCt) + " blocks with this preset");
    }
    if (seed == 0) seed = static_cast<uint64_t>(Clock::now().time_since_epoch().count());
    std::mt19937_64 rng(seed);
    hl::AesBlock key{};
    for (auto& x : key) x = static_cast<uint8_t>(rng());
    if (!keyHex.empty()) {
      const auto k = fromHex(keyHex);
      if (k.size() != 16) throw std::invalid_argument("--key needs 32 hex digits");
      std::copy(k.begin(), k.end(), key.begin());
    }
    std::vector<hl::AesBlock> plain(blocks);
    for (auto& b : plain) {
      for (auto& x : b) x = static_cast<uint8_t>(rng());
    }
    if (!plainHex.empty()) {
      const auto p = fromHex(plainHex);
      if (p.size() != 16 && p.size() != 16 * blocks) {
        throw std::invalid_argument("--plaintext needs 32 hex digits or 32 per block");
      }
      for (size_t b = 0; b < blocks; ++b) {
        std::copy_n(p.begin() + static_cast<long>(p.size() == 16 ? 0 : 16 * b), 16,
                    plain[b].begin());
      }
    }

    const double phi = static_cast<double>(ctx->n());
    const hl::Hypercube& cube = ctx->hypercube();
    std::printf("preset %s: m = %llu, phi(m) = %.0f, %zu slots of GF(2^%zu), hypercube",
                preset.name.c_str(), static_cast<unsigned long long>(ctx->m()), phi, cube.size(),
                cube.degree());
    for (size_t i = 0; i < cube.dimensions(); ++i) {
      std::printf(" %s%zu%s", i ? "x " : "", cube.dimensionSize(i), cube.isGood(i) ? "" : " (bad)");
    }
    std::printf(
        "\n%zu blocks per ciphertext, %zu used; Q %.0f bits (%zu primes), P %.0f bits, "
        "security %.1f bits%s\n",
        perCt, blocks, ctx->logModulus(ctx->levels()), ctx->levels(), ctx->logSpecialModulus(),
        ctx->securityLevel(), preset.insecure ? " (INSECURE)" : "");
    std::printf("key %s, seed %llu, %d thread(s)\n", toHex(key).c_str(),
                static_cast<unsigned long long>(seed), omp_get_max_threads());
    std::printf("set-up (context, slot tables, %zu keys): %.2f s\n",
                keys.automorphisms().size() + 1, setup);

    std::vector<Result> results;
    auto runDirection = [&](bool encrypt) {
      Result r;
      r.direction = encrypt ? "encrypt" : "decrypt";
      r.blocks = blocks;
      std::vector<hl::AesBlock> input(blocks), expect(blocks);
      for (size_t b = 0; b < blocks; ++b) {
        input[b] = encrypt ? plain[b] : openssl(key, plain[b], true);
        expect[b] = encrypt ? openssl(key, plain[b], true) : plain[b];
      }
      try {
        const hl::EncryptedAesKey ek = aes.encryptKey(
            pk, key, encrypt ? hl::AesDirection::kEncrypt : hl::AesDirection::kDecrypt);
        std::optional<hl::Ciphertext> state;
        if (encrypt) state.emplace(aes.array().encrypt(pk, aes.pack(input)));
        const auto t = Clock::now();
        // A progress line per round on a terminal; with --trace a line per step.
        const bool tty = isatty(STDERR_FILENO) != 0;
        // --step-times: the time since the previous step, per step name, in circuit order.
        std::vector<std::pair<std::string, double>> steps;
        auto last = t;
        const hl::AesObserver observer = [&](int round, std::string_view step,
                                             const hl::Ciphertext& ct) {
          if (stepTimes) {
            const auto now = Clock::now();
            auto it = std::find_if(steps.begin(), steps.end(),
                                   [&](const auto& e) { return e.first == step; });
            if (it == steps.end()) it = steps.insert(steps.end(), {std::string(step), 0.0});
            it->second += seconds(last, now);
            last = now;
          }
          if (trace) {
            std::printf("  round %2d %-28.*s level %2zu  bound %6.1f  measured %6.1f  "
                        "capacity %7.1f bits\n",
                        round, static_cast<int>(step.size()), step.data(), ct.level(),
                        ct.noiseBound(), sk.measureNoise(ct), ct.capacity());
            std::fflush(stdout);
          }
          if (tty && step == "AddRoundKey" && round > 0) {
            std::fprintf(stderr, "\r%s: round %d of 10, %.1f s, capacity %.0f bits   %s",
                         r.direction.c_str(), round, seconds(t, Clock::now()), ct.capacity(),
                         round == 10 ? "\n" : "");
          }
        };
        if (encrypt) {
          aes.encrypt(*state, ek, keys, observer);
        } else {
          state.emplace(aes.transcipher(input, ek, keys, observer));
        }
        r.secondsEval = seconds(t, Clock::now());
        if (stepTimes) {
          std::printf("time per step (%s, summed over the rounds):\n", r.direction.c_str());
          for (const auto& [name, sec] : steps) {
            std::printf("  %-24s %7.3f s  %5.1f%%\n", name.c_str(), sec,
                        100.0 * sec / r.secondsEval);
          }
        }
        r.capacity = state->capacity();
        const auto out = aes.unpack(aes.array().decrypt(sk, *state), blocks);
        size_t good = 0;
        for (size_t b = 0; b < blocks; ++b) good += out[b] == expect[b];
        r.correct = good == blocks;
        std::printf(
            "%s: %.2f s for %zu blocks, %.1f ms per block, capacity left %.1f bits, "
            "%zu of %zu blocks equal OpenSSL's\n",
            r.direction.c_str(), r.secondsEval, blocks, 1000 * r.secondsEval / blocks, r.capacity,
            good, blocks);
      } catch (const hl::CapacityError& e) {
        r.error = e.what();
        std::printf("%s: FAILED, the modulus ran out: %s\n", r.direction.c_str(), e.what());
      }
      results.push_back(r);
    };
    if (direction != "decrypt") runDirection(true);
    if (direction != "encrypt") runDirection(false);

    const double rss = peakRssMiB();
    std::printf("peak memory %.0f MiB\n", rss);
    bool allCorrect = true;
    for (const Result& r : results) {
      allCorrect &= r.correct;
      if (!json) continue;
      nlohmann::json j{{"preset", preset.name},
                       {"direction", r.direction},
                       {"blocks", r.blocks},
                       {"m", ctx->m()},
                       {"phi", ctx->n()},
                       {"slots", cube.size()},
                       {"blocks_per_ciphertext", perCt},
                       {"modulus_bits", ctx->logModulus(ctx->levels()) + ctx->logSpecialModulus()},
                       {"security_bits", ctx->securityLevel()},
                       {"threads", omp_get_max_threads()},
                       {"seconds_setup", setup},
                       {"seconds_eval", r.secondsEval},
                       {"seconds_per_block", r.blocks ? r.secondsEval / r.blocks : 0.0},
                       {"capacity_left_bits", r.capacity},
                       {"peak_rss_mb", rss},
                       {"correct", r.correct}};
      if (!r.error.empty()) j["error"] = r.error;
      std::cout << j.dump() << std::endl;
    }
    return allCorrect ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hl-aes-bench: %s\n", e.what());
    return 2;
  }
}
