// The scoring service and its client: see service.h.
#include "service.h"

#include <httplib.h>

#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "helib-like/io/serialization.h"
#include "http_util.h"

namespace hl::spam {

namespace {

void jsonError(httplib::Response& res, int status, const std::string& message) {
  apps::jsonReply(res, status, {{"error", message}});
}

// The type of the record at the start of `body` (without reading further), or nothing.
std::optional<io::ObjectType> recordTypeAt(const std::string& body, size_t offset) {
  std::istringstream in(body.substr(offset, 64));
  try {
    return io::peekRecord(in).type;
  } catch (const FormatError&) {
    return std::nullopt;
  }
}

}  // namespace

std::string readToken(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read the token file " + path.string());
  std::string token;
  std::getline(in, token);
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.size() < 16) {
    throw std::runtime_error("the token in " + path.string() + " is shorter than 16 characters");
  }
  return token;
}

struct ScoringService::Impl {
  QuantizedModel model;
  ServiceOptions options;
  httplib::Server server;

  struct KeySet {
    std::shared_ptr<const Context> ctx;
    std::unique_ptr<EvaluationKeys> keys;
    std::unique_ptr<EncryptedFilter> filter;
    EncryptedFilter::PreparedModel prepared;
  };
  std::mutex mu;
  std::map<std::string, std::shared_ptr<const KeySet>> keySets;
  std::deque<std::string> order;  // oldest first

  bool authorized(const httplib::Request& req) const {
    return apps::sameSecret(apps::bearerToken(req), options.token);
  }

  void keysHandler(const httplib::Request& req, httplib::Response& res) {
    const std::string& body = req.body;
    if (recordTypeAt(body, 0) == io::ObjectType::kSecretKey) {
      return jsonError(res, 400, "a secret key: the scoring server never takes one");
    }
    std::istringstream in(body);
    io::ContextLimits limits;
    limits.maxPhi = options.maxRingDimension;
    auto set = std::make_shared<KeySet>();
    set->ctx = io::loadContext(in, limits);
    const auto pos = static_cast<size_t>(in.tellg());
    if (recordTypeAt(body, pos) == io::ObjectType::kSecretKey) {
      return jsonError(res, 400, "a secret key: the scoring server never takes one");
    }
    set->keys = std::make_unique<EvaluationKeys>(io::loadEvaluationKeys(in, set->ctx));
    set->filter = std::make_unique<EncryptedFilter>(set->ctx, model.features);
    set->prepared = set->filter->prepare(model);
    const std::string id = apps::sha256Hex(body).substr(0, 32);
    {
      const std::lock_guard<std::mutex> lock(mu);
      if (keySets.emplace(id, set).second) {
        order.push_back(id);
        while (keySets.size() > options.maxKeySets) {
          keySets.erase(order.front());
          order.pop_front();
        }
      }
    }
    res.set_content(nlohmann::json{{"keys", id}}.dump(), "application/json");
  }

  void scoreHandler(const httplib::Request& req, httplib::Response& res) {
    std::shared_ptr<const KeySet> set;
    {
      const std::lock_guard<std::mutex> lock(mu);
      auto it = keySets.find(req.get_param_value("keys"));
      if (it != keySets.end()) set = it->second;
    }
    if (!set) return jsonError(res, 404, "unknown keys: upload them first (POST /v1/keys)");
    std::istringstream in(req.body);
    auto msgs = readMessages(in, set->ctx, options.maxMessagesPerRequest,
                             set->filter->ciphertextsPerMessage());
    std::vector<EncryptedMessage> replies(msgs.size());
    for (size_t i = 0; i < msgs.size(); ++i) {
      replies[i] = {msgs[i].name,
                    {set->filter->score(msgs[i].ciphertexts, set->prepared, *set->keys)}};
    }
    std::ostringstream out;
    writeMessages(out, replies);
    res.set_content(out.str(), "application/octet-stream");
  }
};

