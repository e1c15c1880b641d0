// The binary format (see helib-like/io/serialization.h and doc/format.md).
#include "helib-like/io/serialization.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <zstd.h>

#include <bit>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <istream>
#include <limits>
#include <numeric>
#include <ostream>
#include <vector>

#include "helib-like/math/cyclotomic_dft.h"
#include "helib-like/ring/double_crt.h"

namespace hl::io {
namespace {

constexpr char kMagic[8] = {'H', 'L', 'I', 'K', 'E', 'B', 'G', 'V'};
constexpr size_t kHeaderBytes = 8 + 2 + 2 + 32 + 8;
constexpr size_t kDigestBytes = 32;
// Context records hold a few hundred bytes; this bounds what a forged length can make a
// reader allocate for them.
constexpr uint64_t kMaxContextBody = 1u << 20;

[[noreturn]] void fail(const std::string& what) { throw FormatError("hl::io: " + what); }

using Digest = std::array<uint8_t, 32>;

// SHA-256 over several pieces.
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) {
      EVP_MD_CTX_free(ctx_);
      throw std::runtime_error("hl::io: OpenSSL cannot set up SHA-256");
    }
  }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, size_t bytes) { EVP_DigestUpdate(ctx_, data, bytes); }
  Digest finish() {
    Digest d{};
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx_, d.data(), &len);
    return d;
  }

 private:
  EVP_MD_CTX* ctx_;
};

// Little-endian writer into a byte vector.
class Writer {
 public:
  void u8(uint8_t v) { bytes_.push_back(v); }
  void u16(uint16_t v) { put(v, 2); }
  void u32(uint32_t v) { put(v, 4); }
  void u64(uint64_t v) { put(v, 8); }
  void f64(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    u64(bits);
  }
  void raw(const void* data, size_t n) {
    const auto* p = static_cast<const uint8_t*>(data);
    bytes_.insert(bytes_.end(), p, p + n);
  }
  // Rows of 64-bit words, little-endian (the byte order of every x86-64 host: one copy).
  void words(const uint64_t* data, size_t n) {
    if constexpr (std::endian::native == std::endian::little) {
      raw(data, n * 8);
    } else {
      for (size_t i = 0; i < n; ++i) u64(data[i]);
    }
  }
  std::vector<uint8_t>& bytes() { return bytes_; }

 private:
  void put(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) bytes_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  std::vector<uint8_t> bytes_;
};

// Bounds-checked little-endian reader over a body.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : p_(data), left_(size) {}
  uint8_t u8() { return static_cast<uint8_t>(get(1)); }
  uint16_t u16() { return static_cast<uint16_t>(get(2)); }
  uint32_t u32() { return static_cast<uint32_t>(get(4)); }
  uint64_t u64() { return get(8); }
  double f64() {
    const uint64_t bits = u64();
    double v;
    std::memcpy(&v, &bits, 8);
    return v;
  }
  void words(uint64_t* out, size_t n) {
    need(n * 8);
    if constexpr (std::endian::native == std::endian::little) {
      std::memcpy(out, p_, n * 8);
      p_ += n * 8;
      left_ -= n * 8;
    } else {
      for (size_t i = 0; i < n; ++i) out[i] = get(8);
    }
  }
  void expectEnd() const {
    if (left_ != 0) fail(std::to_string(left_) + " bytes left over after the object");
  }
  size_t left() const { return left_; }

 private:
  void need(size_t n) const {
    if (n > left_) fail("the body ends early (truncated or corrupted)");
  }
  uint64_t get(int n) {
    need(static_cast<size_t>(n));
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(p_[i]) << (8 * i);
    p_ += n;
    left_ -= static_cast<size_t>(n);
    return v;
  }
  const uint8_t* p_;
  size_t left_;
};

const char* nameOf(ObjectType t) {
  switch (t) {
    case ObjectType::kContext:
      return "context";
    case ObjectType::kPlaintext:
      return "plaintext";
    case ObjectType::kCiphertext:
      return "ciphertext";
    case ObjectType::kPublicKey:
      return "public key";
    case ObjectType::kSecretKey:
      return "secret key";
    case ObjectType::kKeySwitchKey:
      return "key-switching key";
    case ObjectType::kEvaluationKeys:
      return "evaluation key set";
  }
  return "unknown object";
}

