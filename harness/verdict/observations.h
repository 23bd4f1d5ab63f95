// Facts about one client run, derived from what the fake server recorded.
//
// ObserveRun is the first half of Gauntlet's verdict engine: a pure function
// from what the server recorded (fake::Transcript) and the client process
// result (ClientRun) to Observations. It reads nothing else: no scenario
// settings, no server configuration, no PKI. Whatever the verdict needs the
// server records at the moment it happens (transcript.h): when each client
// line's last byte was read, the bytes it injected, each reply it withheld
// or delayed, the certificate chain it served and what is wrong with it, the
// TLS fault it injected, the versions and suites it allowed. So a saved
// report or a proxy recording can be judged again (`gauntlet judge`). It
// judges nothing; it says what happened, each fact with its evidence
// (connection, server time, the bytes quoted), so that verdict.h can apply a
// scenario's expectation and a report can show why. All SMTP parsing goes
// through the SMTP core (smtp/: reply parser, EHLO capabilities, command
// parser), the same code the fuzzers check.
//
// Timing facts ("the client sent MAIL before the server had answered its
// EHLO") are proofs, not guesses. A client byte was sent no later than the
// server read it (SmtpEvent::read_us); a reply cannot be received before the
// server wrote it. So when a line was read before the server wrote the reply
// the client needed first, the client cannot have waited for that reply.
// Every such fact is derived this way; none depends on how fast the machine
// is.
//
// Acting on injected bytes (the acted-on-injected-bytes rule) is a fact only
// with one of two proofs (docs/how-gauntlet-decides.md):
//   * order: the client sent a line that had to wait for a reply, it was
//     read before the server wrote that reply, and injected bytes had been
//     written before it was read: the injected bytes were the only
//     reply-shaped bytes it could have read (PrematureLine with
//     injection_t_us >= 0);
//   * value: it used an AUTH mechanism or EHLO keyword that only the
//     injected bytes offered AND that it could not have chosen without them:
//     a value on no standard list (IsStandardAuthMechanism,
//     IsStandardEhloKeyword), i.e. one the client could only have learnt by
//     reading the injected bytes. A probe that wants this proof offers such
//     a value (e.g. "250 AUTH XGAUNTLET") only in its injected bytes.
// A standard value that only the injected bytes offered, used after the
// real reply, proves nothing (a client configured to always use AUTH PLAIN
// sends it whatever was offered): it is an UnofferedCapability, reported as
// a note.

#ifndef GAUNTLET_HARNESS_VERDICT_OBSERVATIONS_H_
#define GAUNTLET_HARNESS_VERDICT_OBSERVATIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fake_servers/transcript.h"

namespace gauntlet::verdict {

// The exit status a client wrapper uses to say "this policy is not
// supported by this client" (issue 4's client contract).
inline constexpr int kUnsupportedExitCode = 89;

// The client process as the runner saw it. Plain values so that the verdict
// core does not depend on how processes are run.
struct ClientRun {
  // False when the process could not be started at all.
  bool ran = true;
  std::optional<int> exit_code;  // Set when it exited.
  std::optional<int> signal;     // Set when a signal ended it.
  // It was still running at the timeout (and was killed by the runner).
  bool timed_out = false;
  // It reported the policy as unsupported (exit 89).
  bool unsupported = false;
  int64_t duration_us = 0;
  // The timeout that applied, for the hang message; 0 if unknown.
  int64_t timeout_us = 0;
  // When the runner stopped it at the limit, on the server's clock (the
  // transcript's t_us); -1 when it was not stopped. A connection the client
  // closes at or after this moment was closed by the stop (its sockets died
  // with it), not by the client giving up.
  int64_t stopped_us = -1;
  // Raw stderr (ObserveRun keeps a bounded printable tail).
  std::string stderr_text;
};

// Where a fact was seen.
struct Evidence {
  int connection = -1;  // Index of the server connection; -1: the whole run.
  int64_t t_us = -1;    // Server clock (µs since it started); -1: unknown.
  std::string excerpt;  // The line or bytes, printable and bounded.

