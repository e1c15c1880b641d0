// The cloud-outsourcing demo's tables, encryption and group-by: see cloud.h and doc/cloud.md.
#include "cloud.h"

#include <csv.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>

#include "helib-like/io/serialization.h"

namespace hl::cloud {

namespace {

namespace fs = std::filesystem;

struct CsvRows {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> current;
  size_t maxRows;
  bool tooMany = false;
};

void onField(void* s, size_t len, void* data) {
  auto* r = static_cast<CsvRows*>(data);
  r->current.emplace_back(static_cast<const char*>(s), len);
}

void onRow(int, void* data) {
  auto* r = static_cast<CsvRows*>(data);
  if (r->rows.size() > r->maxRows) {
    r->tooMany = true;
  } else {
    r->rows.push_back(std::move(r->current));
  }
  r->current.clear();
}

// "12.34" with at most `decimals` digits after the point -> 1234 (decimals = 2).
int64_t parseFixed(const std::string& s, int decimals, size_t row, const std::string& col) {
  auto bad = [&](const std::string& why) {
    return DataError("row " + std::to_string(row) + ", column " + col + ": \"" + s.substr(0, 40) +
                     "\" " + why);
  };
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  int64_t v = 0;
  int frac = -1, digits = 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.' && frac < 0) {
      frac = 0;
      continue;
    }
    if (c < '0' || c > '9') throw bad("is not a number");
    if (frac >= 0 && ++frac > decimals) {
      throw bad("has more than " + std::to_string(decimals) + " decimals");
    }
    if (++digits > 15) throw bad("is too large");
    v = v * 10 + (c - '0');
  }
  if (digits == 0) throw bad("is not a number");
  for (int k = std::max(frac, 0); k < decimals; ++k) v *= 10;
  return neg ? -v : v;
}

}  // namespace

const CategoricalColumn& Table::column(const std::string& name) const {
  for (const auto& c : columns) {
    if (c.name == name) return c;
  }
  throw DataError("no categorical column \"" + name + "\"");
}

Table readCsv(std::istream& in, const CsvOptions& o) {
  csv_parser p;
  if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
    throw std::runtime_error("hl-cloud: cannot initialize the CSV parser");
  }
  CsvRows r;
  r.maxRows = o.maxRows;
  char buf[1 << 16];
  size_t offset = 0;
  while (in) {
    in.read(buf, sizeof buf);
    const auto got = static_cast<size_t>(in.gcount());
    if (got == 0) break;
    if (csv_parse(&p, buf, got, onField, onRow, &r) != got) {
      const std::string err = csv_strerror(csv_error(&p));
      csv_free(&p);
      throw DataError("malformed CSV near byte " + std::to_string(offset) + ": " + err);
    }
    offset += got;
    if (r.tooMany) break;
  }
  if (csv_fini(&p, onField, onRow, &r) != 0) {
    const std::string err = csv_strerror(csv_error(&p));
    csv_free(&p);
    throw DataError("malformed CSV at the end: " + err);
  }
  csv_free(&p);
  if (r.tooMany) throw DataError("more than " + std::to_string(o.maxRows) + " rows");
  if (r.rows.size() < 2) throw DataError("the CSV needs a header row and at least one row");
  const auto& header = r.rows[0];
  auto index = [&](const std::string& name) -> size_t {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) throw DataError("no column \"" + name + "\" in the header");
    return static_cast<size_t>(it - header.begin());
  };
  const size_t vi = index(o.valueColumn);
  for (size_t i = 1; i < r.rows.size(); ++i) {
    if (r.rows[i].size() != header.size()) {
      throw DataError("row " + std::to_string(i) + " has " + std::to_string(r.rows[i].size()) +
                      " fields, the header " + std::to_string(header.size()));
    }
  }
  Table t;
  t.valueName = o.valueColumn;
  t.decimals = o.decimals;
  for (size_t i = 1; i < r.rows.size(); ++i) {
    t.values.push_back(parseFixed(r.rows[i][vi], o.decimals, i, o.valueColumn));
  }
  std::vector<std::string> cats = o.categorical;
  if (cats.empty()) {  // every other column with at most maxLevels distinct values
    for (size_t c = 0; c < header.size(); ++c) {
      if (c == vi) continue;
      std::map<std::string, int> seen;
      for (size_t i = 1; i < r.rows.size() && seen.size() <= o.maxLevels; ++i) seen[r.rows[i][c]];
      if (seen.size() <= o.maxLevels) cats.push_back(header[c]);
    }
  }
  for (const std::string& name : cats) {
    const size_t ci = index(name);
    if (ci == vi) throw DataError("the value column cannot also be categorical");
    CategoricalColumn col;
    col.name = name;
    std::map<std::string, uint16_t> levels;
    for (size_t i = 1; i < r.rows.size(); ++i) {
      levels[r.rows[i][ci]];
      if (levels.size() > o.maxLevels) {
        throw DataError("column \"" + name + "\" has more than " + std::to_string(o.maxLevels) +
                        " levels");
      }
    }
    uint16_t k = 0;
    for (auto& [level, code] : levels) {
      code = k++;
      col.levels.push_back(level);
    }
    for (size_t i = 1; i < r.rows.size(); ++i) col.codes.push_back(levels[r.rows[i][ci]]);
    t.columns.push_back(std::move(col));
  }
  return t;
}

