#include "fake_servers/server/smtp_responder.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/string_view.h"

namespace gauntlet::fake::server {
namespace {

constexpr std::string_view kDomain = "mx.gauntlet.test";
constexpr int kMaxRecipients = 100;

std::string FirstWordUpper(std::string_view line) {
  std::size_t end = line.find(' ');
  return absl::AsciiStrToUpper(ToAbsl(line.substr(0, end)));
}

SmtpEvent ClientEvent(SmtpEvent::Kind kind, std::string verb,
                      std::string text) {
  SmtpEvent event;
  event.kind = kind;
  event.verb = std::move(verb);
  event.text = std::move(text);
  return event;
}

// "250-a\r\n250-b\r\n250 c\r\n" from a code and the lines' texts.
std::string MultiLine(int code, const std::vector<std::string>& texts) {
  std::string out;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const char sep = i + 1 == texts.size() ? ' ' : '-';
    absl::StrAppend(&out, code, std::string(1, sep), texts[i], "\r\n");
  }
  return out;
}

}  // namespace

int ReplyCodeOf(std::string_view reply) {
  if (reply.size() < 3) return 0;
  int code = 0;
  for (int i = 0; i < 3; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(reply[i]))) return 0;
    code = code * 10 + (reply[i] - '0');
  }
  return code;
}

SmtpResponder::SmtpResponder(const ConnectionBehavior& behavior)
    : behavior_(behavior) {}

Response SmtpResponder::Reply(std::string_view verb,
                              std::string_view text) const {
  Response r;
  r.verb = std::string(verb);
  r.reply = behavior_.bare_lf_replies
                ? absl::StrReplaceAll(ToAbsl(text), {{"\r\n", "\n"}})
                : std::string(text);
  return r;
}

const ReplyOverride* SmtpResponder::FindOverride(std::string_view verb,
                                                 Layer layer) const {
  for (const ReplyOverride& o : behavior_.reply_overrides) {
    if (!absl::EqualsIgnoreCase(o.verb, ToAbsl(verb))) continue;
    if (o.phase == Phase::kAny ||
        (o.phase == Phase::kPlaintext && layer == Layer::kPlaintext) ||
        (o.phase == Phase::kTls && layer == Layer::kTls)) {
      return &o;
    }
  }
  return nullptr;
}

std::chrono::milliseconds SmtpResponder::DelayFor(std::string_view verb) const {
  for (const CommandDelay& d : behavior_.delays) {
    if (absl::EqualsIgnoreCase(d.verb, ToAbsl(verb))) return d.delay;
  }
  return std::chrono::milliseconds(0);
}

bool SmtpResponder::RefuseInPlaintext(Layer layer) const {
  return behavior_.require_tls && layer == Layer::kPlaintext;
}

Response SmtpResponder::MustStartTls(std::string_view verb) const {
  return Reply(verb, "530 5.7.0 Must issue a STARTTLS command first\r\n");
}

Response SmtpResponder::Finish(Response response, std::string_view verb,
                               Layer layer) {
  response.delay = DelayFor(verb);
  const ReplyOverride* o = FindOverride(verb, layer);
  if (o != nullptr && response.send) {
    response.reply = o->raw;
    response.overridden = true;
  }
  const int code = ReplyCodeOf(response.reply);
  if (verb == "STARTTLS" && layer == Layer::kPlaintext) {
    if (behavior_.after_starttls == AfterStarttls::kClose) {
      response.next = Next::kClose;
    } else if (behavior_.after_starttls == AfterStarttls::kHandshake &&
               code / 100 == 2) {
      response.next = Next::kStartTls;
    } else {
      response.next = Next::kStarttlsRefused;
    }
  } else if (verb == "DATA" && o != nullptr) {
    response.next = code == 354 ? Next::kDataBody : Next::kCommand;
  } else if (verb == "AUTH" && o != nullptr && code != 334 && auth_) {
    auth_.reset();  // The override ended the exchange.
  }
  if (o != nullptr && o->close_after) response.next = Next::kClose;
  return response;
}

Response SmtpResponder::Greeting() const {
  Response r = Reply("GREETING", behavior_.greeting);
  r.delay = DelayFor("GREETING");
  return r;
}

