#include "harness/runner/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

// The supervisor is single-threaded, but the client it forks may run only
// async-signal-safe functions (signal-safety(7)) until execve; the code
// keeps to them throughout, with fixed-size buffers on the stack and _exit.
// No absl, no std::string, no allocation.

namespace gauntlet::runner::supervisor {
namespace {

// The supervisor's descriptors once ArrangeDescriptors has run (supervisor.h);
// 0-2 are /dev/null: the supervisor holds nothing of Gauntlet's stdio.
constexpr int kFirstFreeFd = 7;
// The parent's descriptors are parked at or above this while being moved,
// so that no dup2 onto 0-6 clobbers one that is still to be moved.
constexpr int kParkingFd = 16;
// In the client between fork and exec: the exec-error pipe.
constexpr int kExecErrorFd = 3;

// After the client ended: how long killing and reaping its descendants may
// take before the supervisor gives up (they then go to Gauntlet's own
// subreaper backstop), and how long it waits between rounds.
constexpr long kCleanupBudgetMs = 3000;
constexpr int kRoundWaitMs = 20;
// Without signalfd: how often the main loop looks at its children.
constexpr int kPollTickMs = 20;
// Descendants remembered as already killed (so each one counts once).
constexpr int kMaxRemembered = 1024;

long NowMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long>(ts.tv_sec) * 1000L + ts.tv_nsec / 1'000'000L;
}

void CloseFrom(int first) {
  if (syscall(SYS_close_range, static_cast<unsigned>(first), ~0U, 0U) == 0) {
    return;
  }
  // Kernels before 5.9: close up to the descriptor limit.
  long limit = 65536;
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
      rl.rlim_cur < (1U << 20)) {
    limit = static_cast<long>(rl.rlim_cur);
  }
  for (long fd = first; fd < limit; ++fd) close(static_cast<int>(fd));
}

