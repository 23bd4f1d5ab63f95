// The man-in-the-middle proxy's sessions in the runner's report form, and
// the transcript file `gauntlet proxy --transcript` keeps up to date.
//
// The proxy itself (fake_servers/proxy/) relays and records; this file turns
// what it recorded into a gauntlet-report/1 document (docs/report-schema.md)
// with one result per session, whose transcript holds the session's two legs
// (client leg first) and whose verdict says whether the attacker read
// anything ("fail": the client leaked). The file is rewritten after every
// session, so it is complete whenever the proxy is stopped.

#ifndef GAUNTLET_HARNESS_PROXY_PROXY_REPORT_H_
#define GAUNTLET_HARNESS_PROXY_PROXY_REPORT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "fake_servers/proxy/capture.h"
#include "fake_servers/proxy/proxy.h"
#include "fake_servers/proxy/proxy_config.h"
#include "fake_servers/transcript.h"
#include "harness/report/run_result.h"

namespace gauntlet::proxy {

// A session's two legs as a report result.
report::ScenarioResult SessionResult(const SessionCapture& capture,
                                     fake::ConnectionTranscript client_leg,
                                     fake::ConnectionTranscript upstream_leg);

// Everything the proxy saw, as a report: one result per finished session.
report::RunReport ProxyRunReport(const ProxyConfig& config,
                                 const ProxySnapshot& snapshot);

// A snapshot sink that writes ProxyRunReport as JSON to `path`, atomically
// and readable by its owner only (it holds captured credentials).
SnapshotSink TranscriptFileWriter(ProxyConfig config, std::string path);

// MitmProxy::Start, keeping the transcript file at `transcript_file` up to
// date when it is not empty.
absl::StatusOr<std::unique_ptr<MitmProxy>> StartProxy(
    ProxyConfig config, EventSink sink, const std::string& transcript_file);

}  // namespace gauntlet::proxy

#endif  // GAUNTLET_HARNESS_PROXY_PROXY_REPORT_H_
