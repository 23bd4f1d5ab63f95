// `gauntlet judge REPORT.json`: judges a saved report again, from its
// transcripts and client facts alone (harness/runner/rejudge.h), and prints
// and writes it as `gauntlet run` does, with the same exit statuses.
#include <unistd.h>

#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/cli/cli_common.h"
#include "harness/cli/commands.h"
#include "harness/report/console.h"
#include "harness/report/gate.h"
#include "harness/report/json_report.h"
#include "harness/runner/rejudge.h"
#include "harness/runner/run_outputs.h"

namespace gauntlet::cli {
namespace {

constexpr char kJudgeExitStatus[] =
    "Exit status: as `gauntlet run` (see run --help): 0 every result as "
    "expected, 1 an attack scenario at or above --fail-on failed or timed "
    "out, 2 usage error, an unreadable report or a harness error in it, 3 "
    "the client could not be judged.";

}  // namespace

CLI::App* AddJudgeCommand(CLI::App& app, JudgeOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "judge",
      "Judge a saved JSON report again (written by run --json or "
      "--report-dir, or by proxy --transcript) from its transcripts alone");
  cmd->add_option("report", o.report, "The gauntlet-report/1 JSON file")
      ->required();
  cmd->add_option("--policy", o.policy,
                  "Judge under this policy (default: the report's own, which "
                  "reproduces its verdicts)")
      ->check(CLI::IsMember(
          {"require-tls", "require-tls-no-verify", "opportunistic"}));
  cmd->add_option("--json", o.json_file, "Write the re-judged JSON report");
  cmd->add_option("--junit", o.junit_file, "Write a JUnit XML report");
  cmd->add_option("--fail-on", o.fail_on,
                  "Least severe failure that fails: info (default), low, "
                  "medium, high, critical")
      ->check(CLI::IsMember({"info", "low", "medium", "high", "critical"}));
  cmd->add_flag("-q,--failures-only", o.failures_only,
                "List only results that are not pass or skip");
  cmd->add_flag("-v,--verbose", o.verbose,
                "Print transcripts of results that did not pass");
  cmd->add_flag("--no-color", o.no_color, "Never use colour");
  cmd->footer(kJudgeExitStatus);
  return cmd;
}

int RunJudge(const JudgeOptions& o) {
  const std::optional<scenario::Severity> fail_on =
      scenario::SeverityFromName(o.fail_on);
  if (!fail_on.has_value()) {
    PrintError("--fail-on " + o.fail_on + ": unknown");
    return runner::kExitUsageOrHarness;
  }
  std::optional<scenario::Policy> policy;
  if (!o.policy.empty()) {
    policy = scenario::PolicyFromName(o.policy);
    if (!policy.has_value()) {
      PrintError("--policy " + o.policy + ": unknown");
      return runner::kExitUsageOrHarness;
    }
  }
  absl::StatusOr<report::RunReport> saved = report::ReadRunReportFile(o.report);
  if (!saved.ok()) {
    PrintError(saved.status().message());
    return runner::kExitUsageOrHarness;
  }
  absl::StatusOr<report::RunReport> judged =
      runner::Rejudge(*saved, policy, o.report);
  if (!judged.ok()) {
    PrintError(judged.status().message());
    return runner::kExitUsageOrHarness;
  }
  judged->fail_on = *fail_on;

  report::ConsoleOptions console;
  console.color = !o.no_color && report::ColorWanted(STDOUT_FILENO);
  console.verbose = o.verbose;
  console.fail_on = *fail_on;
  console.failures_only = o.failures_only;
  std::cout << report::FormatConsoleReport(*judged, console) << std::flush;

  runner::OutputOptions outputs;
  outputs.json_file = o.json_file;
  outputs.junit_file = o.junit_file;
  std::vector<std::string> written;
  const absl::Status wrote =
      runner::WriteRunOutputs(*judged, outputs, &written);
  if (!written.empty()) {
    std::cout << "Reports: " << absl::StrJoin(written, ", ") << "\n"
              << std::flush;
  }
  if (!wrote.ok()) {
    PrintError(wrote.message());
    return runner::kExitUsageOrHarness;
  }
  const report::GateDecision decision = report::DecideGate(*judged);
  const int status = runner::RunExitCode(*judged, {});
  std::cout << report::FormatExitLine(decision, status) << std::flush;
  return status;
}

}  // namespace gauntlet::cli
