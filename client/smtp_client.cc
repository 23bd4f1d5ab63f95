#include "client/smtp_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/cert_policy.h"
#include "client/exit_codes.h"
#include "client/transport.h"
#include "common/status_macros.h"
#include "smtp/auth.h"
#include "smtp/command.h"
#include "smtp/data_reader.h"
#include "smtp/ehlo.h"
#include "smtp/reply.h"
#include "tls/tls_context.h"
#include "tls/tls_session.h"

namespace gauntlet::client {
namespace {

// Debian's trust store, used when --ca-file is not given.
constexpr char kSystemCaBundle[] = "/etc/ssl/certs/ca-certificates.crt";
// Replies quoted in error messages are cut here (they come from a hostile
// server and end up on one stderr line).
constexpr std::size_t kMaxQuotedReply = 160;

// One reply as a single printable line: "454 4.7.0 TLS not available".
std::string Summarize(const smtp::Reply& reply) {
  std::string text = absl::StrCat(reply.code);
  if (!reply.lines.empty() && !reply.lines[0].empty()) {
    absl::StrAppend(&text, " ", reply.lines[0]);
  }
  if (reply.lines.size() > 1) absl::StrAppend(&text, " ...");
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u >= 0x7f) ? '?' : c;
    if (out.size() >= kMaxQuotedReply) {
      out += "...";
      break;
    }
  }
  return out;
}

bool IsIpLiteral(const std::string& name) {
  in6_addr v6;
  in_addr v4;
  return ::inet_pton(AF_INET, name.c_str(), &v4) == 1 ||
         ::inet_pton(AF_INET6, name.c_str(), &v6) == 1;
}

bool HasEightBitBytes(absl::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  }
  return false;
}

smtp::Command Simple(smtp::Verb verb, std::string argument = "") {
  smtp::Command cmd;
  cmd.verb = verb;
  cmd.argument = std::move(argument);
  return cmd;
}

// What one connection ended with.
struct AttemptResult {
  absl::StatusOr<DeliveryReport> report;
  // The failure was the TLS handshake itself (what retry-plaintext reacts
  // to), as opposed to anything before or after it.
  bool handshake_failed = false;
  // STARTTLS was answered with anything but 220.
  bool starttls_refused = false;
};

// The dialogue on one connection.
class Conversation {
 public:
  Conversation(const ClientOptions& options, const tls::TlsContext& context,
               std::unique_ptr<Transport> transport, std::ostream* trace)
      : options_(options),
        context_(context),
        transport_(std::move(transport)),
        trace_(trace) {}

  ~Conversation() { transport_->Close(SendDeadline()); }

  // plaintext_only: the retry-plaintext flaw's second connection.
  AttemptResult Run(bool plaintext_only);

 private:
  bool Flawed(Flaw flaw) const { return options_.flaws.Has(flaw); }
  absl::string_view PolicyText() const { return TlsPolicyName(options_.policy); }

  // Replies: one per --timeout, or forever with the no-timeout flaw.
  Deadline ReplyDeadline() const {
    return Flawed(Flaw::kNoTimeout) ? Deadline::Never()
                                    : Deadline::In(options_.timeout);
  }
  Deadline SendDeadline() const { return Deadline::In(options_.timeout); }

  void Note(absl::string_view text) {
    if (trace_ != nullptr) *trace_ << "-- " << text << "\n";
  }
  absl::Status Send(absl::string_view bytes, absl::string_view shown);
  absl::StatusOr<smtp::Reply> ReadReply(absl::string_view what);
  absl::StatusOr<smtp::Reply> Exchange(const smtp::Command& cmd,
                                       absl::string_view what);
  absl::StatusOr<smtp::Reply> ExchangeLine(absl::string_view line,
                                           absl::string_view shown,
                                           absl::string_view what);

  // Bytes received but not yet part of a returned reply.
  std::size_t LeftoverBytes() const {
    return pending_.size() + parser_.buffered_bytes();
  }

