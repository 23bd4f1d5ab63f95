// Tests of the runner's small parts: the {policy} placeholder, the test
// message, the exit status and report files of a run, and the Ctrl-C flag.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/report/gate.h"
#include "harness/report/run_result.h"
#include "harness/runner/interrupt.h"
#include "harness/runner/policy_placeholder.h"
#include "harness/runner/run_outputs.h"
#include "harness/runner/test_message.h"
#include "harness/verdict/rules.h"
#include "nlohmann/json.hpp"

namespace gauntlet::runner {
namespace {

using ::testing::HasSubstr;
using verdict::VerdictKind;

TEST(SubstitutePolicy, ReplacesOnlyThePolicyPlaceholder) {
  EXPECT_EQ(SubstitutePolicy("c --policy {policy} --port {port}",
                             scenario::Policy::kOpportunistic),
            "c --policy opportunistic --port {port}");
  EXPECT_EQ(SubstitutePolicy("{policy}{policy}",
                             scenario::Policy::kRequireTlsNoVerify),
            "require-tls-no-verifyrequire-tls-no-verify");
}

TEST(SubstitutePolicy, FollowsTheBraceRulesOfClientCommand) {
  // "{{policy}}" is the literal text "{policy}": left alone.
  EXPECT_EQ(SubstitutePolicy("a {{policy}} b", scenario::Policy::kRequireTls),
            "a {{policy}} b");
  // "{{" then a real placeholder then "}}".
  EXPECT_EQ(SubstitutePolicy("{{{policy}}}", scenario::Policy::kRequireTls),
            "{{require-tls}}");
  // A placeholder runs to its first '}': "{x{policy}" is one (bad) name.
  EXPECT_EQ(SubstitutePolicy("{x{policy}", scenario::Policy::kRequireTls),
            "{x{policy}");
  EXPECT_EQ(SubstitutePolicy("unterminated {policy",
                             scenario::Policy::kRequireTls),
            "unterminated {policy");
}

TEST(TestMessage, IsCrlfWithSubjectAndHeaders) {
  const std::string m =
      FormatTestMessage(TestIdentity{}, absl::FromUnixSeconds(1700000000));
  EXPECT_THAT(m, HasSubstr("Subject: Gauntlet test message\r\n"));
  EXPECT_THAT(m, HasSubstr("From: Gauntlet <sender@client.gauntlet.test>\r\n"));
  EXPECT_THAT(m, HasSubstr("Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"));
  EXPECT_THAT(m, HasSubstr("\r\n\r\n"));
  ASSERT_GE(m.size(), 2u);
  EXPECT_EQ(m.substr(m.size() - 2), "\r\n");
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m[i] == '\n') {
      ASSERT_GT(i, 0u);
      EXPECT_EQ(m[i - 1], '\r') << "bare LF at " << i;
    }
  }
}

report::ScenarioResult Result(const std::string& id, VerdictKind v,
                              int repeat = 0) {
  report::ScenarioResult r;
  r.scenario_id = id;
  r.repeat_index = repeat;
  r.verdict.verdict = v;
  r.verdict.summary = std::string(verdict::VerdictName(v));
  return r;
}

// One result of a run, for the exit-status table.
struct R {
  VerdictKind verdict;
  scenario::ScenarioKind kind = scenario::ScenarioKind::kAttack;
  scenario::Severity severity = scenario::Severity::kHigh;
  // With a baseline: what it expects (nullptr: no entry).
  const char* expected = nullptr;
  // Set: the result has the robustness finding gave-up-late with this (its
  // own) severity; it is the only finding unless `verdict` is kFail, which
  // adds a security finding at `severity`.
  std::optional<scenario::Severity> gave_up_late = std::nullopt;
};
constexpr auto kControl = scenario::ScenarioKind::kControl;
constexpr auto kLow = scenario::Severity::kLow;
constexpr auto kMedium = scenario::Severity::kMedium;
constexpr auto kHigh = scenario::Severity::kHigh;
constexpr auto kInfo = scenario::Severity::kInfo;

