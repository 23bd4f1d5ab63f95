#include "fake_servers/proxy/socket_io.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

namespace gauntlet::proxy {
namespace {

std::string Errno(int err) { return std::strerror(err); }

int MillisUntil(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - Clock::now());
  if (left.count() <= 0) return 0;
  if (left.count() > 60'000) return 60'000;
  return static_cast<int>(left.count()) + 1;
}

bool SetNonBlocking(int fd) {
  const int flags = fcntl(fd, F_GETFL, 0);
  return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

std::string FormatAddress(const sockaddr_storage& ss) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
    return absl::StrCat(buf, ":", ntohs(a->sin_port));
  }
  if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
    return absl::StrCat("[", buf, "]:", ntohs(a->sin6_port));
  }
  return "?";
}

// Waits for POLLOUT (or an error) on fd.
WaitResult WaitWritable(int fd, Clock::time_point deadline, int stop_fd) {
  for (;;) {
    pollfd p[2] = {{fd, POLLOUT, 0}, {stop_fd, POLLIN, 0}};
    const int n = poll(p, stop_fd >= 0 ? 2 : 1, MillisUntil(deadline));
    if (n < 0) {
      if (errno == EINTR) continue;
      return WaitResult::kReady;  // Let the write report the error.
    }
    if (stop_fd >= 0 && (p[1].revents & POLLIN)) return WaitResult::kStopped;
    if (n > 0 && p[0].revents != 0) return WaitResult::kReady;
    if (Clock::now() >= deadline) return WaitResult::kTimeout;
  }
}

}  // namespace

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    Reset();
    fd_ = other.release();
  }
  return *this;
}

void Fd::Reset() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

absl::StatusOr<Fd> ListenTcp(const std::string& host, std::uint16_t port,
                             int backlog) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string port_text = std::to_string(port);
  const int rc = getaddrinfo(host.c_str(), port_text.c_str(), &hints, &res);
  if (rc != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "listen address '", host, "': ", gai_strerror(rc)));
  }
  std::string last_error = "no address";
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    Fd fd(socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                 ai->ai_protocol));
    if (!fd.valid()) {
      last_error = Errno(errno);
      continue;
    }
    const int one = 1;
    setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0 ||
        listen(fd.get(), backlog) != 0 || !SetNonBlocking(fd.get())) {
      last_error = Errno(errno);
      continue;
    }
    freeaddrinfo(res);
    return fd;
  }
  freeaddrinfo(res);
  return absl::UnavailableError(absl::StrCat("cannot listen on ", host, ":",
                                             port, ": ", last_error));
}

absl::StatusOr<std::uint16_t> LocalPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    return absl::InternalError(absl::StrCat("getsockname: ", Errno(errno)));
  }
  if (ss.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  }
  if (ss.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  }
  return absl::InternalError("getsockname: not an IP socket");
}

std::string PeerAddress(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?";
  return FormatAddress(ss);
}

absl::StatusOr<Fd> ConnectTcp(const std::string& host, std::uint16_t port,
                              Clock::time_point deadline, int stop_fd) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string port_text = std::to_string(port);
  const int rc = getaddrinfo(host.c_str(), port_text.c_str(), &hints, &res);
  if (rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("upstream '", host, "': ", gai_strerror(rc)));
  }
  std::string last_error = "no address";
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    Fd fd(socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                 ai->ai_protocol));
    if (!fd.valid()) {
      last_error = Errno(errno);
      continue;
    }
    if (connect(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0 &&
        errno != EINPROGRESS) {
      last_error = Errno(errno);
      continue;
    }
    const WaitResult w = WaitWritable(fd.get(), deadline, stop_fd);
    if (w == WaitResult::kStopped) {
      freeaddrinfo(res);
      return absl::CancelledError("proxy stopping");
    }
    if (w == WaitResult::kTimeout) {
      last_error = "connect timed out";
      continue;
    }
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      last_error = Errno(err);
      continue;
    }
    const int one = 1;
    setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    freeaddrinfo(res);
    return fd;
  }
  freeaddrinfo(res);
  return absl::UnavailableError(absl::StrCat(
      "cannot connect to upstream ", host, ":", port, ": ", last_error));
}

WaitResult WaitReadable(const int* fds, bool* ready, int count,
                        Clock::time_point deadline, int stop_fd) {
  std::vector<pollfd> p;
  p.reserve(count + 1);
  for (int i = 0; i < count; ++i) {
    ready[i] = false;
    p.push_back({fds[i], POLLIN, 0});
  }
  p.push_back({stop_fd, POLLIN, 0});
  for (;;) {
    const int n = poll(p.data(), p.size(), MillisUntil(deadline));
    if (n < 0 && errno != EINTR) return WaitResult::kStopped;
    if (stop_fd >= 0 && (p.back().revents & POLLIN)) {
      return WaitResult::kStopped;
    }
    bool any = false;
    for (int i = 0; i < count; ++i) {
      if (fds[i] >= 0 && p[i].revents != 0) {
        ready[i] = true;
        any = true;
      }
    }
    if (any) return WaitResult::kReady;
    if (Clock::now() >= deadline) return WaitResult::kTimeout;
  }
}

absl::StatusOr<std::string> ReadSome(int fd, std::size_t max_bytes) {
  std::string buf(max_bytes, '\0');
  for (;;) {
    const ssize_t n = recv(fd, buf.data(), buf.size(), 0);
    if (n > 0) {
      buf.resize(static_cast<std::size_t>(n));
      return buf;
    }
    if (n == 0) return std::string();
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return absl::UnavailableError("no data");
    }
    return absl::AbortedError(absl::StrCat("read: ", Errno(errno)));
  }
}

absl::Status WriteAll(int fd, std::string_view bytes,
                      Clock::time_point deadline, int stop_fd) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const WaitResult w = WaitWritable(fd, deadline, stop_fd);
      if (w == WaitResult::kStopped) {
        return absl::CancelledError("proxy stopping");
      }
      if (w == WaitResult::kTimeout) {
        return absl::DeadlineExceededError("write timed out");
      }
      continue;
    }
    return absl::AbortedError(absl::StrCat("write: ", Errno(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<StopSignal> StopSignal::Create() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", Errno(errno)));
  }
  StopSignal s;
  s.read_ = Fd(fds[0]);
  s.write_ = Fd(fds[1]);
  return s;
}

void StopSignal::Trigger() const {
  const char c = 's';
  // Never drained: the read end stays readable for every poll from now on.
  [[maybe_unused]] const ssize_t n = ::write(write_.get(), &c, 1);
}

bool StopSignal::triggered() const {
  pollfd p{read_.get(), POLLIN, 0};
  return poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

}  // namespace gauntlet::proxy
