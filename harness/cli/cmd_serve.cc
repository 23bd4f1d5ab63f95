// `gauntlet serve ID`: one scenario's fake server, for poking at by hand.
#include <iostream>
#include <memory>
#include <string>

#include "fake_servers/pki/test_pki.h"
#include "fake_servers/server/server.h"
#include "harness/cli/behavior_text.h"
#include "harness/cli/cli_common.h"
#include "harness/cli/commands.h"
#include "harness/report/transcript_text.h"
#include "harness/runner/interrupt.h"
#include "harness/runner/run_outputs.h"
#include "harness/runner/scenario_runner.h"

namespace gauntlet::cli {
namespace {

// The transcript printed at the end is a summary: this many chunks per
// connection at most.
constexpr std::size_t kSummaryChunks = 40;
// --max-connections bound: the server keeps every connection's transcript
// until Ctrl-C.
constexpr int kMaxServeConnections = 1000;

}  // namespace

CLI::App* AddServeCommand(CLI::App& app, ServeOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Start one scenario's fake server on 127.0.0.1 and print its port and "
      "CA file; Ctrl-C stops it and prints what happened");
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
  return cmd;
}

int RunServe(const ServeOptions& o) {
  const absl::StatusOr<scenario::Scenario> s =
      LoadScenario(o.scenario_dirs, o.id);
  if (!s.ok()) {
    PrintError(s.status().message());
    return runner::kExitUsageOrHarness;
  }
  if (absl::Status st = runner::InstallInterruptHandlers(); !st.ok()) {
    PrintError(st.message());
    return runner::kExitUsageOrHarness;
  }
  pki::TestPki::Options pki_options;
  if (o.server_name != "localhost" && o.server_name != "127.0.0.1") {
    pki_options.extra_dns_names.push_back(o.server_name);
  }
  absl::StatusOr<std::unique_ptr<pki::TestPki>> made =
      pki::TestPki::Create(pki_options);
  if (!made.ok()) {
    PrintError("test PKI: " + std::string(made.status().message()));
    return runner::kExitUsageOrHarness;
  }
  std::shared_ptr<const pki::TestPki> pki(std::move(*made));
  absl::StatusOr<std::unique_ptr<pki::ClientFiles>> files =
      pki->WriteClientFiles();
  if (!files.ok()) {
    PrintError(files.status().message());
    return runner::kExitUsageOrHarness;
  }
  fake::server::ServerOptions server_options;
  server_options.behavior = s->server;
  if (o.max_connections > 0) {
    server_options.behavior.max_connections = o.max_connections;
  }
  const int connection_limit = server_options.behavior.max_connections;
  server_options.bind_address = runner::kLoopbackAddress;
  server_options.port = static_cast<std::uint16_t>(o.port);
  server_options.pki = pki;
  absl::StatusOr<std::unique_ptr<fake::server::FakeSmtpServer>> server =
      fake::server::FakeSmtpServer::Start(std::move(server_options));
  if (!server.ok()) {
    PrintError("the fake server did not start: " +
               std::string(server.status().message()));
    return runner::kExitUsageOrHarness;
  }
  const std::string port = std::to_string((*server)->port());
  const std::string ca = (*files)->CaFile();
  std::cout << "Scenario: " << s->id << " - " << s->title << "\n"
            << "Server behaviour:\n"
            << DescribeBehavior(s->server, "  ") << "host: " << o.server_name
            << "\naddress: " << runner::kLoopbackAddress << "\nport: " << port
            << "\nca_file: " << ca << "\n"
            << "connections: at most "
            << connection_limit << " served; later ones are accepted "
               "and closed at once (--max-connections)\n"
            << "Try: curl -v --ssl-reqd --cacert " << ca << " --resolve "
            << o.server_name << ":" << port << ":" << runner::kLoopbackAddress
            << " --mail-from a@client.gauntlet.test --mail-rcpt "
               "b@mx.gauntlet.test -T message.eml smtp://"
            << o.server_name << ":" << port << "\n"
            << "Press Ctrl-C to stop.\n";
  std::cout.flush();

  while (!runner::WaitForInterrupt(std::chrono::seconds(60))) {
  }
  const fake::Transcript transcript = (*server)->Snapshot();
  (*server)->Stop();
  report::TranscriptTextOptions text;
  text.indent = "  ";
  text.max_chunks = kSummaryChunks;
  std::cout << "\nStopped. " << transcript.connections.size()
            << " connection(s):\n"
            << report::FormatTranscript(transcript, text);
  std::cout.flush();
  return runner::kExitOk;
}

}  // namespace gauntlet::cli
