#!/usr/bin/env python3
"""Designs the modulus chain of the aes-128 preset (doc/aes.md, section 4).

A model of the library's noise bounds (log2 of the canonical-embedding norm) for the AES
circuit of src/circuits/aes.cpp at m = 53261, with the library's rule for switching operands
down before a product (reducedLevel in src/bgv/ciphertext.cpp), simulates the ten rounds on a
chain of prime sizes and reports the capacity left. `search` looks for the chain (sizes in
chain order, q_0 first) and special modulus with the smallest log2(Q P) that finishes
encryption and transciphering with at least --margin bits left, also when the model's inputs
move by up to 1.5 bits times --perturb (a chain tuned to a stale model once failed on the real
circuit). The 4-digit chain of the bounds alone (the preset until 2026-12-07): `search
--digits 4 --special 300 --perturb 0.3 --margin 1.5 --seed 3 --iterations 80000` from the
default start. Check a result with `hl-aes-bench --trace` before using it.

`--model moments` simulates the library's noise as it is now (hl::NoiseMoments, class Moments
here: moments of the coordinates, the S-box's products independent). The aes-128 preset:
`search --digits 3 --special 350 --perturb 0.3 --margin 1.5 --seed 3 --iterations 8000 --model
moments` from the old chain (25 primes, P = 314, log2(Q P) = 1223.4), then `--seed 11
--iterations 12000 --special 314 --start <that chain>`; P = 315 in the preset (7 primes of 45
bits): `check 29,45,50,47,40,47,40,40,48,40,27,29,30,24,30,31,24,30,29,50,42,44,42,26,29
--digits 3 --special 315 --perturb 0.3 --model moments`.

  scripts/aes_chain_search.py check 30,42,47,45,26,... --digits 4 --special 246
  scripts/aes_chain_search.py search --digits 6 --seed 3 --iterations 40000

Standard library only.
"""
import argparse
import math
import random

# Per ring: phi(m), the two divisors (cyclotomicDftDivisor, PowerfulDft::divisor) and the model
# inputs, read off `hl-aes-bench --trace` (bounds, not measured noise): the rounding term of a
# modulus switch (log2(18 n sqrt((t^2 - 1 + 1)/12 * 2/3))), a fresh encryption plus the first
# round key, the growth through the affine map (8 terms), ShiftRows + MixColumns (13 terms)
# and ShiftRows alone (last round), the larger of each direction's. aes-128: read at commit
# 92c1fde (small representatives, coordinate-wise sums); aes-128-wide: from before it (its
# linear layers now cost about 4 bits less each).
RINGS = {
    'aes-128': dict(m=53261, n=46080, bluestein=13962051584, powerful=852176,
                    floor=18.58, fresh=24.1, affine=11.0, mix=11.8, shift=10.3),
    'aes-128-wide': dict(m=143395, n=92160, bluestein=150360555520, powerful=2294320,
                         floor=19.58, fresh=16.8, affine=17.1, mix=18.0, shift=16.0),
}
M = N = BLUESTEIN = POWERFUL = 0
FLOOR = FRESH = AFFINE = MIX = SHIFT = 0.0


def use_ring(name):
    global M, N, BLUESTEIN, POWERFUL, FLOOR, FRESH, AFFINE, MIX, SHIFT
    r = RINGS[name]
    M, N, BLUESTEIN, POWERFUL = r['m'], r['n'], r['bluestein'], r['powerful']
    FLOOR, FRESH, AFFINE, MIX, SHIFT = r['floor'], r['fresh'], r['affine'], r['mix'], r['shift']
    _primes.clear()


def is_prime(n):
    if n < 2:
        return False
    for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for a in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):  # deterministic below 2^64
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


_primes = {}


def primes_of(bits):
    """log2 of the primes the context takes for a size, largest first (Context::create: those
    with Bluestein's divisor where enough exist, else the powerful transform's)."""
    if bits not in _primes:
        out = []
        for d in (BLUESTEIN, POWERFUL):
            out = []
            k = (2 ** bits - 2) // d
            while k > 0 and k * d + 1 >= 2 ** (bits - 1) and len(out) < 64:
                if is_prime(k * d + 1):
                    out.append(math.log2(k * d + 1))
                k -= 1
            if len(out) >= 40:
                break
        _primes[bits] = out
    return _primes[bits]


def real_sizes(chain):
    used, out = {}, []
    for b in chain:
        k = used.get(b, 0)
        used[b] = k + 1
        avail = primes_of(b)
        if k >= len(avail):
            return None
        out.append(avail[k])
    return out


