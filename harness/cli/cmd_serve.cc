// `gauntlet serve ID`: one scenario's fake server, for poking at by hand.
// The conversation is streamed as it happens (serve_live.h); Ctrl-C stops
// the server and prints the verdict on what the client did.
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fake_servers/pki/test_pki.h"
#include "fake_servers/server/server.h"
#include "harness/cli/behavior_text.h"
#include "harness/cli/cli_common.h"
#include "harness/cli/commands.h"
#include "harness/cli/preflight.h"
#include "harness/cli/serve_live.h"
#include "harness/report/console.h"
#include "harness/report/file_io.h"
#include "harness/runner/client_command.h"
#include "harness/runner/interrupt.h"
#include "harness/runner/run_outputs.h"
#include "harness/runner/scenario_runner.h"
#include "harness/runner/test_message.h"

namespace gauntlet::cli {
namespace {

// --max-connections bound: the server keeps every connection's transcript
// until Ctrl-C.
constexpr int kMaxServeConnections = 1000;
// curl gives up after this long, so that a stalling scenario does not hang
// the hint's curl forever.
constexpr int kCurlMaxTimeSeconds = 30;
// The name curl gives in EHLO: the path of an smtp:// URL (without one,
// curl uses odd things such as the upload file's name).
constexpr char kClientHostName[] = "client.gauntlet.test";

// `word` as one shell word: as it is when it holds nothing a shell would
// read specially, else single-quoted.
std::string ShellWord(const std::string& word) {
  bool plain = !word.empty();
  for (char c : word) {
    plain = plain && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (c >= '0' && c <= '9') || c == '/' || c == '.' ||
                      c == '_' || c == '-' || c == ':' || c == '@' ||
                      c == '+' || c == '=' || c == ',');
  }
  return plain ? word : runner::ShellQuote(word);
}

// The curl command that delivers the test message to this server as a
// client that requires TLS and verifies the certificate would: every flag
// curl needs, every file written by serve, nothing left for the user to
// fill in.
std::string CurlHint(const std::string& host, const std::string& port,
                     const std::string& ca_file,
                     const std::string& message_file) {
  const runner::TestIdentity id;
  return absl::StrCat("curl -v --ssl-reqd --max-time ", kCurlMaxTimeSeconds,
                      " --cacert ", ShellWord(ca_file), " --resolve ", host,
                      ":", port, ":", runner::kLoopbackAddress, " --mail-from ",
                      id.from, " --mail-rcpt ", id.to, " --user ", id.user, ":",
                      id.password, " --upload-file ", ShellWord(message_file),
                      " smtp://", host, ":", port, "/", kClientHostName);
}

std::vector<std::string> PolicyNames() {
  std::vector<std::string> names;
  for (scenario::Policy p : scenario::AllPolicies()) {
    names.emplace_back(scenario::PolicyName(p));
  }
  return names;
}

}  // namespace

CLI::App* AddServeCommand(CLI::App& app, ServeOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Start one scenario's fake server on 127.0.0.1, print its port and CA "
      "file, and stream the conversation as it happens; Ctrl-C stops it and "
      "prints the verdict on what the client did");
  cmd->add_option("id", o.id, "Scenario id")->required();
  cmd->add_option("--port", o.port, "Port to listen on (default: any free)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--server-name", o.server_name,
                  "Host name the certificates name besides localhost");
  cmd->add_option("--scenarios", o.scenario_dirs,
                  "A directory of your own scenarios (repeatable)");
  cmd->add_option("--max-connections", o.max_connections,
                  "Connections served before new ones are closed at once "
                  "(default: the scenario's limit, which bounds a client "
                  "retrying in a loop)")
      ->check(CLI::Range(1, kMaxServeConnections));
  cmd->add_option("--policy", o.policy,
                  "Policy the client is judged under when serve stops")
      ->capture_default_str()
      ->check(CLI::IsMember(PolicyNames()));
  cmd->add_flag("--raw", o.raw,
                "Also stream the TLS records (handshake, ciphertext) in hex");
  cmd->footer(
      "The verdict is judged from the wire alone, as `run` judges it, with "
      "the client marked as not run by Gauntlet (its exit status is "
      "unknown).\nExit status: 0 stopped with Ctrl-C (whatever the verdict: "
      "it is printed, not returned), 2 usage or harness error (unknown "
      "scenario, port in use, ...).");
  return cmd;
}