struct ExitCase {
  const char* name;
  std::vector<R> results;
  int want;
  // A substring of the gate's reason.
  const char* why = "";
  scenario::Severity fail_on = scenario::Severity::kInfo;
  bool baseline = false;
  // Baseline entries that did not run: (excluded by --filter, severity).
  std::vector<std::pair<bool, scenario::Severity>> not_run = {};
  bool interrupted = false;
  bool baseline_written = false;
};

report::RunReport MakeReport(const ExitCase& c) {
  report::RunReport report;
  report.fail_on = c.fail_on;
  report.interrupted = c.interrupted;
  report.baseline_applied = c.baseline;
  report.baseline_source = "b.json";
  int i = 0;
  for (const R& r : c.results) {
    report::ScenarioResult res = Result(
        (r.kind == kControl ? "control/" : "attack/") + std::to_string(i++),
        r.verdict);
    res.kind = r.kind;
    res.severity = r.severity;
    if (r.gave_up_late.has_value()) {
      if (r.verdict == VerdictKind::kFail) {
        // A security finding beside it, at the scenario's severity.
        verdict::Violation security;
        security.rule = "plaintext-auth";
        security.severity = r.severity;
        res.verdict.violations.push_back(std::move(security));
      }
      verdict::Violation v;
      v.rule = std::string(verdict::kRuleGaveUpLate);
      v.severity = *r.gave_up_late;
      res.verdict.violations.push_back(std::move(v));
    }
    if (c.baseline) {
      if (r.expected != nullptr) res.baseline_expected = r.expected;
      res.differs_from_baseline = r.expected == nullptr ||
                                  verdict::VerdictName(r.verdict) != r.expected;
    }
    report.results.push_back(std::move(res));
  }
  for (const auto& [excluded, severity] : c.not_run) {
    report::BaselineEntryNotRun e;
    e.key = "gone/" + std::to_string(i++);
    e.expected = VerdictKind::kFail;
    e.excluded_by_filter = excluded;
    e.severity = severity;
    report.baseline_not_run.push_back(e);
  }
  return report;
}

