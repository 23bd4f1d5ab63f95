#include "harness/runner/process.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "harness/runner/companion.h"
#include "harness/runner/supervisor.h"

extern char** environ;

namespace gauntlet::runner {
namespace {

using Clock = std::chrono::steady_clock;

// How often the loop wakes up at most to look at the cancel flag.
constexpr std::chrono::milliseconds kTick{50};
// Read chunk, and how many chunks one wake-up reads from a pipe before the
// loop looks at the clock again (a child that writes as fast as we read
// must not starve the timeout).
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr int kMaxReadsPerWake = 16;
// How long a supervisor told to kill everything may take to report before
// Gauntlet kills it and treats it as lost (it needs at most its own 3 s
// cleanup budget; more means it was stopped or is stuck).
constexpr std::chrono::milliseconds kSupervisorBudget{6000};
// Bounds of an orphan sweep.
constexpr std::chrono::milliseconds kOrphanBudget{3000};
constexpr int kOrphanRoundWaitMs = 10;
#ifdef GAUNTLET_SUPERVISOR_BUILD_PATH
constexpr std::string_view kSupervisorBuildPath = GAUNTLET_SUPERVISOR_BUILD_PATH;
#else
constexpr std::string_view kSupervisorBuildPath;
#endif

// The registry of live supervisors, one slot per RunProcess. Plain atomics
// so that KillAllChildren stays async-signal-safe.
struct Slot {
  // The control socket plus one: 0 when free, -1 when reserved (starting
  // or finishing), fd + 1 when KillAllChildren may write to it.
  std::atomic<int> control{0};
  // KillAllChildren calls between reading `control` and writing to it; the
  // socket is closed only once this is 0, so that its number cannot be
  // reused under a writer.
  std::atomic<int> writers{0};
  // The supervisor's pid while it is an unreaped child of ours (an orphan
  // sweep must not kill it).
  std::atomic<pid_t> supervisor{0};
};
static_assert(std::atomic<int>::is_always_lock_free);
static_assert(std::atomic<pid_t>::is_always_lock_free);
static_assert(std::atomic<unsigned>::is_always_lock_free);
Slot g_slots[kMaxLiveChildren];
// Bumped by every KillAllChildren call, so a RunProcess that was starting
// its supervisor while it ran (its slot still reserved) notices afterwards.
std::atomic<unsigned> g_kill_all_epoch{0};

// Held shared from spawning a supervisor until its pid is in its slot,
// exclusively by an orphan sweep: a sweep never sees a supervisor it does
// not know yet.
std::shared_mutex g_spawn_mu;
std::atomic<bool> g_adopting_orphans{false};
std::atomic<bool> g_orphans_possible{false};
std::atomic<bool> g_scan_proc{false};

int ReserveSlot() {
  for (int i = 0; i < kMaxLiveChildren; ++i) {
    int expected = 0;
    if (g_slots[i].control.compare_exchange_strong(expected, -1)) return i;
  }
  return -1;
}

void SendCommand(int control_fd, char command) {
  // MSG_NOSIGNAL: a supervisor that is gone must not SIGPIPE us.
  [[maybe_unused]] const ssize_t n =
      send(control_fd, &command, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
}

std::string ErrnoText(int err) { return std::strerror(err); }

std::string SignalName(int sig) {
  if (const char* abbrev = sigabbrev_np(sig)) return absl::StrCat("SIG", abbrev);
  return absl::StrCat("signal ", sig);
}

bool HasNul(absl::string_view s) {
  return s.find('\0') != absl::string_view::npos;
}

absl::Status ValidateOptions(const RunOptions& o) {
  if (o.argv.empty() || o.argv[0].empty()) {
    return absl::InvalidArgumentError("no program to run (empty argv)");
  }
  for (std::size_t i = 0; i < o.argv.size(); ++i) {
    if (HasNul(o.argv[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("argument ", i, " of '", o.argv[0],
                       "' contains a NUL byte"));
    }
  }
  for (const auto& [name, value] : o.env) {
    if (name.empty() || name.find('=') != std::string::npos || HasNul(name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid environment variable name '", absl::CHexEscape(name), "'"));
    }
    if (HasNul(value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "environment variable ", name, " contains a NUL byte"));
    }
  }
  if (o.timeout.count() <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("timeout must be positive, not ", o.timeout.count(), " ms"));
  }
  if (o.kill_grace.count() < 0) {
    return absl::InvalidArgumentError("kill_grace must not be negative");
  }
  if (!o.working_dir.empty()) {
    if (HasNul(o.working_dir)) {
      return absl::InvalidArgumentError("working directory contains a NUL byte");
    }
    struct stat st;
    if (stat(o.working_dir.c_str(), &st) != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "working directory '", o.working_dir, "': ", ErrnoText(errno)));
    }
    if (!S_ISDIR(st.st_mode)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "working directory '", o.working_dir, "' is not a directory"));
    }
  }
  return absl::OkStatus();
}

