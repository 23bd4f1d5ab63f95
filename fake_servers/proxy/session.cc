#include "fake_servers/proxy/session.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "smtp/command.h"
#include "smtp/data_reader.h"
#include "smtp/ehlo.h"

namespace gauntlet::proxy {
namespace {

// Lenient on purpose: the proxy relays, it does not judge line lengths.
constexpr std::size_t kMaxClientLine = 4096;
constexpr std::size_t kMaxDataLine = 64 * 1024;
// The verb under which upstream replies nobody asked for are recorded.
constexpr absl::string_view kUnsolicited = "UNSOLICITED";

// Feeds `inbox` to `parser` (a LineReader or a ReplyParser) up to its
// first complete item or error, and moves the bytes that took from `inbox`
// to the end of `raw`, so that what is relayed is exactly what was sent.
template <typename Item, typename Parser>
absl::StatusOr<std::optional<Item>> TakeFramed(Parser& parser,
                                               std::string& inbox,
                                               std::string& raw) {
  std::optional<Item> got;
  absl::Status error;
  const std::size_t used =
      parser.Feed(inbox, [&](const auto& item) {
        if (item.ok()) {
          got = *item;
        } else {
          error = item.status();
        }
        return false;
      });
  raw.append(inbox, 0, used);
  inbox.erase(0, used);
  if (!error.ok()) return error;
  return got;
}

smtp::ReplyParserOptions UpstreamReplyOptions() {
  smtp::ReplyParserOptions o;
  o.max_line_length = 4096;
  o.max_lines = 256;
  o.max_reply_bytes = 64 * 1024;
  return o;
}

bool IsStarttlsLine(absl::string_view line) {
  absl::string_view word = line.substr(0, line.find(' '));
  return absl::EqualsIgnoreCase(word, "STARTTLS");
}

std::string ReplyText(const smtp::Reply& r) {
  std::string out;
  for (std::size_t i = 0; i < r.lines.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : "\n", r.code,
                    i + 1 == r.lines.size() ? " " : "-", r.lines[i]);
  }
  return out;
}

int CodeOf(absl::string_view line) {
  if (line.size() < 3) return 0;
  int code = 0;
  for (int i = 0; i < 3; ++i) {
    if (line[i] < '0' || line[i] > '9') return 0;
    code = code * 10 + (line[i] - '0');
  }
  return code;
}

std::string StripCrlf(absl::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

}  // namespace

smtp::Reply WithoutStarttls(const smtp::Reply& ehlo_reply) {
  smtp::Reply out = ehlo_reply;
  out.lines.clear();
  for (std::size_t i = 0; i < ehlo_reply.lines.size(); ++i) {
    // The first line is the server's name, never a keyword.
    if (i > 0 && IsStarttlsLine(ehlo_reply.lines[i])) continue;
    out.lines.push_back(ehlo_reply.lines[i]);
  }
  return out;
}

smtp::Reply WithStarttls(const smtp::Reply& ehlo_reply) {
  for (std::size_t i = 1; i < ehlo_reply.lines.size(); ++i) {
    if (IsStarttlsLine(ehlo_reply.lines[i])) return ehlo_reply;
  }
  smtp::Reply out = ehlo_reply;
  out.lines.push_back("STARTTLS");
  return out;
}

ProxySession::ProxySession(int number, Fd client, SessionEnv env,
                           fake::server::ConnectionRecorder client_recorder,
                           fake::server::ConnectionRecorder upstream_recorder)
    : number_(number),
      env_(std::move(env)),
      config_(*env_.config),
      client_(std::move(client), Leg::Side::kClient, client_recorder,
              Leg::Limits{env_.config->io_timeout,
                          env_.config->max_buffered_bytes},
              env_.stop_fd),
      upstream_recorder_(upstream_recorder),
      tap_(&capture_),
      lines_(kMaxClientLine),
      replies_(UpstreamReplyOptions()) {
  capture_.session = number;
  capture_.attack = config_.attack;
  capture_.client_address = PeerAddress(client_.fd());
}

void ProxySession::Emit(ProxyEvent::Kind kind, std::string text) {
  if (!env_.on_event) return;
  ProxyEvent e;
  e.session = number_;
  e.kind = kind;
  e.text = std::move(text);
  env_.on_event(e);
}

void ProxySession::EmitNews() {
  for (std::string& line : tap_.TakeNews()) {
    const std::string where =
        capture_.client_accepted_forged_cert ? " (decrypted)" : " (plaintext)";
    Emit(ProxyEvent::Kind::kCaptured, absl::StrCat(line, where));
  }
}

SessionCapture ProxySession::Run() {
  Emit(ProxyEvent::Kind::kInfo,
       absl::StrCat("client ", capture_.client_address, " connected; relaying "
                    "to ", config_.upstream.host, ":", config_.upstream.port,
                    " with attack '", AttackName(config_.attack), "'"));
  const absl::Status status = RunInner();
  if (quit_) {
    capture_.end = "client sent QUIT";
  } else if (status.ok()) {
    capture_.end = client_.eof() ? "client closed the connection"
                                 : "upstream closed the connection";
  } else {
    capture_.end = std::string(status.message());
  }
  // Whatever ended the session, both legs are closed now (the first
  // recorded close kind stays).
  client_.ShutdownWrite();
  client_.Close(fake::CloseKind::kServerClosed);
  if (upstream_.has_value()) {
    upstream_->ShutdownWrite();
    upstream_->Close(fake::CloseKind::kClientFin);
  } else {
    upstream_recorder_.Close(fake::CloseKind::kServerClosed);
  }
  EmitNews();
  capture_.finished = true;
  Emit(status.ok() || quit_ ? ProxyEvent::Kind::kInfo
                            : ProxyEvent::Kind::kWarning,
       absl::StrCat("session ended: ", capture_.end));
  return capture_;
}

absl::Status ProxySession::RunInner() {
  absl::StatusOr<Fd> up =
      ConnectTcp(config_.upstream.host, config_.upstream.port,
                 Clock::now() + config_.io_timeout, env_.stop_fd);
  if (!up.ok()) {
    // The client gets a proper SMTP refusal rather than a silent close.
    (void)client_.Write("421 4.4.1 Upstream not reachable\r\n");
    return up.status();
  }
  upstream_.emplace(std::move(*up), Leg::Side::kUpstream, upstream_recorder_,
                    Leg::Limits{config_.io_timeout, config_.max_buffered_bytes},
                    env_.stop_fd);

  GAUNTLET_ASSIGN_OR_RETURN(RawReply greeting, NextUpstreamReply("GREETING"));
  GAUNTLET_RETURN_IF_ERROR(
      SendReplyToClient(greeting.raw, greeting.reply.code, "GREETING"));

  while (!quit_) {
    GAUNTLET_ASSIGN_OR_RETURN(std::optional<ClientLine> line,
                              NextClientLine());
    if (!line.has_value()) return absl::OkStatus();
    GAUNTLET_RETURN_IF_ERROR(HandleLine(std::move(*line)));
    if (client_.opaque()) return RelayOpaque();
  }
  return absl::OkStatus();
}

absl::Status ProxySession::WaitForLegs(const int (&fds)[2], bool (&ready)[2],
                                      absl::string_view idle) {
  switch (WaitReadable(fds, ready, 2, Clock::now() + config_.io_timeout,
                       env_.stop_fd)) {
    case WaitResult::kStopped:
      return absl::CancelledError("proxy stopped");
    case WaitResult::kTimeout:
      return absl::DeadlineExceededError(absl::StrCat(
          idle, " for ", config_.io_timeout.count(), " ms"));
    case WaitResult::kReady:
      break;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ProxySession::ClientLine>>
ProxySession::NextClientLine() {
  for (;;) {
    absl::StatusOr<std::optional<smtp::Line>> got =
        TakeFramed<smtp::Line>(lines_, client_.inbox(), line_raw_);
    if (!got.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "client sent an overlong line: ", got.status().message()));
    }
    if (got->has_value()) {
      ClientLine cl{std::move(**got), std::move(line_raw_)};
      line_raw_.clear();
      return std::optional<ClientLine>(std::move(cl));
    }
    if (client_.eof()) {
      if (!line_raw_.empty()) {
        // An unterminated last line still reaches the upstream unchanged.
        GAUNTLET_RETURN_IF_ERROR(upstream_->Write(line_raw_));
        line_raw_.clear();
      }
      return std::optional<ClientLine>();
    }
    const int fds[2] = {client_.fd(), upstream_->fd()};
    bool ready[2];
    GAUNTLET_RETURN_IF_ERROR(WaitForLegs(fds, ready, "client sent no command"));
    if (ready[1]) {
      GAUNTLET_RETURN_IF_ERROR(upstream_->Pump());
      GAUNTLET_RETURN_IF_ERROR(ForwardUnsolicitedReplies());
      if (upstream_->eof()) {
        return absl::UnavailableError(
            "upstream closed the connection while the client was idle");
      }
    }
    if (ready[0]) GAUNTLET_RETURN_IF_ERROR(client_.Pump());
  }
}

absl::Status ProxySession::ForwardUnsolicitedReplies() {
  for (;;) {
    GAUNTLET_ASSIGN_OR_RETURN(std::optional<RawReply> r,
                              TakeUpstreamReply(kUnsolicited));
    if (!r.has_value()) return absl::OkStatus();
    GAUNTLET_RETURN_IF_ERROR(
        SendReplyToClient(r->raw, r->reply.code, kUnsolicited));
  }
}

absl::StatusOr<ProxySession::RawReply> ProxySession::NextUpstreamReply(
    absl::string_view verb) {
  for (;;) {
    GAUNTLET_ASSIGN_OR_RETURN(std::optional<RawReply> r,
                              TakeUpstreamReply(verb));
    if (r.has_value()) return std::move(*r);
    if (upstream_->eof()) {
      return absl::UnavailableError(absl::StrCat(
          "upstream closed the connection before replying to ", verb));
    }
    GAUNTLET_RETURN_IF_ERROR(upstream_->WaitAndPump());
  }
}

absl::StatusOr<std::optional<ProxySession::RawReply>>
ProxySession::TakeUpstreamReply(absl::string_view verb) {
  absl::StatusOr<std::optional<smtp::Reply>> got =
      TakeFramed<smtp::Reply>(replies_, upstream_->inbox(), reply_raw_);
  if (!got.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "upstream sent a malformed reply",
        verb == kUnsolicited ? "" : absl::StrCat(" to ", verb), ": ",
        got.status().message()));
  }
  if (!got->has_value()) return std::nullopt;
  RawReply r{std::move(**got), std::move(reply_raw_)};
  reply_raw_.clear();
  fake::SmtpEvent e;
  e.kind = fake::SmtpEvent::Kind::kReply;
  e.verb = std::string(verb);
  e.text = ReplyText(r.reply);
  e.reply_code = r.reply.code;
  upstream_->RecordEvent(std::move(e));
  return r;
}

