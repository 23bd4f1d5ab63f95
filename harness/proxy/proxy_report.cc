#include "harness/proxy/proxy_report.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/report/json_report.h"
#include "harness/verdict/verdict.h"

namespace gauntlet::proxy {

report::ScenarioResult SessionResult(const SessionCapture& capture,
                                     fake::ConnectionTranscript client_leg,
                                     fake::ConnectionTranscript upstream_leg) {
  report::ScenarioResult r;
  r.scenario_id = absl::StrCat("proxy/", AttackName(capture.attack));
  r.title = absl::StrCat("session ", capture.session, ": client ",
                         capture.client_address, " (", capture.end, ")");
  r.tags = {"proxy", std::string(AttackName(capture.attack))};
  r.repeat_index = capture.session - 1;
  client_leg.index = 0;
  upstream_leg.index = 1;
  r.transcript.connections.push_back(std::move(client_leg));
  r.transcript.connections.push_back(std::move(upstream_leg));
  r.client.ran = false;
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
  if (capture.Leaked()) {
    r.verdict.verdict = verdict::VerdictKind::kFail;
    r.verdict.summary = absl::StrCat(
        "fail: the man in the middle (", AttackName(capture.attack),
        ") read ", absl::StrJoin(read, "; "));
  } else {
    r.verdict.verdict = verdict::VerdictKind::kPass;
    r.verdict.summary = absl::StrCat(
        "pass: the man in the middle (", AttackName(capture.attack),
        ") read nothing", capture.client_tls_failure.empty() ? "" : " (client "
        "rejected the forged certificate)");
  }
  return r;
}

report::RunReport ProxyRunReport(const ProxyConfig& config,
                                 const ProxySnapshot& snapshot) {
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
  const fake::Transcript& t = snapshot.transcript;
  for (const SessionCapture& capture : snapshot.captures) {
    const std::size_t ci = static_cast<std::size_t>(2 * (capture.session - 1));
    if (ci + 1 >= t.connections.size()) continue;
    r.results.push_back(
        SessionResult(capture, t.connections[ci], t.connections[ci + 1]));
  }
  r.notes.push_back(absl::StrCat("attack: ", AttackName(config.attack), " — ",
                                 AttackDescription(config.attack)));
  return r;
}

SnapshotSink TranscriptFileWriter(ProxyConfig config, std::string path) {
  return [config = std::move(config),
          path = std::move(path)](const ProxySnapshot& snapshot) {
    const absl::Status s =
        report::WriteJsonReport(path, ProxyRunReport(config, snapshot));
    if (s.ok()) return s;
    return absl::Status(s.code(),
                        absl::StrCat("cannot write the transcript to ", path,
                                     ": ", s.message()));
  };
}

absl::StatusOr<std::unique_ptr<MitmProxy>> StartProxy(
    ProxyConfig config, EventSink sink, const std::string& transcript_file) {
  SnapshotSink snapshots;
  if (!transcript_file.empty()) {
    snapshots = TranscriptFileWriter(config, transcript_file);
  }
  return MitmProxy::Start(std::move(config), std::move(sink),
                          std::move(snapshots));
}

}  // namespace gauntlet::proxy