constexpr uint16_t kCompressedBit = 0x8000;
constexpr int kZstdLevel = 3;

// The zstd form of a body: its uncompressed size (u64), then one zstd frame.
std::vector<uint8_t> compress(const std::vector<uint8_t>& body) {
  std::vector<uint8_t> out(8 + ZSTD_compressBound(body.size()));
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(static_cast<uint64_t>(body.size()) >> (8 * i));
  const size_t n = ZSTD_compress(out.data() + 8, out.size() - 8, body.data(), body.size(), kZstdLevel);
  if (ZSTD_isError(n)) throw std::runtime_error(std::string("hl::io: zstd: ") + ZSTD_getErrorName(n));
  out.resize(8 + n);
  return out;
}

void writeRecord(std::ostream& out, ObjectType type, const Digest& fingerprint,
                 std::vector<uint8_t>& body, Compression compression = Compression::kNone) {
  if (compression == Compression::kZstd) body = compress(body);
  Writer head;
  head.raw(kMagic, 8);
  head.u16(kFormatVersion);
  head.u16(static_cast<uint16_t>(static_cast<uint16_t>(type) |
                                 (compression == Compression::kZstd ? kCompressedBit : 0)));
  head.raw(fingerprint.data(), fingerprint.size());
  head.u64(body.size());
  Sha256 sha;
  sha.update(head.bytes().data(), head.bytes().size());
  sha.update(body.data(), body.size());
  const Digest digest = sha.finish();
  out.write(reinterpret_cast<const char*>(head.bytes().data()),
            static_cast<std::streamsize>(head.bytes().size()));
  out.write(reinterpret_cast<const char*>(body.data()), static_cast<std::streamsize>(body.size()));
  out.write(reinterpret_cast<const char*>(digest.data()), kDigestBytes);
  if (!out) throw std::runtime_error("hl::io: writing the " + std::string(nameOf(type)) + " failed");
}

void readExactly(std::istream& in, void* dst, size_t n, const char* what) {
  in.read(static_cast<char*>(dst), static_cast<std::streamsize>(n));
  if (static_cast<size_t>(in.gcount()) != n) {
    fail(std::string("the input ends inside the ") + what + " (truncated)");
  }
}

// Reads one record of the given type: checks magic, version, type, the fingerprint (when
// `expected` is given), the length against maxBody, and the checksum. Returns the body and
// the recorded fingerprint.
// Reads and checks the fixed header (magic, version); the type field is returned with its
// compression bit separated.
RecordInfo readHeader(std::istream& in, uint8_t (&header)[kHeaderBytes]) {
  readExactly(in, header, kHeaderBytes, "header");
  if (std::memcmp(header, kMagic, 8) != 0) fail("not a helib-like object (bad magic)");
  Reader h(header + 8, kHeaderBytes - 8);
  RecordInfo info;
  info.version = h.u16();
  if (info.version != kFormatVersion) {
    fail("format version " + std::to_string(info.version) + ", this library reads version " +
         std::to_string(kFormatVersion));
  }
  const uint16_t rawType = h.u16();
  info.compressed = (rawType & kCompressedBit) != 0;
  info.type = static_cast<ObjectType>(rawType & static_cast<uint16_t>(~kCompressedBit));
  std::memcpy(info.fingerprint.data(), header + 12, 32);
  Reader len(header + 44, 8);
  info.bodyBytes = len.u64();
  return info;
}