absl::Status ProxySession::SendToUpstream(absl::string_view raw,
                                          absl::string_view verb,
                                          absl::string_view text) {
  fake::SmtpEvent e;
  e.kind = verb.empty() ? fake::SmtpEvent::Kind::kAuthData
                        : fake::SmtpEvent::Kind::kCommand;
  e.verb = std::string(verb);
  e.text = std::string(text);
  upstream_->RecordEvent(std::move(e));
  return upstream_->Write(std::string_view(raw.data(), raw.size()));
}

absl::Status ProxySession::SendReplyToClient(absl::string_view raw, int code,
                                             absl::string_view verb,
                                             absl::string_view injected) {
  fake::SmtpEvent e;
  e.kind = fake::SmtpEvent::Kind::kReply;
  e.verb = std::string(verb);
  e.text = StripCrlf(raw);
  e.reply_code = code;
  client_.RecordEvent(std::move(e));
  if (!injected.empty()) {
    // Recorded before the write, so the event's time is no later than the
    // moment the client could first read the bytes.
    fake::SmtpEvent inj;
    inj.kind = fake::SmtpEvent::Kind::kInjected;
    inj.text = std::string(injected);
    client_.RecordEvent(std::move(inj));
  }
  tap_.OnReply(code);
  const std::string out = absl::StrCat(raw, injected);
  GAUNTLET_RETURN_IF_ERROR(client_.Write(std::string_view(out)));
  EmitNews();
  return absl::OkStatus();
}

