#include "harness/proxy/proxy_report.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/report/json_report.h"
#include "harness/report/judge_result.h"
#include "harness/verdict/verdict.h"

namespace gauntlet::proxy {

namespace {

// What a client under the proxy's attack must do under each policy: as the
// catalog's attack scenarios expect (docs/scenario-format.md).
scenario::Expectation ProxyExpectation(scenario::Policy policy) {
  switch (policy) {
    case scenario::Policy::kRequireTls:
      return scenario::Expectation::kStaySecure;
    case scenario::Policy::kRequireTlsNoVerify:
      return scenario::Expectation::kStayEncrypted;
    case scenario::Policy::kOpportunistic:
      return scenario::Expectation::kUnrestricted;
  }
  return scenario::Expectation::kStaySecure;
}

}  // namespace

report::ScenarioResult SessionResult(const SessionCapture& capture,
                                     fake::ConnectionTranscript client_leg,
                                     fake::ConnectionTranscript upstream_leg,
                                     scenario::Policy policy) {
  report::ScenarioResult r;
  r.scenario_id = absl::StrCat("proxy/", AttackName(capture.attack));
  r.title = absl::StrCat("session ", capture.session, ": client ",
                         capture.client_address, " (", capture.end, ")");
  r.tags = {"proxy", std::string(AttackName(capture.attack))};
  r.repeat_index = capture.session - 1;
  r.kind = scenario::ScenarioKind::kAttack;
  r.severity = scenario::Severity::kHigh;
  r.policy = policy;
  r.expectation = ProxyExpectation(policy);
  for (const scenario::Policy p : scenario::AllPolicies()) {
    r.expectations.emplace_back(p, ProxyExpectation(p));
  }
  client_leg.index = 0;
  upstream_leg.index = 1;
  r.transcript.connections.push_back(std::move(client_leg));
  r.transcript.connections.push_back(std::move(upstream_leg));
  // Only the client leg is the client's; on the upstream leg the proxy
  // itself was the client.
  r.judged_connections = 1;
  // A client the proxy did not start: no exit status, no timeout.
  r.client.ran = true;
  report::JudgeRecordedResult(r, /*controls_failed=*/false);

  // What the attacker read, in the proxy's words (the verdict's rules say
  // why it matters).
  std::vector<std::string> read;
  for (const smtp::CapturedCredentials& c : capture.credentials) {
    read.push_back(absl::StrCat("credentials ", DescribeCredentials(c)));
  }
  for (const std::string& s : capture.senders) {
    read.push_back(absl::StrCat("sender <", Printable(s), ">"));
  }
  for (const std::string& s : capture.recipients) {
    read.push_back(absl::StrCat("recipient <", Printable(s), ">"));
  }
  for (const CapturedMessage& m : capture.messages) {
    read.push_back(absl::StrCat("message of ", m.size, " bytes, Subject \"",
                                Printable(m.subject), "\""));
  }
  verdict::Note note;
  note.rule = std::string(kProxyCapturedNote);
  note.text = read.empty()
                  ? absl::StrCat("the man in the middle (",
                                 AttackName(capture.attack), ") read nothing",
                                 capture.client_tls_failure.empty()
                                     ? ""
                                     : " (the client rejected the forged "
                                       "certificate)")
                  : absl::StrCat("the man in the middle (",
                                 AttackName(capture.attack), ") read ",
                                 absl::StrJoin(read, "; "));
  r.verdict.notes.push_back(std::move(note));
  return r;
}

report::RunReport ProxyRunReport(const ProxyConfig& config,
                                 const ProxySnapshot& snapshot,
                                 scenario::Policy policy) {
  report::RunReport r;
  r.gauntlet_version = "proxy";
  r.client_name = "gauntlet proxy";
  r.client_command = absl::StrCat(
      "gauntlet proxy --attack ", AttackName(config.attack), " --upstream ",
      config.upstream.host, ":", config.upstream.port);
  r.started = snapshot.started;
  r.wall_us = snapshot.elapsed.count();
  r.interrupted = snapshot.interrupted;
  r.planned = snapshot.planned;
  r.policy = policy;
  const fake::Transcript& t = snapshot.transcript;
  for (const SessionCapture& capture : snapshot.captures) {
    const std::size_t ci = static_cast<std::size_t>(2 * (capture.session - 1));
    if (ci + 1 >= t.connections.size()) continue;
    r.results.push_back(
        SessionResult(capture, t.connections[ci], t.connections[ci + 1],
                      policy));
  }
  r.notes.push_back(absl::StrCat("attack: ", AttackName(config.attack), " — ",
                                 AttackDescription(config.attack)));
  return r;
}

SnapshotSink TranscriptFileWriter(ProxyConfig config, std::string path,
                                  scenario::Policy policy) {
  return [config = std::move(config), path = std::move(path),
          policy](const ProxySnapshot& snapshot) {
    const absl::Status s = report::WriteJsonReport(
        path, ProxyRunReport(config, snapshot, policy));
    if (s.ok()) return s;
    return absl::Status(s.code(),
                        absl::StrCat("cannot write the transcript to ", path,
                                     ": ", s.message()));
  };
}

absl::StatusOr<std::unique_ptr<MitmProxy>> StartProxy(
    ProxyConfig config, EventSink sink, const std::string& transcript_file,
    scenario::Policy policy) {
  SnapshotSink snapshots;
  if (!transcript_file.empty()) {
    snapshots = TranscriptFileWriter(config, transcript_file, policy);
  }
  return MitmProxy::Start(std::move(config), std::move(sink),
                          std::move(snapshots));
}

}  // namespace gauntlet::proxy
