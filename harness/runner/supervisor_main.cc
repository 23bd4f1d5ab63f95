// gauntlet-supervisor: the program RunProcess (process.h) starts between
// Gauntlet and each client under test. Its argv and descriptors are
// described in supervisor.h; it is not meant to be run by hand. It
// allocates nothing and needs no C++ runtime, so that it can be linked
// statically: it starts once per client run.

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "harness/runner/supervisor.h"

extern char** environ;

namespace {

using gauntlet::runner::supervisor::Event;
using gauntlet::runner::supervisor::kChildrenFromFile;
using gauntlet::runner::supervisor::kChildrenFromProcScan;
using gauntlet::runner::supervisor::kStatusFd;
using gauntlet::runner::supervisor::Plan;
using gauntlet::runner::supervisor::Record;
using gauntlet::runner::supervisor::RunSupervisor;
using gauntlet::runner::supervisor::SetupStep;

[[noreturn]] void BadArguments() {
  Record r;
  r.event = Event::kSetupFailed;
  r.step = SetupStep::kArguments;
  r.error = EINVAL;
  [[maybe_unused]] const ssize_t n = write(kStatusFd, &r, sizeof r);
  _exit(127);
}

}  // namespace

int main(int argc, char** argv) {
  // RunProcess starts it so already; make sure of it before anything else.
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, nullptr);

  // gauntlet-supervisor MODE DIR N PATH_1 .. PATH_N ARGV_0 ARGV_1 ..
  if (argc < 6) BadArguments();
  Plan plan;
  if (std::strcmp(argv[1], kChildrenFromProcScan) == 0) {
    plan.scan_proc = true;
  } else if (std::strcmp(argv[1], kChildrenFromFile) != 0) {
    BadArguments();
  }
  plan.working_dir = argv[2][0] != '\0' ? argv[2] : nullptr;
  char* end = nullptr;
  const long paths = std::strtol(argv[3], &end, 10);
  if (end == argv[3] || *end != '\0' || paths < 1 || paths > argc - 5) {
    BadArguments();
  }
  plan.program_paths = argv + 4;
  plan.program_path_count = static_cast<int>(paths);
  plan.argv = argv + 4 + paths;
  plan.envp = environ;
  RunSupervisor(plan);
}
