#pragma once
// The public surface of helib-like.

#include "helib-like/math/modulus.h"
#include "helib-like/math/ntt.h"
#include "helib-like/math/primes.h"
#include "helib-like/math/simd.h"
