#include "client/transport.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/exit_codes.h"
#include "common/status_macros.h"

namespace gauntlet::client {
namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
// Bounds the loops below even with an infinite deadline: each iteration
// either consumes input or waits in poll().
constexpr int kMaxPumpIterations = 100'000;

absl::Status ErrnoError(absl::string_view what, int err) {
  return ClientError(ExitCode::kConnection,
                     absl::StrCat(what, ": ", std::strerror(err)));
}

// DeadlineExceeded, so that callers can tell a timeout from other
// connection trouble.
absl::Status TimedOut(absl::string_view what) {
  return WithExitCode(
      absl::DeadlineExceededError(absl::StrCat(what, ": timed out")),
      ExitCode::kConnection);
}

// Waits for `events` on fd; DeadlineExceeded (as kConnection) on timeout.
absl::Status WaitFor(int fd, short events, Deadline deadline,
                     absl::string_view what) {
  for (int i = 0; i < kMaxPumpIterations; ++i) {
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, deadline.PollTimeoutMs());
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return ErrnoError("poll", errno);
    if (r == 0) return TimedOut(what);
    return absl::OkStatus();
  }
  return TimedOut(what);
}

std::string AddressText(const sockaddr* sa) {
  char host[NI_MAXHOST] = {0};
  char serv[NI_MAXSERV] = {0};
  const socklen_t len = sa->sa_family == AF_INET6 ? sizeof(sockaddr_in6)
                                                  : sizeof(sockaddr_in);
  if (::getnameinfo(sa, len, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return "?";
  }
  return sa->sa_family == AF_INET6 ? absl::StrCat("[", host, "]:", serv)
                                   : absl::StrCat(host, ":", serv);
}

}  // namespace

int Deadline::PollTimeoutMs() const {
  if (!at_.has_value()) return -1;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      *at_ - Clock::now());
  if (left.count() <= 0) return 0;
  // Round up so that a wait never ends just before the deadline.
  return left.count() >= 0x7fffffff ? 0x7fffffff
                                    : static_cast<int>(left.count()) + 1;
}

absl::StatusOr<std::unique_ptr<Transport>> Transport::Connect(
    const std::string& host, std::uint16_t port,
    std::chrono::milliseconds timeout) {
  const Deadline deadline = Deadline::In(timeout);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  const int gai = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  if (gai != 0) {
    return ClientError(ExitCode::kConnection,
                       absl::StrCat("cannot resolve \"", host,
                                    "\": ", ::gai_strerror(gai)));
  }
  std::string failures;
  int fd = -1;
  for (addrinfo* ai = found; ai != nullptr && fd < 0; ai = ai->ai_next) {
    const std::string where = AddressText(ai->ai_addr);
    int s = ::socket(ai->ai_family,
                     ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                     ai->ai_protocol);
    if (s < 0) {
      absl::StrAppend(&failures, failures.empty() ? "" : "; ", where, ": ",
                      std::strerror(errno));
      continue;
    }
    int err = 0;
    if (::connect(s, ai->ai_addr, ai->ai_addrlen) != 0) {
      err = errno;
      if (err == EINPROGRESS) {
        absl::Status waited = WaitFor(s, POLLOUT, deadline, "connect");
        if (!waited.ok()) {
          ::close(s);
          absl::StrAppend(&failures, failures.empty() ? "" : "; ", where,
                          ": timed out");
          break;  // The overall deadline has passed.
        }
        socklen_t len = sizeof err;
        if (::getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      }
    }
    if (err != 0) {
      absl::StrAppend(&failures, failures.empty() ? "" : "; ", where, ": ",
                      std::strerror(err));
      ::close(s);
      continue;
    }
    fd = s;
  }
  ::freeaddrinfo(found);
  if (fd < 0) {
    return ClientError(ExitCode::kConnection,
                       absl::StrCat("cannot connect to ", host, " port ", port,
                                    " (", failures, ")"));
  }
  int one = 1;
  // Commands are small and each waits for its reply: Nagle only adds delay.
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return std::unique_ptr<Transport>(new Transport(fd));
}

Transport::~Transport() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status Transport::SendRaw(absl::string_view bytes, Deadline deadline) {
  if (fd_ < 0) {
    return ClientError(ExitCode::kConnection, "send: connection closed");
  }
  for (int i = 0; !bytes.empty() && i < kMaxPumpIterations; ++i) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      GAUNTLET_RETURN_IF_ERROR(WaitFor(fd_, POLLOUT, deadline, "send"));
      continue;
    }
    return ErrnoError("send", n < 0 ? errno : EPIPE);
  }
  if (!bytes.empty()) return TimedOut("send");
  return absl::OkStatus();
}

