// Table-driven tests of the verdict engine: transcripts shaped as the fake
// server records each scenario family, through ObserveRun and Judge, with
// the verdict, the rule ids (in order) and the wording checked.

#include "harness/verdict/verdict.h"

#include <algorithm>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "fake_servers/behavior.h"
#include "fake_servers/pki/cert_profile.h"
#include "fake_servers/transcript.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/scenario/scenario.h"
#include "harness/verdict/observations.h"
#include "harness/verdict/rules.h"
#include "tests/verdict/sessions.h"
#include "tests/verdict/transcript_builder.h"

namespace gauntlet::verdict {
namespace {

using ::testing::HasSubstr;
using testing::ConnBuilder;
using testing::TranscriptOf;
namespace sessions = testing::sessions;
using Exp = scenario::Expectation;
using Pol = scenario::Policy;
using SKind = scenario::ScenarioKind;

const std::vector<std::string> kPlainCaps = {
    "PIPELINING", "SIZE 10485760", "8BITMIME", "ENHANCEDSTATUSCODES",
    "STARTTLS"};
const std::vector<std::string> kStrippedCaps = {
    "PIPELINING", "SIZE 10485760", "8BITMIME", "ENHANCEDSTATUSCODES"};
const std::vector<std::string> kTlsCaps = {
    "PIPELINING", "SIZE 10485760", "8BITMIME", "ENHANCEDSTATUSCODES",
    "AUTH PLAIN LOGIN"};

fake::ServerBehavior With(std::function<void(fake::ConnectionBehavior&)> f) {
  fake::ServerBehavior b;
  b.connections.emplace_back();
  f(b.connections.back());
  return b;
}

ClientRun Exited(int code) {
  ClientRun run;
  run.exit_code = code;
  run.duration_us = 50000;
  return run;
}

ClientRun TimedOut() {
  ClientRun run;
  run.timed_out = true;
  run.signal = 9;
  run.timeout_us = 20'000'000;
  run.duration_us = 20'000'000;
  return run;
}

// Stopped at the limit `before_close_us` before the session's last close was
// recorded: a real run records the dead client's close a few ms after the
// stop (13 ms in a real run of proto/ehlo-in-tls-unanswered). The server's
// clock starts before the client, so the stop comes no earlier than
// timeout_us on it.
ClientRun StoppedBeforeClose(const fake::Transcript& t,
                             int64_t before_close_us = 13'000) {
  ClientRun run = TimedOut();
  int64_t last_close = 0;
  for (const fake::ConnectionTranscript& c : t.connections) {
    last_close = std::max(last_close, c.closed_us);
  }
  run.timeout_us = last_close - before_close_us;
  run.duration_us = run.timeout_us;
  return run;
}

JudgeInput Expect(Exp e, Pol p = Pol::kRequireTls, SKind k = SKind::kAttack) {
  JudgeInput in;
  in.expectation = e;
  in.policy = p;
  in.kind = k;
  return in;
}

fake::Transcript GoodDelivery() { return sessions::GoodDelivery().transcript; }
fake::Transcript StrippedAndLeaked() {
  return sessions::StrippedAndLeaked().transcript;
}

struct Case {
  std::string name;
  // The transcript is all the verdict sees: it carries every recorded fact
  // (certificate served, versions allowed, faults) itself.
  std::function<fake::Transcript()> transcript;
  // The server behavior the session stands for, for the reader; the
  // sessions of sessions.h are checked against the real server's recording
  // under their behavior (server_records_test.cc).
  fake::ServerBehavior behavior;
  ClientRun run;
  JudgeInput input;
  VerdictKind want;
  std::vector<std::string> want_rules;
  // Substrings of the first violation's sentence, or of the summary when
  // there is none.
  std::vector<std::string> want_text;
  std::string want_fix;        // Substring of the first violation's fix.
  std::string want_reference;  // Substring of its reference.
  std::vector<std::string> want_notes;  // Note ids that must be present.
  std::string want_note_text;           // Substring of some note.
};

std::ostream& operator<<(std::ostream& os, const Case& c) {
  return os << c.name;
}

std::vector<Case> Cases() {
  std::vector<Case> cases;

  // --- Controls ------------------------------------------------------------
  cases.push_back({"control_delivered_over_tls",
                   [] { return GoodDelivery(); },
                   fake::ServerBehavior{}, Exited(0),
                   Expect(Exp::kDeliverTls, Pol::kRequireTls, SKind::kControl),
                   VerdictKind::kPass, {}, {"delivered the message over TLSv1.3"},
                   "", "", {}, ""});
  cases.push_back(
      {"control_handshake_failed_is_no_delivery",
       [] { return sessions::ControlHandshakeRefused().transcript; },
       fake::ServerBehavior{}, Exited(35),
       Expect(Exp::kDeliverTls, Pol::kRequireTls, SKind::kControl),
       VerdictKind::kFail, {"no-delivery-over-tls"},
       {"did not deliver the message over TLS",
        "the TLS handshake did not complete: peer sent alert fatal "
        "unknown_ca(48)",
        "exited with status 35"},
       "CA file", "RFC 3207", {}, ""});

  // --- 220 without a transition --------------------------------------------
  // The server says 220 and stays in plaintext; a secure client sends its
  // ClientHello, which the plaintext server frames as a junk "command", gets
  // a plaintext reply where a ServerHello belongs, and gives up.
  cases.push_back(
      {"no_transition_client_hello_is_not_a_plaintext_command",
       [] {
         ConnBuilder c(0);
         c.Ehlo(kPlainCaps).Starttls();
         c.SetPhase(fake::SessionPhase::kAfterStarttlsRefused,
                    fake::Channel::kPlaintext);
         // The framer cuts the binary record at LF bytes: later fragments
         // no longer start with the record header.
         c.Cmd(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc", 9));
         c.Cmd(std::string("\x08\x04\x08\t\x06\x01\x05\x01", 8));
         c.Reply("UNKNOWN", "500 5.5.2 Command not recognized");
         c.Close(fake::CloseKind::kClientFin);
         return TranscriptOf({c});
       },
       With([](fake::ConnectionBehavior& b) {
         b.after_starttls = fake::AfterStarttls::kStayPlaintext;
       }),
       Exited(35), Expect(Exp::kStaySecure), VerdictKind::kPass, {}, {}, "",
       "", {}, ""});
  cases.push_back(
      {"no_transition_plaintext_ehlo_fails",
       [] { return sessions::NoTransitionPlaintextEhlo().transcript; },
       With([](fake::ConnectionBehavior& b) {
         b.after_starttls = fake::AfterStarttls::kStayPlaintext;
       }),
       Exited(0), Expect(Exp::kStaySecure), VerdictKind::kFail,
       {"plaintext-after-starttls-accepted"}, {"EHLO client.test"}, "", "",
       {}, ""});

  // --- 530 diagnosis ---------------------------------------------------------
  auto never_starttls = [] { return sessions::NeverStarttls().transcript; };
  const fake::ServerBehavior require_tls =
      With([](fake::ConnectionBehavior& b) { b.require_tls = true; });
  cases.push_back(
      {"530_diagnosis_control", never_starttls, require_tls, Exited(1),
       Expect(Exp::kDeliverTls, Pol::kRequireTls, SKind::kControl),
       VerdictKind::kFail,
       {"never-issued-starttls", "plaintext-mail", "no-delivery-over-tls"},
       {"the client never issued STARTTLS; the server answered 530 5.7.0 Must "
        "issue a STARTTLS command first"},
       "enable STARTTLS (e.g. curl --ssl-reqd, smtplib starttls(), Postfix "
       "smtp_tls_security_level=encrypt)",
       "RFC 3207", {}, ""});
  cases.push_back({"530_diagnosis_opportunistic_is_note", never_starttls,
                   require_tls, Exited(1),
                   Expect(Exp::kUnrestricted, Pol::kOpportunistic),
                   VerdictKind::kPass, {}, {"pass"}, "", "",
                   {"never-issued-starttls", "plaintext-mail"},
                   "allowed by opportunistic policy"});

  // --- Stripping -----------------------------------------------------------
  cases.push_back(
      {"strip_credentials_leaked", [] { return StrippedAndLeaked(); },
       With([](fake::ConnectionBehavior& b) { b.capabilities = kStrippedCaps; }),
       Exited(0), Expect(Exp::kStaySecure), VerdictKind::kFail,
       {"plaintext-auth", "plaintext-message", "plaintext-mail"},
       {"sent AUTH PLAIN credentials in plaintext after STARTTLS was stripped "
        "from the EHLO reply (user=alice)"},
       "require STARTTLS and abort when the server does not offer it",
       "RFC 3207 §6", {}, ""});
  cases.push_back(
      {"strip_opportunistic_notes",
       [] { return StrippedAndLeaked(); },
       With([](fake::ConnectionBehavior& b) { b.capabilities = kStrippedCaps; }),
       Exited(0), Expect(Exp::kUnrestricted, Pol::kOpportunistic),
       VerdictKind::kPass, {},
       {"pass: delivered the message in plaintext, which opportunistic policy "
        "allows"},
       "", "", {"plaintext-auth", "plaintext-message", "plaintext-mail"},
       "delivered in plaintext after STARTTLS was stripped from the EHLO reply "
       "(allowed by opportunistic policy)"});
  cases.push_back(
      {"strip_client_quits",
       [] { return sessions::StrippedClientQuits().transcript; },
       With([](fake::ConnectionBehavior& b) { b.capabilities = kStrippedCaps; }),
       Exited(1), Expect(Exp::kStaySecure), VerdictKind::kPass, {},
       {"pass: sent no protected data in plaintext"}, "", "", {}, ""});
  cases.push_back(
      {"starttls_refused_454_then_mail",
       [] { return sessions::RefusedThenMail().transcript; },
       With([](fake::ConnectionBehavior& b) {
         b.starttls_reply = "454 4.7.0 TLS not available\r\n";
       }),
       Exited(0), Expect(Exp::kStaySecure), VerdictKind::kFail,
       {"plaintext-mail"},
       {"sent \"MAIL FROM:<alice@client.test>\" in plaintext after the server "
        "refused STARTTLS with 454"},
       "other than 220 as fatal", "CVE-2016-0772", {}, ""});
  cases.push_back(
      {"helo_downgrade",
       [] { return sessions::HeloDowngrade().transcript; },
       With([](fake::ConnectionBehavior& b) { b.refuse_ehlo = true; }),
       Exited(0), Expect(Exp::kStayEncrypted, Pol::kRequireTlsNoVerify),
       VerdictKind::kFail, {"plaintext-mail"},
       {"after falling back to HELO when EHLO was refused"}, "", "",
       {"helo-fallback"}, ""});
  cases.push_back(
      {"fallback_to_new_plaintext_connection",
       [] { return sessions::FallbackToNewConnection().transcript; },
       With([](fake::ConnectionBehavior& b) {
         b.cert = pki::CertProfile::kSelfSigned;
       }),
       Exited(0), Expect(Exp::kStaySecure), VerdictKind::kFail,
       {"plaintext-auth"},
       {"on a new connection after STARTTLS on connection 0", "user=alice"},
       "never fall back to plaintext", "", {}, ""});

  // --- Certificates ----------------------------------------------------------
  const fake::ServerBehavior expired = With(
      [](fake::ConnectionBehavior& b) { b.cert = pki::CertProfile::kExpired; });
  // The recorded chain (profile expired, flaw expired) is in the session.
  auto closes_after_handshake = [] {
    return sessions::ExpiredClosedAfterHandshake().transcript;
  };
  auto ehlo_inside_bad_tls = [] {
    return sessions::ExpiredEhloInside().transcript;
  };
  cases.push_back({"cert_expired_client_closes_after_handshake",
                   closes_after_handshake, expired, Exited(60),
                   Expect(Exp::kStaySecure), VerdictKind::kPass, {},
                   {"pass: refused the TLS session with a certificate that is expired"},
                   "", "", {"refused-after-handshake"}, "closed without"});
  cases.push_back({"cert_expired_client_sends_ehlo", ehlo_inside_bad_tls,
                   expired, Exited(0), Expect(Exp::kStaySecure),
                   VerdictKind::kFail, {"accepted-bad-certificate"},
                   {"went on inside a TLS session with a certificate that is expired",
                    "\"EHLO client.test\""},
                   "verify the certificate chain and host name before sending "
                   "anything",
                   "RFC 6125", {}, ""});
  cases.push_back({"cert_not_judged_under_no_verify", ehlo_inside_bad_tls,
                   expired, Exited(0),
                   Expect(Exp::kStayEncrypted, Pol::kRequireTlsNoVerify),
                   VerdictKind::kPass, {}, {"pass"}, "", "",
                   {"accepted-bad-certificate"},
                   "not judged under require-tls-no-verify policy"});
  cases.push_back(
      {"tls11_accepted", [] { return sessions::Tls11Accepted().transcript; },
       With([](fake::ConnectionBehavior& b) {
         b.tls_versions = fake::TlsVersions::kTls11Only;
       }),
       Exited(0), Expect(Exp::kStaySecure), VerdictKind::kFail,
       {"accepted-weak-tls"}, {"using TLSv1.1"}, "TLS 1.2 or later", "RFC 8996",
       {}, ""});
  cases.push_back(
      {"null_cipher_fails_even_stay_encrypted",
       [] {
         ConnBuilder c(0);
         c.Ehlo(kPlainCaps).Starttls().HandshakeDone("TLSv1.2", "NULL-SHA256");
         c.Ehlo(kTlsCaps).Close(fake::CloseKind::kClientFin);
         return TranscriptOf({c});
       },
       With([](fake::ConnectionBehavior& b) {
         b.cipher_policy = fake::CipherPolicy::kWeakOnly;
       }),
       Exited(0), Expect(Exp::kStayEncrypted, Pol::kRequireTlsNoVerify),
       VerdictKind::kFail, {"accepted-weak-tls"},
       {"the NULL suite NULL-SHA256 (no encryption)"}, "", "", {}, ""});

  // --- Injection -------------------------------------------------------------
  const std::string injected = "250-evil.example\r\n250 AUTH PLAIN\r\n";
  const fake::ServerBehavior inject_and_ignore =
      With([&](fake::ConnectionBehavior& b) {
        b.inject_after_starttls_reply = injected;
        b.ignore_ehlo_in_tls = true;
        b.tls_capabilities = kStrippedCaps;
      });
  cases.push_back(
      {"injection_acted_on",
       [] { return sessions::InjectionActedOn().transcript; },
       inject_and_ignore, Exited(0), Expect(Exp::kUnrestricted,
                                            Pol::kOpportunistic),
       VerdictKind::kFail, {"acted-on-injected-bytes"},
       {"\"AUTH PLAIN AGFsaWNlAHNlY3JldA==\" inside TLS before the server had "
        "answered its EHLO",
        "it took the reply from bytes the server injected"},
       "discard buffered bytes at the TLS switch", "CVE-2021-22947", {}, ""});
  cases.push_back(
      {"injection_ignored_client_waits_then_quits",
       [] { return sessions::InjectionIgnoredThenQuit().transcript; },
       inject_and_ignore, Exited(1), Expect(Exp::kStaySecure),
       VerdictKind::kPass, {}, {"pass"}, "", "", {}, ""});
  cases.push_back(
      {"injection_harmless_when_client_rereads",
       [] { return sessions::InjectionHarmless().transcript; },
       With([&](fake::ConnectionBehavior& b) {
         b.inject_after_starttls_reply = injected;
       }),
       Exited(0), Expect(Exp::kStaySecure), VerdictKind::kPass, {}, {"pass"},
       "", "", {}, ""});
  // curl CVE-2021-22947 shape: 454 plus a pipelined fake dialogue; the
  // client (opportunistic) goes on in plaintext and sends everything at once.
  const std::string curl_injected =
      "235 Authenticated\r\n250 2.1.0 Sender ok\r\n250 2.1.5 Recipient "
      "ok\r\n354 Enter mail\r\n250 2.0.0 Accepted";
  cases.push_back(
      {"curl_cve_2021_22947_shape",
       [] { return sessions::CurlInjectionShape().transcript; },
       With([&](fake::ConnectionBehavior& b) {
         b.starttls_reply = "454 currently unavailable\r\n";
         b.inject_after_starttls_reply = curl_injected;
       }),
       Exited(0), Expect(Exp::kUnrestricted, Pol::kOpportunistic),
       VerdictKind::kFail, {"acted-on-injected-bytes"},
       {"the message body in plaintext before the server's 354 reply to DATA"},
       "", "CVE-2021-22947", {"plaintext-message"}, ""});
  cases.push_back(
      {"proceeded_without_reply_no_injection",
       [] { return sessions::ProceededWithoutReply().transcript; },
       With([](fake::ConnectionBehavior& b) { b.ignore_ehlo_in_tls = true; }),
       Exited(0), Expect(Exp::kStaySecure), VerdictKind::kFail,
       {"proceeded-without-reply"},
       // Never answered: see EhloWithheldIsNeverAnswered below.
       {"before the server had answered its EHLO"},
       "", "RFC 2920", {}, ""});

  // --- Protocol rules --------------------------------------------------------
  cases.push_back(
      {"starttls_pipelining",
       [] { return sessions::StarttlsPipelining().transcript; },
       fake::ServerBehavior{}, Exited(1),
       Expect(Exp::kUnrestricted, Pol::kOpportunistic), VerdictKind::kFail,
       {"starttls-pipelining"},
       {"sent \"EHLO client.test\\r\\n\" right after STARTTLS, before the "
        "server's reply"},
       "send STARTTLS alone", "RFC 3207 §4", {}, ""});
  cases.push_back(
      {"starttls_inside_tls",
       [] { return sessions::StarttlsInsideTls().transcript; },
       fake::ServerBehavior{}, Exited(1), Expect(Exp::kStaySecure),
       VerdictKind::kFail, {"starttls-inside-tls"},
       {"sent STARTTLS again inside the TLS session"}, "", "RFC 3207 §4.2",
       {}, ""});
  // AUTH PLAIN after the real EHLO reply inside TLS, which did not offer
  // it: the client may simply always use PLAIN. No proof it reused the
  // plaintext list: a note, not a failure.
  cases.push_back(
      {"stale_auth_after_tls_ehlo_reply_is_a_note",
       [] { return sessions::StaleAuthAfterTlsEhloReply().transcript; },
       fake::ServerBehavior{}, Exited(0), Expect(Exp::kStaySecure),
       VerdictKind::kPass, {}, {"pass"}, "", "", {"capability-not-offered"},
       "AUTH PLAIN used though the EHLO reply inside TLS did not offer it"});
  // AUTH read before the EHLO reply inside TLS was written: the plaintext
  // list is the only one it can have used.
  cases.push_back(
      {"stale_auth_before_tls_ehlo_reply_fails",
       [] { return sessions::StaleAuthBeforeTlsEhloReply().transcript; },
       fake::ServerBehavior{}, Exited(0), Expect(Exp::kStaySecure),
       VerdictKind::kFail, {"proceeded-without-reply", "stale-capabilities"},
       {"before the server had answered its EHLO"},
       "", "", {}, ""});
  // A MAIL parameter of an extension that only the plaintext list offered
  // (BODY=8BITMIME, RFC 6152 §3), sent after the in-TLS EHLO reply that did
  // not offer it: no configuration makes a conformant client send it, so it
  // was chosen from the attacker's list -- proof by value.
  cases.push_back(
      {"stale_mail_parameter_after_tls_ehlo_reply_fails",
       [] {
         ConnBuilder c(0);
         c.Ehlo({"8BITMIME", "AUTH PLAIN", "STARTTLS"})
             .Starttls()
             .HandshakeDone()
             .ServedChain("valid");
         c.Ehlo({"AUTH LOGIN"}).Cmd("MAIL FROM:<alice@client.test> BODY=8BITMIME");
         c.Close(fake::CloseKind::kClientTlsClose);
         return TranscriptOf({c});
       },
       fake::ServerBehavior{}, Exited(0), Expect(Exp::kStaySecure),
       VerdictKind::kFail, {"stale-capabilities"}, {"8BITMIME"}, "", "", {},
       ""});
  // The disagreement class the issue names: a client configured to always
  // send AUTH PLAIN waits for the real EHLO reply inside TLS; injected bytes
  // had offered PLAIN. Nothing proves it read them: a note.
  cases.push_back(
      {"always_auth_plain_after_injection_is_a_note",
       [] { return sessions::AlwaysAuthPlainAfterInjection().transcript; },
       fake::ServerBehavior{}, Exited(0), Expect(Exp::kStaySecure),
       VerdictKind::kPass, {}, {"pass"}, "", "", {"capability-not-offered"},
       "AUTH PLAIN used though the EHLO reply inside TLS did not offer it"});
  // The value proof: a mechanism on no standard list, offered only by the
  // injected bytes, can only have been read from them.
  cases.push_back(
      {"unguessable_injected_mechanism_is_proof",
       [] { return sessions::UnguessableInjectedMechanism().transcript; },
       fake::ServerBehavior{}, Exited(0), Expect(Exp::kStaySecure),
       VerdictKind::kFail, {"acted-on-injected-bytes"},
       {"used AUTH XGAUNTLET inside TLS, a value on no standard list"}, "",
       "CVE-2021-22947", {}, ""});

  // --- Same connection after a TLS failure -----------------------------------
  cases.push_back(
      {"same_connection_after_rejecting_certificate",
       [] { return sessions::SameConnectionAfterRejectingCertificate().transcript; },
       With([](fake::ConnectionBehavior& b) {
         b.cert = pki::CertProfile::kUnknownRoot;
       }),
       Exited(0), Expect(Exp::kUnrestricted, Pol::kOpportunistic),
       VerdictKind::kPass, {}, {"pass"}, "", "", {"plaintext-auth"},
       "after rejecting the certificate, sent AUTH PLAIN in plaintext on the "
       "same connection (user=alice)"});
  cases.push_back(
      {"same_connection_after_handshake_failure",
       [] { return sessions::SameConnectionAfterHandshakeFailure().transcript; },
       With([](fake::ConnectionBehavior& b) {
         b.tls_versions = fake::TlsVersions::kTls11Only;
       }),
       Exited(0), Expect(Exp::kStaySecure), VerdictKind::kFail,
       {"plaintext-auth"},
       {"after the TLS handshake failed (TLS failed during the handshake: "
        "can't match cipher suite (-501); we sent alert fatal "
        "handshake_failure(40)), sent AUTH PLAIN in plaintext on the same "
        "connection (user=alice)"},
       "never fall back to plaintext", "", {}, ""});
  cases.push_back(
      {"same_connection_after_454_keeps_refusal_wording",
       [] { return sessions::AuthAfter454().transcript; },
       fake::ServerBehavior{}, Exited(0), Expect(Exp::kStaySecure),
       VerdictKind::kFail, {"plaintext-auth"},
       {"after the server refused STARTTLS with 454", "user=alice"}, "", "",
       {}, ""});

  // --- Waiting is not hanging ------------------------------------------------
  cases.push_back(
      {"waiting_for_withheld_reply_is_gave_up_late",
       // Still open: as if the transcript were taken before the stop.
       [] {
         return sessions::StillOpen(
             sessions::WaitingForWithheldEhlo().transcript);
       },
       fake::ServerBehavior{}, TimedOut(), Expect(Exp::kStaySecure),
       VerdictKind::kTimeout, {"gave-up-late"},
       {"waited", "for the reply to its EHLO inside TLS, which the server "
                  "withheld",
        "20 s limit"},
       "timeout on every reply", "RFC 5321 §4.5.3.2", {}, ""});
  cases.push_back(
      {"waiting_for_owed_reply_is_gave_up_late",
       [] {
         return sessions::StillOpen(sessions::OwedStarttlsReply().transcript);
       },
       fake::ServerBehavior{}, TimedOut(), Expect(Exp::kStaySecure),
       VerdictKind::kTimeout, {"gave-up-late"},
       {"for the reply to its STARTTLS", "still owed"}, "", "", {}, ""});
  cases.push_back(
      {"no_ehlo_after_tls",
       [] { return sessions::NoEhloAfterTls().transcript; },
       fake::ServerBehavior{}, Exited(0), Expect(Exp::kStaySecure),
       VerdictKind::kFail, {"no-ehlo-after-tls"},
       {"sent \"MAIL FROM:<alice@client.test>\" as its first command inside "
        "TLS without sending EHLO again"},
       "send EHLO as the first command", "RFC 3207 §4.2", {}, ""});
  cases.push_back(
      {"plaintext_after_220",
       [] { return sessions::PlaintextAfter220().transcript; },
       fake::ServerBehavior{}, Exited(1),
       Expect(Exp::kUnrestricted, Pol::kOpportunistic), VerdictKind::kFail,
       {"plaintext-after-starttls-accepted"},
       // The quoted line: see PlaintextAfter220QuotesTheLine below.
       {"instead of"}, "start the TLS handshake", "RFC 3207 §4", {}, ""});

  // --- Hangs, skips, harness faults, inconclusive ----------------------------
  auto stalled = [] {
    return sessions::StillOpen(sessions::StalledHandshake().transcript);
  };
  const fake::ServerBehavior stall = With([](fake::ConnectionBehavior& b) {
    b.handshake_fault = fake::HandshakeFault::kStall;
  });
  cases.push_back({"stalled_handshake_hang", stalled, stall, TimedOut(),
                   Expect(Exp::kStaySecure), VerdictKind::kTimeout, {"hang"},
                   {"the client waited forever on a stalled handshake; set a "
                    "handshake timeout"},
                   "handshake timeout", "", {}, ""});
  cases.push_back(
      {"hang_plus_leak_is_fail",
       [] { return sessions::StrippedLeakThenStopped().transcript; },
       With([](fake::ConnectionBehavior& b) { b.capabilities = kStrippedCaps; }),
       TimedOut(), Expect(Exp::kStaySecure), VerdictKind::kFail,
       {"plaintext-auth", "hang"}, {"user=alice"}, "", "", {}, ""});
  {
    ClientRun run = Exited(kUnsupportedExitCode);
    cases.push_back({"unsupported_skip",
                     [] { return fake::Transcript{}; }, fake::ServerBehavior{},
                     run, Expect(Exp::kStaySecure), VerdictKind::kSkip, {},
                     {"skip", "unsupported"}, "", "", {}, ""});
  }
  cases.push_back({"never_connected_inconclusive",
                   [] { return fake::Transcript{}; }, fake::ServerBehavior{},
                   Exited(7), Expect(Exp::kStaySecure),
                   VerdictKind::kInconclusive, {}, {"never connected"}, "", "",
                   {}, ""});
  {
    JudgeInput in = Expect(Exp::kStaySecure);
    in.controls_failed = true;
    cases.push_back({"controls_failed_makes_pass_inconclusive",
                     closes_after_handshake, expired, Exited(60), in,
                     VerdictKind::kInconclusive, {},
                     {"failed the control scenarios"}, "", "", {}, ""});
    cases.push_back({"controls_failed_keeps_fail", ehlo_inside_bad_tls,
                     expired, Exited(0), in, VerdictKind::kFail,
                     {"accepted-bad-certificate"}, {"expired"}, "", "", {}, ""});
  }
  {
    JudgeInput in = Expect(Exp::kStaySecure);
    in.harness_status = absl::InternalError("fake server failed to bind");
    cases.push_back({"harness_error_is_error",
                     [] { return StrippedAndLeaked(); },
                     fake::ServerBehavior{}, Exited(0), in, VerdictKind::kError,
                     {}, {"harness fault", "failed to bind"}, "", "", {}, ""});
  }
  {
    ClientRun run;
    run.ran = false;
    cases.push_back({"client_not_started_is_error",
                     [] { return fake::Transcript{}; }, fake::ServerBehavior{},
                     run, Expect(Exp::kStaySecure), VerdictKind::kError, {},
                     {"could not be started"}, "", "", {}, ""});
  }
  return cases;
}

class VerdictTableTest : public ::testing::TestWithParam<Case> {};

TEST_P(VerdictTableTest, JudgesAsExpected) {
  const Case& c = GetParam();
  const Observations obs = ObserveRun(c.transcript(), c.run);
  const Verdict v = Judge(obs, c.input);
  SCOPED_TRACE(v.summary);
  EXPECT_EQ(VerdictName(v.verdict), VerdictName(c.want));
  std::vector<std::string> rules;
  for (const Violation& violation : v.violations) {
    rules.push_back(violation.rule);
    // Every violation is complete and names a known rule.
    EXPECT_NE(FindRule(violation.rule), nullptr) << violation.rule;
    EXPECT_FALSE(violation.sentence.empty());
    EXPECT_FALSE(violation.fix.empty());
    EXPECT_FALSE(violation.reference.empty());
  }
  EXPECT_EQ(rules, c.want_rules);
  const std::string text =
      v.violations.empty() ? v.summary : v.violations[0].sentence;
  for (const std::string& want : c.want_text) {
    EXPECT_THAT(text, HasSubstr(want));
  }
  if (!c.want_fix.empty()) {
    ASSERT_FALSE(v.violations.empty());
    EXPECT_THAT(v.violations[0].fix, HasSubstr(c.want_fix));
  }
  if (!c.want_reference.empty()) {
    ASSERT_FALSE(v.violations.empty());
    EXPECT_THAT(v.violations[0].reference, HasSubstr(c.want_reference));
  }
  for (const std::string& id : c.want_notes) {
    EXPECT_TRUE(std::any_of(v.notes.begin(), v.notes.end(),
                            [&](const Note& n) { return n.rule == id; }))
        << "missing note " << id;
  }
  if (!c.want_note_text.empty()) {
    EXPECT_TRUE(std::any_of(v.notes.begin(), v.notes.end(),
                            [&](const Note& n) {
                              return n.text.find(c.want_note_text) !=
                                     std::string::npos;
                            }))
        << "no note says: " << c.want_note_text;
  }
  // The summary starts with the verdict's name.
  EXPECT_EQ(v.summary.rfind(std::string(VerdictName(v.verdict)) + ":", 0), 0u)
      << v.summary;
  if (v.verdict == VerdictKind::kFail) {
    EXPECT_THAT(v.summary, HasSubstr("[" + v.violations[0].rule + "]"));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Families, VerdictTableTest, ::testing::ValuesIn(Cases()),
    [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

// The real server records plaintext sent after its 220 (instead of a
// ClientHello) in phase after-tls-failure, once it has found the handshake
// not TLS (server_records_test.cc, plaintext_after_220), never in phase
// handshake; the sentence must still quote the line.
TEST(VerdictSentenceTest, PlaintextAfter220QuotesTheLine) {
  const Verdict v =
      Judge(ObserveRun(sessions::PlaintextAfter220().transcript, Exited(1)),
            Expect(Exp::kUnrestricted, Pol::kOpportunistic));
  ASSERT_FALSE(v.violations.empty());
  EXPECT_EQ(v.violations[0].rule, "plaintext-after-starttls-accepted");
  EXPECT_THAT(v.violations[0].sentence, HasSubstr("\"EHLO client.test\""));
}

// The real server answers the MAIL a client sends after its withheld EHLO
// (server_records_test.cc, proceeded_without_reply). ReplyTimeAfter
// must not take the MAIL's reply for the EHLO's: the server recorded the
// EHLO's as withheld (kReplyWithheld), so it was never answered.
TEST(VerdictSentenceTest, EhloWithheldIsNeverAnswered) {
  const Verdict v = Judge(
      ObserveRun(sessions::ProceededWithoutReply().transcript, Exited(0)),
      Expect(Exp::kStaySecure));
  ASSERT_FALSE(v.violations.empty());
  EXPECT_EQ(v.violations[0].rule, "proceeded-without-reply");
  EXPECT_THAT(v.violations[0].sentence,
              HasSubstr("the server never answered it"));
}

// A client the runner stops at the limit dies, and the kernel closes its
// socket: the server records FIN (tls-truncated inside TLS) after the stop
// (server_records_test.cc; a real run of proto/ehlo-in-tls-unanswered with
// gauntlet-client --flaw no-timeout and --timeout 4s records
// close=tls-truncated 13 ms after the kill). A close at or after the limit
// on the server's clock may be the stop's, so the patient client gets
// gave-up-late, not hang.
TEST(VerdictWaitingTest, WaitingKilledAtTheLimitIsGaveUpLate) {
  const sessions::Session s = sessions::WaitingForWithheldEhlo();
  const Verdict v = Judge(ObserveRun(s.transcript, StoppedBeforeClose(s.transcript)),
                          Expect(Exp::kStaySecure));
  EXPECT_EQ(v.verdict, VerdictKind::kTimeout);
  ASSERT_EQ(v.violations.size(), 1u);
  EXPECT_EQ(v.violations[0].rule, "gave-up-late");
}
TEST(VerdictWaitingTest, OwedReplyKilledAtTheLimitIsGaveUpLate) {
  const sessions::Session s = sessions::OwedStarttlsReply();
  const Verdict v = Judge(ObserveRun(s.transcript, StoppedBeforeClose(s.transcript)),
                          Expect(Exp::kStaySecure));
  ASSERT_EQ(v.violations.size(), 1u);
  EXPECT_EQ(v.violations[0].rule, "gave-up-late");
}
TEST(VerdictWaitingTest, StalledHandshakeKilledAtTheLimitNamesTheStall) {
  const sessions::Session s = sessions::StalledHandshake();
  const Verdict v = Judge(ObserveRun(s.transcript, StoppedBeforeClose(s.transcript)),
                          Expect(Exp::kStaySecure));
  ASSERT_EQ(v.violations.size(), 1u);
  EXPECT_EQ(v.violations[0].rule, "hang");
  EXPECT_THAT(v.violations[0].sentence,
              HasSubstr("waited forever on a stalled handshake"));
}
// The other way round: a client that closed its connection on its own a
// second before the stop was no longer waiting for anything; that it then
// ran on until the limit is a hang.
TEST(VerdictWaitingTest, ClosedBeforeTheStopAndStillRunningIsHang) {
  const sessions::Session s = sessions::WaitingForWithheldEhlo();
  const Verdict v = Judge(
      ObserveRun(s.transcript, StoppedBeforeClose(s.transcript, -1'000'000)),
      Expect(Exp::kStaySecure));
  ASSERT_EQ(v.violations.size(), 1u);
  EXPECT_EQ(v.violations[0].rule, "hang");
}

// Flakiness is a bug: the same inputs give the same verdict, and the order
// the server's snapshot lists connections in does not matter.
TEST(VerdictDeterminismTest, SameInputsSameVerdictWhateverConnectionOrder) {
  ConnBuilder a(0, 1000);
  a.Ehlo(kStrippedCaps).AuthPlain("alice", "secret").SendMessage();
  a.Close(fake::CloseKind::kClientFin);
  ConnBuilder b(1, 200000);
  b.Ehlo(kStrippedCaps).AuthPlain("carol", "pw").Cmd("MAIL FROM:<c@x>");
  b.Close(fake::CloseKind::kClientFin);
  const fake::ServerBehavior beh = With(
      [](fake::ConnectionBehavior& c) { c.capabilities = kStrippedCaps; });
  const JudgeInput in = Expect(Exp::kStaySecure);
  const Verdict first =
      Judge(ObserveRun(TranscriptOf({a, b}), Exited(0)), in);
  const Verdict again =
      Judge(ObserveRun(TranscriptOf({a, b}), Exited(0)), in);
  const Verdict swapped =
      Judge(ObserveRun(TranscriptOf({b, a}), Exited(0)), in);
  auto flatten = [](const Verdict& v) {
    std::string s = std::string(VerdictName(v.verdict)) + "|" + v.summary;
    for (const Violation& x : v.violations) {
      s += "|" + x.rule + "@" + std::to_string(x.evidence.connection) + ":" +
           x.sentence;
    }
    return s;
  };
  EXPECT_EQ(flatten(first), flatten(again));
  EXPECT_EQ(flatten(first), flatten(swapped));
  // One violation per rule and connection, ordered by rule then connection.
  std::vector<std::string> got;
  for (const Violation& x : first.violations) {
    got.push_back(x.rule + "@" + std::to_string(x.evidence.connection));
  }
  EXPECT_EQ(got, (std::vector<std::string>{
                     "plaintext-auth@0", "plaintext-auth@1",
                     "plaintext-message@0", "plaintext-mail@0",
                     "plaintext-mail@1"}));
  EXPECT_THAT(first.violations[1].sentence, HasSubstr("user=carol"));
}

TEST(VerdictNamesTest, RoundTrip) {
  for (VerdictKind k : {VerdictKind::kPass, VerdictKind::kFail,
                        VerdictKind::kSkip, VerdictKind::kInconclusive,
                        VerdictKind::kTimeout, VerdictKind::kError}) {
    EXPECT_EQ(VerdictFromName(VerdictName(k)), k);
  }
  EXPECT_EQ(VerdictName(VerdictKind::kPass), "pass");
  EXPECT_EQ(VerdictName(VerdictKind::kInconclusive), "inconclusive");
  EXPECT_FALSE(VerdictFromName("PASS").has_value());
}

TEST(RulesTest, IdsAreUniqueAndComplete) {
  std::vector<std::string> ids;
  for (const Rule& rule : AllRules()) {
    ids.emplace_back(rule.id);
    EXPECT_FALSE(rule.description.empty()) << rule.id;
    EXPECT_FALSE(rule.fix.empty()) << rule.id;
    EXPECT_FALSE(rule.reference.empty()) << rule.id;
    EXPECT_EQ(FindRule(rule.id), &rule);
  }
  std::vector<std::string> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end());
  EXPECT_EQ(FindRule("no-such-rule"), nullptr);
  for (const char* required :
       {"plaintext-auth", "plaintext-mail", "plaintext-message",
        "accepted-bad-certificate", "accepted-weak-tls",
        "acted-on-injected-bytes", "starttls-pipelining", "starttls-inside-tls",
        "stale-capabilities", "no-ehlo-after-tls", "hang",
        "no-delivery-over-tls", "never-issued-starttls"}) {
    EXPECT_NE(FindRule(required), nullptr) << required;
  }
}

}  // namespace
}  // namespace gauntlet::verdict
