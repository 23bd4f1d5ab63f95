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

// A TLS protocol version, as the server allowed or negotiated it.
enum class TlsVersion { kSsl3, kTls10, kTls11, kTls12, kTls13 };

// Which cipher suites the server offered (tls/versions.h's CipherSet).
enum class CipherSet {
  kModern,    // AEAD suites only.
  kWeakOnly,  // Only a weak suite (3DES): a verifying client must refuse.
};

// One reason a verifying client must reject the chain the server served
// (RFC 5280 §6 path validation, RFC 6125 §6 name checks, CA/B baseline
// requirements for keys and signatures). Recorded from the test PKI, which
// built the chain (fake_servers/pki/cert_profile.h).
enum class CertFlaw {
  kExpired,              // The leaf's notAfter is in the past.
  kNotYetValid,          // The leaf's notBefore is in the future.
  kNameMismatch,         // No name it carries matches the host (names).
  kSelfSigned,           // The leaf signed itself; no chain to the root.
  kUntrustedRoot,        // The chain ends at a root the client was not given.
  kMissingIntermediate,  // The server left out the leaf's issuer.
  kCommonNameOnly,       // The host name is only in the subject CN, no SAN.
  kLeafIsCa,             // The leaf is a CA certificate (CA:TRUE).
  kIntermediateNotCa,    // The issuing intermediate lacks CA:TRUE.
  kWrongEku,             // The leaf's EKU does not include serverAuth.
  kWeakKey,              // The leaf's key is too small (key_type, key_bits).
  kSha1Signature,        // The leaf is signed with SHA-1.
  kExpiredIntermediate,  // The intermediate's notAfter is in the past.
};

// The certificate chain the server actually sent, as recorded when it
// configured its side of the handshake.
struct ServedCertificate {
  std::string profile;               // The test PKI's profile name.
  std::vector<CertFlaw> flaws;       // Empty: a verifying client accepts it.
  std::vector<std::string> names;    // DNS names the leaf carries (SAN, or
                                     // the CN for kCommonNameOnly).
  std::string key_type;              // "ecdsa-p256", "rsa-2048", "rsa-1024".
  int key_bits = 0;
  std::string signature;             // Digest of the leaf's signature.
  int64_t t_us = -1;                 // When the server chose it.
};

// A fault the server injected into the TLS handshake on purpose.
enum class TlsFault {
  kCloseBeforeHandshake,           // FIN instead of reading a ClientHello.
  kResetBeforeHandshake,           // RST instead of reading a ClientHello.
  kStall,                          // Read the ClientHello, then silence.
  kPlaintextInsteadOfServerHello,  // "250 OK" in the clear instead.
  kFatalAlert,                     // A fatal handshake_failure alert.
  kPartialFlightThenClose,         // Part of the first flight, then FIN.
  kCloseAfterHandshake,            // Handshake done, then an immediate close.
};

// Where in the handshake a fault struck.
enum class FaultPoint {
  kBeforeClientHello,  // Right after the 220 to STARTTLS.
  kAfterClientHello,   // Instead of the server's first flight.
  kInFirstFlight,      // Partway through the server's first flight.
  kAfterHandshake,     // Once the handshake had completed.
};

struct InjectedFault {
  TlsFault kind = TlsFault::kStall;
  FaultPoint where = FaultPoint::kAfterClientHello;
  int64_t t_us = -1;
  std::string detail;  // e.g. "sent 64 of the 1234 bytes of the flight".
};