absl::Status ProxySession::ForwardSimple(const ClientLine& line,
                                         absl::string_view verb) {
  GAUNTLET_RETURN_IF_ERROR(SendToUpstream(line.raw, verb, line.line.text));
  GAUNTLET_ASSIGN_OR_RETURN(RawReply r, NextUpstreamReply(verb));
  return SendReplyToClient(r.raw, r.reply.code, verb);
}

absl::Status ProxySession::HandleLine(ClientLine line) {
  if (tap_.in_auth()) {
    fake::SmtpEvent e;
    e.kind = fake::SmtpEvent::Kind::kAuthData;
    e.text = line.line.text;
    client_.RecordEvent(std::move(e));
    tap_.OnAuthLine(line.line.text);
    EmitNews();
    GAUNTLET_RETURN_IF_ERROR(SendToUpstream(line.raw, "", line.line.text));
    GAUNTLET_ASSIGN_OR_RETURN(RawReply r, NextUpstreamReply("AUTH"));
    return SendReplyToClient(r.raw, r.reply.code, "AUTH");
  }

  absl::StatusOr<smtp::Command> cmd = smtp::ParseCommand(line.line.text);
  fake::SmtpEvent e;
  e.kind = cmd.ok() ? fake::SmtpEvent::Kind::kCommand
                    : fake::SmtpEvent::Kind::kBadLine;
  e.verb = cmd.ok() ? std::string(smtp::VerbName(cmd->verb)) : "";
  if (cmd.ok() && e.verb.empty()) e.verb = absl::AsciiStrToUpper(cmd->verb_text);
  e.text = line.line.text;
  client_.RecordEvent(e);
  if (!cmd.ok()) {
    // Not ours to judge: the upstream answers it.
    return ForwardSimple(line, "");
  }
  tap_.OnCommand(*cmd);
  EmitNews();
  const std::string verb = e.verb;

  switch (cmd->verb) {
    case smtp::Verb::kEhlo:
      return HandleEhlo(line);
    case smtp::Verb::kStarttls:
      return HandleStarttls(line);
    case smtp::Verb::kData: {
      GAUNTLET_RETURN_IF_ERROR(SendToUpstream(line.raw, verb, line.line.text));
      GAUNTLET_ASSIGN_OR_RETURN(RawReply r, NextUpstreamReply(verb));
      GAUNTLET_RETURN_IF_ERROR(SendReplyToClient(r.raw, r.reply.code, verb));
      if (r.reply.code != 354) return absl::OkStatus();
      return RelayDataBody();
    }
    case smtp::Verb::kBdat: {
      GAUNTLET_RETURN_IF_ERROR(SendToUpstream(line.raw, verb, line.line.text));
      return RelayBdat(cmd->bdat_size, cmd->bdat_last);
    }
    case smtp::Verb::kQuit: {
      GAUNTLET_RETURN_IF_ERROR(ForwardSimple(line, verb));
      quit_ = true;
      return absl::OkStatus();
    }
    default:
      return ForwardSimple(line, verb);
  }
}

