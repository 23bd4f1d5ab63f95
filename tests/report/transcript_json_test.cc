// Transcripts and whole reports written as JSON and read back: every field
// the writer writes comes back equal (times to the microsecond, bytes
// exactly), every enum value by its name, and a bad document is refused
// with the file name and the JSON pointer of the bad field.

#include "harness/report/transcript_json.h"

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/report/json_report.h"
#include "nlohmann/json.hpp"

namespace gauntlet::report {
namespace {

using ::testing::HasSubstr;

// Every byte value, CR LF, TAB, backslash and non-UTF-8 included.
std::string AllBytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
  return s;
}

fake::SmtpEvent Event(fake::SmtpEvent::Kind kind, int64_t t_us) {
  fake::SmtpEvent e;
  e.kind = kind;
  e.t_us = t_us;
  e.phase = fake::SessionPhase::kTls;
  e.channel = fake::Channel::kTlsApp;
  e.verb = "EHLO";
  e.text = "text \t\\ \x01\xff";
  return e;
}

// A transcript in which every field the writer writes has a value other
// than its default, and every enum value occurs somewhere.
fake::Transcript FullTranscript() {
  fake::Transcript t;
  const std::vector<fake::SessionPhase> phases = {
      fake::SessionPhase::kPlaintext,
      fake::SessionPhase::kAfterStarttlsCommand,
      fake::SessionPhase::kAfterStarttlsRefused,
      fake::SessionPhase::kHandshake,
      fake::SessionPhase::kTls,
      fake::SessionPhase::kAfterTlsFailure};
  const std::vector<fake::Channel> channels = {fake::Channel::kPlaintext,
                                               fake::Channel::kTlsRecords,
                                               fake::Channel::kTlsApp};
  const std::vector<fake::HandshakeOutcome> outcomes = {
      fake::HandshakeOutcome::kNotAttempted,
      fake::HandshakeOutcome::kNoClientHello,
      fake::HandshakeOutcome::kNotTls,
      fake::HandshakeOutcome::kCompleted,
      fake::HandshakeOutcome::kFailed,
      fake::HandshakeOutcome::kFaultInjected,
      fake::HandshakeOutcome::kClientClosed};
  const std::vector<fake::CloseKind> closes = {
      fake::CloseKind::kOpen,          fake::CloseKind::kClientFin,
      fake::CloseKind::kClientReset,   fake::CloseKind::kClientTlsClose,
      fake::CloseKind::kTlsTruncated,  fake::CloseKind::kServerClosed,
      fake::CloseKind::kServerTimeout, fake::CloseKind::kServerStopped};
  const std::vector<fake::TlsFault> faults = {
      fake::TlsFault::kCloseBeforeHandshake,
      fake::TlsFault::kResetBeforeHandshake,
      fake::TlsFault::kStall,
      fake::TlsFault::kPlaintextInsteadOfServerHello,
      fake::TlsFault::kFatalAlert,
      fake::TlsFault::kPartialFlightThenClose,
      fake::TlsFault::kCloseAfterHandshake};
  const std::vector<fake::FaultPoint> points = {
      fake::FaultPoint::kBeforeClientHello, fake::FaultPoint::kAfterClientHello,
      fake::FaultPoint::kInFirstFlight, fake::FaultPoint::kAfterHandshake};
  const std::vector<fake::SmtpEvent::Kind> kinds = {
      fake::SmtpEvent::Kind::kCommand,
      fake::SmtpEvent::Kind::kReply,
      fake::SmtpEvent::Kind::kAuthData,
      fake::SmtpEvent::Kind::kCredentials,
      fake::SmtpEvent::Kind::kMessage,
      fake::SmtpEvent::Kind::kBadLine,
      fake::SmtpEvent::Kind::kInjected,
      fake::SmtpEvent::Kind::kReplyWithheld,
      fake::SmtpEvent::Kind::kReplyDelayed};

  // One connection per close kind (the largest enum over connections).
  for (std::size_t i = 0; i < closes.size(); ++i) {
    fake::ConnectionTranscript c;
    c.index = static_cast<int>(i);
    c.accepted_us = 1000 + static_cast<int64_t>(i);
    c.closed_us = i == 0 ? -1 : 987654321 + static_cast<int64_t>(i);
    c.close = closes[i];
    c.bytes_after_starttls = "EHLO x\r\n\x16\x03\x01";
    fake::TlsFacts& tls = c.tls;
    tls.outcome = outcomes[i % outcomes.size()];
    if (i % 2 == 0) {
      fake::ClientHelloFacts hello;
      hello.sni = "mail.example.test";
      hello.offered_versions = {"TLSv1.3", "TLSv1.2"};
      hello.offered_suites = {"TLS_AES_128_GCM_SHA256", "0x1234"};
      tls.client_hello = hello;
      tls.server_versions = {fake::TlsVersion::kSsl3, fake::TlsVersion::kTls10,
                             fake::TlsVersion::kTls11, fake::TlsVersion::kTls12,
                             fake::TlsVersion::kTls13};
      tls.server_ciphers =
          i % 4 == 0 ? fake::CipherSet::kModern : fake::CipherSet::kWeakOnly;
      fake::ServedCertificate cert;
      cert.profile = "expired";
      cert.flaws = {fake::CertFlaw::kExpired,
                    fake::CertFlaw::kNotYetValid,
                    fake::CertFlaw::kNameMismatch,
                    fake::CertFlaw::kSelfSigned,
                    fake::CertFlaw::kUntrustedRoot,
                    fake::CertFlaw::kMissingIntermediate,
                    fake::CertFlaw::kCommonNameOnly,
                    fake::CertFlaw::kLeafIsCa,
                    fake::CertFlaw::kIntermediateNotCa,
                    fake::CertFlaw::kWrongEku,
                    fake::CertFlaw::kWeakKey,
                    fake::CertFlaw::kSha1Signature,
                    fake::CertFlaw::kExpiredIntermediate};
      cert.names = {"localhost", "wrong.example"};
      cert.key_type = "rsa-1024";
      cert.key_bits = 1024;
      cert.signature = "sha1";
      cert.t_us = 4242;
      tls.certificate = cert;
    }
    if (i < faults.size()) {
      fake::InjectedFault fault;
      fault.kind = faults[i];
      fault.where = points[i % points.size()];
      fault.t_us = 5000 + static_cast<int64_t>(i);
      fault.detail = "sent 64 of the 1234 bytes";
      tls.fault = fault;
    }
    tls.failure = "bad certificate";
    tls.version = "TLSv1.3";
    tls.cipher = "TLS_AES_128_GCM_SHA256";
    tls.alerts_received = {"fatal bad_certificate"};
    tls.alerts_sent = {"fatal handshake_failure", "warning close_notify"};
    tls.handshake_done_us = i == 1 ? -1 : 123456;
    for (std::size_t p = 0; p < phases.size(); ++p) {
      c.tls_records_in_plaintext.push_back(
          {static_cast<int64_t>(p * 7), phases[p]});
    }
    for (std::size_t k = 0; k < kinds.size(); ++k) {
      fake::SmtpEvent e = Event(kinds[k], 100 * static_cast<int64_t>(k) + 1);
      e.phase = phases[(i + k) % phases.size()];
      e.channel = channels[k % channels.size()];
      switch (kinds[k]) {
        case fake::SmtpEvent::Kind::kReply:
          e.reply_code = 250;
          break;
        case fake::SmtpEvent::Kind::kCommand:
        case fake::SmtpEvent::Kind::kAuthData:
        case fake::SmtpEvent::Kind::kBadLine:
          e.read_us = 99 + static_cast<int64_t>(k);
          break;
        case fake::SmtpEvent::Kind::kMessage:
          e.read_us = 77;
          e.message_size = 1ull << 40;
          e.message_subject = "Subject \xe2\x82\xac \x80";
          break;
        case fake::SmtpEvent::Kind::kCredentials:
          // The password is not written (a report is often pasted into bug
          // trackers): it does not come back.
          e.credentials = fake::Credentials{"PLAIN", "alice\x01", ""};
          break;
        case fake::SmtpEvent::Kind::kReplyDelayed:
          e.delay_us = 3'000'001;
          break;
        case fake::SmtpEvent::Kind::kInjected:
          e.text = "250-AUTH PLAIN\r\n";
          break;
        case fake::SmtpEvent::Kind::kReplyWithheld:
          break;
      }
      c.events.push_back(e);
    }
    for (std::size_t w = 0; w < channels.size(); ++w) {
      fake::WireChunk chunk;
      chunk.t_us = 31 * static_cast<int64_t>(w) + static_cast<int64_t>(i);
      chunk.direction = w % 2 == 0 ? fake::Direction::kClientToServer
                                   : fake::Direction::kServerToClient;
      chunk.channel = channels[w];
      chunk.phase = phases[(i + w) % phases.size()];
      chunk.bytes = AllBytes();
      c.wire.push_back(chunk);
    }
    t.connections.push_back(std::move(c));
  }
  return t;
}

void ExpectSameEvent(const fake::SmtpEvent& a, const fake::SmtpEvent& b,
                     const std::string& where) {
  EXPECT_EQ(a.kind, b.kind) << where;
  EXPECT_EQ(a.t_us, b.t_us) << where;
  EXPECT_EQ(a.read_us, b.read_us) << where;
  EXPECT_EQ(a.phase, b.phase) << where;
  EXPECT_EQ(a.channel, b.channel) << where;
  EXPECT_EQ(a.verb, b.verb) << where;
  EXPECT_EQ(a.text, b.text) << where;
  EXPECT_EQ(a.reply_code, b.reply_code) << where;
  ASSERT_EQ(a.credentials.has_value(), b.credentials.has_value()) << where;
  if (a.credentials.has_value()) {
    EXPECT_EQ(a.credentials->mechanism, b.credentials->mechanism) << where;
    EXPECT_EQ(a.credentials->user, b.credentials->user) << where;
    EXPECT_EQ(a.credentials->password, b.credentials->password) << where;
  }
  EXPECT_EQ(a.message_size, b.message_size) << where;
  EXPECT_EQ(a.message_subject, b.message_subject) << where;
  EXPECT_EQ(a.delay_us, b.delay_us) << where;
}

void ExpectSameTls(const fake::TlsFacts& a, const fake::TlsFacts& b,
                   const std::string& where) {
  ASSERT_EQ(a.client_hello.has_value(), b.client_hello.has_value()) << where;
  if (a.client_hello.has_value()) {
    EXPECT_EQ(a.client_hello->sni, b.client_hello->sni) << where;
    EXPECT_EQ(a.client_hello->offered_versions,
              b.client_hello->offered_versions)
        << where;
    EXPECT_EQ(a.client_hello->offered_suites, b.client_hello->offered_suites)
        << where;
  }
  EXPECT_EQ(a.server_versions, b.server_versions) << where;
  EXPECT_EQ(a.server_ciphers, b.server_ciphers) << where;
  ASSERT_EQ(a.certificate.has_value(), b.certificate.has_value()) << where;
  if (a.certificate.has_value()) {
    EXPECT_EQ(a.certificate->profile, b.certificate->profile) << where;
    EXPECT_EQ(a.certificate->flaws, b.certificate->flaws) << where;
    EXPECT_EQ(a.certificate->names, b.certificate->names) << where;
    EXPECT_EQ(a.certificate->key_type, b.certificate->key_type) << where;
    EXPECT_EQ(a.certificate->key_bits, b.certificate->key_bits) << where;
    EXPECT_EQ(a.certificate->signature, b.certificate->signature) << where;
    EXPECT_EQ(a.certificate->t_us, b.certificate->t_us) << where;
  }
  ASSERT_EQ(a.fault.has_value(), b.fault.has_value()) << where;
  if (a.fault.has_value()) {
    EXPECT_EQ(a.fault->kind, b.fault->kind) << where;
    EXPECT_EQ(a.fault->where, b.fault->where) << where;
    EXPECT_EQ(a.fault->t_us, b.fault->t_us) << where;
    EXPECT_EQ(a.fault->detail, b.fault->detail) << where;
  }
  EXPECT_EQ(a.outcome, b.outcome) << where;
  EXPECT_EQ(a.failure, b.failure) << where;
  EXPECT_EQ(a.version, b.version) << where;
  EXPECT_EQ(a.cipher, b.cipher) << where;
  EXPECT_EQ(a.alerts_received, b.alerts_received) << where;
  EXPECT_EQ(a.alerts_sent, b.alerts_sent) << where;
  EXPECT_EQ(a.handshake_done_us, b.handshake_done_us) << where;
}

void ExpectSameTranscript(const fake::Transcript& a,
                          const fake::Transcript& b) {
  ASSERT_EQ(a.connections.size(), b.connections.size());
  for (std::size_t i = 0; i < a.connections.size(); ++i) {
    const fake::ConnectionTranscript& x = a.connections[i];
    const fake::ConnectionTranscript& y = b.connections[i];
    const std::string where = "connection " + std::to_string(i);
    EXPECT_EQ(x.index, y.index) << where;
    EXPECT_EQ(x.accepted_us, y.accepted_us) << where;
    EXPECT_EQ(x.closed_us, y.closed_us) << where;
    EXPECT_EQ(x.close, y.close) << where;
    EXPECT_EQ(x.bytes_after_starttls, y.bytes_after_starttls) << where;
    ExpectSameTls(x.tls, y.tls, where);
    ASSERT_EQ(x.tls_records_in_plaintext.size(),
              y.tls_records_in_plaintext.size())
        << where;
    for (std::size_t r = 0; r < x.tls_records_in_plaintext.size(); ++r) {
      EXPECT_EQ(x.tls_records_in_plaintext[r].t_us,
                y.tls_records_in_plaintext[r].t_us)
          << where;
      EXPECT_EQ(x.tls_records_in_plaintext[r].phase,
                y.tls_records_in_plaintext[r].phase)
          << where;
    }
    ASSERT_EQ(x.events.size(), y.events.size()) << where;
    for (std::size_t e = 0; e < x.events.size(); ++e) {
      ExpectSameEvent(x.events[e], y.events[e],
                      where + " event " + std::to_string(e));
    }
    ASSERT_EQ(x.wire.size(), y.wire.size()) << where;
    for (std::size_t w = 0; w < x.wire.size(); ++w) {
      EXPECT_EQ(x.wire[w].t_us, y.wire[w].t_us) << where;
      EXPECT_EQ(x.wire[w].direction, y.wire[w].direction) << where;
      EXPECT_EQ(x.wire[w].channel, y.wire[w].channel) << where;
      EXPECT_EQ(x.wire[w].phase, y.wire[w].phase) << where;
      EXPECT_EQ(x.wire[w].bytes, y.wire[w].bytes) << where;
    }
  }
}

absl::StatusOr<fake::Transcript> RoundTrip(const fake::Transcript& t) {
  // Through text, as a file would carry it.
  const std::string text = TranscriptToJson(t).dump(
      2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  return TranscriptFromJson(nlohmann::json::parse(text), "t.json",
                            "/transcript");
}

TEST(TranscriptJson, EveryFieldRoundTrips) {
  const fake::Transcript t = FullTranscript();
  absl::StatusOr<fake::Transcript> back = RoundTrip(t);
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSameTranscript(t, *back);
}

TEST(TranscriptJson, LargeTimesComeBackToTheMicrosecond) {
  fake::Transcript t;
  fake::ConnectionTranscript c;
  for (const int64_t us :
       {int64_t{0}, int64_t{1}, int64_t{999}, int64_t{1'000'001},
        int64_t{86'400'000'000}, int64_t{999'999'999'999'999}}) {
    fake::WireChunk w;
    w.t_us = us;
    w.bytes = "x";
    c.wire.push_back(w);
  }
  t.connections.push_back(c);
  absl::StatusOr<fake::Transcript> back = RoundTrip(t);
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSameTranscript(t, *back);
}

// The JSON of FullTranscript with `edit` applied, read back.
absl::Status ReadEdited(const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json j = nlohmann::json::parse(
      TranscriptToJson(FullTranscript())
          .dump(-1, ' ', false,
                nlohmann::ordered_json::error_handler_t::replace));
  edit(j);
  return TranscriptFromJson(j, "t.json", "/results/3/transcript").status();
}

TEST(TranscriptJson, BadFieldsAreNamedByFileAndPointer) {
  struct Case {
    const char* name;
    std::function<void(nlohmann::json&)> edit;
    const char* want;
  };
  const std::vector<Case> cases = {
      {"unknown event kind",
       [](nlohmann::json& j) {
         j["connections"][0]["events"][2]["kind"] = "X";
       },
       "t.json: /results/3/transcript/connections/0/events/2/kind: unknown "
       "event kind \"X\""},
      {"missing field",
       [](nlohmann::json& j) { j["connections"][1]["tls"].erase("outcome"); },
       "t.json: /results/3/transcript/connections/1/tls/outcome: missing"},
      {"bad base64",
       [](nlohmann::json& j) {
         j["connections"][0]["wire"][1]["bytes_b64"] = "!!";
       },
       "/connections/0/wire/1/bytes_b64: not base64"},
      {"bad escape",
       [](nlohmann::json& j) {
         j["connections"][0]["events"][0]["text"] = "\\q";
       },
       "/connections/0/events/0/text:"},
      {"wrong type",
       [](nlohmann::json& j) { j["connections"][0]["index"] = "zero"; },
       "/connections/0/index: expected an integer, got string"},
      {"negative time",
       [](nlohmann::json& j) { j["connections"][0]["accepted_ms"] = -5; },
       "/connections/0/accepted_ms: milliseconds out of range"},
      {"huge time",
       [](nlohmann::json& j) { j["connections"][0]["accepted_ms"] = 1e300; },
       "/connections/0/accepted_ms: milliseconds out of range"},
      {"reply code out of range",
       [](nlohmann::json& j) {
         j["connections"][0]["events"][1]["reply_code"] = 1000;
       },
       "/connections/0/events/1/reply_code: out of range [0, 999]"},
      {"unknown flaw",
       [](nlohmann::json& j) {
         j["connections"][0]["tls"]["certificate"]["flaws"][3] = "ugly";
       },
       "/connections/0/tls/certificate/flaws/3: unknown certificate flaw"},
      {"unknown direction",
       [](nlohmann::json& j) { j["connections"][2]["wire"][0]["dir"] = "up"; },
       "/connections/2/wire/0/dir: unknown direction \"up\""},
      {"not an object", [](nlohmann::json& j) { j["connections"][0] = 7; },
       "/connections/0: expected an object, got number"},
  };
  for (const Case& c : cases) {
    const absl::Status s = ReadEdited(c.edit);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_THAT(std::string(s.message()), HasSubstr(c.want)) << c.name;
  }
}

// A whole report: the result fields `gauntlet judge` reads come back.
TEST(RunReportJson, ResultFieldsJudgeNeedsRoundTrip) {
  RunReport report;
  report.gauntlet_version = "9.9";
  report.client_name = "c";
  report.client_command = "c --x";
  report.policy = scenario::Policy::kOpportunistic;
  report.started = absl::FromUnixSeconds(1700000000);
  report.wall_us = 1234567;
  report.harness_cpu_us = 7654;
  report.jobs = 3;
  report.planned = 4;
  report.controls_failed = true;
  report.notes = {"a note"};
  report.fail_on = scenario::Severity::kMedium;
  ScenarioResult r;
  r.scenario_id = "cert/expired";
  r.title = "Expired";
  r.tags = {"cert", "x"};
  r.severity = scenario::Severity::kHigh;
  r.kind = scenario::ScenarioKind::kAttack;
  r.policy = scenario::Policy::kOpportunistic;
  r.expectation = scenario::Expectation::kUnrestricted;
  r.expectations = {
      {scenario::Policy::kRequireTls, scenario::Expectation::kStaySecure},
      {scenario::Policy::kRequireTlsNoVerify,
       scenario::Expectation::kStayEncrypted},
      {scenario::Policy::kOpportunistic, scenario::Expectation::kUnrestricted}};
  r.repeat_index = 2;
  r.verdict.verdict = verdict::VerdictKind::kTimeout;
  r.verdict.summary = "timeout: waited";
  verdict::Violation v;
  v.rule = "gave-up-late";
  v.severity = scenario::Severity::kLow;
  v.sentence = "s";
  v.fix = "f";
  v.reference = "RFC 5321";
  v.evidence = {1, 2500, "EHLO x"};
  r.verdict.violations.push_back(v);
  r.verdict.notes.push_back({"left-processes-behind", "left 1", {-1, -1, ""}});
  r.harness_error = "the fake server did not start";
  r.profile_skip = "tls/*";
  r.judged_connections = 1;
  r.client.ran = true;
  r.client.exit_code = 3;
  r.client.signal = 9;
  r.client.timed_out = true;
  r.client.unsupported = false;
  r.client.duration_us = 3000001;
  r.client.timeout_us = 3000000;
  r.client_stdout = "out";
  r.client_stderr = AllBytes();
  r.client.stderr_text = r.client_stderr;
  r.duration_us = 3100000;
  r.transcript = FullTranscript();
  report.results.push_back(r);

  absl::StatusOr<std::string> text = FormatJsonReport(report);
  ASSERT_TRUE(text.ok()) << text.status();
  absl::StatusOr<RunReport> back = ParseRunReport(*text, "r.json");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->gauntlet_version, "9.9");
  EXPECT_EQ(back->client_name, "c");
  EXPECT_EQ(back->client_command, "c --x");
  EXPECT_EQ(back->policy, scenario::Policy::kOpportunistic);
  EXPECT_EQ(back->started, report.started);
  EXPECT_EQ(back->wall_us, 1234567);
  EXPECT_EQ(back->harness_cpu_us, 7654);
  EXPECT_EQ(back->jobs, 3);
  EXPECT_EQ(back->planned, 4);
  EXPECT_TRUE(back->controls_failed);
  EXPECT_EQ(back->notes, report.notes);
  EXPECT_EQ(back->fail_on, scenario::Severity::kMedium);
  ASSERT_EQ(back->results.size(), 1u);
  const ScenarioResult& b = back->results[0];
  EXPECT_EQ(b.scenario_id, r.scenario_id);
  EXPECT_EQ(b.title, r.title);
  EXPECT_EQ(b.tags, r.tags);
  EXPECT_EQ(b.severity, r.severity);
  EXPECT_EQ(b.kind, r.kind);
  EXPECT_EQ(b.policy, r.policy);
  EXPECT_EQ(b.expectation, r.expectation);
  EXPECT_EQ(b.expectations, r.expectations);
  EXPECT_EQ(b.repeat_index, 2);
  EXPECT_EQ(b.verdict.verdict, verdict::VerdictKind::kTimeout);
  EXPECT_EQ(b.verdict.summary, r.verdict.summary);
  ASSERT_EQ(b.verdict.violations.size(), 1u);
  EXPECT_EQ(b.verdict.violations[0].rule, "gave-up-late");
  EXPECT_EQ(b.verdict.violations[0].severity, scenario::Severity::kLow);
  EXPECT_EQ(b.verdict.violations[0].sentence, "s");
  EXPECT_EQ(b.verdict.violations[0].fix, "f");
  EXPECT_EQ(b.verdict.violations[0].reference, "RFC 5321");
  EXPECT_EQ(b.verdict.violations[0].evidence.connection, 1);
  EXPECT_EQ(b.verdict.violations[0].evidence.t_us, 2500);
  EXPECT_EQ(b.verdict.violations[0].evidence.excerpt, "EHLO x");
  ASSERT_EQ(b.verdict.notes.size(), 1u);
  EXPECT_EQ(b.verdict.notes[0].rule, "left-processes-behind");
  EXPECT_EQ(b.verdict.notes[0].text, "left 1");
  EXPECT_EQ(b.verdict.notes[0].evidence.connection, -1);
  EXPECT_EQ(b.harness_error, r.harness_error);
  EXPECT_EQ(b.profile_skip, r.profile_skip);
  EXPECT_EQ(b.judged_connections, r.judged_connections);
  EXPECT_EQ(b.client.ran, true);
  EXPECT_EQ(b.client.exit_code, 3);
  EXPECT_EQ(b.client.signal, 9);
  EXPECT_TRUE(b.client.timed_out);
  EXPECT_FALSE(b.client.unsupported);
  EXPECT_EQ(b.client.duration_us, 3000001);
  EXPECT_EQ(b.client.timeout_us, 3000000);
  EXPECT_EQ(b.client_stdout, "out");
  EXPECT_EQ(b.client_stderr, AllBytes());
  EXPECT_EQ(b.client.stderr_text, AllBytes());
  EXPECT_EQ(b.duration_us, 3100000);
  ExpectSameTranscript(r.transcript, b.transcript);
}

TEST(RunReportJson, UnsetOptionalsStayUnset) {
  RunReport report;
  ScenarioResult r;
  r.scenario_id = "control/good";
  r.verdict.verdict = verdict::VerdictKind::kPass;
  report.results.push_back(r);
  absl::StatusOr<std::string> text = FormatJsonReport(report);
  ASSERT_TRUE(text.ok());
  absl::StatusOr<RunReport> back = ParseRunReport(*text, "r.json");
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->results.size(), 1u);
  EXPECT_FALSE(back->results[0].harness_error.has_value());
  EXPECT_FALSE(back->results[0].profile_skip.has_value());
  EXPECT_FALSE(back->results[0].judged_connections.has_value());
  EXPECT_FALSE(back->results[0].client.exit_code.has_value());
  EXPECT_FALSE(back->results[0].client.signal.has_value());
  EXPECT_TRUE(back->results[0].expectations.empty());
}

TEST(RunReportJson, RefusesAnotherSchemaAndNamesBadResultFields) {
  EXPECT_THAT(
      std::string(
          ParseRunReport("{\"schema\": \"x/1\"}", "r.json").status().message()),
      HasSubstr("r.json: wrong schema"));
  RunReport report;
  ScenarioResult r;
  r.scenario_id = "a/b";
  report.results.push_back(r);
  report.results.push_back(r);
  absl::StatusOr<std::string> text = FormatJsonReport(report);
  ASSERT_TRUE(text.ok());
  nlohmann::json j = nlohmann::json::parse(*text);
  j["results"][1]["client"]["stderr_b64"] = 5;
  EXPECT_THAT(
      std::string(ParseRunReport(j.dump(), "r.json").status().message()),
      HasSubstr("r.json: /results/1/client/stderr_b64: expected a "
                "string, got number"));
  j = nlohmann::json::parse(*text);
  j["results"][0]["expectations"]["require-tls"] = "be-nice";
  EXPECT_THAT(
      std::string(ParseRunReport(j.dump(), "r.json").status().message()),
      HasSubstr("/results/0/expectations/require-tls: unknown "
                "expectation \"be-nice\""));
}

}  // namespace
}  // namespace gauntlet::report
