// STARTTLS sessions per second that one good FakeSmtpServer sustains: N
// in-process client threads, each running complete sessions over real
// loopback sockets -- greeting, EHLO, STARTTLS, a TLS 1.3 handshake with
// the project's engine in the client role (chain and host name verified),
// EHLO and QUIT inside TLS -- against one server, which records every
// session's transcript as it would in a scenario.
//
// items_per_second is the figure: completed sessions (one TLS 1.3
// handshake each) per wall-clock second, summed over the client threads.
// Clients and server share the machine's cores, so the figure is the
// throughput of the whole loop, a lower bound for the server alone. The
// server's own cost is measured too: the CPU time its I/O threads used
// (from /proc/self/task/<tid>/schedstat), reported per session and as
// sessions per server-CPU-second -- the rate one core running only the
// server would sustain, and a figure that does not depend on how busy the
// machine is.
//
//   build/<dir>/bench/server/server_starttls_bench --benchmark_min_time=2

#include <benchmark/benchmark.h>

#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "bench/server/bench_client.h"
#include "fake_servers/behavior.h"
#include "fake_servers/pki/test_pki.h"
#include "fake_servers/server/server.h"
#include "fake_servers/transcript.h"
#include "tls/tls_context.h"

namespace {

using gauntlet::fake::ConnectionBehavior;
using gauntlet::fake::HandshakeOutcome;
using gauntlet::fake::TlsVersions;
using gauntlet::fake::server::FakeSmtpServer;
using gauntlet::fake::server::ServerOptions;
using gauntlet::pki::KeyType;
using gauntlet::pki::TestPki;
using gauntlet::tls::TlsContext;

std::set<int> ThreadIds() {
  std::set<int> ids;
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return ids;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ids.insert(std::atoi(e->d_name));
  }
  closedir(dir);
  return ids;
}

// CPU time a thread of this process has used, in nanoseconds: schedstat's
// first field, else utime + stime from stat (clock-tick resolution).
double ThreadCpuNs(int tid) {
  const std::string base = "/proc/self/task/" + std::to_string(tid);
  {
    std::ifstream in(base + "/schedstat");
    double ns = 0;
    if (in >> ns) return ns;
  }
  std::ifstream in(base + "/stat");
  std::string line;
  if (!std::getline(in, line)) return 0;
  // Fields after the parenthesised command name; utime and stime are the
  // 14th and 15th fields of the line.
  const std::size_t close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::atof(field.c_str());
    if (i == 15) stime = std::atof(field.c_str());
  }
  return (utime + stime) * 1e9 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double TotalCpuNs(const std::vector<int>& tids) {
  double total = 0;
  for (int tid : tids) total += ThreadCpuNs(tid);
  return total;
}

struct Shared {
  std::shared_ptr<const TestPki> pki;
  std::unique_ptr<FakeSmtpServer> server;
  // The server's I/O threads: the ones Start() created.
  std::vector<int> server_threads;
  std::optional<TlsContext> client;
  std::string error;
};

// Written by thread 0 before the timed loop and read by all threads inside
// it; the loop's start and end are barriers across the benchmark's threads.
Shared* g_shared = nullptr;

std::shared_ptr<const TestPki> Pki() {
  static const std::shared_ptr<const TestPki> pki = [] {
    auto created = TestPki::Create({});
    return created.ok() ? std::shared_ptr<const TestPki>(std::move(*created))
                        : nullptr;
  }();
  return pki;
}

std::unique_ptr<Shared> SetUp(KeyType key, int io_threads) {
  auto shared = std::make_unique<Shared>();
  shared->pki = Pki();
  if (!shared->pki) {
    shared->error = "TestPki::Create failed";
    return shared;
  }
  ConnectionBehavior behavior;
  behavior.tls_versions = TlsVersions::kTls13Only;
  behavior.key_type = key;
  ServerOptions options;
  options.behavior.connections.push_back(behavior);
  options.behavior.max_connections = 1 << 30;
  options.io_threads = io_threads;
  options.pki = shared->pki;
  const std::set<int> before = ThreadIds();
  auto server = FakeSmtpServer::Start(std::move(options));
  if (!server.ok()) {
    shared->error = server.status().ToString();
    return shared;
  }
  for (int tid : ThreadIds()) {
    if (before.count(tid) == 0) shared->server_threads.push_back(tid);
  }
  shared->server = std::move(*server);
  gauntlet::tls::TlsContextConfig config;
  config.role = gauntlet::tls::Role::kClient;
  config.versions = TlsVersions::kTls13Only;
  config.ca_pem = shared->pki->RootPem();
  auto ctx = TlsContext::Create(config);
  if (!ctx.ok()) {
    shared->error = ctx.status().ToString();
    return shared;
  }
  shared->client.emplace(std::move(*ctx));
  return shared;
}

void BM_StarttlsTls13Session(benchmark::State& state) {
  const KeyType key = state.range(0) == 0 ? KeyType::kEcdsaP256
                                          : KeyType::kRsa2048;
  const int io_threads = static_cast<int>(state.range(1));
  std::unique_ptr<Shared> owned;
  if (state.thread_index() == 0) {
    owned = SetUp(key, io_threads);
    g_shared = owned.get();
  }
  const double server_cpu_before =
      state.thread_index() == 0 ? TotalCpuNs(g_shared->server_threads) : 0;
  for (auto _ : state) {
    if (!g_shared->error.empty()) {
      state.SkipWithError(g_shared->error.c_str());
      break;
    }
    const absl::Status s = gauntlet::bench::StarttlsSession(
        g_shared->server->port(), *g_shared->client, std::chrono::seconds(10));
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() != 0) return;
  if (g_shared->server) {
    // Every session must have been recorded as a completed TLS 1.3
    // handshake; a benchmark that counted failures would flatter the server.
    g_shared->server->WaitForConnectionsClosed(std::chrono::seconds(10));
    const gauntlet::fake::Transcript t = g_shared->server->Snapshot();
    int completed = 0;
    for (const auto& c : t.connections) {
      if (c.tls.outcome == HandshakeOutcome::kCompleted &&
          c.tls.version == "TLSv1.3") {
        ++completed;
      }
    }
    const double server_cpu_ns =
        TotalCpuNs(g_shared->server_threads) - server_cpu_before;
    if (server_cpu_ns > 0 && !t.connections.empty()) {
      const double sessions = static_cast<double>(t.connections.size());
      state.counters["server_cpu_us_per_session"] =
          server_cpu_ns / 1e3 / sessions;
      state.counters["sessions_per_server_cpu_s"] =
          sessions / (server_cpu_ns / 1e9);
    }
    state.counters["recorded"] = static_cast<double>(t.connections.size());
    state.counters["not_tls13"] =
        static_cast<double>(t.connections.size()) - completed;
    g_shared->server->Stop();
  }
  g_shared = nullptr;
}

// Args: key (0 = ECDSA P-256, 1 = RSA-2048), server I/O threads.
BENCHMARK(BM_StarttlsTls13Session)
    ->ArgNames({"rsa", "io_threads"})
    ->Args({0, 1})
    ->Args({0, 2})
    ->Args({1, 1})
    ->Args({1, 2})
    ->Threads(1)
    ->Threads(2)
    ->Threads(4)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
