// Baselines: written from a run, read back, compared with a later run.

#include "harness/report/baseline.h"

#include <string>

#include "common/bounded_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/report/file_io.h"
#include "nlohmann/json.hpp"
#include "tests/report/report_fixture.h"

namespace gauntlet::report {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::SampleReport;

TEST(BaselineTest, WriteReadRoundTripWithSortedKeys) {
  const RunReport report = SampleReport();
  const Baseline b = BaselineFromReport(report);
  EXPECT_EQ(b.client, "curl");
  EXPECT_EQ(b.expected.size(), 6u);
  EXPECT_EQ(b.expected.at("strip/capability-removed"),
            verdict::VerdictKind::kFail);

  testing::TempDir dir;
  const std::string path = dir.File("baseline.json");
  ASSERT_TRUE(WriteBaselineFile(path, b).ok());
  absl::StatusOr<std::string> text = files::ReadRegularFile(path, 1 << 20);
  ASSERT_TRUE(text.ok());
  const nlohmann::json doc = nlohmann::json::parse(*text);
  EXPECT_EQ(doc["schema"], "gauntlet-baseline/1");
  EXPECT_EQ(doc["policy"], "require-tls");
  EXPECT_EQ(doc["client"], "curl");
  EXPECT_EQ(doc["expected"]["cert/expired"], "skip");
  EXPECT_EQ(doc["expected"]["tls/stalled-handshake"], "timeout");
  // Sorted keys in the file text.
  EXPECT_LT(text->find("\"cert/expired\""), text->find("\"cert/self-signed\""));
  EXPECT_LT(text->find("\"cert/self-signed\""), text->find("\"control/good-server\""));
  EXPECT_LT(text->find("\"inject/after-starttls\""),
            text->find("\"strip/capability-removed\""));

  absl::StatusOr<Baseline> back = ReadBaselineFile(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->client, b.client);
  EXPECT_EQ(back->policy, b.policy);
  EXPECT_EQ(back->expected, b.expected);
}

TEST(BaselineTest, SameRunHasNoDifferences) {
  RunReport report = SampleReport();
  const Baseline b = BaselineFromReport(report);
  const BaselineComparison cmp = ApplyBaseline(report, b);
  EXPECT_EQ(cmp.differences, 0);
  EXPECT_TRUE(cmp.not_run.empty());
  for (const ScenarioResult& r : report.results) {
    EXPECT_FALSE(r.differs_from_baseline) << r.scenario_id;
    ASSERT_TRUE(r.baseline_expected.has_value());
    EXPECT_EQ(*r.baseline_expected, verdict::VerdictName(r.verdict.verdict));
  }
  EXPECT_EQ(Summarize(report).baseline_diffs, 0);
}

TEST(BaselineTest, DifferencesMissingEntriesAndNotRun) {
  RunReport report = SampleReport();
  Baseline b = BaselineFromReport(report);
  b.expected["strip/capability-removed"] = verdict::VerdictKind::kPass;
  b.expected.erase("cert/expired");
  b.expected["downgrade/old-tls"] = verdict::VerdictKind::kFail;
  // A result under another policy is keyed id@policy.
  ScenarioResult opp = report.results[0];
  opp.policy = scenario::Policy::kOpportunistic;
  report.results.push_back(opp);
  b.expected["control/good-server@opportunistic"] = verdict::VerdictKind::kPass;

  const BaselineComparison cmp = ApplyBaseline(report, b);
  // Two results differ, and the entry that did not run is a difference too:
  // nothing says --filter left it out.
  EXPECT_EQ(cmp.differences, 3);
  EXPECT_THAT(cmp.not_run, ElementsAre("downgrade/old-tls"));
  EXPECT_TRUE(report.results[1].differs_from_baseline);
  EXPECT_EQ(report.results[1].baseline_expected, "pass");
  EXPECT_TRUE(report.results[2].differs_from_baseline);
  EXPECT_FALSE(report.results[2].baseline_expected.has_value());
  EXPECT_FALSE(report.results[0].differs_from_baseline);
  EXPECT_FALSE(report.results[6].differs_from_baseline);
  ASSERT_EQ(report.notes.size(), 1u);
  EXPECT_EQ(report.notes[0],
            "baseline entry \"downgrade/old-tls\" (expected fail) was not "
            "run: a difference (no such scenario: rewrite the baseline with "
            "--write-baseline if it was renamed or removed)");
  EXPECT_TRUE(report.baseline_applied);
  ASSERT_EQ(report.baseline_not_run.size(), 1u);
  EXPECT_FALSE(report.baseline_not_run[0].excluded_by_filter);
  EXPECT_EQ(report.baseline_not_run[0].severity, scenario::Severity::kCritical);
  const Summary s = Summarize(report);
  EXPECT_EQ(s.baseline_diffs, 2);
  EXPECT_EQ(s.baseline_missing, 1);
}

TEST(BaselineTest, EntriesFilterLeftOutAreNotDifferences) {
  RunReport report = SampleReport();
  Baseline b = BaselineFromReport(report);
  b.expected["downgrade/old-tls"] = verdict::VerdictKind::kFail;
  b.expected["proto/selected@opportunistic"] = verdict::VerdictKind::kPass;
  BaselineScope scope;
  scope.source = "b.json";
  scope.excluded_by_filter = {"downgrade/old-tls"};
  scope.severity = {{"downgrade/old-tls", scenario::Severity::kHigh},
                    {"proto/selected", scenario::Severity::kLow}};
  const BaselineComparison cmp = ApplyBaseline(report, b, scope);
  // Only the selected one that did not run counts.
  EXPECT_EQ(cmp.differences, 1);
  EXPECT_THAT(cmp.not_run,
              ElementsAre("downgrade/old-tls", "proto/selected@opportunistic"));
  EXPECT_EQ(report.baseline_source, "b.json");
  ASSERT_EQ(report.baseline_not_run.size(), 2u);
  EXPECT_TRUE(report.baseline_not_run[0].excluded_by_filter);
  EXPECT_FALSE(report.baseline_not_run[1].excluded_by_filter);
  EXPECT_EQ(report.baseline_not_run[1].severity, scenario::Severity::kLow);
  EXPECT_THAT(
      report.notes,
      ElementsAre(HasSubstr("--filter left it out"),
                  HasSubstr("a difference (the scenario was selected)")));
  EXPECT_EQ(Summarize(report).baseline_missing, 1);
  EXPECT_EQ(BaselineKeyId("proto/selected@opportunistic"), "proto/selected");
  EXPECT_EQ(BaselineKeyId("proto/x@nonsense"), "proto/x@nonsense");
  EXPECT_EQ(BaselineKeyId("cert/expired"), "cert/expired");
}

TEST(BaselineTest, KnownNewAndFixedAreCounted) {
  RunReport report = SampleReport();
  Baseline b = BaselineFromReport(report);
  // Known: the failure and the timeout. New: the harness error (the
  // baseline expected a pass). Fixed: the pass (the baseline expected fail).
  b.expected["inject/after-starttls"] = verdict::VerdictKind::kPass;
  b.expected["control/good-server"] = verdict::VerdictKind::kFail;
  ApplyBaseline(report, b);
  const Summary s = Summarize(report);
  EXPECT_EQ(s.known, 2);
  EXPECT_EQ(s.new_failures, 1);
  EXPECT_EQ(s.fixed, 1);
  EXPECT_TRUE(KnownFailure(report.results[1]));
  EXPECT_TRUE(FixedSinceBaseline(report.results[0]));
}

TEST(BaselineTest, RepeatsAreSavedAsTheirWorstVerdict) {
  RunReport report = SampleReport();
  ScenarioResult again = report.results[0];
  again.repeat_index = 1;
  again.verdict.verdict = verdict::VerdictKind::kTimeout;
  report.results.push_back(again);
  const Baseline b = BaselineFromReport(report);
  EXPECT_EQ(b.expected.at("control/good-server"), verdict::VerdictKind::kTimeout);
  const BaselineComparison cmp = ApplyBaseline(report, b);
  EXPECT_EQ(cmp.differences, 1);  // The first, passing repeat.
  EXPECT_TRUE(report.results[0].differs_from_baseline);
}

TEST(BaselineTest, ErrorsAreValues) {
  testing::TempDir dir;
  absl::StatusOr<Baseline> b = ReadBaselineFile(dir.File("nope.json"));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(b.status().message(), HasSubstr("nope.json"));

  b = ParseBaseline("{\"schema\": \"gauntlet-baseline/1\",, }", "b.json");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(b.status().message(), HasSubstr("b.json: bad JSON at byte 34"));

  b = ParseBaseline(R"({"schema": "gauntlet-report/1", "policy": "require-tls",
                        "expected": {}})",
                    "c.json");
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(b.status().message(), HasSubstr("c.json: wrong schema"));

  b = ParseBaseline(R"({"schema": "gauntlet-baseline/1", "policy": "sometimes",
                        "expected": {}})",
                    "d.json");
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(b.status().message(), HasSubstr("unknown policy"));

  b = ParseBaseline(R"({"schema": "gauntlet-baseline/1", "policy": "require-tls",
                        "expected": {"cert/expired": "flaky"}})",
                    "e.json");
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(b.status().message(), HasSubstr("expected[\"cert/expired\"]"));

  // Binary garbage is an error, not a crash.
  b = ParseBaseline(std::string("\0\xff{[", 4), "f.json");
  ASSERT_FALSE(b.ok());
}

}  // namespace
}  // namespace gauntlet::report
