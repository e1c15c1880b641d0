// The cloud demo (apps/cloud): CSV tables, the wage data set, and the encrypted group-by against
// the clear one (and against figures computed independently from the CSV with Python).
#include "cloud.h"

#include <gtest/gtest.h>

#include <sstream>

#include "helib-like/io/serialization.h"

using namespace hl;
using namespace hl::cloud;

namespace {

std::string wagesDir() {
  if (const char* d = std::getenv("HL_CLOUD_WAGES")) return d;
  return HL_CLOUD_TEST_WAGES;
}

Table csv(const std::string& text, CsvOptions o) {
  std::istringstream in(text);
  return readCsv(in, o);
}

CloudKeys& shared() {
  static CloudKeys k;
  return k;
}

}  // namespace

TEST(CloudCsv, ReadsQuotedFieldsAndFixedPointValues) {
  CsvOptions o;
  o.valueColumn = "pay";
  o.categorical = {"dept"};
  const Table t = csv("name,pay,dept\n\"Smith, J\",12.5,\"R&D\"\nLee,-3,ops\nKim,0.07,R&D\n", o);
  ASSERT_EQ(t.rows(), 3u);
  EXPECT_EQ(t.values, (std::vector<int64_t>{1250, -300, 7}));
  const auto& d = t.column("dept");
  EXPECT_EQ(d.levels, (std::vector<std::string>{"R&D", "ops"}));
  EXPECT_EQ(d.codes, (std::vector<uint16_t>{0, 1, 0}));
  const GroupSums g = groupBy(t, "dept");
  EXPECT_EQ(g.sums, (std::vector<int64_t>{1257, -300}));
  EXPECT_EQ(g.counts, (std::vector<int64_t>{2, 1}));
  // Every other column with few levels when none are named.
  o.categorical.clear();
  EXPECT_EQ(csv("name,pay,dept\na,1,x\nb,2,y\n", o).columns.size(), 2u);
}

TEST(CloudCsv, RefusesBadTables) {
  CsvOptions o;
  o.valueColumn = "pay";
  o.categorical = {"dept"};
  EXPECT_THROW(csv("", o), DataError);
  EXPECT_THROW(csv("pay,dept\n", o), DataError);             // no rows
  EXPECT_THROW(csv("wage,dept\n1,a\n", o), DataError);       // no value column
  EXPECT_THROW(csv("pay,dept\nabc,a\n", o), DataError);      // not a number
  EXPECT_THROW(csv("pay,dept\n1.234,a\n", o), DataError);    // too many decimals
  EXPECT_THROW(csv("pay,dept\n1,a,extra\n", o), DataError);  // ragged
  EXPECT_THROW(csv("pay,dept\n1,\"a\n", o), DataError);      // open quote
  EXPECT_THROW(csv("pay,dept\n1,a\n", {"pay", {"team"}}), DataError);
  o.maxLevels = 2;
  EXPECT_THROW(csv("pay,dept\n1,a\n2,b\n3,c\n", o), DataError);
  o.maxRows = 1;
  EXPECT_THROW(csv("pay,dept\n1,a\n2,b\n", o), DataError);
}

TEST(CloudWages, TheRealDataSetWithUnionAndMarriedFlipped) {
  const Table t = readWages(wagesDir());
  ASSERT_EQ(t.rows(), 534u);
  // Figures from the CSV by an independent script (Python's csv module).
  int64_t total = 0;
  for (int64_t v : t.values) total += v;
  EXPECT_EQ(total, 481885);
  const GroupSums occ = groupBy(t, "occupation");
  EXPECT_EQ(occ.levels, (std::vector<std::string>{"clerical", "management", "other", "professional",
                                                  "sales", "service"}));
  EXPECT_EQ(occ.counts, (std::vector<int64_t>{97, 55, 156, 105, 38, 83}));
  EXPECT_EQ(occ.sums, (std::vector<int64_t>{71999, 69872, 131453, 125448, 28852, 54261}));
  const GroupSums uni = groupBy(t, "union");
  EXPECT_EQ(uni.levels, (std::vector<std::string>{"no", "yes"}));
  EXPECT_EQ(uni.counts, (std::vector<int64_t>{438, 96}));  // the source's 96 members
  EXPECT_EQ(uni.sums, (std::vector<int64_t>{378223, 103662}));
  EXPECT_EQ(groupBy(t, "married").counts, (std::vector<int64_t>{184, 350}));
  EXPECT_EQ(groupBy(t, "south").counts, (std::vector<int64_t>{378, 156}));

  const Table s = synthetic(t, 5000, 7);
  EXPECT_EQ(s.rows(), 5000u);
  EXPECT_EQ(s.column("race").levels, t.column("race").levels);
  EXPECT_EQ(synthetic(t, 5000, 7).values, s.values);
}

