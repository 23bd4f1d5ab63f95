// The client's connection: one blocking TCP socket, every wait bounded by a
// Deadline through poll(), and after STARTTLS the project's socket-free TLS
// engine (tls::TlsSession) pumped over it.
//
// The transport moves bytes and nothing else: it never buffers plaintext
// for the SMTP layer, so what happens to bytes received before the TLS
// switch is decided (and visible) in the SMTP code. Errors carry the exit
// code they end the run with (exit_codes.h): socket trouble, EOF and
// timeouts are kConnection, TLS failures kTls.

#ifndef GAUNTLET_CLIENT_TRANSPORT_H_
#define GAUNTLET_CLIENT_TRANSPORT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tls/record_layer.h"
#include "tls/tls_context.h"
#include "tls/tls_session.h"

namespace gauntlet::client {

// A point in time to give up at; no value means wait forever (the
// no-timeout flaw).
class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  static Deadline Never() { return Deadline(); }
  static Deadline In(std::chrono::milliseconds d) {
    return Deadline(Clock::now() + d);
  }

  bool infinite() const { return !at_.has_value(); }
  bool expired() const { return at_.has_value() && Clock::now() >= *at_; }
  // Milliseconds left for poll(): -1 for never, 0 once expired.
  int PollTimeoutMs() const;

 private:
  Deadline() = default;
  explicit Deadline(Clock::time_point at) : at_(at) {}
  std::optional<Clock::time_point> at_;
};

class Transport {
 public:
  // Resolves `host` and connects to each address in turn until one accepts,
  // within `timeout` overall.
  static absl::StatusOr<std::unique_ptr<Transport>> Connect(
      const std::string& host, std::uint16_t port,
      std::chrono::milliseconds timeout);

  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Sends all of `bytes`, encrypted when TLS is up, in one write where the
  // kernel allows (pipeline-starttls relies on that).
  absl::Status Send(absl::string_view bytes, Deadline deadline);
  // Waits for and appends at least one byte of plaintext (decrypted when TLS
  // is up) to *out, at most 64 KiB per call. EOF, close_notify and resets
  // are kConnection errors.
  absl::Status Receive(std::string* out, Deadline deadline);

  // Runs the TLS handshake (client role) over the socket. Only ciphertext
  // read from now on is fed to the engine.
  absl::Status StartTls(const tls::TlsContext& context,
                        tls::SessionConfig config, Deadline deadline);
  bool tls_active() const { return tls_ != nullptr; }
  // The session (nullptr before StartTls).
  const tls::TlsSession* tls() const { return tls_.get(); }

  // Forgets the TLS session without a word on the wire (no alert, no
  // close_notify): from now on bytes go in the clear on the same socket.
  // Whole TLS records the server still sends (a TLS 1.3 session ticket
  // written after our Finished) are skipped until the first byte that
  // cannot be TLS. Only the fallback-same-connection flaw does this.
  void AbandonTls();

  // Sends close_notify if TLS is up (best effort, bounded by `deadline`)
  // and closes the socket.
  void Close(Deadline deadline);

 private:
  explicit Transport(int fd) : fd_(fd) {}
  absl::Status SendRaw(absl::string_view bytes, Deadline deadline);
  // One recv: at least one byte, or NotFound on EOF.
  absl::StatusOr<std::string> ReceiveRaw(Deadline deadline);
  absl::Status FlushTls(Deadline deadline);
  absl::Status HandshakeFailure(const absl::Status& status) const;

  int fd_ = -1;
  std::unique_ptr<tls::TlsSession> tls_;
  // After AbandonTls: follows the records in flight until plaintext starts.
  std::optional<tls::RecordScanner> leftover_records_;
};

}  // namespace gauntlet::client

#endif  // GAUNTLET_CLIENT_TRANSPORT_H_