std::vector<uint8_t> readRecord(std::istream& in, ObjectType type, const Digest* expected,
                                uint64_t maxBody, Digest* fingerprintOut = nullptr) {
  uint8_t header[kHeaderBytes];
  const RecordInfo info = readHeader(in, header);
  const bool compressed = info.compressed;
  if (info.type != type) {
    fail(std::string("expected a ") + nameOf(type) + ", found a " + nameOf(info.type) +
         " (type " + std::to_string(static_cast<uint16_t>(info.type)) + ")");
  }
  const Digest& fingerprint = info.fingerprint;
  const uint64_t bodyBytes = info.bodyBytes;
  if (expected != nullptr && fingerprint != *expected) {
    fail(std::string("the ") + nameOf(type) +
         " belongs to another context (the context fingerprints differ)");
  }
  // A compressed body is at most zstd's bound for the largest uncompressed one.
  const uint64_t maxStored =
      compressed ? 8 + static_cast<uint64_t>(ZSTD_compressBound(static_cast<size_t>(
                           std::min<uint64_t>(maxBody, uint64_t{1} << 40))))
                 : maxBody;
  if (bodyBytes > maxStored) {
    fail(std::string("a ") + nameOf(type) + " body of " + std::to_string(bodyBytes) +
         " bytes is more than this context allows (" + std::to_string(maxBody) + ")");
  }
  std::vector<uint8_t> body(bodyBytes);
  readExactly(in, body.data(), body.size(), "body");
  Digest stored{};
  readExactly(in, stored.data(), stored.size(), "checksum");
  Sha256 sha;
  sha.update(header, kHeaderBytes);
  sha.update(body.data(), body.size());
  if (sha.finish() != stored) fail("checksum mismatch (the data is corrupted)");
  if (fingerprintOut != nullptr) *fingerprintOut = fingerprint;
  if (!compressed) return body;
  // Decompress into exactly the declared size, itself bounded like an uncompressed body.
  Reader r(body.data(), body.size());
  const uint64_t rawSize = r.u64();
  if (rawSize > maxBody) {
    fail(std::string("a compressed ") + nameOf(type) + " declares " + std::to_string(rawSize) +
         " bytes, more than this context allows (" + std::to_string(maxBody) + ")");
  }
  const unsigned long long frameSize = ZSTD_getFrameContentSize(body.data() + 8, body.size() - 8);
  if (frameSize != rawSize) fail("the compressed body is not one zstd frame of the declared size");
  std::vector<uint8_t> raw(static_cast<size_t>(rawSize));
  const size_t n = ZSTD_decompress(raw.data(), raw.size(), body.data() + 8, body.size() - 8);
  if (ZSTD_isError(n) || n != rawSize) fail("the compressed body does not decompress");
  return raw;
}

// The rows of an element, prime by prime.
void writeRows(Writer& w, const DoubleCRT& x) {
  const size_t n = x.chain().ring().phi();
  for (size_t i : x.primes()) w.words(x.values(i).data(), n);
}

// An element over `primes` read row by row, every residue checked against its prime.
DoubleCRT readRows(Reader& r, const Context& ctx, const IndexSet& primes, const char* what) {
  DoubleCRT x(ctx.chain(), primes);
  const size_t n = ctx.n();
  for (size_t i : primes) {
    uint64_t* row = x.values(i).data();
    r.words(row, n);
    const uint64_t q = ctx.chain()->modulus(i).value();
    for (size_t j = 0; j < n; ++j) {
      if (row[j] >= q) {
        fail(std::string("a residue of the ") + what + " is not below prime " +
             std::to_string(i) + " (" + std::to_string(q) + ")");
      }
    }
  }
  return x;
}

}  // namespace

const char* typeName(ObjectType type) { return nameOf(type); }

RecordInfo peekRecord(std::istream& in) {
  uint8_t header[kHeaderBytes];
  return readHeader(in, header);
}

std::array<uint8_t, 32> contextFingerprint(const Context& ctx) {
  Writer w;
  const char tag[] = "helib-like context v1";
  w.raw(tag, sizeof(tag) - 1);
  const Parameters& p = ctx.parameters();
  w.u64(ctx.m());
  w.u64(ctx.p());
  w.u32(ctx.r());
  const ModulusChain& chain = *ctx.chain();
  w.u64(ctx.levels());
  w.u64(chain.size());
  for (size_t i = 0; i < chain.size(); ++i) w.u64(chain.modulus(i).value());
  w.u64(ctx.digits().size());
  for (const IndexSet& d : ctx.digits()) w.u64(d.size());
  w.f64(p.sigma);
  w.u64(p.hammingWeight);
  const Hypercube& cube = ctx.hypercube();
  w.u64(cube.dimensions());
  for (size_t i = 0; i < cube.dimensions(); ++i) {
    w.u64(cube.generator(i));
    w.u64(cube.dimensionSize(i));
  }
  Sha256 sha;
  sha.update(w.bytes().data(), w.bytes().size());
  return sha.finish();
}

