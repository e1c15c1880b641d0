#pragma once
// Hybrid key switching (GHS 2012, section 3.1.3 with digits as in Han-Ki 2020, section 3, and
// Kim-Polyakov-Zucca 2021, section 3): ModUp of every digit of c to Q_l P, inner product with
// the key, ModDown that keeps the plaintext mod t. Internal to the library.
#include <cstdint>
#include <span>

#include "helib-like/bgv/context.h"
#include "helib-like/bgv/keys.h"
#include "helib-like/ring/double_crt.h"

namespace hl::detail {

/// Adds to (out0, out1) (both over the ciphertext primes of c's level) a pair with
///     k0 + k1 s = c s' + t e  (mod Q_l),
/// where key switches s' to s, e small (bounded by noise::keySwitch). c is over the
/// ciphertext primes {0..l-1} of its level.
/// With overwrite1, out1 receives k1 instead of out1 + k1; then out1 may be the same object as
/// c (c is fully read before any output is written).
/// With a permutation perm (an automorphism's, Cyclotomic::automorphismPermutation), the
/// element switched is c permuted (value j of each row is c's value perm[j]) without c itself
/// being permuted: one gather instead of DoubleCRT::automorph's copy and gather.
void keySwitch(const Context& ctx, const DoubleCRT& c, const KeySwitchKey& key, DoubleCRT& out0,
               DoubleCRT& out1, bool overwrite1 = false, std::span<const uint32_t> perm = {});

}  // namespace hl::detail