Table readCsvFile(const fs::path& path, const CsvOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError("cannot open " + path.string());
  return readCsv(in, options);
}

Table readWages(const fs::path& dir) {
  fs::path file = dir;
  for (const fs::path& c :
       {dir / "package" / "data" / "data.csv", dir / "data" / "data.csv", dir / "data.csv"}) {
    if (fs::is_regular_file(c)) {
      file = c;
      break;
    }
  }
  CsvOptions o;
  o.valueColumn = "wage";
  o.categorical = {"occupation", "sector", "gender", "race", "union", "south", "married"};
  o.decimals = 2;
  Table t = readCsvFile(file, o);
  for (auto& c : t.columns) {
    if (c.name != "union" && c.name != "married" && c.name != "south") continue;
    if (c.levels != std::vector<std::string>{"0", "1"}) {
      throw DataError("column " + c.name + " should hold 0 and 1");
    }
    c.levels = {"no", "yes"};
    // union and married: the package's 1 is the source's "no" (code 1 -> 0, 0 -> 1).
    if (c.name != "south") {
      for (auto& code : c.codes) code = static_cast<uint16_t>(1 - code);
    }
  }
  return t;
}

Table synthetic(const Table& real, size_t rows, uint64_t seed) {
  if (real.rows() == 0) throw DataError("cannot draw from an empty table");
  std::mt19937_64 rng(seed);
  Table t;
  t.valueName = real.valueName;
  t.decimals = real.decimals;
  t.values.resize(rows);
  t.columns.resize(real.columns.size());
  for (size_t c = 0; c < real.columns.size(); ++c) {
    t.columns[c].name = real.columns[c].name;
    t.columns[c].levels = real.columns[c].levels;
    t.columns[c].codes.resize(rows);
  }
  for (size_t i = 0; i < rows; ++i) {
    const size_t r = rng() % real.rows();
    t.values[i] = real.values[r];
    for (size_t c = 0; c < real.columns.size(); ++c)
      t.columns[c].codes[i] = real.columns[c].codes[r];
  }
  return t;
}

GroupSums groupBy(const Table& table, const std::string& column) {
  const CategoricalColumn& c = table.column(column);
  GroupSums g{column, c.levels, std::vector<int64_t>(c.levels.size(), 0),
              std::vector<int64_t>(c.levels.size(), 0)};
  for (size_t i = 0; i < table.rows(); ++i) {
    g.sums[c.codes[i]] += table.values[i];
    g.counts[c.codes[i]] += 1;
  }
  return g;
}

// ---------------------------------------------------------------------------------------------

Parameters cloudParameters() {
  Parameters p;
  p.m = 32768;
  p.p = 68720066561;  // 2^36 + 2097153 (= 2^21 * 32768 + 1), prime
  p.r = 1;
  p.ciphertextBits = 150;
  p.digits =
      1;  // one digit: keys half the size of three digits (P about Q; security still far above 128)
  return p;
}