// The parent's environment with `extra` added or overriding.
std::vector<std::string> BuildEnvironment(
    const std::vector<std::pair<std::string, std::string>>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    absl::string_view entry(*e);
    absl::string_view name = entry.substr(0, entry.find('='));
    bool overridden = false;
    for (const auto& kv : extra) {
      if (kv.first == name) overridden = true;
    }
    if (!overridden) env.emplace_back(entry);
  }
  for (std::size_t i = 0; i < extra.size(); ++i) {
    // A later duplicate in `extra` wins, as with repeated setenv.
    bool later = false;
    for (std::size_t j = i + 1; j < extra.size(); ++j) {
      if (extra[j].first == extra[i].first) later = true;
    }
    if (!later) env.push_back(absl::StrCat(extra[i].first, "=", extra[i].second));
  }
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (std::string& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Owns a file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  int get() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  void Reset(int fd) {
    Close();
    fd_ = fd;
  }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// Owns a registry slot: publishes the control socket for KillAllChildren
// and the supervisor's pid for orphan sweeps, and frees the slot however
// RunProcess leaves.
class SlotGuard {
 public:
  explicit SlotGuard(int index) : index_(index) {}
  SlotGuard(const SlotGuard&) = delete;
  SlotGuard& operator=(const SlotGuard&) = delete;
  ~SlotGuard() { Release(); }
  Slot& slot() { return g_slots[index_]; }
  void PublishControl(int fd) { slot().control.store(fd + 1); }
  // After this returns no KillAllChildren writes to the control socket any
  // more, so it may be closed.
  void WithdrawControl() {
    if (index_ < 0) return;
    slot().control.store(-1);
    while (slot().writers.load() != 0) sched_yield();
  }
  // Call once the supervisor is reaped.
  void ForgetSupervisor() {
    if (index_ >= 0) slot().supervisor.store(0);
  }
  void Release() {
    if (index_ < 0) return;
    WithdrawControl();
    ForgetSupervisor();
    slot().control.store(0);
    index_ = -1;
  }

 private:
  int index_;
};

// The paths execve is tried with, in order: argv[0] itself when it has a
// '/', else each PATH entry (the parent's PATH, as posix_spawnp and
// execvp(3) use; confstr(_CS_PATH)'s "/bin:/usr/bin" when unset).
std::vector<std::string> ProgramPaths(const std::string& program) {
  if (program.find('/') != std::string::npos) return {program};
  const char* path = getenv("PATH");
  const std::string search = path != nullptr ? path : "/bin:/usr/bin";
  std::vector<std::string> paths;
  for (absl::string_view dir : absl::StrSplit(search, ':')) {
    // An empty entry is the current directory.
    paths.push_back(dir.empty() ? program : absl::StrCat(dir, "/", program));
  }
  return paths;
}

const absl::StatusOr<std::string>& SupervisorProgram() {
  static const absl::StatusOr<std::string>* const program =
      new absl::StatusOr<std::string>(FindCompanionProgram(
          kSupervisorProgram, kSupervisorBuildPath));
  return *program;
}

// Owns posix_spawn attributes and file actions.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  bool actions_ok = false;
  bool attr_ok = false;
  ~SpawnSetup() {
    if (actions_ok) posix_spawn_file_actions_destroy(&actions);
    if (attr_ok) posix_spawnattr_destroy(&attr);
  }
};