// Every grouping column of the real data: the decrypted sums and counts equal the clear ones.
TEST(CloudEncrypted, GroupByEqualsTheClearComputationOnEveryColumn) {
  CloudKeys& k = shared();
  EXPECT_GE(k.ctx->securityLevel(), 128);
  const Table t = readWages(wagesDir());
  const EncryptedTable et = k.array.encrypt(t, k.pk);
  for (const auto& c : t.columns) {
    const auto g = k.array.groupBy(et, c.name, k.keys);
    EXPECT_EQ(k.array.decrypt(k.sk, et.schema, c.name, g), groupBy(t, c.name)) << c.name;
    EXPECT_GT(g.sums[0].capacity(), 0);
  }
  EXPECT_THROW(k.array.groupBy(et, "education", k.keys), DataError);
}

TEST(CloudEncrypted, SeveralChunksAndNegativeValues) {
  CloudKeys& k = shared();
  Table t = synthetic(readWages(wagesDir()), 40000, 3);  // 3 chunks of 16384 rows
  for (size_t i = 0; i < t.rows(); i += 7) t.values[i] = -t.values[i];
  const EncryptedTable et = k.array.encrypt(t, k.pk);
  ASSERT_EQ(et.values.size(), 3u);
  const auto g = k.array.groupBy(et, "race", k.keys);
  EXPECT_EQ(k.array.decrypt(k.sk, et.schema, "race", g), groupBy(t, "race"));
}

TEST(CloudEncrypted, RefusesSumsThatCouldWrapAndOtherKeys) {
  CloudKeys& k = shared();
  Table t = readWages(wagesDir());
  t.values[0] = static_cast<int64_t>(k.ctx->t() / 2);
  EXPECT_THROW(k.array.encrypt(t, k.pk), DataError);
  // A table under another key: the server's keys do not fit it.
  const Table w = readWages(wagesDir());
  SecretKey other(k.ctx);
  const EncryptedTable et = k.array.encrypt(w, other.publicKey());
  EXPECT_THROW(k.array.groupBy(et, "sector", k.keys), std::invalid_argument);
}

TEST(CloudFormat, TablesAndResultsRoundTripAndBadInputIsRefused) {
  CloudKeys& k = shared();
  const Table t = readWages(wagesDir());
  const EncryptedTable et = k.array.encrypt(t, k.pk);
  std::stringstream s;
  writeTable(s, et);
  const std::string bytes = s.str();
  std::istringstream in(bytes);
  const EncryptedTable back = readTable(in, k.ctx, 1000, 16, 64);
  EXPECT_EQ(back.schema.toJson(), et.schema.toJson());
  const auto g = k.array.groupBy(back, "gender", k.keys);
  std::stringstream gs;
  writeGroups(gs, g);
  const auto g2 = readGroups(gs, k.ctx, 64);
  EXPECT_EQ(k.array.decrypt(k.sk, back.schema, "gender", g2), groupBy(t, "gender"));

  auto refused = [&](const std::string& b, size_t maxRows = 1000) {
    std::istringstream i(b);
    EXPECT_THROW(readTable(i, k.ctx, maxRows, 16, 64), FormatError);
  };
  refused("");
  refused("HLCLDTB2" + bytes.substr(8));
  refused(bytes.substr(0, bytes.size() / 2));
  refused(bytes + "x");
  refused(bytes, 100);  // more rows than allowed
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x10;
  refused(flipped);
}
