// Runs one client under test as a child process and reports what it did.
//
// The client is untrusted and may misbehave in every way a program can: hang,
// print gigabytes, fork background helpers, daemonise, ignore SIGTERM, look
// for descriptors it was not given. RunProcess therefore:
//
//  * starts a supervisor (supervisor.h, the gauntlet-supervisor program),
//    which starts the client in a process group of its own, with stdin from
//    /dev/null, default signal dispositions, an empty signal mask, and no
//    descriptor but 0, 1 and 2: whatever Gauntlet has open (other
//    scenarios' connections, listening sockets, descriptors Gauntlet itself
//    inherited) is closed at the spawn;
//  * captures stdout and stderr through pipes, keeping at most
//    RunOptions::output_cap bytes of each and counting (and dropping) the
//    rest, so the child never blocks on a full pipe;
//  * on timeout or cancellation has the supervisor send SIGTERM to the
//    client's group, then SIGKILL after RunOptions::kill_grace;
//  * when the client exits, has the supervisor SIGKILL and reap every
//    descendant still running, however it detached (setsid, double fork,
//    another process group): the supervisor is a child subreaper, so they
//    all come back to it. RunResult::leftover_processes counts them;
//  * reports the exit status or signal and the wall-clock duration.
//
// Everything is driven by one poll() loop with a deadline: no sleeps, no
// SIGCHLD handler in Gauntlet.
//
// RunProcess is thread-safe: the runner runs several clients in parallel,
// each with its own supervisor, so leftovers are attributed to the run that
// made them. Every live supervisor is recorded in a fixed-size, lock-free
// registry so that KillAllChildren() can stop them all from a signal
// handler.
//
// The client runs as the same user as Gauntlet: this is isolation against
// accidents and hostile-but-unprivileged behaviour of the client's process
// tree, not a sandbox (docs/client-contract.md lists what a client can still
// do).

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
#include "common/client_contract.h"

namespace gauntlet::runner {

using contract::kUnsupportedExitCode;

// The most clients running at once (RunProcess fails beyond it).
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
  // Processes the client left running when it ended, which were then
  // killed: descendants outside its process group (daemons), and members
  // of its group when it exited on its own. A finding about the client, not
  // an error.
  int leftover_processes = 0;
  // The supervisor died before it reported how the client ended (something
  // -- the client, most likely -- killed it). The client's group was killed
  // and, in a process that adopts orphans (AdoptOrphans), every process
  // reparented to Gauntlet; exited/signaled are then both false.
  bool supervisor_lost = false;

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
  // "timed out, killed by SIGKILL after 5.50 s",
  // "exit 0 after 0.20 s, left 1 process running (killed)", ...
  std::string Describe() const;
};

// Runs the child to completion. The error cases are the ones where no child
// ran: invalid options, a working directory that is not one, a program that
// cannot be executed ("cannot run 'curlx': No such file or directory"), too
// many live children, no resources to start the supervisor, or no
// gauntlet-supervisor program to start.
absl::StatusOr<RunResult> RunProcess(const RunOptions& options);

// Has every live supervisor SIGKILL its client and all of the client's
// descendants, and makes the RunProcess calls that are starting one at this
// moment do the same as soon as it runs; they return with `cancelled` set.
// Async-signal-safe (atomics and send(2) only); callable from any thread or
// a signal handler. The killing itself happens in the supervisors, right
// after; RunProcess returns once it is done.
void KillAllChildren();

// How many clients are running right now (for tests and diagnostics).
int LiveChildCount();

// Makes this process a child subreaper (prctl(2) PR_SET_CHILD_SUBREAPER), the
// backstop for a supervisor that dies before its work is done (killed from
// outside, or out of time killing a client's descendants): that client's
// processes are then reparented here instead of to init, and RunProcess
// kills and reaps them (KillOrphans). Only for processes whose children are
// all started by RunProcess, such as `gauntlet run`: an orphan sweep kills
// every child that is not a live supervisor. Idempotent.
absl::Status AdoptOrphans();

// When AdoptOrphans() was called and a supervisor was lost: SIGKILLs and
// reaps every child of this process that is not a live supervisor, round
// after round (bounded), and returns how many it killed. Otherwise does
// nothing and returns 0. Thread-safe; not async-signal-safe.
int KillOrphans();

// For tests: makes supervisors find their children by scanning
// /proc/<pid>/stat instead of reading /proc/thread-self/children, the
// fallback for kernels built without CONFIG_PROC_CHILDREN.
void SetScanProcForChildrenForTest(bool scan);

}  // namespace gauntlet::runner

#endif  // GAUNTLET_HARNESS_RUNNER_PROCESS_H_
