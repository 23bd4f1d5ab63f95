// Blocking-with-deadline TCP helpers for the proxy's session threads.
//
// Every socket the proxy owns is non-blocking and every wait is a poll()
// with a deadline that also watches a shared "stop" descriptor, so that
// stopping the proxy (Ctrl-C, --max-sessions reached, a test tearing down)
// wakes every session at once without closing descriptors under another
// thread's feet. Writes use MSG_NOSIGNAL: a peer that vanishes is an error
// value, never SIGPIPE.

#ifndef GAUNTLET_FAKE_SERVERS_PROXY_SOCKET_IO_H_
#define GAUNTLET_FAKE_SERVERS_PROXY_SOCKET_IO_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace gauntlet::proxy {

using Clock = std::chrono::steady_clock;

// Owns a file descriptor; closes it once.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  ~Fd() { Reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void Reset();

 private:
  int fd_ = -1;
};

// Binds and listens (SO_REUSEADDR, non-blocking). Port 0 picks one.
absl::StatusOr<Fd> ListenTcp(const std::string& host, std::uint16_t port,
                             int backlog = 16);
// The port a socket is bound to.
absl::StatusOr<std::uint16_t> LocalPort(int fd);
// "ADDR:PORT" of the peer, or "?" when unknown.
std::string PeerAddress(int fd);

// Resolves `host` (numeric or a name; the first address that connects wins)
// and connects within the deadline; the result is non-blocking.
absl::StatusOr<Fd> ConnectTcp(const std::string& host, std::uint16_t port,
                              Clock::time_point deadline, int stop_fd);

enum class WaitResult { kReady, kTimeout, kStopped };

// Waits until one of `fds` (-1 entries ignored) is readable (or has hung
// up), the deadline passes, or stop_fd becomes readable. `ready[i]` says
// which ones are.
WaitResult WaitReadable(const int* fds, bool* ready, int count,
                        Clock::time_point deadline, int stop_fd);

// Reads what is available (at most max_bytes). Empty result = EOF.
// Unavailable when nothing was available (spurious wake-up); other errors
// (a reset) are errors.
absl::StatusOr<std::string> ReadSome(int fd, std::size_t max_bytes);

// Writes all of `bytes` before the deadline (MSG_NOSIGNAL).
absl::Status WriteAll(int fd, std::string_view bytes,
                      Clock::time_point deadline, int stop_fd);

// A pipe whose read end becomes readable forever once Trigger() is called.
class StopSignal {
 public:
  static absl::StatusOr<StopSignal> Create();
  StopSignal(StopSignal&&) = default;
  StopSignal& operator=(StopSignal&&) = default;

  int fd() const { return read_.get(); }
  // Async-signal-safe; idempotent.
  void Trigger() const;
  bool triggered() const;

 private:
  StopSignal() = default;
  Fd read_;
  Fd write_;
};

}  // namespace gauntlet::proxy

#endif  // GAUNTLET_FAKE_SERVERS_PROXY_SOCKET_IO_H_
