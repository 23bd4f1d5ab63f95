// `gauntlet client ...`: the reference SMTP client. It is its own program,
// gauntlet-client (client/, docs/reference-client.md), built with gauntlet
// and found next to it (harness/runner/companion.h); this subcommand only
// replaces the gauntlet process with it, arguments untouched, so that
// `gauntlet client --help` and every exit code are the client's own.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "harness/cli/cli_common.h"
#include "harness/cli/commands.h"
#include "harness/runner/companion.h"
#include "harness/runner/run_outputs.h"

namespace gauntlet::cli {

int RunClientCommand(int argc, char** argv) {
  const absl::StatusOr<std::string>& program = runner::ReferenceClientProgram();
  if (!program.ok()) {
    PrintError(program.status().message());
    return runner::kExitUsageOrHarness;
  }
  // argv[0] ("client") becomes the program's own path.
  std::vector<char*> args;
  args.reserve(static_cast<std::size_t>(argc) + 1);
  args.push_back(const_cast<char*>(program->c_str()));
  for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);
  execv(program->c_str(), args.data());
  PrintError("cannot run " + *program + ": " + std::strerror(errno));
  return runner::kExitUsageOrHarness;
}

}  // namespace gauntlet::cli
