// `gauntlet run`: runs a client through the scenarios and reports.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "harness/cli/cli_common.h"
#include "harness/cli/commands.h"
#include "harness/report/baseline.h"
#include "harness/report/console.h"
#include "harness/runner/client_command.h"
#include "harness/runner/client_profile.h"
#include "harness/runner/interrupt.h"
#include "harness/runner/process.h"
#include "harness/runner/run_outputs.h"
#include "harness/runner/scenario_runner.h"

namespace gauntlet::cli {
namespace {

constexpr char kReferenceClientName[] = "gauntlet-client";

#ifdef GAUNTLET_HAVE_CLIENT
constexpr bool kHaveReferenceClient = true;
#else
constexpr bool kHaveReferenceClient = false;
#endif

// "10s", "500ms", "1m30s" (absl::ParseDuration), or a bare number of
// seconds ("10", "2.5").
absl::StatusOr<std::chrono::milliseconds> ParseTimeout(const std::string& text) {
  absl::Duration d;
  if (!absl::ParseDuration(text, &d)) {
    double seconds = 0;
    std::size_t used = 0;
    try {
      seconds = std::stod(text, &used);
    } catch (...) {
      used = 0;
    }
    if (used == 0 || used != text.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--timeout ", text, ": expected a duration such as 10s or 500ms"));
    }
    d = absl::Seconds(seconds);
  }
  const int64_t ms = absl::ToInt64Milliseconds(d);
  if (ms < 100 || ms > 3'600'000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--timeout ", text, ": must be between 100ms and 1h"));
  }
  return std::chrono::milliseconds(ms);
}

// The reference client, run as `<this executable> client ...`. Its own
// per-step timeout is set below the run's client timeout, so that a stalled
// server makes it give up (and be judged) instead of being killed as hung.
absl::StatusOr<std::string> DefaultClientTemplate(
    std::chrono::milliseconds run_timeout) {
  absl::StatusOr<std::string> exe = SelfExePath();
  if (!exe.ok()) return exe.status();
  // Braces in the path would read as placeholders; quotes keep blanks.
  const std::string path = runner::ShellQuote(
      absl::StrReplaceAll(*exe, {{"{", "{{"}, {"}", "}}"}}));
  return absl::StrCat(
      path,
      " client --host {addr} --port {port} --server-name {host}"
      " --ca-file {ca_file} --from {from} --to {to} --user {user}"
      " --password {password} --message-file {message_file}"
      " --policy {policy} --timeout ",
      std::max<int64_t>(1, run_timeout.count() * 8 / 10000));
}

std::string ProgramName(const std::string& template_text) {
  absl::StatusOr<std::vector<runner::TemplateWord>> words =
      runner::SplitWords(template_text);
  if (!words.ok() || words->empty()) return "client";
  const std::string& first = words->front().text;
  const std::size_t slash = first.rfind('/');
  std::string name = slash == std::string::npos ? first : first.substr(slash + 1);
  return name.empty() ? "client" : name;
}

int Usage(absl::string_view message) {
  PrintError(message);
  return runner::kExitUsageOrHarness;
}

}  // namespace

CLI::App* AddRunCommand(CLI::App& app, RunCliOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "run", "Run an SMTP client through the scenarios and judge it from the "
             "wire");
  CLI::Option* client = cmd->add_option(
      "--client", o.client,
      "Client command template with {host} {addr} {port} {ca_file} {from} "
      "{to} {message_file} {user} {password} {policy} {scenario} (also "
      "exported as GAUNTLET_HOST, ...). Default: the reference client "
      "(`gauntlet client`)");
  CLI::Option* shell = cmd->add_flag(
      "--shell", o.shell, "Run the --client template with /bin/sh -c");
  CLI::Option* profile = cmd->add_option(
      "--client-profile", o.client_profile,
      "Client profile (TOML: name, command, shell, policy, timeout_ms, "
      "unsupported, env)");
  client->excludes(profile);
  profile->excludes(client);
  shell->needs(client);
  cmd->add_option("--policy", o.policy,
                  "Policy the client is judged under (default: the profile's, "
                  "else require-tls)")
      ->check(CLI::IsMember(
          {"require-tls", "require-tls-no-verify", "opportunistic"}));
  cmd->add_option("--timeout", o.timeout,
                  "Per-scenario client timeout, e.g. 10s or 500ms (default: "
                  "the profile's, else 10s; a scenario's own timeout wins)");
  cmd->add_option("-j,--jobs", o.jobs,
                  "Scenarios run in parallel (default: number of cores)")
      ->check(CLI::Range(1, runner::kMaxJobs));
  cmd->add_option("--repeat", o.repeat, "Run every scenario N times")
      ->check(CLI::Range(1, runner::kMaxRepeat));
  cmd->add_option("--filter", o.filters,
                  "Glob on scenario ids and tags; '!glob' excludes "
                  "(repeatable)");
  cmd->add_option("--scenarios", o.scenario_dirs,
                  "A directory of your own scenarios, loaded with the "
                  "built-in ones (repeatable)");
  cmd->add_option("--server-name", o.server_name,
                  "Host name the client connects to and verifies ({host}; "
                  "default localhost); map it to 127.0.0.1 yourself");
  cmd->add_option("--report-dir", o.report_dir,
                  "Write report.json, junit.xml and transcripts of failures "
                  "here");
  cmd->add_option("--junit", o.junit_file, "Write a JUnit XML report");
  cmd->add_option("--json", o.json_file, "Write a JSON report");
  cmd->add_option("--baseline", o.baseline,
                  "Expected verdicts: exit 1 only on a difference from them");
  cmd->add_option("--write-baseline", o.write_baseline,
                  "Save this run's verdicts as a baseline file");
  cmd->add_flag("-v,--verbose", o.verbose,
                "Print transcripts of results that did not pass");
  cmd->add_flag("--no-color", o.no_color, "Never use colour");
  return cmd;
}

