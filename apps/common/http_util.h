#pragma once
// What the applications' HTTP services share (apps/spam, apps/cloud): JSON replies and errors,
// bearer tokens compared in constant time, binding on loopback, SHA-256 in hex. cpp-httplib
// does the HTTP, OpenSSL the hashing.
#include <httplib.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace hl::apps {

/// Lower-case hex of n bytes.
std::string toHex(const unsigned char* p, size_t n);
/// SHA-256 of data, in hex.
std::string sha256Hex(std::string_view data);

void jsonReply(httplib::Response& res, int status, const nlohmann::json& body);
/// Exceptions out of a handler as JSON {"error": what}: 400 for bad input (std::invalid_argument
/// and its kin, hl::FormatError), 500 for the rest. The server goes on serving.
void installJsonErrors(httplib::Server& server);

/// The token of "Authorization: Bearer <token>", empty if there is none.
std::string bearerToken(const httplib::Request& req);
/// a == b in time that depends only on the lengths.
bool sameSecret(std::string_view a, std::string_view b);

/// Binds host:port (0: any free port), calls ready(port), then serves until server.stop().
/// Throws std::runtime_error naming `who` if the address cannot be bound.
void bindAndServe(httplib::Server& server, const std::string& host, int port,
                  const std::function<void(int)>& ready, const std::string& who);

}  // namespace hl::apps