TEST(RunExitCode, FollowsTheGateInOrder) {
  const VerdictKind P = VerdictKind::kPass, F = VerdictKind::kFail,
                    S = VerdictKind::kSkip, I = VerdictKind::kInconclusive,
                    T = VerdictKind::kTimeout, E = VerdictKind::kError;
  const std::vector<ExitCase> cases = {
      {"all pass", {{P, kControl, kInfo}, {P}, {P}}, kExitOk, "as expected"},
      {"never connects: controls and attacks inconclusive",
       {{I, kControl, kInfo}, {I}, {I}},
       kExitNotJudged,
       "control scenario"},
      {"a control fails, attacks pass",
       {{F, kControl, kInfo}, {P}},
       kExitNotJudged,
       "control"},
      {"a control times out",
       {{T, kControl, kInfo}, {P}},
       kExitNotJudged,
       "control"},
      {"only controls, one fails",
       {{F, kControl, kInfo}},
       kExitNotJudged,
       "control"},
      {"an attack fails",
       {{P, kControl, kInfo}, {F}, {P}},
       kExitFailures,
       "1 failure at or above --fail-on info"},
      {"an attack times out",
       {{P, kControl, kInfo}, {T}},
       kExitFailures,
       "1 failure"},
      {"a finding beats failed controls",
       {{I, kControl, kInfo}, {F}},
       kExitFailures,
       "1 failure"},
      {"every result skipped (exit 89)",
       {{S, kControl, kInfo}, {S}, {S}},
       kExitNotJudged,
       "every scenario was skipped"},
      {"no attack passed or failed",
       {{P, kControl, kInfo}, {S}, {I}},
       kExitNotJudged,
       "no attack scenario produced a pass or a fail"},
      {"attacks judged by a timeout",
       {{P, kControl, kInfo}, {T, {}, kLow}, {S}},
       kExitOk,
       "below --fail-on medium",
       kMedium},
      {"only controls, all pass",
       {{P, kControl, kInfo}, {P, kControl, kInfo}},
       kExitOk},
      {"only controls, one passes one skips",
       {{P, kControl, kInfo}, {S, kControl, kInfo}},
       kExitOk},
      {"only controls, none passes",
       {{S, kControl, kInfo}},
       kExitNotJudged,
       "skipped"},
      {"no result at all", {}, kExitNotJudged, "no scenario"},
      {"a harness error beats failures",
       {{P, kControl, kInfo}, {F}, {E}},
       kExitUsageOrHarness,
       "harness error"},
      {"interrupted beats everything",
       {{E}, {F}},
       kExitInterrupted,
       "",
       kInfo,
       false,
       {},
       true},
      // --fail-on.
      {"a low failure fails by default",
       {{P, kControl, kInfo}, {F, {}, kLow}},
       kExitFailures,
       "--fail-on info"},
      {"a low failure below --fail-on medium",
       {{P, kControl, kInfo}, {F, {}, kLow}, {P}},
       kExitOk,
       "1 failure below --fail-on medium",
       kMedium},
      {"a medium failure at --fail-on medium",
       {{P, kControl, kInfo}, {F, {}, kMedium}},
       kExitFailures,
       "",
       kMedium},
      {"a high timeout at --fail-on high",
       {{P, kControl, kInfo}, {T}},
       kExitFailures,
       "",
       kHigh},
      // Waiting is not hanging: a result whose only finding is the low
      // robustness rule gave-up-late gates by that finding's severity, not
      // by the (high) scenario's.
      {"gave-up-late only: passes --fail-on high",
       {{P, kControl, kInfo}, {T, {}, kHigh, nullptr, kLow}},
       kExitOk,
       "1 failure below --fail-on high",
       kHigh},
      {"gave-up-late only: passes --fail-on medium",
       {{P, kControl, kInfo}, {T, {}, kHigh, nullptr, kLow}},
       kExitOk,
       "below --fail-on medium",
       kMedium},
      {"gave-up-late only: gated by --fail-on low",
       {{P, kControl, kInfo}, {T, {}, kHigh, nullptr, kLow}},
       kExitFailures,
       "1 failure at or above --fail-on low",
       kLow},
      {"gave-up-late only: gated by default (--fail-on info)",
       {{P, kControl, kInfo}, {T, {}, kHigh, nullptr, kLow}},
       kExitFailures,
       "1 failure at or above --fail-on info"},
      {"gave-up-late beside a high finding: the high one gates",
       {{P, kControl, kInfo}, {F, {}, kHigh, nullptr, kLow}, {P}},
       kExitFailures,
       "",
       kHigh},
      {"baseline: a new gave-up-late below --fail-on is not counted",
       {{P, kControl, kInfo, "pass"}, {T, {}, kHigh, "pass", kLow}},
       kExitOk,
       "below it reported but not counted",
       kHigh,
       true},
      {"--fail-on does not hide failed controls",
       {{F, kControl, kInfo}, {P}},
       kExitNotJudged,
       "control",
       kHigh},
      // --baseline.
      {"baseline: known failures only",
       {{P, kControl, kInfo, "pass"},
        {F, {}, kHigh, "fail"},
        {P, {}, kHigh, "pass"}},
       kExitOk,
       "1 known failure",
       kInfo,
       true},
      {"baseline: a new failure",
       {{P, kControl, kInfo, "pass"}, {F, {}, kHigh, "pass"}},
       kExitFailures,
       "1 difference from the baseline b.json",
       kInfo,
       true},
      {"baseline: a fix is a difference",
       {{P, kControl, kInfo, "pass"}, {P, {}, kHigh, "fail"}},
       kExitFailures,
       "difference",
       kInfo,
       true},
      {"baseline: a result without an entry",
       {{P, kControl, kInfo, "pass"}, {P}},
       kExitFailures,
       "difference",
       kInfo,
       true},
      {"baseline: a difference below --fail-on",
       {{P, kControl, kInfo, "pass"}, {F, {}, kLow, "pass"}},
       kExitOk,
       "below it reported but not counted",
       kMedium,
       true},
      {"baseline: an entry that should have run",
       {{P, kControl, kInfo, "pass"}, {P, {}, kHigh, "pass"}},
       kExitFailures,
       "1 entry did not run",
       kInfo,
       true,
       {{false, kHigh}}},
      {"baseline: an entry --filter left out",
       {{P, kControl, kInfo, "pass"}, {P, {}, kHigh, "pass"}},
       kExitOk,
       "",
       kInfo,
       true,
       {{true, kHigh}}},
      {"baseline: a missing entry below --fail-on",
       {{P, kControl, kInfo, "pass"}, {P, {}, kHigh, "pass"}},
       kExitOk,
       "",
       kMedium,
       true,
       {{false, kLow}}},
      {"baseline: an unknown scenario counts whatever --fail-on",
       {{P, kControl, kInfo, "pass"}, {P, {}, kHigh, "pass"}},
       kExitFailures,
       "",
       scenario::Severity::kCritical,
       true,
       {{false, scenario::Severity::kCritical}}},
      {"baseline: no difference, but the controls failed (as before)",
       {{I, kControl, kInfo, "inconclusive"}, {I, {}, kHigh, "inconclusive"}},
       kExitNotJudged,
       "control",
       kInfo,
       true},
      {"baseline: a harness error",
       {{E, {}, kHigh, "error"}},
       kExitUsageOrHarness,
       "",
       kInfo,
       true},
      // --write-baseline: the file was written.
      {"write-baseline: failures are now known",
       {{P, kControl, kInfo}, {F}},
       kExitOk,
       "baseline written to",
       kInfo,
       false,
       {},
       false,
       true},
      {"write-baseline: the client still could not be judged",
       {{I, kControl, kInfo}, {I}},
       kExitNotJudged,
       "control",
       kInfo,
       false,
       {},
       false,
       true},
  };
  for (const ExitCase& c : cases) {
    const report::RunReport report = MakeReport(c);
    report::GateOptions gate;
    if (c.baseline_written) gate.baseline_written = "new.json";
    EXPECT_EQ(RunExitCode(report, gate), c.want) << c.name;
    EXPECT_THAT(report::DecideGate(report, gate).reason, HasSubstr(c.why))
        << c.name;
  }
}

