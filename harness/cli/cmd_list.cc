// `gauntlet list`: the catalogue, one scenario per line.
#include <algorithm>
#include <iostream>
#include <string>

#include "absl/strings/str_join.h"
#include "harness/cli/cli_common.h"
#include "harness/cli/commands.h"
#include "harness/runner/run_outputs.h"
#include "harness/scenario/scenario.h"

namespace gauntlet::cli {

CLI::App* AddListCommand(CLI::App& app, ListOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "list", "List the scenarios (id, severity, title, tags)");
  cmd->add_option("--filter", o.filters,
                  "Glob on scenario ids and tags, e.g. 'strip/*', 'cert/*', "
                  "'injection'; '!glob' excludes (repeatable)");
  cmd->add_option("--scenarios", o.scenario_dirs,
                  "A directory of your own scenarios, loaded with the "
                  "built-in ones (repeatable)");
  cmd->add_flag("--no-color", o.no_color, "Never use colour");
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
  const bool color = StdoutColor(o.no_color);
  std::size_t id_width = 0;
  for (const scenario::Scenario* s : *selected) {
    id_width = std::max(id_width, s->id.size());
  }
  std::string out;
  for (const scenario::Scenario* s : *selected) {
    std::string id = s->id;
    id.resize(id_width, ' ');
    std::string severity(scenario::SeverityName(s->severity));
    severity.resize(8, ' ');
    out += Bold(id, color) + "  " + severity + "  " + s->title + "  " +
           Dim("[" + absl::StrJoin(s->tags, ", ") + "]", color) + "\n";
  }
  out += std::to_string(selected->size()) + " scenario" +
         (selected->size() == 1 ? "" : "s") + "\n";
  std::cout << out;
  return runner::kExitOk;
}

}  // namespace gauntlet::cli