std::string Schema::toJson() const {
  nlohmann::json j{{"rows", rows}, {"value", valueName}, {"decimals", decimals}};
  j["columns"] = nlohmann::json::array();
  for (const auto& c : columns) j["columns"].push_back({{"name", c.name}, {"levels", c.levels}});
  return j.dump();
}

Schema Schema::fromJson(const std::string& text, size_t maxRows, size_t maxColumns,
                        size_t maxLevels) {
  Schema s;
  try {
    const auto j = nlohmann::json::parse(text);
    s.rows = j.at("rows").get<size_t>();
    s.valueName = j.at("value").get<std::string>();
    s.decimals = j.at("decimals").get<int>();
    for (const auto& c : j.at("columns")) {
      s.columns.push_back(
          {c.at("name").get<std::string>(), c.at("levels").get<std::vector<std::string>>()});
    }
  } catch (const nlohmann::json::exception& e) {
    throw DataError(std::string("malformed table schema: ") + e.what());
  }
  if (s.rows == 0 || s.rows > maxRows) {
    throw DataError("a table of " + std::to_string(s.rows) + " rows (1 to " +
                    std::to_string(maxRows) + " accepted)");
  }
  if (s.columns.empty() || s.columns.size() > maxColumns) {
    throw DataError("a table needs 1 to " + std::to_string(maxColumns) + " categorical columns");
  }
  if (s.decimals < 0 || s.decimals > 6) throw DataError("decimals must be 0 to 6");
  for (const auto& c : s.columns) {
    if (c.levels.empty() || c.levels.size() > maxLevels) {
      throw DataError("column " + c.name + ": 1 to " + std::to_string(maxLevels) + " levels");
    }
    if (c.name.size() > 256) throw DataError("a column name longer than 256 bytes");
    for (const auto& l : c.levels) {
      if (l.size() > 256) throw DataError("a level name longer than 256 bytes");
    }
  }
  return s;
}

CloudArray::CloudArray(std::shared_ptr<const Context> ctx)
    : ctx_(std::move(ctx)), ea_(EncryptedArray::native(ctx_)) {
  if (ea_.valueDegree() != 1) {
    throw std::invalid_argument("hl::cloud::CloudArray: the slots must be integers mod t (d = 1)");
  }
}

std::vector<uint64_t> CloudArray::keyExponents() const { return ea_.totalSumsKeyExponents(8); }

void CloudArray::checkFits(const Table& table) const {
  // Every partial and final sum of values (and of counts) stays below t/2 in absolute value.
  long double total = 0;
  for (int64_t v : table.values) total += std::fabs(static_cast<long double>(v));
  const long double half = static_cast<long double>(ctx_->t() / 2);
  if (total >= half || static_cast<long double>(table.rows()) >= half) {
    throw DataError("the sum of |" + table.valueName + "| over the table reaches t/2 = " +
                    std::to_string(ctx_->t() / 2) + " units: sums would wrap");
  }
}

CloudKeys::CloudKeys(const Parameters& params)
    : ctx(Context::create(params)), sk(ctx), pk(sk.publicKey()), array(ctx), keys(ctx) {
  keys.add(sk.relinearizationKey());
  array.array().addKeys(keys, sk, array.keyExponents());
}