TEST(RunOutputs, TranscriptFileNames) {
  EXPECT_EQ(TranscriptFileName(Result("cert/expired", VerdictKind::kFail)),
            "transcripts/cert/expired.txt");
  EXPECT_EQ(TranscriptFileName(Result("cert/expired", VerdictKind::kFail, 2)),
            "transcripts/cert/expired.repeat-3.txt");
}

TEST(RunOutputs, WritesReportDirWithTranscriptsOfFailuresOnly) {
  std::string tmpl = "/tmp/gauntlet-outputs-test-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  const std::string dir = tmpl + "/reports";
  report::RunReport report;
  report.client_name = "test";
  report.results = {Result("a/pass", VerdictKind::kPass),
                    Result("a/fail", VerdictKind::kFail)};
  OutputOptions o;
  o.report_dir = dir;
  o.json_file = tmpl + "/r.json";
  o.write_baseline = tmpl + "/baseline.json";
  ASSERT_TRUE(WriteRunOutputs(report, o).ok());
  EXPECT_TRUE(std::filesystem::exists(dir + "/junit.xml"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/transcripts/a/fail.txt"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/transcripts/a/pass.txt"));
  std::ifstream in(dir + "/report.json");
  std::stringstream ss;
  ss << in.rdbuf();
  const nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(j.value("schema", ""), "gauntlet-report/1");
  EXPECT_TRUE(std::filesystem::exists(tmpl + "/r.json"));
  EXPECT_TRUE(std::filesystem::exists(tmpl + "/baseline.json"));

  // An interrupted run writes its reports but no baseline.
  report.interrupted = true;
  o.write_baseline = tmpl + "/baseline2.json";
  ASSERT_TRUE(WriteRunOutputs(report, o).ok());
  EXPECT_FALSE(std::filesystem::exists(tmpl + "/baseline2.json"));

  // An unwritable path is an error that names it; the others still get
  // written.
  o.junit_file = "/nonexistent-dir/junit.xml";
  o.json_file = tmpl + "/r2.json";
  const absl::Status s = WriteRunOutputs(report, o);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("/nonexistent-dir"));
  EXPECT_TRUE(std::filesystem::exists(tmpl + "/r2.json"));
  std::error_code ec;
  std::filesystem::remove_all(tmpl, ec);
}

