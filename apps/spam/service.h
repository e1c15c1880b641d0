#pragma once
// The scoring server as an HTTP service on loopback, and its client (doc/spam-filter.md,
// section 6). cpp-httplib does the HTTP.
//
//   GET  /v1/health                 -> {"ok": true, "hash_bits": .., "max_features": ..}
//   POST /v1/keys    body: a context record then an evaluation-keys record (hl::io)
//                    -> {"keys": "<id>"}; a secret key is refused (400)
//   POST /v1/score?keys=<id>        body: queries (writeMessages) -> replies (writeMessages)
//
// Every request needs "Authorization: Bearer <token>" (401 otherwise; compared in constant
// time). Bodies above maxBodyBytes get 413; malformed bodies 400 with {"error": ...}; the
// server keeps serving other clients after any of them.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "spam_filter.h"

namespace hl::spam {

struct ServiceOptions {
  std::string host = "127.0.0.1";  // loopback only: there is no TLS
  int port = 0;                    // 0: any free port
  std::string token;               // required, at least 16 characters
  size_t maxBodyBytes = size_t{64} << 20;
  size_t maxKeySets = 16;  // uploaded key sets kept (the oldest goes first)
  size_t maxMessagesPerRequest = 64;
  size_t maxRingDimension = size_t{1} << 15;  // contexts with a larger phi(m) are refused
};

/// Serves until stop() is called from another thread (or the process ends). `ready` is called
/// once with the bound port before the first request is accepted.
class ScoringService {
 public:
  ScoringService(QuantizedModel model, ServiceOptions options);
  ~ScoringService();
  ScoringService(const ScoringService&) = delete;
  ScoringService& operator=(const ScoringService&) = delete;
  /// Throws std::runtime_error if the address cannot be bound.
  void run(const std::function<void(int port)>& ready);
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The client: uploads the context and evaluation keys of `keysDir` (context.hl, eval.hl),
/// sends the queries and returns the replies. Throws std::runtime_error with the server's
/// message on any failure.
class ScoringClient {
 public:
  ScoringClient(std::string host, int port, std::string token);
  std::string uploadKeys(const std::filesystem::path& contextFile,
                         const std::filesystem::path& evalKeysFile);
  /// Queries and replies as written by writeMessages.
  std::string score(const std::string& keysId, const std::string& queries);

 private:
  std::string host_, token_;
  int port_;
};

/// Reads an API token from a file (the first line, trimmed). Throws std::runtime_error if the
/// file is missing or the token has fewer than 16 characters.
std::string readToken(const std::filesystem::path& path);

}  // namespace hl::spam
