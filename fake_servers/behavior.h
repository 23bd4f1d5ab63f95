// Misbehaviour as data: every way a fake server can depart from a good
// mail server, as plain switches.
//
// In the style of BoringSSL's ProtocolBugs, each field documents what it
// causes the server to do. A default-constructed ConnectionBehavior is a
// good, RFC 5321/3207-conforming server that real clients deliver to.
// Scenario files (scenarios/*.toml) set these fields by name; the server
// (fake_servers/server/server.h) reads them and nothing else decides how it
// behaves.

#ifndef GAUNTLET_FAKE_SERVERS_BEHAVIOR_H_
#define GAUNTLET_FAKE_SERVERS_BEHAVIOR_H_

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "fake_servers/pki/cert_profile.h"
#include "tls/versions.h"

namespace gauntlet::fake {

// What the server does once it has sent its reply to STARTTLS.
enum class AfterStarttls {
  // Starts the TLS handshake (subject to handshake_fault).
  kHandshake,
  // Stays in plaintext and goes on answering SMTP commands, whatever the
  // reply said (a "220" here is the "220 without transition" attack).
  kStayPlaintext,
  // Closes the connection.
  kClose,
};

// A fault injected into the TLS handshake after STARTTLS was accepted.
enum class HandshakeFault {
  // Completes the handshake normally.
  kNone,
  // Closes the TCP connection (FIN) without reading the ClientHello.
  kCloseBeforeHandshake,
  // Resets the TCP connection (RST) without reading the ClientHello.
  kResetBeforeHandshake,
  // Reads the ClientHello and then never sends a byte: a stalled handshake.
  kStall,
  // Answers the ClientHello with plaintext SMTP ("250 OK") instead of a
  // ServerHello.
  kPlaintextInsteadOfServerHello,
  // Answers the ClientHello with a fatal handshake_failure alert, then closes.
  kFatalAlert,
  // Sends only the first partial_flight_bytes of its first flight, then
  // closes.
  kPartialFlightThenClose,
  // Completes the handshake, then closes at once without reading anything.
  kCloseAfterHandshake,
};

// Which TLS versions the server accepts, and which cipher suites it offers:
// the TLS engine's own choices (tls/versions.h), named here as the scenario
// format names them (`tls_versions`, `cipher_policy`).
using TlsVersions = tls::Versions;
using CipherPolicy = tls::CipherSet;

// In which session phase a rule applies.
enum class Phase {
  kAny,        // Before and after STARTTLS.
  kPlaintext,  // Only while the session is in plaintext.
  kTls,        // Only inside TLS.
};

// Replaces the server's reply to one command verb.
struct ReplyOverride {
  // Upper-case verb it applies to: "EHLO", "MAIL", "AUTH", "QUIT", ...
  std::string verb;
  // Causes the server to send exactly these bytes as the reply (may be
  // multi-line, malformed, or lack the final CRLF).
  std::string raw;
  // Restricts the override to one phase of the session.
  Phase phase = Phase::kAny;
  // Causes the server to close the connection right after the reply.
  bool close_after = false;
};

// Holds back the reply to one verb.
struct CommandDelay {
  std::string verb;
  // Causes the server to wait this long before answering the verb.
  std::chrono::milliseconds delay{0};
};

// How the server behaves on one TCP connection.
struct ConnectionBehavior {
  // --- Greeting and EHLO -------------------------------------------------
  // The greeting line(s), sent as given.
  std::string greeting = "220 mx.gauntlet.test ESMTP Gauntlet\r\n";
  // Causes the server to answer EHLO with "500" so that the client must fall
  // back to HELO (which has no way to offer STARTTLS).
  bool refuse_ehlo = false;
  // The EHLO keywords before TLS, in order, sent as given (so they can be
  // lower case, contain "STARTTLSX", or leave STARTTLS out: stripping).
  std::vector<std::string> capabilities = {
      "PIPELINING", "SIZE 10485760", "8BITMIME", "ENHANCEDSTATUSCODES",
      "STARTTLS"};
  // The EHLO keywords inside TLS. A set different from `capabilities` tests
  // that the client re-reads capabilities after TLS (RFC 3207 §4.2).
  std::vector<std::string> tls_capabilities = {
      "PIPELINING", "SIZE 10485760", "8BITMIME", "ENHANCEDSTATUSCODES",
      "AUTH PLAIN LOGIN"};
  // Causes the server never to answer EHLO inside TLS (a probe: a client
  // that goes on without the reply is reading stale or injected data).
  bool ignore_ehlo_in_tls = false;

