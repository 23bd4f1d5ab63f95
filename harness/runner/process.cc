#include "harness/runner/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

extern char** environ;

namespace gauntlet::runner {
namespace {

using Clock = std::chrono::steady_clock;

// How often the loop wakes up at most to look at the cancel flag (and, on
// kernels without pidfd_open, at the child).
constexpr std::chrono::milliseconds kTick{50};
// Read chunk, and how many chunks one wake-up reads from a pipe before the
// loop looks at the clock again (a child that writes as fast as we read
// must not starve the timeout).
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr int kMaxReadsPerWake = 16;

// The registry of live child process groups. A slot is 0 when free, -1 when
// reserved by a RunProcess that is spawning, and the pgid when live. Plain
// atomics so that KillAllChildren stays async-signal-safe.
static_assert(std::atomic<pid_t>::is_always_lock_free);
static_assert(std::atomic<unsigned>::is_always_lock_free);
std::atomic<pid_t> g_slots[kMaxLiveChildren];
// Bumped by every KillAllChildren call, so a RunProcess that was spawning
// while it ran (its slot still -1) notices afterwards.
std::atomic<unsigned> g_kill_all_epoch{0};

int ReserveSlot() {
  for (int i = 0; i < kMaxLiveChildren; ++i) {
    pid_t expected = 0;
    if (g_slots[i].compare_exchange_strong(expected, -1)) return i;
  }
  return -1;
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

// Frees a registry slot however RunProcess leaves.
class SlotGuard {
 public:
  explicit SlotGuard(int slot) : slot_(slot) {}
  SlotGuard(const SlotGuard&) = delete;
  SlotGuard& operator=(const SlotGuard&) = delete;
  ~SlotGuard() { Release(); }
  void Publish(pid_t pgid) { g_slots[slot_].store(pgid); }
  void Release() {
    if (slot_ >= 0) g_slots[slot_].store(0);
    slot_ = -1;
  }

 private:
  int slot_;
};

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

int OpenPidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  const long fd = syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) {
    fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
    return static_cast<int>(fd);
  }
#else
  (void)pid;
#endif
  return -1;
}

// Whether `pid` has exited, leaving it a zombie (WNOWAIT) so that its pid,
// and so its process group id, cannot be reused until we reap it.
bool HasExited(pid_t pid) {
  siginfo_t info;
  std::memset(&info, 0, sizeof info);
  for (;;) {
    if (waitid(P_PID, static_cast<id_t>(pid), &info,
               WEXITED | WNOHANG | WNOWAIT) == 0) {
      return info.si_pid == pid;
    }
    if (errno != EINTR) return true;  // ECHILD: nothing left to wait for.
  }
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

}  // namespace

std::string RunResult::Describe() const {
  std::string s;
  if (timed_out) s = "timed out, ";
  if (cancelled) s = "cancelled, ";
  if (exited) {
    absl::StrAppend(&s, "exit ", exit_code);
  } else if (signaled) {
    absl::StrAppend(&s, "killed by ", SignalName(term_signal));
  } else {
    absl::StrAppend(&s, "did not run");
  }
  absl::StrAppend(&s, absl::StrFormat(
                          " after %.2f s",
                          std::chrono::duration<double>(duration).count()));
  return s;
}

absl::StatusOr<RunResult> RunProcess(const RunOptions& options) {
  if (absl::Status s = ValidateOptions(options); !s.ok()) return s;

  std::vector<std::string> argv_storage = options.argv;
  std::vector<char*> argv = CStrings(argv_storage);
  std::vector<std::string> env_storage = BuildEnvironment(options.env);
  std::vector<char*> envp = CStrings(env_storage);

  // Close-on-exec, so that children spawned in parallel by other threads do
  // not inherit (and hold open) this child's pipes.
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot create a pipe: ", ErrnoText(errno)));
  }
  Fd out_r(out_pipe[0]), out_w(out_pipe[1]);
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot create a pipe: ", ErrnoText(errno)));
  }
  Fd err_r(err_pipe[0]), err_w(err_pipe[1]);

  SpawnSetup setup;
  if (posix_spawn_file_actions_init(&setup.actions) != 0 ||
      posix_spawnattr_init(&setup.attr) != 0) {
    return absl::ResourceExhaustedError("cannot set up posix_spawn");
  }
  setup.actions_ok = setup.attr_ok = true;
  int rc = posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO,
                                            "/dev/null", O_RDONLY, 0);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&setup.actions, out_w.get(), STDOUT_FILENO);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&setup.actions, err_w.get(), STDERR_FILENO);
  if (rc == 0 && !options.working_dir.empty()) {
    rc = posix_spawn_file_actions_addchdir_np(&setup.actions,
                                              options.working_dir.c_str());
  }
  sigset_t no_signals;
  sigset_t all_signals;
  sigemptyset(&no_signals);
  sigfillset(&all_signals);
  sigdelset(&all_signals, SIGKILL);
  sigdelset(&all_signals, SIGSTOP);
  if (rc == 0) {
    rc = posix_spawnattr_setflags(
        &setup.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                         POSIX_SPAWN_SETSIGDEF);
  }
  if (rc == 0) rc = posix_spawnattr_setpgroup(&setup.attr, 0);
  if (rc == 0) rc = posix_spawnattr_setsigmask(&setup.attr, &no_signals);
  if (rc == 0) rc = posix_spawnattr_setsigdefault(&setup.attr, &all_signals);
  if (rc != 0) {
    return absl::InternalError(
        absl::StrCat("cannot set up posix_spawn: ", ErrnoText(rc)));
  }

  const int slot = ReserveSlot();
  if (slot < 0) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "cannot run '", options.argv[0], "': already ", kMaxLiveChildren,
        " client processes running"));
  }
  SlotGuard slot_guard(slot);
  const unsigned epoch = g_kill_all_epoch.load();

  RunResult result;
  const Clock::time_point start = Clock::now();
  pid_t pid = 0;
  const bool search_path =
      options.argv[0].find('/') == std::string::npos;
  rc = search_path ? posix_spawnp(&pid, argv[0], &setup.actions, &setup.attr,
                                  argv.data(), envp.data())
                   : posix_spawn(&pid, argv[0], &setup.actions, &setup.attr,
                                 argv.data(), envp.data());
  if (rc != 0) {
    return absl::NotFoundError(absl::StrCat("cannot run '", options.argv[0],
                                            "': ", ErrnoText(rc)));
  }
  // The child's pgid is its pid, set before exec (POSIX_SPAWN_SETPGROUP).
  const pid_t pgid = pid;
  result.pid = pid;
  slot_guard.Publish(pgid);
  out_w.Close();
  err_w.Close();

  bool stopping = false;  // SIGTERM sent (timeout or cancel).
  bool sigkill_sent = false;
  bool leader_exited = false;
  Clock::time_point kill_at{};
  Clock::time_point drain_until{};
  const Clock::time_point deadline = start + options.timeout;

  if (g_kill_all_epoch.load() != epoch) {
    // KillAllChildren ran while our slot was still only reserved.
    kill(-pgid, SIGKILL);
    stopping = sigkill_sent = true;
    result.cancelled = true;
  }

  Fd pidfd(OpenPidfd(pid));
  for (Fd* fd : {&out_r, &err_r}) {
    const int flags = fcntl(fd->get(), F_GETFL);
    fcntl(fd->get(), F_SETFL, flags | O_NONBLOCK);
  }
  std::vector<char> buf(kReadChunk);

  for (;;) {
    Clock::time_point now = Clock::now();
    if (!leader_exited) {
      if (!stopping && options.cancel != nullptr && options.cancel->load()) {
        result.cancelled = stopping = true;
        kill(-pgid, SIGTERM);
        kill_at = now + options.kill_grace;
      }
      if (!stopping && now >= deadline) {
        result.timed_out = stopping = true;
        kill(-pgid, SIGTERM);
        kill_at = now + options.kill_grace;
      }
      if (stopping && !sigkill_sent && now >= kill_at) {
        kill(-pgid, SIGKILL);
        sigkill_sent = true;
      }
      if (HasExited(pid)) {
        leader_exited = true;
        if (g_kill_all_epoch.load() != epoch && !stopping) {
          result.cancelled = true;
        }
        // Nothing the client started may outlive it. Its zombie keeps the
        // pgid from being reused until we reap it below.
        kill(-pgid, SIGKILL);
        drain_until = now + options.kill_grace;
      }
    }
    if (leader_exited && !out_r.open() && !err_r.open()) break;
    // Something outside the group (a daemonised helper) holds the pipes.
    if (leader_exited && now >= drain_until) break;

    // Sleep until the next thing to do.
    Clock::time_point wake = now + std::chrono::hours(1);
    if (leader_exited) {
      wake = drain_until;
    } else {
      if (!stopping) wake = std::min(wake, deadline);
      if (stopping && !sigkill_sent) wake = std::min(wake, kill_at);
      if (options.cancel != nullptr || !pidfd.open()) {
        wake = std::min(wake, now + kTick);
      }
    }
    pollfd fds[3];
    nfds_t nfds = 0;
    int out_index = -1;
    int err_index = -1;
    if (out_r.open()) {
      out_index = static_cast<int>(nfds);
      fds[nfds++] = {out_r.get(), POLLIN, 0};
    }
    if (err_r.open()) {
      err_index = static_cast<int>(nfds);
      fds[nfds++] = {err_r.get(), POLLIN, 0};
    }
    if (!leader_exited && pidfd.open()) fds[nfds++] = {pidfd.get(), POLLIN, 0};
    const int ready = poll(fds, nfds, MillisUntil(now, wake));
    if (ready < 0) {
      if (errno == EINTR) continue;
      // Cannot happen with valid fds; treat it as a timeout so we still
      // kill and reap the child instead of spinning.
      if (!stopping) {
        result.timed_out = stopping = true;
        kill(-pgid, SIGTERM);
        kill_at = Clock::now() + options.kill_grace;
      }
      continue;
    }
    if (out_index >= 0 && fds[out_index].revents != 0) {
      Drain(out_r, result.out, options.output_cap, buf.data());
    }
    if (err_index >= 0 && fds[err_index].revents != 0) {
      Drain(err_r, result.err, options.output_cap, buf.data());
    }
  }
  // Whatever is still buffered in the pipes (bounded by Drain), even when
  // the drain window was zero.
  if (out_r.open()) Drain(out_r, result.out, options.output_cap, buf.data());
  if (err_r.open()) Drain(err_r, result.err, options.output_cap, buf.data());
  out_r.Close();
  err_r.Close();
  pidfd.Close();

  // Unregister before reaping: once reaped, the pgid may be reused.
  kill(-pgid, SIGKILL);
  slot_guard.Release();
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.duration = Clock::now() - start;
  if (WIFEXITED(status)) {
    result.exited = true;
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signaled = true;
    result.term_signal = WTERMSIG(status);
  }
  return result;
}

void KillAllChildren() {
  const int saved_errno = errno;
  g_kill_all_epoch.fetch_add(1);
  for (std::atomic<pid_t>& slot : g_slots) {
    const pid_t pgid = slot.load();
    if (pgid > 0) kill(-pgid, SIGKILL);
  }
  errno = saved_errno;
}

int LiveChildCount() {
  int n = 0;
  for (const std::atomic<pid_t>& slot : g_slots) {
    if (slot.load() > 0) ++n;
  }
  return n;
}

}  // namespace gauntlet::runner
