// JUnit XML: counts, names, failure messages and types, parsed back with
// pugixml; well-formedness with hostile bytes checked by xmllint (a strict
// XML 1.0 parser) and by a byte scan.

#include "harness/report/junit.h"

#include <sys/wait.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/report/file_io.h"
#include "pugixml.hpp"
#include "tests/report/report_fixture.h"

namespace gauntlet::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using testing::SampleReport;

std::string Junit(const RunReport& report) {
  absl::StatusOr<std::string> xml = FormatJunitReport(report);
  EXPECT_TRUE(xml.ok()) << xml.status();
  return xml.ok() ? *xml : std::string();
}

// No byte XML 1.0 forbids: C0 controls other than TAB/LF/CR.
bool OnlyXmlChars(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
  }
  return true;
}

// xmllint is strict about XML 1.0 characters and UTF-8 (pugixml is not).
void ExpectXmllintAccepts(const std::string& xml) {
  testing::TempDir dir;
  const std::string path = dir.File("junit.xml");
  ASSERT_TRUE(WriteFileAtomically(path, xml).ok());
  const std::string cmd = "xmllint --noout '" + path + "' 2>&1";
  const int rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc));
  EXPECT_EQ(WEXITSTATUS(rc), 0) << "xmllint rejected:\n" << xml;
}

TEST(JunitTest, CountsNamesAndFailures) {
  const RunReport report = SampleReport();
  const std::string xml = Junit(report);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(xml.c_str())) << xml;
  pugi::xml_node suite = doc.child("testsuites").child("testsuite");
  ASSERT_TRUE(suite);
  EXPECT_STREQ(suite.attribute("name").value(), "gauntlet");
  EXPECT_EQ(suite.attribute("tests").as_int(), 6);
  EXPECT_EQ(suite.attribute("failures").as_int(), 2);  // fail + timeout
  EXPECT_EQ(suite.attribute("errors").as_int(), 1);
  EXPECT_EQ(suite.attribute("skipped").as_int(), 2);   // skip + inconclusive
  EXPECT_STREQ(suite.attribute("time").value(), "21.500");

  std::vector<pugi::xml_node> cases;
  for (pugi::xml_node tc : suite.children("testcase")) cases.push_back(tc);
  ASSERT_EQ(cases.size(), 6u);
  EXPECT_STREQ(cases[0].attribute("classname").value(), "gauntlet.control");
  EXPECT_STREQ(cases[0].attribute("name").value(),
               "control/good-server (require-tls)");
  EXPECT_FALSE(cases[0].child("failure"));
  EXPECT_FALSE(cases[0].child("system-out"));

  const verdict::Verdict& fail = report.results[1].verdict;
  ASSERT_FALSE(fail.violations.empty());
  EXPECT_STREQ(cases[1].attribute("classname").value(), "gauntlet.strip");
  pugi::xml_node failure = cases[1].child("failure");
  ASSERT_TRUE(failure);
  EXPECT_EQ(std::string(failure.attribute("message").value()),
            fail.violations[0].sentence);
  EXPECT_EQ(std::string(failure.attribute("type").value()),
            fail.violations[0].rule);
  const std::string details = failure.text().get();
  EXPECT_THAT(details, HasSubstr("Expected: under require-tls"));
  EXPECT_THAT(details, HasSubstr("Actual: " + fail.violations[0].sentence));
  EXPECT_THAT(details, HasSubstr("Fix: " + fail.violations[0].fix));
  EXPECT_THAT(details, HasSubstr("Ref: " + fail.violations[0].reference));
  EXPECT_THAT(std::string(cases[1].child("system-out").text().get()),
              HasSubstr("[+2.000ms] C→S plaintext  EHLO client.test\\r\\n"));

  EXPECT_TRUE(cases[2].child("skipped"));
  EXPECT_FALSE(cases[2].child("failure"));
  pugi::xml_node inconclusive = cases[3].child("skipped");
  ASSERT_TRUE(inconclusive);
  EXPECT_THAT(inconclusive.attribute("message").value(),
              StartsWith("inconclusive: "));
  EXPECT_THAT(inconclusive.attribute("message").value(),
              Not(HasSubstr("inconclusive: inconclusive")));
  EXPECT_THAT(cases[3].child("system-err").text().get(),
              HasSubstr("Failed to connect"));
  pugi::xml_node hang = cases[4].child("failure");
  ASSERT_TRUE(hang);
  EXPECT_STREQ(hang.attribute("type").value(), "hang");
  pugi::xml_node error = cases[5].child("error");
  ASSERT_TRUE(error);
  EXPECT_THAT(error.attribute("message").value(),
              HasSubstr("the fake server did not start"));
  ExpectXmllintAccepts(xml);
}

std::string Property(pugi::xml_node suite, const std::string& name) {
  for (pugi::xml_node p : suite.child("properties").children("property")) {
    if (name == p.attribute("name").value())
      return p.attribute("value").value();
  }
  return "(missing)";
}

