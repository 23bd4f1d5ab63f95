#include "harness/verdict/observations.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/string_view.h"
#include "fake_servers/transcript.h"
#include "harness/verdict/excerpt.h"
#include "harness/verdict/observation_passes.h"
#include "smtp/command.h"
#include "smtp/ehlo.h"
#include "smtp/reply.h"

namespace gauntlet::verdict {
namespace {

using fake::Channel;
using fake::Direction;
using fake::SessionPhase;
using Kind = fake::SmtpEvent::Kind;

// How many events after a command are searched for the reply labelled with
// its verb; past that the first reply of any kind is used, which is never
// later and so never invents a violation.
constexpr std::size_t kMaxReplyScan = 4096;

std::string UpperCopy(std::string_view text) {
  std::string out(text);
  absl::AsciiStrToUpper(&out);
  return out;
}

// The command a client line carries, through the SMTP core's parser; the
// unknown-verb form (verb_text) for lines it rejects, which still tells the
// verb.
smtp::Command ParseLine(const std::string& text) {
  absl::StatusOr<smtp::Command> cmd = smtp::ParseCommand(ToAbsl(text));
  if (cmd.ok()) return *std::move(cmd);
  smtp::Command unknown;
  const std::size_t space = text.find_first_of(" \t");
  unknown.verb_text = text.substr(0, space);
  return unknown;
}

bool IsClientLineKind(Kind kind) {
  return kind == Kind::kCommand || kind == Kind::kAuthData ||
         kind == Kind::kBadLine;
}

bool IsClientInput(Kind kind) {
  return IsClientLineKind(kind) || kind == Kind::kMessage ||
         kind == Kind::kCredentials;
}

LineKind LineKindOf(Kind kind) {
  switch (kind) {
    case Kind::kAuthData:
      return LineKind::kAuthData;
    case Kind::kMessage:
      return LineKind::kMessage;
    case Kind::kBadLine:
      return LineKind::kBadLine;
    case Kind::kCredentials:
      return LineKind::kCredentials;
    default:
      return LineKind::kCommand;
  }
}

std::string LineVerb(const fake::SmtpEvent& ev) {
  switch (ev.kind) {
    case Kind::kCommand:
      return UpperCopy(ev.verb);
    case Kind::kAuthData:
    case Kind::kCredentials:
      return "AUTH";
    case Kind::kMessage:
      return ev.verb.empty() ? std::string("DATA") : UpperCopy(ev.verb);
    default:
      return "";
  }
}

bool IsClientClose(fake::CloseKind close) {
  return close == fake::CloseKind::kClientFin ||
         close == fake::CloseKind::kClientReset ||
         close == fake::CloseKind::kClientTlsClose ||
         close == fake::CloseKind::kTlsTruncated;
}

ClientLine MakeLine(int conn, const fake::SmtpEvent& ev, int64_t t_us) {
  ClientLine line;
  line.evidence.connection = conn;
  line.evidence.t_us = t_us;
  line.evidence.excerpt = Excerpt(ev.text);
  line.kind = LineKindOf(ev.kind);
  line.verb = LineVerb(ev);
  line.phase = ev.phase;
  line.in_tls = ev.channel == Channel::kTlsApp;
  return line;
}

bool IsProtected(const ClientLine& line) {
  switch (line.kind) {
    case LineKind::kAuthData:
    case LineKind::kMessage:
      return true;
    case LineKind::kCommand:
      return line.verb == "AUTH" || line.verb == "MAIL" ||
             line.verb == "RCPT" || line.verb == "DATA" || line.verb == "BDAT";
    default:
      return false;
  }
}

// A service extension a command relies on: the token that must have been
// advertised, and how to name it in a sentence.
struct UsedCapability {
  std::string token;
  std::string name;
  // The value the client chose (an AUTH mechanism, a parameter keyword);
  // empty when the use implies a standard keyword (CHUNKING for BDAT).
  std::string value;
  bool is_auth = false;
};

std::vector<UsedCapability> CapabilitiesUsedBy(const fake::SmtpEvent& ev) {
  std::vector<UsedCapability> used;
  const smtp::Command cmd = ParseLine(ev.text);
  switch (cmd.verb) {
    case smtp::Verb::kAuth:
      if (!cmd.auth_mechanism.empty()) {
        used.push_back({"AUTH=" + cmd.auth_mechanism,
                        "AUTH " + cmd.auth_mechanism, cmd.auth_mechanism,
                        true});
      }
      break;
    case smtp::Verb::kBdat:
      used.push_back({"CHUNKING", "CHUNKING (BDAT)", "", false});
      break;
    case smtp::Verb::kMail:
    case smtp::Verb::kRcpt:
      // RFC 5321 §4.1.2: ESMTP parameters after the path; each names the
      // extension that defines it.
      for (const smtp::EsmtpParam& p : cmd.params) {
        const std::string value = p.value ? UpperCopy(*p.value) : "";
        if (p.keyword == "SIZE") {
          used.push_back({"SIZE", "SIZE", "", false});
        } else if (p.keyword == "BODY" && value == "8BITMIME") {
          used.push_back({"8BITMIME", "8BITMIME", "", false});
        } else if (p.keyword == "BODY" && value == "BINARYMIME") {
          used.push_back({"BINARYMIME", "BINARYMIME", "", false});
        } else if (p.keyword == "SMTPUTF8" || p.keyword == "REQUIRETLS") {
          used.push_back({p.keyword, p.keyword, "", false});
        } else if (!IsStandardEhloKeyword(p.keyword)) {
          // A parameter no standard extension defines: only an offer of
          // the same keyword can have taught it.
          used.push_back({p.keyword, p.keyword, p.keyword, false});
        }
      }
      break;
    default:
      break;
  }
  return used;
}

void AddCapabilityTokens(const smtp::EhloCapabilities& caps,
                         std::set<std::string>& tokens) {
  for (const smtp::Capability& cap : caps.capabilities()) {
    tokens.insert(cap.keyword);
  }
  for (const std::string& mech : caps.auth_mechanisms()) {
    tokens.insert("AUTH=" + mech);
  }
}

// Time the server recorded its first reply after event `index` answering
// `verb` (or, if none is labelled so, its first reply of any kind, which is
// never later); -1 if it never replied, or recorded the reply as withheld.
int64_t ReplyTimeAfter(const std::vector<fake::SmtpEvent>& events,
                       std::size_t index, std::string_view verb) {
  int64_t any = -1;
  const std::size_t end = std::min(events.size(), index + 1 + kMaxReplyScan);
  for (std::size_t k = index + 1; k < end; ++k) {
    const fake::SmtpEvent& ev = events[k];
    // The server recorded that it will never answer this command: a later
    // reply belongs to a later command.
    if (ev.kind == Kind::kReplyWithheld && any < 0 &&
        absl::EqualsIgnoreCase(ToAbsl(ev.verb), ToAbsl(verb))) {
      return -1;
    }
    if (ev.kind != Kind::kReply) continue;
    if (absl::EqualsIgnoreCase(ToAbsl(ev.verb), ToAbsl(verb))) {
      return any >= 0 ? std::min(any, ev.t_us) : ev.t_us;
    }
    if (any < 0) any = ev.t_us;
  }
  return any;
}

// Which reply a client line must wait for before the client may send
// anything else but QUIT. RFC 2920 §3.1: EHLO/HELO end a pipelined group;
// AUTH ends one too (RFC 4954 §4), and every line of an AUTH exchange answers
// a server challenge; RFC 5321 §4.1.1.4: the body follows the 354 reply to
// DATA. STARTTLS is judged by its own rule. Empty: the line may be
// pipelined.
std::string WaitedVerb(const fake::SmtpEvent& ev) {
  if (ev.kind == Kind::kAuthData) return "AUTH";
  if (ev.kind != Kind::kCommand) return "";
  const std::string verb = UpperCopy(ev.verb);
  if (verb == "EHLO" || verb == "HELO" || verb == "LHLO" || verb == "AUTH" ||
      verb == "DATA") {
    return verb;
  }
  return "";
}

// TLS alert descriptions that say "your certificate": RFC 8446 §6.2
// bad_certificate(42) .. certificate_unknown(46), unknown_ca(48).
bool IsCertificateAlert(const std::string& alert) {
  static constexpr std::array<std::string_view, 6> kCodes = {
      "(42)", "(43)", "(44)", "(45)", "(46)", "(48)"};
  for (std::string_view code : kCodes) {
    if (alert.find(code) != std::string::npos) return true;
  }
  return false;
}

std::string DescribeCertificate(const fake::ServedCertificate& cert) {
  std::string what;
  for (const fake::CertFlaw flaw : cert.flaws) {
    if (!what.empty()) what += ", ";
    what += std::string(fake::CertFlawPhrase(flaw));
    if (flaw == fake::CertFlaw::kNameMismatch && !cert.names.empty()) {
      what += " (" + Excerpt(cert.names[0], 80) + ")";
    }
    if (flaw == fake::CertFlaw::kWeakKey) {
      what += " (" + Excerpt(cert.key_type, 20) + ", " +
              std::to_string(cert.key_bits) + " bits)";
    }
  }
  return "a certificate that is " + what;
}

bool OldVersionName(const std::string& version) {
  return version == "TLSv1.1" || version == "TLSv1" || version == "TLSv1.0" ||
         version == "SSLv3";
}

bool WeakSuiteName(const std::string& upper) {
  return upper.find("3DES") != std::string::npos ||
         upper.find("DES-CBC3") != std::string::npos ||
         upper.find("DES_CBC") != std::string::npos ||
         upper.find("RC4") != std::string::npos ||
         upper.find("EXPORT") != std::string::npos ||
         upper.find("ANON") != std::string::npos;
}

std::vector<Refusal> RefusalsFor(const fake::TlsFacts& tls) {
  std::vector<Refusal> refusals;
  if (tls.certificate && !tls.certificate->flaws.empty()) {
    refusals.push_back(
        {RefusalReason::kBadCertificate, DescribeCertificate(*tls.certificate)});
  }
  bool only_old = !tls.server_versions.empty();
  for (const fake::TlsVersion v : tls.server_versions) {
    if (v == fake::TlsVersion::kTls12 || v == fake::TlsVersion::kTls13) {
      only_old = false;
    }
  }
  if (OldVersionName(tls.version) || (tls.version.empty() && only_old)) {
    std::string name = tls.version;
    if (name.empty() && !tls.server_versions.empty()) {
      name = std::string(fake::TlsVersionName(tls.server_versions.back()));
    }
    refusals.push_back({RefusalReason::kOldVersion, name});
  }
  const std::string cipher = UpperCopy(tls.cipher);
  if (cipher.find("NULL") != std::string::npos) {
    refusals.push_back({RefusalReason::kNullCipher,
                        "the NULL suite " + Excerpt(tls.cipher, 80) +
                            " (no encryption)"});
  } else if (WeakSuiteName(cipher) ||
             tls.server_ciphers == fake::CipherSet::kWeakOnly) {
    refusals.push_back({RefusalReason::kWeakCipher,
                        tls.cipher.empty()
                            ? std::string("the server's weak-only suite")
                            : "the weak suite " + Excerpt(tls.cipher, 80)});
  }
  return refusals;
}

void ObserveConnection(const fake::ConnectionTranscript& conn,
                       const passes::PriorStarttls& prior,
                       const ClientRun& run, Observations& obs) {
  ConnectionFacts facts;
  facts.index = conn.index;
  facts.accepted_us = conn.accepted_us;
  facts.closed_us = conn.closed_us;
  facts.close = conn.close;
  facts.client_closed = IsClientClose(conn.close);
  passes::ConnectionScan scan(conn);
  scan.arrival = passes::ArrivalTimes(conn);
  scan.closed_when_stopped = run.timed_out && run.timeout_us > 0 &&
                             facts.client_closed && conn.closed_us >= 0 &&
                             conn.closed_us >= run.timeout_us;
  passes::ObserveReplies(scan, facts);
  passes::ObserveStarttls(scan, facts);
  passes::ObserveTlsSession(scan, facts);
  passes::ObserveClientLines(scan, prior, facts, obs);
  passes::ObservePrematureLines(scan, prior, facts, obs);
  passes::ObserveStarttlsRequired(scan, obs);
  passes::ObserveWaiting(scan, facts);
  obs.connections.push_back(std::move(facts));
}

}  // namespace

namespace passes {

void AddEhloReplyTokens(const std::string& reply_text,
                        std::set<std::string>& tokens) {
  absl::StatusOr<smtp::Reply> reply = smtp::ParseReply(reply_text + "\r\n");
  if (!reply.ok()) return;
  absl::StatusOr<smtp::EhloCapabilities> caps =
      smtp::EhloCapabilities::FromReply(*reply);
  if (caps.ok()) AddCapabilityTokens(*caps, tokens);
}

void AddInjectedTokens(const std::string& bytes,
                       std::set<std::string>& tokens) {
  std::string wire = bytes;
  if (wire.empty() || wire.back() != '\n') wire += "\r\n";
  smtp::ReplyParser parser;
  parser.Feed(ToAbsl(wire), [&](const smtp::ReplyResult& reply) {
    if (!reply.ok() || reply->code != 250) return true;
    // Every line is a capability line: give the reader a domain line.
    smtp::Reply as_ehlo = *reply;
    as_ehlo.lines.insert(as_ehlo.lines.begin(), "injected");
    absl::StatusOr<smtp::EhloCapabilities> caps =
        smtp::EhloCapabilities::FromReply(as_ehlo);
    if (caps.ok()) AddCapabilityTokens(*caps, tokens);
    return true;
  });
}

std::vector<int64_t> ArrivalTimes(const fake::ConnectionTranscript& conn) {
  std::vector<int64_t> arrival;
  arrival.reserve(conn.events.size());
  for (const fake::SmtpEvent& ev : conn.events) {
    const bool input = IsClientInput(ev.kind);
    arrival.push_back(input && ev.read_us >= 0 ? std::min(ev.read_us, ev.t_us)
                                               : ev.t_us);
  }
  return arrival;
}

void ObserveReplies(ConnectionScan& scan, ConnectionFacts& facts) {
  const std::vector<fake::SmtpEvent>& events = scan.conn.events;
  for (std::size_t j = 0; j < events.size(); ++j) {
    const fake::SmtpEvent& ev = events[j];
    const bool in_tls = ev.channel == Channel::kTlsApp;
    const std::string verb = UpperCopy(ev.verb);
    if (ev.kind == Kind::kReply && verb == "EHLO") {
      if (ev.reply_code == 250) {
        AddEhloReplyTokens(ev.text, in_tls ? scan.tls_caps : scan.plain_caps);
        if (!in_tls) scan.saw_plain_ehlo_reply = true;
        if (in_tls && scan.tls_ehlo_reply_t_us < 0) {
          scan.tls_ehlo_reply_t_us = ev.t_us;
        }
      } else if (!in_tls && ev.reply_code >= 400) {
        facts.ehlo_refused = true;
      }
    }
    if (ev.kind == Kind::kInjected) {
      AddInjectedTokens(ev.text, scan.injected_caps);
      if (scan.injection_t_us < 0) {
        scan.injection_t_us = ev.t_us;
        facts.injection_sent = true;
        facts.injection =
            Evidence{scan.conn.index, ev.t_us, Excerpt(ev.text)};
      }
    }
    if (ev.kind == Kind::kCommand && !in_tls && verb == "HELO" &&
        facts.ehlo_refused && !facts.helo_after_ehlo_refusal) {
      facts.helo_after_ehlo_refusal =
          Evidence{scan.conn.index, scan.arrival[j], Excerpt(ev.text)};
    }
    if (ev.kind == Kind::kCommand && !in_tls && verb == "STARTTLS" &&
        !scan.starttls_index) {
      scan.starttls_index = j;
      facts.starttls_sent =
          Evidence{scan.conn.index, scan.arrival[j], Excerpt(ev.text)};
    }
    if (ev.kind == Kind::kReply && !in_tls && verb == "STARTTLS" &&
        scan.starttls_index && !scan.starttls_reply_index &&
        j > *scan.starttls_index) {
      scan.starttls_reply_index = j;
      facts.starttls_reply_code = ev.reply_code;
    }
  }
  facts.starttls_offered = scan.plain_caps.count("STARTTLS") > 0;
}

void ObserveStarttls(const ConnectionScan& scan, ConnectionFacts& facts) {
  const fake::ConnectionTranscript& conn = scan.conn;
  for (std::size_t j = 0; j < conn.events.size(); ++j) {
    const fake::SmtpEvent& ev = conn.events[j];
    if (!IsClientLineKind(ev.kind)) continue;
    if (ev.phase == SessionPhase::kAfterStarttlsCommand &&
        !facts.starttls_pipelined) {
      facts.starttls_pipelined =
          Evidence{conn.index, scan.arrival[j], Excerpt(ev.text)};
    }
    if (ev.kind == Kind::kCommand && ev.phase == SessionPhase::kHandshake &&
        ev.channel != Channel::kTlsApp &&
        !facts.plaintext_instead_of_handshake) {
      facts.plaintext_instead_of_handshake =
          Evidence{conn.index, scan.arrival[j], Excerpt(ev.text)};
    }
  }
  if (!conn.bytes_after_starttls.empty()) {
    // The raw bytes are the better evidence (they include a ClientHello sent
    // before the 220, which is no SMTP line).
    int64_t t = facts.starttls_sent ? facts.starttls_sent->t_us : -1;
    if (facts.starttls_pipelined) t = facts.starttls_pipelined->t_us;
    facts.starttls_pipelined =
        Evidence{conn.index, t, Excerpt(conn.bytes_after_starttls)};
  }
  if (conn.tls.outcome == fake::HandshakeOutcome::kNotTls &&
      !facts.plaintext_instead_of_handshake) {
    Evidence ev{conn.index, -1, ""};
    for (const fake::WireChunk& chunk : conn.wire) {
      if (chunk.direction == Direction::kClientToServer &&
          chunk.phase == SessionPhase::kHandshake) {
        ev.t_us = chunk.t_us;
        ev.excerpt = Excerpt(chunk.bytes);
        break;
      }
    }
    // The server reads the bytes that told it the handshake is not TLS as
    // the start of its linger (phase after-tls-failure): the client's first
    // line there is what it sent instead of a ClientHello.
    for (std::size_t j = 0; ev.excerpt.empty() && j < conn.events.size();
         ++j) {
      const fake::SmtpEvent& line = conn.events[j];
      if (IsClientLineKind(line.kind) &&
          line.phase == SessionPhase::kAfterTlsFailure) {
        ev.t_us = scan.arrival[j];
        ev.excerpt = Excerpt(line.text);
      }
    }
    facts.plaintext_instead_of_handshake = ev;
  }
  for (const fake::TlsRecordInPlaintext& seen : conn.tls_records_in_plaintext) {
    if (seen.phase == SessionPhase::kAfterStarttlsRefused) {
      facts.client_started_tls_in_plaintext = true;
    }
  }
}

void ObserveTlsSession(const ConnectionScan& scan, ConnectionFacts& facts) {
  const fake::TlsFacts& tls = scan.conn.tls;
  facts.handshake = tls.outcome;
  facts.tls_completed = tls.outcome == fake::HandshakeOutcome::kCompleted;
  facts.tls_version = Excerpt(tls.version, 40);
  facts.tls_cipher = Excerpt(tls.cipher, 80);
  facts.tls_failure = Excerpt(tls.failure);
  facts.handshake_done_us = tls.handshake_done_us;
  if (facts.tls_completed) facts.refusals = RefusalsFor(tls);
  for (const std::string& alert : tls.alerts_received) {
    if (IsCertificateAlert(alert)) facts.client_rejected_certificate = true;
  }
  if (!tls.alerts_received.empty()) {
    facts.tls_failure_reason =
        "the client sent the alert " + Excerpt(tls.alerts_received[0], 80);
  } else if (!tls.failure.empty()) {
    facts.tls_failure_reason = Excerpt(tls.failure, 160);
  } else {
    facts.tls_failure_reason =
        std::string(fake::HandshakeOutcomeName(tls.outcome));
  }
}

void SetCause(const ConnectionFacts& facts, bool saw_plain_ehlo_reply,
              const PriorStarttls& prior, ClientLine& line) {
  if (line.in_tls) return;
  switch (line.phase) {
    case SessionPhase::kAfterStarttlsCommand:
      line.cause = PlaintextCause::kBeforeStarttlsReply;
      return;
    case SessionPhase::kAfterStarttlsRefused:
      if (facts.starttls_reply_code == 220) {
        line.cause = PlaintextCause::kNoTransition;
      } else {
        line.cause = PlaintextCause::kStarttlsRefused;
        line.cause_detail = facts.starttls_reply_code;
      }
      return;
    case SessionPhase::kHandshake:
      line.cause = PlaintextCause::kInsteadOfHandshake;
      return;
    case SessionPhase::kAfterTlsFailure:
      line.cause = PlaintextCause::kAfterTlsFailure;
      return;
    case SessionPhase::kPlaintext:
    case SessionPhase::kTls:
      break;
  }
  if (prior.connection >= 0) {
    line.cause = PlaintextCause::kFallbackConnection;
    line.cause_detail = prior.connection;
  } else if (facts.ehlo_refused) {
    line.cause = PlaintextCause::kEhloRefused;
  } else if (saw_plain_ehlo_reply && !facts.starttls_offered) {
    line.cause = PlaintextCause::kStripped;
  } else {
    line.cause = PlaintextCause::kNeverTried;
  }
}

void ObserveClientLines(const ConnectionScan& scan, const PriorStarttls& prior,
                        ConnectionFacts& facts, Observations& obs) {
  const std::vector<fake::SmtpEvent>& events = scan.conn.events;
  for (std::size_t j = 0; j < events.size(); ++j) {
    const fake::SmtpEvent& ev = events[j];
    if (!IsClientInput(ev.kind)) continue;
    ClientLine line = MakeLine(scan.conn.index, ev, scan.arrival[j]);
    SetCause(facts, scan.saw_plain_ehlo_reply, prior, line);
    // After a STARTTLS reply that did not start TLS, a client that began
    // its handshake anyway sent a ClientHello, which the plaintext server
    // frames into junk "lines": no SMTP at all. A real command after them
    // still counts.
    if (facts.client_started_tls_in_plaintext && !line.in_tls &&
        ev.phase == SessionPhase::kAfterStarttlsRefused &&
        (ev.kind == Kind::kBadLine ||
         (ev.kind == Kind::kCommand &&
          ParseLine(ev.text).verb == smtp::Verb::kUnknown &&
          line.verb != "LHLO"))) {
      continue;
    }

    if (line.in_tls) {
      const bool is_quit = ev.kind == Kind::kCommand && line.verb == "QUIT";
      if (!is_quit && ev.kind != Kind::kCredentials &&
          !facts.proceeded_in_tls) {
        facts.proceeded_in_tls = line;
      }
      if (ev.kind == Kind::kCommand && !facts.first_tls_command) {
        facts.first_tls_command = line;
        if (line.verb != "EHLO" && line.verb != "HELO" &&
            line.verb != "LHLO" && line.verb != "QUIT") {
          obs.no_ehlo_after_tls.push_back(line);
        }
      }
      if (ev.kind == Kind::kCommand &&
          (line.verb == "EHLO" || line.verb == "LHLO")) {
        facts.ehlo_in_tls = true;
      }
      if (ev.kind == Kind::kCommand && line.verb == "STARTTLS") {
        obs.starttls_inside_tls.push_back(line);
      }
    }

    switch (ev.kind) {
      case Kind::kCommand:
        (line.in_tls ? obs.tls_commands : obs.plaintext_commands)
            .push_back(line);
        break;
      case Kind::kCredentials: {
        CredentialsSeen seen;
        seen.line = line;
        if (ev.credentials) seen.credentials = *ev.credentials;
        seen.line.evidence.excerpt =
            "AUTH " + Excerpt(seen.credentials.mechanism, 40) +
            " user=" + Excerpt(seen.credentials.user, 80);
        obs.credentials.push_back(std::move(seen));
        break;
      }
      case Kind::kMessage: {
        MessageSeen seen;
        seen.line = line;
        seen.size = ev.message_size;
        seen.subject = Excerpt(ev.message_subject, 120);
        seen.line.evidence.excerpt = std::to_string(ev.message_size) +
                                     " bytes, Subject: " + seen.subject;
        // Delivered unless the server's reply to the body refused it.
        bool accepted = true;
        for (std::size_t k = j + 1; k < events.size(); ++k) {
          if (events[k].kind != Kind::kReply) continue;
          accepted = events[k].reply_code >= 200 && events[k].reply_code < 300;
          break;
        }
        if (accepted) {
          (line.in_tls ? obs.delivered_over_tls : obs.delivered_in_plaintext) =
              true;
        }
        line.evidence.excerpt = seen.line.evidence.excerpt;
        obs.messages.push_back(std::move(seen));
        break;
      }
      default:
        break;
    }
    if (!line.in_tls && ev.kind != Kind::kCredentials && IsProtected(line)) {
      obs.protected_in_plaintext.push_back(line);
    }

    // Capabilities used: fresh, injected (proven), stale (proven) or
    // unoffered (a note).
    if (ev.kind != Kind::kCommand) continue;
    for (const UsedCapability& cap : CapabilitiesUsedBy(ev)) {
      const std::set<std::string>& genuine =
          line.in_tls ? scan.tls_caps : scan.plain_caps;
      if (genuine.count(cap.token)) continue;
      const bool injected_before =
          scan.injection_t_us >= 0 && scan.injection_t_us <= scan.arrival[j] &&
          scan.injected_caps.count(cap.token);
      if (injected_before) {
        // The value proof: a value on no standard list that only the
        // injected bytes offered cannot have come from anywhere else.
        const bool unguessable =
            !cap.value.empty() &&
            (cap.is_auth ? !IsStandardAuthMechanism(cap.value)
                         : !IsStandardEhloKeyword(cap.value));
        if (unguessable) {
          obs.injected_capabilities.push_back({line, cap.name});
        } else {
          obs.unoffered_capabilities.push_back(
              {{line, cap.name}, OfferedIn::kInjectedBytes});
        }
        continue;
      }
      if (line.in_tls && scan.plain_caps.count(cap.token)) {
        // Stale only with proof. By order: no EHLO reply inside TLS had been
        // written when the line arrived (or never was), so the plaintext
        // list is the only one the client can have used. By value: a MAIL
        // or RCPT parameter, or BDAT, of a service extension that only the
        // plaintext list offered -- each extension's RFC lets a client use
        // it only when the current session's EHLO offered it (RFC 1870 §6,
        // RFC 6152 §3, RFC 3030 §2, RFC 6531 §3.4), so it was chosen from the
        // attacker's list. An AUTH mechanism is no such proof: a client may
        // be configured to use one whatever is offered.
        const bool proven = scan.tls_ehlo_reply_t_us < 0 ||
                            scan.arrival[j] < scan.tls_ehlo_reply_t_us ||
                            !cap.is_auth;
        if (proven) {
          obs.stale_capabilities.push_back({line, cap.name});
        } else {
          obs.unoffered_capabilities.push_back(
              {{line, cap.name}, OfferedIn::kPlaintextEhlo});
        }
        continue;
      }
      if (line.in_tls) {
        obs.unoffered_capabilities.push_back(
            {{line, cap.name}, OfferedIn::kNowhere});
      }
    }
  }
}

void ObservePrematureLines(const ConnectionScan& scan,
                           const PriorStarttls& prior,
                           const ConnectionFacts& facts, Observations& obs) {
  const std::vector<fake::SmtpEvent>& events = scan.conn.events;
  std::optional<std::size_t> prev;  // Previous client line.
  for (std::size_t j = 0; j < events.size(); ++j) {
    const fake::SmtpEvent& ev = events[j];
    const bool is_line = IsClientLineKind(ev.kind) || ev.kind == Kind::kMessage;
    if (!is_line) continue;
    if (prev) {
      const fake::SmtpEvent& before = events[*prev];
      const std::string waited = WaitedVerb(before);
      const bool same_channel = before.channel == ev.channel;
      const bool quit =
          ev.kind == Kind::kCommand && UpperCopy(ev.verb) == "QUIT";
      // A message body is judged against DATA only; any other line after
      // DATA (RSET, QUIT after a refused DATA) is no body.
      const bool body_rule = waited == "DATA";
      const bool applies = body_rule ? ev.kind == Kind::kMessage
                                     : (!waited.empty() && !quit);
      if (applies && same_channel) {
        const int64_t reply_t = ReplyTimeAfter(events, *prev, waited);
        if (reply_t < 0 || scan.arrival[j] < reply_t) {
          PrematureLine p;
          p.line = MakeLine(scan.conn.index, ev, scan.arrival[j]);
          SetCause(facts, scan.saw_plain_ehlo_reply, prior, p.line);
          p.waited_for = waited;
          p.reply_t_us = reply_t;
          if (scan.injection_t_us >= 0 &&
              scan.injection_t_us <= scan.arrival[j]) {
            p.injection_t_us = scan.injection_t_us;
          }
          obs.premature_lines.push_back(std::move(p));
        }
      }
    }
    if (ev.kind != Kind::kMessage) prev = j;
  }
}

void ObserveStarttlsRequired(const ConnectionScan& scan, Observations& obs) {
  if (obs.starttls_required_reply) return;
  const std::vector<fake::SmtpEvent>& events = scan.conn.events;
  for (std::size_t j = 0; j < events.size(); ++j) {
    const fake::SmtpEvent& ev = events[j];
    if (ev.kind != Kind::kReply || ev.channel == Channel::kTlsApp) continue;
    if (ev.reply_code != 530) continue;
    absl::StatusOr<smtp::Reply> reply = smtp::ParseReply(ev.text + "\r\n");
    if (!reply.ok()) continue;
    bool names_starttls = false;
    for (const std::string& line : reply->lines) {
      if (absl::StrContains(UpperCopy(line), "STARTTLS")) names_starttls = true;
    }
    if (!names_starttls) continue;
    std::string command;
    for (std::size_t k = j; k-- > 0;) {
      if (events[k].kind == Kind::kCommand) {
        command = events[k].text;
        break;
      }
    }
    const std::string first =
        "530" + std::string(reply->lines.empty() ? "" : " " + reply->lines[0]);
    obs.starttls_required_reply =
        Evidence{scan.conn.index, ev.t_us,
                 Excerpt(command, 100) + " -> " + Excerpt(first, 100)};
    return;
  }
}

void ObserveWaiting(const ConnectionScan& scan, ConnectionFacts& facts) {
  const fake::ConnectionTranscript& conn = scan.conn;
  const std::vector<fake::SmtpEvent>& events = conn.events;
  const fake::TlsFacts& tls = conn.tls;
  // A client killed at the limit closes its connections as it dies: that
  // close is not the client's choice (closed_when_stopped).
  const bool closed_by_choice =
      facts.client_closed && !scan.closed_when_stopped;
  facts.stalled_handshake = tls.fault &&
                            tls.fault->kind == fake::TlsFault::kStall &&
                            !closed_by_choice && !facts.tls_completed;
  if (!closed_by_choice && !facts.stalled_handshake) {
    // The client's last line, and what the server did about its reply.
    std::optional<std::size_t> last;
    for (std::size_t j = events.size(); j-- > 0;) {
      if (IsClientLineKind(events[j].kind) ||
          events[j].kind == Kind::kMessage) {
        last = j;
        break;
      }
    }
    const std::size_t from = last ? *last + 1 : 0;
    std::optional<WaitingFor> waiting;
    bool replied = false;
    std::size_t reply_index = 0;
    for (std::size_t k = from; k < events.size(); ++k) {
      const fake::SmtpEvent& ev = events[k];
      if (ev.kind == Kind::kReplyWithheld && !replied) {
        waiting = WaitingFor{WaitKind::kWithheld, {}, UpperCopy(ev.verb), 0};
      } else if (ev.kind == Kind::kReplyDelayed && !replied) {
        waiting = WaitingFor{WaitKind::kDelayed, {}, UpperCopy(ev.verb),
                             ev.delay_us};
      } else if (ev.kind == Kind::kReply) {
        replied = true;
        reply_index = k;
        waiting.reset();
      }
    }
    if (replied) {
      // Owed: the reply the server wrote cannot be read as a complete SMTP
      // reply (no code, or its last line unfinished). The wire has the
      // exact bytes; the event's text lost the final line end.
      const fake::SmtpEvent& reply = events[reply_index];
      std::string bytes;
      for (const fake::WireChunk& chunk : conn.wire) {
        if (chunk.direction == Direction::kServerToClient &&
            chunk.channel != Channel::kTlsRecords && chunk.t_us >= reply.t_us) {
          bytes = chunk.bytes;
          break;
        }
      }
      const bool unfinished = bytes.empty() || bytes.back() != '\n';
      const bool malformed = !smtp::ParseReply(ToAbsl(bytes)).ok();
      if (!bytes.empty() && (unfinished || malformed)) {
        waiting = WaitingFor{WaitKind::kOwed, {}, UpperCopy(reply.verb), 0};
      }
    }
    if (waiting) {
      if (last) {
        waiting->line = MakeLine(conn.index, events[*last], scan.arrival[*last]);
      } else {
        waiting->line.evidence = Evidence{conn.index, conn.accepted_us, ""};
      }
      facts.waiting = std::move(waiting);
    }
  }
  if (facts.client_closed && conn.closed_us >= 0) {
    int64_t last_server = -1;
    for (const fake::WireChunk& chunk : conn.wire) {
      if (chunk.direction == Direction::kServerToClient &&
          chunk.t_us <= conn.closed_us) {
        last_server = std::max(last_server, chunk.t_us);
      }
    }
    if (last_server >= 0) {
      facts.client_close_delay_us = conn.closed_us - last_server;
    }
  }
}

}  // namespace passes

std::string_view LineKindName(LineKind kind) {
  switch (kind) {
    case LineKind::kCommand:
      return "command";
    case LineKind::kAuthData:
      return "auth-data";
    case LineKind::kMessage:
      return "message";
    case LineKind::kBadLine:
      return "bad-line";
    case LineKind::kCredentials:
      return "credentials";
  }
  return "unknown";
}

std::string_view WaitKindName(WaitKind kind) {
  switch (kind) {
    case WaitKind::kWithheld:
      return "withheld";
    case WaitKind::kDelayed:
      return "delayed";
    case WaitKind::kOwed:
      return "owed";
  }
  return "unknown";
}

bool IsStandardAuthMechanism(std::string_view mechanism) {
  // The SASL mechanisms SMTP clients ship with (IANA "SASL Mechanisms"
  // registry, plus the common vendor ones): a client may be configured to
  // use any of them without reading an offer.
  static constexpr std::array<std::string_view, 22> kMechanisms = {
      "PLAIN",          "LOGIN",         "CRAM-MD5",      "DIGEST-MD5",
      "SCRAM-SHA-1",    "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256",
      "SCRAM-SHA-256-PLUS", "SCRAM-SHA-512", "SCRAM-SHA-512-PLUS",
      "GSSAPI",         "GS2-KRB5",      "NTLM",          "XOAUTH2",
      "XOAUTH",         "OAUTHBEARER",   "EXTERNAL",      "ANONYMOUS",
      "KERBEROS_V4",    "OTP",           "SRP",           "MSN"};
  const std::string upper = UpperCopy(mechanism);
  return std::find(kMechanisms.begin(), kMechanisms.end(), upper) !=
         kMechanisms.end();
}

bool IsStandardEhloKeyword(std::string_view keyword) {
  // RFC 5321 and the IANA "SMTP Service Extensions" registry.
  static constexpr std::array<std::string_view, 26> kKeywords = {
      "SEND",        "SOML",       "SAML",        "VRFY",
      "EXPN",        "HELP",       "TURN",        "8BITMIME",
      "SIZE",        "VERB",       "ONEX",        "CHUNKING",
      "BINARYMIME",  "CHECKPOINT", "DELIVERBY",   "PIPELINING",
      "DSN",         "ETRN",       "ENHANCEDSTATUSCODES", "STARTTLS",
      "NO-SOLICITING", "MT-PRIORITY", "AUTH",     "BURL",
      "SMTPUTF8",    "REQUIRETLS"};
  const std::string upper = UpperCopy(keyword);
  // MAIL/RCPT parameters of those extensions (RFC 3461 DSN, RFC 4954 AUTH,
  // RFC 6710 MT-PRIORITY, RFC 2852 DELIVERBY).
  static constexpr std::array<std::string_view, 9> kParams = {
      "BODY", "RET", "ENVID", "NOTIFY", "ORCPT", "MT-PRIORITY", "BY",
      "HOLDFOR", "HOLDUNTIL"};
  return std::find(kKeywords.begin(), kKeywords.end(), upper) !=
             kKeywords.end() ||
         std::find(kParams.begin(), kParams.end(), upper) != kParams.end();
}

std::string_view PlaintextCauseName(PlaintextCause cause) {
  switch (cause) {
    case PlaintextCause::kStripped:
      return "stripped";
    case PlaintextCause::kEhloRefused:
      return "ehlo-refused";
    case PlaintextCause::kNeverTried:
      return "never-tried";
    case PlaintextCause::kBeforeStarttlsReply:
      return "before-starttls-reply";
    case PlaintextCause::kStarttlsRefused:
      return "starttls-refused";
    case PlaintextCause::kNoTransition:
      return "no-transition";
    case PlaintextCause::kInsteadOfHandshake:
      return "instead-of-handshake";
    case PlaintextCause::kAfterTlsFailure:
      return "after-tls-failure";
    case PlaintextCause::kFallbackConnection:
      return "fallback-connection";
  }
  return "unknown";
}

Observations ObserveRun(const fake::Transcript& transcript,
                        const ClientRun& run) {
  Observations obs;
  obs.client_ran = run.ran;
  obs.exit_code = run.exit_code;
  obs.signal = run.signal;
  obs.timed_out = run.timed_out;
  obs.unsupported = run.unsupported ||
                    (run.exit_code && *run.exit_code == kUnsupportedExitCode);
  obs.duration_us = run.duration_us;
  obs.timeout_us = run.timeout_us;
  obs.stderr_excerpt = TailExcerpt(run.stderr_text);

  // Connections in acceptance order, whatever order the snapshot has.
  std::vector<const fake::ConnectionTranscript*> conns;
  conns.reserve(transcript.connections.size());
  for (const fake::ConnectionTranscript& c : transcript.connections) {
    conns.push_back(&c);
  }
  std::stable_sort(conns.begin(), conns.end(),
                   [](const fake::ConnectionTranscript* a,
                      const fake::ConnectionTranscript* b) {
                     return a->index < b->index;
                   });

  passes::PriorStarttls prior;
  for (const fake::ConnectionTranscript* conn : conns) {
    ObserveConnection(*conn, prior, run, obs);
    if (obs.connections.back().starttls_sent) {
      obs.starttls_attempted = true;
      prior.connection = conn->index;
    }
  }
  return obs;
}

}  // namespace gauntlet::verdict
