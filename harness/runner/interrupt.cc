#include "harness/runner/interrupt.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "harness/runner/process.h"

namespace gauntlet::runner {
namespace {

static_assert(std::atomic<bool>::is_always_lock_free);
static_assert(std::atomic<int>::is_always_lock_free);

std::atomic<bool> g_interrupted{false};
// The first signal taken by the handler; 0 before.
std::atomic<int> g_first_signal{0};
// Signals taken by the handler; the second one exits at once.
std::atomic<int> g_signal_count{0};
// The self-pipe; -1 until installed. Read end polled, write end written by
// the handler.
std::atomic<int> g_pipe_read{-1};
std::atomic<int> g_pipe_write{-1};

std::mutex g_install_mu;
bool g_installed = false;
// The signals handled, and the dispositions they had before.
constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};
constexpr int kSignalCount = sizeof kSignals / sizeof kSignals[0];
struct sigaction g_old[kSignalCount];

// The directory removed on a forced exit: written by
// SetDirectoryToRemoveOnForcedExit only while g_cleanup_ready is false, read
// by the handler only while it is true.
constexpr std::size_t kMaxCleanupPath = 4096;
char g_cleanup_dir[kMaxCleanupPath];
std::atomic<bool> g_cleanup_ready{false};

// Directory levels the forced-exit removal descends, and its read buffers
// (static: the handler may run on a small stack, and runs once).
constexpr int kMaxCleanupDepth = 16;
alignas(8) char g_dirent_bufs[kMaxCleanupDepth][2048];

// The parts of a linux_dirent64 (getdents64(2)) that are read.
constexpr std::size_t kDirentReclenOffset = 16;
constexpr std::size_t kDirentNameOffset = 19;

bool IsDotOrDotDot(const char* name) {
  return name[0] == '.' &&
         (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

// Removes `name` in directory `parent_fd`, and everything below it when it
// is a directory. Async-signal-safe: system calls and static buffers only.
void RemoveTreeAt(int parent_fd, const char* name, int depth) {
  if (unlinkat(parent_fd, name, 0) == 0) return;
  if (errno != EISDIR || depth >= kMaxCleanupDepth) return;
  // A client may have made its directories unreadable.
  fchmodat(parent_fd, name, S_IRWXU, AT_SYMLINK_NOFOLLOW);
  const int fd =
      openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) {
    char* buf = g_dirent_bufs[depth];
    // Removing entries while reading may make getdents skip some: read
    // again from the start until a pass finds nothing (bounded).
    for (int pass = 0; pass < 8; ++pass) {
      bool found = false;
      lseek(fd, 0, SEEK_SET);
      long n;
      while ((n = syscall(SYS_getdents64, fd, buf, sizeof g_dirent_bufs[0])) >
             0) {
        for (long off = 0; off < n;) {
          unsigned short reclen = 0;
          std::memcpy(&reclen, buf + off + kDirentReclenOffset, sizeof reclen);
          if (reclen == 0) break;
          const char* entry = buf + off + kDirentNameOffset;
          off += reclen;
          if (IsDotOrDotDot(entry)) continue;
          found = true;
          RemoveTreeAt(fd, entry, depth + 1);
        }
      }
      if (!found) break;
    }
    close(fd);
  }
  unlinkat(parent_fd, name, AT_REMOVEDIR);
}

void RemoveCleanupDir() {
  if (!g_cleanup_ready.load()) return;
  RemoveTreeAt(AT_FDCWD, g_cleanup_dir, 0);
}

void WakePipe() {
  const int fd = g_pipe_write.load();
  if (fd >= 0) {
    const char byte = 1;
    // A full pipe already wakes every poller; nothing to do on EAGAIN.
    [[maybe_unused]] ssize_t n = write(fd, &byte, 1);
  }
}

int ExitCodeFor(int sig) { return sig > 0 ? 128 + sig : kExitInterrupted; }

void OnInterruptSignal(int sig) {
  const int saved_errno = errno;
  int expected = 0;
  g_first_signal.compare_exchange_strong(expected, sig);
  if (g_signal_count.fetch_add(1) >= 1) {
    // The first signal is being handled and the user pressed Ctrl-C again.
    KillAllChildren();
    RemoveCleanupDir();
    _exit(ExitCodeFor(g_first_signal.load()));
  }
  g_interrupted.store(true);
  KillAllChildren();
  WakePipe();
  errno = saved_errno;
}

absl::Status MakePipe() {
  if (g_pipe_read.load() >= 0) return absl::OkStatus();
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    return absl::InternalError(
        absl::StrCat("interrupt self-pipe: ", std::strerror(errno)));
  }
  g_pipe_read.store(fds[0]);
  g_pipe_write.store(fds[1]);
  return absl::OkStatus();
}

void DrainPipe() {
  const int fd = g_pipe_read.load();
  if (fd < 0) return;
  char buf[64];
  while (read(fd, buf, sizeof buf) > 0) {
  }
}

}  // namespace

absl::Status InstallInterruptHandlers() {
  std::lock_guard<std::mutex> lock(g_install_mu);
  if (g_installed) return absl::OkStatus();
  if (absl::Status s = MakePipe(); !s.ok()) return s;
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = OnInterruptSignal;
  sigemptyset(&sa.sa_mask);
  // All of them are blocked while any handler runs, so the "second
  // signal" count cannot race with the first handler.
  for (int sig : kSignals) sigaddset(&sa.sa_mask, sig);
  sa.sa_flags = SA_RESTART;
  for (int i = 0; i < kSignalCount; ++i) {
    if (sigaction(kSignals[i], &sa, &g_old[i]) != 0) {
      const int err = errno;
      for (int j = 0; j < i; ++j) sigaction(kSignals[j], &g_old[j], nullptr);
      return absl::InternalError(absl::StrCat(
          "sigaction(", sigabbrev_np(kSignals[i]), "): ", std::strerror(err)));
    }
  }
  g_installed = true;
  return absl::OkStatus();
}

void RestoreInterruptHandlers() {
  std::lock_guard<std::mutex> lock(g_install_mu);
  if (!g_installed) return;
  for (int i = 0; i < kSignalCount; ++i) {
    sigaction(kSignals[i], &g_old[i], nullptr);
  }
  g_installed = false;
}

const std::atomic<bool>& InterruptFlag() { return g_interrupted; }

bool Interrupted() { return g_interrupted.load(); }

bool WaitForInterrupt(std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + timeout;
  while (!g_interrupted.load()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - Clock::now());
    if (left.count() <= 0) return false;
    const int fd = g_pipe_read.load();
    if (fd < 0) return g_interrupted.load();
    pollfd p{fd, POLLIN, 0};
    const int ms = static_cast<int>(
        std::min<std::chrono::milliseconds::rep>(left.count(), 60'000));
    if (poll(&p, 1, ms) > 0) DrainPipe();
  }
  return true;
}

int InterruptExitCode() { return ExitCodeFor(g_first_signal.load()); }

void RequestInterrupt() {
  g_interrupted.store(true);
  WakePipe();
}

void SetDirectoryToRemoveOnForcedExit(const std::string& path) {
  g_cleanup_ready.store(false);
  if (path.empty() || path.size() >= kMaxCleanupPath) return;
  std::memcpy(g_cleanup_dir, path.c_str(), path.size() + 1);
  g_cleanup_ready.store(true);
}

void ResetInterruptForTest() {
  DrainPipe();
  g_signal_count.store(0);
  g_first_signal.store(0);
  g_interrupted.store(false);
}

}  // namespace gauntlet::runner