absl::StatusOr<std::string> Transport::ReceiveRaw(Deadline deadline) {
  if (fd_ < 0) {
    return ClientError(ExitCode::kConnection, "receive: connection closed");
  }
  std::string buf(kReadChunk, '\0');
  for (int i = 0; i < kMaxPumpIterations; ++i) {
    const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
    if (n > 0) {
      buf.resize(static_cast<std::size_t>(n));
      return buf;
    }
    if (n == 0) return absl::NotFoundError("EOF");
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      GAUNTLET_RETURN_IF_ERROR(
          WaitFor(fd_, POLLIN, deadline, "waiting for the server"));
      continue;
    }
    if (errno == ECONNRESET) {
      return ClientError(ExitCode::kConnection,
                         "the server reset the connection");
    }
    return ErrnoError("recv", errno);
  }
  return TimedOut("waiting for the server");
}

absl::Status Transport::FlushTls(Deadline deadline) {
  const std::string out = tls_->TakeCiphertextToSend();
  return out.empty() ? absl::OkStatus() : SendRaw(out, deadline);
}

absl::Status Transport::Send(absl::string_view bytes, Deadline deadline) {
  if (!tls_) return SendRaw(bytes, deadline);
  absl::Status written = tls_->WritePlaintext(std::string_view(bytes.data(), bytes.size()));
  if (!written.ok()) {
    return ClientError(ExitCode::kTls,
                       absl::StrCat("TLS write failed: ", written.message()));
  }
  return FlushTls(deadline);
}

absl::Status Transport::Receive(std::string* out, Deadline deadline) {
  if (!tls_) {
    // Each round returns or reads at least one byte of TLS records the
    // scanner drops; a record is at most 16 KiB + 5 bytes.
    for (int i = 0; i < kMaxPumpIterations; ++i) {
      absl::StatusOr<std::string> raw = ReceiveRaw(deadline);
      if (absl::IsNotFound(raw.status())) {
        return ClientError(ExitCode::kConnection,
                           "the server closed the connection");
      }
      GAUNTLET_RETURN_IF_ERROR(raw.status());
      absl::string_view bytes = *raw;
      if (leftover_records_.has_value()) {
        const std::uint64_t start = leftover_records_->bytes_seen();
        leftover_records_->Feed(std::string_view(bytes.data(), bytes.size()));
        if (!leftover_records_->non_tls().has_value()) continue;
        // Plaintext replies start with a digit, never a record type, so
        // the first non-TLS header starts in this chunk.
        const std::uint64_t at =
            std::max(start, leftover_records_->non_tls()->offset);
        bytes.remove_prefix(static_cast<std::size_t>(
            std::min<std::uint64_t>(at - start, bytes.size())));
        leftover_records_.reset();
      }
      out->append(bytes.data(), bytes.size());
      return absl::OkStatus();
    }
    return TimedOut("waiting for the server");
  }
  for (int i = 0; i < kMaxPumpIterations; ++i) {
    absl::StatusOr<tls::ReadResult> read = tls_->ReadPlaintext(kReadChunk);
    // Post-handshake messages (key updates) may need an answer.
    absl::Status flushed = FlushTls(deadline);
    if (!read.ok()) {
      const tls::TlsFailure& f = tls_->failure();
      if (f.kind == tls::FailureKind::kTruncated) {
        return ClientError(ExitCode::kConnection,
                           "the server closed the connection inside TLS "
                           "without close_notify");
      }
      return ClientError(
          ExitCode::kTls,
          absl::StrCat("TLS read failed: ",
                       f.message.empty() ? read.status().message()
                                         : absl::string_view(f.message)));
    }
    GAUNTLET_RETURN_IF_ERROR(flushed);
    if (read->event == tls::ReadEvent::kData) {
      out->append(read->plaintext);
      return absl::OkStatus();
    }
    if (read->event == tls::ReadEvent::kCloseNotify) {
      return ClientError(ExitCode::kConnection,
                         "the server ended the TLS session (close_notify)");
    }
    absl::StatusOr<std::string> raw = ReceiveRaw(deadline);
    if (absl::IsNotFound(raw.status())) {
      // The engine turns a second look at the end into truncation or
      // close_notify; this guard only keeps a misbehaving engine from
      // spinning on a closed socket.
      if (tls_->end_of_stream()) {
        return ClientError(ExitCode::kConnection,
                           "the server closed the connection");
      }
      tls_->FeedEndOfStream();
      continue;
    }
    GAUNTLET_RETURN_IF_ERROR(raw.status());
    absl::Status fed = tls_->FeedCiphertext(*raw);
    if (!fed.ok()) {
      return ClientError(ExitCode::kTls,
                         absl::StrCat("TLS input refused: ", fed.message()));
    }
  }
  return TimedOut("waiting for the server");
}

