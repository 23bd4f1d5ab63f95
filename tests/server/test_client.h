// A small blocking SMTP client for the fake server's tests.
//
// It talks to the server over a real loopback socket, waits with poll()
// and a timeout on every read (a test never hangs on a wedged server), and
// speaks TLS with the project's own engine (tls::TlsSession in the client
// role) pumped over that socket. Raw access (SendRaw, ReadRaw, Close,
// Reset, CloseWrite) lets tests play the broken clients too.

#ifndef GAUNTLET_TESTS_SERVER_TEST_CLIENT_H_
#define GAUNTLET_TESTS_SERVER_TEST_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "smtp/reply.h"
#include "tls/tls_context.h"
#include "tls/tls_session.h"

namespace gauntlet::fake::server::testing {

using Ms = std::chrono::milliseconds;
inline constexpr Ms kTimeout{5000};

// How the server ended the connection, as the client saw it.
enum class PeerEnd { kOpen, kEof, kReset };

class TestClient {
 public:
  static absl::StatusOr<std::unique_ptr<TestClient>> Connect(
      std::uint16_t port, Ms timeout = kTimeout);
  ~TestClient();
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  // --- Raw socket ------------------------------------------------------------
  absl::Status SendRaw(std::string_view bytes);
  // One recv after poll: at least one byte, or NotFound on EOF, Aborted on
  // reset, DeadlineExceeded on timeout.
  absl::StatusOr<std::string> ReadRaw(Ms timeout = kTimeout);
  void CloseWrite();
  void Close();
  // SO_LINGER 0 then close: the server sees a reset.
  void Reset();
  // From now on, SendRaw sends at most `limit` more bytes in total; the send
  // that reaches the limit sends a prefix and fails (ResourceExhausted).
  // Used to cut a session at an exact byte offset.
  void LimitSentBytes(std::size_t limit) { send_budget_ = limit; }
  // Raw bytes sent so far (ciphertext once TLS is up).
  std::size_t bytes_sent() const { return bytes_sent_; }
  // Reads (and discards) until the server closes or `timeout` passes.
  PeerEnd WaitForPeerEnd(Ms timeout = kTimeout);

  // --- SMTP (through TLS once StartTls succeeded) ----------------------------
  absl::Status Send(std::string_view bytes);
  absl::StatusOr<smtp::Reply> ReadReply(Ms timeout = kTimeout);
  // Sends `line` + CRLF and reads one reply.
  absl::StatusOr<smtp::Reply> Command(std::string_view line,
                                      Ms timeout = kTimeout);
  // Bytes received but not yet parsed as a reply (e.g. injected ones).
  std::string TakeBuffered();

  // --- TLS -------------------------------------------------------------------
  // Runs a client handshake over the socket. Whatever plaintext was buffered
  // is discarded first (as RFC 3207 requires); take it before if needed.
  absl::Status StartTls(const tls::TlsContext& context,
                        std::string server_name = "localhost",
                        Ms timeout = kTimeout);
  tls::TlsSession* tls() { return tls_ ? &*tls_ : nullptr; }
  // Sends our close_notify.
  absl::Status TlsShutdown();
  // Forgets the TLS session (after a failed handshake): Send and ReadReply
  // speak plaintext again on the same socket, as a client that falls back
  // on the same connection does.
  void AbandonTls() {
    tls_.reset();
    in_.clear();
  }

 private:
  explicit TestClient(int fd) : fd_(fd) {}
  // Reads once from the socket into the plaintext buffer (decrypting when
  // TLS is up).
  absl::Status Fill(Ms timeout);
  absl::Status FlushTls();

  int fd_ = -1;
  std::optional<std::size_t> send_budget_;
  std::size_t bytes_sent_ = 0;
  std::string in_;
  std::optional<tls::TlsSession> tls_;
};

// A client TLS context trusting `root_pem`.
absl::StatusOr<tls::TlsContext> ClientContext(
    const std::string& root_pem,
    tls::Versions versions = tls::Versions::kDefault);

}  // namespace gauntlet::fake::server::testing

#endif  // GAUNTLET_TESTS_SERVER_TEST_CLIENT_H_
