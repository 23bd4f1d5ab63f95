// RunReports for the report tests, built from real verdict-engine output:
// transcripts shaped as the fake server records them (tests/verdict's
// ConnBuilder), through ObserveRun and Judge, one result per verdict kind.

#ifndef GAUNTLET_TESTS_REPORT_REPORT_FIXTURE_H_
#define GAUNTLET_TESTS_REPORT_REPORT_FIXTURE_H_

#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "fake_servers/behavior.h"
#include "fake_servers/transcript.h"
#include "harness/report/run_result.h"
#include "harness/scenario/scenario.h"
#include "harness/verdict/observations.h"
#include "harness/verdict/verdict.h"
#include "tests/verdict/transcript_builder.h"

namespace gauntlet::report::testing {

using verdict::testing::ConnBuilder;
using verdict::testing::TranscriptOf;

inline const std::vector<std::string> kPlainCaps = {"PIPELINING", "8BITMIME",
                                                    "STARTTLS"};
inline const std::vector<std::string> kStrippedCaps = {"PIPELINING",
                                                       "8BITMIME"};
inline const std::vector<std::string> kTlsCaps = {"PIPELINING", "8BITMIME",
                                                  "AUTH PLAIN LOGIN"};

struct Spec {
  std::string id;
  std::string title;
  fake::Transcript transcript;
  fake::ServerBehavior behavior;
  verdict::ClientRun run;
  scenario::Expectation expectation = scenario::Expectation::kStaySecure;
  scenario::ScenarioKind kind = scenario::ScenarioKind::kAttack;
  scenario::Policy policy = scenario::Policy::kRequireTls;
  absl::Status harness_status;
};

inline Spec MakeSpec(std::string id, std::string title,
                     fake::Transcript transcript,
                     fake::ServerBehavior behavior, verdict::ClientRun run) {
  Spec s;
  s.id = std::move(id);
  s.title = std::move(title);
  s.transcript = std::move(transcript);
  s.behavior = std::move(behavior);
  s.run = std::move(run);
  return s;
}

inline ScenarioResult Judged(Spec spec) {
  ScenarioResult r;
  r.scenario_id = spec.id;
  r.title = spec.title;
  r.tags = {"test"};
  r.severity = scenario::Severity::kHigh;
  r.kind = spec.kind;
  r.policy = spec.policy;
  r.expectation = spec.expectation;
  r.observations = verdict::ObserveRun(spec.transcript, spec.run);
  verdict::JudgeInput in;
  in.severity = r.severity;
  in.expectation = spec.expectation;
  in.policy = spec.policy;
  in.kind = spec.kind;
  in.harness_status = spec.harness_status;
  r.verdict = verdict::Judge(r.observations, in);
  r.transcript = std::move(spec.transcript);
  r.client = spec.run;
  r.client_stderr = spec.run.stderr_text;
  r.duration_us = spec.run.duration_us;
  return r;
}

inline verdict::ClientRun Exited(int code) {
  verdict::ClientRun run;
  run.exit_code = code;
  run.unsupported = code == verdict::kUnsupportedExitCode;
  run.duration_us = 50'000;
  return run;
}

inline ConnBuilder GoodDelivery() {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Starttls().HandshakeDone();
  c.Ehlo(kTlsCaps).AuthPlain("alice", "secret").SendMessage();
  c.Cmd("QUIT").Reply("QUIT", "221 2.0.0 Bye").Close(
      fake::CloseKind::kClientTlsClose);
  return c;
}

inline ConnBuilder StrippedAndLeaked() {
  ConnBuilder c(0);
  c.Ehlo(kStrippedCaps).AuthPlain("alice", "secret").SendMessage();
  c.Cmd("QUIT").Reply("QUIT", "221 2.0.0 Bye").Close(
      fake::CloseKind::kClientFin);
  return c;
}

// Results in this order: pass, fail, skip, inconclusive, timeout, error.
inline std::vector<ScenarioResult> OneOfEachVerdict() {
  std::vector<ScenarioResult> out;
  {
    Spec s = MakeSpec("control/good-server", "Good server, valid certificate",
           TranscriptOf({GoodDelivery()}), {}, Exited(0));
    s.expectation = scenario::Expectation::kDeliverTls;
    s.kind = scenario::ScenarioKind::kControl;
    out.push_back(Judged(std::move(s)));
  }
  {
    Spec s = MakeSpec("strip/capability-removed", "STARTTLS removed from the EHLO reply",
           TranscriptOf({StrippedAndLeaked()}), {}, Exited(0));
    out.push_back(Judged(std::move(s)));
  }
  out.push_back(Judged(MakeSpec("cert/expired", "Expired certificate",
                            fake::Transcript{}, {}, Exited(89))));
  {
    verdict::ClientRun run = Exited(1);
    run.stderr_text = "curl: (7) Failed to connect\n";
    out.push_back(Judged(MakeSpec("cert/self-signed", "Self-signed certificate",
                              fake::Transcript{}, {}, run)));
  }
  {
    ConnBuilder c(0);
    c.Ehlo(kPlainCaps).Starttls().ClientHello();
    c.raw().tls.outcome = fake::HandshakeOutcome::kNotAttempted;
    fake::ServerBehavior stall;
    stall.connections.emplace_back();
    stall.connections.back().handshake_fault = fake::HandshakeFault::kStall;
    verdict::ClientRun run;
    run.timed_out = true;
    run.signal = 9;
    run.timeout_us = 20'000'000;
    run.duration_us = 20'000'000;
    out.push_back(Judged(MakeSpec("tls/stalled-handshake", "Handshake stalls",
                              TranscriptOf({c}), stall, run)));
  }
  {
    Spec s = MakeSpec("inject/after-starttls", "Injection after STARTTLS",
           fake::Transcript{}, {}, Exited(0));
    s.harness_status = absl::InternalError("the fake server did not start");
    out.push_back(Judged(std::move(s)));
  }
  return out;
}

inline RunReport SampleReport() {
  RunReport r;
  r.gauntlet_version = "0.1.0";
  r.client_name = "curl";
  r.client_command = "curl --ssl-reqd smtp://{host}:{port}";
  r.policy = scenario::Policy::kRequireTls;
  r.started = absl::FromUnixSeconds(1'800'000'000);
  r.wall_us = 21'500'000;
  r.harness_cpu_us = 812'500;
  r.jobs = 2;
  r.planned = 6;
  r.results = OneOfEachVerdict();
  return r;
}

// A private temporary directory (0700), removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string templ =
        (std::filesystem::temp_directory_path() / "gauntlet-report-XXXXXX")
            .string();
    char* made = mkdtemp(templ.data());
    path_ = made == nullptr ? std::string() : std::string(made);
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace gauntlet::report::testing

#endif  // GAUNTLET_TESTS_REPORT_REPORT_FIXTURE_H_