  absl::Status Ehlo(bool plaintext_only);
  // Returns true when the session goes on over TLS, false in plaintext.
  absl::StatusOr<bool> NegotiateTls(AttemptResult* result);
  // require_offer: without an AUTH PLAIN or LOGIN offer, give up instead
  // of going on unauthenticated (an authenticating client's "server does
  // not support authentication").
  absl::Status Authenticate(bool result_matters, bool require_offer = false);
  // The fallback-same-connection flaw: TLS is abandoned and the dialogue
  // starts again in plaintext on this connection.
  absl::Status FallBackOnThisConnection(const absl::Status& why);
  absl::StatusOr<std::string> SendMessage();

  const ClientOptions& options_;
  const tls::TlsContext& context_;
  std::unique_ptr<Transport> transport_;
  std::ostream* trace_;

  smtp::ReplyParser parser_;
  // Received bytes the parser has not consumed yet.
  std::string pending_;
  // The capabilities in force: the last EHLO reply the client believes.
  std::optional<smtp::EhloCapabilities> caps_;
};

absl::Status Conversation::Send(absl::string_view bytes, absl::string_view shown) {
  if (trace_ != nullptr) {
    absl::string_view s = shown;
    while (!s.empty()) {
      const std::size_t eol = s.find("\r\n");
      *trace_ << "C: " << s.substr(0, eol) << "\n";
      if (eol == absl::string_view::npos) break;
      s.remove_prefix(eol + 2);
    }
  }
  return transport_->Send(bytes, SendDeadline());
}

absl::StatusOr<smtp::Reply> Conversation::ReadReply(absl::string_view what) {
  const Deadline deadline = ReplyDeadline();
  // Each round either completes a reply, fails, or adds at least one byte
  // to a reply the parser bounds (64 KiB): the cap is never reached.
  for (int round = 0; round < (1 << 20); ++round) {
    if (!pending_.empty()) {
      std::optional<absl::StatusOr<smtp::Reply>> got;
      const std::size_t used =
          parser_.Feed(pending_, [&got](const smtp::ReplyResult& r) {
            got = r.ToStatusOr();
            return false;
          });
      pending_.erase(0, used);
      if (got.has_value()) {
        if (!got->ok()) {
          return ClientError(
              ExitCode::kProtocolViolation,
              absl::StrCat("malformed reply to ", what, ": ",
                           got->status().message()));
        }
        if (trace_ != nullptr) {
          for (std::size_t i = 0; i < (*got)->lines.size(); ++i) {
            *trace_ << "S: " << (*got)->code
                    << (i + 1 < (*got)->lines.size() ? "-" : " ")
                    << (*got)->lines[i] << "\n";
          }
        }
        return **std::move(got);
      }
    }
    absl::Status received = transport_->Receive(&pending_, deadline);
    if (!received.ok()) {
      return Annotate(received, absl::StrCat("waiting for the reply to ", what));
    }
  }
  return ClientError(ExitCode::kProtocolViolation,
                     absl::StrCat("no complete reply to ", what));
}

absl::StatusOr<smtp::Reply> Conversation::Exchange(const smtp::Command& cmd,
                                                   absl::string_view what) {
  const std::string wire = smtp::SerializeCommand(cmd);
  GAUNTLET_RETURN_IF_ERROR(Annotate(Send(wire, wire), absl::StrCat("sending ", what)));
  return ReadReply(what);
}

absl::StatusOr<smtp::Reply> Conversation::ExchangeLine(absl::string_view line,
                                                       absl::string_view shown,
                                                       absl::string_view what) {
  GAUNTLET_RETURN_IF_ERROR(
      Annotate(Send(absl::StrCat(line, "\r\n"), shown),
               absl::StrCat("sending ", what)));
  return ReadReply(what);
}

