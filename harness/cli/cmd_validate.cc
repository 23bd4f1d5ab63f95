// `gauntlet validate FILE...`: checks scenario files.
#include <iostream>
#include <string>

#include "harness/cli/cli_common.h"
#include "harness/cli/commands.h"
#include "harness/runner/run_outputs.h"
#include "harness/scenario/loader.h"

namespace gauntlet::cli {

CLI::App* AddValidateCommand(CLI::App& app, ValidateOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "validate",
      "Check scenario files: prints OK, or every error of the file as "
      "file:line:column: what is wrong (one per line)");
  cmd->add_option("files", o.files, "Scenario files (*.toml)")->required();
  cmd->footer(
      "A file's id must match its path (strip/x.toml holds id \"strip/x\"), "
      "whatever directory validate runs in. Only regular files are read: a "
      "FIFO or device is refused at once.\nExit status: 0 every file is "
      "valid, 2 a file is invalid or cannot be read (or usage error).");
  return cmd;
}

int RunValidate(const ValidateOptions& o) {
  int bad = 0;
  for (const std::string& file : o.files) {
    absl::StatusOr<scenario::Scenario> s = scenario::LoadScenarioFile(file);
    if (s.ok()) {
      std::cout << Safe(file) << ": OK (" << s->id << ")\n";
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
