// The man-in-the-middle proxy's sessions in the runner's report form, and
// the transcript file `gauntlet proxy --transcript` keeps up to date.
//
// The proxy itself (fake_servers/proxy/) relays and records; this file turns
// what it recorded into a gauntlet-report/1 document (docs/report-schema.md)
// with one result per session, whose transcript holds the session's two legs
// (client leg first). Its verdict is drawn as a run's is: ObserveRun over
// the client leg and Judge under the policy asked for (JudgeRecordedResult),
// so `gauntlet judge` reproduces it from the file; a note
// (kProxyCapturedNote) says what the attacker read. The file is rewritten
// after every session, so it is complete whenever the proxy is stopped.

#ifndef GAUNTLET_HARNESS_PROXY_PROXY_REPORT_H_
#define GAUNTLET_HARNESS_PROXY_PROXY_REPORT_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "fake_servers/proxy/capture.h"
#include "fake_servers/proxy/proxy.h"
#include "fake_servers/proxy/proxy_config.h"
#include "fake_servers/transcript.h"
#include "harness/report/run_result.h"
#include "harness/scenario/scenario.h"

namespace gauntlet::proxy {

// The note id of what the man in the middle read ("read nothing", or the
// credentials, envelope and messages it captured).
inline constexpr std::string_view kProxyCapturedNote = "proxy-captured";

// A session's two legs as a report result, judged under `policy` (an attack
// of severity high, expected to stay secure under require-tls, encrypted
// under require-tls-no-verify, unrestricted under opportunistic).
report::ScenarioResult SessionResult(
    const SessionCapture& capture, fake::ConnectionTranscript client_leg,
    fake::ConnectionTranscript upstream_leg,
    scenario::Policy policy = scenario::Policy::kRequireTls);

// Everything the proxy saw, as a report: one result per finished session.
report::RunReport ProxyRunReport(
    const ProxyConfig& config, const ProxySnapshot& snapshot,
    scenario::Policy policy = scenario::Policy::kRequireTls);

// A snapshot sink that writes ProxyRunReport as JSON to `path`, atomically
// and readable by its owner only (it holds captured credentials).
SnapshotSink TranscriptFileWriter(
    ProxyConfig config, std::string path,
    scenario::Policy policy = scenario::Policy::kRequireTls);

// MitmProxy::Start, keeping the transcript file at `transcript_file` up to
// date when it is not empty.
absl::StatusOr<std::unique_ptr<MitmProxy>> StartProxy(
    ProxyConfig config, EventSink sink, const std::string& transcript_file,
    scenario::Policy policy = scenario::Policy::kRequireTls);

}  // namespace gauntlet::proxy

#endif  // GAUNTLET_HARNESS_PROXY_PROXY_REPORT_H_