def log_add(a, b):
    if a < b:
        a, b = b, a
    return a + math.log2(1 + 2 ** (b - a))


def digit_sizes(sizes, digits):
    """(k_j, log2 D_j) of each digit: the chain cut into `digits` runs balanced by bits, as the
    library cuts it."""
    total, L = sum(sizes), len(sizes)
    prefix = [0.0]
    for x in sizes:
        prefix.append(prefix[-1] + x)
    out, first = [], 0
    for j in range(digits):
        end = L
        if j + 1 < digits:
            target, end = total * (j + 1) / digits, first + 1
            while end < L - (digits - 1 - j) and \
                    abs(prefix[end + 1] - target) < abs(prefix[end] - target):
                end += 1
        out.append((end - first, prefix[end] - prefix[first]))
        first = end
    return out


def key_switch_noise(sizes, digits, special):
    """noise::keySwitch: the digits' error over P and the ModDown rounding."""
    e = -1e9
    for k, log_d in digit_sizes(sizes, digits):
        e = log_add(e, 1 + math.log2(18 * N) + 0.5 * (2 * log_d + math.log2(k / 12) +
                                                       math.log2(3.2 ** 2)) - special)
    K = math.ceil(special / 50)
    return log_add(e, math.log2(18 * N * math.sqrt((3 + K) / 12 * 2 / 3)))


class Bounds:
    """The library's noise: log2 of one high-probability bound."""
    @staticmethod
    def fresh():
        return FRESH

    @staticmethod
    def shift(a, c):
        return a + c

    add = staticmethod(log_add)

    @staticmethod
    def mul(a, b):
        return a + b

    @staticmethod
    def bound(a):
        return a


def simulate(sizes, ks, direction, floor=None, affine=None, mix=None, alg=Bounds):
    """Capacity left (bits) after the ten rounds, None if it runs out. direction: 'encrypt',
    'transcipher' (the first inverse affine map in the clear) or 'decrypt'. alg: the noise's
    arithmetic (Bounds, or Moments below, with ks and floor of its kind)."""
    floor = FLOOR if floor is None else floor
    affine = AFFINE if affine is None else affine
    mix = MIX if mix is None else mix
    L = len(sizes)

    def reduced(noise, level):
        while level > 1:
            lq = sizes[level - 1]
            nxt = alg.add(alg.shift(noise, -lq), floor)
            if not alg.bound(nxt) < alg.bound(noise) - lq / 2:
                break
            noise, level = nxt, level - 1
        return level

    def switched(ct, level):
        noise, lv = ct[1], ct[0]
        while lv > level:
            noise, lv = alg.add(alg.shift(noise, -sizes[lv - 1]), floor), lv - 1
        return [level, noise]

    def mul(a, b):
        level = min(reduced(a[1], a[0]), reduced(b[1], b[0]))
        a, b = switched(a, level), switched(b, level)
        return [level, alg.add(alg.mul(a[1], b[1]), ks)]

    def frob(a):
        return [a[0], alg.add(a[1], ks)]

    def linear(a, growth):
        return [a[0], alg.add(alg.shift(a[1], growth), ks)]

    x = [L, alg.fresh()]
    LEVELS.clear()
    for r in range(1, 11):
        LEVELS.append(x[0])
        if direction == 'decrypt' or (direction == 'transcipher' and r > 1):
            x = linear(x, affine)
        x2 = frob(x)
        x3 = mul(x2, x)
        x12 = frob(x3)
        x14 = mul(x12, x2)
        x15 = mul(x12, x3)
        x = mul(frob(x15), x14)
        if direction == 'encrypt':
            x = linear(x, affine)
        x = linear(x, mix if r < 10 else SHIFT)
        left = sum(sizes[:x[0]]) - 1 - alg.bound(x[1])
        if left < 0:
            return None
    return left


LEVELS = []  # the level at the start of each round of the last simulate()


def time_cost(sizes, digits, special):
    """A proxy for the evaluation time: per round, the rows a key switch touches at the round's
    starting level, (l + K) times the digits active there."""
    K = math.ceil(special / 50)
    L = len(sizes)
    return sum((l + K) * max(1.0, digits * l / L) for l in LEVELS)


PERTURBATIONS = [(0, 0, 0, 0), (1.5, 1.5, 0, 0), (0, 0, 1.0, 0), (0, 0, 0, 3),
                 (-1, -1, -0.5, 0), (1, 0, 0.5, 1), (0, 1, -0.3, 2)]


PERTURB = 1.0  # scales PERTURBATIONS (--perturb)