// Context: the Parameters, then Context::create and a fingerprint check.
void save(std::ostream& out, const Context& ctx, Compression compression) {
  const Parameters& p = ctx.parameters();
  Writer w;
  w.u64(p.m);
  w.u64(p.p);
  w.u32(p.r);
  w.u32(static_cast<uint32_t>(p.ciphertextBits));
  w.u32(static_cast<uint32_t>(p.primeBits.size()));
  for (int b : p.primeBits) w.u32(static_cast<uint32_t>(b));
  w.u32(static_cast<uint32_t>(p.specialBits));
  w.u64(p.digits);
  w.u64(p.hammingWeight);
  w.f64(p.sigma);
  w.u32(static_cast<uint32_t>(p.generators.size()));
  for (uint64_t g : p.generators) w.u64(g);
  w.u8(p.allowInsecure ? 1 : 0);
  writeRecord(out, ObjectType::kContext, contextFingerprint(ctx), w.bytes(), compression);
}

std::shared_ptr<const Context> loadContext(std::istream& in, const ContextLimits& limits) {
  Digest fingerprint{};
  const std::vector<uint8_t> body =
      readRecord(in, ObjectType::kContext, nullptr, kMaxContextBody, &fingerprint);
  Reader r(body.data(), body.size());
  Parameters p;
  p.m = r.u64();
  p.p = r.u64();
  p.r = r.u32();
  p.ciphertextBits = static_cast<int>(r.u32());
  const uint32_t sizes = r.u32();
  if (sizes > r.left() / 4) fail("the context lists more prime sizes than it holds");
  for (uint32_t i = 0; i < sizes; ++i) p.primeBits.push_back(static_cast<int>(r.u32()));
  p.specialBits = static_cast<int>(r.u32());
  p.digits = r.u64();
  p.hammingWeight = r.u64();
  p.sigma = r.f64();
  const uint32_t gens = r.u32();
  if (gens > r.left() / 8) fail("the context lists more generators than it holds");
  for (uint32_t i = 0; i < gens; ++i) p.generators.push_back(r.u64());
  p.allowInsecure = r.u8() != 0;
  r.expectEnd();
  // Limits before anything is built: m and phi(m), and the modulus (primes of 20 bits at the
  // least, so the bits bound the number of primes too).
  if (p.m < 2 || p.m > (uint64_t{1} << 24) || eulerPhi(p.m) > limits.maxPhi) {
    fail("m = " + std::to_string(p.m) + " is outside what this reader accepts (phi(m) <= " +
         std::to_string(limits.maxPhi) + ")");
  }
  int64_t bits = static_cast<int64_t>(p.ciphertextBits) + p.specialBits;
  for (int b : p.primeBits) bits += b;
  if (p.ciphertextBits < 0 || p.specialBits < 0 || bits > limits.maxModulusBits ||
      p.primeBits.size() > static_cast<size_t>(limits.maxModulusBits / 20) || p.digits > 64 ||
      p.generators.size() > 64) {
    fail("the recorded modulus is beyond what this reader accepts (" +
         std::to_string(limits.maxModulusBits) + " bits)");
  }
  std::shared_ptr<const Context> ctx;
  try {
    ctx = Context::create(p);
  } catch (const std::exception& e) {
    fail(std::string("the recorded parameters are refused: ") + e.what());
  }
  if (contextFingerprint(*ctx) != fingerprint) {
    fail("the rebuilt context has another fingerprint than the recorded one (different primes: "
         "written by a library that chooses them differently?)");
  }
  return ctx;
}

