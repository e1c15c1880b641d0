// BGV benchmarks on two parameter sets that users compare across libraries (issue 4):
//   m65536: m = 2^16 (n = 32768), p = 786433 = 12 * 2^16 + 1, log2(Q*P) about 880
//   m53261: m = 53261 (n = 46080, the AES ring), p = 2, log2(Q*P) as large as 128-bit
//           security allows
// Names are <Operation>/m<m> so that scripts (../shared/checks/bgv-speed) can find them.
// Set-up (context, keys) happens once per parameter set, outside the timed loops.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "helib-like/bgv/ciphertext.h"
#include "helib-like/bgv/context.h"
#include "helib-like/bgv/keys.h"
#include "helib-like/ring/powerful_basis.h"
#include "helib-like/bgv/prepared_plaintext.h"
#include "helib-like/detail/canonical_embedding.h"

namespace {

hl::Parameters paramsFor(uint64_t m) {
  // Layout exploration: HL_BENCH_LAYOUT_m<m>="Q,P,digits" (bits of the ciphertext modulus, bits
  // of the special modulus or 0 for the default, digit count) replaces the layout below.
  const std::string var = "HL_BENCH_LAYOUT_m" + std::to_string(m);
  if (const char* e = std::getenv(var.c_str()); e != nullptr) {
    unsigned q = 0, p = 0, d = 0;
    int used = 0;
    if (std::sscanf(e, "%u,%u,%u%n", &q, &p, &d, &used) != 3 || e[used] != '\0' || q == 0 ||
        d == 0 || q > 100000 || p > 100000 || d > 64) {
      std::fprintf(stderr, "%s: expected \"Q,P,digits\" (bits, bits or 0, count), got \"%s\"\n",
                   var.c_str(), e);
      std::exit(2);
    }
    return {.m = m,
            .p = m == 65536 ? 786433u : 2u,
            .r = 1,
            .ciphertextBits = static_cast<int>(q),
            .specialBits = static_cast<int>(p),
            .digits = d};
  }
  if (m == 65536) {
    // 13 ciphertext primes of 50 bits in 3 digits (250 bits at most), 5 special primes of 45
    // bits: log2(Q*P) = 875, 128.4 bits by the estimate. Chosen by measurement among layouts
    // of the same size (doc/performance.md): 14 primes in 4 digits with P = 172 bits, or in
    // 7 digits, are slower; 12 primes in 2 digits are faster but give one level less.
    return {
        .m = 65536, .p = 786433, .r = 1, .ciphertextBits = 650, .specialBits = 222, .digits = 3};
  }
  // 16 ciphertext primes of 50 bits in 2 digits, P of 400 bits (the default: the larger digit):
  // log2(Q*P) = 1200, 132 bits by the estimate (1234 bits would still give 128, one more 50-bit
  // prime would not). Chosen by measurement (doc/performance.md): HElib's split, 18 primes in
  // 3 digits with P = 300 bits, keeps 100 bits more of Q but costs (L + K)(digits + 2) = 120
  // prime transforms per key switch instead of 96, 25-35% more time.
  return {.m = 53261, .p = 2, .r = 1, .ciphertextBits = 800, .digits = 2};
}

struct Setup {
  std::shared_ptr<const hl::Context> ctx;
  std::unique_ptr<hl::SecretKey> sk;
  std::unique_ptr<hl::PublicKey> pk;
  std::unique_ptr<hl::EvaluationKeys> keys;
  uint64_t rotation = 3;
  std::unique_ptr<hl::Ciphertext> a, b;
  // Eight automorphism exponents with keys (hoisting benchmarks): the Frobenius powers p^0..p^7
  // where p has order >= 8 mod m (m53261: p = 2, d = 24), else the powers 3^0..3^7 (m65536:
  // p = 786433 = 1 mod 2^16, so every Frobenius power is 1).
  std::vector<uint64_t> eight;
  std::vector<std::unique_ptr<hl::PreparedPlaintext>> constants;
};

Setup& setupFor(uint64_t m) {
  static std::map<uint64_t, std::unique_ptr<Setup>> cache;
  auto& s = cache[m];
  if (!s) {
    s = std::make_unique<Setup>();
    s->ctx = hl::Context::create(paramsFor(m));
    std::fprintf(stderr,
                 "m = %llu: n = %zu, %zu ciphertext primes (%.0f bits), %zu special (%.0f bits), "
                 "%zu digits, security %.1f bits\n",
                 static_cast<unsigned long long>(m), s->ctx->n(), s->ctx->levels(),
                 s->ctx->logModulus(s->ctx->levels()), s->ctx->specialPrimes().size(),
                 s->ctx->logSpecialModulus(), s->ctx->digits().size(), s->ctx->securityLevel());
    s->sk = std::make_unique<hl::SecretKey>(s->ctx);
    s->pk = std::make_unique<hl::PublicKey>(s->sk->publicKey());
    s->keys = std::make_unique<hl::EvaluationKeys>(s->ctx);
    s->keys->add(s->sk->relinearizationKey());
    s->keys->add(s->sk->automorphismKey(s->rotation));
    std::mt19937_64 rng(1);
    std::vector<uint64_t> c(s->ctx->n());
    for (auto& x : c) x = rng() % s->ctx->t();
    const auto pt = hl::Plaintext::fromReduced(s->ctx, c);
    s->a = std::make_unique<hl::Ciphertext>(s->pk->encrypt(pt));
    s->b = std::make_unique<hl::Ciphertext>(s->pk->encrypt(pt));
  }
  return *s;
}

// The eight exponents, their keys and eight random prepared constants, made on first use.
Setup& hoistingSetupFor(uint64_t m) {
  Setup& s = setupFor(m);
  if (s.eight.empty()) {
    uint64_t base = s.ctx->p() % m, order = 1;
    for (uint64_t x = base; x != 1 && order < 8; x = x * base % m) ++order;
    if (order < 8) base = 3;
    uint64_t k = 1;
    for (int j = 0; j < 8; ++j, k = k * base % m) {
      s.eight.push_back(k);
      if (k != 1 && !s.keys->hasAutomorphism(k)) s.keys->add(s.sk->automorphismKey(k));
    }
    std::mt19937_64 rng(3);
    std::vector<uint64_t> c(s.ctx->n());
    for (int j = 0; j < 8; ++j) {
      for (auto& x : c) x = rng() % s.ctx->t();
      s.constants.push_back(
          std::make_unique<hl::PreparedPlaintext>(hl::Plaintext::fromReduced(s.ctx, c)));
    }
  }
  return s;
}

void KeyGen(benchmark::State& state, uint64_t m) {
  Setup& s = setupFor(m);
  for (auto _ : state) {
    hl::SecretKey sk(s.ctx);
    hl::PublicKey pk = sk.publicKey();
    hl::KeySwitchKey relin = sk.relinearizationKey();
    benchmark::DoNotOptimize(&pk);
    benchmark::DoNotOptimize(&relin);
  }
}

void Encrypt(benchmark::State& state, uint64_t m) {
  Setup& s = setupFor(m);
  const hl::Plaintext pt(s.ctx);
  for (auto _ : state) {
    hl::Ciphertext c = s.pk->encrypt(pt);
    benchmark::DoNotOptimize(&c);
  }
}

void Decrypt(benchmark::State& state, uint64_t m) {
  Setup& s = setupFor(m);
  for (auto _ : state) {
    hl::Plaintext pt = s.sk->decrypt(*s.a);
    benchmark::DoNotOptimize(&pt);
  }
}

// The reference path (power-basis coefficients by Bluestein, then the fast CRT mod t), which
// Decrypt took before it used the powerful basis: the before/after pair in one run.
void DecryptPowerBasis(benchmark::State& state, uint64_t m) {
  Setup& s = setupFor(m);
  for (auto _ : state) {
    hl::Plaintext pt = hl::detail::decryptViaPowerBasis(*s.sk, *s.a);
    benchmark::DoNotOptimize(&pt);
  }
}

// The last step of Decrypt in the powerful basis: powerful coefficients mod t to power-basis
// coefficients mod t (scatter to exponents, one remainder mod Phi_m over Z_t).
void PowerfulToPowerModT(benchmark::State& state, uint64_t m) {
  Setup& s = setupFor(m);
  std::mt19937_64 rng(2);
  std::vector<uint64_t> c(s.ctx->n());
  for (auto& x : c) x = rng() % s.ctx->t();
  const hl::Modulus& t = s.ctx->plaintextModulus();
  benchmark::DoNotOptimize(hl::powerfulToPowerMod(m, t, c));  // the cached tables
  for (auto _ : state) {
    std::vector<uint64_t> out = hl::powerfulToPowerMod(m, t, c);
    benchmark::DoNotOptimize(out.data());
  }
}

void Add(benchmark::State& state, uint64_t m) {
  Setup& s = setupFor(m);
  hl::Ciphertext c = *s.a;
  for (auto _ : state) {
    c += *s.b;
    c -= *s.b;
    benchmark::DoNotOptimize(&c);
  }
  state.SetLabel("one add and one subtract per iteration");
}

void MulRelin(benchmark::State& state, uint64_t m) {
  Setup& s = setupFor(m);
  for (auto _ : state) {
    state.PauseTiming();
    hl::Ciphertext c = *s.a;
    state.ResumeTiming();
    c.multiplyBy(*s.b, *s.keys);
    benchmark::DoNotOptimize(&c);
    state.SetLabel("capacity " + std::to_string(static_cast<int>(s.a->capacity())) + " -> " +
                   std::to_string(static_cast<int>(c.capacity())) + " bits");
  }
}

void Rotate(benchmark::State& state, uint64_t m) {
  Setup& s = setupFor(m);
  for (auto _ : state) {
    state.PauseTiming();
    hl::Ciphertext c = *s.a;
    state.ResumeTiming();
    c.automorph(s.rotation, *s.keys);
    benchmark::DoNotOptimize(&c);
    state.SetLabel("capacity " + std::to_string(static_cast<int>(s.a->capacity())) + " -> " +
                   std::to_string(static_cast<int>(c.capacity())) + " bits");
  }
}

hl::Plaintext randomPlaintext(const Setup& s, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> c(s.ctx->n());
  for (auto& x : c) x = rng() % s.ctx->t();
  return hl::Plaintext::fromReduced(s.ctx, c);
}

// Product by a plaintext given by its coefficients (a transform per prime, L1-norm bound).
void MulPlaintext(benchmark::State& state, uint64_t m) {
  Setup& s = setupFor(m);
  const hl::Plaintext pt = randomPlaintext(s, 2);
  for (auto _ : state) {
    state.PauseTiming();
    hl::Ciphertext c = *s.a;
    state.ResumeTiming();
    c.multiplyByPlaintext(pt);
    benchmark::DoNotOptimize(&c);
  }
}

// Product by a prepared plaintext (row-wise, no transform).
void MulPrepared(benchmark::State& state, uint64_t m) {
  Setup& s = setupFor(m);
  const hl::PreparedPlaintext pt(randomPlaintext(s, 2));
  for (auto _ : state) {
    state.PauseTiming();
    hl::Ciphertext c = *s.a;
    state.ResumeTiming();
    c.multiplyByPlaintext(pt);
    benchmark::DoNotOptimize(&c);
  }
}

// What a canonical-norm bound would add to MulPlaintext: the complex FFT of the centred
// coefficients (detail::canonicalNormLog2).
void PlaintextCanonicalNorm(benchmark::State& state, uint64_t m) {
  Setup& s = setupFor(m);
  const std::vector<int64_t> c = randomPlaintext(s, 2).centred();
  for (auto _ : state) {
    const std::vector<double> d(c.begin(), c.end());
    double norm = hl::detail::canonicalNormLog2(s.ctx->ring(), d);
    benchmark::DoNotOptimize(norm);
  }
}

// The eight images sigma_k(a), k in Setup::eight (k = 1 a copy), with one ModUp.
void AutomorphismsHoisted8(benchmark::State& state, uint64_t m) {
  Setup& s = hoistingSetupFor(m);
  for (auto _ : state) {
    std::vector<hl::Ciphertext> images = s.a->automorphisms(s.eight, *s.keys);
    benchmark::DoNotOptimize(images.data());
  }
}

// The same eight images one automorph() at a time, each on a copy.
void AutomorphismsSequential8(benchmark::State& state, uint64_t m) {
  Setup& s = hoistingSetupFor(m);
  for (auto _ : state) {
    std::vector<hl::Ciphertext> images;
    for (uint64_t k : s.eight) {
      images.push_back(*s.a);
      images.back().automorph(k, *s.keys);
    }
    benchmark::DoNotOptimize(images.data());
  }
}

// sum_j c_j sigma_{k_j}(a) over the eight exponents with eight random prepared constants:
// one ModUp, seven key-switch inner products, one ModDown.
void AutomorphismSum8(benchmark::State& state, uint64_t m) {
  Setup& s = hoistingSetupFor(m);
  std::vector<const hl::PreparedPlaintext*> consts;
  for (const auto& c : s.constants) consts.push_back(c.get());
  for (auto _ : state) {
    state.PauseTiming();
    hl::Ciphertext c = *s.a;
    state.ResumeTiming();
    c.automorphismSum(s.eight, consts, *s.keys);
    benchmark::DoNotOptimize(&c);
    state.SetLabel("capacity " + std::to_string(static_cast<int>(s.a->capacity())) + " -> " +
                   std::to_string(static_cast<int>(c.capacity())) + " bits");
  }
}

void ModSwitch(benchmark::State& state, uint64_t m) {
  Setup& s = setupFor(m);
  for (auto _ : state) {
    state.PauseTiming();
    hl::Ciphertext c = *s.a;
    state.ResumeTiming();
    c.modSwitchDown();
    benchmark::DoNotOptimize(&c);
  }
}

template <typename F>
void registerAll(const char* op, F f) {
  for (uint64_t m : {65536ull, 53261ull}) {
    benchmark::RegisterBenchmark((std::string(op) + "/m" + std::to_string(m)).c_str(),
                                 [f, m](benchmark::State& st) { f(st, m); })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
}

// Thread scaling of the key-switching operations: <Operation>Threads/m<m>/<threads> sets the
// OpenMP thread count for its own runs only, so that one process (with
// --benchmark_enable_random_interleaving) times one and two threads under the same load.
template <typename F>
void registerScaling(const char* op, F f) {
  for (uint64_t m : {65536ull, 53261ull}) {
    benchmark::RegisterBenchmark((std::string(op) + "Threads/m" + std::to_string(m)).c_str(),
                                 [f, m](benchmark::State& st) {
                                   setupFor(m);  // key generation with the default threads
                                   struct Threads {
                                     int before = omp_get_max_threads();
                                     ~Threads() { omp_set_num_threads(before); }
                                   } restore;
                                   omp_set_num_threads(static_cast<int>(st.range(0)));
                                   f(st, m);
                                 })
        ->Arg(1)
        ->Arg(2)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  registerAll("KeyGen", KeyGen);
  registerAll("Encrypt", Encrypt);
  registerAll("Decrypt", Decrypt);
  registerAll("DecryptPowerBasis", DecryptPowerBasis);
  registerAll("PowerfulToPowerModT", PowerfulToPowerModT);
  registerAll("Add", Add);
  registerAll("MulRelin", MulRelin);
  registerAll("Rotate", Rotate);
  registerAll("ModSwitch", ModSwitch);
  registerAll("MulPlaintext", MulPlaintext);
  registerAll("MulPrepared", MulPrepared);
  registerAll("PlaintextCanonicalNorm", PlaintextCanonicalNorm);
  registerAll("AutomorphismsHoisted8", AutomorphismsHoisted8);
  registerAll("AutomorphismsSequential8", AutomorphismsSequential8);
  registerAll("AutomorphismSum8", AutomorphismSum8);
  registerScaling("MulRelin", MulRelin);
  registerScaling("Rotate", Rotate);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
