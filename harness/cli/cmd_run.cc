// `gauntlet run`: runs a client through the scenarios and reports.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "harness/cli/cli_common.h"
#include "harness/cli/commands.h"
#include "harness/cli/preflight.h"
#include "harness/cli/run_progress.h"
#include "harness/report/baseline.h"
#include "harness/report/console.h"
#include "harness/report/gate.h"
#include "harness/runner/client_command.h"
#include "harness/runner/client_profile.h"
#include "harness/runner/companion.h"
#include "harness/runner/interrupt.h"
#include "harness/runner/process.h"
#include "harness/runner/run_outputs.h"
#include "harness/runner/scenario_runner.h"

namespace gauntlet::cli {
namespace {

constexpr char kReferenceClientName[] = "gauntlet-client";

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
          "--timeout ", Safe(text),
          ": expected a duration such as 10s or 500ms"));
    }
    d = absl::Seconds(seconds);
  }
  const int64_t ms = absl::ToInt64Milliseconds(d);
  if (ms < 100 || ms > 3'600'000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--timeout ", Safe(text), ": must be between 100ms and 1h"));
  }
  return std::chrono::milliseconds(ms);
}

// The reference client, the gauntlet-client program next to this one
// (harness/runner/companion.h). Its own per-step timeout is set below the
// run's client timeout, so that a stalled server makes it give up (and be
// judged) instead of being killed as hung.
absl::StatusOr<std::string> DefaultClientTemplate(
    std::chrono::milliseconds run_timeout) {
  const absl::StatusOr<std::string>& exe = runner::ReferenceClientProgram();
  if (!exe.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no --client or --client-profile given, and the reference client is "
        "missing: ",
        exe.status().message()));
  }
  // Braces in the path would read as placeholders; quotes keep blanks.
  const std::string path = runner::ShellQuote(
      absl::StrReplaceAll(*exe, {{"{", "{{"}, {"}", "}}"}}));
  return absl::StrCat(
      path,
      " --host {addr} --port {port} --server-name {host}"
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

constexpr char kRunExitStatus[] =
    "Exit status:\n"
    "  0    every selected scenario as expected (with --baseline: no "
    "difference from it; with --write-baseline: the file was written)\n"
    "  1    an attack scenario at or above --fail-on failed or timed out "
    "(with --baseline: a difference from it at or above --fail-on, a "
    "baseline entry that --filter selected but that did not run included)\n"
    "  2    usage error, or a harness error (a scenario marked '!': not the "
    "client's fault)\n"
    "  3    inconclusive: the client could not be judged (it failed a "
    "control scenario, no attack scenario passed or failed, every scenario "
    "was skipped, or only controls were selected and none passed)\n"
    "  129, 130, 143  interrupted by SIGHUP, SIGINT (Ctrl-C), SIGTERM; the "
    "reports of what finished are still written";

// What --baseline must know about the run's selection: the catalog's
// severities, and which ids --filter left out. An id the catalog does not
// know is left out when the filters, applied to the id alone, leave it
// out; without filters it should have run (the baseline is stale).
report::BaselineScope MakeBaselineScope(
    const scenario::Catalog& catalog,
    const std::vector<const scenario::Scenario*>& selected,
    const std::vector<std::string>& filters, const report::Baseline& baseline,
    const std::string& source) {
  report::BaselineScope scope;
  scope.source = source;
  std::set<std::string> chosen;
  for (const scenario::Scenario* s : selected) chosen.insert(s->id);
  for (const scenario::Scenario& s : catalog.scenarios()) {
    scope.severity[s.id] = s.severity;
    if (chosen.count(s.id) == 0) scope.excluded_by_filter.insert(s.id);
  }
  if (filters.empty()) return scope;
  for (const auto& entry : baseline.expected) {
    const std::string id(report::BaselineKeyId(entry.first));
    if (catalog.Find(id) != nullptr) continue;
    scenario::Scenario probe;
    probe.id = id;
    std::vector<scenario::Scenario> one;
    one.push_back(std::move(probe));
    if (scenario::Catalog(std::move(one)).Filter(filters).empty()) {
      scope.excluded_by_filter.insert(id);
    }
  }
  return scope;
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
  // Whether --client was given at all: `--client "$EMPTY"` must not fall
  // back to the reference client.
  cmd->callback([&o, client] { o.client_given = client->count() > 0; });
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
  cmd->add_option("--json", o.json_file,
                  "Write a JSON report; '-' writes it to stdout (the console "
                  "report then goes to stderr)");
  cmd->add_option("--baseline", o.baseline,
                  "Expected verdicts: exit 1 only on a difference from them "
                  "(a baseline entry that did not run is one, unless --filter "
                  "left it out)");
  cmd->add_option("--write-baseline", o.write_baseline,
                  "Save this run's verdicts as a baseline file (its failures "
                  "then do not fail this run)");
  cmd->add_option("--fail-on", o.fail_on,
                  "Least severe failure that fails the run: info (default: "
                  "every failure), low, medium, high, critical. Failures "
                  "below it are still listed and counted")
      ->check(CLI::IsMember({"info", "low", "medium", "high", "critical"}));
  cmd->add_flag("-q,--failures-only", o.failures_only,
                "List only results that are not pass or skip, or that "
                "differ from --baseline (the summary and the recap of "
                "failures are always printed)");
  cmd->add_flag("-v,--verbose", o.verbose,
                "Print transcripts of results that did not pass");
  cmd->add_flag("--no-color", o.no_color, "Never use colour");
  cmd->footer(kRunExitStatus);
  return cmd;
}

int RunRun(const RunCliOptions& o) {
  if (o.client_given && o.client.empty()) {
    return Usage(
        "--client is empty: pass a command, or leave --client out to use the "
        "reference client");
  }
  const std::optional<scenario::Severity> fail_on =
      scenario::SeverityFromName(o.fail_on);
  if (!fail_on.has_value())
    return Usage("--fail-on " + o.fail_on + ": unknown");
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
  } else if (o.client_given) {
    options.command.template_text = o.client;
    options.command.shell = o.shell;
    options.client_name = ProgramName(o.client);
  } else {
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
  if (absl::Status s = PreflightRun(o, options.command); !s.ok()) {
    return Usage(s.message());
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

  report::ConsoleOptions console;
  // The console report goes to stderr with `--json -`: colour follows it.
  console.color = !o.no_color &&
                  report::ColorWanted(&ConsoleStream(o) == &std::cerr
                                          ? STDERR_FILENO
                                          : STDOUT_FILENO);
  console.verbose = o.verbose;
  console.fail_on = *fail_on;
  console.failures_only = o.failures_only;

  // Results are printed as they finish; in a terminal a status line on
  // stderr says what is running.
  LiveProgress::Options live_options;
  live_options.status_line = report::TerminalCanRedraw(STDERR_FILENO);
  live_options.failures_only = o.failures_only;
  live_options.console = console;
  live_options.baseline = baseline.has_value() ? &*baseline : nullptr;
  LiveProgress live(live_options, ConsoleStream(o), std::cerr);
  report::RunReport result = run.Run(*selected, live.Callback());
  live.Stop();
  if (result.interrupted) {
    // The handler killed every client group already; make sure of it.
    runner::KillAllChildren();
  }
  result.fail_on = *fail_on;
  if (baseline.has_value()) {
    report::ApplyBaseline(result, *baseline,
                          MakeBaselineScope(*catalog, *selected, o.filters,
                                            *baseline, o.baseline));
  }

  std::ostream& out = ConsoleStream(o);
  out << "\n"
      << report::FormatSummaryLines(result, console)
      << report::FormatRecap(result, console) << std::flush;

  runner::OutputOptions outputs;
  outputs.report_dir = o.report_dir;
  outputs.json_file = JsonFileToWrite(o);
  outputs.junit_file = o.junit_file;
  outputs.write_baseline = o.write_baseline;
  std::vector<std::string> written;
  absl::Status wrote = runner::WriteRunOutputs(result, outputs, &written);
  wrote.Update(WriteJsonToStdoutIfAsked(o, result));
  if (!written.empty()) {
    out << "Reports: " << absl::StrJoin(written, ", ") << "\n" << std::flush;
  }
  if (!o.write_baseline.empty() && result.interrupted) {
    PrintError("the run was interrupted: baseline " + o.write_baseline +
               " not written");
  }
  if (!wrote.ok()) {
    PrintError(wrote.message());
    if (!result.interrupted) {
      out << "Exit status " << runner::kExitUsageOrHarness
          << " (harness error): a report could not be written (see the "
             "error above)\n"
          << std::flush;
    }
    return result.interrupted ? runner::InterruptExitCode()
                              : runner::kExitUsageOrHarness;
  }
  report::GateOptions gate;
  if (!o.write_baseline.empty() && !result.interrupted) {
    gate.baseline_written = o.write_baseline;
  }
  const int status = runner::RunExitCode(result, gate);
  if (!result.interrupted) {
    out << report::FormatExitLine(report::DecideGate(result, gate), status)
        << std::flush;
  }
  return status;
}

}  // namespace gauntlet::cli
