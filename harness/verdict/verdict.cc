#include "harness/verdict/verdict.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "harness/verdict/excerpt.h"
#include "harness/verdict/observations.h"
#include "harness/verdict/rules.h"

namespace gauntlet::verdict {
namespace {

using scenario::Expectation;

// The scenario's policy as a report names it. Kept local so that the pure
// core links no scenario code.
std::string PolicyText(scenario::Policy policy) {
  switch (policy) {
    case scenario::Policy::kRequireTls:
      return "require-tls";
    case scenario::Policy::kRequireTlsNoVerify:
      return "require-tls-no-verify";
    case scenario::Policy::kOpportunistic:
      return "opportunistic";
  }
  return "this";
}

std::string Quote(const std::string& excerpt) { return "\"" + excerpt + "\""; }

std::string Millis(int64_t us) {
  if (us < 0) return "?";
  const int64_t tenths = us / 100;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) +
         " ms";
}

// Where a plaintext line was sent, as the end of a sentence.
std::string CausePhrase(const ClientLine& line) {
  switch (line.cause) {
    case PlaintextCause::kStripped:
      return "after STARTTLS was stripped from the EHLO reply";
    case PlaintextCause::kEhloRefused:
      return "after falling back to HELO when EHLO was refused (HELO cannot "
             "offer STARTTLS)";
    case PlaintextCause::kNeverTried:
      return "without issuing STARTTLS";
    case PlaintextCause::kBeforeStarttlsReply:
      return "right after STARTTLS, before the server's reply to it";
    case PlaintextCause::kStarttlsRefused:
      return "after the server refused STARTTLS with " +
             std::to_string(line.cause_detail);
    case PlaintextCause::kNoTransition:
      return "after a 220 reply to STARTTLS, without starting TLS";
    case PlaintextCause::kInsteadOfHandshake:
      return "after the 220 reply to STARTTLS, instead of the TLS handshake";
    case PlaintextCause::kAfterTlsFailure:
      return "on the same connection";
    case PlaintextCause::kFallbackConnection:
      return "on a new connection after STARTTLS on connection " +
             std::to_string(line.cause_detail);
  }
  return "";
}

struct Advice {
  std::string fix;
  std::string reference;
};

Advice CauseAdvice(const ClientLine& line) {
  switch (line.cause) {
    case PlaintextCause::kStripped:
    case PlaintextCause::kEhloRefused:
      return {"require STARTTLS and abort when the server does not offer it",
              "RFC 3207 §6; RFC 8314"};
    case PlaintextCause::kNeverTried:
      return {"issue STARTTLS and abort unless TLS is established",
              "RFC 3207 §4, §6; RFC 8314"};
    case PlaintextCause::kBeforeStarttlsReply:
      return {"send STARTTLS alone, wait for its 220 reply, then start the "
              "handshake",
              "RFC 3207 §4"};
    case PlaintextCause::kStarttlsRefused:
      return {"treat any reply to STARTTLS other than 220 as fatal and close "
              "the connection",
              "RFC 3207 §4, §6; CVE-2016-0772"};
    case PlaintextCause::kNoTransition:
    case PlaintextCause::kInsteadOfHandshake:
      return {"start the TLS handshake right after the 220 reply and abort if "
              "it cannot complete",
              "RFC 3207 §4"};
    case PlaintextCause::kAfterTlsFailure:
    case PlaintextCause::kFallbackConnection:
      return {"abort when the TLS handshake or certificate check fails; never "
              "fall back to plaintext, on the same or a new connection",
              "RFC 3207 §6; RFC 8314"};
  }
  return {"require TLS", "RFC 3207"};
}

// What happened before a line sent on the same connection after a TLS
// failure, as the start of a sentence ("after rejecting the certificate, ").
// Empty for other causes.
std::string SameConnectionLead(const Observations& obs,
                               const ClientLine& line) {
  if (line.cause != PlaintextCause::kAfterTlsFailure) return "";
  for (const ConnectionFacts& conn : obs.connections) {
    if (conn.index != line.evidence.connection) continue;
    if (conn.client_rejected_certificate) {
      return "after rejecting the certificate, ";
    }
    return "after the TLS handshake failed (" + conn.tls_failure_reason +
           "), ";
  }
  return "after the TLS handshake failed, ";
}

class Builder {
 public:
  Builder(const Observations& obs, const JudgeInput& in) : obs_(obs), in_(in) {}

