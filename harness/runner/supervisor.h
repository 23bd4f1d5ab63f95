// The supervisor: a small process between Gauntlet and one client under
// test, which knows every process that client starts.
//
// RunProcess (process.h) starts one supervisor per client run. The
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
// The supervisor is a program of its own, gauntlet-supervisor
// (supervisor_main.cc), that RunProcess starts with posix_spawn: a fork of
// Gauntlet without exec would copy the page tables of a large,
// multi-threaded process and make every page Gauntlet writes while the
// client runs a copy-on-write fault (with ASan that made a run of the flaw
// matrix several times slower). It is single-threaded; the client, a fork
// of it, runs only async-signal-safe code (signal-safety(7)) until execve,
// and the supervisor always leaves with _exit(2).
//
// RunProcess starts it with every signal blocked (it keeps them blocked: a
// Ctrl-C meant for Gauntlet's process group must not stop it) and with
//   0-2  /dev/null          3  control    4  status
//   5    the client's stdout pipe          6  the client's stderr pipe
// and nothing else open; the client's environment as its own, and
//   argv: gauntlet-supervisor MODE DIR N PATH_1 .. PATH_N ARGV_0 ARGV_1 ..
// where MODE is kChildrenFromFile or kChildrenFromProcScan (Plan::scan_proc),
// DIR the working directory for the client ("" keeps the current one), and
// PATH_i the paths to execve in turn for the program ARGV_0.
//
// Protocol, all on descriptors the parent creates close-on-exec:
//   control (parent -> supervisor, a stream socket): one byte per command,
//     kCommandTerminate (SIGTERM to the client's process group) or
//     kCommandKill (SIGKILL to the client, its group and then every
//     descendant). End of file -- the parent died or gave up -- is
//     kCommandKill, after which the supervisor exits.
//   status (supervisor -> parent, a pipe): fixed-size SupervisorRecords,
//     each written with one write(2) of less than PIPE_BUF bytes (so never
//     split): kForked with the client's pid, before the client may exec
//     (so Gauntlet knows it even if the client kills its supervisor at
//     once); then kStarted once the exec succeeded, or kExecFailed; then
//     kFinished with the client's wait status and the leftover count, after
//     which the supervisor exits. kSetupFailed instead when it could not
//     get as far as forking the client.

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
  kForked = 5,       // pid: the client's pid, before its exec.
};

// Values of the supervisor's MODE argument.
inline constexpr char kChildrenFromFile[] = "children-file";
inline constexpr char kChildrenFromProcScan[] = "proc-scan";

// The descriptors it is started with.
inline constexpr int kControlFd = 3;
inline constexpr int kStatusFd = 4;
inline constexpr int kClientStdoutFd = 5;
inline constexpr int kClientStderrFd = 6;

enum class SetupStep : std::int32_t {
  kDescriptors = 1,
  kSubreaper = 2,
  kExecPipe = 3,
  kFork = 4,
  kArguments = 5,
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

// What the supervisor runs (supervisor_main.cc builds it from its argv).
struct Plan {
  // NULL-terminated, as execve(2) takes them.
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  // The paths to execve in turn (a PATH search done as strings by
  // RunProcess), with execvp(3)'s rules for which errors go on to the next
  // one.
  const char* const* program_paths = nullptr;
  int program_path_count = 0;
  // chdir(2) here before exec; nullptr keeps the current directory.
  const char* working_dir = nullptr;
  // The descriptors to use, at any numbers; they are moved to the fixed
  // ones above.
  int control_fd = kControlFd;
  int status_fd = kStatusFd;
  int stdout_fd = kClientStdoutFd;
  int stderr_fd = kClientStderrFd;
  // Find children by scanning /proc/<pid>/stat instead of reading
  // /proc/thread-self/children (for kernels without CONFIG_PROC_CHILDREN;
  // tests force it to exercise that path).
  bool scan_proc = false;
};

// Runs the supervisor in the calling, single-threaded process, which must
// have every signal blocked. Never returns.
[[noreturn]] void RunSupervisor(const Plan& plan);

}  // namespace gauntlet::runner::supervisor

#endif  // GAUNTLET_HARNESS_RUNNER_SUPERVISOR_H_
