#include "bgv/key_switching.h"

#include <vector>

#include "bgv/rns.h"
#include "helib-like/detail/aligned.h"

namespace hl::detail {

void keySwitch(const Context& ctx, const DoubleCRT& c, const KeySwitchKey& key, DoubleCRT& out0,
               DoubleCRT& out1) {
  const ModulusChain& chain = *ctx.chain();
  const size_t n = ctx.n(), l = c.primes().size();
  const IndexSet levelPrimes = ctx.levelPrimes(l);
  const IndexSet all = levelPrimes | ctx.specialPrimes();
  const RnsTables& rns = ctx.rnsTables();

  // Coefficient form of c mod each prime of its level.
  AlignedVector<uint64_t> coeff(l * n);
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < l; ++i) chain.dft(i).inverse(c.values(i).data(), coeff.data() + i * n);

  // ModUp, first half: the centred base-conversion digits of every digit of the modulus.
  struct Digit {
    IndexSet primes;
    const BaseConverter* conv;
    AlignedVector<uint64_t> u;
    std::vector<uint8_t> negatives;
  };
  std::vector<Digit> digits;
  for (const IndexSet& d : ctx.digits()) {
    IndexSet present = d & levelPrimes;
    if (present.empty()) continue;
    Digit g{present, &rns.converter(present), AlignedVector<uint64_t>(present.size() * n),
            std::vector<uint8_t>(n)};
    std::vector<const uint64_t*> rows;
    for (size_t i : present) rows.push_back(coeff.data() + i * n);
    g.conv->digits(rows.data(), n, g.u.data(), g.negatives.data());
    digits.push_back(std::move(g));
  }
  // ModUp, second half, and the inner product with the key, prime by prime. The digit index
  // into the key is the digit's position in ctx.digits().
  std::vector<size_t> keyIndex;
  for (size_t j = 0, g = 0; j < ctx.digits().size() && g < digits.size(); ++j) {
    if (!(ctx.digits()[j] & levelPrimes).empty()) keyIndex.push_back(j), ++g;
  }
  DoubleCRT acc0(ctx.chain(), all), acc1(ctx.chain(), all);
#pragma omp parallel
  {
    AlignedVector<uint64_t> row(n);
    std::vector<unsigned __int128> s0(n), s1(n);
#pragma omp for schedule(static)
    for (size_t idx = 0; idx < all.size(); ++idx) {
      const size_t p = all[idx];
      const Modulus& q = chain.modulus(p);
      std::fill(s0.begin(), s0.end(), 0);
      std::fill(s1.begin(), s1.end(), 0);
      for (size_t g = 0; g < digits.size(); ++g) {
        const Digit& d = digits[g];
        const uint64_t* x;
        if (d.primes.contains(p)) {
          x = c.values(p).data();
        } else {
          d.conv->convert(d.u.data(), d.negatives.data(), n, p, row.data());
          chain.dft(p).forward(row.data(), row.data());
          x = row.data();
        }
        const uint64_t* b = key.b(keyIndex[g]).values(p).data();
        const uint64_t* a = key.a(keyIndex[g]).values(p).data();
        for (size_t j = 0; j < n; ++j) {
          s0[j] += static_cast<unsigned __int128>(x[j]) * b[j];
          s1[j] += static_cast<unsigned __int128>(x[j]) * a[j];
        }
      }
      uint64_t* r0 = acc0.values(p).data();
      uint64_t* r1 = acc1.values(p).data();
      for (size_t j = 0; j < n; ++j) {
        r0[j] = q.reduce128(s0[j]);
        r1[j] = q.reduce128(s1[j]);
      }
    }
  }
  // ModDown: divide by P, keeping the plaintext mod t.
  if (!ctx.specialPrimes().empty()) {
    const BaseConverter& down = rns.converter(ctx.specialPrimes());
    scaleDown(acc0, down, ctx.plaintextModulus());
    scaleDown(acc1, down, ctx.plaintextModulus());
  }
  out0 += acc0;
  out1 += acc1;
}

}  // namespace hl::detail