// Starts the supervisor (supervisor.h) with `fds` (control, status, client
// stdout, client stderr; all at 7 or above) at 3-6, /dev/null at 0-2,
// nothing else, and every signal blocked and at its default; records its
// pid before an orphan sweep can look. Returns the pid, or -errno.
pid_t SpawnSupervisor(const std::string& program, std::vector<char*>& argv,
                      std::vector<char*>& envp, const int (&fds)[4],
                      Slot& slot) {
  SpawnSetup setup;
  if (posix_spawn_file_actions_init(&setup.actions) != 0) return -ENOMEM;
  setup.actions_ok = true;
  if (posix_spawnattr_init(&setup.attr) != 0) return -ENOMEM;
  setup.attr_ok = true;
  int rc = 0;
  for (int i = 0; i < 4 && rc == 0; ++i) {
    rc = posix_spawn_file_actions_adddup2(&setup.actions, fds[i],
                                          supervisor::kControlFd + i);
  }
  if (rc == 0) {
    rc = posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO,
                                          "/dev/null", O_RDONLY, 0);
  }
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&setup.actions, 0, 1);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&setup.actions, 0, 2);
  if (rc == 0) {
    rc = posix_spawn_file_actions_addclosefrom_np(
        &setup.actions, supervisor::kClientStderrFd + 1);
  }
  sigset_t all_signals;
  sigfillset(&all_signals);
  sigset_t defaults = all_signals;
  sigdelset(&defaults, SIGKILL);
  sigdelset(&defaults, SIGSTOP);
  if (rc == 0) {
    rc = posix_spawnattr_setflags(
        &setup.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  }
  if (rc == 0) rc = posix_spawnattr_setsigmask(&setup.attr, &all_signals);
  if (rc == 0) rc = posix_spawnattr_setsigdefault(&setup.attr, &defaults);
  if (rc != 0) return -rc;
  pid_t pid = 0;
  std::shared_lock<std::shared_mutex> lock(g_spawn_mu);
  rc = posix_spawn(&pid, program.c_str(), &setup.actions, &setup.attr,
                   argv.data(), envp.data());
  if (rc != 0) return -rc;
  slot.supervisor.store(pid);
  return pid;
}

// Moves `fd` to a number of at least `floor` (close-on-exec).
void MoveAtLeast(Fd& fd, int floor) {
  if (fd.get() >= floor) return;
  const int moved = fcntl(fd.get(), F_DUPFD_CLOEXEC, floor);
  if (moved >= 0) fd.Reset(moved);
}

void ReapSupervisor(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

// Reads the supervisor's status pipe, whose records each arrive whole
// (written with one write of less than PIPE_BUF bytes).
class RecordReader {
 public:
  explicit RecordReader(int fd) : fd_(fd) {}
  // Reads what is available; returns false at end of file or error.
  bool Read() {
    for (;;) {
      if (have_ == sizeof buf_) return true;  // A whole record waits.
      const ssize_t n = read(fd_, buf_ + have_, sizeof buf_ - have_);
      if (n > 0) {
        have_ += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
      return false;
    }
  }
  // The next complete record, if any.
  bool Next(supervisor::Record* record) {
    if (have_ < sizeof buf_) return false;
    std::memcpy(record, buf_, sizeof *record);
    have_ = 0;
    return true;
  }

 private:
  int fd_;
  char buf_[sizeof(supervisor::Record)];
  std::size_t have_ = 0;
};

// Blocks until the supervisor's first record: the client runs, or why not.
// False when the supervisor died first.
bool ReadFirstRecord(int fd, supervisor::Record* record) {
  std::size_t have = 0;
  char* p = reinterpret_cast<char*>(record);
  while (have < sizeof *record) {
    const ssize_t n = read(fd, p + have, sizeof *record - have);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    have += static_cast<std::size_t>(n);
  }
  return true;
}

const char* SetupStepName(supervisor::SetupStep step) {
  switch (step) {
    case supervisor::SetupStep::kDescriptors:
      return "arranging descriptors";
    case supervisor::SetupStep::kSubreaper:
      return "prctl(PR_SET_CHILD_SUBREAPER)";
    case supervisor::SetupStep::kExecPipe:
      return "pipe";
    case supervisor::SetupStep::kFork:
      return "fork";
    case supervisor::SetupStep::kArguments:
      return "its arguments";
  }
  return "setup";
}

// A small /proc file, read with a close-on-exec descriptor.
std::string ReadProcFile(const std::string& path) {
  std::string out;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > (1u << 20)) break;
  }
  close(fd);
  return out;
}

