#pragma once
// A cryptographically secure pseudo-random generator: the AES-256-CTR keystream (OpenSSL EVP,
// AES-NI where the CPU has it) under a 32-byte seed, seeded from the operating system unless a
// seed is given.
//
// The stream for a given seed is fixed, so that uniform "a" parts of keys and ciphertexts can be
// stored as a seed and re-expanded by another process (DESIGN.md section 2):
//   key     = the 32 seed bytes (AES-256 key),
//   block i = AES-256_key(i), i = 0, 1, 2, ... written as a 128-bit big-endian integer,
//   stream  = block 0 || block 1 || block 2 || ...
// which is what OpenSSL's EVP_aes_256_ctr() produces from an all-zero 16-byte IV (NIST SP
// 800-38A, section 6.5, with the whole 128-bit block as the counter). Every call consumes the
// next bytes of this one stream, in order, whatever the call sizes; next64() reads 8 bytes as a
// little-endian integer. Generating a 2^128-block stream from one seed is out of reach, so the
// counter never wraps.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

namespace hl {

/// A CSPRNG (AES-256 in counter mode). Not copyable, movable; not thread-safe (use one per
/// thread). A Prng copied by fork() repeats its parent's stream, so do not share one across a
/// fork. The destructor and the moves wipe the key schedule, counter and buffered keystream.
/// A moved-from Prng holds no state: any draw from it throws std::logic_error.
class Prng {
 public:
  static constexpr size_t kSeedBytes = 32;
  /// Keystream generated per call into OpenSSL (a few microseconds of AES-NI work), so that a
  /// single next64() costs a load and a compare.
  static constexpr size_t kBufferBytes = 8192;
  using Seed = std::array<uint8_t, kSeedBytes>;

  /// Seeds from the operating system (OpenSSL RAND_priv_bytes, itself seeded by getrandom).
  /// Throws std::runtime_error if the OS or OpenSSL cannot deliver entropy or set up AES.
  Prng();
  /// The reproducible stream described at the top of this header for `seed`.
  /// Throws std::runtime_error if OpenSSL cannot set up AES.
  explicit Prng(const Seed& seed);
  ~Prng();
  Prng(Prng&& other) noexcept;
  Prng& operator=(Prng&& other) noexcept;
  Prng(const Prng&) = delete;
  Prng& operator=(const Prng&) = delete;

  /// 32 fresh bytes from the OS entropy source (OpenSSL RAND_priv_bytes), e.g. to seed the
  /// expansion of a public uniform polynomial. Throws std::runtime_error on failure.
  static Seed freshSeed();

  /// Writes the next out.size() bytes of the stream to out.
  /// Throws std::logic_error on a moved-from Prng, std::runtime_error if OpenSSL fails.
  void fill(std::span<uint8_t> out);
  /// Same as fill(std::span{static_cast<uint8_t*>(out), n}).
  void fill(void* out, size_t n) { fill(std::span<uint8_t>(static_cast<uint8_t*>(out), n)); }

  /// The next 8 bytes of the stream as a little-endian 64-bit integer.
  /// Throws as fill() does.
  uint64_t next64() {
    if (pos_ <= kBufferBytes - 8) {
      uint64_t v;
      std::memcpy(&v, buf_ + pos_, sizeof(v));
      if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
      pos_ += 8;
      return v;
    }
    return next64Slow();
  }

  /// Uniform in [0, bound): draws w = next64() & (2^k - 1), k = bit width of bound - 1, until
  /// w < bound (at least one draw, at most two expected). The rejection looks only at raw random
  /// bits, so the time taken says nothing about the value returned.
  /// Throws std::invalid_argument if bound == 0, otherwise as fill() does.
  uint64_t uniform(uint64_t bound);

 private:
  struct State;
  uint64_t next64Slow();
  void refill();

  std::unique_ptr<State> state_;
  const uint8_t* buf_ = nullptr;  // state_->buffer, kept here for the inline fast path
  size_t pos_ = kBufferBytes;     // bytes of buf_ already handed out
};

}  // namespace hl