Response SmtpResponder::OnLine(const absl::StatusOr<smtp::Line>& line,
                               Layer layer) {
  if (!line.ok()) {
    Response r = Reply("", "500 5.5.6 Line too long\r\n");
    r.events.push_back(ClientEvent(SmtpEvent::Kind::kBadLine, "",
                                   std::string(line.status().message())));
    return r;
  }
  if (auth_ && auth_->awaiting_response()) return OnAuthLine(*line, layer);
  return OnCommandLine(*line, layer);
}

Response SmtpResponder::OnCommandLine(const smtp::Line& line, Layer layer) {
  const std::string verb = FirstWordUpper(line.text);
  SmtpEvent command = ClientEvent(SmtpEvent::Kind::kCommand, verb, line.text);
  absl::StatusOr<smtp::Command> cmd = smtp::ParseCommand(line.text);
  Response r;
  if (!cmd.ok()) {
    r = Reply(verb, "501 5.5.4 Syntax error in parameters or arguments\r\n");
    r.events.push_back(std::move(command));
    r.events.push_back(ClientEvent(SmtpEvent::Kind::kBadLine, verb,
                                   std::string(cmd.status().message())));
    return Finish(std::move(r), verb, layer);
  }
  if (cmd->verb != smtp::Verb::kUnknown) {
    command.verb = std::string(smtp::VerbName(cmd->verb));
  }
  const State before{greeted_, authenticated_, envelope_};
  r = Dispatch(*cmd, layer);
  // An override that refuses a command (4yz/5yz) leaves the session as if
  // the command had failed, so later replies stay consistent with it.
  if (r.overridden && ReplyCodeOf(r.reply) >= 400) {
    greeted_ = before.greeted;
    authenticated_ = before.authenticated;
    envelope_ = before.envelope;
  }
  r.events.insert(r.events.begin(), std::move(command));
  return r;
}

Response SmtpResponder::Dispatch(const smtp::Command& cmd, Layer layer) {
  using smtp::Verb;
  switch (cmd.verb) {
    case Verb::kEhlo:
      return OnEhlo(cmd, layer);
    case Verb::kHelo:
      return Finish(OnHelo(cmd), "HELO", layer);
    case Verb::kStarttls:
      return OnStarttls(cmd, layer);
    case Verb::kAuth:
      return OnAuth(cmd, layer);
    case Verb::kMail:
      return Finish(
          RefuseInPlaintext(layer) ? MustStartTls("MAIL") : OnMail(cmd), "MAIL",
          layer);
    case Verb::kRcpt:
      return Finish(
          RefuseInPlaintext(layer) ? MustStartTls("RCPT") : OnRcpt(cmd), "RCPT",
          layer);
    case Verb::kData:
      return Finish(
          RefuseInPlaintext(layer) ? MustStartTls("DATA") : OnData(cmd), "DATA",
          layer);
    case Verb::kBdat:
      return OnBdat(cmd);
    case Verb::kRset:
      envelope_ = {};
      return Finish(Reply("RSET", "250 2.0.0 OK\r\n"), "RSET", layer);
    case Verb::kNoop:
      return Finish(Reply("NOOP", "250 2.0.0 OK\r\n"), "NOOP", layer);
    case Verb::kVrfy:
      return Finish(Reply("VRFY",
                          "252 2.0.0 Cannot VRFY user, but will accept "
                          "message and attempt delivery\r\n"),
                    "VRFY", layer);
    case Verb::kHelp:
      return Finish(Reply("HELP",
                          "214 2.0.0 Commands: EHLO HELO STARTTLS AUTH MAIL "
                          "RCPT DATA BDAT RSET NOOP VRFY HELP QUIT\r\n"),
                    "HELP", layer);
    case Verb::kQuit: {
      Response r = Finish(Reply("QUIT", "221 2.0.0 Bye\r\n"), "QUIT", layer);
      r.next = Next::kClose;
      return r;
    }
    case Verb::kUnknown:
      break;
  }
  const std::string verb = absl::AsciiStrToUpper(cmd.verb_text);
  return Finish(Reply(verb, "500 5.5.2 Error: command not recognized\r\n"),
                verb, layer);
}