# --- The moment model (--model moments): the library's hl::NoiseMoments ------------------
# Each noise is kept as log2 ||nu(zeta)||_k, the k-th moment norm (E|nu(zeta)|^k)^(1/k) of one
# canonical coordinate, for k in MOMENTS, and bounded by Markov's inequality at probability
# 2^-50 per coordinate, min_k ||nu||_k 2^(50/k) (the library also keeps the bounds' own figure and
# takes the smaller, which this model leaves out: it is never below the library's). Sums take Minkowski's inequality (no
# independence needed); a product of two ciphertexts multiplies the norms, which assumes their
# coordinates independent: for the AES circuit, whose products pair noises at distinct
# Frobenius images of the state plus fresh rounding and key-switching terms. The rounding term
# delta_0 + delta_1 s and the key-switching error are a Gaussian and products of two Gaussians
# (a unit complex Gaussian Z has ||Z||_k = Gamma(1 + k/2)^(1/k)); the fresh noise is taken as
# bounded (every moment at its bound), the linear layers as the bounds' growth. Against the
# measured noise of `hl-aes-bench --trace` (the largest of n coordinates, about the 2^-14.5
# quantile), the model's 2^-14.5 quantile of every product is within 0.3 bits (32.9 against
# 33.0-33.2); its 2^-50 bound is 35.7 where the library's is 37.2.
MOMENTS = [2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128]
UNIT = [math.lgamma(1 + k / 2) / k / math.log(2) for k in MOMENTS]


def m_shift(a, c):
    return [x + c for x in a]


def m_add(a, b):
    return [log_add(x, y) for x, y in zip(a, b)]


def m_mul(a, b):
    return [x + y for x, y in zip(a, b)]


def m_bound(a, bits=50.0):
    return min(x + bits / k for x, k in zip(a, MOMENTS))


def m_rounding(primes):
    """delta_0 + delta_1 s / D for D a product of `primes` primes (t = 2, ternary s)."""
    vd = (3 + primes) / 12
    return m_add(m_shift(UNIT, 0.5 * math.log2(N * vd)),
                 m_shift([2 * u for u in UNIT], 0.5 * math.log2(N * vd) + 0.5 * math.log2(N * 2 / 3)))


def m_key_switch(sizes, digits, special):
    """The key-switching error t sum_j d_j e_j / P (digits as key_switch_noise) plus the
    ModDown rounding."""
    e = None
    for k, log_d in digit_sizes(sizes, digits):
        term = m_shift([2 * u for u in UNIT],
                       1 + 0.5 * (2 * log_d + math.log2(k / 12) + math.log2(N))
                       + 0.5 * math.log2(N * 3.2 ** 2) - special)
        e = term if e is None else m_add(e, term)
    return m_add(e, m_rounding(math.ceil(special / 50)))


class Moments:
    """The moment model's arithmetic for simulate()."""
    @staticmethod
    def fresh():
        return [FRESH] * len(MOMENTS)

    shift = staticmethod(m_shift)
    add = staticmethod(m_add)
    mul = staticmethod(m_mul)
    bound = staticmethod(m_bound)


MODEL = 'bounds'  # --model


