// The binary format (see helib-like/io/serialization.h and doc/format.md).
#include "helib-like/io/serialization.h"

#include <openssl/evp.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <istream>
#include <limits>
#include <numeric>
#include <ostream>
#include <vector>

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

const char* typeName(ObjectType t) {
  switch (t) {
    case ObjectType::kContext:
      return "context";
    case ObjectType::kPlaintext:
      return "plaintext";
    case ObjectType::kCiphertext:
      return "ciphertext";
  }
  return "unknown object";
}

void writeRecord(std::ostream& out, ObjectType type, const Digest& fingerprint,
                 std::vector<uint8_t>& body) {
  Writer head;
  head.raw(kMagic, 8);
  head.u16(kFormatVersion);
  head.u16(static_cast<uint16_t>(type));
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
  if (!out) throw std::runtime_error("hl::io: writing the " + std::string(typeName(type)) + " failed");
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
std::vector<uint8_t> readRecord(std::istream& in, ObjectType type, const Digest* expected,
                                uint64_t maxBody, Digest* fingerprintOut = nullptr) {
  uint8_t header[kHeaderBytes];
  readExactly(in, header, kHeaderBytes, "header");
  if (std::memcmp(header, kMagic, 8) != 0) fail("not a helib-like object (bad magic)");
  Reader h(header + 8, kHeaderBytes - 8);
  const uint16_t version = h.u16();
  if (version != kFormatVersion) {
    fail("format version " + std::to_string(version) + ", this library reads version " +
         std::to_string(kFormatVersion));
  }
  const uint16_t got = h.u16();
  if (got != static_cast<uint16_t>(type)) {
    const auto gotType = static_cast<ObjectType>(got);
    fail(std::string("expected a ") + typeName(type) + ", found a " + typeName(gotType) +
         " (type " + std::to_string(got) + ")");
  }
  Digest fingerprint{};
  std::memcpy(fingerprint.data(), header + 12, 32);
  if (expected != nullptr && fingerprint != *expected) {
    fail(std::string("the ") + typeName(type) +
         " belongs to another context (the context fingerprints differ)");
  }
  Reader len(header + 44, 8);
  const uint64_t bodyBytes = len.u64();
  if (bodyBytes > maxBody) {
    fail(std::string("a ") + typeName(type) + " body of " + std::to_string(bodyBytes) +
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
  return body;
}

}  // namespace

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
void save(std::ostream& out, const Context& ctx) {
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
  writeRecord(out, ObjectType::kContext, contextFingerprint(ctx), w.bytes());
}

std::shared_ptr<const Context> loadContext(std::istream& in) {
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

void save(std::ostream& out, const Plaintext& pt) {
  Writer w;
  const std::vector<uint64_t>& c = pt.coefficients();
  w.u64(c.size());
  w.words(c.data(), c.size());
  writeRecord(out, ObjectType::kPlaintext, contextFingerprint(pt.context()), w.bytes());
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
void save(std::ostream& out, const Ciphertext& ct) {
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
  writeRecord(out, ObjectType::kCiphertext, contextFingerprint(ct.context()), w.bytes());
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
  for (uint32_t part = 0; part < parts; ++part) {
    DoubleCRT x(ctx->chain(), primes);
    for (size_t i = 0; i < level; ++i) {
      uint64_t* row = x.values(i).data();
      r.words(row, n);
      const uint64_t q = ctx->chain()->modulus(i).value();
      for (size_t j = 0; j < n; ++j) {
        if (row[j] >= q) {
          fail("residue " + std::to_string(j) + " of part " + std::to_string(part) +
               " is not below prime " + std::to_string(i) + " (" + std::to_string(q) + ")");
        }
      }
    }
    ps.push_back(std::move(x));
  }
  r.expectEnd();
  return Ciphertext(ctx, keyId, std::move(ps), factor, noise);
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

std::shared_ptr<const Context> loadContextFromFile(const std::string& path) {
  std::ifstream in = openIn(path);
  return loadContext(in);
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
