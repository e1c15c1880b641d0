#include "helib-like/circuits/aes.h"

#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

#include "helib-like/bgv/prepared_plaintext.h"
#include "math/number_theory.h"

namespace hl {
namespace {

// ---------------------------------------------------------------------------------------------
// AES-128 in the clear (FIPS-197).

// Product in GF(2^8) = GF(2)[x]/(x^8 + x^4 + x^3 + x + 1).
uint8_t gfMul(uint8_t a, uint8_t b) {
  uint8_t r = 0;
  while (b) {
    if (b & 1) r ^= a;
    a = static_cast<uint8_t>((a << 1) ^ ((a & 0x80) ? 0x1b : 0));
    b >>= 1;
  }
  return r;
}

uint8_t rotl8(uint8_t b, int s) { return static_cast<uint8_t>((b << s) | (b >> (8 - s))); }

// The S-box from its definition (section 5.1.1): inversion (0 -> 0), then the affine map.
struct SBoxes {
  std::array<uint8_t, 256> forward{}, inverse{};
  SBoxes() {
    for (int x = 0; x < 256; ++x) {
      uint8_t inv = 0;
      if (x != 0) {
        inv = 1;
        for (int i = 0; i < 254; ++i) inv = gfMul(inv, static_cast<uint8_t>(x));
      }
      const uint8_t s = static_cast<uint8_t>(inv ^ rotl8(inv, 1) ^ rotl8(inv, 2) ^ rotl8(inv, 3) ^
                                             rotl8(inv, 4) ^ 0x63);
      forward[x] = s;
      inverse[s] = static_cast<uint8_t>(x);
    }
  }
};

const SBoxes& sboxes() {
  static const SBoxes boxes;
  return boxes;
}

// The circulant MixColumns matrices: entry (r, j) is coefficient[(j - r) mod 4].
constexpr uint8_t kMix[4] = {2, 3, 1, 1};
constexpr uint8_t kInvMix[4] = {14, 11, 13, 9};

AesBlock mixColumns(const AesBlock& s, const uint8_t (&coef)[4]) {
  AesBlock out{};
  for (int c = 0; c < 4; ++c) {
    for (int r = 0; r < 4; ++r) {
      uint8_t acc = 0;
      for (int j = 0; j < 4; ++j) acc ^= gfMul(coef[(j - r + 4) % 4], s[j + 4 * c]);
      out[r + 4 * c] = acc;
    }
  }
  return out;
}

// ShiftRows moves row r left by r: byte (r, c) receives (r, c + r); the inverse by -r.
AesBlock shiftRows(const AesBlock& s, int direction) {
  AesBlock out{};
  for (int c = 0; c < 4; ++c) {
    for (int r = 0; r < 4; ++r) out[r + 4 * c] = s[r + 4 * ((c + direction * r + 8) % 4)];
  }
  return out;
}

void addKey(AesBlock& s, const AesBlock& k) {
  for (int i = 0; i < 16; ++i) s[i] ^= k[i];
}

}  // namespace

std::array<AesBlock, 11> aesExpandKey(const AesBlock& key) {
  // Words w[i] of 4 bytes (section 5.2); round key r is w[4r..4r+3].
  std::array<std::array<uint8_t, 4>, 44> w{};
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) w[i][j] = key[4 * i + j];
  }
  uint8_t rcon = 1;
  for (int i = 4; i < 44; ++i) {
    std::array<uint8_t, 4> temp = w[i - 1];
    if (i % 4 == 0) {
      const std::array<uint8_t, 4> rot{temp[1], temp[2], temp[3], temp[0]};
      for (int j = 0; j < 4; ++j) temp[j] = sboxes().forward[rot[j]];
      temp[0] ^= rcon;
      rcon = gfMul(rcon, 2);
    }
    for (int j = 0; j < 4; ++j) w[i][j] = w[i - 4][j] ^ temp[j];
  }
  std::array<AesBlock, 11> rk{};
  for (int r = 0; r < 11; ++r) {
    for (int i = 0; i < 16; ++i) rk[r][i] = w[4 * r + i / 4][i % 4];
  }
  return rk;
}

AesBlock aesEncryptBlock(const AesBlock& key, const AesBlock& in) {
  const auto rk = aesExpandKey(key);
  AesBlock s = in;
  addKey(s, rk[0]);
  for (int round = 1; round <= 10; ++round) {
    for (auto& b : s) b = sboxes().forward[b];
    s = shiftRows(s, 1);
    if (round < 10) s = mixColumns(s, kMix);
    addKey(s, rk[round]);
  }
  return s;
}