std::vector<pid_t> NumbersIn(absl::string_view text) {
  std::vector<pid_t> out;
  for (absl::string_view word :
       absl::StrSplit(text, absl::ByAnyChar(" \n"), absl::SkipEmpty())) {
    int pid = 0;
    if (absl::SimpleAtoi(word, &pid) && pid > 0) out.push_back(pid);
  }
  return out;
}

// Every child of this process, of all its threads (a child belongs to the
// thread that forked it, an adopted orphan to one of them).
std::vector<pid_t> ChildrenOfThisProcess() {
  std::vector<pid_t> children;
  std::set<pid_t> tids;
  // /proc/self/task lists the threads; read it without opendir so that no
  // descriptor without O_CLOEXEC is ever open.
  const int dir = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  bool have_children_files = false;
  if (dir >= 0) {
    alignas(8) char buf[4096];
    for (;;) {
      const long n = syscall(SYS_getdents64, dir, buf, sizeof buf);
      if (n <= 0) break;
      for (long off = 0; off < n;) {
        unsigned short reclen = 0;
        std::memcpy(&reclen, buf + off + 16, sizeof reclen);
        if (reclen == 0) break;
        const char* name = buf + off + 19;
        off += reclen;
        int tid = 0;
        if (absl::SimpleAtoi(name, &tid) && tid > 0) tids.insert(tid);
      }
    }
    close(dir);
  }
  for (pid_t tid : tids) {
    const std::string path = absl::StrCat("/proc/self/task/", tid, "/children");
    if (access(path.c_str(), R_OK) == 0) have_children_files = true;
    for (pid_t pid : NumbersIn(ReadProcFile(path))) children.push_back(pid);
  }
  if (have_children_files) return children;
  // Kernels without CONFIG_PROC_CHILDREN: every process whose parent is us.
  children.clear();
  const pid_t self = getpid();
  const int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (proc < 0) return children;
  alignas(8) char buf[4096];
  for (;;) {
    const long n = syscall(SYS_getdents64, proc, buf, sizeof buf);
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      unsigned short reclen = 0;
      std::memcpy(&reclen, buf + off + 16, sizeof reclen);
      if (reclen == 0) break;
      const char* name = buf + off + 19;
      off += reclen;
      int pid = 0;
      if (!absl::SimpleAtoi(name, &pid) || pid <= 0) continue;
      const std::string stat =
          ReadProcFile(absl::StrCat("/proc/", pid, "/stat"));
      const std::size_t paren = stat.rfind(')');
      if (paren == std::string::npos) continue;
      std::vector<absl::string_view> fields = absl::StrSplit(
          absl::string_view(stat).substr(paren + 1), ' ', absl::SkipEmpty());
      int ppid = 0;
      if (fields.size() > 1 && absl::SimpleAtoi(fields[1], &ppid) &&
          ppid == self) {
        children.push_back(pid);
      }
    }
  }
  close(proc);
  return children;
}

int KillOrphansExcept(pid_t not_counted);

