// `gauntlet list`: the catalogue, one scenario per line (or JSON).
#include <algorithm>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "harness/cli/cli_common.h"
#include "harness/cli/commands.h"
#include "harness/cli/scenario_facts.h"
#include "harness/runner/run_outputs.h"
#include "harness/scenario/scenario.h"

namespace gauntlet::cli {
namespace {

std::vector<std::string> SeverityNames() {
  std::vector<std::string> names;
  for (scenario::Severity s : scenario::AllSeverities()) {
    names.emplace_back(scenario::SeverityName(s));
  }
  return names;
}

}  // namespace

CLI::App* AddListCommand(CLI::App& app, ListOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "list", "List the scenarios (id, severity, title, tags)");
  cmd->add_option("--filter", o.filters,
                  "Glob on scenario ids and tags, e.g. 'strip/*', 'cert/*', "
                  "'injection'; '!glob' excludes (repeatable)");
  cmd->add_option("--severity", o.min_severity,
                  "Only scenarios of this severity or a more severe one "
                  "(critical > high > medium > low > info)")
      ->check(CLI::IsMember(SeverityNames()));
  cmd->add_option("--scenarios", o.scenario_dirs,
                  "A directory of your own scenarios, loaded with the "
                  "built-in ones (repeatable)");
  cmd->add_flag("--json", o.json,
                "Print JSON: {\"scenarios\": [...]} with every fact `show "
                "--json` gives");
  cmd->add_flag("--no-color", o.no_color, "Never use colour");
  cmd->footer(
      "Exit status: 0 listed (also when --severity leaves nothing), 2 usage "
      "error, a catalog that does not load, or a --filter that matches no "
      "scenario.");
  return cmd;
}

int RunList(const ListOptions& o) {
  absl::StatusOr<scenario::Catalog> catalog =
      LoadCatalogWithUserDirs(o.scenario_dirs);
  if (!catalog.ok()) {
    PrintError(catalog.status().message());
    return runner::kExitUsageOrHarness;
  }
  absl::StatusOr<std::vector<const scenario::Scenario*>> selected =
      SelectScenarios(*catalog, o.filters);
  if (!selected.ok()) {
    PrintError(selected.status().message());
    return runner::kExitUsageOrHarness;
  }
  if (!o.min_severity.empty()) {
    const std::optional<scenario::Severity> floor =
        scenario::SeverityFromName(o.min_severity);
    if (!floor.has_value()) {
      PrintError("--severity " + o.min_severity + ": unknown");
      return runner::kExitUsageOrHarness;
    }
    // Severity values run from kCritical (0) to kInfo: "at or above" is
    // "at most" in the enum's order.
    std::erase_if(*selected, [&](const scenario::Scenario* s) {
      return static_cast<int>(s->severity) > static_cast<int>(*floor);
    });
  }
  if (o.json) {
    nlohmann::json scenarios = nlohmann::json::array();
    for (const scenario::Scenario* s : *selected) {
      scenarios.push_back(ScenarioJson(*s, SourceOf(*s, o.scenario_dirs)));
    }
    std::cout << DumpJson({{"scenarios", std::move(scenarios)}});
    return runner::kExitOk;
  }
  const bool color = StdoutColor(o.no_color);
  std::size_t id_width = 0;
  for (const scenario::Scenario* s : *selected) {
    id_width = std::max(id_width, s->id.size());
  }
  std::string out;
  for (const scenario::Scenario* s : *selected) {
    // Ids and tags are checked by the loader ([a-z0-9._/-]); the title is
    // free text from a file that may be anyone's.
    std::string id = s->id;
    id.resize(id_width, ' ');
    std::string severity(scenario::SeverityName(s->severity));
    severity.resize(8, ' ');
    out += Bold(id, color) + "  " + severity + "  " + Safe(s->title) + "  " +
           Dim("[" + absl::StrJoin(s->tags, ", ") + "]", color) + "\n";
  }
  out += std::to_string(selected->size()) + " scenario" +
         (selected->size() == 1 ? "" : "s") + "\n";
  std::cout << out;
  return runner::kExitOk;
}

}  // namespace gauntlet::cli
