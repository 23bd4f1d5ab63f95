// The set of scenarios a run can choose from, loaded from directories.
//
// A catalogue directory holds one TOML file per scenario, in any depth of
// subfolders; a scenario's id is its path under the directory without
// ".toml" (scenarios/strip/capability-removed.toml is
// "strip/capability-removed"). Several directories can be combined (the
// built-in one plus a user's `--scenarios DIR`) as long as ids stay unique.
// Catalog::Filter selects scenarios by globs over ids and tags.

#ifndef GAUNTLET_HARNESS_SCENARIO_CATALOG_H_
#define GAUNTLET_HARNESS_SCENARIO_CATALOG_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/scenario/scenario.h"

namespace gauntlet::scenario {

// More files than this in the directories given is treated as a mistake
// (e.g. pointing --scenarios at /).
inline constexpr std::size_t kMaxCatalogFiles = 4096;
// Nor more scenarios than this once every sweep is expanded.
inline constexpr std::size_t kMaxCatalogScenarios = 4096;

class Catalog {
 public:
  Catalog() = default;
  // Takes scenarios with unique ids; keeps them sorted by id.
  explicit Catalog(std::vector<Scenario> scenarios);

  // All scenarios, sorted by id.
  const std::vector<Scenario>& scenarios() const { return scenarios_; }
  std::size_t size() const { return scenarios_.size(); }
  bool empty() const { return scenarios_.empty(); }

  // The scenario with this id, or nullptr.
  const Scenario* Find(std::string_view id) const;

  // Scenarios selected by `patterns`, in id order. A scenario is selected
  // when any pattern matches its id or one of its tags (GlobMatch: `*`, `?`),
  // e.g. "strip/*", "cert/*", "injection". A pattern starting with '!'
  // removes what it matches instead ("!tls/stall"). No patterns, or only
  // removals, start from the whole catalogue.
  std::vector<const Scenario*> Filter(
      const std::vector<std::string>& patterns) const;

  // The patterns (without their '!') that match no scenario at all, so a
  // caller can report a typo instead of silently running nothing.
  std::vector<std::string> UnmatchedPatterns(
      const std::vector<std::string>& patterns) const;

 private:
  bool Matches(const Scenario& scenario, std::string_view pattern) const;

  std::vector<Scenario> scenarios_;
};

// Loads every *.toml file under each directory (recursively; symbolic links
// to directories are not followed), a sweep file as its expanded scenarios.
// Every file is checked; the error lists every bad file (one
// `file:line:column: ...` per line) and every id defined twice. A directory
// that does not exist is an error.
absl::StatusOr<Catalog> LoadCatalog(const std::vector<std::string>& dirs);

// The directory of the scenarios shipped with Gauntlet:
//  1. $GAUNTLET_SCENARIOS_DIR when set and non-empty (an error if it is not
//     a directory: a wrong override must not silently fall back);
//  2. relative to the running binary (/proc/self/exe, links resolved):
//     <exe dir>/../share/gauntlet/scenarios (installed), <exe dir>/scenarios
//     and <exe dir>/../scenarios (an unpacked copy);
//  3. the source tree's scenarios/ (compiled in), only for a binary that
//     still lives in the build tree it was compiled in.
// Fails with NotFound naming every place it looked and how to fix it
// (GAUNTLET_SCENARIOS_DIR, --scenarios) when none of them is a directory.
absl::StatusOr<std::string> BuiltinScenariosDir();

}  // namespace gauntlet::scenario

#endif  // GAUNTLET_HARNESS_SCENARIO_CATALOG_H_
