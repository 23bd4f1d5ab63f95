// Helpers shared by the `gauntlet` subcommands: loading the catalogue with
// the user's directories, the path of this executable, colour decisions, and
// escaping whatever untrusted text (scenario files, file names, the user's
// own arguments) is printed: every subcommand prints through Safe/SafeProse
// or PrintError, which use common/text_escape.h.

#ifndef GAUNTLET_HARNESS_CLI_CLI_COMMON_H_
#define GAUNTLET_HARNESS_CLI_CLI_COMMON_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "harness/scenario/catalog.h"

namespace gauntlet::cli {

// The built-in catalogue plus `user_dirs` (--scenarios), loaded together.
// When the built-in catalogue cannot be found but `user_dirs` were given
// (and GAUNTLET_SCENARIOS_DIR is not set), only they are loaded, after a
// warning on stderr that says where the built-in one was looked for.
absl::StatusOr<scenario::Catalog> LoadCatalogWithUserDirs(
    const std::vector<std::string>& user_dirs);

// The scenario `id` of that catalogue (a copy); an error naming what went
// wrong when the catalogue does not load or has no such scenario.
absl::StatusOr<scenario::Scenario> LoadScenario(
    const std::vector<std::string>& user_dirs, const std::string& id);

// The scenarios `filters` select; an error (naming them) when a pattern
// matches nothing or nothing is selected.
absl::StatusOr<std::vector<const scenario::Scenario*>> SelectScenarios(
    const scenario::Catalog& catalog, const std::vector<std::string>& filters);

// The absolute path of the running executable (/proc/self/exe).
absl::StatusOr<std::string> SelfExePath();

// Colour on stdout: a terminal, NO_COLOR unset, and no --no-color.
bool StdoutColor(bool no_color);

// `text` with control characters, C1 controls and invalid UTF-8 escaped
// (\xNN), for one line of terminal output.
std::string Safe(std::string_view text);
// The same, keeping LF and TAB: for multi-line prose (descriptions).
std::string SafeProse(std::string_view text);

// Prints "gauntlet: <message>" to stderr, escaped as SafeProse does.
void PrintError(absl::string_view message);
// Prints "gauntlet: warning: <message>" to stderr, escaped likewise.
void PrintWarning(absl::string_view message);

// ANSI helpers (no-ops when `on` is false).
std::string Bold(std::string_view text, bool on);
std::string Dim(std::string_view text, bool on);

}  // namespace gauntlet::cli

#endif  // GAUNTLET_HARNESS_CLI_CLI_COMMON_H_
