// One TLS connection as a socket-free state machine over memory buffers.
//
// The fake SMTP servers need to own the TLS byte stream: record every byte,
// peek at the ClientHello before deciding what to do, and cut or replace
// the handshake at exact points. So TlsSession never touches a socket.
// The caller moves bytes:
//
//   session.FeedCiphertext(bytes_read_from_socket);   // or FeedEndOfStream()
//   auto progress = session.Handshake();              // kNeedMoreData/kComplete
//   socket.write(session.TakeCiphertextToSend());     // all of it, or a prefix
//
// and after the handshake WritePlaintext / ReadPlaintext / Shutdown. wolfSSL
// runs over custom I/O callbacks that read from and append to the session's
// buffers, so a call never blocks and never raises SIGPIPE (the socket layer
// that writes TakeCiphertextToSend() must still guard against SIGPIPE:
// MSG_NOSIGNAL or SIG_IGN).
//
// Failures are values: each call returns a Status, and failure() says what
// kind of failure it was, because the verdicts depend on the difference:
//   - the peer sent an alert (which one, fatal or warning; plaintext alerts
//     are read from the wire by RecordScanner, encrypted TLS 1.3 alerts are
//     what wolfSSL decrypted);
//   - the peer sent close_notify (a clean end, ReadEvent::kCloseNotify);
//   - the transport ended without close_notify: truncation, an attack signal,
//     always reported as an error and never as a clean end;
//   - the peer sent bytes that are not TLS records (e.g. "250 OK" instead of
//     a ServerHello), with the offset in the stream;
//   - we rejected the peer's certificate (with wolfSSL's reason);
//   - any other protocol error (wolfSSL's error code and string).
// After a failure, TakeCiphertextToSend() may still hold the alert wolfSSL
// wrote; send it before closing if the scenario wants a well-behaved peer.
//
// Fault injection stays with the caller: send only a prefix of the first
// flight then close (kPartialFlightThenClose), send BuildAlertRecord(...)
// from record_layer.h instead of calling Handshake() (kFatalAlert), close
// right after kComplete (kCloseAfterHandshake), or stop calling (kStall).
//
// Not thread-safe: one session belongs to one connection's strand.

#ifndef GAUNTLET_TLS_TLS_SESSION_H_
#define GAUNTLET_TLS_TLS_SESSION_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tls/client_hello.h"
#include "tls/record_layer.h"
#include "tls/tls_context.h"

namespace gauntlet::tls {

enum class Direction {
  kInbound,   // Ciphertext from the peer, as passed to FeedCiphertext.
  kOutbound,  // Ciphertext the engine produced for the peer.
};

// Called once per chunk, in order, for every TLS byte in either direction.
// Outbound chunks are reported when the engine produces them, which may be
// more than the caller then writes (partial-flight faults): a transcript of
// what went on the wire should be kept at the socket.
using ByteObserver = std::function<void(Direction, std::string_view)>;

struct SessionConfig {
  // Client: the host name sent as SNI and, with check_host_name, the name
  // the certificate must match. Server: ignored.
  std::string server_name;
  // Client: false sends no SNI even when server_name is set.
  bool send_sni = true;
  // Limit on ciphertext fed but not yet consumed by the engine; a feed that
  // would exceed it is refused (ResourceExhausted).
  std::size_t max_buffered_inbound = std::size_t{1} << 20;
};

enum class HandshakeProgress { kNeedMoreData, kComplete };

enum class SessionState {
  kHandshaking,
  kEstablished,
  kCloseNotifyReceived,  // The peer ended the TLS session cleanly.
  kFailed,               // See failure().
};

enum class FailureKind {
  kNone,
  kPeerAlert,            // The peer sent a fatal alert.
  kPeerCloseNotify,      // close_notify before the handshake finished.
  kTruncated,            // Transport closed without close_notify.
  kNonTls,               // The peer sent bytes that are not TLS records.
  kCertificateRejected,  // We (a client) rejected the peer's certificate.
  kProtocolError,        // Any other TLS failure (version, suites, ...).
};

struct TlsFailure {
  FailureKind kind = FailureKind::kNone;
  // One line: what happened, with offsets / alert names / wolfSSL's reason.
  std::string message;
  // wolfSSL's error code (wolfSSL_get_error) and its text, when it had one.
  int wolfssl_error = 0;
  std::string wolfssl_error_string;
  std::optional<TlsAlert> peer_alert;  // kPeerAlert: the alert received.
  std::optional<TlsAlert> sent_alert;  // The alert wolfSSL sent, if any.
  std::optional<std::uint64_t> non_tls_offset;  // kNonTls: stream offset.
};

// What was negotiated, known once the handshake is complete.
struct SessionFacts {
  std::string version;              // "TLSv1.3", "TLSv1.2", "TLSv1.1".
  std::uint16_t cipher_suite = 0;   // IANA number, e.g. 0x1301.
  std::string cipher_suite_name;    // IANA name: "TLS_AES_128_GCM_SHA256".
  std::string cipher_suite_wolfssl; // wolfSSL's: "TLS13-AES128-GCM-SHA256".
  // Server: the host_name the client sent (from our own ClientHello parse).
  // Client: the one we sent.
  std::optional<std::string> sni;
  bool peer_certificate_present = false;
  int peer_chain_length = 0;   // Certificates the peer sent.
  std::string peer_leaf_der;   // The peer's leaf certificate, DER.
};

// A certificate verification failure (or date error overridden by
// ignore_validity_dates), as the client's verify callback saw it.
struct VerifyEvent {
  // The code the verify callback saw: with the Debian build an OpenSSL-style
  // X509_V_ERR value (wolfSSL 5.5.4 reports expiry as 14, not-yet-valid as
  // 13), else a negative wolfSSL code.
  int error = 0;
  int depth = 0;    // 0 = leaf.
  std::string reason;
  bool overridden = false;  // True: a date error accepted on purpose.
};

enum class ReadEvent {
  kData,          // `plaintext` holds 1..max_bytes bytes.
  kNeedMoreData,  // Feed more ciphertext (and send what is pending).
  kCloseNotify,   // The peer sent close_notify; no more data will come.
};

struct ReadResult {
  ReadEvent event = ReadEvent::kNeedMoreData;
  std::string plaintext;
};

class TlsSession {
 public:
  static absl::StatusOr<TlsSession> Create(const TlsContext& context,
                                           SessionConfig config = {});