EncryptedTable CloudArray::encrypt(const Table& table, const PublicKey& pk,
                                   const std::function<void(size_t, size_t)>& progress) const {
  checkFits(table);
  EncryptedTable out;
  out.schema.rows = table.rows();
  out.schema.valueName = table.valueName;
  out.schema.decimals = table.decimals;
  for (const auto& c : table.columns) out.schema.columns.push_back({c.name, c.levels});
  const size_t slots = ea_.size(), chunks = out.schema.chunks(slots);
  // Every ciphertext of the table as one job: the value of chunk k, or level l of column c.
  struct Job {
    int column;  // -1: the values
    size_t level, chunk;
  };
  std::vector<Job> jobs;
  for (size_t k = 0; k < chunks; ++k) jobs.push_back({-1, 0, k});
  out.indicators.resize(table.columns.size());
  for (size_t c = 0; c < table.columns.size(); ++c) {
    out.indicators[c].resize(table.columns[c].levels.size());
    for (size_t l = 0; l < table.columns[c].levels.size(); ++l) {
      for (size_t k = 0; k < chunks; ++k) jobs.push_back({static_cast<int>(c), l, k});
    }
  }
  std::vector<std::optional<Ciphertext>> cts(jobs.size());
  size_t done = 0;
#pragma omp parallel for schedule(dynamic, 1)
  for (size_t j = 0; j < jobs.size(); ++j) {
    const Job& job = jobs[j];
    const size_t lo = job.chunk * slots, hi = std::min(table.rows(), lo + slots);
    std::vector<int64_t> v(slots, 0);
    for (size_t i = lo; i < hi; ++i) {
      v[i - lo] =
          job.column < 0
              ? table.values[i]
              : (table.columns[static_cast<size_t>(job.column)].codes[i] == job.level ? 1 : 0);
    }
    cts[j] = ea_.encrypt(pk, ea_.fromIntegers(v));
    if (progress) {
#pragma omp critical
      progress(++done, jobs.size());
    }
  }
  for (size_t j = 0; j < jobs.size(); ++j) {
    const Job& job = jobs[j];
    if (job.column < 0) {
      out.values.push_back(std::move(*cts[j]));
    } else {
      out.indicators[static_cast<size_t>(job.column)][job.level].push_back(std::move(*cts[j]));
    }
  }
  return out;
}

CloudArray::EncryptedGroups CloudArray::groupBy(const EncryptedTable& table,
                                                const std::string& column,
                                                const EvaluationKeys& keys) const {
  size_t c = 0;
  while (c < table.schema.columns.size() && table.schema.columns[c].name != column) ++c;
  if (c == table.schema.columns.size()) throw DataError("no column \"" + column + "\"");
  const size_t levels = table.schema.columns[c].levels.size();
  const size_t chunks = table.values.size();
  std::vector<std::optional<Ciphertext>> results(2 * levels);
  // Per level: sum_k value_k (x) indicator_k as three-part tensors, relinearized once (lazy
  // relinearization), then the sum over the slots; the count is the sum of the indicators.
  std::string error;
#pragma omp parallel for schedule(dynamic, 1)
  for (size_t job = 0; job < 2 * levels; ++job) {
    try {
      const size_t l = job / 2;
      const auto& ind = table.indicators[c][l];
      Ciphertext acc = ind[0];
      if (job % 2 == 0) {
        acc.multiply(table.values[0]);
        for (size_t k = 1; k < chunks; ++k) {
          Ciphertext x = ind[k];
          x.multiply(table.values[k]);
          acc += x;
        }
        acc.relinearize(keys);
        acc.reduceNoise();
      } else {
        for (size_t k = 1; k < chunks; ++k) acc += ind[k];
      }
      ea_.totalSums(acc, keys);
      acc.modSwitchToLowest();  // fewer bytes on the wire
      results[job] = std::move(acc);
    } catch (const std::exception& e) {
#pragma omp critical
      if (error.empty()) error = e.what();
    }
  }
  if (!error.empty()) throw std::invalid_argument(error);
  EncryptedGroups g;
  for (size_t l = 0; l < levels; ++l) {
    g.sums.push_back(std::move(*results[2 * l]));
    g.counts.push_back(std::move(*results[2 * l + 1]));
  }
  return g;
}

GroupSums CloudArray::decrypt(const SecretKey& sk, const Schema& schema, const std::string& column,
                              const EncryptedGroups& groups) const {
  const auto it = std::find_if(schema.columns.begin(), schema.columns.end(),
                               [&](const auto& c) { return c.name == column; });
  if (it == schema.columns.end()) throw DataError("no column \"" + column + "\"");
  if (groups.sums.size() != it->levels.size() || groups.counts.size() != it->levels.size()) {
    throw DataError("the result has " + std::to_string(groups.sums.size()) + " levels, " +
                    std::to_string(it->levels.size()) + " expected");
  }
  const uint64_t t = ctx_->t();
  auto centred = [t](uint64_t v) {
    return v > t / 2 ? static_cast<int64_t>(v) - static_cast<int64_t>(t) : static_cast<int64_t>(v);
  };
  GroupSums g{column, it->levels, {}, {}};
  for (size_t l = 0; l < it->levels.size(); ++l) {
    g.sums.push_back(centred(ea_.decrypt(sk, groups.sums[l]).integer(0)));
    g.counts.push_back(centred(ea_.decrypt(sk, groups.counts[l]).integer(0)));
  }
  return g;
}