  // --- STARTTLS ------------------------------------------------------------
  // The exact reply to STARTTLS, whether or not it was advertised.
  std::string starttls_reply = "220 2.0.0 Ready to start TLS\r\n";
  // Causes the server to write these bytes in the same write as
  // starttls_reply: response injection (curl CVE-2021-22947). May end in a
  // partial line with no CRLF.
  std::string inject_after_starttls_reply;
  // What the server does after the STARTTLS reply.
  AfterStarttls after_starttls = AfterStarttls::kHandshake;
  // The reply to a STARTTLS sent inside TLS.
  std::string starttls_in_tls_reply = "503 5.5.1 TLS already active\r\n";

  // --- TLS -----------------------------------------------------------------
  HandshakeFault handshake_fault = HandshakeFault::kNone;
  // With kPartialFlightThenClose: how many bytes of the first flight to send.
  std::size_t partial_flight_bytes = 64;
  TlsVersions tls_versions = TlsVersions::kDefault;
  CipherPolicy cipher_policy = CipherPolicy::kDefault;
  pki::CertProfile cert = pki::CertProfile::kValid;
  pki::KeyType key_type = pki::KeyType::kEcdsaP256;
  // After a failed or aborted handshake, or once the client abandons an
  // established TLS session (a fatal alert, a broken record, plaintext where
  // records belong), causes the server to keep the TCP connection open this
  // long, record every byte the client still sends and answer plaintext
  // SMTP as the attacker would (AUTH, MAIL, RCPT, DATA accepted, whatever
  // require_tls says): some clients go on in plaintext on the same
  // connection. After a fault that sent the server's FIN it only records.
  std::chrono::milliseconds linger_after_tls_failure{3000};

  // --- Commands ------------------------------------------------------------
  // Causes the server to answer AUTH, MAIL, RCPT, DATA and BDAT in plaintext
  // with "530 5.7.0 Must issue a STARTTLS command first" (not in the linger
  // after a TLS failure, where the attacker welcomes them).
  bool require_tls = false;
  std::vector<ReplyOverride> reply_overrides;
  std::vector<CommandDelay> delays;
  // Causes the server to end every reply line with a bare LF instead of CRLF.
  bool bare_lf_replies = false;
  // Causes the server to keep the connection open after its reply to QUIT
  // and go on answering commands (with an odd reply to QUIT, a client that
  // carries on instead of closing shows it on the wire).
  bool keep_open_after_quit = false;
};

// How the server behaves across the connections of one scenario.
struct ServerBehavior {
  // Connection i (0-based) uses connections[min(i, size - 1)], so a single
  // entry applies to every connection and a second entry lets a scenario
  // behave differently on a retry. Empty means one default connection.
  std::vector<ConnectionBehavior> connections;
  // Connections beyond this many are accepted and closed at once, so that a
  // client retrying in a loop cannot keep a scenario running.
  int max_connections = 8;
  // Causes the server to close a connection that has sent nothing for this
  // long (a client that hangs is detected by the runner, not by the server).
  std::chrono::milliseconds idle_timeout{30000};

  const ConnectionBehavior& ForConnection(std::size_t index) const;
};

}  // namespace gauntlet::fake

#endif  // GAUNTLET_FAKE_SERVERS_BEHAVIOR_H_
