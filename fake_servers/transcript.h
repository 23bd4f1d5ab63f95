// What a fake server saw and did, per connection: the evidence verdicts are
// drawn from.
//
// A Transcript holds three layers, each derived from the one before:
//   1. wire chunks: every byte each side sent, with a timestamp, the
//      direction, and whether it travelled in plaintext, as raw TLS records,
//      or as application data inside TLS;
//   2. TLS facts: the ClientHello the client offered, how the handshake
//      ended, alerts, who closed and how;
//   3. SMTP events: commands and replies decoded from the bytes, each tagged
//      with the session phase it arrived in, and AUTH credentials and message
//      contents decoded from them.
// The server only records; judging is harness/verdict's job.

#ifndef GAUNTLET_FAKE_SERVERS_TRANSCRIPT_H_
#define GAUNTLET_FAKE_SERVERS_TRANSCRIPT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gauntlet::fake {

enum class Direction {
  kClientToServer,
  kServerToClient,
};

// How bytes travelled.
enum class Channel {
  kPlaintext,   // SMTP in the clear.
  kTlsRecords,  // Raw TLS records (handshake, alerts, ciphertext).
  kTlsApp,      // SMTP decrypted from inside TLS.
};

// Where in the session a client's bytes arrived. Attribution is what lets a
// verdict say "sent AUTH in plaintext after the handshake failed".
enum class SessionPhase {
  // Before STARTTLS was sent (or in a session that never sent it).
  kPlaintext,
  // After the client's STARTTLS line but before the server's reply to it:
  // client-side pipelining.
  kAfterStarttlsCommand,
  // After a STARTTLS reply that did not start TLS (refused, or a 220 after
  // which the server stayed in plaintext).
  kAfterStarttlsRefused,
  // Between the server's 220 and the end of the handshake.
  kHandshake,
  // Inside an established TLS session.
  kTls,
  // In plaintext on the same connection after the handshake failed or was
  // aborted: the client kept talking in the clear.
  kAfterTlsFailure,
};

struct WireChunk {
  // Microseconds since the server started.
  int64_t t_us = 0;
  Direction direction = Direction::kClientToServer;
  Channel channel = Channel::kPlaintext;
  SessionPhase phase = SessionPhase::kPlaintext;
  std::string bytes;
};

// What the client offered in its ClientHello.
struct ClientHelloFacts {
  std::string sni;                             // Empty if no server_name.
  std::vector<std::string> offered_versions;   // "TLSv1.3", "TLSv1.2", ...
  std::vector<std::string> offered_suites;     // IANA names, or "0x1234".
};

enum class HandshakeOutcome {
  kNotAttempted,    // STARTTLS never led to a handshake.
  kNoClientHello,   // 220 sent, the client never started the handshake.
  kNotTls,          // The client sent bytes that are not TLS.
  kCompleted,       // The handshake finished on the server's side.
  kFailed,          // wolfSSL reported a failure (see failure).
  kFaultInjected,   // The scenario broke the handshake on purpose.
  kClientClosed,    // The client closed or reset during the handshake.
};

enum class CloseKind {
  kOpen,             // Still open when the transcript was taken.
  kClientFin,        // The client closed its side (TCP FIN).
  kClientReset,      // The client reset the connection.
  kClientTlsClose,   // close_notify from the client, then FIN.
  kTlsTruncated,     // FIN inside TLS without close_notify: truncation.
  kServerClosed,     // The scenario closed the connection.
  kServerTimeout,    // The server's idle timeout or linger ended it.
  kServerStopped,    // The server was stopped while it was open.
};

struct TlsFacts {
  std::optional<ClientHelloFacts> client_hello;
  HandshakeOutcome outcome = HandshakeOutcome::kNotAttempted;
  std::string failure;            // wolfSSL's words, or the injected fault.
  std::string version;            // Negotiated, e.g. "TLSv1.3".
  std::string cipher;             // Negotiated suite name.
  std::vector<std::string> alerts_received;  // e.g. "fatal bad_certificate".
  std::vector<std::string> alerts_sent;
  int64_t handshake_done_us = -1;
};

// A credential the client revealed during AUTH.
struct Credentials {
  std::string mechanism;  // "PLAIN", "LOGIN", ...
  std::string user;
  std::string password;
};

// One SMTP-level event, decoded from the wire.
struct SmtpEvent {
  enum class Kind {
    kCommand,      // A client command line (verb + argument).
    kReply,        // A server reply (all lines).
    kAuthData,     // A client line inside an AUTH exchange (base64).
    kCredentials,  // Credentials decoded from an AUTH exchange.
    kMessage,      // A message body received after DATA or BDAT.
    kBadLine,      // Client bytes that are not a valid command (and why).
  };
  Kind kind = Kind::kCommand;
  int64_t t_us = 0;
  SessionPhase phase = SessionPhase::kPlaintext;
  Channel channel = Channel::kPlaintext;
  std::string verb;      // kCommand: upper-cased verb. kReply: "EHLO" etc.
                         // that the reply answered.
  std::string text;      // The line(s) as sent, without the final CRLF.
  int reply_code = 0;    // kReply only.
  std::optional<Credentials> credentials;  // kCredentials only.
  uint64_t message_size = 0;               // kMessage only.
  std::string message_subject;             // kMessage only.
};

struct ConnectionTranscript {
  int index = 0;          // 0-based order of acceptance.
  int64_t accepted_us = 0;
  int64_t closed_us = -1;
  CloseKind close = CloseKind::kOpen;
  std::vector<WireChunk> wire;
  std::vector<SmtpEvent> events;
  TlsFacts tls;
  // Client bytes that arrived after its STARTTLS line and before the
  // server's reply (pipelined or injected-command shape).
  std::string bytes_after_starttls;
};

struct Transcript {
  std::vector<ConnectionTranscript> connections;
};

std::string_view PhaseName(SessionPhase phase);
std::string_view ChannelName(Channel channel);
std::string_view HandshakeOutcomeName(HandshakeOutcome outcome);
std::string_view CloseKindName(CloseKind kind);

}  // namespace gauntlet::fake

#endif  // GAUNTLET_FAKE_SERVERS_TRANSCRIPT_H_
