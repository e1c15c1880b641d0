#pragma once
// The public surface of helib-like.

#include "helib-like/math/modulus.h"
#include "helib-like/math/ntt.h"
#include "helib-like/math/primes.h"
#include "helib-like/math/prng.h"
#include "helib-like/math/sampler.h"
#include "helib-like/math/simd.h"
#include "helib-like/math/cyclotomic_dft.h"
#include "helib-like/ring/cyclotomic.h"
#include "helib-like/ring/double_crt.h"
#include "helib-like/ring/index_set.h"
#include "helib-like/ring/modulus_chain.h"
#include "helib-like/bgv/ciphertext.h"
#include "helib-like/bgv/context.h"
#include "helib-like/bgv/keys.h"
#include "helib-like/bgv/plaintext.h"
#include "helib-like/bgv/security.h"