absl::Status Transport::HandshakeFailure(const absl::Status& status) const {
  const tls::TlsFailure& f = tls_->failure();
  const std::string detail =
      f.message.empty() ? std::string(status.message()) : f.message;
  if (f.kind == tls::FailureKind::kCertificateRejected) {
    return ClientError(ExitCode::kTls,
                       absl::StrCat("server certificate rejected: ", detail));
  }
  return ClientError(ExitCode::kTls,
                     absl::StrCat("TLS handshake failed (",
                                  std::string(tls::FailureKindName(f.kind)), "): ", detail));
}

absl::Status Transport::StartTls(const tls::TlsContext& context,
                                 tls::SessionConfig config,
                                 Deadline deadline) {
  if (tls_) {
    return ClientError(ExitCode::kProtocolViolation, "TLS is already active");
  }
  absl::StatusOr<tls::TlsSession> session =
      tls::TlsSession::Create(context, std::move(config));
  if (!session.ok()) {
    return ClientError(ExitCode::kTls,
                       absl::StrCat("cannot start TLS: ",
                                    session.status().message()));
  }
  tls_ = std::make_unique<tls::TlsSession>(*std::move(session));
  for (int i = 0; i < kMaxPumpIterations; ++i) {
    absl::StatusOr<tls::HandshakeProgress> progress = tls_->Handshake();
    // Sent even on failure: it may hold our alert, which tells the server why.
    absl::Status flushed = FlushTls(deadline);
    if (!progress.ok()) return HandshakeFailure(progress.status());
    if (!flushed.ok() && !absl::IsDeadlineExceeded(flushed)) {
      return WithExitCode(flushed, ExitCode::kTls);  // E.g. reset mid-handshake.
    }
    GAUNTLET_RETURN_IF_ERROR(flushed);
    if (*progress == tls::HandshakeProgress::kComplete) {
      return absl::OkStatus();
    }
    absl::StatusOr<std::string> raw = ReceiveRaw(deadline);
    if (absl::IsNotFound(raw.status())) {
      if (tls_->end_of_stream()) {
        return ClientError(ExitCode::kTls,
                           "TLS handshake failed: the server closed the "
                           "connection");
      }
      tls_->FeedEndOfStream();
      continue;
    }
    if (absl::IsDeadlineExceeded(raw.status())) return raw.status();
    if (!raw.ok()) {
      // A reset in the middle of the handshake is a handshake failure.
      return WithExitCode(raw.status(), ExitCode::kTls);
    }
    absl::Status fed = tls_->FeedCiphertext(*raw);
    if (!fed.ok()) {
      return ClientError(ExitCode::kTls,
                         absl::StrCat("TLS handshake: ", fed.message()));
    }
  }
  return TimedOut("TLS handshake");
}

void Transport::AbandonTls() {
  const bool had_records = tls_ != nullptr && tls_->handshake_complete();
  tls_.reset();
  if (had_records) leftover_records_.emplace();
}

void Transport::Close(Deadline deadline) {
  if (fd_ < 0) return;
  if (tls_ && tls_->handshake_complete() &&
      tls_->state() == tls::SessionState::kEstablished) {
    if (tls_->Shutdown().ok()) (void)FlushTls(deadline);
  }
  ::close(fd_);
  fd_ = -1;
}

}  // namespace gauntlet::client