absl::Status Conversation::Ehlo(bool plaintext_only) {
  GAUNTLET_ASSIGN_OR_RETURN(
      smtp::Reply reply,
      Exchange(Simple(smtp::Verb::kEhlo, options_.ehlo_name), "EHLO"));
  if (reply.code == 250) {
    absl::StatusOr<smtp::EhloCapabilities> caps =
        smtp::EhloCapabilities::FromReply(reply);
    if (!caps.ok()) {
      return ClientError(ExitCode::kProtocolViolation,
                         absl::StrCat("unusable EHLO reply: ",
                                      caps.status().message()));
    }
    caps_ = *std::move(caps);
    return absl::OkStatus();
  }
  // HELO cannot negotiate STARTTLS: accepting the refusal means plaintext.
  if (!plaintext_only && options_.policy != TlsPolicy::kOpportunistic &&
      !Flawed(Flaw::kAcceptHelo)) {
    return ClientError(
        ExitCode::kStarttlsUnavailable,
        absl::StrCat("server refused EHLO (", Summarize(reply),
                     "); HELO cannot negotiate STARTTLS, refusing to continue "
                     "in plaintext (policy ",
                     PolicyText(), ")"));
  }
  Note(Flawed(Flaw::kAcceptHelo) ? "flaw accept-helo: EHLO refused, using HELO"
                                 : "EHLO refused, using HELO in plaintext");
  GAUNTLET_ASSIGN_OR_RETURN(
      smtp::Reply helo,
      Exchange(Simple(smtp::Verb::kHelo, options_.ehlo_name), "HELO"));
  if (helo.code != 250) {
    return ClientError(ExitCode::kSmtpError,
                       absl::StrCat("server refused HELO: ", Summarize(helo)));
  }
  caps_.reset();
  return absl::OkStatus();
}

