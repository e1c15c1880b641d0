#pragma once
// The versioned binary format of helib-like objects (doc/format.md).
//
// Every object is one record:
//
//   magic "HLIKEBGV" (8 bytes) | format version (u16) | object type (u16) |
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
};

/// SHA-256 of the data that defines the context (see the top of this file).
std::array<uint8_t, 32> contextFingerprint(const Context& ctx);

/// The context's parameters (with the digits it resolved). loadContext rebuilds the context
/// with Context::create and refuses it unless the rebuilt context has the recorded
/// fingerprint (the same primes: a library that chooses primes differently cannot load it).
void save(std::ostream& out, const Context& ctx);
std::shared_ptr<const Context> loadContext(std::istream& in);

/// Coefficients in [0, t).
void save(std::ostream& out, const Plaintext& pt);
Plaintext loadPlaintext(std::istream& in, const std::shared_ptr<const Context>& ctx);

/// Level, parts, plaintext factor, noise bound, key id and the evaluation rows of every part
/// (8 bytes per residue: phi(m) * level * parts of them).
void save(std::ostream& out, const Ciphertext& ct);
Ciphertext loadCiphertext(std::istream& in, const std::shared_ptr<const Context>& ctx);

/// The same to and from files (std::runtime_error naming the file if it cannot be opened or
/// written; the readers' FormatError otherwise).
void saveToFile(const std::string& path, const Context& ctx);
void saveToFile(const std::string& path, const Plaintext& pt);
void saveToFile(const std::string& path, const Ciphertext& ct);
std::shared_ptr<const Context> loadContextFromFile(const std::string& path);
Plaintext loadPlaintextFromFile(const std::string& path,
                                const std::shared_ptr<const Context>& ctx);
Ciphertext loadCiphertextFromFile(const std::string& path,
                                  const std::shared_ptr<const Context>& ctx);

}  // namespace io
}  // namespace hl
