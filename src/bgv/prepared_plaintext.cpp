#include "helib-like/bgv/prepared_plaintext.h"

#include <vector>

#include "helib-like/detail/canonical_embedding.h"

namespace hl {
namespace {

IndexSet allPrimes(const Context& ctx) {
  return ctx.levelPrimes(ctx.levels()) | ctx.specialPrimes();
}

double centredNormLog2(const Context& ctx, const std::vector<int64_t>& centred) {
  const std::vector<double> c(centred.begin(), centred.end());
  return detail::canonicalNormLog2(ctx.ring(), c);
}

}  // namespace

PreparedPlaintext::PreparedPlaintext(const Plaintext& pt) : PreparedPlaintext(pt, pt.centred()) {}

PreparedPlaintext::PreparedPlaintext(const Plaintext& pt, const std::vector<int64_t>& centred)
    : pt_(pt),
      values_(DoubleCRT::fromCoefficients(pt.context().chain(), allPrimes(pt.context()), centred)),
      normLog2_(centredNormLog2(pt.context(), centred)) {}

}  // namespace hl