bool WriteAll(int fd, const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Reads exactly `size` bytes unless end of file comes first; the count read.
std::size_t ReadFull(int fd, void* data, std::size_t size) {
  char* p = static_cast<char*>(data);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = read(fd, p + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

// SIGPIPE is blocked, so a parent that is gone makes this fail with EPIPE
// instead of killing the supervisor.
void Report(int fd, const Record& record) {
  WriteAll(fd, &record, sizeof record);
}

[[noreturn]] void SetupFailed(int status_fd, SetupStep step, int error) {
  Record r;
  r.event = Event::kSetupFailed;
  r.step = step;
  r.error = error;
  Report(status_fd, r);
  _exit(127);
}

// Moves the parent's four descriptors to 3-6 (close-on-exec), points 0-2
// at /dev/null and closes everything else: the other clients' pipes, the
// fake servers' sockets, whatever Gauntlet inherited. On failure, reports
// on whichever status descriptor is still valid and exits.
void ArrangeDescriptors(const Plan& plan) {
  const int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull < 0) SetupFailed(plan.status_fd, SetupStep::kDescriptors, errno);
  const int sources[5] = {devnull, plan.control_fd, plan.status_fd,
                          plan.stdout_fd, plan.stderr_fd};
  int parked[5];
  for (int i = 0; i < 5; ++i) {
    parked[i] = fcntl(sources[i], F_DUPFD_CLOEXEC, kParkingFd);
    if (parked[i] < 0) {
      SetupFailed(plan.status_fd, SetupStep::kDescriptors, errno);
    }
  }
  // From here on the original numbers may be overwritten.
  const int status_fd = parked[2];
  for (int fd = 0; fd <= 2; ++fd) {
    if (dup2(parked[0], fd) < 0) {
      SetupFailed(status_fd, SetupStep::kDescriptors, errno);
    }
  }
  const int targets[4] = {kControlFd, kStatusFd, kClientStdoutFd,
                          kClientStderrFd};
  for (int i = 0; i < 4; ++i) {
    if (dup3(parked[i + 1], targets[i], O_CLOEXEC) < 0) {
      SetupFailed(status_fd, SetupStep::kDescriptors, errno);
    }
  }
  CloseFrom(kFirstFreeFd);
}

void ResetSignalDispositions() {
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    // Fails harmlessly for the signals the C library reserves.
    sigaction(sig, &dfl, nullptr);
  }
}

// The client-to-be, between fork and exec. Waits for the supervisor's go
// (sent once Gauntlet has the client's pid: a client that kills its
// supervisor at once is still known), then reports an errno on the
// exec-error pipe if it cannot exec (close-on-exec, so a successful exec
// closes it unread).
[[noreturn]] void BecomeClient(const Plan& plan, int go_fd, int exec_error_fd) {
  char go = 0;
  ssize_t got;
  do {
    got = read(go_fd, &go, 1);
  } while (got < 0 && errno == EINTR);
  // End of file: the supervisor died before it reported us. Do not run.
  if (got != 1) _exit(127);
  if (dup3(exec_error_fd, kExecErrorFd, O_CLOEXEC) < 0) {
    const int err = errno;
    WriteAll(exec_error_fd, &err, sizeof err);
    _exit(127);
  }
  const auto fail = [](int err) {
    WriteAll(kExecErrorFd, &err, sizeof err);
    _exit(127);
  };
  // A process group of its own, so that a timeout can stop the client and
  // the helpers it starts in one go.
  if (setpgid(0, 0) != 0) fail(errno);
  if (dup2(kClientStdoutFd, STDOUT_FILENO) < 0) fail(errno);
  if (dup2(kClientStderrFd, STDERR_FILENO) < 0) fail(errno);
  // stdin stays /dev/null; nothing above 3 survives, and 3 is
  // close-on-exec.
  CloseFrom(kExecErrorFd + 1);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (plan.working_dir != nullptr && chdir(plan.working_dir) != 0) fail(errno);
  // execvp(3)'s rules: go on to the next path when this one does not
  // exist; remember EACCES; stop on any other error.
  int err = ENOENT;
  bool saw_eacces = false;
  for (int i = 0; i < plan.program_path_count; ++i) {
    execve(plan.program_paths[i], plan.argv, plan.envp);
    err = errno;
    if (err == EACCES) {
      saw_eacces = true;
      continue;
    }
    if (err == ENOENT || err == ENOTDIR || err == ESTALE || err == ENODEV ||
        err == ETIMEDOUT) {
      continue;
    }
    fail(err);
  }
  fail(saw_eacces ? EACCES : err);
  _exit(127);  // Not reached.
}

// Signals the client's process group; the client itself too when it is no
// longer in that group (it may have moved itself to another one).
void SignalClient(pid_t client, int sig) {
  if (kill(-client, sig) != 0 || getpgid(client) != client) kill(client, sig);
}

// Reaps children that have exited -- orphans of the client that ended
// while it runs -- but never the client itself: its zombie keeps its pid,
// and so its process group id, from being reused. True once the client has
// exited.
bool ReapExitedChildren(pid_t client) {
  for (;;) {
    siginfo_t info;
    std::memset(&info, 0, sizeof info);
    if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
      if (errno == EINTR) continue;
      return true;  // ECHILD: cannot happen while the client is unreaped.
    }
    if (info.si_pid == 0) return false;
    if (info.si_pid == client) return true;
    siginfo_t reaped;
    waitid(P_PID, static_cast<id_t>(info.si_pid), &reaped, WEXITED | WNOHANG);
  }
}

// Whether our child `pid` has exited (is a zombie); true as well when it
// is not our child any more.
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

void Reap(pid_t pid) {
  siginfo_t info;
  waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG);
}

// Writes the decimal digits of `value` at `out`; returns the end.
char* AppendDecimal(char* out, long value) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0 && n < 24);
  while (n > 0) *out++ = digits[--n];
  return out;
}

char* AppendText(char* out, const char* text) {
  while (*text != '\0') *out++ = *text++;
  return out;
}

// The parent pid in /proc/<pid>/stat ("pid (comm) state ppid ..."), or -1.
pid_t ParentOf(pid_t pid) {
  char path[48];
  char* end = AppendText(path, "/proc/");
  end = AppendDecimal(end, pid);
  end = AppendText(end, "/stat");
  *end = '\0';
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char buf[512];
  const std::size_t got = ReadFull(fd, buf, sizeof buf - 1);
  close(fd);
  buf[got] = '\0';
  // comm may hold anything, ')' included, but is at most 16 bytes: the
  // last ')' ends it.
  const char* close_paren = nullptr;
  for (std::size_t i = 0; i < got; ++i) {
    if (buf[i] == ')') close_paren = buf + i;
  }
  if (close_paren == nullptr) return -1;
  const char* p = close_paren + 1;
  while (*p == ' ') ++p;
  if (*p == '\0') return -1;
  ++p;  // The state letter.
  while (*p == ' ') ++p;
  long ppid = 0;
  if (*p < '0' || *p > '9') return -1;
  while (*p >= '0' && *p <= '9') ppid = ppid * 10 + (*p++ - '0');
  return static_cast<pid_t>(ppid);
}