bool IsLiveSupervisor(pid_t pid) {
  for (const Slot& slot : g_slots) {
    if (slot.supervisor.load() == pid) return true;
  }
  return false;
}

// Reads what is available from `fd` into `sink`; closes `fd` at end of file
// or on error.
void Drain(Fd& fd, CapturedOutput& sink, std::size_t cap, char* buf) {
  for (int n = 0; n < kMaxReadsPerWake && fd.open(); ++n) {
    const ssize_t got = read(fd.get(), buf, kReadChunk);
    if (got > 0) {
      const std::size_t size = static_cast<std::size_t>(got);
      sink.total_bytes += size;
      if (sink.data.size() < cap) {
        sink.data.append(buf, std::min(size, cap - sink.data.size()));
      }
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    fd.Close();  // End of file, or an error we cannot recover from.
  }
}

int MillisUntil(Clock::time_point now, Clock::time_point when) {
  if (when <= now) return 0;
  const auto ms =
      std::chrono::ceil<std::chrono::milliseconds>(when - now).count();
  return static_cast<int>(std::min<long long>(ms, 1'000'000));
}

// Whether our child `pid` has exited (is a zombie); true as well when it
// is not our child (any more).
bool HasExited(pid_t pid) {
  siginfo_t info;
  std::memset(&info, 0, sizeof info);
  for (;;) {
    if (waitid(P_PID, static_cast<id_t>(pid), &info,
               WEXITED | WNOHANG | WNOWAIT) == 0) {
      return info.si_pid == pid;
    }
    if (errno != EINTR) return true;
  }
}

}  // namespace

std::string RunResult::Describe() const {
  std::string s;
  if (timed_out) s = "timed out, ";
  if (cancelled) s = "cancelled, ";
  if (exited) {
    absl::StrAppend(&s, "exit ", exit_code);
  } else if (signaled) {
    absl::StrAppend(&s, "killed by ", SignalName(term_signal));
  } else if (supervisor_lost) {
    absl::StrAppend(&s, "end unknown (its supervisor was killed)");
  } else {
    absl::StrAppend(&s, "did not run");
  }
  absl::StrAppend(&s, absl::StrFormat(
                          " after %.2f s",
                          std::chrono::duration<double>(duration).count()));
  if (leftover_processes > 0) {
    absl::StrAppend(&s, ", left ", leftover_processes,
                    leftover_processes == 1 ? " process" : " processes",
                    " running (killed)");
  }
  return s;
}

