// The pure SMTP half of a fake server session: command line in, reply out.
//
// SmtpResponder decides, from the connection's ConnectionBehavior and the
// SMTP state it tracks (greeted, envelope, AUTH exchange in progress), what
// the server answers to each client line and what the session must do
// next (read a DATA body, start TLS, close, ...). It never touches a socket
// or a clock, so every misbehaviour switch that concerns replies can be
// tested without I/O; the Session (session.h) does the I/O, the timing and
// the recording.
//
// Reply bytes follow the behaviour: reply_overrides replace a verb's reply
// verbatim; otherwise RFC 5321 replies with RFC 3463 enhanced codes, with
// every CRLF turned into a bare LF under bare_lf_replies (greeting and
// STARTTLS reply included; raw override and injection bytes never).

#ifndef GAUNTLET_FAKE_SERVERS_SERVER_SMTP_RESPONDER_H_
#define GAUNTLET_FAKE_SERVERS_SERVER_SMTP_RESPONDER_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "fake_servers/behavior.h"
#include "fake_servers/server/message_summary.h"
#include "fake_servers/transcript.h"
#include "smtp/auth.h"
#include "smtp/command.h"
#include "smtp/data_reader.h"
#include "smtp/line_reader.h"

namespace gauntlet::fake::server {

// Whether the SMTP dialogue currently runs in the clear or inside TLS.
enum class Layer { kPlaintext, kTls };

// What the session does once the reply (if any) is sent.
enum class Next {
  kCommand,          // Read the next command line.
  kDataBody,         // Read a DATA body, then call OnDataBody.
  kBdatChunk,        // Read Response::bdat_size raw bytes, then OnBdatChunk.
  kStartTls,         // STARTTLS accepted: start the handshake.
  kStarttlsRefused,  // STARTTLS answered without TLS: stay in plaintext.
  kClose,            // Close the connection.
};

struct Response {
  // False: say nothing (ignore_ehlo_in_tls, or BDAT before its chunk).
  bool send = true;
  // The reply bytes as they go on the wire (without injected bytes).
  std::string reply;
  // Bytes written in the same write right after `reply`.
  std::string injected;
  // The verb answered ("GREETING" for the greeting, "MESSAGE" for the reply
  // after a DATA body or the last BDAT chunk).
  std::string verb;
  std::chrono::milliseconds delay{0};
  Next next = Next::kCommand;
  // The reply came from reply_overrides.
  bool overridden = false;
  std::uint64_t bdat_size = 0;
  // Client-side events decoded from the input (command, AUTH data,
  // credentials, message, bad line), in order; the session stamps their
  // phase, channel and time.
  std::vector<SmtpEvent> events;
};

// First three bytes as a reply code, or 0 if they are not three digits.
int ReplyCodeOf(std::string_view reply);

class SmtpResponder {
 public:
  explicit SmtpResponder(const ConnectionBehavior& behavior);

  Response Greeting() const;
  // A command line, or the answer to an AUTH challenge when one is pending.
  // An error value is an overlong line (LineReader's kResourceExhausted).
  Response OnLine(const absl::StatusOr<smtp::Line>& line, Layer layer);
  // The DATA body is complete (reader.done()).
  Response OnDataBody(smtp::DataReader& reader, Layer layer);
  // Bytes of the current BDAT chunk, as they arrive; then OnBdatChunkEnd.
  void OnBdatBytes(std::string_view bytes);
  Response OnBdatChunkEnd(Layer layer);
  // RFC 3207 §4.2: TLS started, so forget greeting, envelope and AUTH.
  void OnTlsStarted();
  // The handshake failed or the client abandoned TLS, and the session goes
  // on in plaintext as an active attacker runs it: every command is
  // answered as if it were welcome (require_tls no longer refuses AUTH,
  // MAIL, ...; MAIL needs no fresh EHLO) so that whatever the client
  // would leak is captured.
  void OnTlsFailed();

 private:
  struct Envelope {
    bool has_mail = false;
    int recipients = 0;
  };
  // What a command may change; restored when an override refuses it.
  struct State {
    bool greeted = false;
    bool authenticated = false;
    Envelope envelope;
  };

  Response OnCommandLine(const smtp::Line& line, Layer layer);
  Response OnAuthLine(const smtp::Line& line, Layer layer);
  Response Dispatch(const smtp::Command& cmd, Layer layer);
  Response OnEhlo(const smtp::Command& cmd, Layer layer);
  Response OnHelo(const smtp::Command& cmd);
  Response OnStarttls(const smtp::Command& cmd, Layer layer);
  Response OnAuth(const smtp::Command& cmd, Layer layer);
  Response OnMail(const smtp::Command& cmd);
  Response OnRcpt(const smtp::Command& cmd);
  Response OnData(const smtp::Command& cmd);
  Response OnBdat(const smtp::Command& cmd);
  Response AfterAuthStep(Response response,
                         const smtp::AuthExchange::Action& action);
  Response Reply(std::string_view verb, std::string_view text) const;
  // Applies reply_overrides and delays to a generated response.
  Response Finish(Response response, std::string_view verb, Layer layer);
  const ReplyOverride* FindOverride(std::string_view verb, Layer layer) const;
  std::chrono::milliseconds DelayFor(std::string_view verb) const;
  bool RefuseInPlaintext(Layer layer) const;
  Response MustStartTls(std::string_view verb) const;

  ConnectionBehavior behavior_;
  bool greeted_ = false;
  bool authenticated_ = false;
  Envelope envelope_;
  std::optional<smtp::AuthExchange> auth_;
  MessageSummary bdat_message_;
  bool tls_failed_ = false;
  std::uint64_t bdat_chunk_size_ = 0;
  bool bdat_last_ = false;
};

}  // namespace gauntlet::fake::server

#endif  // GAUNTLET_FAKE_SERVERS_SERVER_SMTP_RESPONDER_H_
