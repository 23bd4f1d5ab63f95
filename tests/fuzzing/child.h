// Runs a program directly (no supervisor) for the fuzzing tests and watches
// it: its exit or signal, its stderr, and the CPU time it burns while
// still running, so that a busy loop can be told from a slow peer.

#ifndef GAUNTLET_TESTS_FUZZING_CHILD_H_
#define GAUNTLET_TESTS_FUZZING_CHILD_H_

#include <sys/types.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace gauntlet::fuzzing_test {

struct ChildEnd {
  bool exited = false;
  int exit_code = 0;
  bool signaled = false;
  int term_signal = 0;
  // Still running at the deadline (then killed).
  bool still_running = false;
  // User + system CPU time the child had used when it was last looked at.
  std::chrono::milliseconds cpu{0};
  std::string err;
};

// Runs `argv` with `env` added to this process's environment, stdin from
// /dev/null and stderr captured. Returns when it ends, when its CPU time
// passes `cpu_limit` (then it is killed and still_running is set: it was
// spinning), or at `deadline` (killed, still_running).
ChildEnd RunChild(
    const std::vector<std::string>& argv,
    const std::vector<std::pair<std::string, std::string>>& env,
    std::chrono::milliseconds deadline,
    std::chrono::milliseconds cpu_limit = std::chrono::milliseconds::max());

}  // namespace gauntlet::fuzzing_test

#endif  // GAUNTLET_TESTS_FUZZING_CHILD_H_