ScoringService::ScoringService(QuantizedModel model, ServiceOptions options)
    : impl_(std::make_unique<Impl>()) {
  model.validate();
  if (options.token.size() < 16) {
    throw std::invalid_argument("hl-spam serve: the API token must have at least 16 characters");
  }
  impl_->model = std::move(model);
  impl_->options = std::move(options);
}

ScoringService::~ScoringService() = default;

void ScoringService::run(const std::function<void(int)>& ready) {
  Impl& s = *impl_;
  s.server.set_payload_max_length(s.options.maxBodyBytes);
  s.server.set_read_timeout(30, 0);
  s.server.set_write_timeout(30, 0);
  s.server.set_pre_routing_handler([&s](const httplib::Request& req, httplib::Response& res) {
    if (!s.authorized(req)) {
      jsonError(res, 401, "missing or wrong API token (Authorization: Bearer <token>)");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  apps::installJsonErrors(s.server);
  s.server.Get("/v1/health", [&s](const httplib::Request&, httplib::Response& res) {
    res.set_content(nlohmann::json{{"ok", true},
                                   {"hash_bits", s.model.features.hashBits},
                                   {"max_features", s.model.features.maxFeatures}}
                        .dump(),
                    "application/json");
  });
  s.server.Post("/v1/keys", [&s](const httplib::Request& req, httplib::Response& res) {
    s.keysHandler(req, res);
  });
  s.server.Post("/v1/score", [&s](const httplib::Request& req, httplib::Response& res) {
    s.scoreHandler(req, res);
  });
  apps::bindAndServe(s.server, s.options.host, s.options.port, ready, "hl-spam serve");
}

void ScoringService::stop() { impl_->server.stop(); }

// ---------------------------------------------------------------------------------------------

ScoringClient::ScoringClient(std::string host, int port, std::string token)
    : host_(std::move(host)), token_(std::move(token)), port_(port) {}

namespace {

std::string post(const std::string& host, int port, const std::string& token,
                 const std::string& path, const std::string& body) {
  httplib::Client c(host, port);
  c.set_read_timeout(300, 0);
  c.set_write_timeout(300, 0);
  c.set_bearer_token_auth(token);
  auto r = c.Post(path, body, "application/octet-stream");
  if (!r) {
    throw std::runtime_error("cannot reach the scoring server at " + host + ":" +
                             std::to_string(port) + " (" + httplib::to_string(r.error()) + ")");
  }
  if (r->status != 200) {
    std::string msg = r->body;
    try {
      msg = nlohmann::json::parse(r->body).at("error").get<std::string>();
    } catch (...) {
    }
    throw std::runtime_error("the scoring server answered " + std::to_string(r->status) + ": " +
                             msg);
  }
  return r->body;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + p.string());
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

std::string ScoringClient::uploadKeys(const std::filesystem::path& contextFile,
                                      const std::filesystem::path& evalKeysFile) {
  // A small request first, so that a wrong token or address shows before megabytes of keys
  // go out (a server that refuses a request closes the connection while the body arrives).
  {
    httplib::Client c(host_, port_);
    c.set_bearer_token_auth(token_);
    auto r = c.Get("/v1/health");
    if (!r) {
      throw std::runtime_error("cannot reach the scoring server at " + host_ + ":" +
                               std::to_string(port_) + " (" + httplib::to_string(r.error()) + ")");
    }
    if (r->status != 200) {
      throw std::runtime_error("the scoring server answered " + std::to_string(r->status) +
                               (r->status == 401 ? ": wrong API token" : ""));
    }
  }
  const std::string reply =
      post(host_, port_, token_, "/v1/keys", slurp(contextFile) + slurp(evalKeysFile));
  return nlohmann::json::parse(reply).at("keys").get<std::string>();
}

std::string ScoringClient::score(const std::string& keysId, const std::string& queries) {
  return post(host_, port_, token_, "/v1/score?keys=" + keysId, queries);
}

}  // namespace hl::spam