void save(std::ostream& out, const Plaintext& pt, Compression compression) {
  Writer w;
  const std::vector<uint64_t>& c = pt.coefficients();
  w.u64(c.size());
  w.words(c.data(), c.size());
  writeRecord(out, ObjectType::kPlaintext, contextFingerprint(pt.context()), w.bytes(), compression);
}

Plaintext loadPlaintext(std::istream& in, const std::shared_ptr<const Context>& ctx) {
  if (!ctx) throw std::invalid_argument("hl::io::loadPlaintext: no context given");
  const Digest fp = contextFingerprint(*ctx);
  const size_t n = ctx->n();
  const std::vector<uint8_t> body = readRecord(in, ObjectType::kPlaintext, &fp, 8 + 8 * n);
  Reader r(body.data(), body.size());
  if (r.u64() != n) fail("the plaintext does not have phi(m) = " + std::to_string(n) + " coefficients");
  std::vector<uint64_t> c(n);
  r.words(c.data(), n);
  r.expectEnd();
  for (size_t i = 0; i < n; ++i) {
    if (c[i] >= ctx->t()) {
      fail("plaintext coefficient " + std::to_string(i) + " is not below t = " +
           std::to_string(ctx->t()));
    }
  }
  return Plaintext::fromReduced(ctx, std::move(c));
}

// Ciphertext body: key id, factor, noise bound, parts, level, then the rows part by part,
// prime by prime (q_0 first).
void save(std::ostream& out, const Ciphertext& ct, Compression compression) {
  Writer w;
  const size_t n = ct.context().n(), level = ct.level();
  w.u64(ct.keyId());
  w.u64(ct.plaintextFactor());
  w.f64(ct.noiseBound());
  w.u32(static_cast<uint32_t>(ct.size()));
  w.u32(static_cast<uint32_t>(level));
  w.bytes().reserve(w.bytes().size() + ct.size() * level * n * 8);
  for (size_t part = 0; part < ct.size(); ++part) {
    for (size_t i = 0; i < level; ++i) w.words(ct.part(part).values(i).data(), n);
  }
  writeRecord(out, ObjectType::kCiphertext, contextFingerprint(ct.context()), w.bytes(), compression);
}

Ciphertext loadCiphertext(std::istream& in, const std::shared_ptr<const Context>& ctx) {
  if (!ctx) throw std::invalid_argument("hl::io::loadCiphertext: no context given");
  const Digest fp = contextFingerprint(*ctx);
  const size_t n = ctx->n(), L = ctx->levels();
  const uint64_t maxBody = 8 + 8 + 8 + 4 + 4 + 3 * static_cast<uint64_t>(L) * n * 8;
  const std::vector<uint8_t> body = readRecord(in, ObjectType::kCiphertext, &fp, maxBody);
  Reader r(body.data(), body.size());
  const uint64_t keyId = r.u64();
  const uint64_t factor = r.u64();
  const double noise = r.f64();
  const uint32_t parts = r.u32();
  const uint32_t level = r.u32();
  if (parts != 2 && parts != 3) fail("a ciphertext has 2 or 3 parts, not " + std::to_string(parts));
  if (level < 1 || level > L) {
    fail("level " + std::to_string(level) + " is outside [1, " + std::to_string(L) + "]");
  }
  const Modulus& t = ctx->plaintextModulus();
  if (factor == 0 || factor >= t.value() || std::gcd(factor, t.value()) != 1) {
    fail("plaintext factor " + std::to_string(factor) + " is not a unit mod t = " +
         std::to_string(t.value()));
  }
  if (!std::isfinite(noise) || noise < 0 || noise >= ctx->logModulus(level) - 1) {
    fail("noise bound 2^" + std::to_string(noise) + " is not below the level's modulus");
  }
  if (r.left() != static_cast<size_t>(parts) * level * n * 8) {
    fail("the ciphertext body holds " + std::to_string(r.left()) + " bytes of rows, expected " +
         std::to_string(static_cast<size_t>(parts) * level * n * 8));
  }
  std::vector<DoubleCRT> ps;
  const IndexSet primes = ctx->levelPrimes(level);
  for (uint32_t part = 0; part < parts; ++part) ps.push_back(readRows(r, *ctx, primes, "ciphertext"));
  r.expectEnd();
  // The file keeps the bound alone: a bounded quantity (every moment at it), which is safe.
  return Ciphertext(ctx, keyId, std::move(ps), factor, NoiseMoments::bounded(noise));
}

