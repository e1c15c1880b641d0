// Slot operations at the AES ring m = 53261 (p = 2, d = 24, 1920 slots, hypercube 16 x 12 x 10
// with the last dimension bad; slot values in GF(2^8) through the AES polynomial), with the
// 800-bit, 2-digit modulus of bench_bgv (128-bit security). Names: <Op>/m53261.
//
//   OMP_NUM_THREADS=1 build/bench/bench_slots
#include <benchmark/benchmark.h>

#include <memory>
#include <numeric>
#include <random>

#include "helib-like/bgv/prepared_plaintext.h"
#include "helib-like/helib-like.h"

namespace {

struct Setting {
  std::shared_ptr<const hl::Context> ctx;
  std::unique_ptr<hl::SecretKey> sk;
  std::unique_ptr<hl::PublicKey> pk;
  std::unique_ptr<hl::EvaluationKeys> keys;
  std::unique_ptr<hl::EncryptedArray> ea;
  std::unique_ptr<hl::SlotLinearMap> map;
  std::unique_ptr<hl::SlotVector> v;
  std::unique_ptr<hl::Ciphertext> ct;
  std::vector<std::unique_ptr<hl::PreparedPlaintext>> gammas;  // the map's constants
};

Setting& aes() {
  static std::unique_ptr<Setting> s;
  if (!s) {
    auto st = std::make_unique<Setting>();
    st->ctx = hl::Context::create({.m = 53261,
                                   .p = 2,
                                   .r = 1,
                                   .ciphertextBits = 800,
                                   .digits = 2,
                                   .generators = {43863, 28680, 15913}});
    st->sk = std::make_unique<hl::SecretKey>(st->ctx);
    st->pk = std::make_unique<hl::PublicKey>(st->sk->publicKey());
    st->keys = std::make_unique<hl::EvaluationKeys>(st->ctx);
    st->ea = std::make_unique<hl::EncryptedArray>(st->ctx,
                                                  std::vector<uint64_t>{1, 1, 0, 1, 1, 0, 0, 0, 1});
    // The default set (rotations by powers of two per dimension, Frobenius) and every
    // Frobenius power of GF(2^8) for the hoisted linear map: 23 keys of 35 MiB.
    std::vector<uint64_t> exps = st->ea->defaultKeyExponents();
    for (size_t j = 2; j < 8; ++j) exps.push_back(st->ea->frobeniusExponent(j));
    st->ea->addKeys(*st->keys, *st->sk, exps);
    std::mt19937_64 rng(1);
    st->v = std::make_unique<hl::SlotVector>(st->ea->random(rng));
    // The AES S-box's affine part: y_i = x_i + x_{i+4} + x_{i+5} + x_{i+6} + x_{i+7} (mod 8).
    std::vector<uint64_t> M(64, 0);
    for (size_t i = 0; i < 8; ++i) {
      for (size_t o : {0, 4, 5, 6, 7}) M[i * 8 + (i + o) % 8] = 1;
    }
    st->map = std::make_unique<hl::SlotLinearMap>(*st->ea, M);
    for (const auto& gamma : st->map->coefficients()) {
      st->gammas.push_back(
          std::make_unique<hl::PreparedPlaintext>(st->ea->encode(st->ea->constant(gamma))));
    }
    st->ct = std::make_unique<hl::Ciphertext>(st->ea->encrypt(*st->pk, *st->v));
    s = std::move(st);
  }
  return *s;
}

void Encode(benchmark::State& state) {
  Setting& s = aes();
  for (auto _ : state) benchmark::DoNotOptimize(s.ea->encode(*s.v));
}
BENCHMARK(Encode)->Name("Encode/m53261")->Unit(benchmark::kMillisecond);

void Decode(benchmark::State& state) {
  Setting& s = aes();
  const hl::Plaintext pt = s.ea->encode(*s.v);
  for (auto _ : state) benchmark::DoNotOptimize(s.ea->decode(pt));
}
BENCHMARK(Decode)->Name("Decode/m53261")->Unit(benchmark::kMillisecond);

void DecryptDecode(benchmark::State& state) {
  Setting& s = aes();
  for (auto _ : state) benchmark::DoNotOptimize(s.ea->decrypt(*s.sk, *s.ct));
}
BENCHMARK(DecryptDecode)->Name("DecryptDecode/m53261")->Unit(benchmark::kMillisecond);

void Encrypt(benchmark::State& state) {
  Setting& s = aes();
  for (auto _ : state) benchmark::DoNotOptimize(s.ea->encrypt(*s.pk, *s.v));
}
BENCHMARK(Encrypt)->Name("EncodeEncrypt/m53261")->Unit(benchmark::kMillisecond);

// One operation on a fresh copy of the ciphertext per iteration (the copy is not timed, as in
// bench_bgv).
template <class Op>
void onCopy(benchmark::State& state, Op op) {
  Setting& s = aes();
  for (auto _ : state) {
    state.PauseTiming();
    hl::Ciphertext c = *s.ct;
    state.ResumeTiming();
    op(s, c);
    benchmark::DoNotOptimize(c);
  }
}

void RotateDim(benchmark::State& state, size_t dim) {
  onCopy(state, [dim](Setting& s, hl::Ciphertext& c) { s.ea->rotate(c, dim, 1, *s.keys); });
}
BENCHMARK_CAPTURE(RotateDim, 0, 0)->Name("RotateDim0/m53261")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(RotateDim, 1, 1)->Name("RotateDim1/m53261")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(RotateDim, 2, 2)->Name("RotateDim2/m53261")->Unit(benchmark::kMillisecond);

void Frobenius(benchmark::State& state) {
  onCopy(state, [](Setting& s, hl::Ciphertext& c) { s.ea->frobenius(c, 1, *s.keys); });
}
BENCHMARK(Frobenius)->Name("Frobenius/m53261")->Unit(benchmark::kMillisecond);

void RotateArbitrary(benchmark::State& state) {
  // 777 = 64 * 12 + 9 * 1: every dimension moves, with carries (keys: rotations by 1 only,
  // so each amount is composed).
  onCopy(state, [](Setting& s, hl::Ciphertext& c) { s.ea->rotate(c, 777, *s.keys); });
}
BENCHMARK(RotateArbitrary)->Name("RotateBy777/m53261")->Unit(benchmark::kMillisecond);

void TotalSums(benchmark::State& state) {
  onCopy(state, [](Setting& s, hl::Ciphertext& c) { s.ea->totalSums(c, *s.keys); });
}
BENCHMARK(TotalSums)->Name("TotalSums/m53261")->Unit(benchmark::kMillisecond);

// Total sums with a key for every rotation amount of every dimension (15 + 11 + 18 keys more):
// each dimension is one hoisted automorphismSum instead of log-doubling.
void TotalSumsHoisted(benchmark::State& state) {
  Setting& s = aes();
  static std::unique_ptr<hl::EvaluationKeys> all;
  if (!all) {
    all = std::make_unique<hl::EvaluationKeys>(*s.keys);
    std::vector<uint64_t> exps;
    for (size_t dim = 0; dim < 3; ++dim) {
      for (size_t a = 1; a < s.ea->hypercube().dimensionSize(dim); ++a) {
        for (uint64_t e : s.ea->rotationExponents(dim, static_cast<int64_t>(a))) exps.push_back(e);
      }
    }
    s.ea->addKeys(*all, *s.sk, exps);
  }
  for (auto _ : state) {
    state.PauseTiming();
    hl::Ciphertext c = *s.ct;
    state.ResumeTiming();
    s.ea->totalSums(c, *all);
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(TotalSumsHoisted)->Name("TotalSumsHoisted/m53261")->Unit(benchmark::kMillisecond);

void LinearMap(benchmark::State& state) {
  onCopy(state, [](Setting& s, hl::Ciphertext& c) { s.ea->apply(c, *s.map, *s.keys); });
}
BENCHMARK(LinearMap)->Name("LinearMapHoisted/m53261")->Unit(benchmark::kMillisecond);

// The same map term by term: 7 Frobenius automorphisms, each with its own ModUp and ModDown.
void LinearMapSequential(benchmark::State& state) {
  onCopy(state, [](Setting& s, hl::Ciphertext& c) {
    const hl::Ciphertext x = c;
    c.multiplyByPlaintext(*s.gammas[0]);
    for (size_t j = 1; j < s.gammas.size(); ++j) {
      hl::Ciphertext y = x;
      s.ea->frobenius(y, j, *s.keys);
      y.multiplyByPlaintext(*s.gammas[j]);
      c += y;
    }
  });
}
BENCHMARK(LinearMapSequential)->Name("LinearMapSequential/m53261")->Unit(benchmark::kMillisecond);

void PermuteWithinDim0(benchmark::State& state) {
  // A permutation within each 16-byte block along the first dimension (16 distinct amounts,
  // one phase), by masked rotations composed from the default keys.
  Setting& s = aes();
  std::vector<size_t> perm(s.ea->size());
  const hl::Hypercube& cube = s.ea->hypercube();
  for (size_t slot = 0; slot < perm.size(); ++slot) {
    const size_t e = cube.coordinate(slot, 0);
    perm[slot] = slot - e * cube.stride(0) + ((5 * e) % 16) * cube.stride(0);
  }
  const hl::SlotPermutation plan(*s.ea, perm);
  onCopy(state, [&plan](Setting& s, hl::Ciphertext& c) { s.ea->permute(c, plan, *s.keys); });
  state.counters["phases"] = static_cast<double>(plan.phases());
}
BENCHMARK(PermuteWithinDim0)->Name("PermuteWithinDim0/m53261")->Unit(benchmark::kMillisecond);

void PermuteRandom(benchmark::State& state) {
  // A uniformly random permutation of the 1920 slots: the Clos network's 5 phases, rotations
  // composed from the default keys.
  Setting& s = aes();
  std::vector<size_t> perm(s.ea->size());
  std::iota(perm.begin(), perm.end(), 0);
  std::mt19937_64 rng(3);
  std::shuffle(perm.begin(), perm.end(), rng);
  const hl::SlotPermutation plan(*s.ea, perm);
  onCopy(state, [&plan](Setting& s, hl::Ciphertext& c) { s.ea->permute(c, plan, *s.keys); });
  state.counters["phases"] = static_cast<double>(plan.phases());
}
BENCHMARK(PermuteRandom)->Name("PermuteRandom/m53261")->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
