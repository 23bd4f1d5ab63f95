#include "bench/server/bench_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "smtp/reply.h"
#include "tls/tls_session.h"

namespace gauntlet::bench {
namespace {

absl::Status Errno(std::string_view what) {
  return absl::UnavailableError(absl::StrCat(std::string(what), ": ", std::strerror(errno)));
}

int MillisLeft(Deadline deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

// Parses one reply off the front of `buffer`; nullopt when incomplete.
absl::StatusOr<std::optional<int>> TakeReply(std::string& buffer) {
  smtp::ReplyParser parser;
  std::optional<absl::StatusOr<smtp::Reply>> got;
  const std::size_t used =
      parser.Feed(buffer, [&](const smtp::ReplyResult& r) {
        got = r.ToStatusOr();
        return false;
      });
  if (!got.has_value()) return std::optional<int>();
  if (!got->ok()) return got->status();
  buffer.erase(0, used);
  return std::optional<int>((*got)->code);
}

absl::Status Expect(int got, int want, std::string_view step) {
  if (got == want) return absl::OkStatus();
  return absl::InternalError(
      absl::StrCat(std::string(step), ": expected ", want, ", got ", got));
}

// Pumps a client TlsSession over the connection.
class TlsPump {
 public:
  TlsPump(BenchConnection& conn, tls::TlsSession& tls)
      : conn_(conn), tls_(tls) {}

  absl::Status Flush() {
    const std::string out = tls_.TakeCiphertextToSend();
    return out.empty() ? absl::OkStatus() : conn_.SendAll(out);
  }

  absl::Status Handshake(Deadline deadline) {
    for (int i = 0; i < 64; ++i) {
      absl::StatusOr<tls::HandshakeProgress> p = tls_.Handshake();
      const absl::Status flushed = Flush();
      if (!p.ok()) return p.status();
      GAUNTLET_RETURN_IF_ERROR(flushed);
      if (*p == tls::HandshakeProgress::kComplete) return absl::OkStatus();
      GAUNTLET_ASSIGN_OR_RETURN(std::string raw, conn_.RecvSome(deadline));
      GAUNTLET_RETURN_IF_ERROR(tls_.FeedCiphertext(raw));
    }
    return absl::DeadlineExceededError("handshake: too many round trips");
  }

  absl::Status Send(std::string_view plaintext) {
    GAUNTLET_RETURN_IF_ERROR(tls_.WritePlaintext(plaintext));
    return Flush();
  }

  absl::StatusOr<int> ReadReply(Deadline deadline) {
    for (int i = 0; i < 64; ++i) {
      GAUNTLET_ASSIGN_OR_RETURN(std::optional<int> code, TakeReply(in_));
      if (code.has_value()) return *code;
      GAUNTLET_ASSIGN_OR_RETURN(std::string raw, conn_.RecvSome(deadline));
      GAUNTLET_RETURN_IF_ERROR(tls_.FeedCiphertext(raw));
      for (int j = 0; j < 64; ++j) {
        GAUNTLET_ASSIGN_OR_RETURN(tls::ReadResult r, tls_.ReadPlaintext(16384));
        if (r.event != tls::ReadEvent::kData) break;
        in_ += r.plaintext;
      }
      GAUNTLET_RETURN_IF_ERROR(Flush());
    }
    return absl::DeadlineExceededError("TLS reply: too many reads");
  }

 private:
  BenchConnection& conn_;
  tls::TlsSession& tls_;
  std::string in_;
};

}  // namespace

absl::StatusOr<BenchConnection> BenchConnection::Connect(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket");
  BenchConnection conn(fd);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return Errno("connect");
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return conn;
}

BenchConnection::BenchConnection(BenchConnection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)) {}

BenchConnection& BenchConnection::operator=(BenchConnection&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

BenchConnection::~BenchConnection() { Close(); }

void BenchConnection::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

absl::Status BenchConnection::SendAll(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("send");
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> BenchConnection::RecvSome(Deadline deadline) {
  pollfd p{fd_, POLLIN, 0};
  int r;
  do {
    r = ::poll(&p, 1, MillisLeft(deadline));
  } while (r < 0 && errno == EINTR);
  if (r < 0) return Errno("poll");
  if (r == 0) return absl::DeadlineExceededError("no data before deadline");
  std::string buf(16384, '\0');
  ssize_t n;
  do {
    n = ::recv(fd_, buf.data(), buf.size(), 0);
  } while (n < 0 && errno == EINTR);
  if (n == 0) return absl::NotFoundError("EOF");
  if (n < 0) return Errno("recv");
  buf.resize(static_cast<std::size_t>(n));
  return buf;
}

absl::StatusOr<int> BenchConnection::ReadReply(std::string& buffer,
                                               Deadline deadline) {
  for (int i = 0; i < 64; ++i) {
    GAUNTLET_ASSIGN_OR_RETURN(std::optional<int> code, TakeReply(buffer));
    if (code.has_value()) return *code;
    GAUNTLET_ASSIGN_OR_RETURN(std::string raw, RecvSome(deadline));
    buffer += raw;
  }
  return absl::DeadlineExceededError("reply: too many reads");
}

absl::Status StarttlsSession(std::uint16_t port, const tls::TlsContext& context,
                             std::chrono::milliseconds timeout) {
  const Deadline deadline = std::chrono::steady_clock::now() + timeout;
  GAUNTLET_ASSIGN_OR_RETURN(BenchConnection conn, BenchConnection::Connect(port));
  std::string in;
  GAUNTLET_ASSIGN_OR_RETURN(int code, conn.ReadReply(in, deadline));
  GAUNTLET_RETURN_IF_ERROR(Expect(code, 220, "greeting"));
  GAUNTLET_RETURN_IF_ERROR(conn.SendAll("EHLO bench.example.test\r\n"));
  GAUNTLET_ASSIGN_OR_RETURN(code, conn.ReadReply(in, deadline));
  GAUNTLET_RETURN_IF_ERROR(Expect(code, 250, "EHLO"));
  GAUNTLET_RETURN_IF_ERROR(conn.SendAll("STARTTLS\r\n"));
  GAUNTLET_ASSIGN_OR_RETURN(code, conn.ReadReply(in, deadline));
  GAUNTLET_RETURN_IF_ERROR(Expect(code, 220, "STARTTLS"));
  if (!in.empty()) return absl::InternalError("bytes after the 220 to STARTTLS");

  tls::SessionConfig config;
  config.server_name = "localhost";
  GAUNTLET_ASSIGN_OR_RETURN(tls::TlsSession tls,
                            tls::TlsSession::Create(context, config));
  TlsPump pump(conn, tls);
  GAUNTLET_RETURN_IF_ERROR(pump.Handshake(deadline));
  GAUNTLET_RETURN_IF_ERROR(pump.Send("EHLO bench.example.test\r\n"));
  GAUNTLET_ASSIGN_OR_RETURN(code, pump.ReadReply(deadline));
  GAUNTLET_RETURN_IF_ERROR(Expect(code, 250, "EHLO in TLS"));
  GAUNTLET_RETURN_IF_ERROR(pump.Send("QUIT\r\n"));
  GAUNTLET_ASSIGN_OR_RETURN(code, pump.ReadReply(deadline));
  GAUNTLET_RETURN_IF_ERROR(Expect(code, 221, "QUIT"));
  return absl::OkStatus();
}

}  // namespace gauntlet::bench
