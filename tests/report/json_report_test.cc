// JSON report: the documented shape (docs/report-schema.md), exact wire
// bytes, verdicts read back, and the errors of the reader.

#include "harness/report/json_report.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/report/file_io.h"
#include "nlohmann/json.hpp"
#include "tests/report/report_fixture.h"

namespace gauntlet::report {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;
using testing::SampleReport;

enum class T { kString, kNumber, kInt, kBool, kArray, kObject, kNullableNumber,
               kNullableInt, kNullableString, kNullableObject };

// Checks that `j` has every key of `shape` with the right JSON type.
void ExpectShape(const json& j, const std::map<std::string, T>& shape,
                 const std::string& where) {
  ASSERT_TRUE(j.is_object()) << where;
  for (const auto& [key, type] : shape) {
    ASSERT_TRUE(j.contains(key)) << where << " lacks \"" << key << "\"";
    const json& v = j.at(key);
    bool ok = false;
    switch (type) {
      case T::kString: ok = v.is_string(); break;
      case T::kNumber: ok = v.is_number(); break;
      case T::kInt: ok = v.is_number_integer(); break;
      case T::kBool: ok = v.is_boolean(); break;
      case T::kArray: ok = v.is_array(); break;
      case T::kObject: ok = v.is_object(); break;
      case T::kNullableNumber: ok = v.is_null() || v.is_number(); break;
      case T::kNullableInt: ok = v.is_null() || v.is_number_integer(); break;
      case T::kNullableString: ok = v.is_null() || v.is_string(); break;
      case T::kNullableObject: ok = v.is_null() || v.is_object(); break;
    }
    EXPECT_TRUE(ok) << where << "." << key << " has the wrong type: "
                    << v.dump();
  }
}

json Parse(const RunReport& report) {
  absl::StatusOr<std::string> text = FormatJsonReport(report);
  EXPECT_TRUE(text.ok()) << text.status();
  return json::parse(*text);
}

TEST(JsonReportTest, MatchesTheDocumentedShape) {
  const RunReport report = SampleReport();
  const json doc = Parse(report);
  ExpectShape(doc,
              {{"schema", T::kString},
               {"gauntlet_version", T::kString},
               {"client", T::kObject},
               {"policy", T::kString},
               {"started", T::kString},
               {"wall_ms", T::kNumber},
               {"harness_cpu_ms", T::kNumber},
               {"jobs", T::kInt},
               {"interrupted", T::kBool},
               {"planned", T::kInt},
               {"notes", T::kArray},
               {"fail_on", T::kString},
               {"summary", T::kObject},
               {"baseline", T::kNullableObject},
               {"results", T::kArray}},
              "report");
  EXPECT_EQ(doc["schema"], "gauntlet-report/1");
  // Written in schema order, "schema" first.
  EXPECT_EQ(FormatJsonReport(report)->rfind("{\n  \"schema\": \"gauntlet-report/1\",", 0), 0u);
  EXPECT_EQ(doc["started"], "2027-01-15T08:00:00+00:00");
  EXPECT_EQ(doc["wall_ms"], 21500.0);
  EXPECT_EQ(doc["harness_cpu_ms"], 812.5);
  ExpectShape(doc["client"], {{"name", T::kString}, {"command", T::kString}},
              "client");
  EXPECT_EQ(doc["client"]["command"], report.client_command);
  EXPECT_EQ(doc["summary"], json({{"total", 6},
                                  {"passed", 1},
                                  {"failed", 1},
                                  {"skipped", 1},
                                  {"inconclusive", 1},
                                  {"timeout", 1},
                                  {"error", 1},
                                  {"differs_from_baseline", 0},
                                  {"below_fail_on", 0}}));
  EXPECT_EQ(doc["fail_on"], "info");
  EXPECT_TRUE(doc["baseline"].is_null());
  ASSERT_EQ(doc["results"].size(), report.results.size());
  for (std::size_t i = 0; i < report.results.size(); ++i) {
    const json& r = doc["results"][i];
    const std::string where = "results[" + std::to_string(i) + "]";
    ExpectShape(r,
                {{"id", T::kString}, {"title", T::kString},
                 {"tags", T::kArray}, {"severity", T::kString},
                 {"kind", T::kString}, {"policy", T::kString},
                 {"expectation", T::kString}, {"repeat", T::kInt},
                 {"verdict", T::kString}, {"summary", T::kString},
                 {"duration_ms", T::kNumber}, {"baseline", T::kObject},
                 {"violations", T::kArray}, {"notes", T::kArray},
                 {"observations", T::kObject}, {"client", T::kObject},
                 {"transcript", T::kObject}},
                where);
    EXPECT_EQ(r["id"], report.results[i].scenario_id);
    EXPECT_EQ(r["verdict"],
              verdict::VerdictName(report.results[i].verdict.verdict));
    EXPECT_EQ(r["summary"], report.results[i].verdict.summary);
    ExpectShape(r["client"],
                {{"ran", T::kBool}, {"exit_code", T::kNullableInt},
                 {"signal", T::kNullableInt}, {"timed_out", T::kBool},
                 {"unsupported", T::kBool}, {"duration_ms", T::kNumber},
                 {"stdout", T::kString}, {"stderr", T::kString}},
                where + ".client");
    ExpectShape(r["baseline"],
                {{"expected", T::kNullableString}, {"differs", T::kBool}},
                where + ".baseline");
    ExpectShape(r["observations"],
                {{"client_ran", T::kBool}, {"starttls_attempted", T::kBool},
                 {"delivered_over_tls", T::kBool},
                 {"delivered_in_plaintext", T::kBool},
                 {"protected_in_plaintext", T::kArray},
                 {"credentials", T::kArray}, {"messages", T::kArray},
                 {"connections", T::kArray}, {"counts", T::kObject}},
                where + ".observations");
    ASSERT_EQ(r["violations"].size(), report.results[i].verdict.violations.size());
    for (std::size_t k = 0; k < r["violations"].size(); ++k) {
      const json& v = r["violations"][k];
      ExpectShape(v,
                  {{"rule", T::kString}, {"sentence", T::kString},
                   {"fix", T::kString}, {"reference", T::kString},
                   {"evidence", T::kObject}},
                  where + ".violations");
      ExpectShape(v["evidence"],
                  {{"connection", T::kNullableInt}, {"t_ms", T::kNullableNumber},
                   {"excerpt", T::kString}},
                  where + ".evidence");
      EXPECT_EQ(v["rule"], report.results[i].verdict.violations[k].rule);
    }
    const json& conns = r["transcript"]["connections"];
    ASSERT_TRUE(conns.is_array());
    ASSERT_EQ(conns.size(), report.results[i].transcript.connections.size());
    for (const json& c : conns) {
      ExpectShape(c,
                  {{"index", T::kInt}, {"accepted_ms", T::kNumber},
                   {"closed_ms", T::kNullableNumber}, {"close", T::kString},
                   {"bytes_after_starttls", T::kString}, {"tls", T::kObject},
                   {"events", T::kArray}, {"wire", T::kArray}},
                  where + ".connection");
      ExpectShape(c["tls"],
                  {{"client_hello", T::kNullableObject}, {"outcome", T::kString},
                   {"failure", T::kString}, {"version", T::kString},
                   {"cipher", T::kString}, {"alerts_received", T::kArray},
                   {"alerts_sent", T::kArray},
                   {"handshake_done_ms", T::kNullableNumber}},
                  where + ".tls");
      for (const json& w : c["wire"]) {
        ExpectShape(w,
                    {{"t_ms", T::kNumber}, {"dir", T::kString},
                     {"channel", T::kString}, {"phase", T::kString},
                     {"bytes", T::kString}, {"bytes_b64", T::kString}},
                    where + ".wire");
      }
      for (const json& e : c["events"]) {
        ExpectShape(e,
                    {{"kind", T::kString}, {"t_ms", T::kNumber},
                     {"phase", T::kString}, {"channel", T::kString},
                     {"verb", T::kString}, {"text", T::kString}},
                    where + ".events");
      }
    }
  }
  // The failing result's key facts.
  const json& fail = doc["results"][1];
  EXPECT_EQ(fail["observations"]["delivered_in_plaintext"], true);
  ASSERT_FALSE(fail["observations"]["credentials"].empty());
  EXPECT_EQ(fail["observations"]["credentials"][0]["user"], "alice");
  EXPECT_FALSE(fail["observations"]["credentials"][0].contains("password"));
  EXPECT_EQ(doc["results"][4]["client"]["timed_out"], true);
  EXPECT_EQ(doc["results"][4]["client"]["signal"], 9);
  EXPECT_EQ(doc["results"][4]["client"]["exit_code"], nullptr);
}

TEST(JsonReportTest, WireBytesAreExactInBase64AndEscapedForReading) {
  RunReport report = SampleReport();
  const char kHostile[] = "EHLO \0\xff\xfe\x1b[31m\r\n";
  const std::string hostile(kHostile, sizeof kHostile - 1);
  report.results[1].transcript.connections[0].wire[1].bytes = hostile;
  report.results[1].title = std::string("bad \xc3\x28 utf8 \x01");
  report.results[1].client_stderr = std::string("err\0\xff\n", 6);
  const json doc = Parse(report);
  const json& w = doc["results"][1]["transcript"]["connections"][0]["wire"][1];
  std::string decoded;
  ASSERT_TRUE(absl::Base64Unescape(w["bytes_b64"].get<std::string>(), &decoded));
  EXPECT_EQ(decoded, hostile);
  EXPECT_EQ(w["bytes"], "EHLO \\x00\\xff\\xfe\\x1b[31m\\r\\n");
  EXPECT_EQ(w["dir"], "c2s");
  EXPECT_EQ(doc["results"][1]["client"]["stderr"], "err\\x00\\xff\n");
  // Not UTF-8 in free text: replaced, and the document is still valid.
  EXPECT_THAT(doc["results"][1]["title"].get<std::string>(), HasSubstr("bad "));
}

TEST(JsonReportTest, VerdictsRoundTrip) {
  RunReport report = SampleReport();
  // A repeat that passed where the first run failed: the worse one is kept.
  ScenarioResult again = report.results[1];
  again.repeat_index = 1;
  again.verdict.verdict = verdict::VerdictKind::kPass;
  report.results.push_back(again);
  ScenarioResult other_policy = report.results[0];
  other_policy.policy = scenario::Policy::kOpportunistic;
  other_policy.verdict.verdict = verdict::VerdictKind::kFail;
  report.results.push_back(other_policy);

  absl::StatusOr<std::string> text = FormatJsonReport(report);
  ASSERT_TRUE(text.ok());
  absl::StatusOr<ReportVerdicts> back = ParseReportVerdicts(*text, "run.json");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->client_name, "curl");
  EXPECT_EQ(back->policy, scenario::Policy::kRequireTls);
  EXPECT_FALSE(back->interrupted);
  std::map<VerdictKey, verdict::VerdictKind> want;
  for (std::size_t i = 0; i < 6; ++i) {
    want[{report.results[i].scenario_id, scenario::Policy::kRequireTls}] =
        report.results[i].verdict.verdict;
  }
  want[{"control/good-server", scenario::Policy::kOpportunistic}] =
      verdict::VerdictKind::kFail;
  EXPECT_EQ(back->verdicts, want);
}

