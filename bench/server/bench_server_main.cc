// gauntlet-bench-server: one FakeSmtpServer in a process of its own, for
// load and memory measurements driven from outside (bench/server_load.sh,
// bench/server_memory.sh) and for poking the server by hand with real
// clients.
//
// It starts the server, prints
//   port=<port>
//   pid=<pid>
//   ca=<path of the trusted root PEM>   (with --write-ca)
//   ready
// on stdout, then serves until stdin reaches EOF or SIGTERM/SIGINT arrives.
// Before it exits it prints one summary line built from the transcript:
//   summary connections=N closed=N with_greeting_reply=N ehlo=N messages=N
//           bad_lines=N tls_completed=N close.<kind>=N ...
// so a driver can check that every connection it made was served and
// recorded.

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "fake_servers/behavior.h"
#include "fake_servers/pki/cert_profile.h"
#include "fake_servers/pki/test_pki.h"
#include "fake_servers/server/server.h"
#include "fake_servers/transcript.h"
#include "harness/scenario/behavior_names.h"

namespace {

using gauntlet::fake::CloseKindName;
using gauntlet::fake::ConnectionBehavior;
using gauntlet::fake::SmtpEvent;
using gauntlet::fake::Transcript;
using gauntlet::fake::server::FakeSmtpServer;
using gauntlet::fake::server::ServerOptions;

struct Flags {
  std::string mode = "starttls";
  std::string tls_versions = "default";
  std::string key = "ecdsa-p256";
  std::string cert = "valid";
  int io_threads = 1;
  int max_connections = 1'000'000;
  int idle_timeout_ms = 120'000;
  bool write_ca = false;
};

// Blocks SIGTERM and SIGINT in this thread (and so in the server's I/O
// threads, which inherit the mask) and returns a signalfd for them.
int BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) return -1;
  return signalfd(-1, &set, SFD_CLOEXEC);
}

// Waits until stdin is closed or a termination signal arrives. Whatever is
// written to stdin is ignored.
void WaitForEnd(int sig_fd) {
  char buf[256];
  for (;;) {
    pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {sig_fd, POLLIN, 0}};
    const int r = poll(fds, 2, -1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return;
    if (fds[1].revents != 0) return;
    if (fds[0].revents != 0) {
      const ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
      if (n <= 0 && !(n < 0 && errno == EINTR)) return;
    }
  }
}

void PrintSummary(const Transcript& t) {
  int closed = 0, greeted = 0, ehlo = 0, messages = 0, bad = 0, tls = 0;
  std::map<std::string, int> closes;
  for (const auto& c : t.connections) {
    if (c.close != gauntlet::fake::CloseKind::kOpen) ++closed;
    ++closes[std::string(CloseKindName(c.close))];
    if (c.tls.outcome == gauntlet::fake::HandshakeOutcome::kCompleted) ++tls;
    bool saw_hello = false, saw_hello_reply = false;
    for (const SmtpEvent& e : c.events) {
      const bool hello = e.verb == "EHLO" || e.verb == "HELO";
      if (e.kind == SmtpEvent::Kind::kCommand && hello) saw_hello = true;
      if (e.kind == SmtpEvent::Kind::kReply && hello && e.reply_code == 250) {
        saw_hello_reply = true;
      }
      if (e.kind == SmtpEvent::Kind::kMessage) ++messages;
      if (e.kind == SmtpEvent::Kind::kBadLine) ++bad;
    }
    if (saw_hello) ++ehlo;
    if (saw_hello_reply) ++greeted;
  }
  std::printf(
      "summary connections=%zu closed=%d ehlo=%d ehlo_answered=%d "
      "messages=%d bad_lines=%d tls_completed=%d",
      t.connections.size(), closed, ehlo, greeted, messages, bad, tls);
  for (const auto& [kind, n] : closes) std::printf(" close.%s=%d", kind.c_str(), n);
  std::printf("\n");
  std::fflush(stdout);
}

int Run(const Flags& flags) {
  ConnectionBehavior behavior;
  if (flags.mode == "plain") {
    // No STARTTLS advertised: plain SMTP, as load generators speak it.
    behavior.capabilities = {"PIPELINING", "SIZE 10485760", "8BITMIME",
                             "ENHANCEDSTATUSCODES"};
  } else if (flags.mode != "starttls") {
    std::fprintf(stderr, "--mode must be plain or starttls, got '%s'\n",
                 flags.mode.c_str());
    return 2;
  }
  auto versions = gauntlet::scenario::TlsVersionsFromName(flags.tls_versions);
  auto key = gauntlet::pki::KeyTypeFromName(flags.key);
  auto cert = gauntlet::pki::CertProfileFromName(flags.cert);
  if (!versions || !key || !cert) {
    std::fprintf(stderr, "unknown --tls-versions, --key or --cert value\n");
    return 2;
  }
  behavior.tls_versions = *versions;
  behavior.key_type = *key;
  behavior.cert = *cert;

  ServerOptions options;
  options.behavior.connections.push_back(behavior);
  options.behavior.max_connections = flags.max_connections;
  options.behavior.idle_timeout =
      std::chrono::milliseconds(flags.idle_timeout_ms);
  options.io_threads = flags.io_threads;

  const int sig_fd = BlockTerminationSignals();
  if (sig_fd < 0) {
    std::perror("signalfd");
    return 1;
  }
  auto server = FakeSmtpServer::Start(std::move(options));
  if (!server.ok()) {
    std::fprintf(stderr, "cannot start the server: %s\n",
                 server.status().ToString().c_str());
    return 1;
  }
  std::unique_ptr<gauntlet::pki::ClientFiles> files;
  if (flags.write_ca) {
    auto written = (*server)->pki()->WriteClientFiles();
    if (!written.ok()) {
      std::fprintf(stderr, "cannot write the CA file: %s\n",
                   written.status().ToString().c_str());
      return 1;
    }
    files = std::move(*written);
  }
  std::printf("port=%u\npid=%d\n", (*server)->port(),
              static_cast<int>(getpid()));
  if (files) std::printf("ca=%s\n", files->CaFile().c_str());
  std::printf("ready\n");
  std::fflush(stdout);

  WaitForEnd(sig_fd);
  // Connections that are still closing get a moment to be recorded as such.
  (*server)->WaitForConnectionsClosed(std::chrono::milliseconds(2000));
  PrintSummary((*server)->Snapshot());
  (*server)->Stop();
  close(sig_fd);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Runs one Gauntlet fake SMTP server until stdin closes."};
  Flags flags;
  app.add_option("--mode", flags.mode, "plain (no STARTTLS) or starttls");
  app.add_option("--tls-versions", flags.tls_versions,
                 "default, tls13-only, tls12-only, tls11-only");
  app.add_option("--key", flags.key, "ecdsa-p256 or rsa-2048");
  app.add_option("--cert", flags.cert, "certificate profile (valid, ...)");
  app.add_option("--io-threads", flags.io_threads, "I/O threads (1..16)");
  app.add_option("--max-connections", flags.max_connections,
                 "connections served before the rest are closed at once");
  app.add_option("--idle-timeout-ms", flags.idle_timeout_ms,
                 "closes a connection silent for this long");
  app.add_flag("--write-ca", flags.write_ca,
               "write the trusted root to a private temp dir and print it");
  CLI11_PARSE(app, argc, argv);
  return Run(flags);
}