  // A violation, at most one per rule and connection (the first one found;
  // callers offer the most telling evidence first).
  void Fail(std::string_view rule, std::string sentence, std::string fix,
            std::string reference, Evidence evidence) {
    for (const Violation& v : violations_) {
      if (v.rule == rule && v.evidence.connection == evidence.connection) {
        return;
      }
    }
    const Rule* info = FindRule(rule);
    const scenario::Severity severity =
        info != nullptr && info->severity ? *info->severity : in_.severity;
    violations_.push_back({std::string(rule), severity, std::move(sentence),
                           std::move(fix), std::move(reference),
                           std::move(evidence)});
  }

  // A waived rule or context, at most one per id and connection.
  void AddNote(std::string_view rule, std::string text, Evidence evidence) {
    for (const Note& n : notes_) {
      if (n.rule == rule && n.evidence.connection == evidence.connection) {
        return;
      }
    }
    notes_.push_back({std::string(rule), std::move(text), std::move(evidence)});
  }

  // Fails under an enforcing expectation, notes otherwise.
  void FailOrNote(bool enforced, std::string_view rule, std::string sentence,
                  std::string fix, std::string reference, Evidence evidence,
                  const std::string& waiver) {
    if (enforced) {
      Fail(rule, std::move(sentence), std::move(fix), std::move(reference),
           std::move(evidence));
    } else {
      AddNote(rule, sentence + " (" + waiver + ")", std::move(evidence));
    }
  }

  void Run();
  Verdict Finish();

 private:
  bool PlaintextEnforced() const {
    return in_.expectation != Expectation::kUnrestricted;
  }
  bool CertificateEnforced() const {
    return in_.expectation == Expectation::kDeliverTls ||
           in_.expectation == Expectation::kStaySecure;
  }
  std::string PlaintextWaiver() const {
    return "allowed by " + PolicyText(in_.policy) + " policy";
  }
  std::string CertificateWaiver() const {
    return "not judged under " + PolicyText(in_.policy) + " policy";
  }

  void StarttlsRequired();
  void Plaintext();
  void TlsSessions();
  void Universal();
  void Hang();
  void Delivery();
  void Context();

