#include "harness/cli/cli_common.h"

#include <limits.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/common/status_macros.h"
#include "harness/report/console.h"

namespace gauntlet::cli {

absl::StatusOr<scenario::Catalog> LoadCatalogWithUserDirs(
    const std::vector<std::string>& user_dirs) {
  GAUNTLET_ASSIGN_OR_RETURN(std::string builtin,
                            scenario::BuiltinScenariosDir());
  std::vector<std::string> dirs = {builtin};
  dirs.insert(dirs.end(), user_dirs.begin(), user_dirs.end());
  return scenario::LoadCatalog(dirs);
}

absl::StatusOr<scenario::Scenario> LoadScenario(
    const std::vector<std::string>& user_dirs, const std::string& id) {
  GAUNTLET_ASSIGN_OR_RETURN(scenario::Catalog catalog,
                            LoadCatalogWithUserDirs(user_dirs));
  const scenario::Scenario* s = catalog.Find(id);
  if (s == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("no scenario '", id, "' (see `gauntlet list`)"));
  }
  return *s;
}

absl::StatusOr<std::vector<const scenario::Scenario*>> SelectScenarios(
    const scenario::Catalog& catalog, const std::vector<std::string>& filters) {
  const std::vector<std::string> unmatched =
      catalog.UnmatchedPatterns(filters);
  if (!unmatched.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--filter ", absl::StrJoin(unmatched, ", "),
        ": matches no scenario id or tag (see `gauntlet list`)"));
  }
  std::vector<const scenario::Scenario*> selected = catalog.Filter(filters);
  if (selected.empty()) {
    return absl::InvalidArgumentError("no scenario selected");
  }
  return selected;
}

absl::StatusOr<std::string> SelfExePath() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) {
    return absl::InternalError(absl::StrCat(
        "cannot read /proc/self/exe: ", std::strerror(errno)));
  }
  return std::string(buf, static_cast<std::size_t>(n));
}

bool StdoutColor(bool no_color) {
  return !no_color && report::ColorWanted(STDOUT_FILENO);
}

void PrintError(absl::string_view message) {
  std::cerr << "gauntlet: " << message << "\n";
}

std::string Bold(std::string_view text, bool on) {
  if (!on) return std::string(text);
  return absl::StrCat("\x1b[1m", std::string(text), "\x1b[0m");
}

std::string Dim(std::string_view text, bool on) {
  if (!on) return std::string(text);
  return absl::StrCat("\x1b[2m", std::string(text), "\x1b[0m");
}

}  // namespace gauntlet::cli
