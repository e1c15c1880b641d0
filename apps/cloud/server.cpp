// The cloud demo's compute server: see server.h.
#include "server.h"

#include <httplib.h>
#include <openssl/rand.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "helib-like/io/serialization.h"
#include "http_util.h"

namespace hl::cloud {

namespace {

using json = nlohmann::json;

void reply(httplib::Response& res, int status, const json& j) { apps::jsonReply(res, status, j); }

std::optional<io::ObjectType> recordTypeAt(std::istream& in) {
  const auto pos = in.tellg();
  std::optional<io::ObjectType> t;
  try {
    t = io::peekRecord(in).type;
  } catch (const FormatError&) {
  }
  in.clear();
  in.seekg(pos);
  return t;
}

bool validName(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

}  // namespace

std::map<std::string, std::string> readTenants(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read the tenants file " + path);
  std::map<std::string, std::string> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string tenant, token, extra;
    if (!(ls >> tenant >> token) || (ls >> extra) || !validName(tenant)) {
      throw std::runtime_error(path + ":" + std::to_string(n) + ": expected \"tenant token\"");
    }
    if (token.size() < 16) {
      throw std::runtime_error(path + ":" + std::to_string(n) + ": a token under 16 characters");
    }
    if (!out.emplace(token, tenant).second) {
      throw std::runtime_error(path + ":" + std::to_string(n) + ": a repeated token");
    }
  }
  if (out.empty()) throw std::runtime_error("no tenant in " + path);
  return out;
}

struct ComputeServer::Impl {
  ServerOptions options;
  httplib::Server server;

  struct Stored {
    std::shared_ptr<const Context> ctx;
    std::unique_ptr<EvaluationKeys> keys;
    std::unique_ptr<CloudArray> array;
    EncryptedTable table;
    size_t uploadBytes = 0;
    mutable std::once_flag seenOnce;  // "what the server saw", computed on first request
    mutable json seen;
  };
  struct Job {
    std::string id, tenant, table, column;
    std::string status = "queued", error;
    double seconds = 0;
    std::string result;
    std::shared_ptr<const Stored> stored;
  };

  std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, std::map<std::string, std::shared_ptr<const Stored>>> tables;
  std::map<std::string, std::shared_ptr<Job>> jobs;
  std::deque<std::shared_ptr<Job>> queue;
  std::vector<std::thread> workers;
  bool stopping = false;

  // The tenant of the request's token (constant-time comparisons), or empty.
  std::string tenantOf(const httplib::Request& req) const {
    const std::string token = apps::bearerToken(req);
    std::string found;
    for (const auto& [t, tenant] : options.tokens) {
      if (apps::sameSecret(t, token)) found = tenant;
    }
    return found;
  }