// Calls visit(pid) for every decimal number in the file `fd`.
template <typename Visit>
void ForEachNumberIn(int fd, Visit& visit) {
  char buf[1024];
  long current = -1;
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i) {
      const char c = buf[i];
      if (c >= '0' && c <= '9') {
        current = (current < 0 ? 0 : current) * 10 + (c - '0');
        if (current > (1L << 30)) current = 1L << 30;  // Not a pid.
      } else {
        if (current > 0) visit(static_cast<pid_t>(current));
        current = -1;
      }
    }
  }
  if (current > 0) visit(static_cast<pid_t>(current));
}

// The fields of a linux_dirent64 (getdents64(2)) that we read.
constexpr std::size_t kDirentReclenOffset = 16;
constexpr std::size_t kDirentNameOffset = 19;

template <typename Visit>
void ScanProcForChildren(Visit& visit) {
  const pid_t self = getpid();
  const int dir = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return;
  alignas(8) char buf[4096];
  for (;;) {
    const long n = syscall(SYS_getdents64, dir, buf, sizeof buf);
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      unsigned short reclen = 0;
      std::memcpy(&reclen, buf + off + kDirentReclenOffset, sizeof reclen);
      if (reclen == 0) break;
      const char* name = buf + off + kDirentNameOffset;
      off += reclen;
      long pid = 0;
      const char* p = name;
      while (*p >= '0' && *p <= '9' && pid < (1L << 30)) {
        pid = pid * 10 + (*p++ - '0');
      }
      if (*p != '\0' || pid <= 0) continue;
      if (ParentOf(static_cast<pid_t>(pid)) == self) {
        visit(static_cast<pid_t>(pid));
      }
    }
  }
  close(dir);
}

// Calls visit(pid) for every child of the supervisor (zombies included).
// The supervisor is single-threaded, so its thread's children are all of
// them.
template <typename Visit>
void ForEachChild(bool scan_proc, Visit visit) {
  if (!scan_proc) {
    const int fd = open("/proc/thread-self/children", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ForEachNumberIn(fd, visit);
      close(fd);
      return;
    }
  }
  ScanProcForChildren(visit);
}

void DrainSignalfd(int sfd) {
  signalfd_siginfo info[8];
  while (read(sfd, info, sizeof info) > 0) {
  }
}

// Waits until a child changes state (SIGCHLD) or `ms` pass.
void WaitForChildEvent(int sfd, int ms) {
  if (sfd >= 0) {
    pollfd p = {sfd, POLLIN, 0};
    poll(&p, 1, ms);
    DrainSignalfd(sfd);
  } else {
    poll(nullptr, 0, ms);
  }
}

struct PidSet {
  pid_t pids[kMaxRemembered];
  int size = 0;
  bool Contains(pid_t pid) const {
    for (int i = 0; i < size; ++i) {
      if (pids[i] == pid) return true;
    }
    return false;
  }
  void Add(pid_t pid) {
    if (size < kMaxRemembered) pids[size++] = pid;
  }
};

// Once the client has exited: SIGKILLs every descendant still running and
// reaps them all, round after round (a killed process's own children come
// to the supervisor when it dies), until none is left or the budget is
// spent. Returns how many it had to kill, leaving out members of the
// client's group when that group was already being stopped.
int KillDescendants(pid_t client, bool group_signalled, bool scan_proc, int sfd,
                    bool* incomplete) {
  PidSet killed;
  int leftovers = 0;
  const long deadline = NowMs() + kCleanupBudgetMs;
  // Already being stopped with the client: finish that at once.
  if (group_signalled) kill(-client, SIGKILL);
  for (;;) {
    int others = 0;
    ForEachChild(scan_proc, [&](pid_t pid) {
      if (pid == client) return;
      ++others;
      if (HasExited(pid)) {
        Reap(pid);
        return;
      }
      if (!killed.Contains(pid)) {
        killed.Add(pid);
        if (!(group_signalled && getpgid(pid) == client)) ++leftovers;
      }
      // Our child, unreaped: its pid cannot have been reused.
      kill(pid, SIGKILL);
    });
    if (others == 0) return leftovers;
    if (NowMs() >= deadline) {
      *incomplete = true;
      return leftovers;
    }
    WaitForChildEvent(sfd, kRoundWaitMs);
  }
}

}  // namespace