Response SmtpResponder::OnEhlo(const smtp::Command& cmd, Layer layer) {
  envelope_ = {};
  greeted_ = true;
  if (behavior_.refuse_ehlo) {
    return Finish(Reply("EHLO", "500 5.5.1 EHLO not supported\r\n"), "EHLO",
                  layer);
  }
  if (layer == Layer::kTls && behavior_.ignore_ehlo_in_tls) {
    Response silent;
    silent.send = false;
    silent.verb = "EHLO";
    return silent;
  }
  std::vector<std::string> lines = {
      absl::StrCat(ToAbsl(kDomain), " Hello ", cmd.argument)};
  const std::vector<std::string>& caps = layer == Layer::kTls
                                             ? behavior_.tls_capabilities
                                             : behavior_.capabilities;
  lines.insert(lines.end(), caps.begin(), caps.end());
  return Finish(Reply("EHLO", MultiLine(250, lines)), "EHLO", layer);
}

Response SmtpResponder::OnHelo(const smtp::Command& cmd) {
  envelope_ = {};
  greeted_ = true;
  return Reply("HELO", absl::StrCat("250 ", ToAbsl(kDomain), " Hello ",
                                    cmd.argument, "\r\n"));
}

Response SmtpResponder::OnStarttls(const smtp::Command& cmd, Layer layer) {
  (void)cmd;
  if (layer == Layer::kTls) {
    return Finish(Reply("STARTTLS", behavior_.starttls_in_tls_reply),
                  "STARTTLS", layer);
  }
  Response r = Reply("STARTTLS", behavior_.starttls_reply);
  r.injected = behavior_.inject_after_starttls_reply;
  return Finish(std::move(r), "STARTTLS", layer);
}

Response SmtpResponder::OnAuth(const smtp::Command& cmd, Layer layer) {
  if (RefuseInPlaintext(layer)) {
    return Finish(MustStartTls("AUTH"), "AUTH", layer);
  }
  if (authenticated_) {
    return Finish(Reply("AUTH", "503 5.5.1 Already authenticated\r\n"), "AUTH",
                  layer);
  }
  auth_.emplace();
  smtp::AuthExchange::Action action = auth_->Start(cmd);
  return Finish(AfterAuthStep(Response{}, action), "AUTH", layer);
}

Response SmtpResponder::OnAuthLine(const smtp::Line& line, Layer layer) {
  Response r;
  r.events.push_back(
      ClientEvent(SmtpEvent::Kind::kAuthData, "AUTH", line.text));
  smtp::AuthExchange::Action action = auth_->OnClientLine(line.text);
  return Finish(AfterAuthStep(std::move(r), action), "AUTH", layer);
}

Response SmtpResponder::AfterAuthStep(
    Response response, const smtp::AuthExchange::Action& action) {
  using Step = smtp::AuthExchange::Step;
  const smtp::CapturedCredentials& captured = auth_->captured();
  const bool revealed = captured.has_username || captured.has_password;
  if (action.step != Step::kChallenge && revealed) {
    SmtpEvent creds = ClientEvent(SmtpEvent::Kind::kCredentials, "AUTH", "");
    creds.credentials =
        Credentials{captured.mechanism, captured.username, captured.password};
    creds.text = absl::StrCat(captured.mechanism, " user=", captured.username);
    response.events.push_back(std::move(creds));
  }
  std::string text;
  switch (action.step) {
    case Step::kChallenge:
      text = absl::StrCat("334 ", action.challenge, "\r\n");
      break;
    case Step::kComplete:
      authenticated_ = true;
      text = "235 2.7.0 Authentication successful\r\n";
      break;
    case Step::kCancelled:
      text = "501 5.0.0 Authentication cancelled\r\n";
      break;
    case Step::kFailed:
      text = "501 5.5.2 Cannot decode AUTH response\r\n";
      response.events.push_back(
          ClientEvent(SmtpEvent::Kind::kBadLine, "AUTH",
                      std::string(action.error.message())));
      break;
    case Step::kUnsupported:
      text = "504 5.5.4 Unrecognized authentication type\r\n";
      break;
  }
  Response reply = Reply("AUTH", text);
  reply.events = std::move(response.events);
  return reply;
}

