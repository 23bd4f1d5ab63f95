// The reference client's SMTP submission dialogue: greeting, EHLO,
// STARTTLS, TLS, EHLO again, AUTH, MAIL/RCPT/DATA, QUIT.
//
// Deliver() is the secure client unless options.flaws switches a flaw on;
// each flaw changes one decision, at the place marked with its name below
// (client/flaws.h lists them, docs/reference-client.md describes each).
// The secure client:
//   - never sends anything but EHLO/HELO/STARTTLS/QUIT before TLS unless the
//     policy allows plaintext;
//   - sends STARTTLS alone and waits for its reply;
//   - treats any byte after the 220 reply to STARTTLS as an attack and
//     aborts (response injection);
//   - verifies the certificate (policy require-tls: chain, host name, dates,
//     plus cert_policy.h), refuses TLS < 1.2;
//   - sends EHLO again inside TLS and uses only that capability list;
//   - never issues STARTTLS twice, never retries in plaintext;
//   - bounds every wait (connect, each reply, the whole handshake).
// The result is a Status whose payload is the exit code (exit_codes.h).

#ifndef GAUNTLET_CLIENT_SMTP_CLIENT_H_
#define GAUNTLET_CLIENT_SMTP_CLIENT_H_

#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "client/options.h"

namespace gauntlet::client {

struct DeliveryReport {
  // The message went through TLS ("TLSv1.3" etc.), or in plaintext.
  bool over_tls = false;
  std::string tls_version;
  std::string cipher;
  // TCP connections made (2 after a retry-plaintext retry).
  int connections = 0;
  // The server's final reply to the message, e.g. "250 2.0.0 Ok: queued".
  std::string final_reply;
};

// Runs one delivery. `trace`, when set, receives the dialogue ("C: ...",
// "S: ..."; AUTH secrets masked) and notes on each decision.
absl::StatusOr<DeliveryReport> Deliver(const ClientOptions& options,
                                       std::ostream* trace = nullptr);

// The message sent when ClientOptions::message is unset.
std::string DefaultMessage(const ClientOptions& options);

// `text` with every bare LF turned into CRLF (message files are usually
// written with Unix line endings; SMTP needs CRLF).
std::string NormalizeLineEndings(absl::string_view text);

}  // namespace gauntlet::client

#endif  // GAUNTLET_CLIENT_SMTP_CLIENT_H_
