#include "helib-like/math/prng.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <bit>
#include <climits>
#include <cstring>
#include <stdexcept>
#include <string>

namespace hl {

namespace {

[[noreturn]] void throwOpenSsl(const char* what) {
  std::string msg = std::string("hl::Prng: ") + what + " failed";
  unsigned long code = ERR_get_error();
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    msg += ": ";
    msg += buf;
  }
  ERR_clear_error();
  throw std::runtime_error(msg);
}

}  // namespace

struct Prng::State {
  EVP_CIPHER_CTX* ctx = nullptr;  // holds the AES key schedule and the counter
  alignas(64) uint8_t buffer[kBufferBytes] = {};

  explicit State(const Seed& seed) {
    ctx = EVP_CIPHER_CTX_new();
    if (ctx == nullptr) throwOpenSsl("EVP_CIPHER_CTX_new");
    static constexpr uint8_t kZeroIv[16] = {};
    if (EVP_EncryptInit_ex(ctx, EVP_aes_256_ctr(), nullptr, seed.data(), kZeroIv) != 1) {
      EVP_CIPHER_CTX_free(ctx);
      throwOpenSsl("EVP_EncryptInit_ex(aes-256-ctr)");
    }
  }
  ~State() {
    OPENSSL_cleanse(buffer, sizeof(buffer));
    // Frees the cipher data through the provider, which clears the key schedule and counter.
    EVP_CIPHER_CTX_free(ctx);
  }
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  // Writes the next n bytes of keystream to out: CTR encryption of zeros, done in place (EVP
  // allows in == out). OpenSSL keeps the position inside a partial block between calls.
  void keystream(uint8_t* out, size_t n) {
    std::memset(out, 0, n);
    while (n > 0) {
      const int chunk = static_cast<int>(std::min<size_t>(n, size_t{1} << 30));
      int outl = 0;
      if (EVP_EncryptUpdate(ctx, out, &outl, out, chunk) != 1 || outl != chunk) {
        throwOpenSsl("EVP_EncryptUpdate(aes-256-ctr)");
      }
      out += chunk;
      n -= static_cast<size_t>(chunk);
    }
  }
};

Prng::Prng() {
  Seed seed = freshSeed();
  try {
    state_ = std::make_unique<State>(seed);
  } catch (...) {
    OPENSSL_cleanse(seed.data(), seed.size());
    throw;
  }
  OPENSSL_cleanse(seed.data(), seed.size());
  buf_ = state_->buffer;
}

Prng::Prng(const Seed& seed) : state_(std::make_unique<State>(seed)), buf_(state_->buffer) {}

Prng::~Prng() = default;  // State's destructor wipes

Prng::Prng(Prng&& other) noexcept
    : state_(std::move(other.state_)), buf_(other.buf_), pos_(other.pos_) {
  other.buf_ = nullptr;
  other.pos_ = kBufferBytes;
}

Prng& Prng::operator=(Prng&& other) noexcept {
  if (this != &other) {
    state_ = std::move(other.state_);  // destroys (and wipes) our old state
    buf_ = other.buf_;
    pos_ = other.pos_;
    other.buf_ = nullptr;
    other.pos_ = kBufferBytes;
  }
  return *this;
}

Prng::Seed Prng::freshSeed() {
  Seed seed;
  if (RAND_priv_bytes(seed.data(), static_cast<int>(seed.size())) != 1) {
    throwOpenSsl("RAND_priv_bytes");
  }
  return seed;
}

void Prng::refill() {
  if (!state_) throw std::logic_error("hl::Prng: used after being moved from");
  state_->keystream(state_->buffer, kBufferBytes);
  pos_ = 0;
}

void Prng::fill(std::span<uint8_t> out) {
  if (!state_) throw std::logic_error("hl::Prng: used after being moved from");
  uint8_t* dst = out.data();
  size_t n = out.size();
  if (n == 0) return;  // (an empty span may have a null data pointer)
  // 1. What is left in the buffer comes first in the stream.
  size_t take = std::min(n, kBufferBytes - pos_);
  // Handed-out keystream stays in the buffer until the next refill or the destructor: CTR mode
  // has no backtracking resistance anyway (the key in memory regenerates every past byte).
  std::memcpy(dst, state_->buffer + pos_, take);
  pos_ += take;
  dst += take;
  n -= take;
  if (n == 0) return;
  // 2. The buffer is empty, so the cipher's position is exactly where the stream continues:
  //    whole buffers' worth go straight to the caller.
  const size_t direct = n - n % kBufferBytes;
  if (direct > 0) {
    state_->keystream(dst, direct);
    dst += direct;
    n -= direct;
  }
  // 3. The tail comes from a fresh buffer.
  if (n > 0) {
    refill();
    std::memcpy(dst, state_->buffer, n);
    pos_ = n;
  }
}

uint64_t Prng::next64Slow() {
  uint8_t bytes[8];
  fill(bytes, sizeof(bytes));
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | bytes[i];
  OPENSSL_cleanse(bytes, sizeof(bytes));
  return v;
}

uint64_t Prng::uniform(uint64_t bound) {
  if (bound == 0) throw std::invalid_argument("hl::Prng::uniform: bound must be positive");
  const int width = static_cast<int>(std::bit_width(bound - 1));  // 0 for bound 1
  const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
  // Rejection on the masked raw word: accepted with probability bound / 2^width > 1/2.
  for (;;) {
    const uint64_t w = next64() & mask;
    if (w < bound) return w;
  }
}

}  // namespace hl
