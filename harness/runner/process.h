// Runs one client under test as a child process and reports what it did.
//
// The client is untrusted and may misbehave in every way a program can: hang,
// print gigabytes, fork background helpers, ignore SIGTERM. RunProcess
// therefore:
//
//  * starts it (posix_spawn) in a process group of its own, with stdin from
//    /dev/null, default signal dispositions and an empty signal mask;
//  * captures stdout and stderr through pipes, keeping at most
//    RunOptions::output_cap bytes of each and counting (and dropping) the
//    rest, so the child never blocks on a full pipe;
//  * on timeout or cancellation sends SIGTERM to the whole group, then
//    SIGKILL after RunOptions::kill_grace;
//  * when the client exits, SIGKILLs whatever it left running in its group
//    (a background helper must not outlive the run), then reaps it;
//  * reports the exit status or signal and the wall-clock duration.
//
// Everything is driven by one poll() loop with a deadline: no sleeps, no
// SIGCHLD handler (a pidfd tells when the child exits, with a short poll tick
// as the fallback on kernels without pidfd_open).
//
// RunProcess is thread-safe: the runner runs several clients in parallel.
// Every live child group is recorded in a fixed-size, lock-free registry so
// that KillAllChildren() can kill them all from a signal handler.

#ifndef GAUNTLET_HARNESS_RUNNER_PROCESS_H_
#define GAUNTLET_HARNESS_RUNNER_PROCESS_H_

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace gauntlet::runner {

// Exit code by which a client says "this test does not apply to me" (the
// BoringSSL test-shim convention).
inline constexpr int kUnsupportedExitCode = 89;

// The most child process groups alive at once (RunProcess fails beyond it).
inline constexpr int kMaxLiveChildren = 256;

struct RunOptions {
  // argv[0] is looked up in PATH when it has no '/'. Must not be empty.
  std::vector<std::string> argv;
  // Added to the parent's environment; a name that is already set there is
  // overridden. Names must be non-empty without '='; no NUL anywhere.
  std::vector<std::pair<std::string, std::string>> env;
  // Working directory of the child; empty keeps the parent's.
  std::string working_dir;
  // From spawn until SIGTERM is sent to the group. Must be positive.
  std::chrono::milliseconds timeout{30'000};
  // From SIGTERM until SIGKILL; also how long output is still drained after
  // the client exits while something outside its group holds the pipes.
  std::chrono::milliseconds kill_grace{500};
  // Bytes kept of stdout and of stderr, each.
  std::size_t output_cap = 256 * 1024;
  // When non-null and set to true, the child group is stopped as on a
  // timeout; checked at least every 50 ms.
  const std::atomic<bool>* cancel = nullptr;
};

// What a stream produced.
struct CapturedOutput {
  // The first RunOptions::output_cap bytes.
  std::string data;
  // Every byte the child wrote, kept or not.
  std::size_t total_bytes = 0;

  bool truncated() const { return total_bytes > data.size(); }
};

struct RunResult {
  pid_t pid = 0;
  // The client's own end (waitpid): exactly one of these two is true.
  bool exited = false;    // exit_code is valid.
  bool signaled = false;  // term_signal is valid.
  int exit_code = 0;
  int term_signal = 0;
  // Whether Gauntlet stopped it: the timeout passed, or the cancel flag or
  // KillAllChildren() asked for it.
  bool timed_out = false;
  bool cancelled = false;
  CapturedOutput out;
  CapturedOutput err;
  // From just before spawning to reaping.
  std::chrono::nanoseconds duration{0};

  // Exited on its own with kUnsupportedExitCode.
  bool unsupported() const {
    return exited && exit_code == kUnsupportedExitCode && !timed_out &&
           !cancelled;
  }
  // Exited on its own with code 0.
  bool succeeded() const {
    return exited && exit_code == 0 && !timed_out && !cancelled;
  }
  // One line for reports: "exit 0 after 0.12 s",
  // "timed out, killed by SIGKILL after 5.50 s", ...
  std::string Describe() const;
};

// Runs the child to completion. The error cases are the ones where no child
// ran: invalid options, a working directory that is not one, spawn failure
// ("cannot run 'curlx': No such file or directory"), too many live children.
absl::StatusOr<RunResult> RunProcess(const RunOptions& options);

// Sends SIGKILL to every live child process group started by RunProcess, and
// makes the RunProcess calls that are spawning at that moment kill their
// child as soon as it exists; they return with `cancelled` set.
// Async-signal-safe (atomics and kill(2) only); callable from any thread or
// a signal handler.
//
// Known window: a run unregisters its group just before reaping the leader
// (after which the pgid could be reused). A KillAllChildren that read the
// slot just before that and calls kill() just after the reap and an
// immediate pid reuse would signal the wrong group; the window is a few
// instructions wide and needs pid wrap-around to matter.
void KillAllChildren();

// How many child process groups are registered right now (for tests and
// diagnostics).
int LiveChildCount();

}  // namespace gauntlet::runner

#endif  // GAUNTLET_HARNESS_RUNNER_PROCESS_H_