  const Observations& obs_;
  const JudgeInput& in_;
  std::vector<Violation> violations_;
  std::vector<Note> notes_;
};

void Builder::StarttlsRequired() {
  if (!obs_.starttls_required_reply || obs_.starttls_attempted) return;
  FailOrNote(PlaintextEnforced(), kRuleNeverIssuedStarttls,
             "the client never issued STARTTLS; the server answered 530 5.7.0 "
             "Must issue a STARTTLS command first",
             std::string(FindRule(kRuleNeverIssuedStarttls)->fix),
             std::string(FindRule(kRuleNeverIssuedStarttls)->reference),
             *obs_.starttls_required_reply, PlaintextWaiver());
}

void Builder::Plaintext() {
  const bool enforced = PlaintextEnforced();
  // Credentials first: they name the user.
  for (const CredentialsSeen& seen : obs_.credentials) {
    if (seen.line.in_tls) continue;
    const Advice advice = CauseAdvice(seen.line);
    const std::string mech = Excerpt(seen.credentials.mechanism, 40);
    const std::string lead = SameConnectionLead(obs_, seen.line);
    FailOrNote(enforced, kRulePlaintextAuth,
               lead.empty()
                   ? "sent AUTH " + mech + " credentials in plaintext " +
                         CausePhrase(seen.line) + " (user=" +
                         Excerpt(seen.credentials.user, 80) + ")"
                   : lead + "sent AUTH " + mech +
                         " in plaintext on the same connection (user=" +
                         Excerpt(seen.credentials.user, 80) + ")",
               advice.fix, advice.reference, seen.line.evidence,
               PlaintextWaiver());
  }
  // Message bodies before the DATA command: they say what leaked.
  for (const ClientLine& line : obs_.protected_in_plaintext) {
    if (line.kind != LineKind::kMessage) continue;
    const Advice advice = CauseAdvice(line);
    if (enforced) {
      Fail(kRulePlaintextMessage,
           SameConnectionLead(obs_, line) + "sent the message (" +
               line.evidence.excerpt + ") in plaintext " + CausePhrase(line),
           advice.fix, advice.reference, line.evidence);
    } else {
      AddNote(kRulePlaintextMessage,
              "delivered in plaintext " + CausePhrase(line) + " (" +
                  PlaintextWaiver() + ")",
              line.evidence);
    }
  }
  for (const ClientLine& line : obs_.protected_in_plaintext) {
    const Advice advice = CauseAdvice(line);
    std::string_view rule;
    std::string what;
    if (line.kind == LineKind::kMessage) continue;
    if (line.kind == LineKind::kCommand && line.verb == "AUTH") {
      rule = kRulePlaintextAuth;
      what = Quote(line.evidence.excerpt);
    } else if (line.kind == LineKind::kAuthData) {
      rule = kRulePlaintextAuth;
      what = "an AUTH exchange line";
    } else if (line.verb == "MAIL" || line.verb == "RCPT") {
      rule = kRulePlaintextMail;
      what = Quote(line.evidence.excerpt);
    } else if (line.verb == "DATA" || line.verb == "BDAT") {
      rule = kRulePlaintextMessage;
      what = Quote(line.evidence.excerpt);
    } else {
      continue;
    }
    FailOrNote(enforced, rule,
               SameConnectionLead(obs_, line) + "sent " + what +
                   " in plaintext " + CausePhrase(line),
               advice.fix, advice.reference, line.evidence, PlaintextWaiver());
  }
}

void Builder::TlsSessions() {
  for (const ConnectionFacts& conn : obs_.connections) {
    if (!conn.tls_completed || conn.refusals.empty()) continue;
    if (!conn.proceeded_in_tls) {
      std::string delay;
      if (conn.client_close_delay_us) {
        delay = ", " + Millis(*conn.client_close_delay_us) + " later";
      }
      AddNote(kNoteRefusedAfterHandshake,
              "completed the TLS handshake with " + conn.refusals[0].what +
                  " and then closed without sending anything" + delay +
                  ": it refused the session after the handshake",
              Evidence{conn.index, conn.handshake_done_us, ""});
      continue;
    }
    const ClientLine& went_on = *conn.proceeded_in_tls;
    for (const Refusal& refusal : conn.refusals) {
      const bool cert = refusal.reason == RefusalReason::kBadCertificate;
      const std::string_view rule =
          cert ? kRuleAcceptedBadCertificate : kRuleAcceptedWeakTls;
      bool enforced = CertificateEnforced();
      if (refusal.reason == RefusalReason::kNullCipher) {
        // A NULL suite does not encrypt: whoever must stay encrypted must
        // refuse it too.
        enforced = in_.expectation != Expectation::kUnrestricted;
      }
      const Rule* info = FindRule(rule);
      FailOrNote(enforced, rule,
                 std::string("went on inside a TLS session ") +
                     (cert ? "with " : "using ") + refusal.what + ": sent " +
                     Quote(went_on.evidence.excerpt) +
                     " after the handshake instead of closing",
                 std::string(info->fix), std::string(info->reference),
                 went_on.evidence, CertificateWaiver());
    }
  }
}

void Builder::Universal() {
  const Rule* injected = FindRule(kRuleActedOnInjectedBytes);
  const Rule* premature = FindRule(kRuleProceededWithoutReply);
  for (const PrematureLine& p : obs_.premature_lines) {
    const std::string where = p.line.in_tls ? "inside TLS" : "in plaintext";
    std::string what = p.waited_for == "DATA"
                           ? "the message body " + where +
                                 " before the server's 354 reply to DATA"
                           : Quote(p.line.evidence.excerpt) + " " + where +
                                 " before the server had answered its " +
                                 p.waited_for;
    if (p.injection_t_us >= 0) {
      Fail(kRuleActedOnInjectedBytes,
           "sent " + what +
               ": it took the reply from bytes the server injected (written " +
               Millis(p.line.evidence.t_us - p.injection_t_us) +
               " before the line arrived, the real reply " +
               (p.reply_t_us < 0 ? std::string("never")
                                 : Millis(p.reply_t_us - p.line.evidence.t_us) +
                                       " after it") +
               ")",
           std::string(injected->fix), std::string(injected->reference),
           p.line.evidence);
    } else {
      const std::string when =
          p.reply_t_us < 0
              ? "the server never answered it"
              : "the reply came " + Millis(p.reply_t_us - p.line.evidence.t_us) +
                    " later";
      Fail(kRuleProceededWithoutReply, "sent " + what + " (" + when + ")",
           std::string(premature->fix), std::string(premature->reference),
           p.line.evidence);
    }
  }
  for (const CapabilityUse& use : obs_.injected_capabilities) {
    Fail(kRuleActedOnInjectedBytes,
         "used " + use.capability + (use.line.in_tls ? " inside TLS" : "") +
             ", a value on no standard list that the server offered only in "
             "bytes it injected: the client read them",
         std::string(injected->fix), std::string(injected->reference),
         use.line.evidence);
  }

  const Rule* pipelining = FindRule(kRuleStarttlsPipelining);
  const Rule* after220 = FindRule(kRulePlaintextAfterStarttlsAccepted);
  for (const ConnectionFacts& conn : obs_.connections) {
    if (conn.starttls_pipelined) {
      Fail(kRuleStarttlsPipelining,
           "sent " + Quote(conn.starttls_pipelined->excerpt) +
               " right after STARTTLS, before the server's reply to it",
           std::string(pipelining->fix), std::string(pipelining->reference),
           *conn.starttls_pipelined);
    }
    if (conn.plaintext_instead_of_handshake) {
      Fail(kRulePlaintextAfterStarttlsAccepted,
           "sent " + Quote(conn.plaintext_instead_of_handshake->excerpt) +
               " in plaintext after the 220 reply to STARTTLS instead of "
               "starting the TLS handshake",
           std::string(after220->fix), std::string(after220->reference),
           *conn.plaintext_instead_of_handshake);
    }
  }
  for (const ClientLine& line : obs_.plaintext_commands) {
    if (line.cause != PlaintextCause::kNoTransition &&
        line.cause != PlaintextCause::kInsteadOfHandshake) {
      continue;
    }
    Fail(kRulePlaintextAfterStarttlsAccepted,
         "sent " + Quote(line.evidence.excerpt) + " " + CausePhrase(line),
         std::string(after220->fix), std::string(after220->reference),
         line.evidence);
  }

  const Rule* again = FindRule(kRuleStarttlsInsideTls);
  for (const ClientLine& line : obs_.starttls_inside_tls) {
    Fail(kRuleStarttlsInsideTls, "sent STARTTLS again inside the TLS session",
         std::string(again->fix), std::string(again->reference),
         line.evidence);
  }
  const Rule* stale = FindRule(kRuleStaleCapabilities);
  for (const CapabilityUse& use : obs_.stale_capabilities) {
    bool ehlo_in_tls = false;
    for (const ConnectionFacts& conn : obs_.connections) {
      if (conn.index == use.line.evidence.connection) {
        ehlo_in_tls = conn.ehlo_in_tls;
      }
    }
    Fail(kRuleStaleCapabilities,
         "used " + use.capability +
             " inside TLS, which the server advertised only before TLS" +
             (ehlo_in_tls ? std::string(" (its EHLO reply inside TLS did not "
                                        "offer it)")
                          : std::string(" (it never sent EHLO after the "
                                        "handshake)")),
         std::string(stale->fix), std::string(stale->reference),
         use.line.evidence);
  }
  for (const UnofferedCapability& u : obs_.unoffered_capabilities) {
    const CapabilityUse& use = u.use;
    std::string text = use.capability + " used though the EHLO reply " +
                       (use.line.in_tls ? "inside TLS" : "in plaintext") +
                       " did not offer it";
    switch (u.offered_in) {
      case OfferedIn::kInjectedBytes:
        text += " (only injected bytes did; the value is standard, so the "
                "client may use it unasked: no proof it read them)";
        break;
      case OfferedIn::kPlaintextEhlo:
        text += " (only the plaintext EHLO reply did; it was sent after the "
                "EHLO reply inside TLS, so no proof it reused the old list)";
        break;
      case OfferedIn::kNowhere:
        break;
    }
    AddNote(kNoteCapabilityNotOffered, text, use.line.evidence);
  }
  const Rule* no_ehlo = FindRule(kRuleNoEhloAfterTls);
  for (const ClientLine& line : obs_.no_ehlo_after_tls) {
    Fail(kRuleNoEhloAfterTls,
         "sent " + Quote(line.evidence.excerpt) +
             " as its first command inside TLS without sending EHLO again",
         std::string(no_ehlo->fix), std::string(no_ehlo->reference),
         line.evidence);
  }
}

void Builder::Hang() {
  if (!obs_.timed_out || obs_.connections.empty()) return;
  const Rule* hang = FindRule(kRuleHang);
  for (const ConnectionFacts& conn : obs_.connections) {
    if (conn.stalled_handshake) {
      Fail(kRuleHang,
           "the client waited forever on a stalled handshake; set a handshake "
           "timeout",
           "set a handshake timeout and abort (without falling back to "
           "plaintext) when it expires",
           std::string(hang->reference),
           Evidence{conn.index,
                    conn.starttls_sent ? conn.starttls_sent->t_us : -1,
                    "STARTTLS accepted, handshake stalled"});
      return;
    }
  }
  std::string limit;
  if (obs_.timeout_us > 0) {
    limit = " " + std::to_string(obs_.timeout_us / 1000000) + " s";
  }
  const Rule* late = FindRule(kRuleGaveUpLate);
  for (const ConnectionFacts& conn : obs_.connections) {
    if (!conn.waiting) continue;
    const WaitingFor& w = *conn.waiting;
    std::string why;
    switch (w.kind) {
      case WaitKind::kWithheld:
        why = "which the server withheld";
        break;
      case WaitKind::kDelayed:
        why = "which the server delayed by " + Millis(w.delay_us);
        break;
      case WaitKind::kOwed:
        why = "which the server still owed (its reply was malformed or "
              "unfinished)";
        break;
    }
    std::string waited;
    if (obs_.duration_us > 0 && w.line.evidence.t_us >= 0 &&
        obs_.duration_us > w.line.evidence.t_us - conn.accepted_us) {
      const int64_t us =
          obs_.duration_us - (w.line.evidence.t_us - conn.accepted_us);
      waited = " for about " + std::to_string(us / 1000000) + " s";
    }
    const std::string where =
        w.line.in_tls ? std::string(" inside TLS") : std::string();
    Fail(kRuleGaveUpLate,
         "waited" + waited + " for the reply to its " + w.verb + where + ", " +
             why + ", until it was stopped at the scenario's" + limit +
             " limit (patience, not a security failure)",
         std::string(late->fix), std::string(late->reference),
         w.line.evidence);
    return;
  }
  const ConnectionFacts& last = obs_.connections.back();
  Fail(kRuleHang,
       "the client did not exit within the" + limit + " timeout" +
           (last.client_closed ? std::string()
                               : std::string(" and kept connection ") +
                                     std::to_string(last.index) + " open"),
       std::string(hang->fix), std::string(hang->reference),
       Evidence{last.index, -1, ""});
}

void Builder::Delivery() {
  if (in_.expectation != Expectation::kDeliverTls) return;
  if (obs_.delivered_over_tls || obs_.timed_out || obs_.unsupported ||
      obs_.connections.empty()) {
    return;
  }
  std::string why;
  const ConnectionFacts* completed = nullptr;
  const ConnectionFacts* tried = nullptr;
  for (const ConnectionFacts& conn : obs_.connections) {
    if (conn.tls_completed && !completed) completed = &conn;
    if (conn.starttls_sent && !tried) tried = &conn;
  }
  if (!obs_.starttls_attempted) {
    why = "it never issued STARTTLS";
  } else if (!completed) {
    why = "the TLS handshake did not complete";
    if (tried && !tried->tls_failure.empty()) {
      why += ": " + tried->tls_failure;
    }
  } else if (obs_.delivered_in_plaintext) {
    why = "it delivered in plaintext instead";
  } else if (completed->proceeded_in_tls) {
    why = "it went on inside TLS but sent no accepted message";
  } else {
    why = "it closed the TLS session without sending anything, which points "
          "at its certificate or host name check";
  }
  if (obs_.signal) {
    why += "; the client was killed by signal " + std::to_string(*obs_.signal);
  } else if (obs_.exit_code && *obs_.exit_code != 0) {
    why += "; the client exited with status " + std::to_string(*obs_.exit_code);
  }
  const Rule* rule = FindRule(kRuleNoDeliveryOverTls);
  Fail(kRuleNoDeliveryOverTls,
       "did not deliver the message over TLS to a well-behaved server (" + why +
           ")",
       std::string(rule->fix), std::string(rule->reference),
       Evidence{-1, -1, obs_.stderr_excerpt.empty()
                            ? std::string()
                            : Excerpt(obs_.stderr_excerpt)});
}

void Builder::Context() {
  for (const ConnectionFacts& conn : obs_.connections) {
    if (conn.helo_after_ehlo_refusal) {
      AddNote(kNoteHeloFallback,
              "fell back to HELO after the server refused EHLO",
              *conn.helo_after_ehlo_refusal);
    }
  }
  if (obs_.signal) {
    AddNote(kNoteClientSignal,
            "the client was killed by signal " + std::to_string(*obs_.signal),
            Evidence{});
  }
  if (in_.kind == scenario::ScenarioKind::kAttack && !obs_.starttls_attempted) {
    for (const ConnectionFacts& conn : obs_.connections) {
      if (conn.starttls_offered) {
        AddNote(kNoteAttackNotExercised,
                "the client never issued STARTTLS although the server offered "
                "it, so the attack after STARTTLS was not exercised",
                Evidence{conn.index, -1, ""});
        break;
      }
    }
  }
}

void Builder::Run() {
  StarttlsRequired();
  Plaintext();
  TlsSessions();
  Universal();
  Hang();
  Delivery();
  Context();
  // Deterministic order: rule rank, then connection, then time, then the
  // order found (stable).
  std::stable_sort(violations_.begin(), violations_.end(),
                   [](const Violation& a, const Violation& b) {
                     return std::make_tuple(RuleRank(a.rule),
                                            a.evidence.connection,
                                            a.evidence.t_us) <
                            std::make_tuple(RuleRank(b.rule),
                                            b.evidence.connection,
                                            b.evidence.t_us);
                   });
}

std::string PassSummary(const Observations& obs, const JudgeInput& in) {
  if (obs.delivered_in_plaintext && !obs.delivered_over_tls) {
    return "pass: delivered the message in plaintext, which " +
           PolicyText(in.policy) + " policy allows";
  }
  if (obs.delivered_over_tls) {
    for (const ConnectionFacts& conn : obs.connections) {
      if (conn.tls_completed && !conn.tls_version.empty()) {
        return "pass: delivered the message over " + conn.tls_version;
      }
    }
    return "pass: delivered the message over TLS";
  }
  for (const ConnectionFacts& conn : obs.connections) {
    if (conn.tls_completed && !conn.refusals.empty() &&
        !conn.proceeded_in_tls) {
      return "pass: refused the TLS session with " + conn.refusals[0].what;
    }
  }
  if (!obs.protected_in_plaintext.empty()) {
    return "pass: sent protected data in plaintext, which " +
           PolicyText(in.policy) + " policy allows";
  }
  return "pass: sent no protected data in plaintext and used no refused TLS "
         "session";
}

Verdict Builder::Finish() {
  Verdict v;
  v.notes = notes_;
  bool other_than_hang = false;
  for (const Violation& violation : violations_) {
    if (violation.rule != kRuleHang && violation.rule != kRuleGaveUpLate) {
      other_than_hang = true;
    }
  }
  if (other_than_hang) {
    v.verdict = VerdictKind::kFail;
    v.violations = violations_;
    v.summary = "fail: " + violations_[0].sentence + " [" +
                violations_[0].rule + "]";
    if (violations_.size() > 1) {
      v.summary += " (+" + std::to_string(violations_.size() - 1) + " more)";
    }
    return v;
  }
  if (obs_.unsupported) {
    v.verdict = VerdictKind::kSkip;
    v.summary = "skip: the client reported this policy as unsupported (exit " +
                std::to_string(kUnsupportedExitCode) + ")";
    return v;
  }
  if (obs_.connections.empty()) {
    v.verdict = VerdictKind::kInconclusive;
    v.summary = obs_.timed_out
                    ? "inconclusive: the client never connected to the fake "
                      "server and ran until the timeout"
                    : "inconclusive: the client never connected to the fake "
                      "server (check its host, port and command template)";
    return v;
  }
  if (!violations_.empty()) {  // Only the hang, or waiting at the limit.
    v.verdict = VerdictKind::kTimeout;
    v.violations = violations_;
    v.summary = violations_[0].rule == kRuleGaveUpLate
                    ? "timeout: broke no security rule, but " +
                          violations_[0].sentence
                    : "timeout: " + violations_[0].sentence;
    return v;
  }
  if (in_.kind == scenario::ScenarioKind::kAttack && in_.controls_failed) {
    v.verdict = VerdictKind::kInconclusive;
    v.summary =
        "inconclusive: the client failed the control scenarios for this "
        "policy, so staying safe here proves nothing";
    return v;
  }
  v.verdict = VerdictKind::kPass;
  v.summary = PassSummary(obs_, in_);
  return v;
}

}  // namespace