def worst_capacity(chain, digits, special, directions):
    sizes = real_sizes(chain)
    if sizes is None or len(chain) < digits:
        return None
    if MODEL == 'moments':
        ks, floor = m_key_switch(sizes, digits, special), m_rounding(1)
        worst = 1e9
        for d_aff, d_mix, d_floor, d_ks in PERTURBATIONS:
            for direction in directions:
                left = simulate(sizes, m_shift(ks, PERTURB * d_ks), direction,
                                m_shift(floor, PERTURB * d_floor), AFFINE + PERTURB * d_aff,
                                MIX + PERTURB * d_mix, Moments)
                if left is None:
                    return None
                worst = min(worst, left)
        return worst
    ks = key_switch_noise(sizes, digits, special)
    worst = 1e9
    for d_aff, d_mix, d_floor, d_ks in PERTURBATIONS:
        for direction in directions:
            left = simulate(sizes, ks + PERTURB * d_ks, direction, FLOOR + PERTURB * d_floor,
                            AFFINE + PERTURB * d_aff, MIX + PERTURB * d_mix)
            if left is None:
                return None
            worst = min(worst, left)
    return worst


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='cmd', required=True)
    c = sub.add_parser('check', help='simulate one chain')
    c.add_argument('chain', help='prime sizes, q_0 first, comma-separated')
    s = sub.add_parser('search', help='search for the smallest chain')
    s.add_argument('--seed', type=int, default=1)
    s.add_argument('--iterations', type=int, default=40000)
    s.add_argument('--margin', type=float, default=3.0)
    s.add_argument('--start', default='50,50' + ',27,28,50' * 10,
                   help='a chain that finishes, to start from (with --special)')
    for p in (c, s):
        p.add_argument('--ring', choices=sorted(RINGS), default='aes-128')
        p.add_argument('--digits', type=int, default=6)
        p.add_argument('--special', type=float, default=176, help='log2 P (start value)')
        p.add_argument('--directions', default='encrypt,transcipher')
        p.add_argument('--perturb', type=float, default=1.0,
                       help='scale of the model perturbations a chain must survive')
        p.add_argument('--model', choices=['bounds', 'moments'], default='bounds',
                       help="the library's noise bounds, or the moment model (see Moments)")
    s.add_argument('--objective', choices=['bits', 'time'], default='bits',
                   help='minimise log2(Q P), or the time proxy within --budget')
    s.add_argument('--budget', type=float, default=1e9,
                   help='largest log2(Q P) (128-bit security: 1234 for aes-128, 2468 for wide)')
    args = ap.parse_args()
    directions = args.directions.split(',')
    use_ring(args.ring)
    global PERTURB, MODEL
    PERTURB = args.perturb
    MODEL = args.model

    if args.cmd == 'check':
        chain = [int(v) for v in args.chain.split(',')]
        sizes = real_sizes(chain)
        ks = key_switch_noise(sizes, args.digits, args.special)
        print(f"Q {sum(sizes):.1f} bits in {len(chain)} primes, P {args.special}, "
              f"Q P {sum(sizes) + args.special:.1f} bits, key-switching noise {ks:.1f}")
        for d in ('encrypt', 'transcipher', 'decrypt'):
            if MODEL == 'moments':
                left = simulate(sizes, m_key_switch(sizes, args.digits, args.special), d,
                                m_rounding(1), alg=Moments)
            else:
                left = simulate(sizes, ks, d)
            print(f"{d}: capacity left {'none' if left is None else f'{left:.1f}'} "
                  f"(worst under perturbation: "
                  f"{worst_capacity(chain, args.digits, args.special, [d])})")
        return

    rng = random.Random(args.seed)
    choices = [24, 26, 27, 28, 29, 30, 31, 32, 40, 42, 44, 45, 46, 47, 48, 49, 50]

    def score(chain, special):
        left = worst_capacity(chain, args.digits, special, directions)
        if left is None or left < args.margin:
            return None
        sizes = real_sizes(chain)
        total = sum(sizes) + special
        if total > args.budget:
            return None
        if args.objective == 'bits':
            return total
        if MODEL == 'moments':  # for LEVELS
            simulate(sizes, m_key_switch(sizes, args.digits, special), 'encrypt', m_rounding(1),
                     alg=Moments)
        else:
            simulate(sizes, key_switch_noise(sizes, args.digits, special), 'encrypt')
        return time_cost(sizes, args.digits, special)

    cur, cur_p = [int(v) for v in args.start.split(',')], args.special
    cur_s = score(cur, cur_p)
    assert cur_s is not None, "the starting chain does not finish"
    best, best_p, best_s = cur[:], cur_p, cur_s
    for it in range(args.iterations):
        cand, p = cur[:], cur_p
        move, i = rng.random(), rng.randrange(len(cand))
        if move < 0.4:
            cand[i] = rng.choice(choices)
        elif move < 0.55:
            del cand[i]
        elif move < 0.7:
            cand.insert(i, rng.choice(choices))
        elif move < 0.85:
            j = rng.randrange(len(cand))
            cand[i], cand[j] = cand[j], cand[i]
        else:
            p = cur_p + rng.choice([-4, -2, -1, 1, 2, 4])
        sc = score(cand, p)
        temperature = max(0.01, 20 * (1 - it / args.iterations))
        if sc is not None and (sc <= cur_s or rng.random() < math.exp((cur_s - sc) / temperature)):
            cur, cur_p, cur_s = cand, p, sc
            if sc < best_s:
                best, best_p, best_s = cand[:], p, sc
    sizes = real_sizes(best)
    print(f"score {best_s:.1f} ({args.objective}): Q {sum(sizes):.1f} in {len(best)} primes, "
          f"P {best_p}, "
          f"{args.digits} digits, worst capacity left "
          f"{worst_capacity(best, args.digits, best_p, directions):.1f}")
    print(','.join(map(str, best)))


if __name__ == '__main__':
    main()
