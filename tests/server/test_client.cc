#include "tests/server/test_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace gauntlet::fake::server::testing {
namespace {

absl::Status Errno(std::string_view what) {
  return absl::UnavailableError(
      absl::StrCat(std::string(what), ": ", std::strerror(errno)));
}

absl::Status WaitReadable(int fd, Ms timeout) {
  pollfd p{fd, POLLIN, 0};
  int r;
  do {
    r = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (r < 0 && errno == EINTR);
  if (r < 0) return Errno("poll");
  if (r == 0) return absl::DeadlineExceededError("no data before timeout");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<TestClient>> TestClient::Connect(
    std::uint16_t port, Ms timeout) {
  (void)timeout;  // Loopback connects complete or fail at once.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    absl::Status s = Errno("connect");
    ::close(fd);
    return s;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return std::unique_ptr<TestClient>(new TestClient(fd));
}

TestClient::~TestClient() { Close(); }

absl::Status TestClient::SendRaw(std::string_view bytes) {
  bool cut = false;
  if (send_budget_.has_value()) {
    cut = bytes.size() >= *send_budget_;
    bytes = bytes.substr(0, *send_budget_);
    *send_budget_ -= bytes.size();
  }
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("send");
    bytes.remove_prefix(static_cast<std::size_t>(n));
    bytes_sent_ += static_cast<std::size_t>(n);
  }
  if (cut) return absl::ResourceExhaustedError("send budget used up");
  return absl::OkStatus();
}

absl::StatusOr<std::string> TestClient::ReadRaw(Ms timeout) {
  if (fd_ < 0) return absl::FailedPreconditionError("closed");
  GAUNTLET_RETURN_IF_ERROR(WaitReadable(fd_, timeout));
  std::string buf(64 * 1024, '\0');
  ssize_t n;
  do {
    n = ::recv(fd_, buf.data(), buf.size(), 0);
  } while (n < 0 && errno == EINTR);
  if (n == 0) return absl::NotFoundError("EOF");
  if (n < 0 && errno == ECONNRESET) return absl::AbortedError("reset");
  if (n < 0) return Errno("recv");
  buf.resize(static_cast<std::size_t>(n));
  return buf;
}

void TestClient::CloseWrite() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

void TestClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void TestClient::Reset() {
  if (fd_ < 0) return;
  linger l{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  Close();
}

PeerEnd TestClient::WaitForPeerEnd(Ms timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int i = 0; i < 10000; ++i) {
    const auto left = std::chrono::duration_cast<Ms>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return PeerEnd::kOpen;
    absl::StatusOr<std::string> got = ReadRaw(left);
    if (got.ok()) continue;
    if (absl::IsNotFound(got.status())) return PeerEnd::kEof;
    if (absl::IsAborted(got.status())) return PeerEnd::kReset;
    return PeerEnd::kOpen;
  }
  return PeerEnd::kOpen;
}

absl::Status TestClient::FlushTls() {
  std::string out = tls_->TakeCiphertextToSend();
  return out.empty() ? absl::OkStatus() : SendRaw(out);
}

absl::Status TestClient::Send(std::string_view bytes) {
  if (!tls_) return SendRaw(bytes);
  GAUNTLET_RETURN_IF_ERROR(tls_->WritePlaintext(bytes));
  return FlushTls();
}

absl::Status TestClient::Fill(Ms timeout) {
  if (tls_ && tls_->close_notify_received()) {
    return absl::NotFoundError("close_notify");
  }
  GAUNTLET_ASSIGN_OR_RETURN(std::string raw, ReadRaw(timeout));
  if (!tls_) {
    in_ += raw;
    return absl::OkStatus();
  }
  GAUNTLET_RETURN_IF_ERROR(tls_->FeedCiphertext(raw));
  for (int i = 0; i < 1000; ++i) {
    GAUNTLET_ASSIGN_OR_RETURN(tls::ReadResult r, tls_->ReadPlaintext(65536));
    // After close_notify the next Fill reports the end; what came before
    // it is still delivered.
    if (r.event != tls::ReadEvent::kData) break;
    in_ += r.plaintext;
  }
  return FlushTls();
}

absl::StatusOr<smtp::Reply> TestClient::ReadReply(Ms timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int i = 0; i < 10000; ++i) {
    smtp::ReplyParser parser;
    std::optional<absl::StatusOr<smtp::Reply>> got;
    const std::size_t used = parser.Feed(in_, [&](const smtp::ReplyResult& r) {
      got = r.ToStatusOr();
      return false;
    });
    if (got.has_value()) {
      in_.erase(0, used);
      return *got;
    }
    const auto left = std::chrono::duration_cast<Ms>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return absl::DeadlineExceededError("no reply");
    GAUNTLET_RETURN_IF_ERROR(Fill(left));
  }
  return absl::DeadlineExceededError("no reply");
}

absl::StatusOr<smtp::Reply> TestClient::Command(std::string_view line,
                                                Ms timeout) {
  GAUNTLET_RETURN_IF_ERROR(Send(absl::StrCat(std::string(line), "\r\n")));
  return ReadReply(timeout);
}

std::string TestClient::TakeBuffered() { return std::exchange(in_, ""); }

absl::Status TestClient::StartTls(const tls::TlsContext& context,
                                  std::string server_name, Ms timeout) {
  in_.clear();
  tls::SessionConfig config;
  config.server_name = std::move(server_name);
  GAUNTLET_ASSIGN_OR_RETURN(tls::TlsSession session,
                            tls::TlsSession::Create(context, config));
  tls_.emplace(std::move(session));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int i = 0; i < 1000; ++i) {
    absl::StatusOr<tls::HandshakeProgress> p = tls_->Handshake();
    absl::Status flushed = FlushTls();
    if (!p.ok()) return p.status();
    GAUNTLET_RETURN_IF_ERROR(flushed);
    if (*p == tls::HandshakeProgress::kComplete) return absl::OkStatus();
    const auto left = std::chrono::duration_cast<Ms>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return absl::DeadlineExceededError("handshake");
    absl::StatusOr<std::string> raw = ReadRaw(left);
    if (!raw.ok()) {
      if (!absl::IsNotFound(raw.status())) return raw.status();
      tls_->FeedEndOfStream();
      continue;
    }
    GAUNTLET_RETURN_IF_ERROR(tls_->FeedCiphertext(*raw));
  }
  return absl::DeadlineExceededError("handshake did not finish");
}

