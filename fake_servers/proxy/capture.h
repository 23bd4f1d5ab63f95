// What the man in the middle read: credentials, envelopes and messages,
// per proxied session, and the pure tap that extracts them from the
// client's SMTP commands.
//
// The proxy relays; SmtpTap only watches the commands it relays (in the
// clear, or decrypted when the client accepted the forged certificate) and
// turns them into a SessionCapture plus one human line per finding for the
// live output ("AUTH PLAIN user=alice password=..."). It never touches a
// socket, so every rule here is unit-testable.

#ifndef GAUNTLET_FAKE_SERVERS_PROXY_CAPTURE_H_
#define GAUNTLET_FAKE_SERVERS_PROXY_CAPTURE_H_

#include <cstdint>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "fake_servers/proxy/proxy_config.h"
#include "smtp/auth.h"
#include "smtp/command.h"

namespace gauntlet::proxy {

struct CapturedMessage {
  std::string mail_from;
  std::vector<std::string> recipients;
  // Unstuffed message bytes (counted even beyond the kept prefix).
  std::uint64_t size = 0;
  std::string subject;
  // The message was larger than the capture keeps; subject may be empty.
  bool truncated = false;
};

struct SessionCapture {
  int session = 0;  // 1-based, in order of acceptance.
  Attack attack = Attack::kPassthrough;
  std::string client_address;  // "127.0.0.1:40312".

  // The client sent STARTTLS at all.
  bool client_sent_starttls = false;
  // intercept: the client completed the handshake with the forged
  // certificate (so everything after it was decrypted by the proxy).
  bool client_accepted_forged_cert = false;
  // intercept: why the client's handshake with the proxy failed (a
  // verifying client rejects the forged certificate here).
  std::string client_tls_failure;
  // passthrough / inject: STARTTLS went through and the client talked TLS
  // directly with the upstream: the proxy saw only ciphertext from then on.
  bool relayed_encrypted = false;

  // The proxy's own TLS session with the upstream.
  bool upstream_tls = false;
  std::string upstream_tls_version;
  std::string upstream_tls_cipher;
  std::string upstream_tls_failure;

  std::vector<smtp::CapturedCredentials> credentials;
  std::vector<std::string> senders;     // Every MAIL FROM, in order.
  std::vector<std::string> recipients;  // Every RCPT TO, in order.
  std::vector<CapturedMessage> messages;

  // How the session ended ("client quit", "upstream closed", an error...).
  std::string end;
  bool finished = false;

  // The attacker read something that should have been protected.
  bool Leaked() const {
    return !credentials.empty() || !senders.empty() || !recipients.empty() ||
           !messages.empty();
  }
};

// Follows the client's side of the SMTP dialogue that the proxy can read.
class SmtpTap {
 public:
  explicit SmtpTap(SessionCapture* capture) : capture_(capture) {}

  // A command line the proxy relayed (or answered itself).
  void OnCommand(const smtp::Command& command);
  // The reply the client got for the last command (codes matter for AUTH).
  void OnReply(int code);
  // A client line inside an AUTH exchange (the base64 answer to a 334).
  void OnAuthLine(absl::string_view line);
  // True while the client's next line belongs to an AUTH exchange: the
  // last AUTH step was answered with 334.
  bool in_auth() const { return in_auth_; }
  // A DATA body or the BDAT chunks of one message, complete.
  void OnMessage(absl::string_view message, std::uint64_t size, bool truncated);

  // Human lines for what was captured since the last call.
  std::vector<std::string> TakeNews();

 private:
  void RecordCredentials();

  SessionCapture* capture_;
  smtp::AuthExchange auth_;
  bool auth_pending_ = false;   // An AUTH exchange whose result is unknown.
  bool auth_recorded_ = false;  // Its credentials are in capture_ already.
  bool in_auth_ = false;
  std::string from_;
  std::vector<std::string> rcpts_;
  std::vector<std::string> news_;
};

// "user=\"alice\" password=\"secret\"" with non-printable bytes escaped.
std::string DescribeCredentials(const smtp::CapturedCredentials& c);
// Printable form of untrusted text for the terminal: backslash and '"'
// escaped, C0 and C1 control characters and bytes that are not valid UTF-8
// as \xNN (\r, \n for CR, LF), valid UTF-8 kept; at most about `max_len`
// bytes, the rest counted.
std::string Printable(absl::string_view text, std::size_t max_len = 200);

}  // namespace gauntlet::proxy

#endif  // GAUNTLET_FAKE_SERVERS_PROXY_CAPTURE_H_