struct TlsFacts {
  std::optional<ClientHelloFacts> client_hello;
  // What the server was willing to speak (recorded when the handshake
  // began): the versions it allowed and its cipher set.
  std::vector<TlsVersion> server_versions;
  std::optional<CipherSet> server_ciphers;
  // The chain served, once the server set up its side of the handshake.
  std::optional<ServedCertificate> certificate;
  // A fault the scenario injected (outcome is then kFaultInjected, except
  // kCloseAfterHandshake which completes first).
  std::optional<InjectedFault> fault;
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
    // Server bytes that answer no command (written with, or instead of, a
    // reply): text holds them, t_us is when they were written.
    kInjected,
    // The server decided never to send the reply to `verb` (it withheld it
    // on purpose); t_us is when it decided.
    kReplyWithheld,
    // The server held back the reply to `verb` by delay_us before writing
    // it; t_us is when the delay started.
    kReplyDelayed,
  };
  Kind kind = Kind::kCommand;
  // When the server recorded the event. For client input this is when it
  // processed the line, which may be later than when it arrived.
  int64_t t_us = 0;
  // Client input only (kCommand, kAuthData, kBadLine, kMessage): when the
  // server read the line's last byte from the socket (for a message, the
  // last byte of its terminator; inside TLS, of the TLS record that carried
  // it). The client sent it no later than this. -1: not recorded.
  int64_t read_us = -1;
  SessionPhase phase = SessionPhase::kPlaintext;
  Channel channel = Channel::kPlaintext;
  std::string verb;      // kCommand: upper-cased verb. kReply: "EHLO" etc.
                         // that the reply answered.
  std::string text;      // The line(s) as sent, without the final CRLF.
  int reply_code = 0;    // kReply only.
  std::optional<Credentials> credentials;  // kCredentials only.
  uint64_t message_size = 0;               // kMessage only.
  std::string message_subject;             // kMessage only.
  int64_t delay_us = 0;                    // kReplyDelayed only.
};

// A TLS record (a handshake record: 0x16 0x03) that arrived where the
// server expected plaintext SMTP, e.g. a ClientHello after a STARTTLS reply
// that did not start TLS.
struct TlsRecordInPlaintext {
  int64_t t_us = -1;
  SessionPhase phase = SessionPhase::kPlaintext;
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
  // Where a TLS record arrived in place of plaintext SMTP.
  std::vector<TlsRecordInPlaintext> tls_records_in_plaintext;
};

struct Transcript {
  std::vector<ConnectionTranscript> connections;
};

std::string_view PhaseName(SessionPhase phase);
std::string_view ChannelName(Channel channel);
std::string_view HandshakeOutcomeName(HandshakeOutcome outcome);
std::string_view CloseKindName(CloseKind kind);
std::string_view SmtpEventKindName(SmtpEvent::Kind kind);
// "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3" (wolfSSL's spelling, as
// TlsFacts::version records the negotiated one).
std::string_view TlsVersionName(TlsVersion version);
std::string_view CipherSetName(CipherSet set);
std::string_view CertFlawName(CertFlaw flaw);
// What the flaw means, as a phrase for sentences ("expired", "signed with
// SHA-1", ...).
std::string_view CertFlawPhrase(CertFlaw flaw);
std::string_view TlsFaultName(TlsFault fault);
std::string_view FaultPointName(FaultPoint point);
// Parsers for names written by the *Name functions (report readers).
std::optional<SessionPhase> PhaseFromName(std::string_view name);
std::optional<Channel> ChannelFromName(std::string_view name);
std::optional<HandshakeOutcome> HandshakeOutcomeFromName(std::string_view name);
std::optional<CloseKind> CloseKindFromName(std::string_view name);
std::optional<SmtpEvent::Kind> SmtpEventKindFromName(std::string_view name);
std::optional<TlsVersion> TlsVersionFromName(std::string_view name);
std::optional<CipherSet> CipherSetFromName(std::string_view name);
std::optional<CertFlaw> CertFlawFromName(std::string_view name);
std::optional<TlsFault> TlsFaultFromName(std::string_view name);
std::optional<FaultPoint> FaultPointFromName(std::string_view name);

}  // namespace gauntlet::fake

#endif  // GAUNTLET_FAKE_SERVERS_TRANSCRIPT_H_