namespace {

Prng::Seed readSeed(Reader& r) {
  Prng::Seed seed{};
  for (auto& b : seed) b = r.u8();
  return seed;
}

UniformParts readUniform(Reader& r) {
  const uint8_t u = r.u8();
  if (u > 1) fail("unknown storage of the uniform parts (" + std::to_string(u) + ")");
  return static_cast<UniformParts>(u);
}

uint64_t keySwitchKeyMaxBody(const Context& ctx) {
  const uint64_t rows = static_cast<uint64_t>(ctx.digits().size()) * ctx.chain()->size();
  return 8 + 8 + 32 + 1 + 4 + 2 * rows * ctx.n() * 8;
}

}  // namespace

void save(std::ostream& out, const PublicKey& pk, UniformParts uniform, Compression compression) {
  Writer w;
  w.u64(pk.keyId());
  w.raw(pk.seed().data(), pk.seed().size());
  w.u8(static_cast<uint8_t>(uniform));
  writeRows(w, pk.b());
  if (uniform == UniformParts::kFull) writeRows(w, pk.a());
  writeRecord(out, ObjectType::kPublicKey, contextFingerprint(pk.context()), w.bytes(), compression);
}

PublicKey loadPublicKey(std::istream& in, const std::shared_ptr<const Context>& ctx) {
  if (!ctx) throw std::invalid_argument("hl::io::loadPublicKey: no context given");
  const Digest fp = contextFingerprint(*ctx);
  const IndexSet top = ctx->levelPrimes(ctx->levels());
  const uint64_t maxBody = 8 + 32 + 1 + 2 * static_cast<uint64_t>(top.size()) * ctx->n() * 8;
  const std::vector<uint8_t> body = readRecord(in, ObjectType::kPublicKey, &fp, maxBody);
  Reader r(body.data(), body.size());
  const uint64_t keyId = r.u64();
  const Prng::Seed seed = readSeed(r);
  const UniformParts uniform = readUniform(r);
  DoubleCRT b = readRows(r, *ctx, top, "public key");
  DoubleCRT a = [&] {
    if (uniform == UniformParts::kFull) return readRows(r, *ctx, top, "public key");
    Prng expand(seed);  // as SecretKey::publicKey expands it
    return DoubleCRT::uniform(ctx->chain(), top, expand);
  }();
  r.expectEnd();
  return PublicKey(ctx, keyId, seed, std::move(b), std::move(a));
}

void save(std::ostream& out, const KeySwitchKey& key, UniformParts uniform,
          Compression compression) {
  Writer w;
  w.u64(key.keyId());
  w.u64(key.automorphism());
  w.raw(key.seed().data(), key.seed().size());
  w.u8(static_cast<uint8_t>(uniform));
  w.u32(static_cast<uint32_t>(key.digitCount()));
  for (size_t d = 0; d < key.digitCount(); ++d) {
    writeRows(w, key.b(d));
    if (uniform == UniformParts::kFull) writeRows(w, key.a(d));
  }
  writeRecord(out, ObjectType::kKeySwitchKey, contextFingerprint(key.context()), w.bytes(), compression);
}

