// The reference client's exit codes, and errors that carry one.
//
// Every failure inside the client is an absl::Status; the ones that decide
// how the process ends carry an ExitCode as a payload, so that the code that
// detected the problem (socket, TLS engine, SMTP dialogue) also decides how
// it is reported. Annotate() adds "while doing X" context without losing it.

#ifndef GAUNTLET_CLIENT_EXIT_CODES_H_
#define GAUNTLET_CLIENT_EXIT_CODES_H_

#include "absl/strings/string_view.h"

#include "absl/status/status.h"

namespace gauntlet::client {

enum class ExitCode : int {
  // The message was accepted (250 after the end of DATA).
  kDelivered = 0,
  // Bad command line, unreadable message or CA file.
  kUsage = 1,
  // Could not connect, the server closed or reset, or a timeout passed.
  kConnection = 2,
  // The TLS handshake failed or the certificate was rejected.
  kTls = 3,
  // STARTTLS not offered, refused, or EHLO refused, under a policy that
  // requires TLS.
  kStarttlsUnavailable = 4,
  // The server answered a command with an error reply.
  kSmtpError = 5,
  // The server broke the protocol: bytes after its 220 to STARTTLS,
  // malformed or overlong replies.
  kProtocolViolation = 6,
};

// "delivered", "usage", "connection", "tls", "starttls-unavailable",
// "smtp-error", "protocol-violation".
absl::string_view ExitCodeName(ExitCode code);

// A failure ending the run with `code`.
absl::Status ClientError(ExitCode code, absl::string_view message);

// `status` (an error) carrying `code`, keeping its canonical code.
absl::Status WithExitCode(absl::Status status, ExitCode code);

// The exit code a status carries: kDelivered for OK; for an error without a
// payload, kConnection for DeadlineExceeded/Unavailable/NotFound/Aborted and
// kProtocolViolation otherwise.
ExitCode ExitCodeOf(const absl::Status& status);

// `status` with "context: " prepended to its message, keeping its code and
// payloads. OK stays OK.
absl::Status Annotate(const absl::Status& status, absl::string_view context);

}  // namespace gauntlet::client

#endif  // GAUNTLET_CLIENT_EXIT_CODES_H_
