#pragma once
// AES-128 evaluated on encrypted data in the packed representation of Gentry, Halevi and Smart
// ("Homomorphic evaluation of the AES circuit", CRYPTO 2012, sections 4-5): every state byte
// is a GF(2^8) value in one slot, the 16 bytes of a block along the 16-long first dimension of
// the hypercube, one block per position of the other dimensions. See doc/aes.md.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "helib-like/bgv/ciphertext.h"
#include "helib-like/bgv/context.h"
#include "helib-like/bgv/keys.h"
#include "helib-like/slots/encrypted_array.h"

namespace hl {

/// One AES block (or an AES-128 key): 16 bytes in the order of FIPS-197 (byte i is the state
/// entry of row i mod 4, column i / 4).
using AesBlock = std::array<uint8_t, 16>;

/// The 11 round keys of AES-128 (FIPS-197, section 5.2).
std::array<AesBlock, 11> aesExpandKey(const AesBlock& key);
/// AES-128 on one block in the clear (FIPS-197, sections 5.1 and 5.3): the reference the
/// homomorphic circuit is written after. Tests compare both with OpenSSL.
AesBlock aesEncryptBlock(const AesBlock& key, const AesBlock& in);
AesBlock aesDecryptBlock(const AesBlock& key, const AesBlock& in);

/// A named parameter set for the AES circuit.
struct AesPreset {
  std::string name;
  Parameters params;
  /// True for sets below 128-bit security (Parameters::allowInsecure): never for real data.
  bool insecure;
  std::string description;
};
/// The presets, best-known first:
/// - "aes-128": m = 53261 (phi 46080, d = 24, hypercube 16 x 12 x 10), 120 blocks per
///   ciphertext, Q 912 bits in 25 primes of 24-50 bits (3 digits) and P 315 bits: 129.0 bits
///   by the estimate; the ten rounds of encryption and of transciphering fit (doc/aes.md,
///   section 4; the S-box products are taken as independent, hl::NoiseMoments), decrypt() of
///   an encrypted state does not.
/// - "aes-128-wide": m = 143395 (phi 92160, d = 24, hypercube 16 x 120 x 2), 240 blocks, Q
///   1400 bits in 2 digits and P 700 bits: 152.8 bits by the estimate, with room to spare.
/// - "test": m = 4369 (phi 4096, d = 16, hypercube 16 x 16), 16 blocks, a 1400-bit modulus:
///   INSECURE, for tests and quick correctness runs.
const std::vector<AesPreset>& aesPresets();
/// The preset of that name. Throws std::invalid_argument listing the names otherwise.
const AesPreset& aesPreset(std::string_view name);

/// Which circuit an encrypted key schedule serves.
enum class AesDirection { kEncrypt, kDecrypt };

/// The round keys of one AES-128 key, expanded by the key owner and encrypted one ciphertext
/// per round key, each replicated over every block of the slots. For decryption the inner
/// round keys are those of the equivalent inverse cipher (FIPS-197, section 5.3.5).
struct EncryptedAesKey {
  AesDirection direction;
  std::vector<Ciphertext> roundKeys;  // 11, in the order the circuit adds them
  /// Decryption only: the inverse S-box affine map applied to the first round key,
  /// A^-1(rk_10), replicated like the round keys. With it, transcipher() applies the first
  /// InvSubBytes' affine map to the AES ciphertext in the clear (A^-1(c + k) = L^-1(c) +
  /// A^-1(k), L^-1 the linear part), which saves that layer's noise (about 15 bits).
  std::optional<Ciphertext> transcipherKey;
};

/// Called by the circuit after each of its steps, with the round (0 for the first AddRoundKey,
/// then 1..10), the step's name ("x^3", "SubBytes", "MixColumns", "AddRoundKey", ...) and the
/// state after it: for progress lines, and, with the secret key, for noise traces
/// (`hl-aes-bench --trace`). It must not keep the reference.
using AesObserver = std::function<void(int round, std::string_view step, const Ciphertext& state)>;

/// The AES-128 circuit on the slots of a context. The context must have p = 2, r = 1, a slot
/// degree d divisible by 8 (GF(2^8) inside GF(2^d)) and a first hypercube dimension of size
/// 16 (the bytes of a block); every other position of the hypercube holds one block, so a
/// ciphertext holds size / 16 blocks (120 at m = 53261 with generators 43863, 28680, 15913).
///
/// Per round: AddRoundKey is one addition; SubBytes the inversion x^254 from three Frobenius
/// maps and four products (multiplicative depth 3) and the affine map as a GF(2)-linear map
/// (hoisted Frobenius images, SlotLinearMap) plus a constant; ShiftRows and MixColumns one
/// linear map along the first dimension (SlotRotationSum: 13 rotations with GF(2^8) constants,
/// hoisted). Decryption runs the equivalent inverse cipher with the same building blocks.
class HomomorphicAes {
 public:
  /// Throws std::invalid_argument if ctx is null or does not meet the requirements above
  /// (the message says which).
  explicit HomomorphicAes(std::shared_ptr<const Context> ctx);