KeySwitchKey loadKeySwitchKey(std::istream& in, const std::shared_ptr<const Context>& ctx) {
  if (!ctx) throw std::invalid_argument("hl::io::loadKeySwitchKey: no context given");
  const Digest fp = contextFingerprint(*ctx);
  const std::vector<uint8_t> body =
      readRecord(in, ObjectType::kKeySwitchKey, &fp, keySwitchKeyMaxBody(*ctx));
  Reader r(body.data(), body.size());
  const uint64_t keyId = r.u64();
  const uint64_t k = r.u64();
  if (k != 0 && (k == 1 || k >= ctx->m() || !ctx->ring().isUnit(k))) {
    fail("automorphism exponent " + std::to_string(k) + " is not a unit mod m = " +
         std::to_string(ctx->m()) + " other than 1 (or 0 for relinearization)");
  }
  const Prng::Seed seed = readSeed(r);
  const UniformParts uniform = readUniform(r);
  const uint32_t digits = r.u32();
  if (digits != ctx->digits().size()) {
    fail("the key has " + std::to_string(digits) + " digits, the context " +
         std::to_string(ctx->digits().size()));
  }
  KeySwitchKey key(ctx, keyId, k, seed);
  const IndexSet all = ctx->chain()->allPrimes();
  Prng expand(seed);  // the a_j in digit order, as SecretKey::makeKeySwitchKey expands them
  for (uint32_t d = 0; d < digits; ++d) {
    const DoubleCRT b = readRows(r, *ctx, all, "key-switching key");
    const DoubleCRT a = uniform == UniformParts::kFull
                            ? readRows(r, *ctx, all, "key-switching key")
                            : DoubleCRT::uniform(ctx->chain(), all, expand);
    key.addDigit(b, a);
  }
  r.expectEnd();
  return key;
}

void save(std::ostream& out, const EvaluationKeys& keys, UniformParts uniform,
          Compression compression) {
  std::vector<const KeySwitchKey*> list;
  if (keys.hasRelinearization()) list.push_back(&keys.relinearization());
  for (uint64_t k : keys.automorphisms()) list.push_back(&keys.automorphism(k));
  Writer w;
  w.u64(list.empty() ? 0 : list.front()->keyId());
  w.u32(static_cast<uint32_t>(list.size()));
  writeRecord(out, ObjectType::kEvaluationKeys, contextFingerprint(keys.context()), w.bytes());
  for (const KeySwitchKey* key : list) save(out, *key, uniform, compression);
}

EvaluationKeys loadEvaluationKeys(std::istream& in, const std::shared_ptr<const Context>& ctx) {
  if (!ctx) throw std::invalid_argument("hl::io::loadEvaluationKeys: no context given");
  const Digest fp = contextFingerprint(*ctx);
  const std::vector<uint8_t> body = readRecord(in, ObjectType::kEvaluationKeys, &fp, 12);
  Reader r(body.data(), body.size());
  const uint64_t keyId = r.u64();
  const uint32_t count = r.u32();
  r.expectEnd();
  // At most the relinearization key and one per unit of Z_m.
  if (count > ctx->ring().phi() + 1) {
    fail("an evaluation key set of " + std::to_string(count) + " keys for phi(m) = " +
         std::to_string(ctx->ring().phi()));
  }
  EvaluationKeys keys(ctx);
  for (uint32_t i = 0; i < count; ++i) {
    KeySwitchKey key = loadKeySwitchKey(in, ctx);
    if (key.keyId() != keyId) fail("key " + std::to_string(i) + " was made from another secret key");
    const bool duplicate = key.isRelinearization() ? keys.hasRelinearization()
                                                   : keys.hasAutomorphism(key.automorphism());
    if (duplicate) fail("key " + std::to_string(i) + " appears twice in the set");
    keys.add(std::move(key));
  }
  return keys;
}

void saveSecretKey(std::ostream& out, const SecretKey& sk) {
  // The ternary coefficients are the centred residues mod any one prime: read them from q_0
  // alone (the CRT over every prime costs seconds at m = 53261).
  DoubleCRT one(sk.contextPtr()->chain(), IndexSet{0});
  std::copy_n(sk.s_.values(0).data(), sk.context().n(), one.values(0).data());
  std::vector<int64_t> c = one.toCoefficients();
  one.wipe();
  Writer w;
  w.u64(sk.id());
  for (int64_t v : c) w.u8(static_cast<uint8_t>(static_cast<int8_t>(v)));
  writeRecord(out, ObjectType::kSecretKey, contextFingerprint(sk.context()), w.bytes());
  OPENSSL_cleanse(c.data(), c.size() * sizeof(int64_t));
  OPENSSL_cleanse(w.bytes().data(), w.bytes().size());
}

