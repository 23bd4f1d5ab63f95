#include "harness/cli/cli_common.h"

#include <limits.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/spelling.h"
#include "common/status_macros.h"
#include "common/text_escape.h"
#include "harness/report/console.h"

namespace gauntlet::cli {

absl::StatusOr<scenario::Catalog> LoadCatalogWithUserDirs(
    const std::vector<std::string>& user_dirs) {
  std::vector<std::string> dirs;
  absl::StatusOr<std::string> builtin = scenario::BuiltinScenariosDir();
  if (builtin.ok()) {
    dirs.push_back(*builtin);
  } else {
    // Without the built-in catalog, the user's own scenarios can still be
    // run -- but never silently, and never when GAUNTLET_SCENARIOS_DIR says
    // where the catalog should be (a wrong override is an error).
    const char* env = std::getenv("GAUNTLET_SCENARIOS_DIR");
    const bool overridden = env != nullptr && env[0] != '\0';
    if (user_dirs.empty() || overridden ||
        builtin.status().code() != absl::StatusCode::kNotFound) {
      return builtin.status();
    }
    PrintWarning(absl::StrCat(builtin.status().message(),
                              "\nLoading only the --scenarios directories."));
  }
  dirs.insert(dirs.end(), user_dirs.begin(), user_dirs.end());
  return scenario::LoadCatalog(dirs);
}

absl::StatusOr<scenario::Scenario> LoadScenario(
    const std::vector<std::string>& user_dirs, const std::string& id) {
  GAUNTLET_ASSIGN_OR_RETURN(scenario::Catalog catalog,
                            LoadCatalogWithUserDirs(user_dirs));
  const scenario::Scenario* s = catalog.Find(id);
  if (s == nullptr) {
    std::vector<std::string_view> ids;
    ids.reserve(catalog.size());
    for (const scenario::Scenario& one : catalog.scenarios()) {
      ids.push_back(one.id);
    }
    const std::optional<std::string> nearest = text::ClosestName(id, ids);
    return absl::NotFoundError(absl::StrCat(
        "no scenario '", Safe(id), "'",
        nearest.has_value() ? absl::StrCat("; did you mean '", *nearest, "'?")
                            : std::string(),
        " (see `gauntlet list`)"));
  }
  return *s;
}

absl::StatusOr<std::vector<const scenario::Scenario*>> SelectScenarios(
    const scenario::Catalog& catalog, const std::vector<std::string>& filters) {
  const std::vector<std::string> unmatched =
      catalog.UnmatchedPatterns(filters);
  if (!unmatched.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--filter ", Safe(absl::StrJoin(unmatched, ", ")),
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

std::string Safe(std::string_view text) { return text::SanitizeText(text); }

std::string SafeProse(std::string_view text) {
  return text::SanitizeText(text, /*keep_newlines=*/true);
}

void PrintError(absl::string_view message) {
  std::cerr << "gauntlet: "
            << SafeProse(std::string_view(message.data(), message.size()))
            << "\n";
}

void PrintWarning(absl::string_view message) {
  std::cerr << "gauntlet: warning: "
            << SafeProse(std::string_view(message.data(), message.size()))
            << "\n";
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