absl::Status ProxySession::HandleEhlo(const ClientLine& line) {
  GAUNTLET_RETURN_IF_ERROR(SendToUpstream(line.raw, "EHLO", line.line.text));
  GAUNTLET_ASSIGN_OR_RETURN(RawReply r, NextUpstreamReply("EHLO"));
  bool offered = false;
  if (r.reply.code == 250) {
    absl::StatusOr<smtp::EhloCapabilities> caps =
        smtp::EhloCapabilities::FromReply(r.reply);
    offered = caps.ok() && caps->starttls();
    if (offered && !upstream_->tls()) upstream_offered_starttls_ = true;
  }

  const bool upgrade = (config_.attack == Attack::kStrip ||
                        config_.attack == Attack::kRefuse) &&
                       config_.upgrade_upstream && offered &&
                       !upstream_->tls() && env_.upstream_tls != nullptr;
  if (upgrade) {
    const absl::Status up = UpgradeUpstream();
    if (up.ok()) {
      // RFC 3207 §4.2: the server forgot the first EHLO; say it again inside
      // TLS and show the client the capabilities of the encrypted session.
      GAUNTLET_RETURN_IF_ERROR(SendToUpstream(line.raw, "EHLO", line.line.text));
      GAUNTLET_ASSIGN_OR_RETURN(r, NextUpstreamReply("EHLO"));
    } else if (!absl::IsFailedPrecondition(up)) {
      return up;
    }
  }

  if (r.reply.code != 250) {
    return SendReplyToClient(r.raw, r.reply.code, "EHLO");
  }
  switch (config_.attack) {
    case Attack::kStrip: {
      const smtp::Reply stripped = WithoutStarttls(r.reply);
      if (stripped.lines.size() != r.reply.lines.size() || upgrade ||
          upstream_offered_starttls_) {
        Emit(ProxyEvent::Kind::kAttack,
             "removed STARTTLS from the EHLO reply the client sees");
      }
      return SendReplyToClient(smtp::SerializeReply(stripped), 250, "EHLO");
    }
    case Attack::kRefuse: {
      if (!upstream_offered_starttls_) break;
      return SendReplyToClient(smtp::SerializeReply(WithStarttls(r.reply)), 250,
                               "EHLO");
    }
    case Attack::kIntercept: {
      if (client_.tls()) break;
      // The proxy terminates the client's TLS itself, so it offers it
      // whatever the upstream does.
      return SendReplyToClient(smtp::SerializeReply(WithStarttls(r.reply)), 250,
                               "EHLO");
    }
    case Attack::kPassthrough:
    case Attack::kInject:
      break;
  }
  return SendReplyToClient(r.raw, r.reply.code, "EHLO");
}

