// `gauntlet client ...`: the reference SMTP client (client/), built into
// the gauntlet binary so the default `run` needs no other program.
#include <iostream>

#include "harness/cli/commands.h"
#include "harness/runner/run_outputs.h"

#ifdef GAUNTLET_HAVE_CLIENT
#include "client/client_main.h"
#endif

namespace gauntlet::cli {

int RunClientCommand(int argc, char** argv) {
#ifdef GAUNTLET_HAVE_CLIENT
  return gauntlet::client::ClientMain(argc, argv);
#else
  (void)argc;
  (void)argv;
  std::cerr << "gauntlet: this build has no reference client\n";
  return runner::kExitUsageOrHarness;
#endif
}

}  // namespace gauntlet::cli
