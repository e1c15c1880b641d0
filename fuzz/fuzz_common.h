#pragma once
// Shared by the libFuzzer targets (one per reader of io/serialization.h): the context every
// target reads into, and the rule that a reader either returns an object or throws
// hl::FormatError. Anything else (another exception, a crash, a sanitizer report, a timeout,
// an allocation beyond -rss_limit_mb) is a bug the fuzzer reports.
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>

#include "helib-like/helib-like.h"

namespace fuzz {

// The small mixed-prime context of tests/io (m = 4369, t = 16, primes of 50, 30 and 40 bits).
inline const std::shared_ptr<const hl::Context>& context() {
  static const std::shared_ptr<const hl::Context> ctx = hl::Context::create(
      {.m = 4369, .p = 2, .r = 4, .primeBits = {50, 30, 40}, .allowInsecure = true});
  return ctx;
}

// Limits for loadContext under the fuzzer: small rings only, so that one input costs
// milliseconds (the defaults allow phi(m) up to 2^17, seconds per context).
inline constexpr hl::io::ContextLimits kLimits{.maxPhi = 4096, .maxModulusBits = 600};

// Each input is read twice: as it is, and with its last 32 bytes replaced by the SHA-256 of
// the rest (a resealed record), so that mutations get past the checksum and reach the checks
// of the body behind it.
template <class F>
int readOrRefuse(const uint8_t* data, size_t size, F&& read) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 1) {
      if (bytes.size() < 32) break;
      unsigned char digest[32];
      unsigned len = 0;
      EVP_Digest(bytes.data(), bytes.size() - 32, digest, &len, EVP_sha256(), nullptr);
      bytes.replace(bytes.size() - 32, 32, reinterpret_cast<const char*>(digest), 32);
    }
    std::istringstream in(bytes);
    try {
      read(in);
    } catch (const hl::FormatError&) {
    }
  }
  return 0;
}

}  // namespace fuzz