  friend bool operator==(const Evidence&, const Evidence&) = default;
};

// Why a client line travelled in plaintext: the situation a verdict names.
enum class PlaintextCause {
  kStripped,            // The EHLO reply did not offer STARTTLS.
  kEhloRefused,         // EHLO was refused; the client fell back to HELO.
  kNeverTried,          // STARTTLS was offered; the client never sent it.
  kBeforeStarttlsReply, // Sent after STARTTLS, before the server's reply.
  kStarttlsRefused,     // STARTTLS answered with something other than 220.
  kNoTransition,        // 220 to STARTTLS, but no TLS followed.
  kInsteadOfHandshake,  // After the 220, plaintext instead of a ClientHello.
  kAfterTlsFailure,     // Same connection, after the handshake failed.
  kFallbackConnection,  // A new connection after STARTTLS on an earlier one.
};

std::string_view PlaintextCauseName(PlaintextCause cause);

// What a client line is.
enum class LineKind {
  kCommand,      // An SMTP command (verb holds it).
  kAuthData,     // A line answering an AUTH challenge.
  kMessage,      // A message body (DATA or BDAT).
  kBadLine,      // Bytes that are not a command.
  kCredentials,  // Credentials decoded from an AUTH exchange.
};
std::string_view LineKindName(LineKind kind);

// One line (or message) the client sent.
struct ClientLine {
  Evidence evidence;
  LineKind kind = LineKind::kCommand;
  // The SMTP verb, upper case: the command's for kCommand, "AUTH" for
  // kAuthData and kCredentials, "DATA" or "BDAT" for kMessage, empty for
  // kBadLine.
  std::string verb;
  fake::SessionPhase phase = fake::SessionPhase::kPlaintext;
  bool in_tls = false;
  // Meaningful when !in_tls.
  PlaintextCause cause = PlaintextCause::kNeverTried;
  // For a cause that refers to another connection (kFallbackConnection) or a
  // reply code (kStarttlsRefused): that number; else 0.
  int cause_detail = 0;
};

struct CredentialsSeen {
  ClientLine line;  // kCredentials; excerpt names the mechanism and user.
  fake::Credentials credentials;
};

struct MessageSeen {
  ClientLine line;  // kMessage.
  uint64_t size = 0;
  std::string subject;  // Bounded, printable.
};

// Why a verifying client must refuse a TLS session.
enum class RefusalReason {
  kBadCertificate,  // The served chain has a flaw (ServedCertificate).
  kOldVersion,      // TLS 1.1 or older was negotiated (or the only offer).
  kWeakCipher,      // A weak suite was negotiated (or the only offer).
  kNullCipher,      // The negotiated suite does not encrypt at all.
};

struct Refusal {
  RefusalReason reason = RefusalReason::kBadCertificate;
  // "an expired certificate", "TLS 1.1", "the weak suite X", ...
  std::string what;
};

// A client line that arrived before the reply it had to wait for.
struct PrematureLine {
  ClientLine line;
  // The command it should have waited on ("EHLO", "AUTH", "DATA", ...).
  std::string waited_for;
  // When the server sent that reply (-1: never).
  int64_t reply_t_us = -1;
  // When the server had written injected bytes on this connection before
  // this line was read (-1: it had not): then those bytes were the only
  // reply-shaped bytes the client could have been acting on.
  int64_t injection_t_us = -1;
};

// A service extension used without a fresh advertisement.
struct CapabilityUse {
  ClientLine line;
  // "AUTH PLAIN", "CHUNKING", "SIZE", "8BITMIME", "SMTPUTF8", ...
  std::string capability;
};

// Where an unoffered capability had been offered, if anywhere.
enum class OfferedIn {
  kNowhere,         // No reply on this connection offered it.
  kInjectedBytes,   // Only the injected bytes offered it.
  kPlaintextEhlo,   // Only the plaintext EHLO reply (used inside TLS).
};

// A capability used though the reply the client should have read did not
// offer it, where nothing proves where the client took it from: a note.
struct UnofferedCapability {
  CapabilityUse use;
  OfferedIn offered_in = OfferedIn::kNowhere;
};

// Why a client was still waiting when it was stopped.
enum class WaitKind {
  kWithheld,  // The server never sent the reply (kReplyWithheld).
  kDelayed,   // The server held the reply back past the client's patience.
  kOwed,      // The server's last reply was malformed or unfinished: a
              // correct reply was still owed.
};
std::string_view WaitKindName(WaitKind kind);

// The client's last line was waiting for a reply when the run ended.
struct WaitingFor {
  WaitKind kind = WaitKind::kWithheld;
  ClientLine line;       // The line waiting for its reply.
  std::string verb;      // The command whose reply it waited for.
  int64_t delay_us = 0;  // kDelayed: by how much the server held it.
};

// True for IANA-registered SASL mechanisms that SMTP clients are configured
// with (PLAIN, LOGIN, CRAM-MD5, SCRAM-*, XOAUTH2, ...), upper case.
bool IsStandardAuthMechanism(std::string_view mechanism);
// True for EHLO keywords of standard SMTP extensions (RFC 5321 §2.2 and the
// IANA "Mail Transmission Types" registry), upper case.
bool IsStandardEhloKeyword(std::string_view keyword);

struct ConnectionFacts {
  int index = 0;
  int64_t accepted_us = 0;
  int64_t closed_us = -1;
  fake::CloseKind close = fake::CloseKind::kOpen;
  // The client ended the connection (FIN, RST, close_notify, truncation)
  // on its own, before the runner stopped it.
  bool client_closed = false;
  // The client's side closed only because the runner stopped the client at
  // the limit (ClientRun::stopped_us): it was still connected then.
  bool closed_by_stop = false;

