// Runs a verifier program (openssl, ...) for the PKI tests and collects what
// it printed.
//
// The child runs in its own process group with stdout and stderr merged
// into one pipe; it is killed (the whole group) when the time limit
// passes, and always reaped. Output beyond a size limit is dropped.

#ifndef GAUNTLET_TESTS_PKI_SUBPROCESS_H_
#define GAUNTLET_TESTS_PKI_SUBPROCESS_H_

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace gauntlet::pki::testing {

struct CommandResult {
  // The exit status, or -1 when the child was killed by a signal.
  int exit_code = -1;
  bool timed_out = false;
  // stdout and stderr, interleaved as written.
  std::string output;
};

absl::StatusOr<CommandResult> RunCommand(
    const std::vector<std::string>& argv,
    std::chrono::milliseconds timeout = std::chrono::seconds(20),
    std::size_t max_output = 1 << 20);

}  // namespace gauntlet::pki::testing

#endif  // GAUNTLET_TESTS_PKI_SUBPROCESS_H_