std::optional<scenario::Severity> MostSevere(const Verdict& verdict) {
  std::optional<scenario::Severity> most;
  for (const Violation& v : verdict.violations) {
    // Severity enumerators run from kCritical (0) down to kInfo.
    if (!most || static_cast<int>(v.severity) < static_cast<int>(*most)) {
      most = v.severity;
    }
  }
  return most;
}

std::string_view VerdictName(VerdictKind kind) {
  switch (kind) {
    case VerdictKind::kPass:
      return "pass";
    case VerdictKind::kFail:
      return "fail";
    case VerdictKind::kSkip:
      return "skip";
    case VerdictKind::kInconclusive:
      return "inconclusive";
    case VerdictKind::kTimeout:
      return "timeout";
    case VerdictKind::kError:
      return "error";
  }
  return "error";
}

std::optional<VerdictKind> VerdictFromName(std::string_view name) {
  for (VerdictKind kind :
       {VerdictKind::kPass, VerdictKind::kFail, VerdictKind::kSkip,
        VerdictKind::kInconclusive, VerdictKind::kTimeout,
        VerdictKind::kError}) {
    if (VerdictName(kind) == name) return kind;
  }
  return std::nullopt;
}

Verdict Judge(const Observations& observations, const JudgeInput& input) {
  if (!input.harness_status.ok()) {
    Verdict v;
    v.verdict = VerdictKind::kError;
    v.summary = "error: harness fault, not the client's: " +
                Excerpt(std::string(input.harness_status.message()), 300);
    return v;
  }
  if (!observations.client_ran) {
    Verdict v;
    v.verdict = VerdictKind::kError;
    v.summary = "error: the client process could not be started";
    if (!observations.stderr_excerpt.empty()) {
      v.summary += ": " + Excerpt(observations.stderr_excerpt, 300);
    }
    return v;
  }
  Builder builder(observations, input);
  builder.Run();
  return builder.Finish();
}

}  // namespace gauntlet::verdict