AesBlock aesDecryptBlock(const AesBlock& key, const AesBlock& in) {
  const auto rk = aesExpandKey(key);
  AesBlock s = in;
  addKey(s, rk[10]);
  for (int round = 9; round >= 0; --round) {
    s = shiftRows(s, -1);
    for (auto& b : s) b = sboxes().inverse[b];
    addKey(s, rk[round]);
    if (round > 0) s = mixColumns(s, kInvMix);
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Presets.

namespace {

// The ciphertext primes of the aes-128 preset, q_0 first (doc/aes.md, section 4). Modulus
// switching drops them from the top: per round about one prime of 40-50 bits before x^3 (the
// noise of the linear layers and of the round before) and one of 24-31 bits before x^14 and
// x^254 each (one product's worth of noise). Found by a search over chains with a model of the
// noise as moments (scripts/aes_chain_search.py --model moments, the library's arithmetic:
// hl::NoiseMoments, the S-box's products independent), in 3 digits with P = 315 bits (7
// primes), chains required to survive +-0.3 bits in the model's inputs; then checked on the
// full circuit in both directions. 912 bits in 25 primes; the bounds alone needed 970 bits in
// 4 digits (29 primes, P = 250 bits), and found no 3-digit chain within the 128-bit budget.
std::vector<int> aes128Chain() {
  return {29, 45, 50, 47, 40, 47, 40, 40, 48, 40, 27, 29, 30,
          24, 30, 31, 24, 30, 29, 50, 42, 44, 42, 26, 29};
}

}  // namespace

const std::vector<AesPreset>& aesPresets() {
  static const std::vector<AesPreset> presets{
      {"aes-128",
       {.m = 53261,
        .p = 2,
        .r = 1,
        .primeBits = aes128Chain(),
        .specialBits = 315,
        .digits = 3,
        .generators = {43863, 28680, 15913}},
       false,
       "m = 53261, 120 blocks per ciphertext, Q 912 bits in 25 primes of 24 to 50 bits (3 "
       "digits), P 315 bits: 129.0-bit security by the estimate"},
      {"aes-128-wide",
       {.m = 143395,
        .p = 2,
        .r = 1,
        .ciphertextBits = 1400,
        .primeBits = {},  // (spelled out: GCC 12 warns about the nested designated initializer)
        .digits = 2,
        .generators = {76}},
       false,
       "m = 143395 = 5 * 7 * 17 * 241 (phi 92160, hypercube 16 x 120 x 2), 240 blocks per "
       "ciphertext, Q 1400 bits in 2 digits, P 700 bits (152.8-bit security by the estimate); "
       "the ten rounds fit with about 128 bits to spare; 4.3 GiB peak"},
      {"test",
       {.m = 4369,
        .p = 2,
        .r = 1,
        .ciphertextBits = 1400,
        .primeBits = {},
        .digits = 3,
        .generators = {258, 4115},
        .allowInsecure = true},
       true,
       "m = 4369, 16 blocks per ciphertext, Q 1400 bits: INSECURE, for tests only"},
  };
  return presets;
}

const AesPreset& aesPreset(std::string_view name) {
  std::string names;
  for (const AesPreset& p : aesPresets()) {
    if (p.name == name) return p;
    names += (names.empty() ? "" : ", ") + p.name;
  }
  throw std::invalid_argument("hl::aesPreset: no preset named \"" + std::string(name) +
                              "\" (known: " + names + ")");
}

// ---------------------------------------------------------------------------------------------
// The homomorphic circuit.

// The prepared layers of one direction, built on its first use (each direction holds about 30
// prepared plaintexts over every prime of the context: 31 MB each at m = 143395).
struct HomomorphicAes::Tables {
  struct Direction {
    std::unique_ptr<SlotLinearMap> affine;              // A, or A^-1 for decryption
    std::shared_ptr<const PreparedPlaintext> constant;  // 0x63, or A^-1 0x63 = 0x05
    // ShiftRows then MixColumns (rounds 1-9) and ShiftRows alone (round 10); for decryption
    // InvShiftRows then InvMixColumns, and InvShiftRows alone.
    std::unique_ptr<SlotRotationSum> layer, last;
  };
  std::once_flag once[2];
  Direction direction[2];
};

namespace {

// A byte as a slot value of GF(2)[Z]/(AES polynomial): bit i = coefficient of Z^i.
void setByte(SlotVector& v, size_t slot, uint8_t b) {
  auto value = v[slot];
  for (size_t i = 0; i < 8; ++i) value[i] = (b >> i) & 1;
}

uint8_t getByte(const SlotVector& v, size_t slot) {
  auto value = v[slot];
  uint8_t b = 0;
  for (size_t i = 0; i < 8; ++i) b |= static_cast<uint8_t>(value[i] << i);
  return b;
}

// The baby steps of the byte layers' baby-step giant-step form. Their rotation amounts:
// ShiftRows + MixColumns {0-4, 6-9, 11-14}, InvShiftRows + InvMixColumns {0-12}, (Inv)ShiftRows
// alone {0, 4, 8, 12}: with 5 baby steps all of them need only the rotations by 1..5 (the
// giant steps by 5 and 10 go by Horner's rule with the rotation by 5: 5 keys for both
// directions, where the flat form needs 12 per direction, 16 for both), and at most two giant
// steps. Whether that is also faster depends on the digits: the giant steps
// cost two key switches more, the flat form reads a whole key per term. Measured (doc/aes.md,
// section 5): aes-128 (4 digits) 8% faster and 490 MB less; aes-128-wide (2 digits) 13% slower,
// so it keeps the flat form there.
size_t layerBabySteps(const Context& ctx) { return ctx.digits().size() >= 3 ? 5 : 0; }

// The linear layer out[i] = sum_j coef(i, j) in[src(i, j)] (i, src: byte positions of a block)
// along the first dimension: rotation by k = i - src carries byte src to byte i.
template <class Entry>
std::unique_ptr<SlotRotationSum> byteLayer(const EncryptedArray& ea, Entry entry) {
  const Hypercube& cube = ea.hypercube();
  std::map<int64_t, SlotVector> diagonals;
  for (size_t s = 0; s < ea.size(); ++s) {
    const int i = static_cast<int>(cube.coordinate(s, 0));
    for (int j = 0; j < 4; ++j) {
      const auto [src, coef] = entry(i, j);
      if (coef == 0) continue;
      const int64_t k = ((i - src) % 16 + 16) % 16;
      auto it = diagonals.find(k);
      if (it == diagonals.end()) it = diagonals.emplace(k, ea.zeros()).first;
      setByte(it->second, s, static_cast<uint8_t>(getByte(it->second, s) ^ coef));
    }
  }
  std::vector<std::pair<int64_t, SlotVector>> terms(diagonals.begin(), diagonals.end());
  return std::make_unique<SlotRotationSum>(ea, 0, terms, layerBabySteps(ea.context()));
}

// The affine matrix of the S-box on bit vectors: y_i = x_i + x_{i+4} + x_{i+5} + x_{i+6} +
// x_{i+7} (indices mod 8).
std::vector<uint64_t> affineMatrix() {
  std::vector<uint64_t> M(64, 0);
  for (size_t i = 0; i < 8; ++i) {
    for (size_t o : {0, 4, 5, 6, 7}) M[i * 8 + (i + o) % 8] = 1;
  }
  return M;
}

// The S-box's affine map A(x) = M x + 0x63 on bytes (bit i = coefficient of Z^i): its inverse
// A^-1(y) = M^-1 y + M^-1 0x63, and its linear part M^-1 alone.
uint8_t applyBitMatrix(const std::vector<uint64_t>& M, uint8_t x) {
  uint8_t y = 0;
  for (size_t i = 0; i < 8; ++i) {
    uint64_t bit = 0;
    for (size_t j = 0; j < 8; ++j) bit ^= M[i * 8 + j] & ((x >> j) & 1);
    y |= static_cast<uint8_t>(bit << i);
  }
  return y;
}

const std::vector<uint64_t>& inverseAffineMatrix() {
  static const std::vector<uint64_t> Minv = detail::invertMatrixMod(affineMatrix(), 8, Modulus(2));
  return Minv;
}

uint8_t inverseAffineLinear(uint8_t y) { return applyBitMatrix(inverseAffineMatrix(), y); }

uint8_t inverseAffine(uint8_t y) {
  return static_cast<uint8_t>(inverseAffineLinear(y) ^ inverseAffineLinear(0x63));
}

}  // namespace

HomomorphicAes::HomomorphicAes(std::shared_ptr<const Context> ctx) : ctx_(std::move(ctx)) {
  if (!ctx_) throw std::invalid_argument("hl::HomomorphicAes: no context given");
  // The powers of 2 mod m, up to its order d (the slot degree): is -1 among them?
  independentProducts_ = true;
  for (uint64_t k = 2 % ctx_->m(), j = 0; k != 1 && j < ctx_->m(); k = 2 * k % ctx_->m(), ++j) {
    if (k == ctx_->m() - 1) {
      independentProducts_ = false;
      break;
    }
  }
  const Hypercube& cube = ctx_->hypercube();
  if (ctx_->p() != 2 || ctx_->r() != 1) {
    throw std::invalid_argument("hl::HomomorphicAes: needs p = 2 and r = 1 (bytes in GF(2^8))");
  }
  if (cube.degree() % 8 != 0) {
    throw std::invalid_argument(
        "hl::HomomorphicAes: the slot degree d = " + std::to_string(cube.degree()) +
        " is not a multiple of 8, so GF(2^8) is not a subfield of the "
        "slots; choose another m");
  }
  if (cube.dimensions() == 0 || cube.dimensionSize(0) != 16) {
    throw std::invalid_argument(
        "hl::HomomorphicAes: the first hypercube dimension must have 16 slots (the bytes of a "
        "block); give Parameters::generators whose first one has order 16 (for m = 53261: "
        "43863, 28680, 15913)");
  }
  ea_ = std::make_unique<EncryptedArray>(ctx_, std::vector<uint64_t>{1, 1, 0, 1, 1, 0, 0, 0, 1});
  tables_ = std::make_shared<Tables>();
}

namespace {

// The prepared layers of one direction, built on first use.
const HomomorphicAes::Tables::Direction& directionTables(HomomorphicAes::Tables& tables,
                                                         const EncryptedArray& array,
                                                         AesDirection dir) {
  const int d = dir == AesDirection::kEncrypt ? 0 : 1;
  std::call_once(tables.once[d], [&] {
    HomomorphicAes::Tables::Direction& t = tables.direction[d];
    auto everySlot = [&](uint8_t b) {
      SlotVector v = array.zeros();
      for (size_t s = 0; s < v.size(); ++s) setByte(v, s, b);
      return std::make_shared<const PreparedPlaintext>(array.encode(v));
    };
    const std::vector<uint64_t> M = affineMatrix();
    if (dir == AesDirection::kEncrypt) {
      t.affine = std::make_unique<SlotLinearMap>(array, M);
      t.constant = everySlot(0x63);
      // Byte i = r + 4c. ShiftRows: (r, c) <- (r, c + r); MixColumns: out(r, c) = sum_j
      // kMix[(j - r) mod 4] in(j, c). Together: out(r, c) = sum_j kMix[...] in(j, c + j).
      t.layer = byteLayer(array, [](int i, int j) {
        const int r = i % 4, c = i / 4;
        return std::pair<int, uint8_t>{j + 4 * ((c + j) % 4), kMix[(j - r + 4) % 4]};
      });
      t.last = byteLayer(array, [](int i, int j) {
        const int r = i % 4, c = i / 4;
        return std::pair<int, uint8_t>{r + 4 * ((c + r) % 4), j == 0 ? 1 : 0};
      });
    } else {
      t.affine = std::make_unique<SlotLinearMap>(array, inverseAffineMatrix());
      // x = M^-1 (y + 0x63) = M^-1 y + M^-1 0x63.
      t.constant = everySlot(inverseAffineLinear(0x63));
      // InvShiftRows: (r, c) <- (r, c - r); then InvMixColumns.
      t.layer = byteLayer(array, [](int i, int j) {
        const int r = i % 4, c = i / 4;
        return std::pair<int, uint8_t>{j + 4 * ((c - j + 4) % 4), kInvMix[(j - r + 4) % 4]};
      });
      t.last = byteLayer(array, [](int i, int j) {
        const int r = i % 4, c = i / 4;
        return std::pair<int, uint8_t>{r + 4 * ((c - r + 4) % 4), j == 0 ? 1 : 0};
      });
    }
    // The affine map runs in baby-step giant-step form (keyExponents() names its keys): its
    // giant constants now, with the other tables, not in the first round.
    t.affine->prepareBabyStepGiantStep();
  });
  return tables.direction[d];
}

}  // namespace

size_t HomomorphicAes::blocksPerCiphertext() const { return ea_->size() / 16; }

std::vector<uint64_t> HomomorphicAes::keyExponents(AesDirection dir) const {
  // The inversion's Frobenius maps (1, 2 and 4), the affine map's in its baby-step giant-step
  // form (1..4: one hoisted sum of three baby steps and one giant step, instead of 1..7), and
  // the rotations of the other layers.
  std::vector<uint64_t> out;
  for (size_t j : {1, 2, 4}) out.push_back(ea_->frobeniusExponent(j));
  const Tables::Direction& t = directionTables(*tables_, *ea_, dir);
  for (uint64_t e : t.affine->keyExponents()) out.push_back(e);
  for (const SlotRotationSum* m : {t.layer.get(), t.last.get()}) {
    for (uint64_t e : m->keyExponents()) out.push_back(e);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<uint64_t> HomomorphicAes::keyExponents() const {
  std::vector<uint64_t> out = keyExponents(AesDirection::kEncrypt);
  for (uint64_t e : keyExponents(AesDirection::kDecrypt)) out.push_back(e);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

SlotVector HomomorphicAes::pack(std::span<const AesBlock> blocks) const {
  const size_t per = blocksPerCiphertext();
  if (blocks.size() > per) {
    throw std::invalid_argument("hl::HomomorphicAes::pack: " + std::to_string(blocks.size()) +
                                " blocks, a ciphertext holds " + std::to_string(per));
  }
  // Slot s holds byte coordinate(s, 0) of block s mod stride(0).
  const Hypercube& cube = ea_->hypercube();
  SlotVector v = ea_->zeros();
  for (size_t s = 0; s < v.size(); ++s) {
    const size_t b = s % cube.stride(0);
    if (b < blocks.size()) setByte(v, s, blocks[b][cube.coordinate(s, 0)]);
  }
  return v;
}

std::vector<AesBlock> HomomorphicAes::unpack(const SlotVector& slots, size_t count) const {
  const Hypercube& cube = ea_->hypercube();
  if (count > blocksPerCiphertext()) {
    throw std::invalid_argument("hl::HomomorphicAes::unpack: too many blocks");
  }
  std::vector<AesBlock> out(count);
  for (size_t s = 0; s < slots.size(); ++s) {
    const size_t b = s % cube.stride(0);
    if (b < count) out[b][cube.coordinate(s, 0)] = getByte(slots, s);
  }
  return out;
}

namespace {

// The round keys in the order the circuit adds them: rk[0..10] for encryption; for the
// equivalent inverse cipher rk[10], InvMixColumns(rk[9..1]), rk[0].
std::vector<AesBlock> scheduleFor(const AesBlock& key, AesDirection dir) {
  const auto rk = aesExpandKey(key);
  std::vector<AesBlock> out(rk.begin(), rk.end());
  if (dir == AesDirection::kDecrypt) {
    for (int r = 0; r <= 10; ++r) {
      out[r] = (r == 0 || r == 10) ? rk[10 - r] : mixColumns(rk[10 - r], kInvMix);
    }
  }
  return out;
}

}  // namespace

namespace {

// One ciphertext per round key (in the circuit's order), each replicated over every block.
template <class Key>
EncryptedAesKey encryptSchedule(const HomomorphicAes& aes, const Key& encryptionKey,
                                const AesBlock& key, AesDirection dir) {
  EncryptedAesKey out{dir, {}, std::nullopt};
  auto replicated = [&](const AesBlock& b) {
    const std::vector<AesBlock> copies(aes.blocksPerCiphertext(), b);
    return aes.array().encrypt(encryptionKey, aes.pack(copies));
  };
  const std::vector<AesBlock> schedule = scheduleFor(key, dir);
  for (const AesBlock& rk : schedule) out.roundKeys.push_back(replicated(rk));
  if (dir == AesDirection::kDecrypt) {
    AesBlock first = schedule[0];
    for (uint8_t& b : first) b = inverseAffine(b);
    out.transcipherKey.emplace(replicated(first));
  }
  return out;
}

}  // namespace

EncryptedAesKey HomomorphicAes::encryptKey(const PublicKey& pk, const AesBlock& key,
                                           AesDirection dir) const {
  return encryptSchedule(*this, pk, key, dir);
}

EncryptedAesKey HomomorphicAes::encryptKey(const SecretKey& sk, const AesBlock& key,
                                           AesDirection dir) const {
  return encryptSchedule(*this, sk, key, dir);
}

void HomomorphicAes::inverse(Ciphertext& x, const EvaluationKeys& keys, const Note& note) const {
  // x^254 = x^(2+4+8+16+32+64+128) with multiplicative depth 3 (GHS 2012, section 4.1):
  // x^3 = x^2 x, x^12 = (x^3)^4, x^14 = x^12 x^2, x^15 = x^12 x^3, x^240 = (x^15)^16,
  // x^254 = x^240 x^14. The powers of 2 are Frobenius maps.
  // Products into operands that are not needed afterwards: two full copies of a ciphertext
  // instead of four (serial memory copies, 24 MB at the top of the aes-128 chain). The
  // Frobenius maps stay in place: automorphisms() would avoid the copy but permutes the
  // extended digits instead of c1, which costs more than the copy.
  // x^2 and x^12 each enter two products: switched down in place once (reduceNoise, the
  // level each product would switch it to anyway) rather than once per product. The key
  // switches whose results are switched down next (x^2, x^12, x^14, x^240) do it in their
  // ModDown's pass (Then::kReduceNoise: the same words, l forward transforms per part fewer);
  // x^3 and x^15 are not: the Frobenius maps that follow them would add their key-switching
  // error after the division instead of before it.
  // Every product pairs noises whose random parts are independent at each canonical coordinate
  // (NoiseRelation::kIndependent): x^2, x^12 and x^240 are key-switched Frobenius images, whose
  // coordinates are other coordinates of their operand's noise plus fresh key-switching error,
  // so x^2 x pairs nu(zeta^2) with nu(zeta), x^12 x^2 nu_3(zeta^4) with nu(zeta^2) (nu_3 = nu
  // nu(.^2)), x^12 x^3 nu_3(zeta^4) with nu_3(zeta), x^240 x^14 nu_12(zeta^16) ... with
  // nu_12(zeta) ...: distinct coordinates (zeta^(2^a) = zeta^(+-2^b) needs 2^(a-b) = +-1 mod m:
  // the powers used are 2^0..2^7, 2 has order d (24 at m = 53261) and -1 is no power of 2 there;
  // where it is, the products take NoiseRelation::kAny), each the sum of key-switching and
  // rounding errors of independent coefficients (doc/aes.md section 4: the model's quantiles are
  // within 0.3 bits of the measured noise of every product). The moments multiply: about 1.5
  // bits less per product than the product of the bounds.
  using Then = Ciphertext::Then;
  const Ciphertext::NoiseRelation relation = independentProducts_
                                                 ? Ciphertext::NoiseRelation::kIndependent
                                                 : Ciphertext::NoiseRelation::kAny;
  Ciphertext x2 = x;
  ea_->frobenius(x2, 1, keys, Then::kReduceNoise);
  note("x^2", x2);
  Ciphertext x3 = std::move(x);
  x3.multiplyBy(x2, keys, Then::kNothing, relation);
  note("x^3", x3);
  Ciphertext x12 = x3;
  ea_->frobenius(x12, 2, keys, Then::kReduceNoise);
  note("x^12", x12);
  Ciphertext x14 = std::move(x2);
  x14.multiplyBy(x12, keys, Then::kReduceNoise, relation);
  note("x^14", x14);
  Ciphertext x15 = std::move(x12);
  x15.multiplyBy(x3, keys, Then::kNothing, relation);
  note("x^15", x15);
  ea_->frobenius(x15, 4, keys, Then::kReduceNoise);
  note("x^240", x15);
  x15.multiplyBy(x14, keys, Then::kNothing, relation);
  note("x^254", x15);
  x = std::move(x15);
}

void HomomorphicAes::subBytes(Ciphertext& x, const EvaluationKeys& keys, const Note& note) const {
  const Tables::Direction& t = directionTables(*tables_, *ea_, AesDirection::kEncrypt);
  inverse(x, keys, note);
  ea_->apply(x, *t.affine, keys);
  x.addPlaintext(*t.constant);
  note("affine", x);
}

void HomomorphicAes::invSubBytes(Ciphertext& x, const EvaluationKeys& keys,
                                 const Note& note) const {
  const Tables::Direction& t = directionTables(*tables_, *ea_, AesDirection::kDecrypt);
  ea_->apply(x, *t.affine, keys);
  x.addPlaintext(*t.constant);
  note("inverse affine", x);
  inverse(x, keys, note);
}

Ciphertext HomomorphicAes::run(Ciphertext state, const EncryptedAesKey& key,
                               const EvaluationKeys& keys, bool addFirstKey, bool skipFirstAffine,
                               const AesObserver& observer) const {
  if (key.roundKeys.size() != 11) {
    throw std::invalid_argument("hl::HomomorphicAes: the key schedule has " +
                                std::to_string(key.roundKeys.size()) + " round keys, not 11");
  }
  for (const Ciphertext& rk : key.roundKeys) {
    if (rk.contextPtr() != ctx_) {
      throw std::invalid_argument("hl::HomomorphicAes: the key belongs to another context");
    }
  }
  if (state.contextPtr() != ctx_) {
    throw std::invalid_argument("hl::HomomorphicAes: the state belongs to another context");
  }
  const bool enc = key.direction == AesDirection::kEncrypt;
  int round = 0;
  const Note note = [&](std::string_view step, const Ciphertext& ct) {
    if (observer) observer(round, step, ct);
  };
  if (addFirstKey) state += key.roundKeys[0];
  note("AddRoundKey", state);
  for (round = 1; round <= 10; ++round) {
    if (enc) {
      subBytes(state, keys, note);
    } else if (round == 1 && skipFirstAffine) {
      inverse(state, keys, note);  // the caller applied the inverse affine map
    } else {
      invSubBytes(state, keys, note);
    }
    const Tables::Direction& t = directionTables(*tables_, *ea_, key.direction);
    ea_->apply(state, round < 10 ? *t.layer : *t.last, keys);
    if (enc) {
      note(round < 10 ? "ShiftRows+MixColumns" : "ShiftRows", state);
    } else {
      note(round < 10 ? "InvShiftRows+InvMixColumns" : "InvShiftRows", state);
    }
    state += key.roundKeys[round];
    note("AddRoundKey", state);
  }
  return state;
}

void HomomorphicAes::encrypt(Ciphertext& state, const EncryptedAesKey& key,
                             const EvaluationKeys& keys, const AesObserver& observer) const {
  if (key.direction != AesDirection::kEncrypt) {
    throw std::invalid_argument(
        "hl::HomomorphicAes::encrypt: the key schedule was made for decryption");
  }
  state = run(state, key, keys, true, false, observer);
}

void HomomorphicAes::decrypt(Ciphertext& state, const EncryptedAesKey& key,
                             const EvaluationKeys& keys, const AesObserver& observer) const {
  if (key.direction != AesDirection::kDecrypt) {
    throw std::invalid_argument(
        "hl::HomomorphicAes::decrypt: the key schedule was made for encryption");
  }
  state = run(state, key, keys, true, false, observer);
}

Ciphertext HomomorphicAes::transcipher(std::span<const AesBlock> aesCiphertext,
                                       const EncryptedAesKey& key, const EvaluationKeys& keys,
                                       const AesObserver& observer) const {
  if (key.direction != AesDirection::kDecrypt || key.roundKeys.size() != 11) {
    throw std::invalid_argument(
        "hl::HomomorphicAes::transcipher: needs the encrypted key schedule for decryption");
  }
  if (key.transcipherKey && key.transcipherKey->contextPtr() != ctx_) {
    throw std::invalid_argument(
        "hl::HomomorphicAes::transcipher: the key belongs to another context");
  }
  // The first AddRoundKey turns the public AES ciphertext into an FHE ciphertext: start from
  // the encrypted first round key and add the blocks as a plaintext. With the key's
  // A^-1(rk_10), the first inverse affine map is done in the clear as well:
  // A^-1(c + k) = L^-1(c) + A^-1(k).
  if (key.transcipherKey) {
    std::vector<AesBlock> linear(aesCiphertext.begin(), aesCiphertext.end());
    for (AesBlock& b : linear) {
      for (uint8_t& x : b) x = inverseAffineLinear(x);
    }
    Ciphertext state = *key.transcipherKey;
    state.addPlaintext(ea_->encode(pack(linear)));
    return run(std::move(state), key, keys, false, true, observer);
  }
  Ciphertext state = key.roundKeys[0];
  state.addPlaintext(ea_->encode(pack(aesCiphertext)));
  return run(std::move(state), key, keys, false, false, observer);
}

}  // namespace hl
