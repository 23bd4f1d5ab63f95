// The supervisor: a process of Gauntlet's between it and one client under
// test, which knows every process that client starts.
//
// RunProcess (process.h) forks one supervisor per client run. The
// supervisor makes itself a child subreaper (prctl(2),
// PR_SET_CHILD_SUBREAPER) and starts the client as its child, in a process
// group of its own, with exactly three descriptors: stdin from /dev/null and
// stdout/stderr into the capture pipes. From then on whatever a descendant
// of the client does -- setsid, a double fork, a new process group -- when
// its parent dies it is reparented to this supervisor, never to init and
// never to another client's supervisor. So with several clients running in
// parallel each supervisor knows exactly its own client's processes.
//
// When the client ends (on its own, or killed on Gauntlet's command), the
// supervisor SIGKILLs every descendant still running, reaps them all, and
// reports how many it had to kill: the processes the client "left behind".
// It also reaps the client's orphans that exit while the client runs.
//
// The supervisor is a fork of a multi-threaded process that never calls
// exec, so it runs async-signal-safe code only (signal-safety(7)): system
// calls, no malloc, no locks, no iostreams. Everything it needs (argv,
// envp, the paths to try for the program) is built by the parent before
// fork(2), and it always leaves with _exit(2).
//
// Protocol, all on descriptors the parent creates close-on-exec:
//   control (parent -> supervisor, a stream socket): one byte per command,
//     kCommandTerminate (SIGTERM to the client's process group) or
//     kCommandKill (SIGKILL to the client, its group and then every
//     descendant). End of file -- the parent died or gave up -- is
//     kCommandKill, after which the supervisor exits.
//   status (supervisor -> parent, a pipe): fixed-size SupervisorRecords,
//     each written with one write(2) of less than PIPE_BUF bytes (so never
//     split): kStarted once the client's exec succeeded, or kExecFailed, or
//     kSetupFailed; then kFinished with the client's wait status and the
//     leftover count, after which the supervisor exits.

#ifndef GAUNTLET_HARNESS_RUNNER_SUPERVISOR_H_
#define GAUNTLET_HARNESS_RUNNER_SUPERVISOR_H_

#include <sys/types.h>

#include <cstdint>

namespace gauntlet::runner::supervisor {

inline constexpr char kCommandTerminate = 'T';
inline constexpr char kCommandKill = 'K';

enum class Event : std::int32_t {
  kStarted = 1,      // pid: the client's pid (also its process group id).
  kExecFailed = 2,   // error: errno of the last execve(2) (or chdir(2)).
  kSetupFailed = 3,  // error: errno; step: which SetupStep failed.
  kFinished = 4,     // wait_code/wait_status, leftovers, flags.
};

enum class SetupStep : std::int32_t {
  kDescriptors = 1,
  kSubreaper = 2,
  kExecPipe = 3,
  kFork = 4,
};

// kFinished flags.
inline constexpr std::uint32_t kCleanupIncomplete = 1;  // Gave up in time:
                                                        // some may remain.

struct Record {
  Event event = Event::kStarted;
  std::int32_t pid = 0;
  std::int32_t error = 0;
  SetupStep step = SetupStep::kDescriptors;
  // kFinished: the client's siginfo_t si_code (CLD_EXITED, CLD_KILLED,
  // CLD_DUMPED) and si_status (exit code or signal number).
  std::int32_t wait_code = 0;
  std::int32_t wait_status = 0;
  // kFinished: descendants still running after the client ended that the
  // supervisor had to kill. Members of the client's own process group do
  // not count when Gauntlet had already signalled that group (they were
  // being stopped together with the client).
  std::int32_t leftovers = 0;
  std::uint32_t flags = 0;
};

// What the supervisor runs. Every pointer refers to memory the parent built
// before fork(2); the supervisor only reads it (its own copy).
struct Plan {
  // NULL-terminated, as execve(2) takes them.
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  // NULL-terminated list of paths to execve in turn (a PATH search done
  // as strings in the parent), with execvp(3)'s rules for which errors go
  // on to the next one.
  const char* const* program_paths = nullptr;
  // chdir(2) here before exec; nullptr keeps the current directory.
  const char* working_dir = nullptr;
  // Close-on-exec descriptors of the parent's, at any numbers.
  int control_fd = -1;
  int status_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  // Find children by scanning /proc/<pid>/stat instead of reading
  // /proc/thread-self/children (for kernels without CONFIG_PROC_CHILDREN;
  // tests force it to exercise that path).
  bool scan_proc = false;
};

// Runs the supervisor in the calling process, which must be a freshly
// forked child with every signal blocked. Never returns.
[[noreturn]] void RunSupervisor(const Plan& plan);

}  // namespace gauntlet::runner::supervisor

#endif  // GAUNTLET_HARNESS_RUNNER_SUPERVISOR_H_
