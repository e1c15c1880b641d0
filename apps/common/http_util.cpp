// See http_util.h.
#include "http_util.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "helib-like/io/serialization.h"

namespace hl::apps {

std::string toHex(const unsigned char* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  s.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    s += digits[p[i] >> 4];
    s += digits[p[i] & 15];
  }
  return s;
}

std::string sha256Hex(std::string_view data) {
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return toHex(md, len);
}

void jsonReply(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void installJsonErrors(httplib::Server& server) {
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        try {
          std::rethrow_exception(ep);
        } catch (const std::invalid_argument& e) {
          jsonReply(res, 400, {{"error", e.what()}});
        } catch (const FormatError& e) {
          jsonReply(res, 400, {{"error", e.what()}});
        } catch (const std::exception& e) {
          jsonReply(res, 500, {{"error", e.what()}});
        } catch (...) {
          jsonReply(res, 500, {{"error", "internal error"}});
        }
      });
}

std::string bearerToken(const httplib::Request& req) {
  const std::string h = req.get_header_value("Authorization");
  return h.rfind("Bearer ", 0) == 0 ? h.substr(7) : std::string();
}

bool sameSecret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void bindAndServe(httplib::Server& server, const std::string& host, int port,
                  const std::function<void(int)>& ready, const std::string& who) {
  const int bound =
      port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    throw std::runtime_error(who + ": cannot bind " + host + ":" + std::to_string(port));
  }
  if (ready) ready(bound);
  server.listen_after_bind();
}

}  // namespace hl::apps