int RunServe(const ServeOptions& o) {
  const auto fail = [](absl::string_view message) {
    PrintError(message);
    return runner::kExitUsageOrHarness;
  };
  if (absl::Status st = CheckServerName(o.server_name, "--server-name");
      !st.ok()) {
    return fail(st.message());
  }
  const std::optional<scenario::Policy> policy =
      scenario::PolicyFromName(o.policy);
  if (!policy.has_value()) return fail("--policy " + o.policy + ": unknown");
  const absl::StatusOr<scenario::Scenario> s =
      LoadScenario(o.scenario_dirs, o.id);
  if (!s.ok()) return fail(s.status().message());
  if (absl::Status st = runner::InstallInterruptHandlers(); !st.ok()) {
    return fail(st.message());
  }
  pki::TestPki::Options pki_options;
  if (o.server_name != "localhost" && o.server_name != "127.0.0.1" &&
      o.server_name != "::1") {
    pki_options.extra_dns_names.push_back(o.server_name);
  }
  absl::StatusOr<std::unique_ptr<pki::TestPki>> made =
      pki::TestPki::Create(pki_options);
  if (!made.ok())
    return fail("test PKI: " + std::string(made.status().message()));
  std::shared_ptr<const pki::TestPki> pki(std::move(*made));
  absl::StatusOr<std::unique_ptr<pki::ClientFiles>> files =
      pki->WriteClientFiles();
  if (!files.ok()) return fail(files.status().message());
  // The message the hint's curl sends, next to the CA file (the directory
  // is private and removed when serve ends).
  const std::string message_file = (*files)->dir() + "/message.eml";
  if (absl::Status st = report::WriteFileAtomically(
          message_file,
          runner::FormatTestMessage(runner::TestIdentity(), absl::Now()));
      !st.ok()) {
    return fail(st.message());
  }

  // Declared before the server, so that the server (whose threads call the
  // feed's observer) is destroyed first.
  LiveFeed feed(std::cout, o.raw);
  fake::server::ServerOptions server_options;
  server_options.behavior = s->server;
  if (o.max_connections > 0) {
    server_options.behavior.max_connections = o.max_connections;
  }
  const int connection_limit = server_options.behavior.max_connections;
  server_options.bind_address = runner::kLoopbackAddress;
  server_options.port = static_cast<std::uint16_t>(o.port);
  server_options.pki = pki;
  server_options.observer = feed.Observer();
  absl::StatusOr<std::unique_ptr<fake::server::FakeSmtpServer>> server =
      fake::server::FakeSmtpServer::Start(std::move(server_options));
  if (!server.ok()) {
    return fail("the fake server did not start: " +
                std::string(server.status().message()));
  }
  const std::string port = std::to_string((*server)->port());
  const std::string ca = (*files)->CaFile();
  const scenario::Expectation expectation = s->ExpectationFor(*policy);
  std::cout << "Scenario: " << s->id << " - " << Safe(s->title) << "\n"
            << "Server behaviour:\n"
            << SafeProse(DescribeBehavior(s->server, "  "))
            << "host: " << o.server_name
            << "\naddress: " << runner::kLoopbackAddress << "\nport: " << port
            << "\nca_file: " << Safe(ca)
            << "\nmessage_file: " << Safe(message_file) << "\n"
            << "connections: at most " << connection_limit
            << " served; later ones are accepted and closed at once "
               "(--max-connections)\n"
            << "Verdict when stopped: under " << o.policy << " ("
            << scenario::ExpectationName(expectation)
            << "): " << report::ExpectationInWords(*policy, expectation) << "\n"
            << "Try: " << CurlHint(o.server_name, port, ca, message_file)
            << "\n"
            << "The conversation follows as it happens"
            << (o.raw ? "" : " (--raw adds the TLS records in hex)")
            << ". Press Ctrl-C to stop.\n";
  std::cout.flush();
  feed.Start();

  while (!runner::WaitForInterrupt(std::chrono::seconds(60))) {
  }
  (*server)->Stop();
  const fake::Transcript transcript = (*server)->Snapshot();
  feed.Finish();
  const report::ScenarioResult judged =
      JudgeServedClient(*s, *policy, transcript);
  report::ConsoleOptions console;
  console.color = StdoutColor(/*no_color=*/false);
  console.show_policy = true;
  std::cout << "\nStopped. " << transcript.connections.size()
            << " connection(s).\nVerdict (judged from the wire; Gauntlet did "
               "not run the client):\n"
            << report::FormatResult(judged, console);
  std::cout.flush();
  return runner::kExitOk;
}

}  // namespace gauntlet::cli
