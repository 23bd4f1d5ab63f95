// gauntlet-bench-idle: holds many idle SMTP connections open against a
// server running in another process (gauntlet-bench-server) and measures
// what they cost it.
//
// It raises RLIMIT_NOFILE as far as needed (within the hard limit), warms
// the server up with a few sessions, reads the server's VmRSS from
// /proc/<pid>/status, then opens --count connections one after another,
// each reading the greeting and sending EHLO, and keeps all of them open.
// With all held it reads VmRSS again and counts the server's open file
// descriptors, then proves every connection is still served by sending
// NOOP on each and reading its 250. It prints key=value lines:
//   connections_held=1000 noop_ok=1000 rss_before_kib=... rss_held_kib=...
//   bytes_per_connection=... server_fds_held=...
// and exits non-zero if any connection failed.

#include <dirent.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "bench/server/bench_client.h"

namespace {

using gauntlet::bench::BenchConnection;
using gauntlet::bench::Deadline;

long ReadVmRssKib(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

int CountFds(int pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/fd";
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return -1;
  int n = 0;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n;
}

bool RaiseFdLimit(rlim_t wanted) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return false;
  if (lim.rlim_cur >= wanted) return true;
  if (lim.rlim_max < wanted) return false;
  lim.rlim_cur = wanted;
  return setrlimit(RLIMIT_NOFILE, &lim) == 0;
}

// Connects, reads the greeting, sends EHLO and reads its reply.
absl::StatusOr<BenchConnection> OpenIdle(std::uint16_t port, Deadline deadline) {
  auto conn = BenchConnection::Connect(port);
  if (!conn.ok()) return conn.status();
  std::string in;
  auto code = conn->ReadReply(in, deadline);
  if (!code.ok()) return code.status();
  if (*code != 220) return absl::InternalError("greeting was not 220");
  if (auto s = conn->SendAll("EHLO idle.example.test\r\n"); !s.ok()) return s;
  code = conn->ReadReply(in, deadline);
  if (!code.ok()) return code.status();
  if (*code != 250) return absl::InternalError("EHLO reply was not 250");
  return std::move(*conn);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Holds idle SMTP connections and measures the server's RSS."};
  int port = 0;
  int server_pid = 0;
  int count = 1000;
  int timeout_ms = 60'000;
  app.add_option("--port", port, "server port on 127.0.0.1")->required();
  app.add_option("--server-pid", server_pid, "server process id")->required();
  app.add_option("--count", count, "connections to hold (1..100000)");
  app.add_option("--timeout-ms", timeout_ms, "limit for the whole run");
  CLI11_PARSE(app, argc, argv);
  if (count < 1 || count > 100'000 || port < 1 || port > 65535) {
    std::fprintf(stderr, "--count must be 1..100000 and --port 1..65535\n");
    return 2;
  }
  if (!RaiseFdLimit(static_cast<rlim_t>(count) + 64)) {
    std::fprintf(stderr, "cannot raise RLIMIT_NOFILE to %d\n", count + 64);
    return 1;
  }
  const Deadline deadline = std::chrono::steady_clock::now() +
                            std::chrono::milliseconds(timeout_ms);
  const auto p = static_cast<std::uint16_t>(port);

  // Warm-up: first-use allocations (thread arenas, TLS contexts, caches)
  // belong to the server, not to the connections measured.
  for (int i = 0; i < 16; ++i) {
    auto conn = OpenIdle(p, deadline);
    if (!conn.ok()) {
      std::fprintf(stderr, "warm-up connection failed: %s\n",
                   conn.status().ToString().c_str());
      return 1;
    }
  }
  const long before = ReadVmRssKib(server_pid);
  const int fds_before = CountFds(server_pid);

  std::vector<BenchConnection> held;
  held.reserve(static_cast<std::size_t>(count));
  int failed = 0;
  for (int i = 0; i < count; ++i) {
    auto conn = OpenIdle(p, deadline);
    if (!conn.ok()) {
      if (failed++ == 0) {
        std::fprintf(stderr, "connection %d failed: %s\n", i,
                     conn.status().ToString().c_str());
      }
      continue;
    }
    held.push_back(std::move(*conn));
  }
  const long after = ReadVmRssKib(server_pid);
  const int fds_held = CountFds(server_pid);

  // Every held connection must still be served.
  int noop_ok = 0;
  for (BenchConnection& conn : held) {
    std::string in;
    if (!conn.SendAll("NOOP\r\n").ok()) continue;
    auto code = conn.ReadReply(in, deadline);
    if (code.ok() && *code == 250) ++noop_ok;
  }
  const long after_noop = ReadVmRssKib(server_pid);

  const long delta = (after_noop > after ? after_noop : after) - before;
  std::printf("connections_held=%zu\nconnections_failed=%d\nnoop_ok=%d\n",
              held.size(), failed, noop_ok);
  std::printf("rss_before_kib=%ld\nrss_held_kib=%ld\nrss_after_noop_kib=%ld\n",
              before, after, after_noop);
  std::printf("bytes_per_connection=%ld\n",
              held.empty() ? 0 : delta * 1024 / static_cast<long>(held.size()));
  std::printf("server_fds_before=%d\nserver_fds_held=%d\n", fds_before,
              fds_held);
  const bool ok = failed == 0 && noop_ok == count && before > 0 && after > 0;
  return ok ? 0 : 1;
}