  const EncryptedArray& array() const { return *ea_; }
  /// Blocks per ciphertext.
  size_t blocksPerCiphertext() const;
  /// The automorphisms the circuit of one direction uses: Frobenius powers 1..4 (the affine
  /// map in baby-step giant-step form, SlotLinearMap::keyExponents) and the rotations of the
  /// first dimension the byte layers need: by 1..5 in baby-step giant-step form
  /// (SlotRotationSum with 5 baby steps, giant steps 5 and 10 by Horner's rule) where the
  /// context has 3 digits or more (aes-128: 9 exponents, the same for both directions), else the 12 amounts of each direction's flat
  /// hoisted sums (faster with few digits: aes-128-wide). The relinearization key is needed
  /// too. Without an argument: both directions.
  std::vector<uint64_t> keyExponents(AesDirection dir) const;
  std::vector<uint64_t> keyExponents() const;

  /// The key owner's part: the expanded, encrypted key schedule.
  EncryptedAesKey encryptKey(const PublicKey& pk, const AesBlock& key, AesDirection dir) const;
  EncryptedAesKey encryptKey(const SecretKey& sk, const AesBlock& key, AesDirection dir) const;

  /// Packs up to blocksPerCiphertext() blocks into the slots (block b in the b-th position,
  /// missing blocks zero). Throws std::invalid_argument on too many blocks.
  SlotVector pack(std::span<const AesBlock> blocks) const;
  /// The first `count` blocks of packed slots.
  std::vector<AesBlock> unpack(const SlotVector& slots, size_t count) const;

  /// AES-128 encryption (direction kEncrypt key) or decryption (kDecrypt key) of every block
  /// of `state`, in place. Throws std::invalid_argument for a key of the other direction or
  /// another context, and hl::CapacityError when the modulus does not leave enough capacity
  /// for the ten rounds (the state is then unchanged). Decryption of an encrypted state needs
  /// one linear layer more than transcipher(), about 11 bits, which the `aes-128` preset does
  /// not have (it throws hl::CapacityError in the last round): use transcipher() there, or
  /// `aes-128-wide`.
  void encrypt(Ciphertext& state, const EncryptedAesKey& key, const EvaluationKeys& keys,
               const AesObserver& observer = {}) const;
  void decrypt(Ciphertext& state, const EncryptedAesKey& key, const EvaluationKeys& keys,
               const AesObserver& observer = {}) const;

  /// Transciphering: from AES-128 ciphertext blocks in the clear (what a client sends) and the
  /// encrypted key (direction kDecrypt), the FHE encryption of the plaintext blocks. The
  /// server never sees the plaintext; the blocks need no FHE encryption by the client.
  Ciphertext transcipher(std::span<const AesBlock> aesCiphertext, const EncryptedAesKey& key,
                         const EvaluationKeys& keys, const AesObserver& observer = {}) const;

  struct Tables;  // internal: the prepared linear layers and constants

 private:
  // `note(step, state)` reports a step of the current round to the observer.
  using Note = std::function<void(std::string_view, const Ciphertext&)>;
  void subBytes(Ciphertext& x, const EvaluationKeys& keys, const Note& note) const;
  void invSubBytes(Ciphertext& x, const EvaluationKeys& keys, const Note& note) const;
  void inverse(Ciphertext& x, const EvaluationKeys& keys, const Note& note) const;  // x^254
  // The ten rounds; addFirstKey false when the caller added round key 0 already.
  // skipFirstAffine: the caller applied round 1's inverse affine map (transcipher()).
  // The rounds on `state` (taken by value: transcipher moves its own in, the others copy the
  // caller's, which changes only when every round succeeded).
  Ciphertext run(Ciphertext state, const EncryptedAesKey& key, const EvaluationKeys& keys,
                 bool addFirstKey, bool skipFirstAffine, const AesObserver& observer) const;

  std::shared_ptr<const Context> ctx_;
  std::unique_ptr<EncryptedArray> ea_;
  std::shared_ptr<Tables> tables_;  // built lazily per direction (thread-safe)
  // The S-box's products taken as independent (Ciphertext::NoiseRelation::kIndependent): false
  // where -1 is a power of 2 mod m (a Frobenius image could pair a coordinate with its
  // conjugate).
  bool independentProducts_ = false;
};

}  // namespace hl
