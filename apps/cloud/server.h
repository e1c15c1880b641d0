#pragma once
// The compute server of the cloud demo (doc/cloud.md, section 4): encrypted tables per tenant,
// group-by jobs that run in the background and can be polled, and nothing secret.
//
//   GET  /v1/health
//   GET  /v1/tables                         the tenant's tables
//   PUT  /v1/tables/<name>   body: context record, evaluation-keys record, table (writeTable)
//   GET  /v1/tables/<name>/seen             what the server holds: schema, ciphertext hashes
//   POST /v1/jobs            {"table": name, "group_by": column}  -> 202 {"job": id}
//   GET  /v1/jobs/<id>                      {"status": "queued|running|done|failed", ...}
//   GET  /v1/jobs/<id>/result               the encrypted sums and counts (writeGroups)
//
// Every request needs "Authorization: Bearer <token>" of a tenant (401 otherwise); a tenant
// sees only its own tables and jobs (404 for others'). Bodies over the limit get 413; a
// malformed upload or a secret key gets 400 and leaves what was stored untouched.
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "cloud.h"

namespace hl::cloud {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  std::map<std::string, std::string> tokens;  // token -> tenant
  size_t maxBodyBytes = size_t{256} << 20;
  size_t maxRows = size_t{1} << 22;
  size_t maxColumns = 16, maxLevels = 64;
  size_t maxTablesPerTenant = 8;
  size_t workers = 2;  // jobs running at once
};

/// Reads "tenant token" lines (# comments, blank lines skipped). Throws std::runtime_error for
/// a missing file, a malformed line, a token under 16 characters or a repeated token.
std::map<std::string, std::string> readTenants(const std::string& path);

class ComputeServer {
 public:
  explicit ComputeServer(ServerOptions options);
  ~ComputeServer();
  ComputeServer(const ComputeServer&) = delete;
  ComputeServer& operator=(const ComputeServer&) = delete;
  /// Serves until stop(); `ready` gets the bound port first. Throws if it cannot bind.
  void run(const std::function<void(int)>& ready);
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hl::cloud
