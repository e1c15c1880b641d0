#include "bgv/key_switching.h"

#include <stdexcept>
#include <vector>

#include "bgv/rns.h"
#include "math/rns_kernels.h"

namespace hl::detail {

void keySwitch(const Context& ctx, const DoubleCRT& c, const KeySwitchKey& key, DoubleCRT& out0,
               DoubleCRT& out1, bool overwrite1, std::span<const uint32_t> perm) {
  const ModulusChain& chain = *ctx.chain();
  const size_t n = ctx.n(), l = c.primes().size();
  const IndexSet levelPrimes = ctx.levelPrimes(l);
  const IndexSet special = ctx.specialPrimes();
  const IndexSet all = levelPrimes | special;
  const RnsTables& rns = ctx.rnsTables();

  // The evaluation rows of the element switched: c's own, or c's permuted into a scratch.
  const bool permuted = !perm.empty();
  if (permuted && perm.size() != n)
    throw std::logic_error("hl::detail::keySwitch: bad permutation");
  uint64_t* prow = permuted ? threadScratch(kScratchKsPermuted, l * n) : nullptr;
  auto row = [&](size_t i) -> const uint64_t* {
    return permuted ? prow + i * n : c.values(i).data();
  };
  // Coefficient form of c mod each prime of its level (in the chain's working basis: base
  // conversion and rounding are the same in any Z-basis of R).
  uint64_t* coeff = threadScratch(kScratchKsCoeff, l * n);
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < l; ++i) {
    if (permuted) {
      const uint64_t* src = c.values(i).data();
      uint64_t* dst = prow + i * n;
      for (size_t j = 0; j < n; ++j) dst[j] = src[perm[j]];
    }
    chain.toWorkingCoefficients(i, row(i), coeff + i * n);
  }

  // ModUp, first half: the centred base-conversion digits of every digit of the modulus
  // (digit j of the key pairs with the part of digit j below the level).
  struct Digit {
    IndexSet primes;
    const BaseConverter* conv;
    size_t keyIndex;
    uint64_t* u;
    uint8_t* negatives;
  };
  std::vector<Digit> digits;
  for (size_t j = 0; j < ctx.digits().size(); ++j) {
    IndexSet present = ctx.digits()[j] & levelPrimes;
    if (!present.empty()) digits.push_back({present, &rns.converter(present), j, nullptr, nullptr});
  }
  const size_t beta = digits.size();
  uint64_t* u = threadScratch(kScratchKsDigits, l * n);
  uint8_t* neg = reinterpret_cast<uint8_t*>(threadScratch(kScratchKsNeg, beta * ((n + 7) / 8)));
  {
    size_t offset = 0;
    for (size_t g = 0; g < beta; ++g) {
      Digit& d = digits[g];
      d.u = u + offset * n;
      d.negatives = neg + g * ((n + 7) / 8) * 8;
      std::vector<const uint64_t*> rows;
      for (size_t i : d.primes) rows.push_back(coeff + i * n);
      d.conv->digits(rows.data(), n, d.u, d.negatives);
      offset += d.primes.size();
    }
  }

  // ModUp, second half (each digit extended to every other prime of Q_l P), and the inner
  // product with the key, prime by prime: acc_e = sum_j d_j * key_e[j] over Q_l P.
  const size_t total = all.size();
  uint64_t* acc = threadScratch(kScratchKsAcc, 2 * total * n);  // part e, prime idx
  // Dynamic: a prime of a digit converts one digit fewer than the others.
#pragma omp parallel for schedule(dynamic, 1)
  for (size_t idx = 0; idx < total; ++idx) {
    const size_t p = all[idx];
    const Modulus& q = chain.modulus(p);
    uint64_t* rows = threadScratch(kScratchKsRows, beta * n);
    const uint64_t* xs[64];
    const uint64_t* kb[64];
    const uint64_t* ka[64];
    for (size_t g = 0; g < beta; ++g) {
      const Digit& d = digits[g];
      if (d.primes.contains(p)) {
        xs[g] = row(p);
      } else {
        uint64_t* row = rows + g * n;
        d.conv->convert(d.u, d.negatives, n, p, row);
        chain.fromWorkingCoefficients(p, row, row);
        xs[g] = row;
      }
      kb[g] = key.b(d.keyIndex).values(p).data();
      ka[g] = key.a(d.keyIndex).values(p).data();
    }
    detail::dotProductMod2(q, xs, kb, ka, beta, acc + idx * n, acc + (total + idx) * n, n);
  }

  // ModDown: divide by P keeping the plaintext mod t, adding the result into out0 / out1 (both
  // parts in one call, so that their transforms share the threads).
  const BaseConverter& down = rns.converter(special);
  DoubleCRT* outs[2] = {&out0, &out1};
  std::vector<uint64_t*> dropRows[2], keepIn[2], keepOut[2];
  ScaleDownPart parts[2];
  for (size_t e = 0; e < 2; ++e) {
    for (size_t idx = 0; idx < total; ++idx) {
      uint64_t* row = acc + (e * total + idx) * n;
      if (idx < l) {
        keepIn[e].push_back(row);
        keepOut[e].push_back(outs[e]->values(all[idx]).data());
      } else {
        dropRows[e].push_back(row);
      }
    }
    parts[e] = {dropRows[e].data(), keepIn[e].data(), keepOut[e].data(), e == 0 || !overwrite1};
  }
  scaleDown(chain, down, ctx.plaintextModulus(), levelPrimes, parts);
}

}  // namespace hl::detail