Response SmtpResponder::OnMail(const smtp::Command& cmd) {
  (void)cmd;
  if (!greeted_) {
    return Reply("MAIL", "503 5.5.1 Error: send HELO/EHLO first\r\n");
  }
  if (envelope_.has_mail) {
    return Reply("MAIL", "503 5.5.1 Error: nested MAIL command\r\n");
  }
  envelope_.has_mail = true;
  return Reply("MAIL", "250 2.1.0 Sender OK\r\n");
}

Response SmtpResponder::OnRcpt(const smtp::Command& cmd) {
  (void)cmd;
  if (!envelope_.has_mail) {
    return Reply("RCPT", "503 5.5.1 Error: need MAIL command\r\n");
  }
  if (envelope_.recipients >= kMaxRecipients) {
    return Reply("RCPT", "452 4.5.3 Too many recipients\r\n");
  }
  ++envelope_.recipients;
  return Reply("RCPT", "250 2.1.5 Recipient OK\r\n");
}

Response SmtpResponder::OnData(const smtp::Command& cmd) {
  (void)cmd;
  if (envelope_.recipients == 0) {
    return Reply("DATA", "503 5.5.1 Error: need RCPT command\r\n");
  }
  Response r = Reply("DATA", "354 End data with <CR><LF>.<CR><LF>\r\n");
  r.next = Next::kDataBody;
  return r;
}

Response SmtpResponder::OnDataBody(smtp::DataReader& reader, Layer layer) {
  Response r;
  SmtpEvent message = ClientEvent(SmtpEvent::Kind::kMessage, "DATA", "");
  if (reader.status().ok()) {
    message.message_size = reader.message().size();
    message.message_subject = SubjectOf(reader.message());
    r = Reply("MESSAGE", "250 2.0.0 OK: message queued\r\n");
  } else {
    message.message_size = reader.offset();
    r = Reply("MESSAGE", "552 5.3.4 Message size exceeds fixed limit\r\n");
  }
  message.text = message.message_subject;
  r.events.push_back(std::move(message));
  if (reader.saw_bare_lf() || reader.saw_bare_cr()) {
    r.events.push_back(ClientEvent(SmtpEvent::Kind::kBadLine, "DATA",
                                   reader.saw_bare_lf()
                                       ? "message data contains a bare LF"
                                       : "message data contains a bare CR"));
  }
  envelope_ = {};
  return Finish(std::move(r), "MESSAGE", layer);
}

Response SmtpResponder::OnBdat(const smtp::Command& cmd) {
  Response r;
  r.send = false;
  r.verb = "BDAT";
  r.next = Next::kBdatChunk;
  r.bdat_size = cmd.bdat_size;
  bdat_chunk_size_ = cmd.bdat_size;
  bdat_last_ = cmd.bdat_last;
  return r;
}

void SmtpResponder::OnBdatBytes(std::string_view bytes) {
  bdat_message_.Append(bytes);
}

Response SmtpResponder::OnBdatChunkEnd(Layer layer) {
  Response r;
  if (RefuseInPlaintext(layer)) {
    r = MustStartTls("BDAT");
  } else if (envelope_.recipients == 0) {
    r = Reply("BDAT", "503 5.5.1 Error: need RCPT command\r\n");
  } else if (bdat_last_) {
    SmtpEvent message = ClientEvent(SmtpEvent::Kind::kMessage, "BDAT", "");
    message.message_size = bdat_message_.size();
    message.message_subject = bdat_message_.Subject();
    message.text = message.message_subject;
    r = Reply("BDAT", absl::StrCat("250 2.0.0 OK: message queued, ",
                                   bdat_message_.size(), " octets\r\n"));
    r.events.push_back(std::move(message));
    envelope_ = {};
  } else {
    r = Reply("BDAT", absl::StrCat("250 2.0.0 ", bdat_chunk_size_,
                                   " octets received\r\n"));
  }
  if (bdat_last_ || r.reply.rfind("250", 0) != 0) bdat_message_.Reset();
  return Finish(std::move(r), "BDAT", layer);
}

void SmtpResponder::OnTlsStarted() {
  greeted_ = false;
  authenticated_ = false;
  envelope_ = {};
  auth_.reset();
  bdat_message_.Reset();
}

}  // namespace gauntlet::fake::server