[[noreturn]] void RunSupervisor(const Plan& plan) {
  ArrangeDescriptors(plan);
  ResetSignalDispositions();
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
    SetupFailed(kStatusFd, SetupStep::kSubreaper, errno);
  }
  // Every signal stays blocked in the supervisor (the parent forked it so):
  // a Ctrl-C meant for Gauntlet's process group must not stop it, and
  // SIGCHLD is read from a signalfd. Without one, a poll tick does.
  sigset_t child_signal;
  sigemptyset(&child_signal);
  sigaddset(&child_signal, SIGCHLD);
  const int sfd = signalfd(-1, &child_signal, SFD_CLOEXEC | SFD_NONBLOCK);

  int exec_pipe[2];
  int go_pipe[2];
  if (pipe2(exec_pipe, O_CLOEXEC) != 0 || pipe2(go_pipe, O_CLOEXEC) != 0) {
    SetupFailed(kStatusFd, SetupStep::kExecPipe, errno);
  }
  // _Fork: no atfork handlers, async-signal-safe (glibc 2.34).
  const pid_t client = _Fork();
  if (client < 0) SetupFailed(kStatusFd, SetupStep::kFork, errno);
  if (client == 0) BecomeClient(plan, go_pipe[0], exec_pipe[1]);
  close(exec_pipe[1]);
  close(go_pipe[0]);
  // Only the client may hold the capture pipes, so that they reach end of
  // file when its processes are gone.
  close(kClientStdoutFd);
  close(kClientStderrFd);
  // Gauntlet learns the client's pid before any of the client's own code
  // runs.
  Record forked;
  forked.event = Event::kForked;
  forked.pid = client;
  Report(kStatusFd, forked);
  const char go = 1;
  WriteAll(go_pipe[1], &go, 1);
  close(go_pipe[1]);

  int exec_error = 0;
  const std::size_t got =
      ReadFull(exec_pipe[0], &exec_error, sizeof exec_error);
  close(exec_pipe[0]);
  if (got != 0) {
    if (got != sizeof exec_error) exec_error = EIO;
    siginfo_t info;
    while (waitid(P_PID, static_cast<id_t>(client), &info, WEXITED) != 0 &&
           errno == EINTR) {
    }
    Record r;
    r.event = Event::kExecFailed;
    r.error = exec_error;
    Report(kStatusFd, r);
    _exit(0);
  }
  Record started;
  started.event = Event::kStarted;
  started.pid = client;
  Report(kStatusFd, started);

  // Until the client exits: obey commands, reap orphans that exit.
  bool group_signalled = false;
  bool control_open = true;
  while (!ReapExitedChildren(client)) {
    pollfd fds[2];
    nfds_t nfds = 0;
    int control_index = -1;
    if (sfd >= 0) fds[nfds++] = {sfd, POLLIN, 0};
    if (control_open) {
      control_index = static_cast<int>(nfds);
      fds[nfds++] = {kControlFd, POLLIN, 0};
    }
    if (poll(fds, nfds, sfd >= 0 ? -1 : kPollTickMs) < 0) {
      if (errno != EINTR) poll(nullptr, 0, kPollTickMs);
      continue;
    }
    if (control_index >= 0 && fds[control_index].revents != 0) {
      char commands[64];
      const ssize_t n = read(kControlFd, commands, sizeof commands);
      if (n > 0) {
        for (ssize_t i = 0; i < n; ++i) {
          if (commands[i] == kCommandTerminate) {
            SignalClient(client, SIGTERM);
            group_signalled = true;
          } else if (commands[i] == kCommandKill) {
            SignalClient(client, SIGKILL);
            group_signalled = true;
          }
        }
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        // Gauntlet is gone (or gave up on us): nothing may outlive it.
        control_open = false;
        SignalClient(client, SIGKILL);
        group_signalled = true;
      }
    }
    if (sfd >= 0) DrainSignalfd(sfd);
  }

  bool incomplete = false;
  const int leftovers = KillDescendants(client, group_signalled, plan.scan_proc,
                                        sfd, &incomplete);
  // Nothing is left in the client's group; its zombie kept the id from
  // being reused until here.
  kill(-client, SIGKILL);
  siginfo_t info;
  std::memset(&info, 0, sizeof info);
  while (waitid(P_PID, static_cast<id_t>(client), &info, WEXITED) != 0 &&
         errno == EINTR) {
  }
  Record finished;
  finished.event = Event::kFinished;
  finished.pid = client;
  finished.wait_code = info.si_code;
  finished.wait_status = info.si_status;
  finished.leftovers = leftovers;
  finished.flags = incomplete ? kCleanupIncomplete : 0;
  Report(kStatusFd, finished);
  _exit(0);
}

}  // namespace gauntlet::runner::supervisor