TEST(JsonReportTest, InterruptedPartialRunIsStillAReport) {
  RunReport report = SampleReport();
  report.results.resize(1);
  report.interrupted = true;
  const json doc = Parse(report);
  EXPECT_EQ(doc["interrupted"], true);
  EXPECT_EQ(doc["planned"], 6);
  EXPECT_EQ(doc["summary"]["total"], 1);
  absl::StatusOr<std::string> text = FormatJsonReport(report);
  ASSERT_TRUE(text.ok());
  absl::StatusOr<ReportVerdicts> back = ParseReportVerdicts(*text, "x");
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->interrupted);
  EXPECT_EQ(back->verdicts.size(), 1u);
}

TEST(JsonReportTest, ReaderErrorsAreValues) {
  absl::StatusOr<ReportVerdicts> r = ParseReportVerdicts("{\"schema\": ", "a.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("a.json: bad JSON at byte 12"));

  r = ParseReportVerdicts(R"({"schema": "gauntlet-baseline/1"})", "b.json");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("wrong schema"));

  r = ParseReportVerdicts(
      R"({"schema": "gauntlet-report/1", "policy": "require-tls",
          "results": [{"id": "x", "policy": "require-tls", "verdict": "maybe"}]})",
      "c.json");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("results[0]"));
  EXPECT_THAT(r.status().message(), HasSubstr("verdict"));

  r = ParseReportVerdicts("[1, 2]", "d.json");
  ASSERT_FALSE(r.ok());

  testing::TempDir dir;
  r = ReadReportVerdictsFile(dir.File("missing.json"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
}

TEST(JsonReportTest, WritesAFileThatReadsBack) {
  testing::TempDir dir;
  const RunReport report = SampleReport();
  ASSERT_TRUE(WriteJsonReport(dir.File("r.json"), report).ok());
  absl::StatusOr<ReportVerdicts> back = ReadReportVerdictsFile(dir.File("r.json"));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->verdicts.size(), 6u);
}

TEST(JsonReportTest, BaselineAndFailOnAreRecorded) {
  RunReport report = SampleReport();
  report.fail_on = scenario::Severity::kCritical;
  report.baseline_applied = true;
  report.baseline_source = "b.json";
  report.results[1].baseline_expected = "fail";
  report.results[0].baseline_expected = "timeout";
  report.results[0].differs_from_baseline = true;
  BaselineEntryNotRun gone;
  gone.key = "proto/gone";
  gone.expected = verdict::VerdictKind::kFail;
  gone.severity = scenario::Severity::kLow;
  report.baseline_not_run.push_back(gone);
  const json doc = Parse(report);
  EXPECT_EQ(doc["fail_on"], "critical");
  // The failure and the timeout (severity high) are below critical.
  EXPECT_EQ(doc["summary"]["below_fail_on"], 2);
  EXPECT_EQ(doc["baseline"],
            json({{"source", "b.json"},
                  {"known", 1},
                  {"new", 2},
                  {"fixed", 1},
                  {"not_run", json::array({{{"key", "proto/gone"},
                                            {"expected", "fail"},
                                            {"excluded_by_filter", false},
                                            {"severity", "low"}}})}}));
}

}  // namespace
}  // namespace gauntlet::report
