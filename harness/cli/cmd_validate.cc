// `gauntlet validate FILE...`: checks scenario files.
#include <iostream>
#include <string>

#include "harness/cli/commands.h"
#include "harness/runner/run_outputs.h"
#include "harness/scenario/loader.h"

namespace gauntlet::cli {

CLI::App* AddValidateCommand(CLI::App& app, ValidateOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "validate",
      "Check scenario files: prints OK or file:line:column: what is wrong");
  cmd->add_option("files", o.files, "Scenario files (*.toml)")->required();
  return cmd;
}

int RunValidate(const ValidateOptions& o) {
  int bad = 0;
  for (const std::string& file : o.files) {
    absl::StatusOr<scenario::Scenario> s = scenario::LoadScenarioFile(file);
    if (s.ok()) {
      std::cout << file << ": OK (" << s->id << ")\n";
    } else {
      ++bad;
      // The loader's messages already start with file:line:col.
      std::cout << s.status().message() << "\n";
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