absl::Status ProxySession::UpgradeUpstream() {
  GAUNTLET_RETURN_IF_ERROR(SendToUpstream("STARTTLS\r\n", "STARTTLS", "STARTTLS"));
  GAUNTLET_ASSIGN_OR_RETURN(RawReply r, NextUpstreamReply("STARTTLS"));
  if (r.reply.code != 220) {
    capture_.upstream_tls_failure =
        absl::StrCat("upstream refused STARTTLS: ", ReplyText(r.reply));
    Emit(ProxyEvent::Kind::kWarning, capture_.upstream_tls_failure);
    return absl::FailedPreconditionError(capture_.upstream_tls_failure);
  }
  if (!upstream_->inbox().empty() || !replies_.idle()) {
    return absl::InvalidArgumentError(
        "upstream sent bytes after its 220 to STARTTLS (response injection); "
        "ending the session");
  }
  tls::SessionConfig sc;
  sc.server_name = config_.upstream_name.empty() ? config_.upstream.host
                                                 : config_.upstream_name;
  const absl::Status hs = upstream_->StartTls(*env_.upstream_tls, sc);
  if (!hs.ok()) {
    capture_.upstream_tls_failure = std::string(hs.message());
    return absl::AbortedError(
        absl::StrCat("upstream leg: ", capture_.upstream_tls_failure));
  }
  replies_.Reset();
  reply_raw_.clear();
  capture_.upstream_tls = true;
  if (const auto& s = upstream_->tls_session();
      s.has_value() && s->facts().has_value()) {
    capture_.upstream_tls_version = s->facts()->version;
    capture_.upstream_tls_cipher = s->facts()->cipher_suite_name;
  }
  Emit(ProxyEvent::Kind::kInfo,
       absl::StrCat("upstream leg is now TLS (", capture_.upstream_tls_version,
                    ", ", capture_.upstream_tls_cipher,
                    "): the server sees an encrypted session"));
  return absl::OkStatus();
}