  // --- Before TLS ----------------------------------------------------------
  // A plaintext EHLO reply advertised STARTTLS (whole keyword).
  bool starttls_offered = false;
  // EHLO in plaintext was answered with 5xx.
  bool ehlo_refused = false;
  // The client sent HELO after that refusal.
  std::optional<Evidence> helo_after_ehlo_refusal;
  // The client's STARTTLS (first one in plaintext), and the reply code.
  std::optional<Evidence> starttls_sent;
  int starttls_reply_code = 0;
  // Bytes the client sent after STARTTLS before the server's reply.
  std::optional<Evidence> starttls_pipelined;
  // Plaintext bytes the client sent after the 220 instead of a ClientHello.
  std::optional<Evidence> plaintext_instead_of_handshake;
  // The server wrote injected bytes on this connection (kInjected).
  bool injection_sent = false;
  std::optional<Evidence> injection;
  // The client started a TLS handshake where the server spoke plaintext
  // (after a STARTTLS reply that did not start TLS): its ClientHello.
  bool client_started_tls_in_plaintext = false;

  // --- TLS -----------------------------------------------------------------
  fake::HandshakeOutcome handshake = fake::HandshakeOutcome::kNotAttempted;
  bool tls_completed = false;
  std::string tls_version;
  std::string tls_cipher;
  std::string tls_failure;
  int64_t handshake_done_us = -1;
  // Non-empty: a verifying client must not go on in this session.
  std::vector<Refusal> refusals;
  // The first thing the client sent inside TLS other than QUIT: proof it
  // accepted the session. A completed handshake alone proves nothing (over
  // TLS 1.3 many clients check the certificate after the handshake).
  std::optional<ClientLine> proceeded_in_tls;
  // The client's first command inside TLS, whatever it was.
  std::optional<ClientLine> first_tls_command;
  bool ehlo_in_tls = false;
  // The client refused the server's certificate: the handshake failed
  // with a certificate alert from the client, or it completed and the
  // client closed TLS without sending anything.
  bool client_rejected_certificate = false;
  // Why the handshake failed, in words (alerts, the server's failure text).
  std::string tls_failure_reason;
  // The handshake was left stalled (the server's stall fault after a 220 to
  // STARTTLS) and the client never closed.
  bool stalled_handshake = false;
  // The client never closed and its last line was waiting for a reply the
  // server withheld, delayed or still owed.
  std::optional<WaitingFor> waiting;

  // --- Timing --------------------------------------------------------------
  // Time from the server's last bytes to the client's close: how fast the
  // client aborted after the strip, refusal or TLS failure. Unset unless the
  // client closed.
  std::optional<int64_t> client_close_delay_us;
};

struct Observations {
  // --- The client process --------------------------------------------------
  bool client_ran = true;
  std::optional<int> exit_code;
  std::optional<int> signal;
  bool timed_out = false;
  bool unsupported = false;
  int64_t duration_us = 0;
  int64_t timeout_us = 0;
  std::string stderr_excerpt;

  // --- Connections ---------------------------------------------------------
  std::vector<ConnectionFacts> connections;
  // STARTTLS was sent on some connection.
  bool starttls_attempted = false;

  // --- What went where -----------------------------------------------------
  // Every client command, in order; split by channel.
  std::vector<ClientLine> plaintext_commands;
  std::vector<ClientLine> tls_commands;
  // AUTH/MAIL/RCPT/DATA/BDAT commands, AUTH exchange lines and message
  // bodies sent in plaintext, in order.
  std::vector<ClientLine> protected_in_plaintext;
  std::vector<CredentialsSeen> credentials;  // in_tls tells where.
  std::vector<MessageSeen> messages;         // in_tls tells where.
  bool delivered_over_tls = false;
  bool delivered_in_plaintext = false;

  // --- Protocol facts ------------------------------------------------------
  std::vector<ClientLine> starttls_inside_tls;
  // First client command inside TLS that was not EHLO/HELO/LHLO (RFC 3207
  // §4.2), one per connection.
  std::vector<ClientLine> no_ehlo_after_tls;
  // Extensions used inside TLS that only the plaintext EHLO offered, where
  // the facts prove the stale list was used: the line was read before the
  // in-TLS EHLO reply was written, or there was no EHLO inside TLS.
  std::vector<CapabilityUse> stale_capabilities;
  // Extensions used that only the injected bytes offered, with a value the
  // client could not have chosen without reading them (see the top).
  std::vector<CapabilityUse> injected_capabilities;
  // Extensions used though the reply that counts did not offer them, with
  // no proof of where the client took them from.
  std::vector<UnofferedCapability> unoffered_capabilities;
  // Lines sent before the reply they had to wait for.
  std::vector<PrematureLine> premature_lines;
  // A plaintext command answered 530 "... STARTTLS ...".
  std::optional<Evidence> starttls_required_reply;
};

// Derives every fact. Pure and deterministic: the same inputs always give
// the same Observations.
Observations ObserveRun(const fake::Transcript& transcript,
                        const ClientRun& run);

}  // namespace gauntlet::verdict

#endif  // GAUNTLET_HARNESS_VERDICT_OBSERVATIONS_H_
