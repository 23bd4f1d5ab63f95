// One proxied SMTP session: the client leg, the upstream leg, and the
// attack performed between them.
//
// The relay is SMTP-aware and lock-step: it reads one client command,
// decides what to do with it (forward it, answer it itself, or start TLS
// on a leg), and relays the upstream's reply, so each attack is a small
// decision at a known point of the dialogue (the EHLO reply, the STARTTLS
// command, the 220 after it). Every byte forwarded is forwarded as it was
// received, except the replies an attack rewrites or answers itself; after
// a STARTTLS the proxy forwards (passthrough, inject) it relays raw bytes
// both ways, blind. The session thread runs Run() to the end; a client or
// upstream that misbehaves (silence, overlong lines, malformed replies,
// resets, TLS errors) ends the session with a reason, never the process.

#ifndef GAUNTLET_FAKE_SERVERS_PROXY_SESSION_H_
#define GAUNTLET_FAKE_SERVERS_PROXY_SESSION_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fake_servers/proxy/capture.h"
#include "fake_servers/proxy/leg.h"
#include "fake_servers/proxy/proxy_config.h"
#include "fake_servers/proxy/socket_io.h"
#include "fake_servers/server/transcript_recorder.h"
#include "smtp/line_reader.h"
#include "smtp/reply.h"
#include "tls/tls_context.h"

namespace gauntlet::proxy {

// Something the proxy wants to tell the person watching it.
struct ProxyEvent {
  enum class Kind {
    kInfo,      // Session life: connected, TLS up, ended.
    kCaptured,  // The attacker read something (credentials, mail...).
    kAttack,    // The attack acted (STARTTLS stripped, reply injected...).
    kWarning,   // Something went wrong on a leg.
  };
  int session = 0;
  Kind kind = Kind::kInfo;
  std::string text;
};
using EventSink = std::function<void(const ProxyEvent&)>;

struct SessionEnv {
  const ProxyConfig* config = nullptr;
  // Client-role context for the upstream leg (null when not needed).
  const tls::TlsContext* upstream_tls = nullptr;
  // Server-role context with the forged certificate (intercept only).
  const tls::TlsContext* forged_tls = nullptr;
  // The forged chain as the client leg's transcript records it (intercept
  // only): its profile and the flaws a verifying client must reject.
  const fake::ServedCertificate* forged_certificate = nullptr;
  int stop_fd = -1;
  EventSink on_event;
};

class ProxySession {
 public:
  ProxySession(int number, Fd client, SessionEnv env,
               fake::server::ConnectionRecorder client_recorder,
               fake::server::ConnectionRecorder upstream_recorder);

  // Relays the session to its end and says what was captured.
  SessionCapture Run();

 private:
  struct ClientLine {
    smtp::Line line;
    std::string raw;  // Exactly the bytes the client sent for the line.
  };
  struct RawReply {
    smtp::Reply reply;
    std::string raw;  // Exactly the bytes the upstream sent.
  };

  absl::Status RunInner();
  absl::Status HandleLine(ClientLine line);
  absl::Status HandleEhlo(const ClientLine& line);
  absl::Status HandleStarttls(const ClientLine& line);
  absl::Status RelayDataBody();
  absl::Status RelayBdat(std::uint64_t size, bool last);
  absl::Status RelayOpaque();
  // Proxy-initiated STARTTLS upstream. FailedPrecondition when the upstream
  // refused it (the session may go on in plaintext); other errors end the
  // session.
  absl::Status UpgradeUpstream();

  // The next client line; nullopt when the client closed. Unsolicited
  // upstream replies that arrive meanwhile are forwarded.
  absl::StatusOr<std::optional<ClientLine>> NextClientLine();
  // Waits up to the I/O timeout until the client (fds[0]) or the upstream
  // (fds[1]; -1 to leave a leg out) is readable and says which in `ready`.
  // Cancelled when the proxy stops; DeadlineExceeded "<idle> for N ms".
  absl::Status WaitForLegs(const int (&fds)[2], bool (&ready)[2],
                           absl::string_view idle);
  absl::StatusOr<RawReply> NextUpstreamReply(absl::string_view verb);
  // Forwards upstream replies already complete in the inbox (unsolicited).
  absl::Status ForwardUnsolicitedReplies();
  // Takes the first complete reply out of the upstream inbox and records it
  // as the reply to `verb`; nullopt when no reply is complete yet.
  absl::StatusOr<std::optional<RawReply>> TakeUpstreamReply(
      absl::string_view verb);
  absl::Status SendToUpstream(absl::string_view raw, absl::string_view verb,
                              absl::string_view text);
  // Writes `raw` (the reply to `verb`) and `injected` (bytes that answer
  // no command) in one write, recording the reply and, when `injected` is
  // not empty, a kInjected event.
  absl::Status SendReplyToClient(absl::string_view raw, int code,
                                 absl::string_view verb,
                                 absl::string_view injected = {});
  absl::Status ForwardSimple(const ClientLine& line, absl::string_view verb);

  void Emit(ProxyEvent::Kind kind, std::string text);
  void EmitNews();

  int number_;
  SessionEnv env_;
  const ProxyConfig& config_;
  Leg client_;
  std::optional<Leg> upstream_;
  fake::server::ConnectionRecorder upstream_recorder_;
  SessionCapture capture_;
  SmtpTap tap_;
  smtp::LineReader lines_;
  std::string line_raw_;
  smtp::ReplyParser replies_;
  std::string reply_raw_;
  // The BDAT chunks of the current message, up to the capture limit.
  std::string bdat_message_;
  bool quit_ = false;
  bool upstream_offered_starttls_ = false;
};

// The reply with every STARTTLS capability line removed.
smtp::Reply WithoutStarttls(const smtp::Reply& ehlo_reply);
// The reply with a STARTTLS line added when it has none.
smtp::Reply WithStarttls(const smtp::Reply& ehlo_reply);

}  // namespace gauntlet::proxy

#endif  // GAUNTLET_FAKE_SERVERS_PROXY_SESSION_H_
