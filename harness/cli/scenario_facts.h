// What `gauntlet list` and `gauntlet show` say about a scenario: where it
// comes from (relative to its catalogue, not a build-tree path), and the
// same facts as JSON for `--json`.
//
// JSON output is built with nlohmann-json and dumped as ASCII (every
// non-ASCII character as \uXXXX, bytes that are not UTF-8 as U+FFFD), so it
// is safe in a terminal and parses anywhere, whatever a scenario file holds.

#ifndef GAUNTLET_HARNESS_CLI_SCENARIO_FACTS_H_
#define GAUNTLET_HARNESS_CLI_SCENARIO_FACTS_H_

#include <string>
#include <vector>

#include "harness/scenario/scenario.h"
#include "nlohmann/json.hpp"

namespace gauntlet::cli {

struct ScenarioSource {
  // "strip/capability-removed.toml": the file under its catalogue
  // directory (the whole path for a file loaded on its own).
  std::string relative_path;
  // The catalogue directory, as given (empty for a file on its own).
  std::string catalog_dir;
  // From a --scenarios directory rather than the built-in catalogue.
  bool user_dir = false;
};

// Where `s` was loaded from; `user_dirs` are the --scenarios directories.
ScenarioSource SourceOf(const scenario::Scenario& s,
                        const std::vector<std::string>& user_dirs);

// "strip/x.toml in the built-in catalog (/usr/share/gauntlet/scenarios)" or
// "local/y.toml in --scenarios ./mine", escaped for the terminal.
std::string SourceLine(const ScenarioSource& source);

// Every fact `show` prints: id, title, description, tags, severity, kind,
// references, timeout_ms (null: the run's) and timeout_reason, probe,
// no_auth_reason (empty strings when the file has none), sweep (null, or
// the sweep file's id and this scenario's value), expectations per policy
// (name and meaning), the server behaviour in words, and the source.
nlohmann::json ScenarioJson(const scenario::Scenario& s,
                            const ScenarioSource& source);

// Pretty-printed, ASCII-only JSON text ending in a newline.
std::string DumpJson(const nlohmann::json& json);

}  // namespace gauntlet::cli

#endif  // GAUNTLET_HARNESS_CLI_SCENARIO_FACTS_H_