absl::StatusOr<RunResult> RunProcess(const RunOptions& options) {
  if (absl::Status s = ValidateOptions(options); !s.ok()) return s;

  const absl::StatusOr<std::string>& supervisor_program = SupervisorProgram();
  if (!supervisor_program.ok()) {
    return absl::Status(supervisor_program.status().code(),
                        absl::StrCat("cannot run '", options.argv[0], "': ",
                                     supervisor_program.status().message()));
  }
  // gauntlet-supervisor MODE DIR N PATH_1 .. PATH_N ARGV_0 ARGV_1 ..
  // (supervisor.h), with the client's environment.
  std::vector<std::string> paths = ProgramPaths(options.argv[0]);
  std::vector<std::string> argv_storage = {
      *supervisor_program,
      g_scan_proc.load() ? supervisor::kChildrenFromProcScan
                         : supervisor::kChildrenFromFile,
      options.working_dir, std::to_string(paths.size())};
  argv_storage.insert(argv_storage.end(), paths.begin(), paths.end());
  argv_storage.insert(argv_storage.end(), options.argv.begin(),
                      options.argv.end());
  std::vector<char*> argv = CStrings(argv_storage);
  std::vector<std::string> env_storage = BuildEnvironment(options.env);
  std::vector<char*> envp = CStrings(env_storage);

  // Close-on-exec, all of them: the supervisor gets its ends at fixed
  // numbers, and no other child may inherit them.
  int control_pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, control_pair) != 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot create a socket pair: ", ErrnoText(errno)));
  }
  Fd control(control_pair[0]), supervisor_control(control_pair[1]);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot create a pipe: ", ErrnoText(errno)));
  }
  Fd status_r(fds[0]), status_w(fds[1]);
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot create a pipe: ", ErrnoText(errno)));
  }
  Fd out_r(fds[0]), out_w(fds[1]);
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot create a pipe: ", ErrnoText(errno)));
  }
  Fd err_r(fds[0]), err_w(fds[1]);
  // Above the numbers they are dup'ed to in the supervisor (3-6), so that no
  // dup2 of the spawn clobbers one that is still to be moved.
  for (Fd* fd : {&supervisor_control, &status_w, &out_w, &err_w}) {
    MoveAtLeast(*fd, supervisor::kClientStderrFd + 1);
  }
  const int supervisor_fds[4] = {supervisor_control.get(), status_w.get(),
                                 out_w.get(), err_w.get()};

  const int slot_index = ReserveSlot();
  if (slot_index < 0) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "cannot run '", options.argv[0], "': already ", kMaxLiveChildren,
        " client processes running"));
  }
  SlotGuard slot(slot_index);
  const unsigned epoch = g_kill_all_epoch.load();

  RunResult result;
  const Clock::time_point start = Clock::now();
  const pid_t supervisor_pid = SpawnSupervisor(*supervisor_program, argv, envp,
                                               supervisor_fds, slot.slot());
  if (supervisor_pid < 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot run '", options.argv[0], "': cannot start ",
                     *supervisor_program, ": ", ErrnoText(-supervisor_pid)));
  }
  supervisor_control.Close();
  status_w.Close();
  out_w.Close();
  err_w.Close();
  slot.PublishControl(control.get());

  // kForked (the client's pid), then kStarted or kExecFailed; or
  // kSetupFailed.
  supervisor::Record record;
  if (!ReadFirstRecord(status_r.get(), &record)) {
    // It died before forking: no client ran.
    ReapSupervisor(supervisor_pid);
    return absl::InternalError(
        absl::StrCat("cannot run '", options.argv[0],
                     "': its supervisor died before starting it"));
  }
  bool lost = false;  // The supervisor died without a final report.
  if (record.event == supervisor::Event::kForked) {
    result.pid = record.pid;
    // End of file here: the client killed its supervisor at once.
    lost = !ReadFirstRecord(status_r.get(), &record);
  }
  if (!lost && record.event == supervisor::Event::kExecFailed) {
    ReapSupervisor(supervisor_pid);
    return absl::NotFoundError(absl::StrCat("cannot run '", options.argv[0],
                                            "': ", ErrnoText(record.error)));
  }
  if (!lost &&
      (record.event != supervisor::Event::kStarted || result.pid <= 0)) {
    // A supervisor that failed its setup has exited; any other one takes
    // the end of its control socket as the order to kill and leave.
    slot.WithdrawControl();
    control.Close();
    ReapSupervisor(supervisor_pid);
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot run '", options.argv[0], "': ",
                     record.event == supervisor::Event::kSetupFailed
                         ? SetupStepName(record.step)
                         : "unexpected supervisor record",
                     ": ", ErrnoText(record.error)));
  }

  bool stopping = false;  // SIGTERM sent (timeout or cancel).
  bool kill_sent = false;
  bool finished = false;  // The supervisor reported, or is gone.
  bool gave_up = false;   // We SIGKILLed an unresponsive supervisor.
  supervisor::Record final_record;
  bool have_final = false;
  Clock::time_point kill_at{};
  Clock::time_point give_up_at{};
  Clock::time_point drain_until{};
  const Clock::time_point deadline = start + options.timeout;
  const auto send_kill = [&](Clock::time_point now) {
    SendCommand(control.get(), supervisor::kCommandKill);
    stopping = kill_sent = true;
    give_up_at = now + options.kill_grace + kSupervisorBudget;
  };
  // The supervisor died without a report: its client and everything below
  // it were reparented -- to us when we adopt orphans, else to init. Kill
  // them before draining the output they may still hold.
  bool supervisor_reaped = false;
  const auto supervisor_gone = [&] {
    finished = true;
    result.supervisor_lost = true;
    g_orphans_possible.store(true);
    // Its end of the status pipe closes before its children are
    // reparented: reap it (it is dead or dying; the pid is still its until
    // then) so that they are ours by the time we look for them.
    kill(supervisor_pid, SIGKILL);
    ReapSupervisor(supervisor_pid);
    slot.ForgetSupervisor();
    supervisor_reaped = true;
    if (g_adopting_orphans.load()) {
      // Our unreaped child now, so the ids still name it and its group.
      kill(-result.pid, SIGKILL);
      kill(result.pid, SIGKILL);
      result.leftover_processes += KillOrphansExcept(result.pid);
    }
    drain_until = Clock::now() + options.kill_grace;
  };
  if (lost) supervisor_gone();

  if (g_kill_all_epoch.load() != epoch) {
    // KillAllChildren ran while our slot was still only reserved.
    send_kill(Clock::now());
    result.cancelled = true;
  }

  for (Fd* fd : {&out_r, &err_r, &status_r}) {
    const int flags = fcntl(fd->get(), F_GETFL);
    fcntl(fd->get(), F_SETFL, flags | O_NONBLOCK);
  }
  RecordReader records(status_r.get());
  std::vector<char> buf(kReadChunk);

  for (;;) {
    const Clock::time_point now = Clock::now();
    if (!finished) {
      if (!stopping && options.cancel != nullptr && options.cancel->load()) {
        result.cancelled = stopping = true;
        SendCommand(control.get(), supervisor::kCommandTerminate);
        kill_at = now + options.kill_grace;
      }
      if (!stopping && now >= deadline) {
        result.timed_out = stopping = true;
        SendCommand(control.get(), supervisor::kCommandTerminate);
        kill_at = now + options.kill_grace;
      }
      if (stopping && !kill_sent && now >= kill_at) send_kill(now);
      if (kill_sent && !gave_up && now >= give_up_at) {
        // Stopped (SIGSTOP) or stuck: end it; its status pipe then reaches
        // end of file and it counts as lost. Our unreaped child, so the pid
        // is still its.
        kill(supervisor_pid, SIGKILL);
        gave_up = true;
      }
    }
    if (finished && !out_r.open() && !err_r.open()) break;
    // Something the supervisor could not kill holds the pipes.
    if (finished && now >= drain_until) break;

    // Sleep until the next thing to do.
    Clock::time_point wake = now + std::chrono::hours(1);
    if (finished) {
      wake = drain_until;
    } else {
      if (!stopping) wake = std::min(wake, deadline);
      if (stopping && !kill_sent) wake = std::min(wake, kill_at);
      if (kill_sent && !gave_up) wake = std::min(wake, give_up_at);
      if (options.cancel != nullptr) wake = std::min(wake, now + kTick);
    }
    pollfd pfds[3];
    nfds_t nfds = 0;
    int out_index = -1;
    int err_index = -1;
    int status_index = -1;
    if (out_r.open()) {
      out_index = static_cast<int>(nfds);
      pfds[nfds++] = {out_r.get(), POLLIN, 0};
    }
    if (err_r.open()) {
      err_index = static_cast<int>(nfds);
      pfds[nfds++] = {err_r.get(), POLLIN, 0};
    }
    if (!finished) {
      status_index = static_cast<int>(nfds);
      pfds[nfds++] = {status_r.get(), POLLIN, 0};
    }
    const int ready = poll(pfds, nfds, MillisUntil(now, wake));
    if (ready < 0) {
      if (errno == EINTR) continue;
      // Cannot happen with valid fds; stop the client instead of spinning.
      if (!kill_sent) send_kill(Clock::now());
      continue;
    }
    if (status_index >= 0 && pfds[status_index].revents != 0) {
      const bool open = records.Read();
      supervisor::Record r;
      while (records.Next(&r)) {
        if (r.event == supervisor::Event::kFinished) {
          final_record = r;
          have_final = true;
        }
      }
      if (have_final) {
        finished = true;
        drain_until = Clock::now() + options.kill_grace;
        if (g_kill_all_epoch.load() != epoch && !stopping) {
          result.cancelled = true;
        }
      } else if (!open) {
        supervisor_gone();
      }
    }
    if (out_index >= 0 && pfds[out_index].revents != 0) {
      Drain(out_r, result.out, options.output_cap, buf.data());
    }
    if (err_index >= 0 && pfds[err_index].revents != 0) {
      Drain(err_r, result.err, options.output_cap, buf.data());
    }
  }
  // Whatever is still buffered in the pipes (bounded by Drain), even when
  // the drain window was zero.
  if (out_r.open()) Drain(out_r, result.out, options.output_cap, buf.data());
  if (err_r.open()) Drain(err_r, result.err, options.output_cap, buf.data());
  out_r.Close();
  err_r.Close();
  status_r.Close();

  slot.WithdrawControl();
  control.Close();
  if (!supervisor_reaped) {
    if (!have_final) kill(supervisor_pid, SIGKILL);
    ReapSupervisor(supervisor_pid);
    slot.ForgetSupervisor();
  }
  result.duration = Clock::now() - start;

  if (have_final) {
    if (final_record.wait_code == CLD_EXITED) {
      result.exited = true;
      result.exit_code = final_record.wait_status;
    } else {
      result.signaled = true;
      result.term_signal = final_record.wait_status;
    }
    result.leftover_processes = final_record.leftovers;
    if ((final_record.flags & supervisor::kCleanupIncomplete) != 0) {
      // What it could not kill in time was reparented to us.
      g_orphans_possible.store(true);
      result.leftover_processes += KillOrphans();
    }
  }
  return result;
}

