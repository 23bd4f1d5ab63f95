// `gauntlet validate FILE...`: checks scenario files.
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "harness/cli/cli_common.h"
#include "harness/cli/commands.h"
#include "harness/runner/run_outputs.h"
#include "harness/scenario/lint.h"
#include "harness/scenario/loader.h"

namespace gauntlet::cli {

CLI::App* AddValidateCommand(CLI::App& app, ValidateOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "validate",
      "Check scenario files: prints OK (with every id a sweep file expands "
      "to) and any warning, or every error of the file as "
      "file:line:column: what is wrong (one per line)");
  cmd->add_option("files", o.files, "Scenario files (*.toml)")->required();
  cmd->footer(
      "A file's id must match its path (strip/x.toml holds id \"strip/x\"), "
      "whatever directory validate runs in. Only regular files are read: a "
      "FIFO or device is refused at once. A warning (\"file: warning: id: "
      "...\") names what a valid file fails to provoke, e.g. an attack whose "
      "plaintext EHLO offers no AUTH without a no_auth_reason.\nExit "
      "status: 0 every file is valid (warnings or not), 2 a file is invalid "
      "or cannot be read (or usage error).");
  return cmd;
}

int RunValidate(const ValidateOptions& o) {
  int bad = 0;
  for (const std::string& file : o.files) {
    absl::StatusOr<std::vector<scenario::Scenario>> s =
        scenario::LoadScenarios(file);
    if (s.ok()) {
      std::vector<std::string> ids;
      for (const scenario::Scenario& one : *s) ids.push_back(one.id);
      std::cout << Safe(file) << ": OK (" << Safe(absl::StrJoin(ids, ", "))
                << ")\n";
      // Warnings do not make a file invalid: the exit status stays 0.
      for (const scenario::Scenario& one : *s) {
        for (const std::string& w : scenario::ScenarioWarnings(one)) {
          std::cout << SafeProse(w) << "\n";
        }
      }
    } else {
      ++bad;
      // The loader's messages already start with file:line:col, one error
      // per line, and are escaped; SafeProse keeps it so whatever the path.
      std::cout << SafeProse(std::string_view(s.status().message().data(),
                                              s.status().message().size()))
                << "\n";
    }
  }
  std::cout.flush();
  if (bad > 0) {
    std::cerr << bad << " of " << o.files.size() << " file"
              << (o.files.size() == 1 ? "" : "s") << " invalid\n";
    return runner::kExitUsageOrHarness;
  }
  return runner::kExitOk;
}

}  // namespace gauntlet::cli