absl::StatusOr<bool> Conversation::NegotiateTls(AttemptResult* result) {
  const bool plaintext_allowed = options_.policy == TlsPolicy::kOpportunistic;
  if (!caps_.has_value() || !caps_->starttls()) {
    if (!caps_.has_value()) return false;  // HELO was accepted (see Ehlo).
    if (plaintext_allowed || Flawed(Flaw::kFallbackOnStrip)) {
      Note(plaintext_allowed
               ? "STARTTLS not offered: plaintext (policy opportunistic)"
               : "flaw fallback-on-strip: STARTTLS not offered, going on in "
                 "plaintext");
      return false;
    }
    return ClientError(ExitCode::kStarttlsUnavailable,
                       absl::StrCat("server does not offer STARTTLS; refusing "
                                    "to continue in plaintext (policy ",
                                    PolicyText(), ")"));
  }

  std::string wire = smtp::SerializeCommand(Simple(smtp::Verb::kStarttls));
  const bool pipelined = Flawed(Flaw::kPipelineStarttls);
  if (pipelined) {
    // The flaw: the next command rides in the same write, before the 220.
    wire += smtp::SerializeCommand(Simple(smtp::Verb::kEhlo, options_.ehlo_name));
  }
  GAUNTLET_RETURN_IF_ERROR(Annotate(Send(wire, wire), "sending STARTTLS"));
  GAUNTLET_ASSIGN_OR_RETURN(smtp::Reply reply, ReadReply("STARTTLS"));

  if (reply.code != 220) {
    result->starttls_refused = true;
    if (pipelined) {
      // The server answers the pipelined EHLO in plaintext.
      GAUNTLET_ASSIGN_OR_RETURN(smtp::Reply ehlo, ReadReply("EHLO"));
      absl::StatusOr<smtp::EhloCapabilities> caps =
          smtp::EhloCapabilities::FromReply(ehlo);
      if (caps.ok()) caps_ = *std::move(caps);
    }
    if (plaintext_allowed || Flawed(Flaw::kFallbackOnStrip)) {
      Note(plaintext_allowed
               ? "STARTTLS refused: plaintext (policy opportunistic)"
               : "flaw fallback-on-strip: STARTTLS refused, going on in "
                 "plaintext");
      return false;
    }
    return ClientError(
        ExitCode::kStarttlsUnavailable,
        absl::StrCat("server refused STARTTLS (", Summarize(reply),
                     "); refusing to continue in plaintext (policy ",
                     PolicyText(), ")"));
  }

  // RFC 3207 §4.2 / CVE-2021-22947: nothing the server sent before the
  // handshake may be read as if it came from inside TLS.
  if (LeftoverBytes() > 0) {
    if (!Flawed(Flaw::kKeepBuffer)) {
      return ClientError(
          ExitCode::kProtocolViolation,
          absl::StrCat("server sent ", LeftoverBytes(),
                       " bytes after its 220 reply to STARTTLS (response "
                       "injection, cf. CVE-2021-22947); aborting"));
    }
    Note(absl::StrCat("flaw keep-buffer: keeping ", LeftoverBytes(),
                      " bytes received before the handshake"));
  }

  tls::SessionConfig config;
  config.server_name = options_.EffectiveServerName();
  // RFC 6066 §3: SNI carries host names only, never address literals.
  config.send_sni = !IsIpLiteral(config.server_name);
  const Deadline deadline = Flawed(Flaw::kNoTimeout)
                                ? Deadline::Never()
                                : Deadline::In(options_.timeout);
  Note(absl::StrCat("TLS handshake, expecting ", config.server_name));
  absl::Status handshake = transport_->StartTls(context_, config, deadline);
  if (!handshake.ok()) {
    result->handshake_failed = true;
    return Annotate(handshake, absl::StrCat("TLS handshake with ",
                                            config.server_name));
  }
  const auto& facts = transport_->tls()->facts();
  if (facts.has_value()) {
    Note(absl::StrCat("TLS established: ", facts->version, " ",
                      facts->cipher_suite_name));
  }
  // What wolfSSL lets through (CN-only names, small RSA keys, SHA-1) is
  // refused here, before anything is sent inside TLS.
  if (options_.policy == TlsPolicy::kRequireTls && !Flawed(Flaw::kNoVerify)) {
    LeafPolicy policy;
    policy.require_san = !Flawed(Flaw::kNoHostnameCheck);
    absl::Status leaf = CheckLeafCertificate(
        facts.has_value() ? absl::string_view(facts->peer_leaf_der)
                          : absl::string_view(),
        policy);
    if (!leaf.ok()) {
      result->handshake_failed = true;
      return ClientError(
          ExitCode::kTls,
          absl::StrCat("TLS handshake with ", config.server_name,
                       ": server certificate rejected: ", leaf.message()));
    }
  }

  // RFC 3207 §4.2: forget what was learnt before TLS; ask again.
  GAUNTLET_ASSIGN_OR_RETURN(
      smtp::Reply ehlo,
      Exchange(Simple(smtp::Verb::kEhlo, options_.ehlo_name), "EHLO inside TLS"));
  if (ehlo.code != 250) {
    return ClientError(ExitCode::kSmtpError,
                       absl::StrCat("server refused EHLO inside TLS: ",
                                    Summarize(ehlo)));
  }
  absl::StatusOr<smtp::EhloCapabilities> tls_caps =
      smtp::EhloCapabilities::FromReply(ehlo);
  if (!tls_caps.ok()) {
    return ClientError(ExitCode::kProtocolViolation,
                       absl::StrCat("unusable EHLO reply inside TLS: ",
                                    tls_caps.status().message()));
  }
  const bool starttls_again = tls_caps->starttls();
  if (Flawed(Flaw::kStaleCapabilities)) {
    Note("flaw stale-capabilities: ignoring the EHLO reply inside TLS");
  } else {
    caps_ = *std::move(tls_caps);
  }
  if (starttls_again && Flawed(Flaw::kStarttlsTwice)) {
    Note("flaw starttls-twice: STARTTLS again inside TLS");
    GAUNTLET_ASSIGN_OR_RETURN(
        smtp::Reply again,
        Exchange(Simple(smtp::Verb::kStarttls), "STARTTLS inside TLS"));
    (void)again;  // Whatever it says, the flawed client goes on.
  }
  return true;
}