TEST(Interrupt, SignalSetsTheFlagAndWakesWaiters) {
  ResetInterruptForTest();
  ASSERT_TRUE(InstallInterruptHandlers().ok());
  EXPECT_FALSE(Interrupted());
  EXPECT_FALSE(WaitForInterrupt(std::chrono::milliseconds(20)));
  ASSERT_EQ(raise(SIGINT), 0);
  EXPECT_TRUE(Interrupted());
  EXPECT_TRUE(InterruptFlag().load());
  EXPECT_TRUE(WaitForInterrupt(std::chrono::seconds(5)));
  ResetInterruptForTest();
  EXPECT_FALSE(Interrupted());
  ASSERT_EQ(raise(SIGTERM), 0);
  EXPECT_TRUE(Interrupted());
  ResetInterruptForTest();
  RestoreInterruptHandlers();
}

TEST(Interrupt, ExitCodeIs128PlusTheFirstSignal) {
  ResetInterruptForTest();
  ASSERT_TRUE(InstallInterruptHandlers().ok());
  EXPECT_EQ(InterruptExitCode(), kExitInterrupted);
  // A closed terminal or a cancelled CI job: handled like Ctrl-C.
  ASSERT_EQ(raise(SIGHUP), 0);
  EXPECT_TRUE(Interrupted());
  EXPECT_EQ(InterruptExitCode(), 129);
  ResetInterruptForTest();
  ASSERT_EQ(raise(SIGTERM), 0);
  EXPECT_EQ(InterruptExitCode(), 143);
  ResetInterruptForTest();
  ASSERT_EQ(raise(SIGINT), 0);
  EXPECT_EQ(InterruptExitCode(), 130);
  ResetInterruptForTest();
  RequestInterrupt();
  EXPECT_EQ(InterruptExitCode(), 130);
  ResetInterruptForTest();
  RestoreInterruptHandlers();
}

TEST(Interrupt, ASecondSignalExitsAtOnceAndRemovesTheRegisteredDirectory) {
  namespace fs = std::filesystem;
  std::string tmpl = "/tmp/gauntlet-forced-exit-test-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  const std::string dir = tmpl + "/private";
  const std::string outside = tmpl + "/outside.pem";
  fs::create_directories(dir + "/a/b/c");
  fs::create_directories(dir + "/locked/inner");
  for (const std::string& f : {outside, dir + "/ca.pem", dir + "/a/b/c/key.pem",
                               dir + "/locked/inner/file"}) {
    std::ofstream(f) << "x";
  }
  fs::create_symlink(outside, dir + "/link-out");
  fs::create_directory_symlink(tmpl, dir + "/a/link-up");
  fs::permissions(dir + "/locked", fs::perms::none);

  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ResetInterruptForTest();
    if (!InstallInterruptHandlers().ok()) _exit(90);
    SetDirectoryToRemoveOnForcedExit(dir);
    raise(SIGTERM);
    raise(SIGINT);  // The second one: exits at once.
    _exit(91);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 143);  // 128 + the first signal.
  EXPECT_FALSE(fs::exists(dir));
  // Symbolic links were removed, not followed.
  EXPECT_TRUE(fs::exists(outside));
  std::error_code ec;
  fs::permissions(dir + "/locked", fs::perms::owner_all, ec);  // On failure.
  fs::remove_all(tmpl, ec);
}

TEST(Interrupt, RequestInterruptWakesAWaitingThread) {
  ResetInterruptForTest();
  ASSERT_TRUE(InstallInterruptHandlers().ok());
  RequestInterrupt();
  EXPECT_TRUE(WaitForInterrupt(std::chrono::seconds(5)));
  ResetInterruptForTest();
  RestoreInterruptHandlers();
}

}  // namespace
}  // namespace gauntlet::runner