  void work() {
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return stopping || !queue.empty(); });
        if (stopping) return;
        job = queue.front();
        queue.pop_front();
        job->status = "running";
      }
      const auto t0 = std::chrono::steady_clock::now();
      std::string result, error;
      try {
        const auto& s = *job->stored;
        const auto groups = s.array->groupBy(s.table, job->column, *s.keys);
        std::ostringstream out;
        writeGroups(out, groups);
        result = out.str();
      } catch (const std::exception& e) {
        error = e.what();
      }
      const double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const std::lock_guard<std::mutex> lock(mu);
      job->seconds = secs;
      job->result = std::move(result);
      job->error = error;
      job->status = error.empty() ? "done" : "failed";
      job->stored.reset();
    }
  }

  void upload(const std::string& tenant, const std::string& name, const std::string& body,
              httplib::Response& res) {
    if (!validName(name)) {
      return reply(res, 400, {{"error", "a table name is 1 to 64 letters, digits, - _ ."}});
    }
    std::istringstream in(body);
    if (recordTypeAt(in) == io::ObjectType::kSecretKey) {
      return reply(res, 400, {{"error", "a secret key: the compute server never takes one"}});
    }
    auto s = std::make_shared<Stored>();
    io::ContextLimits limits;
    limits.maxPhi = size_t{1} << 15;
    s->ctx = io::loadContext(in, limits);
    if (recordTypeAt(in) == io::ObjectType::kSecretKey) {
      return reply(res, 400, {{"error", "a secret key: the compute server never takes one"}});
    }
    s->keys = std::make_unique<EvaluationKeys>(io::loadEvaluationKeys(in, s->ctx));
    s->array = std::make_unique<CloudArray>(s->ctx);
    if (!s->keys->hasRelinearization()) {
      return reply(res, 400, {{"error", "the evaluation keys lack the relinearization key"}});
    }
    for (uint64_t e : s->array->keyExponents()) {
      if (!s->keys->hasAutomorphism(e)) {
        return reply(
            res, 400,
            {{"error", "the evaluation keys lack the rotation X -> X^" + std::to_string(e)}});
      }
    }
    s->table = readTable(in, s->ctx, options.maxRows, options.maxColumns, options.maxLevels);
    s->uploadBytes = body.size();
    const size_t rows = s->table.schema.rows;
    {
      const std::lock_guard<std::mutex> lock(mu);
      auto& mine = tables[tenant];
      if (!mine.count(name) && mine.size() >= options.maxTablesPerTenant) {
        return reply(res, 409,
                     {{"error", "at most " + std::to_string(options.maxTablesPerTenant) +
                                    " tables per tenant"}});
      }
      mine[name] = std::move(s);
    }
    reply(res, 200, {{"table", name}, {"rows", rows}, {"bytes", body.size()}});
  }

  std::shared_ptr<const Stored> find(const std::string& tenant, const std::string& name) {
    const std::lock_guard<std::mutex> lock(mu);
    auto t = tables.find(tenant);
    if (t == tables.end()) return nullptr;
    auto it = t->second.find(name);
    return it == t->second.end() ? nullptr : it->second;
  }

  json seen(const Stored& s) const {
    // What the server holds: the schema in the clear, ciphertexts as hashes and sizes.
    json cts = json::array();
    size_t total = s.table.values.size(), shown = 0;
    auto add = [&](const std::string& what, const Ciphertext& ct) {
      if (shown >= 12) return;
      std::ostringstream o;
      io::save(o, ct);
      cts.push_back({{"what", what},
                     {"sha256", apps::sha256Hex(o.str()).substr(0, 16)},
                     {"bytes", o.str().size()}});
      ++shown;
    };
    for (size_t k = 0; k < s.table.values.size(); ++k) {
      add(s.table.schema.valueName + " chunk " + std::to_string(k), s.table.values[k]);
    }
    for (size_t c = 0; c < s.table.indicators.size(); ++c) {
      for (size_t l = 0; l < s.table.indicators[c].size(); ++l) {
        total += s.table.indicators[c][l].size();
        for (size_t k = 0; k < s.table.indicators[c][l].size(); ++k) {
          add(s.table.schema.columns[c].name + "[" + std::to_string(l) + "] chunk " +
                  std::to_string(k),
              s.table.indicators[c][l][k]);
        }
      }
    }
    return {{"schema", json::parse(s.table.schema.toJson())},
            {"ciphertexts", total},
            {"upload_bytes", s.uploadBytes},
            {"sample", cts}};
  }

  void routes() {
    server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (tenantOf(req).empty()) {
        reply(res, 401,
              {{"error", "missing or unknown API token (Authorization: Bearer <token>)"}});
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    apps::installJsonErrors(server);
    server.Get("/v1/health", [](const httplib::Request&, httplib::Response& res) {
      reply(res, 200, {{"ok", true}});
    });
    server.Get("/v1/tables", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string tenant = tenantOf(req);
      json list = json::array();
      const std::lock_guard<std::mutex> lock(mu);
      for (const auto& [name, s] : tables[tenant]) {
        json cols = json::array();
        for (const auto& c : s->table.schema.columns) cols.push_back(c.name);
        list.push_back({{"name", name},
                        {"rows", s->table.schema.rows},
                        {"value", s->table.schema.valueName},
                        {"columns", cols}});
      }
      reply(res, 200, list);
    });
    server.Put(R"(/v1/tables/([^/]+))",
               [this](const httplib::Request& req, httplib::Response& res) {
                 upload(tenantOf(req), req.matches[1], req.body, res);
               });
    server.Get(R"(/v1/tables/([^/]+)/seen)",
               [this](const httplib::Request& req, httplib::Response& res) {
                 const auto s = find(tenantOf(req), req.matches[1]);
                 if (!s) return reply(res, 404, {{"error", "no such table"}});
                 std::call_once(s->seenOnce, [&] { s->seen = seen(*s); });
                 reply(res, 200, s->seen);
               });
    server.Post("/v1/jobs", [this](const httplib::Request& req, httplib::Response& res) {
      json j;
      try {
        j = json::parse(req.body);
      } catch (const json::exception&) {
        return reply(res, 400, {{"error", "the body must be JSON {\"table\", \"group_by\"}"}});
      }
      if (!j.is_object() || !j.contains("table") || !j.contains("group_by") ||
          !j["table"].is_string() || !j["group_by"].is_string()) {
        return reply(res, 400, {{"error", "the body must be JSON {\"table\", \"group_by\"}"}});
      }
      const std::string tenant = tenantOf(req);
      auto s = find(tenant, j["table"]);
      if (!s) return reply(res, 404, {{"error", "no such table"}});
      bool known = false;
      for (const auto& c : s->table.schema.columns) known |= c.name == j["group_by"];
      if (!known) return reply(res, 400, {{"error", "no such column"}});
      auto job = std::make_shared<Job>();
      unsigned char id[16];
      if (RAND_bytes(id, sizeof id) != 1) throw std::runtime_error("no randomness for a job id");
      job->id = apps::toHex(id, sizeof id);
      job->tenant = tenant;
      job->table = j["table"];
      job->column = j["group_by"];
      job->stored = std::move(s);
      {
        const std::lock_guard<std::mutex> lock(mu);
        jobs[job->id] = job;
        queue.push_back(job);
      }
      cv.notify_one();
      reply(res, 202, {{"job", job->id}});
    });
    server.Get(R"(/v1/jobs/([0-9a-f]+))",
               [this](const httplib::Request& req, httplib::Response& res) {
                 const std::lock_guard<std::mutex> lock(mu);
                 auto it = jobs.find(req.matches[1]);
                 if (it == jobs.end() || it->second->tenant != tenantOf(req)) {
                   return reply(res, 404, {{"error", "no such job"}});
                 }
                 const Job& j = *it->second;
                 reply(res, 200,
                       {{"job", j.id},
                        {"status", j.status},
                        {"table", j.table},
                        {"group_by", j.column},
                        {"seconds", j.seconds},
                        {"error", j.error},
                        {"result_bytes", j.result.size()}});
               });
    server.Get(R"(/v1/jobs/([0-9a-f]+)/result)",
               [this](const httplib::Request& req, httplib::Response& res) {
                 std::string body;
                 {
                   const std::lock_guard<std::mutex> lock(mu);
                   auto it = jobs.find(req.matches[1]);
                   if (it == jobs.end() || it->second->tenant != tenantOf(req)) {
                     return reply(res, 404, {{"error", "no such job"}});
                   }
                   if (it->second->status != "done") {
                     return reply(res, 409, {{"error", "the job is " + it->second->status}});
                   }
                   body = it->second->result;
                 }
                 res.set_content(body, "application/octet-stream");
               });
  }
};

ComputeServer::ComputeServer(ServerOptions options) : impl_(std::make_unique<Impl>()) {
  if (options.tokens.empty()) throw std::invalid_argument("hl-cloud server: no tenant tokens");
  impl_->options = std::move(options);
}

ComputeServer::~ComputeServer() {
  stop();
  for (auto& w : impl_->workers) {
    if (w.joinable()) w.join();
  }
}

void ComputeServer::run(const std::function<void(int)>& ready) {
  Impl& s = *impl_;
  s.routes();
  s.server.set_payload_max_length(s.options.maxBodyBytes);
  s.server.set_read_timeout(60, 0);
  s.server.set_write_timeout(60, 0);
  for (size_t i = 0; i < std::max<size_t>(1, s.options.workers); ++i) {
    s.workers.emplace_back([&s] { s.work(); });
  }
  apps::bindAndServe(s.server, s.options.host, s.options.port, ready, "hl-cloud server");
}

void ComputeServer::stop() {
  {
    const std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  impl_->server.stop();
}

}  // namespace hl::cloud