absl::Status ProxySession::HandleStarttls(const ClientLine& line) {
  switch (config_.attack) {
    case Attack::kStrip: {
      Emit(ProxyEvent::Kind::kAttack,
           "client sent STARTTLS anyway: answered 502 in its place");
      return SendReplyToClient(absl::StrCat(kStripStarttlsReply, "\r\n"), 502,
                               "STARTTLS");
    }
    case Attack::kRefuse: {
      Emit(ProxyEvent::Kind::kAttack,
           absl::StrCat("refused the client's STARTTLS with \"",
                        StripCrlf(config_.refuse_reply), "\""));
      return SendReplyToClient(config_.refuse_reply,
                               CodeOf(config_.refuse_reply), "STARTTLS");
    }
    case Attack::kPassthrough:
    case Attack::kInject: {
      GAUNTLET_RETURN_IF_ERROR(
          SendToUpstream(line.raw, "STARTTLS", line.line.text));
      GAUNTLET_ASSIGN_OR_RETURN(RawReply r, NextUpstreamReply("STARTTLS"));
      if (r.reply.code != 220) {
        return SendReplyToClient(r.raw, r.reply.code, "STARTTLS");
      }
      std::string injected;
      if (config_.attack == Attack::kInject) {
        injected = config_.injection;
        Emit(ProxyEvent::Kind::kAttack,
             absl::StrCat("injected ", config_.injection.size(),
                          " plaintext bytes after the upstream's 220: \"",
                          Printable(config_.injection), "\""));
      }
      GAUNTLET_RETURN_IF_ERROR(
          SendReplyToClient(r.raw, 220, "STARTTLS", injected));
      client_.SetOpaque();
      upstream_->SetOpaque();
      capture_.relayed_encrypted = true;
      Emit(ProxyEvent::Kind::kInfo,
           "STARTTLS went through: client and server now talk TLS end to end; "
           "the proxy sees only ciphertext");
      return absl::OkStatus();
    }
    case Attack::kIntercept:
      break;
  }

  // intercept.
  if (client_.tls()) {
    return ForwardSimple(line, "STARTTLS");
  }
  if (!upstream_->tls()) {
    const absl::Status up = UpgradeUpstream();
    if (!up.ok() && !absl::IsFailedPrecondition(up)) {
      (void)SendReplyToClient("454 4.7.0 TLS not available\r\n", 454,
                              "STARTTLS");
      return up;
    }
    if (up.ok()) {
      // The upstream forgot its EHLO state; greet it again so the client's
      // next EHLO (inside TLS) meets a server in the same state.
      GAUNTLET_RETURN_IF_ERROR(
          SendToUpstream("EHLO proxy.gauntlet.test\r\n", "EHLO",
                         "EHLO proxy.gauntlet.test"));
      GAUNTLET_ASSIGN_OR_RETURN(RawReply ignored, NextUpstreamReply("EHLO"));
      (void)ignored;
    }
  }
  GAUNTLET_RETURN_IF_ERROR(SendReplyToClient(
      "220 2.0.0 Ready to start TLS\r\n", 220, "STARTTLS"));
  Emit(ProxyEvent::Kind::kAttack,
       "accepted the client's STARTTLS: presenting a forged certificate");
  if (env_.forged_certificate != nullptr) {
    client_.RecordCertificate(*env_.forged_certificate);
  }
  const absl::Status hs = client_.StartTls(*env_.forged_tls, {});
  if (!hs.ok()) {
    capture_.client_tls_failure = std::string(hs.message());
    Emit(ProxyEvent::Kind::kInfo,
         absl::StrCat("client rejected the forged certificate (",
                      capture_.client_tls_failure, "): nothing more to read"));
    return absl::AbortedError(absl::StrCat(
        "client rejected the forged certificate: ", capture_.client_tls_failure));
  }
  capture_.client_accepted_forged_cert = true;
  lines_.Reset();
  line_raw_.clear();
  Emit(ProxyEvent::Kind::kAttack,
       "client ACCEPTED the forged certificate: the proxy decrypts everything "
       "from here on");
  return absl::OkStatus();
}