absl::Status TestClient::TlsShutdown() {
  if (!tls_) return absl::FailedPreconditionError("no TLS");
  GAUNTLET_RETURN_IF_ERROR(tls_->Shutdown());
  return FlushTls();
}

absl::Status TestClient::AbortTlsWithFatalAlert(std::string_view followed_by) {
  if (!tls_ || !tls_->handshake_complete()) {
    return absl::FailedPreconditionError("no established TLS session");
  }
  // A TLS 1.2/1.3 application_data record whose tag cannot verify.
  std::string forged = {0x17, 0x03, 0x03, 0x00, 0x20};
  forged.append(0x20, '\x5a');
  GAUNTLET_RETURN_IF_ERROR(tls_->FeedCiphertext(forged));
  absl::StatusOr<tls::ReadResult> read = tls_->ReadPlaintext(65536);
  if (read.ok()) {
    return absl::InternalError("the engine accepted a forged record");
  }
  std::string alert = tls_->TakeCiphertextToSend();
  if (alert.empty()) {
    return absl::InternalError("the engine wrote no alert for a bad record");
  }
  alert.append(followed_by);
  GAUNTLET_RETURN_IF_ERROR(SendRaw(alert));
  DropTls();
  return absl::OkStatus();
}

void TestClient::DropTls() {
  tls_.reset();
  in_.clear();
}

absl::StatusOr<tls::TlsContext> ClientContext(const std::string& root_pem,
                                              tls::Versions versions) {
  tls::TlsContextConfig config;
  config.role = tls::Role::kClient;
  config.ca_pem = root_pem;
  config.versions = versions;
  return tls::TlsContext::Create(config);
}

}  // namespace gauntlet::fake::server::testing