absl::Status Conversation::FallBackOnThisConnection(const absl::Status& why) {
  Note(absl::StrCat("flaw fallback-same-connection: ", why.message(),
                    "; going on in plaintext on the same connection"));
  // Nothing the TLS layer left behind is a reply.
  transport_->AbandonTls();
  pending_.clear();
  parser_ = smtp::ReplyParser();
  return Ehlo(/*plaintext_only=*/true);
}

absl::Status Conversation::Authenticate(bool result_matters,
                                        bool require_offer) {
  const std::string& user = *options_.user;
  std::string mechanism;
  if (Flawed(Flaw::kAlwaysAuthPlain)) {
    // Configured for one mechanism, like `swaks --auth PLAIN`: the offer
    // is not consulted (the reply was still read).
    mechanism = "PLAIN";
  } else if (caps_.has_value() && caps_->SupportsAuth("PLAIN")) {
    mechanism = "PLAIN";
  } else if (caps_.has_value() && caps_->SupportsAuth("LOGIN")) {
    mechanism = "LOGIN";
  } else if (require_offer) {
    return ClientError(ExitCode::kSmtpError,
                       "server did not advertise AUTH PLAIN or LOGIN; not "
                       "sending mail unauthenticated");
  } else {
    // Like most submission clients (Postfix, curl): credentials are offered
    // only to a server that asks for them in the list in force.
    Note("no AUTH PLAIN or LOGIN offered: going on without authenticating");
    return absl::OkStatus();
  }
  smtp::Command auth;
  auth.verb = smtp::Verb::kAuth;
  auth.auth_mechanism = mechanism;
  absl::StatusOr<smtp::Reply> reply;
  if (mechanism == "PLAIN") {
    const std::string response =
        smtp::EncodeAuthPlain("", user, options_.password);
    auth.auth_initial_response = response;
    GAUNTLET_RETURN_IF_ERROR(Annotate(
        Send(smtp::SerializeCommand(auth), "AUTH PLAIN ********\r\n"),
        "sending AUTH"));
    reply = ReadReply("AUTH PLAIN");
    // A server may still ask for the response with an empty challenge.
    if (reply.ok() && reply->code == 334) {
      reply = ExchangeLine(response, "********", "AUTH PLAIN response");
    }
  } else {
    reply = Exchange(auth, "AUTH LOGIN");
    if (reply.ok() && reply->code == 334) {
      reply = ExchangeLine(absl::Base64Escape(user), "********",
                           "AUTH LOGIN user name");
    }
    if (reply.ok() && reply->code == 334) {
      reply = ExchangeLine(absl::Base64Escape(options_.password), "********",
                           "AUTH LOGIN password");
    }
  }
  GAUNTLET_RETURN_IF_ERROR(reply.status());
  if (reply->code != 235 && result_matters) {
    return ClientError(ExitCode::kSmtpError,
                       absl::StrCat("authentication (AUTH ", mechanism,
                                    ") failed: ", Summarize(*reply)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Conversation::SendMessage() {
  const std::string message =
      options_.message.has_value() ? *options_.message : DefaultMessage(options_);
  smtp::Command mail;
  mail.verb = smtp::Verb::kMail;
  mail.mailbox = options_.from;
  if (caps_.has_value() && caps_->Has("SIZE")) {
    mail.params.push_back({"SIZE", std::to_string(message.size())});
  }
  if (caps_.has_value() && caps_->eight_bit_mime() && HasEightBitBytes(message)) {
    mail.params.push_back({"BODY", std::string("8BITMIME")});
  }
  GAUNTLET_ASSIGN_OR_RETURN(smtp::Reply reply, Exchange(mail, "MAIL FROM"));
  if (reply.code != 250) {
    return ClientError(ExitCode::kSmtpError,
                       absl::StrCat("server refused MAIL FROM:<", options_.from,
                                    ">: ", Summarize(reply)));
  }
  for (const std::string& to : options_.to) {
    smtp::Command rcpt;
    rcpt.verb = smtp::Verb::kRcpt;
    rcpt.mailbox = to;
    GAUNTLET_ASSIGN_OR_RETURN(reply, Exchange(rcpt, "RCPT TO"));
    if (reply.code != 250 && reply.code != 251) {
      return ClientError(ExitCode::kSmtpError,
                         absl::StrCat("server refused RCPT TO:<", to,
                                      ">: ", Summarize(reply)));
    }
  }
  GAUNTLET_ASSIGN_OR_RETURN(reply, Exchange(Simple(smtp::Verb::kData), "DATA"));
  if (reply.code != 354) {
    return ClientError(ExitCode::kSmtpError,
                       absl::StrCat("server refused DATA: ", Summarize(reply)));
  }
  const std::string body = smtp::DotStuff(message);
  GAUNTLET_RETURN_IF_ERROR(Annotate(
      Send(body, absl::StrCat("<message, ", body.size(), " bytes>\r\n")),
      "sending the message"));
  GAUNTLET_ASSIGN_OR_RETURN(reply, ReadReply("the message"));
  if (reply.code != 250) {
    return ClientError(ExitCode::kSmtpError,
                       absl::StrCat("server rejected the message: ",
                                    Summarize(reply)));
  }
  return Summarize(reply);
}

AttemptResult Conversation::Run(bool plaintext_only) {
  AttemptResult result;
  auto body = [&]() -> absl::StatusOr<DeliveryReport> {
    GAUNTLET_ASSIGN_OR_RETURN(smtp::Reply greeting, ReadReply("the greeting"));
    if (greeting.code != 220) {
      return ClientError(ExitCode::kSmtpError,
                         absl::StrCat("server greeting is not 220: ",
                                      Summarize(greeting)));
    }
    GAUNTLET_RETURN_IF_ERROR(Ehlo(plaintext_only));

    const bool can_auth_now = options_.user.has_value() && caps_.has_value() &&
                              (caps_->SupportsAuth("PLAIN") ||
                               caps_->SupportsAuth("LOGIN"));
    if (!plaintext_only && can_auth_now && Flawed(Flaw::kAuthBeforeTls)) {
      Note("flaw auth-before-tls: authenticating before STARTTLS");
      GAUNTLET_RETURN_IF_ERROR(Authenticate(/*result_matters=*/false));
    }

    bool over_tls = false;
    bool fell_back = false;
    if (plaintext_only) {
      Note("flaw retry-plaintext: new connection without STARTTLS");
    } else {
      absl::StatusOr<bool> negotiated = NegotiateTls(&result);
      if (!negotiated.ok() && Flawed(Flaw::kFallbackSameConnection) &&
          (result.handshake_failed || result.starttls_refused)) {
        GAUNTLET_RETURN_IF_ERROR(FallBackOnThisConnection(negotiated.status()));
        // Not a handshake failure any more: the session goes on.
        result.handshake_failed = false;
        fell_back = true;
      } else {
        GAUNTLET_ASSIGN_OR_RETURN(over_tls, std::move(negotiated));
      }
    }
    if (options_.user.has_value()) {
      GAUNTLET_RETURN_IF_ERROR(Authenticate(/*result_matters=*/true,
                                            /*require_offer=*/fell_back));
    }
    DeliveryReport report;
    GAUNTLET_ASSIGN_OR_RETURN(report.final_reply, SendMessage());
    report.over_tls = over_tls;
    if (over_tls && transport_->tls()->facts().has_value()) {
      report.tls_version = transport_->tls()->facts()->version;
      report.cipher = transport_->tls()->facts()->cipher_suite_name;
    }
    // The message is accepted; QUIT is a courtesy whose failure changes
    // nothing.
    absl::StatusOr<smtp::Reply> quit =
        Exchange(Simple(smtp::Verb::kQuit), "QUIT");
    if (!quit.ok()) Note(absl::StrCat("QUIT: ", quit.status().message()));
    return report;
  };
  result.report = body();
  return result;
}

absl::StatusOr<tls::TlsContext> MakeContext(const ClientOptions& options) {
  tls::TlsContextConfig config;
  config.role = tls::Role::kClient;
  // TLS 1.2 and 1.3 only: the engine's default floor is 1.2.
  config.versions = tls::Versions::kDefault;
  config.verify_peer = options.policy == TlsPolicy::kRequireTls &&
                       !options.flaws.Has(Flaw::kNoVerify);
  config.check_host_name = !options.flaws.Has(Flaw::kNoHostnameCheck);
  config.ignore_validity_dates = options.flaws.Has(Flaw::kIgnoreDates);
  if (config.verify_peer) {
    config.ca_file = options.ca_file.empty() ? kSystemCaBundle : options.ca_file;
    if (::access(config.ca_file.c_str(), R_OK) != 0) {
      return ClientError(ExitCode::kUsage,
                         absl::StrCat("cannot read CA file ", config.ca_file));
    }
  }
  absl::StatusOr<tls::TlsContext> context = tls::TlsContext::Create(config);
  if (!context.ok()) {
    return ClientError(ExitCode::kUsage,
                       absl::StrCat("cannot set up TLS: ",
                                    context.status().message()));
  }
  return context;
}

}  // namespace

std::string NormalizeLineEndings(absl::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

std::string DefaultMessage(const ClientOptions& options) {
  const absl::Time now = absl::Now();
  return absl::StrCat(
      "From: <", options.from, ">\r\n", "To: ",
      absl::StrJoin(options.to, ", ",
                    [](std::string* out, const std::string& to) {
                      absl::StrAppend(out, "<", to, ">");
                    }),
      "\r\n", "Subject: Gauntlet reference client test message\r\n",
      "Date: ", absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", now,
                                 absl::UTCTimeZone()),
      "\r\n", "Message-ID: <", absl::ToUnixNanos(now), ".gauntlet-client@",
      options.ehlo_name, ">\r\n", "MIME-Version: 1.0\r\n",
      "Content-Type: text/plain; charset=us-ascii\r\n", "\r\n",
      "This message was sent by gauntlet-client, Gauntlet's reference SMTP\r\n",
      "client. A line starting with a dot tests dot-stuffing:\r\n",
      ".hidden if the server does not unstuff\r\n");
}

absl::StatusOr<DeliveryReport> Deliver(const ClientOptions& options,
                                       std::ostream* trace) {
  if (options.host.empty()) {
    return ClientError(ExitCode::kUsage, "no --host given");
  }
  if (options.to.empty()) {
    return ClientError(ExitCode::kUsage, "no recipient (--to) given");
  }
  GAUNTLET_ASSIGN_OR_RETURN(const tls::TlsContext context, MakeContext(options));

  int connections = 0;
  for (bool plaintext_only : {false, true}) {
    absl::StatusOr<std::unique_ptr<Transport>> transport =
        Transport::Connect(options.host, options.port, options.timeout);
    if (!transport.ok()) return transport.status();
    ++connections;
    AttemptResult result;
    {
      Conversation conversation(options, context, *std::move(transport), trace);
      result = conversation.Run(plaintext_only);
    }
    if (result.report.ok()) {
      result.report->connections = connections;
      return result.report;
    }
    // The retry-plaintext flaw: a failed handshake leads to a second
    // connection that never tries TLS.
    if (plaintext_only || !result.handshake_failed ||
        !options.flaws.Has(Flaw::kRetryPlaintext)) {
      return result.report.status();
    }
    if (trace != nullptr) {
      *trace << "-- flaw retry-plaintext: " << result.report.status().message()
             << "; reconnecting without STARTTLS\n";
    }
  }
  return ClientError(ExitCode::kConnection, "no attempt made");
}

}  // namespace gauntlet::client