int RunRun(const RunCliOptions& o) {
  absl::StatusOr<scenario::Catalog> catalog =
      LoadCatalogWithUserDirs(o.scenario_dirs);
  if (!catalog.ok()) return Usage(catalog.status().message());
  absl::StatusOr<std::vector<const scenario::Scenario*>> selected =
      SelectScenarios(*catalog, o.filters);
  if (!selected.ok()) return Usage(selected.status().message());

  runner::RunnerOptions options;
  std::optional<runner::ClientProfile> profile;
  if (!o.client_profile.empty()) {
    absl::StatusOr<runner::ClientProfile> loaded =
        runner::LoadClientProfile(o.client_profile);
    if (!loaded.ok()) return Usage(loaded.status().message());
    profile = std::move(*loaded);
    options.command = profile->command;
    options.client_name = profile->name;
    options.extra_env = profile->env;
    options.unsupported = profile->unsupported;
    options.policy = profile->policy;
    if (profile->timeout.has_value()) options.timeout = *profile->timeout;
  } else if (!o.client.empty()) {
    options.command.template_text = o.client;
    options.command.shell = o.shell;
    options.client_name = ProgramName(o.client);
  } else {
    if (!kHaveReferenceClient) {
      return Usage(
          "no --client or --client-profile given, and this gauntlet was "
          "built without the reference client");
    }
    options.client_name = kReferenceClientName;
  }
  if (!o.policy.empty()) {
    std::optional<scenario::Policy> p = scenario::PolicyFromName(o.policy);
    if (!p.has_value()) return Usage("--policy " + o.policy + ": unknown");
    options.policy = *p;
  }
  if (!o.timeout.empty()) {
    absl::StatusOr<std::chrono::milliseconds> t = ParseTimeout(o.timeout);
    if (!t.ok()) return Usage(t.status().message());
    options.timeout = *t;
  }
  if (options.command.template_text.empty()) {
    absl::StatusOr<std::string> templ = DefaultClientTemplate(options.timeout);
    if (!templ.ok()) return Usage(templ.status().message());
    options.command.template_text = *templ;
  }
  options.jobs = o.jobs > 0 ? o.jobs
                            : std::clamp(static_cast<int>(
                                             std::thread::hardware_concurrency()),
                                         1, runner::kMaxJobs);
  options.repeat = o.repeat;
  options.server_name = o.server_name;
  options.gauntlet_version = GAUNTLET_VERSION;

  std::optional<report::Baseline> baseline;
  if (!o.baseline.empty()) {
    absl::StatusOr<report::Baseline> b = report::ReadBaselineFile(o.baseline);
    if (!b.ok()) return Usage(b.status().message());
    baseline = std::move(*b);
  }

  if (absl::Status s = runner::InstallInterruptHandlers(); !s.ok()) {
    return Usage(s.message());
  }
  options.cancel = &runner::InterruptFlag();
  absl::StatusOr<std::unique_ptr<runner::ScenarioRunner>> made =
      runner::ScenarioRunner::Create(std::move(options));
  if (!made.ok()) return Usage(made.status().message());
  const runner::ScenarioRunner& run = **made;

  const bool progress_terminal = isatty(STDERR_FILENO) == 1;
  runner::ProgressCallback progress;
  if (progress_terminal) {
    progress = [](int done, int total, const report::ScenarioResult& r) {
      std::cerr << report::FormatProgress(done, total, r.scenario_id, true)
                << std::flush;
    };
  }
  report::RunReport result = run.Run(*selected, progress);
  if (progress_terminal) std::cerr << report::ClearProgress(true) << std::flush;
  if (result.interrupted) {
    // The handler killed every client group already; make sure of it.
    runner::KillAllChildren();
  }
  if (baseline.has_value()) report::ApplyBaseline(result, *baseline);

  report::ConsoleOptions console;
  console.color = StdoutColor(o.no_color);
  console.verbose = o.verbose;
  std::cout << report::FormatConsoleReport(result, console) << std::flush;

  runner::OutputOptions outputs;
  outputs.report_dir = o.report_dir;
  outputs.json_file = o.json_file;
  outputs.junit_file = o.junit_file;
  outputs.write_baseline = o.write_baseline;
  const absl::Status written = runner::WriteRunOutputs(result, outputs);
  if (!o.write_baseline.empty() && result.interrupted) {
    PrintError("the run was interrupted: baseline " + o.write_baseline +
               " not written");
  }
  if (!written.ok()) {
    PrintError(written.message());
    return result.interrupted ? runner::InterruptExitCode()
                              : runner::kExitUsageOrHarness;
  }
  return runner::RunExitCode(result, baseline.has_value());
}

}  // namespace gauntlet::cli