// ---------------------------------------------------------------------------------------------

namespace {

constexpr char kTableMagic[8] = {'H', 'L', 'C', 'L', 'D', 'T', 'B', '1'};
constexpr char kGroupsMagic[8] = {'H', 'L', 'C', 'L', 'D', 'G', 'R', '1'};

void putU32(std::ostream& out, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out.write(b, 4);
}
uint32_t getU32(std::istream& in) {
  unsigned char b[4];
  if (!in.read(reinterpret_cast<char*>(b), 4)) throw FormatError("hl-cloud: truncated input");
  return b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
}
void expectMagic(std::istream& in, const char (&magic)[8], const char* what) {
  char m[8];
  if (!in.read(m, 8) || !std::equal(m, m + 8, magic)) {
    throw FormatError(std::string("hl-cloud: not ") + what + " (bad magic)");
  }
}

}  // namespace

void writeTable(std::ostream& out, const EncryptedTable& t) {
  out.write(kTableMagic, 8);
  const std::string schema = t.schema.toJson();
  putU32(out, static_cast<uint32_t>(schema.size()));
  out << schema;
  for (const auto& ct : t.values) io::save(out, ct);
  for (const auto& col : t.indicators) {
    for (const auto& level : col) {
      for (const auto& ct : level) io::save(out, ct);
    }
  }
  if (!out) throw std::runtime_error("hl-cloud: writing the table failed");
}

EncryptedTable readTable(std::istream& in, const std::shared_ptr<const Context>& ctx,
                         size_t maxRows, size_t maxColumns, size_t maxLevels) {
  expectMagic(in, kTableMagic, "an encrypted table");
  const uint32_t len = getU32(in);
  if (len > (1u << 20)) throw FormatError("hl-cloud: a table schema over 1 MiB");
  std::string json(len, '\0');
  if (!in.read(json.data(), len)) throw FormatError("hl-cloud: truncated schema");
  EncryptedTable t;
  try {
    t.schema = Schema::fromJson(json, maxRows, maxColumns, maxLevels);
  } catch (const DataError& e) {
    throw FormatError(std::string("hl-cloud: ") + e.what());
  }
  const size_t chunks = t.schema.chunks(EncryptedArray::native(ctx).size());
  auto load = [&] {
    Ciphertext ct = io::loadCiphertext(in, ctx);
    if (ct.size() != 2) throw FormatError("hl-cloud: a table ciphertext must have 2 parts");
    return ct;
  };
  for (size_t k = 0; k < chunks; ++k) t.values.push_back(load());
  t.indicators.resize(t.schema.columns.size());
  for (size_t c = 0; c < t.schema.columns.size(); ++c) {
    t.indicators[c].resize(t.schema.columns[c].levels.size());
    for (auto& level : t.indicators[c]) {
      for (size_t k = 0; k < chunks; ++k) level.push_back(load());
    }
  }
  if (in.peek() != std::char_traits<char>::eof()) {
    throw FormatError("hl-cloud: bytes after the table's last ciphertext");
  }
  return t;
}

void writeGroups(std::ostream& out, const CloudArray::EncryptedGroups& g) {
  out.write(kGroupsMagic, 8);
  putU32(out, static_cast<uint32_t>(g.sums.size()));
  for (size_t l = 0; l < g.sums.size(); ++l) {
    io::save(out, g.sums[l]);
    io::save(out, g.counts[l]);
  }
  if (!out) throw std::runtime_error("hl-cloud: writing the result failed");
}

CloudArray::EncryptedGroups readGroups(std::istream& in, const std::shared_ptr<const Context>& ctx,
                                       size_t maxLevels) {
  expectMagic(in, kGroupsMagic, "a group-by result");
  const uint32_t levels = getU32(in);
  if (levels == 0 || levels > maxLevels) throw FormatError("hl-cloud: bad level count");
  CloudArray::EncryptedGroups g;
  for (uint32_t l = 0; l < levels; ++l) {
    g.sums.push_back(io::loadCiphertext(in, ctx));
    g.counts.push_back(io::loadCiphertext(in, ctx));
  }
  return g;
}

}  // namespace hl::cloud