absl::Status ProxySession::RelayDataBody() {
  smtp::DataReaderOptions opts;
  opts.max_line_length = kMaxDataLine;
  opts.max_message_size = config_.max_captured_message_bytes;
  smtp::DataReader reader(opts);
  while (!reader.done()) {
    std::string& in = client_.inbox();
    if (!in.empty()) {
      const std::size_t used = reader.Feed(in);
      GAUNTLET_RETURN_IF_ERROR(upstream_->Write(std::string_view(in).substr(0, used)));
      in.erase(0, used);
      continue;
    }
    if (client_.eof()) {
      return absl::UnavailableError("client closed the connection during DATA");
    }
    GAUNTLET_RETURN_IF_ERROR(client_.WaitAndPump());
  }
  const bool truncated = !reader.status().ok();
  const std::uint64_t size =
      truncated ? reader.offset() : reader.message().size();
  tap_.OnMessage(reader.message(), size, truncated);
  fake::SmtpEvent e;
  e.kind = fake::SmtpEvent::Kind::kMessage;
  e.message_size = size;
  e.message_subject = capture_.messages.back().subject;
  client_.RecordEvent(std::move(e));
  EmitNews();
  GAUNTLET_ASSIGN_OR_RETURN(RawReply r, NextUpstreamReply("MESSAGE"));
  return SendReplyToClient(r.raw, r.reply.code, "MESSAGE");
}

absl::Status ProxySession::RelayBdat(std::uint64_t size, bool last) {
  std::uint64_t left = size;
  while (left > 0) {
    std::string& in = client_.inbox();
    if (!in.empty()) {
      const std::size_t n =
          static_cast<std::size_t>(std::min<std::uint64_t>(left, in.size()));
      if (bdat_message_.size() < config_.max_captured_message_bytes) {
        bdat_message_.append(in, 0,
                            std::min(n, config_.max_captured_message_bytes -
                                            bdat_message_.size()));
      }
      GAUNTLET_RETURN_IF_ERROR(upstream_->Write(std::string_view(in).substr(0, n)));
      in.erase(0, n);
      left -= n;
      continue;
    }
    if (client_.eof()) {
      return absl::UnavailableError("client closed the connection during BDAT");
    }
    GAUNTLET_RETURN_IF_ERROR(client_.WaitAndPump());
  }
  GAUNTLET_ASSIGN_OR_RETURN(RawReply r, NextUpstreamReply("BDAT"));
  if (last) {
    tap_.OnMessage(bdat_message_, bdat_message_.size(), false);
    bdat_message_.clear();
  }
  return SendReplyToClient(r.raw, r.reply.code, "BDAT");
}

absl::Status ProxySession::RelayOpaque() {
  // What the parsers already hold belongs to the other side as it was.
  std::string to_upstream = std::move(line_raw_) + client_.inbox();
  line_raw_.clear();
  client_.inbox().clear();
  std::string to_client = std::move(reply_raw_) + upstream_->inbox();
  reply_raw_.clear();
  upstream_->inbox().clear();
  GAUNTLET_RETURN_IF_ERROR(upstream_->Write(to_upstream));
  GAUNTLET_RETURN_IF_ERROR(client_.Write(to_client));

  bool client_done = client_.eof();
  bool upstream_done = upstream_->eof();
  while (!client_done || !upstream_done) {
    const int fds[2] = {client_done ? -1 : client_.fd(),
                        upstream_done ? -1 : upstream_->fd()};
    bool ready[2];
    GAUNTLET_RETURN_IF_ERROR(WaitForLegs(fds, ready, "encrypted relay idle"));
    if (ready[0]) {
      GAUNTLET_RETURN_IF_ERROR(client_.Pump());
      GAUNTLET_RETURN_IF_ERROR(upstream_->Write(client_.inbox()));
      client_.inbox().clear();
      if (client_.eof()) {
        client_done = true;
        upstream_->ShutdownWrite();
      }
    }
    if (ready[1]) {
      GAUNTLET_RETURN_IF_ERROR(upstream_->Pump());
      GAUNTLET_RETURN_IF_ERROR(client_.Write(upstream_->inbox()));
      upstream_->inbox().clear();
      if (upstream_->eof()) {
        upstream_done = true;
        client_.ShutdownWrite();
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace gauntlet::proxy
