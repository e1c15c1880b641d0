#pragma once
// The canonical-embedding norm of an element of R = Z[X]/Phi_m(X): the norm in which
// Gentry, Halevi and Smart ("Homomorphic Evaluation of the AES Circuit", 2012) and HElib
// bound BGV noise (the embedding itself: Lyubashevsky, Peikert, Regev, "A Toolkit for
// Ring-LWE Cryptography", 2013).

#include <span>
#include <vector>

#include "helib-like/ring/cyclotomic.h"

namespace hl::detail {

/// log2 of the canonical-embedding norm max_{j in Z_m^*} |a(zeta_m^j)|, zeta_m =
/// exp(2 pi i / m), of a = sum_k coeffs[k] * 2^scaleLog2 * X^k. Computed in double precision
/// with a complex FFT (radix 2; Bluestein's chirp transform for m not a power of two), so the
/// norm has a relative error of about 1e-13 for the ring sizes the library supports. Returns
/// -infinity for a = 0. Requires coeffs.size() <= ring.phi() and finite coefficients; throws
/// std::invalid_argument otherwise. Thread-safe; each thread keeps the tables of the last m
/// it used.
double canonicalNormLog2(const Cyclotomic& ring, std::span<const double> coeffs, int scaleLog2 = 0);

/// The whole embedding in absolute value: |a(zeta_m^j)| for the phi(m) units j, in an order
/// that is the same for every call with the same m (so that the vectors of two elements can be
/// added coordinate by coordinate), computed as canonicalNormLog2 computes its maximum. For
/// bounds such as max_j sum_i |c_i(zeta^j)|, tighter than sum_i max_j |c_i(zeta^j)|. All
/// zeros for a = 0; throws as canonicalNormLog2 does.
std::vector<double> canonicalEmbeddingAbs(const Cyclotomic& ring, std::span<const double> coeffs);

}  // namespace hl::detail
