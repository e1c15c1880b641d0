// hl-cloud: the cloud-outsourcing demo's tool (doc/cloud.md). One binary, one role per command:
//
//   hl-cloud keygen  --keys DIR                              (the analyst: the key pair)
//   hl-cloud server  --tenants FILE [--port P]               (the compute server)
//   hl-cloud owner   --keys DIR --wages|--csv FILE --server HOST:PORT --token-file F --table T
//   hl-cloud query   --keys DIR --server HOST:PORT --token-file F --table T --group-by COL
//   hl-cloud analyst --keys DIR --server HOST:PORT --token-file F [--port P]   (the web page)
//   hl-cloud clear   --wages|--csv FILE --group-by COL       (the clear computation)
//   hl-cloud bench   --rows N [--json]                       (the synthetic scale benchmark)
//   hl-cloud demo    [--port P]                              (starts the three roles)
#include <fcntl.h>
#include <httplib.h>
#include <omp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "cloud.h"
#include "helib-like/io/serialization.h"
#include "http_util.h"
#include "page.h"
#include "server.h"

extern char** environ;

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace hl;
using namespace hl::cloud;

namespace {

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + p.string());
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string firstLine(const fs::path& p) {
  std::istringstream in(slurp(p));
  std::string s;
  std::getline(in, s);
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string defaultWages() {
  if (const char* d = std::getenv("HL_CLOUD_WAGES")) return d;
  return HL_CLOUD_DEFAULT_WAGES;
}

// The compute server as seen by the owner and the analyst: JSON control, binary bodies, and
// the bytes that crossed the wire.
class Remote {
 public:
  Remote(const std::string& hostPort, std::string token) : token_(std::move(token)) {
    std::string v = hostPort;
    if (v.rfind("http://", 0) == 0) v = v.substr(7);
    const size_t colon = v.rfind(':');
    if (colon == std::string::npos) throw std::runtime_error("--server must be HOST:PORT");
    host_ = v.substr(0, colon);
    port_ = std::stoi(v.substr(colon + 1));
  }
  size_t sent = 0, received = 0;

  std::string call(const std::string& method, const std::string& path, const std::string& body,
                   const char* type) {
    httplib::Client c(host_, port_);
    c.set_read_timeout(600, 0);
    c.set_write_timeout(600, 0);
    c.set_bearer_token_auth(token_);
    httplib::Result r = method == "GET"   ? c.Get(path)
                        : method == "PUT" ? c.Put(path, body, type)
                                          : c.Post(path, body, type);
    if (!r) {
      throw std::runtime_error("cannot reach the compute server at " + host_ + ":" +
                               std::to_string(port_) + " (" + httplib::to_string(r.error()) + ")");
    }
    sent += body.size() + path.size();
    received += r->body.size();
    if (r->status >= 300) {
      std::string msg = r->body;
      try {
        msg = json::parse(r->body).at("error").get<std::string>();
      } catch (...) {
      }
      throw std::runtime_error("the compute server answered " + std::to_string(r->status) + ": " +
                               msg);
    }
    return r->body;
  }
  json getJson(const std::string& path) { return json::parse(call("GET", path, "", "")); }

 private:
  std::string host_, token_;
  int port_ = 0;
};

struct AnalystKeys {
  std::shared_ptr<const Context> ctx;
  std::unique_ptr<SecretKey> sk;
};

AnalystKeys loadAnalyst(const fs::path& dir) {
  AnalystKeys k;
  k.ctx = io::loadContextFromFile((dir / "context.hl").string());
  k.sk =
      std::make_unique<SecretKey>(io::loadSecretKeyFromFile((dir / "secret.hl").string(), k.ctx));
  return k;
}

// Runs one group-by through the server and decrypts it: the figures the page shows.
json runQuery(Remote& remote, const AnalystKeys& k, const std::string& table,
              const std::string& column) {
  const auto t0 = Clock::now();
  remote.sent = remote.received = 0;
  const json seen = remote.getJson("/v1/tables/" + table + "/seen");
  const Schema schema = Schema::fromJson(seen.at("schema").dump(), size_t{1} << 30, 64, 256);
  const json job = json::parse(remote.call(
      "POST", "/v1/jobs", json{{"table", table}, {"group_by", column}}.dump(), "application/json"));
  const std::string id = job.at("job");
  json status;
  for (;;) {
    status = remote.getJson("/v1/jobs/" + id);
    if (status.at("status") == "done") break;
    if (status.at("status") == "failed") {
      throw std::runtime_error("the group-by failed: " + status.value("error", std::string()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::istringstream in(remote.call("GET", "/v1/jobs/" + id + "/result", "", ""));
  const CloudArray array(k.ctx);
  const GroupSums g = array.decrypt(*k.sk, schema, column, readGroups(in, k.ctx, 256));
  const double unit = std::pow(10.0, schema.decimals);
  json levels = json::array();
  for (size_t l = 0; l < g.levels.size(); ++l) {
    levels.push_back({{"name", g.levels[l]},
                      {"count", g.counts[l]},
                      {"sum", static_cast<double>(g.sums[l]) / unit},
                      {"average", g.counts[l] == 0 ? 0.0
                                                   : static_cast<double>(g.sums[l]) / unit /
                                                         static_cast<double>(g.counts[l])}});
  }
  return {{"table", table},
          {"group_by", column},
          {"value", schema.valueName},
          {"levels", levels},
          {"server_seconds", status.at("seconds")},
          {"total_seconds", since(t0)},
          {"bytes_sent", remote.sent},
          {"bytes_received", remote.received},
          {"seen", seen}};
}

Table loadTable(bool wages, const std::string& wagesDir, const std::string& csvPath,
                const std::string& value, int decimals, const std::vector<std::string>& cats) {
  if (wages || csvPath.empty()) return readWages(wagesDir);
  CsvOptions o;
  o.valueColumn = value;
  o.decimals = decimals;
  o.categorical = cats;
  return readCsvFile(csvPath, o);
}

int cmdKeygen(const fs::path& dir) {
  fs::create_directories(dir);
  const auto t0 = Clock::now();
  const CloudKeys k;
  const auto& ctx = k.ctx;
  const SecretKey& sk = k.sk;
  io::saveToFile((dir / "context.hl").string(), *ctx);
  io::saveToFile((dir / "public.hl").string(), k.pk);
  io::saveToFile((dir / "eval.hl").string(), k.keys);
  io::saveSecretKeyToFile((dir / "secret.hl").string(), sk);
  fs::permissions(dir / "secret.hl", fs::perms::owner_read | fs::perms::owner_write,
                  fs::perm_options::replace);
  std::printf(
      "keys in %s (%.2f s, security %.1f bits): context.hl, public.hl and eval.hl go to "
      "the owner and the server; secret.hl stays with the analyst\n",
      dir.c_str(), since(t0), ctx->securityLevel());
  return 0;
}

int cmdOwner(const fs::path& keysDir, const Table& table, const std::string& server,
             const fs::path& tokenFile, const std::string& name) {
  auto ctx = io::loadContextFromFile((keysDir / "context.hl").string());
  const PublicKey pk = io::loadPublicKeyFromFile((keysDir / "public.hl").string(), ctx);
  const CloudArray array(ctx);
  const auto t0 = Clock::now();
  const EncryptedTable et = array.encrypt(table, pk, [](size_t done, size_t total) {
    if (done == total || done % 64 == 0) std::fprintf(stderr, "\rencrypting %zu/%zu", done, total);
    if (done == total) std::fprintf(stderr, "\n");
  });
  const double enc = since(t0);
  std::ostringstream body;
  body << slurp(keysDir / "context.hl") << slurp(keysDir / "eval.hl");
  writeTable(body, et);
  Remote remote(server, firstLine(tokenFile));
  const auto t1 = Clock::now();
  const json r =
      json::parse(remote.call("PUT", "/v1/tables/" + name, body.str(), "application/octet-stream"));
  std::printf("table %s: %zu rows encrypted in %.2f s, %zu bytes uploaded in %.2f s\n",
              name.c_str(), table.rows(), enc, body.str().size(), since(t1));
  return r.at("rows") == table.rows() ? 0 : 1;
}

void printGroups(const json& q) {
  std::printf("%-16s %8s %14s %14s\n", q.at("group_by").get<std::string>().c_str(), "rows",
              ("average " + q.at("value").get<std::string>()).c_str(), "sum");
  for (const auto& l : q.at("levels")) {
    std::printf("%-16s %8lld %14.4f %14.2f\n", l.at("name").get<std::string>().c_str(),
                static_cast<long long>(l.at("count").get<int64_t>()), l.at("average").get<double>(),
                l.at("sum").get<double>());
  }
}

int cmdAnalyst(const fs::path& keysDir, const std::string& server, const fs::path& tokenFile,
               int port) {
  const AnalystKeys k = loadAnalyst(keysDir);
  const std::string token = firstLine(tokenFile);
  httplib::Server web;
  std::mutex mu;  // one query at a time from the page
  web.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kAnalystPage, "text/html; charset=utf-8");
  });
  web.Get("/api/tables", [&](const httplib::Request&, httplib::Response& res) {
    try {
      Remote remote(server, token);
      res.set_content(remote.call("GET", "/v1/tables", "", ""), "application/json");
    } catch (const std::exception& e) {
      apps::jsonReply(res, 502, {{"error", e.what()}});
    }
  });
  web.Post("/api/query", [&](const httplib::Request& req, httplib::Response& res) {
    const std::lock_guard<std::mutex> lock(mu);
    try {
      Remote remote(server, token);
      res.set_content(
          runQuery(remote, k, req.get_param_value("table"), req.get_param_value("group_by")).dump(),
          "application/json");
    } catch (const std::exception& e) {
      apps::jsonReply(res, 502, {{"error", e.what()}});
    }
  });
  apps::bindAndServe(
      web, "127.0.0.1", port,
      [](int bound) {
        std::printf("hl-cloud analyst: open http://127.0.0.1:%d/\n", bound);
        std::fflush(stdout);
      },
      "hl-cloud analyst");
  return 0;
}

// The real data set end to end: a compute server on a thread of this process, then the roles'
// work through HTTP on loopback as the separate processes do: keys, encryption, upload, one
// group-by, download and decryption.
int cmdBenchReal(const std::string& column, bool asJson) {
  ServerOptions o;
  const std::string token = "bench-token-0123456789abcdef";
  o.tokens[token] = "bench";
  ComputeServer server(o);
  std::promise<int> bound;
  std::thread serving([&] { server.run([&](int p) { bound.set_value(p); }); });
  const std::string addr = "127.0.0.1:" + std::to_string(bound.get_future().get());
  const fs::path dir = fs::temp_directory_path() / ("hl-cloud-bench-" + std::to_string(getpid()));
  int rc = 1;
  try {
    const auto t0 = Clock::now();
    const CloudKeys ks;
    const auto& [ctx, sk, pk, array, keys] = ks;
    const double keySeconds = since(t0);
    const Table table = readWages(defaultWages());
    const auto t1 = Clock::now();
    std::ostringstream body;
    io::save(body, *ctx);
    io::save(body, keys);
    writeTable(body, array.encrypt(table, pk));
    const double encSeconds = since(t1);
    Remote remote(addr, token);
    const auto t2 = Clock::now();
    remote.call("PUT", "/v1/tables/wages", body.str(), "application/octet-stream");
    const double uploadSeconds = since(t2);
    const AnalystKeys k{ctx, std::make_unique<SecretKey>(sk)};
    const json q = runQuery(remote, k, "wages", column);
    const double total = since(t0);
    bool correct = true;
    const GroupSums clear = groupBy(table, column);
    for (size_t l = 0; l < clear.levels.size(); ++l) {
      correct &= q["levels"][l]["count"].get<int64_t>() == clear.counts[l] &&
                 std::llround(q["levels"][l]["sum"].get<double>() * 100) == clear.sums[l];
    }
    const json j{{"rows", table.rows()},
                 {"group_by", column},
                 {"seconds_end_to_end", total},
                 {"seconds_keys", keySeconds},
                 {"seconds_encrypt", encSeconds},
                 {"seconds_upload", uploadSeconds},
                 {"upload_bytes", body.str().size()},
                 {"seconds_query", q["total_seconds"]},
                 {"seconds_server", q["server_seconds"]},
                 {"security_bits", ctx->securityLevel()},
                 {"correct", correct}};
    if (!asJson) {
      std::printf(
          "the wage data end to end: %.2f s (keys %.2f, encryption %.2f, upload of %zu "
          "bytes %.2f, group-by and decryption %.2f, of which server %.3f), correct %s\n",
          total, keySeconds, encSeconds, body.str().size(), uploadSeconds,
          q["total_seconds"].get<double>(), q["server_seconds"].get<double>(),
          correct ? "true" : "false");
    }
    std::printf("%s\n", j.dump().c_str());
    rc = correct ? 0 : 1;
  } catch (...) {
    server.stop();
    serving.join();
    throw;
  }
  server.stop();
  serving.join();
  return rc;
}

int cmdBench(size_t rows, const std::string& column, bool asJson) {
  const Table real = readWages(defaultWages());
  const Table table = synthetic(real, rows, 2026);
  const CloudKeys ks;
  const auto& [ctx, sk, pk, array, keys] = ks;
  const bool tty = isatty(2) != 0;
  const auto t0 = Clock::now();
  const EncryptedTable et = array.encrypt(table, pk, [tty](size_t done, size_t total) {
    if (tty || done == total || done % 256 == 0) {
      std::fprintf(stderr, "%sencrypting %zu/%zu%s", tty ? "\r" : "", done, total,
                   tty && done != total ? "" : "\n");
    }
  });
  const double enc = since(t0);
  std::fprintf(stderr, "group-by %s...\n", column.c_str());
  const auto t1 = Clock::now();
  const auto groups = array.groupBy(et, column, keys);
  const double gb = since(t1);
  const bool correct = array.decrypt(sk, et.schema, column, groups) == groupBy(table, column);
  const json j{{"rows", rows},
               {"group_by", column},
               {"levels", groups.sums.size()},
               {"threads", omp_get_max_threads()},
               {"encrypt_seconds", enc},
               {"encrypt_rows_per_second", static_cast<double>(rows) / enc},
               {"groupby_seconds", gb},
               {"groupby_rows_per_second", static_cast<double>(rows) / gb},
               {"ciphertexts", et.values.size() * (1 +
                                                   [&] {
                                                     size_t n = 0;
                                                     for (const auto& c : et.indicators)
                                                       n += c.size();
                                                     return n;
                                                   }())},
               {"security_bits", ctx->securityLevel()},
               {"correct", correct}};
  if (!asJson) {
    std::printf(
        "%zu rows: owner encryption %.2f s (%.0f rows/s), group-by over %s %.3f s "
        "(%.0f rows/s), security %.1f bits, correct %s\n",
        rows, enc, static_cast<double>(rows) / enc, column.c_str(), gb,
        static_cast<double>(rows) / gb, ctx->securityLevel(), correct ? "true" : "false");
  }
  std::printf("%s\n", j.dump().c_str());
  return correct ? 0 : 1;
}

// A child process running this program with `args`, its output to `log`.
pid_t spawnSelf(const std::vector<std::string>& args, const fs::path& log) {
  std::vector<char*> argv;
  std::string self = fs::read_symlink("/proc/self/exe").string();
  argv.push_back(self.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, self.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("cannot start " + self);
  return pid;
}

// The port a child printed ("...127.0.0.1:PORT..."), waiting up to 60 s.
int waitForPort(const fs::path& log, pid_t pid) {
  for (int i = 0; i < 600; ++i) {
    std::ifstream in(log);
    std::string line;
    while (std::getline(in, line)) {
      const size_t p = line.find("127.0.0.1:");
      if (p != std::string::npos) return std::atoi(line.c_str() + p + 10);
    }
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      throw std::runtime_error("a child process ended: " + slurp(log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error("a child process did not start in 60 s");
}

std::atomic<bool> interrupted{false};

int cmdDemo(int port, const fs::path& workDir) {
  const auto t0 = Clock::now();
  fs::create_directories(workDir);
  const fs::path keys = workDir / "keys";
  cmdKeygen(keys);
  // One tenant with a random token.
  std::random_device rd;
  std::string token;
  for (int i = 0; i < 32; ++i) token += "0123456789abcdef"[rd() % 16];
  {
    std::ofstream(workDir / "token", std::ios::trunc) << token << "\n";
    std::ofstream(workDir / "tenants", std::ios::trunc) << "demo " << token << "\n";
    fs::permissions(workDir / "token", fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::replace);
    fs::permissions(workDir / "tenants", fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::replace);
  }
  const pid_t server =
      spawnSelf({"server", "--tenants", (workDir / "tenants").string()}, workDir / "server.log");
  std::vector<pid_t> children{server};
  auto cleanup = [&] {
    for (pid_t p : children) kill(p, SIGTERM);
    for (pid_t p : children) waitpid(p, nullptr, 0);
  };
  try {
    const std::string addr =
        "127.0.0.1:" + std::to_string(waitForPort(workDir / "server.log", server));
    std::printf("compute server: %s (log %s)\n", addr.c_str(), (workDir / "server.log").c_str());
    const pid_t owner =
        spawnSelf({"owner", "--keys", keys.string(), "--wages", "--server", addr, "--token-file",
                   (workDir / "token").string(), "--table", "wages"},
                  workDir / "owner.log");
    int status = 0;
    waitpid(owner, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      throw std::runtime_error("the owner failed: " + slurp(workDir / "owner.log"));
    }
    std::printf(
        "data owner: %s",
        slurp(workDir / "owner.log").substr(slurp(workDir / "owner.log").rfind("table ")).c_str());
    const pid_t analyst =
        spawnSelf({"analyst", "--keys", keys.string(), "--server", addr, "--token-file",
                   (workDir / "token").string(), "--port", std::to_string(port)},
                  workDir / "analyst.log");
    children.push_back(analyst);
    const int webPort = waitForPort(workDir / "analyst.log", analyst);
    std::printf("set-up %.1f s\nopen http://127.0.0.1:%d/ (Ctrl-C stops the demo)\n", since(t0),
                webPort);
    std::fflush(stdout);
    std::signal(SIGINT, [](int) { interrupted = true; });
    std::signal(SIGTERM, [](int) { interrupted = true; });
    while (!interrupted) {
      int st = 0;
      for (pid_t p : children) {
        if (waitpid(p, &st, WNOHANG) == p) throw std::runtime_error("a role stopped; see its log");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  } catch (...) {
    cleanup();
    throw;
  }
  cleanup();
  return 0;
}

std::vector<std::string> splitComma(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hl-cloud: statistics computed by a server that never sees the data"};
  app.require_subcommand(1);
  std::string keys = "cloud-keys", server, tokenFile, table = "wages", column = "occupation",
              csvPath, value, cats, tenants, wagesDir = defaultWages(), workDir;
  int port = 0, decimals = 2;
  size_t rows = 100000, maxBody = size_t{256} << 20;
  bool wages = false, asJson = false;

  auto* keygen = app.add_subcommand("keygen", "the analyst's keys");
  keygen->add_option("--keys", keys, "folder for context.hl, public.hl, eval.hl, secret.hl");

  auto* serverCmd = app.add_subcommand("server", "the compute server (no secret key)");
  serverCmd->add_option("--tenants", tenants, "file of \"tenant token\" lines")->required();
  serverCmd->add_option("--port", port, "TCP port on 127.0.0.1 (0: any free port, printed)");
  serverCmd->add_option("--max-body", maxBody, "largest request body in bytes");

  auto addTable = [&](CLI::App* c) {
    c->add_flag("--wages", wages, "the 1985 CPS wage sample (the default)");
    c->add_option("--wages-dir", wagesDir, "where setup.sh put the wage data");
    c->add_option("--csv", csvPath, "a CSV file instead");
    c->add_option("--value", value, "the CSV's numeric column");
    c->add_option("--decimals", decimals, "decimals of the numeric column");
    c->add_option("--categorical", cats, "the CSV's categorical columns, comma-separated");
  };
  auto addRemote = [&](CLI::App* c) {
    c->add_option("--server", server, "HOST:PORT of the compute server")->required();
    c->add_option("--token-file", tokenFile, "file whose first line is the API token")->required();
  };
  auto* owner = app.add_subcommand("owner", "encrypt a table and upload it");
  owner->add_option("--keys", keys, "the folder with context.hl, public.hl and eval.hl");
  owner->add_option("--table", table, "the table's name on the server");
  addTable(owner);
  addRemote(owner);

  auto* query = app.add_subcommand("query", "one group-by through the server, decrypted");
  query->add_option("--keys", keys, "the analyst's keys");
  query->add_option("--table", table, "the table");
  query->add_option("--group-by", column, "the categorical column");
  query->add_flag("--json", asJson, "print the result as JSON");
  addRemote(query);

  auto* analyst = app.add_subcommand("analyst", "the web page on localhost");
  analyst->add_option("--keys", keys, "the analyst's keys");
  analyst->add_option("--port", port, "TCP port on 127.0.0.1 (0: any free port, printed)");
  addRemote(analyst);

  auto* clear = app.add_subcommand("clear", "the same group-by in the clear");
  addTable(clear);
  clear->add_option("--group-by", column, "the categorical column");
  clear->add_flag("--json", asJson, "print the result as JSON");

  auto* bench = app.add_subcommand("bench", "synthetic rows: owner encryption and group-by");
  bench->add_option("--rows", rows, "rows drawn from the wage data's distribution");
  bench->add_option("--group-by", column, "the categorical column");
  bench->add_flag("--json", asJson, "only the JSON line");
  bool real = false;
  bench->add_flag("--real", real, "the real data set end to end through a loopback server instead");

  auto* demo = app.add_subcommand("demo", "start the server, upload the wage data, serve the page");
  demo->add_option("--port", port, "the page's port (0: any free port, printed)");
  demo->add_option("--work-dir", workDir,
                   "folder for keys, tokens and logs (default: a temporary one)");

  CLI11_PARSE(app, argc, argv);
  std::signal(SIGPIPE, SIG_IGN);
  try {
    if (*keygen) return cmdKeygen(keys);
    if (*serverCmd) {
      ServerOptions o;
      o.port = port;
      o.tokens = readTenants(tenants);
      o.maxBodyBytes = maxBody;
      ComputeServer s(o);
      s.run([](int p) {
        std::printf("hl-cloud server: listening on http://127.0.0.1:%d\n", p);
        std::fflush(stdout);
      });
      return 0;
    }
    if (*owner) {
      return cmdOwner(keys, loadTable(wages, wagesDir, csvPath, value, decimals, splitComma(cats)),
                      server, tokenFile, table);
    }
    if (*query) {
      const AnalystKeys k = loadAnalyst(keys);
      Remote remote(server, firstLine(tokenFile));
      const json q = runQuery(remote, k, table, column);
      if (asJson) {
        std::printf("%s\n", q.dump().c_str());
      } else {
        printGroups(q);
        std::printf("server %.3f s, total %.3f s, sent %zu bytes, received %zu bytes\n",
                    q.at("server_seconds").get<double>(), q.at("total_seconds").get<double>(),
                    q.at("bytes_sent").get<size_t>(), q.at("bytes_received").get<size_t>());
      }
      return 0;
    }
    if (*analyst) return cmdAnalyst(keys, server, tokenFile, port);
    if (*clear) {
      const Table t = loadTable(wages, wagesDir, csvPath, value, decimals, splitComma(cats));
      const GroupSums g = groupBy(t, column);
      const double unit = std::pow(10.0, t.decimals);
      json levels = json::array();
      for (size_t l = 0; l < g.levels.size(); ++l) {
        levels.push_back({{"name", g.levels[l]},
                          {"count", g.counts[l]},
                          {"sum", static_cast<double>(g.sums[l]) / unit},
                          {"average", static_cast<double>(g.sums[l]) / unit /
                                          static_cast<double>(std::max<int64_t>(1, g.counts[l]))}});
      }
      const json q{{"group_by", column}, {"value", t.valueName}, {"levels", levels}};
      if (asJson) {
        std::printf("%s\n", q.dump().c_str());
      } else {
        printGroups(q);
      }
      return 0;
    }
    if (*bench) return real ? cmdBenchReal(column, asJson) : cmdBench(rows, column, asJson);
    if (*demo) {
      if (workDir.empty()) {
        char tmpl[] = "/tmp/hl-cloud-demo-XXXXXX";
        if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("cannot create a temporary folder");
        workDir = tmpl;
      }
      return cmdDemo(port, workDir);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hl-cloud: %s\n", e.what());
    return 2;
  }
  return 0;
}
