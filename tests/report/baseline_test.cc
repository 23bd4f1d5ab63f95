// Baselines: written from a run, read back, compared with a later run.

#include "harness/report/baseline.h"

#include <string>

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
  absl::StatusOr<std::string> text = ReadFileBounded(path);
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
  EXPECT_EQ(cmp.differences, 2);
  EXPECT_THAT(cmp.not_run, ElementsAre("downgrade/old-tls"));
  EXPECT_TRUE(report.results[1].differs_from_baseline);
  EXPECT_EQ(report.results[1].baseline_expected, "pass");
  EXPECT_TRUE(report.results[2].differs_from_baseline);
  EXPECT_FALSE(report.results[2].baseline_expected.has_value());
  EXPECT_FALSE(report.results[0].differs_from_baseline);
  EXPECT_FALSE(report.results[6].differs_from_baseline);
  ASSERT_EQ(report.notes.size(), 1u);
  EXPECT_EQ(report.notes[0],
            "baseline entry \"downgrade/old-tls\" (expected fail) was not run");
  EXPECT_EQ(Summarize(report).baseline_diffs, 2);
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
