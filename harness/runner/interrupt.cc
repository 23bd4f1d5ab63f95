#include "harness/runner/interrupt.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>

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

void ResetInterruptForTest() {
  DrainPipe();
  g_signal_count.store(0);
  g_first_signal.store(0);
  g_interrupted.store(false);
}

}  // namespace gauntlet::runner