void KillAllChildren() {
  const int saved_errno = errno;
  g_kill_all_epoch.fetch_add(1);
  for (Slot& slot : g_slots) {
    slot.writers.fetch_add(1);
    const int control = slot.control.load();
    if (control > 0) SendCommand(control - 1, supervisor::kCommandKill);
    slot.writers.fetch_sub(1);
  }
  errno = saved_errno;
}

int LiveChildCount() {
  int n = 0;
  for (const Slot& slot : g_slots) {
    if (slot.control.load() > 0) ++n;
  }
  return n;
}

absl::Status AdoptOrphans() {
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
    return absl::InternalError(
        absl::StrCat("prctl(PR_SET_CHILD_SUBREAPER): ", ErrnoText(errno)));
  }
  g_adopting_orphans.store(true);
  return absl::OkStatus();
}

int KillOrphans() { return KillOrphansExcept(0); }

namespace {

// KillOrphans, not counting `not_counted` (a client whose supervisor died:
// it is not a process it left behind).
int KillOrphansExcept(pid_t not_counted) {
  if (!g_adopting_orphans.load() || !g_orphans_possible.load()) return 0;
  std::unique_lock<std::shared_mutex> lock(g_spawn_mu);
  std::set<pid_t> killed;
  const Clock::time_point give_up = Clock::now() + kOrphanBudget;
  for (;;) {
    int others = 0;
    for (const pid_t pid : ChildrenOfThisProcess()) {
      if (IsLiveSupervisor(pid)) continue;
      ++others;
      if (HasExited(pid)) {
        int status = 0;
        waitpid(pid, &status, WNOHANG);
        continue;
      }
      if (pid != not_counted) killed.insert(pid);
      // Our child, unreaped: the pid is still its.
      kill(pid, SIGKILL);
    }
    if (others == 0) {
      g_orphans_possible.store(false);
      break;
    }
    if (Clock::now() >= give_up) break;
    poll(nullptr, 0, kOrphanRoundWaitMs);
  }
  return static_cast<int>(killed.size());
}

}  // namespace

void SetScanProcForChildrenForTest(bool scan) { g_scan_proc.store(scan); }

}  // namespace gauntlet::runner
