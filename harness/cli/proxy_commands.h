// The `gauntlet proxy` and `gauntlet demo` subcommands (docs/proxy.md,
// docs/reference-client.md).
//
// Like the other subcommands (commands.h), Add<Name>Command registers the
// flags on the CLI11 app and Run<Name> does the work once parsing
// succeeded, returning the process exit status. The proxy itself lives in
// fake_servers/proxy (gauntlet_proxy), its transcript file and the demo's
// real mail server in harness/proxy (gauntlet_proxy_harness); the demo
// stages a real mail server, the proxy and real clients, and narrates what
// happens.

#ifndef GAUNTLET_HARNESS_CLI_PROXY_COMMANDS_H_
#define GAUNTLET_HARNESS_CLI_PROXY_COMMANDS_H_

#include <ostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"

namespace gauntlet::cli {

struct ProxyOptions {
  std::string listen = "127.0.0.1:2525";
  std::string upstream;
  std::string attack;
  std::string upstream_name;
  std::string upstream_ca;
  bool upstream_no_verify = false;
  bool no_upstream_tls = false;
  std::string refuse_code;
  std::string refuse_reply;
  std::string inject;
  bool inject_given = false;
  bool trusted_ca = false;
  int max_sessions = 0;
  int max_concurrent = 4;
  double timeout_s = 30;
  std::string transcript;
  // The policy each session's client is judged under (its verdict is
  // printed at the end and kept in the --transcript file).
  std::string policy = "require-tls";
  bool allow_non_loopback = false;
  bool no_color = false;
};
CLI::App* AddProxyCommand(CLI::App& app, ProxyOptions& options);
int RunProxy(const ProxyOptions& options);

struct DemoOptions {
  // "downgrade", or empty with --flaw.
  std::string story;
  // `gauntlet demo --flaw NAME`: the reference client secure vs flawed.
  std::string flaw;
  std::vector<std::string> scenarios;  // Id globs or tags; empty: all.
  double timeout_s = 20;  // Per client run.
  int jobs = 0;           // 0: the number of cores.
  bool no_color = false;
  // How to run the reference client; empty: the gauntlet-client program
  // (harness/runner/companion.h).
  std::vector<std::string> reference_client;
};
CLI::App* AddDemoCommand(CLI::App& app, DemoOptions& options);
int RunDemo(const DemoOptions& options);

// What `gauntlet demo downgrade` established about one client.
struct DemoClientOutcome {
  std::string label;     // "curl --ssl (opportunistic)".
  bool secure = false;   // Expected to resist the attack.
  bool ran = false;      // False when the program is missing.
  int exit_code = -1;
  std::string status;       // "exit 0 after 0.21 s".
  std::string stderr_line;  // The client's last stderr line, if any.
  bool attacker_saw_credentials = false;
  bool attacker_saw_message = false;
  std::string attacker_saw;  // One line.
  int server_messages = 0;   // Messages the real server received.
  bool server_tls = false;   // ...all over TLS.
};
struct DowngradeDemoResult {
  std::vector<DemoClientOutcome> clients;
};
// Runs the whole downgrade story, narrating to `out`. Errors: the stage
// could not be set (aiosmtpd missing, no free port, ...) or Ctrl-C.
absl::StatusOr<DowngradeDemoResult> RunDowngradeDemo(const DemoOptions& options,
                                                     std::ostream& out);

}  // namespace gauntlet::cli

#endif  // GAUNTLET_HARNESS_CLI_PROXY_COMMANDS_H_
