#pragma once
// The versioned binary format of helib-like objects (doc/format.md).
//
// Every object is one record:
//
//   magic "HLIKEBGV" (8 bytes) | format version (u16) | object type (u16, bit 15: zstd body) |
//   context fingerprint (32 bytes) | body length (u64) | body | SHA-256 of all before (32 bytes)
//
// little-endian throughout. The fingerprint is a SHA-256 of what defines the context (m, p, r,
// every prime of the chain, the digits, sigma, the secret's weight, the hypercube
// generators): an object loads only into a context with the same fingerprint. Readers check
// the magic, version, type, fingerprint and checksum, bound the body length by what the
// context allows before allocating anything, and validate the body (sizes against the
// context, every residue below its prime, levels and factors in range) before they build the
// object; anything else throws hl::FormatError and leaves nothing behind.
#include <array>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <stdexcept>
#include <string>

#include "helib-like/bgv/ciphertext.h"
#include "helib-like/bgv/context.h"
#include "helib-like/bgv/keys.h"
#include "helib-like/bgv/plaintext.h"

namespace hl {

/// Serialized input that is not a valid object of the expected kind for the context:
/// truncated, corrupted, of another format version, object type or context, or with values
/// out of range. The message says which.
class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace io {

/// The format version this library writes and reads.
inline constexpr uint16_t kFormatVersion = 1;

/// What a record holds.
enum class ObjectType : uint16_t {
  kContext = 1,
  kPlaintext = 2,
  kCiphertext = 3,
  kPublicKey = 4,
  kSecretKey = 5,
  kKeySwitchKey = 6,
  kEvaluationKeys = 7,
};

/// How keys store their uniform parts a: as the 32-byte seed they were expanded from (half the
/// size; the reader expands it again), or as the rows themselves.
enum class UniformParts : uint8_t { kSeed = 0, kFull = 1 };

/// Whether a record's body is compressed with zstd (level 3). Residues mod a prime are uniform,
/// so what compression wins is mostly the unused high bits of primes below 2^64 (see
/// doc/format.md for measured sizes). Readers take both.
enum class Compression : uint8_t { kNone = 0, kZstd = 1 };

/// What a record's header says, read without a context and without reading the body (for
/// `hl info`). Throws FormatError for a truncated header, a bad magic or an unknown version.
struct RecordInfo {
  uint16_t version = 0;
  ObjectType type = ObjectType::kContext;
  bool compressed = false;
  std::array<uint8_t, 32> fingerprint{};
  uint64_t bodyBytes = 0;
};
RecordInfo peekRecord(std::istream& in);
/// The name of a type ("ciphertext", "key-switching key", ...).
const char* typeName(ObjectType type);

/// SHA-256 of the data that defines the context (see the top of this file).
std::array<uint8_t, 32> contextFingerprint(const Context& ctx);

/// The context's parameters (with the digits it resolved). loadContext rebuilds the context
/// with Context::create and refuses it unless the rebuilt context has the recorded
/// fingerprint (the same primes: a library that chooses primes differently cannot load it).
/// Building a context costs time and memory that grow with phi(m) and the number of primes:
/// loadContext refuses recorded parameters beyond these limits before building anything (a
/// forged record must not make a reader spend minutes or gigabytes).
struct ContextLimits {
  size_t maxPhi = size_t{1} << 17;  // the largest ring the security tables cover
  int maxModulusBits = 8000;        // log2(Q) + log2(P)
};
void save(std::ostream& out, const Context& ctx, Compression compression = Compression::kNone);
std::shared_ptr<const Context> loadContext(std::istream& in, const ContextLimits& limits = {});

/// Coefficients in [0, t).
void save(std::ostream& out, const Plaintext& pt, Compression compression = Compression::kNone);
Plaintext loadPlaintext(std::istream& in, const std::shared_ptr<const Context>& ctx);

/// Level, parts, plaintext factor, noise bound, key id and the evaluation rows of every part
/// (8 bytes per residue: phi(m) * level * parts of them).
void save(std::ostream& out, const Ciphertext& ct, Compression compression = Compression::kNone);
Ciphertext loadCiphertext(std::istream& in, const std::shared_ptr<const Context>& ctx);

/// Public key: key id, seed, and b (and a with kFull) over the top-level primes.
void save(std::ostream& out, const PublicKey& pk, UniformParts uniform = UniformParts::kSeed,
          Compression compression = Compression::kNone);
PublicKey loadPublicKey(std::istream& in, const std::shared_ptr<const Context>& ctx);

/// Key-switching key: key id, automorphism (0: relinearization), seed, and every digit's b
/// (and a with kFull) over every prime of the context.
void save(std::ostream& out, const KeySwitchKey& key, UniformParts uniform = UniformParts::kSeed,
          Compression compression = Compression::kNone);
KeySwitchKey loadKeySwitchKey(std::istream& in, const std::shared_ptr<const Context>& ctx);

/// A set of evaluation keys: a short record with the key id and the number of keys, then one
/// key-switching key record each (so a reader never holds more than one key's bytes beyond the
/// keys themselves).
void save(std::ostream& out, const EvaluationKeys& keys, UniformParts uniform = UniformParts::kSeed,
          Compression compression = Compression::kNone);
EvaluationKeys loadEvaluationKeys(std::istream& in, const std::shared_ptr<const Context>& ctx);

/// The secret key, written only by this function, never by save(): its id and its phi(m)
/// ternary coefficients (one byte each). The caller decides where secrets may go; the reader
/// checks every coefficient is -1, 0 or 1 (and the weight, for a sparse context). Buffers
/// that held the key are wiped.
void saveSecretKey(std::ostream& out, const SecretKey& sk);
SecretKey loadSecretKey(std::istream& in, const std::shared_ptr<const Context>& ctx);

/// The same to and from files (std::runtime_error naming the file if it cannot be opened or
/// written; the readers' FormatError otherwise).
void saveToFile(const std::string& path, const Context& ctx);
void saveToFile(const std::string& path, const Plaintext& pt);
void saveToFile(const std::string& path, const Ciphertext& ct);
void saveToFile(const std::string& path, const PublicKey& pk);
void saveToFile(const std::string& path, const EvaluationKeys& keys);
/// The secret key to a file: only by this explicitly named function.
void saveSecretKeyToFile(const std::string& path, const SecretKey& sk);
PublicKey loadPublicKeyFromFile(const std::string& path, const std::shared_ptr<const Context>& ctx);
EvaluationKeys loadEvaluationKeysFromFile(const std::string& path,
                                          const std::shared_ptr<const Context>& ctx);
SecretKey loadSecretKeyFromFile(const std::string& path, const std::shared_ptr<const Context>& ctx);
std::shared_ptr<const Context> loadContextFromFile(const std::string& path,
                                                   const ContextLimits& limits = {});
Plaintext loadPlaintextFromFile(const std::string& path,
                                const std::shared_ptr<const Context>& ctx);
Ciphertext loadCiphertextFromFile(const std::string& path,
                                  const std::shared_ptr<const Context>& ctx);

}  // namespace io
}  // namespace hl
