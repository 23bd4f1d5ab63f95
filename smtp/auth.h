// SMTP AUTH (RFC 4954) as seen by a server: decoding the PLAIN and LOGIN
// responses and following an exchange across lines.
//
// Gauntlet's servers never verify credentials; they record what a client
// revealed so a verdict can say "credentials sent in plaintext: user=...
// password=...". AuthExchange is a pure state machine: the server feeds it
// the parsed AUTH command and then each client line, and it says what to
// send next (a 334 challenge, or nothing more) and what was captured.

#ifndef GAUNTLET_SMTP_AUTH_H_
#define GAUNTLET_SMTP_AUTH_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "smtp/command.h"

namespace gauntlet::smtp {

// Decodes SASL base64 (RFC 4648 alphabet, with or without padding; no
// whitespace). Errors (kInvalidArgument) name the first bad byte's offset.
absl::StatusOr<std::string> DecodeSaslBase64(absl::string_view text);

// RFC 4616: authzid NUL authcid NUL passwd.
struct PlainCredentials {
  std::string authzid;
  std::string authcid;
  std::string password;
  friend bool operator==(const PlainCredentials&,
                         const PlainCredentials&) = default;
};

// Decodes an AUTH PLAIN response; an error for bad base64 or for anything
// but exactly three NUL-separated fields.
absl::StatusOr<PlainCredentials> DecodeAuthPlain(absl::string_view base64);
// Decodes one AUTH LOGIN field (user name or password).
absl::StatusOr<std::string> DecodeAuthLogin(absl::string_view base64);
// Client side: the base64 AUTH PLAIN response.
std::string EncodeAuthPlain(absl::string_view authzid,
                            absl::string_view authcid,
                            absl::string_view password);

// What a client revealed during one AUTH exchange.
struct CapturedCredentials {
  std::string mechanism;  // "PLAIN" or "LOGIN".
  std::string authzid;    // PLAIN only.
  std::string username;
  std::string password;
  bool has_username = false;
  bool has_password = false;
  friend bool operator==(const CapturedCredentials&,
                         const CapturedCredentials&) = default;
};

class AuthExchange {
 public:
  enum class Step {
    // Send "334 <challenge>" and feed the client's next line to
    // OnClientLine().
    kChallenge,
    // The client sent all credentials; the server now sends its verdict
    // (235 or 535).
    kComplete,
    // The client answered a challenge with "*" (RFC 4954: reply 501).
    kCancelled,
    // A response could not be decoded (reply 501); `error` says why.
    kFailed,
    // The mechanism is neither PLAIN nor LOGIN (reply 504).
    kUnsupported,
  };
  struct Action {
    Step step = Step::kFailed;
    // For kChallenge: the base64 text after "334 " (may be empty).
    std::string challenge;
    absl::Status error;
  };

  // Starts an exchange from a parsed AUTH command (any previous exchange is
  // forgotten). A command whose verb is not AUTH gives kFailed.
  Action Start(const Command& auth);
  // Follows the exchange with the client's next line (without CRLF).
  // Outside an exchange, gives kFailed.
  Action OnClientLine(absl::string_view line);

  // True while waiting for a client line.
  bool awaiting_response() const { return state_ != State::kIdle; }
  // Everything captured by the current or last exchange, even if it was
  // cancelled or failed half-way.
  const CapturedCredentials& captured() const { return captured_; }

 private:
  enum class State { kIdle, kPlainResponse, kLoginUser, kLoginPassword };

  Action Challenge(State next, absl::string_view prompt);
  Action Fail(absl::Status error);
  Action TakePlain(absl::string_view base64);
  Action TakeLoginUser(absl::string_view base64);
  Action TakeLoginPassword(absl::string_view base64);

  State state_ = State::kIdle;
  CapturedCredentials captured_;
};

}  // namespace gauntlet::smtp

#endif  // GAUNTLET_SMTP_AUTH_H_
