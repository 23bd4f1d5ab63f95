// `gauntlet show ID`: everything about one scenario (or JSON).
#include <iostream>
#include <string>

#include "absl/strings/str_join.h"
#include "harness/cli/behavior_text.h"
#include "harness/cli/cli_common.h"
#include "harness/cli/commands.h"
#include "harness/cli/scenario_facts.h"
#include "harness/report/console.h"
#include "harness/runner/run_outputs.h"
#include "harness/scenario/scenario.h"

namespace gauntlet::cli {

CLI::App* AddShowCommand(CLI::App& app, ShowOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "show",
      "Describe one scenario: the attack, references, the server's "
      "behaviour and what each policy must do");
  cmd->add_option("id", o.id, "Scenario id, e.g. strip/capability-removed")
      ->required();
  cmd->add_option("--scenarios", o.scenario_dirs,
                  "A directory of your own scenarios (repeatable)");
  cmd->add_flag("--json", o.json,
                "Print the same facts as JSON (id, title, description, tags, "
                "severity, kind, references, timeout_ms, timeout_reason, "
                "probe, no_auth_reason, sweep, expectations, "
                "server_behaviour, source)");
  cmd->add_flag("--no-color", o.no_color, "Never use colour");
  cmd->footer(
      "Exit status: 0 shown, 2 usage error, no such scenario, or a catalog "
      "that does not load.");
  return cmd;
}

int RunShow(const ShowOptions& o) {
  const absl::StatusOr<scenario::Scenario> s =
      LoadScenario(o.scenario_dirs, o.id);
  if (!s.ok()) {
    PrintError(s.status().message());
    return runner::kExitUsageOrHarness;
  }
  const ScenarioSource source = SourceOf(*s, o.scenario_dirs);
  if (o.json) {
    std::cout << DumpJson(ScenarioJson(*s, source));
    return runner::kExitOk;
  }
  // Everything a scenario file says is escaped (Safe, SafeProse): a file
  // from anyone must not be able to drive the reader's terminal.
  const bool color = StdoutColor(o.no_color);
  std::string out;
  out += Bold(s->id, color) + " - " + Safe(s->title) + "\n";
  out += "Severity: " + std::string(scenario::SeverityName(s->severity)) +
         "   Kind: " + std::string(scenario::ScenarioKindName(s->kind)) +
         "   Tags: " + absl::StrJoin(s->tags, ", ") + "\n";
  if (s->timeout.has_value()) {
    out += "Client timeout: " + std::to_string(s->timeout->count()) + " ms\n";
  }
  if (!s->sweep_file_id.empty()) {
    out += "Sweep: " + Safe(s->sweep_file_id) + " with " +
           Safe(s->sweep_value) + "\n";
  }
  auto paragraph = [&out](const std::string& text) {
    const std::string safe = SafeProse(text);
    out += safe;
    if (!safe.empty() && safe.back() != '\n') out += "\n";
  };
  out += "\n";
  paragraph(s->description);
  if (!s->probe.empty()) {
    out += "\n" + Bold("Probe:", color) + "\n";
    paragraph(s->probe);
  }
  if (!s->timeout_reason.empty()) {
    out += "\n" + Bold("Client limit:", color) + " " +
           (s->timeout.has_value() ? std::to_string(s->timeout->count()) + " ms"
                                   : std::string("the run's --timeout")) +
           "\n";
    paragraph(s->timeout_reason);
  }
  if (!s->no_auth_reason.empty()) {
    out += "\n" + Bold("No AUTH in plaintext:", color) + " " +
           Safe(s->no_auth_reason) + "\n";
  }
  if (!s->references.empty()) {
    out += "\n" + Bold("References:", color) + "\n";
    for (const std::string& r : s->references) out += "  - " + Safe(r) + "\n";
  }
  out += "\n" + Bold("Server behaviour:", color) + "\n";
  out += SafeProse(DescribeBehavior(s->server, "  "));
  out += "\n" + Bold("Expectations:", color) + "\n";
  for (scenario::Policy p : scenario::AllPolicies()) {
    const scenario::Expectation e = s->ExpectationFor(p);
    std::string name(scenario::PolicyName(p));
    name.resize(22, ' ');
    out += "  " + name + " " + std::string(scenario::ExpectationName(e)) +
           ": " + report::ExpectationInWords(p, e) + "\n";
  }
  out += "\n" + Dim("Source: " + SourceLine(source), color) + "\n";
  std::cout << out;
  return runner::kExitOk;
}

}  // namespace gauntlet::cli