TEST(JunitTest, InconclusiveIsCountedApartFromSkips) {
  const RunReport report = SampleReport();
  pugi::xml_document doc;
  const std::string xml = Junit(report);
  ASSERT_TRUE(doc.load_string(xml.c_str())) << xml;
  pugi::xml_node suite = doc.child("testsuites").child("testsuite");
  // Both are <skipped> elements (JUnit has nothing else for them), so the
  // "skipped" attribute counts both; the properties tell them apart.
  EXPECT_EQ(suite.attribute("skipped").as_int(), 2);
  EXPECT_EQ(Property(suite, "inconclusive"), "1");
  EXPECT_EQ(Property(suite, "skip"), "1");
  EXPECT_EQ(Property(suite, "fail_on"), "info");
  EXPECT_EQ(Property(suite, "below_fail_on"), "0");
  EXPECT_EQ(Property(suite, "baseline"), "(missing)");
}

TEST(JunitTest, FailureSaysItsSeverityAndWhetherItGates) {
  RunReport report = SampleReport();
  report.results[1].severity = scenario::Severity::kLow;
  for (verdict::Violation& v : report.results[1].verdict.violations) {
    v.severity = scenario::Severity::kLow;  // As Judge gives a low scenario.
  }
  report.fail_on = scenario::Severity::kHigh;
  report.baseline_applied = true;
  report.baseline_source = "b.json";
  report.results[4].baseline_expected = "timeout";
  pugi::xml_document doc;
  const std::string xml = Junit(report);
  ASSERT_TRUE(doc.load_string(xml.c_str())) << xml;
  pugi::xml_node suite = doc.child("testsuites").child("testsuite");
  std::vector<pugi::xml_node> cases;
  for (pugi::xml_node tc : suite.children("testcase")) cases.push_back(tc);
  ASSERT_EQ(cases.size(), 6u);
  EXPECT_THAT(std::string(cases[1].child("failure").text().get()),
              StartsWith("Severity: low (below --fail-on high: reported, not "
                         "failing the run)\nExpected: "));
  EXPECT_THAT(std::string(cases[4].child("failure").text().get()),
              StartsWith("Severity: high (known, in baseline)\n"));
  EXPECT_EQ(Property(suite, "fail_on"), "high");
  EXPECT_EQ(Property(suite, "below_fail_on"), "1");
  EXPECT_EQ(Property(suite, "baseline"), "b.json");
  EXPECT_EQ(Property(suite, "baseline_known"), "1");
  EXPECT_EQ(Property(suite, "baseline_new"), "2");
}

TEST(JunitTest, WellFormedWithNulControlAndNonUtf8Bytes) {
  RunReport report = SampleReport();
  ScenarioResult& r = report.results[1];
  std::string hostile;
  for (int b = 0; b < 256; ++b) hostile.push_back(static_cast<char>(b));
  r.transcript.connections[0].wire[1].bytes = hostile;
  r.title = std::string("title \0\x01\x0b\xff ]]> </testcase>", 27);
  r.scenario_id = std::string("strip/\x1b]x\"<&", 12);
  r.verdict.violations[0].sentence = std::string("sent \0 NUL \x7f\xc2\x80 and \xef\xbf\xbe", 22);
  r.verdict.violations[0].rule = "rule\x02";
  r.client_stderr = hostile + "]]>";
  report.results[4].verdict.summary = std::string("hang \x03", 6);
  report.notes.push_back(std::string("note \x04\xfe", 7));
  report.client_name = std::string("cl\x05ient", 7);

  const std::string xml = Junit(report);
  EXPECT_TRUE(OnlyXmlChars(xml));
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(xml.c_str()));
  pugi::xml_node tc = doc.child("testsuites").child("testsuite").child("testcase")
                          .next_sibling("testcase");
  EXPECT_STREQ(tc.attribute("name").value(),
               "strip/\\x1b]x\"<& (require-tls)");
  EXPECT_THAT(tc.child("failure").attribute("message").value(),
              HasSubstr("sent \\x00 NUL \\x7f\\xc2\\x80 and \\xef\\xbf\\xbe"));
  EXPECT_THAT(tc.child("system-out").text().get(), HasSubstr("\\x00\\x01\\x02"));
  EXPECT_THAT(tc.child("system-err").text().get(), HasSubstr("]]>"));
  ExpectXmllintAccepts(xml);
}

TEST(JunitTest, InterruptedRunAndRepeats) {
  RunReport report = SampleReport();
  report.results.resize(2);
  ScenarioResult again = report.results[1];
  again.repeat_index = 1;
  report.results.push_back(again);
  report.interrupted = true;
  const std::string xml = Junit(report);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(xml.c_str()));
  pugi::xml_node suite = doc.child("testsuites").child("testsuite");
  EXPECT_EQ(suite.attribute("tests").as_int(), 3);
  EXPECT_EQ(suite.attribute("failures").as_int(), 2);
  EXPECT_TRUE(suite.child("properties")
                  .find_child_by_attribute("property", "name", "interrupted")
                  .attribute("value").as_bool());
  EXPECT_THAT(suite.child("system-out").text().get(),
              HasSubstr("Interrupted: 3 of 6 results finished"));
  bool found_repeat = false;
  for (pugi::xml_node tc : suite.children("testcase")) {
    if (std::string(tc.attribute("name").value()) ==
        "strip/capability-removed (require-tls) #2") {
      found_repeat = true;
    }
  }
  EXPECT_TRUE(found_repeat);
  ExpectXmllintAccepts(xml);
}

}  // namespace
}  // namespace gauntlet::report
