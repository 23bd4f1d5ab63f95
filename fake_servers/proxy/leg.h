// One side of a proxied session: a socket, optionally a TLS session on it,
// and the recording of every byte in the runner's transcript format.
//
// The proxy has two legs per session: client<->proxy (the proxy plays the
// server) and proxy<->upstream (the proxy plays the client). A Leg turns
// socket bytes into an inbox of application bytes (decrypting when TLS is
// on), writes application bytes out (encrypting when TLS is on), and runs a
// STARTTLS handshake to completion in either role. It records wire chunks
// (plaintext, TLS records, and the decrypted application data) and the TLS
// facts into the leg's ConnectionTranscript, oriented as the transcript
// format wants: kClientToServer is always "from the SMTP client's end of
// this leg" (the real client on the client leg, the proxy upstream).
//
// All waits are bounded by the configured timeout and wake on the proxy's
// stop signal. Not thread-safe: a leg belongs to its session's thread.

#ifndef GAUNTLET_FAKE_SERVERS_PROXY_LEG_H_
#define GAUNTLET_FAKE_SERVERS_PROXY_LEG_H_

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "fake_servers/proxy/socket_io.h"
#include "fake_servers/server/transcript_recorder.h"
#include "fake_servers/transcript.h"
#include "tls/tls_context.h"
#include "tls/tls_session.h"

namespace gauntlet::proxy {

class Leg {
 public:
  enum class Side {
    kClient,    // The peer is the SMTP client; the proxy is the server.
    kUpstream,  // The peer is the SMTP server; the proxy is the client.
  };
  struct Limits {
    std::chrono::milliseconds io_timeout{30'000};
    std::size_t max_buffered_bytes = std::size_t{1} << 20;
  };

  Leg(Fd fd, Side side, fake::server::ConnectionRecorder recorder,
      Limits limits, int stop_fd);

  int fd() const { return fd_.get(); }
  Side side() const { return side_; }
  bool tls() const { return tls_.has_value() && tls_->handshake_complete(); }
  // The peer closed its side (EOF, or close_notify inside TLS).
  bool eof() const { return eof_; }

  // Application bytes received and not yet consumed by the relay.
  std::string& inbox() { return inbox_; }

  // Reads once from the socket (call when it is readable) and moves what
  // arrived into the inbox. EOF sets eof(). Errors: a reset, a TLS error,
  // or more than max_buffered_bytes waiting in the inbox.
  absl::Status Pump();
  // Waits (bounded) until the socket is readable, then Pump(). Timeout and
  // stop are errors (DeadlineExceeded / Cancelled).
  absl::Status WaitAndPump();

  // Sends application bytes (encrypted when TLS is on).
  absl::Status Write(std::string_view bytes);

  // Runs a TLS handshake on this leg: the proxy is the TLS server on the
  // client leg and the TLS client upstream. Bytes already in the inbox are
  // the peer's first handshake bytes (a client that pipelined its
  // ClientHello). After success, application data that arrived with the
  // last flight is in the inbox. On failure the error says why (the
  // client's alert, our verification failure, ...).
  absl::Status StartTls(const tls::TlsContext& context,
                        tls::SessionConfig config);

  // The SMTP session phase its bytes are recorded in (kPlaintext, then
  // kHandshake / kTls around StartTls). Opaque relaying after a forwarded
  // STARTTLS records the bytes as TLS records in phase kTls.
  void SetOpaque();
  bool opaque() const { return opaque_; }
  fake::SessionPhase phase() const { return phase_; }
  fake::Channel app_channel() const {
    return tls() ? fake::Channel::kTlsApp : fake::Channel::kPlaintext;
  }

  // Records an SMTP event on this leg (phase and channel filled in).
  void RecordEvent(fake::SmtpEvent event);
  // Records the chain this leg is about to serve in its handshake (its t_us
  // set to now).
  void RecordCertificate(fake::ServedCertificate certificate);
  // Half-closes our sending side (after a final reply).
  void ShutdownWrite();
  // Records how the leg ended (the first call wins).
  void Close(fake::CloseKind kind);

  const std::optional<tls::TlsSession>& tls_session() const { return tls_; }

 private:
  fake::Direction Inbound() const;
  fake::Direction Outbound() const;
  void RecordIn(fake::Channel channel, std::string_view bytes);
  void RecordOut(fake::Channel channel, std::string_view bytes);
  absl::Status SendPendingCiphertext();
  // Moves decrypted bytes into the inbox.
  absl::Status DrainPlaintext();
  Clock::time_point Deadline() const { return Clock::now() + limits_.io_timeout; }

  Fd fd_;
  Side side_;
  fake::server::ConnectionRecorder rec_;
  Limits limits_;
  int stop_fd_;
  std::string inbox_;
  std::optional<tls::TlsSession> tls_;
  bool eof_ = false;
  bool opaque_ = false;
  bool write_shut_ = false;
  fake::SessionPhase phase_ = fake::SessionPhase::kPlaintext;
};

}  // namespace gauntlet::proxy

#endif  // GAUNTLET_FAKE_SERVERS_PROXY_LEG_H_