SecretKey loadSecretKey(std::istream& in, const std::shared_ptr<const Context>& ctx) {
  if (!ctx) throw std::invalid_argument("hl::io::loadSecretKey: no context given");
  const Digest fp = contextFingerprint(*ctx);
  const size_t n = ctx->n();
  std::vector<uint8_t> body = readRecord(in, ObjectType::kSecretKey, &fp, 8 + n);
  struct Wipe {
    std::vector<uint8_t>& b;
    std::vector<int64_t> c;
    ~Wipe() {
      OPENSSL_cleanse(b.data(), b.size());
      OPENSSL_cleanse(c.data(), c.size() * sizeof(int64_t));
    }
  } wipe{body, std::vector<int64_t>(n)};
  Reader r(body.data(), body.size());
  const uint64_t id = r.u64();
  if (r.left() != n) fail("the secret key does not have phi(m) = " + std::to_string(n) + " coefficients");
  size_t weight = 0;
  for (size_t i = 0; i < n; ++i) {
    const auto v = static_cast<int8_t>(r.u8());
    if (v < -1 || v > 1) fail("a secret-key coefficient is not -1, 0 or 1");
    wipe.c[i] = v;
    weight += v != 0;
  }
  const size_t h = ctx->parameters().hammingWeight;
  if (h != 0 && weight != h) {
    fail("the secret key has weight " + std::to_string(weight) + ", the context " +
         std::to_string(h));
  }
  return SecretKey(ctx, id, DoubleCRT::fromCoefficients(ctx->chain(), ctx->chain()->allPrimes(), wipe.c));
}

namespace {

std::ofstream openOut(const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("hl::io: cannot open \"" + path + "\" for writing");
  return out;
}

std::ifstream openIn(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("hl::io: cannot open \"" + path + "\"");
  return in;
}

template <class T>
void saveFile(const std::string& path, const T& object) {
  std::ofstream out = openOut(path);
  save(out, object);
  out.close();
  if (!out) throw std::runtime_error("hl::io: writing \"" + path + "\" failed");
}

}  // namespace

void saveToFile(const std::string& path, const Context& ctx) { saveFile(path, ctx); }
void saveToFile(const std::string& path, const Plaintext& pt) { saveFile(path, pt); }
void saveToFile(const std::string& path, const Ciphertext& ct) { saveFile(path, ct); }
void saveToFile(const std::string& path, const PublicKey& pk) { saveFile(path, pk); }
void saveToFile(const std::string& path, const EvaluationKeys& keys) { saveFile(path, keys); }

void saveSecretKeyToFile(const std::string& path, const SecretKey& sk) {
  std::ofstream out = openOut(path);
  saveSecretKey(out, sk);
  out.close();
  if (!out) throw std::runtime_error("hl::io: writing \"" + path + "\" failed");
}

PublicKey loadPublicKeyFromFile(const std::string& path, const std::shared_ptr<const Context>& ctx) {
  std::ifstream in = openIn(path);
  return loadPublicKey(in, ctx);
}

EvaluationKeys loadEvaluationKeysFromFile(const std::string& path,
                                          const std::shared_ptr<const Context>& ctx) {
  std::ifstream in = openIn(path);
  return loadEvaluationKeys(in, ctx);
}

SecretKey loadSecretKeyFromFile(const std::string& path, const std::shared_ptr<const Context>& ctx) {
  std::ifstream in = openIn(path);
  return loadSecretKey(in, ctx);
}

std::shared_ptr<const Context> loadContextFromFile(const std::string& path,
                                                   const ContextLimits& limits) {
  std::ifstream in = openIn(path);
  return loadContext(in, limits);
}

Plaintext loadPlaintextFromFile(const std::string& path,
                                const std::shared_ptr<const Context>& ctx) {
  std::ifstream in = openIn(path);
  return loadPlaintext(in, ctx);
}

Ciphertext loadCiphertextFromFile(const std::string& path,
                                  const std::shared_ptr<const Context>& ctx) {
  std::ifstream in = openIn(path);
  return loadCiphertext(in, ctx);
}

}  // namespace hl::io