  TlsSession(TlsSession&&) noexcept;
  TlsSession& operator=(TlsSession&&) noexcept;
  ~TlsSession();

  // Sees every TLS byte in both directions (set before feeding anything).
  void SetByteObserver(ByteObserver observer);

  // --- Ciphertext in and out ----------------------------------------------
  // Appends bytes received from the peer. Refused after FeedEndOfStream or
  // beyond SessionConfig::max_buffered_inbound.
  absl::Status FeedCiphertext(std::string_view bytes);
  // The peer closed its side of the transport (read returned EOF). From now
  // on, running out of input is truncation unless close_notify was seen.
  void FeedEndOfStream();
  // Everything the engine has produced since the last call, in order.
  std::string TakeCiphertextToSend();
  std::size_t pending_ciphertext_size() const;

  // --- Handshake ------------------------------------------------------------
  // Runs the handshake as far as the fed bytes allow. Errors: see failure().
  absl::StatusOr<HandshakeProgress> Handshake();

  // --- Application data (after the handshake) -------------------------------
  // Encrypts all of `data` into the outbound buffer.
  absl::Status WritePlaintext(std::string_view data);
  // Decrypts up to max_bytes (clamped to 1..65536). Truncation, alerts and
  // non-TLS bytes are errors; a clean close_notify is ReadEvent::kCloseNotify.
  absl::StatusOr<ReadResult> ReadPlaintext(std::size_t max_bytes);
  // Queues our close_notify. Does not wait for the peer's.
  absl::Status Shutdown();

  // --- State ----------------------------------------------------------------
  Role role() const;
  SessionState state() const;
  bool handshake_complete() const;
  bool close_notify_received() const;
  bool close_notify_sent() const;
  bool end_of_stream() const;
  const TlsFailure& failure() const;
  // Set once the handshake is complete.
  const std::optional<SessionFacts>& facts() const;
  // Server role: the ClientHello as our own parser read it from the inbound
  // stream (status kNeedMoreBytes until it has arrived). Client role: always
  // kNeedMoreBytes.
  const ClientHelloResult& client_hello() const;
  // Record-level view of the peer's stream: plaintext alerts, non-TLS bytes.
  const RecordScanner& inbound_records() const;
  // Certificate verification events (client role), in order, at most 8.
  const std::vector<VerifyEvent>& verify_events() const;
  std::uint64_t bytes_received() const;
  std::uint64_t bytes_sent() const;

  struct Impl;

 private:
  explicit TlsSession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

std::string_view FailureKindName(FailureKind kind);

}  // namespace gauntlet::tls

#endif  // GAUNTLET_TLS_TLS_SESSION_H_
