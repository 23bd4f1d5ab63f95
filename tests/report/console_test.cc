// Console report: result lines (severity, --fail-on and baseline marks),
// failure details and the expectation text, verbose transcripts, the
// summary lines, the recap, the exit line, the status line and the colour
// decision.

#include "harness/report/console.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/report/transcript_text.h"
#include "harness/verdict/rules.h"
#include "tests/report/report_fixture.h"

namespace gauntlet::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::SampleReport;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool HasLine(const std::vector<std::string>& lines, const std::string& want) {
  for (const std::string& l : lines) {
    if (l == want) return true;
  }
  return false;
}

// The index of the closing "N passed, ..." line; lines.size() if none.
std::size_t ClosingLine(const std::vector<std::string>& lines) {
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find(" passed, ") != std::string::npos &&
        lines[i].find(" inconclusive") != std::string::npos) {
      return i;
    }
  }
  return lines.size();
}

TEST(ConsoleTest, OneLinePerResultWithItsMark) {
  const RunReport report = SampleReport();
  ASSERT_EQ(report.results[0].verdict.verdict, verdict::VerdictKind::kPass);
  ASSERT_EQ(report.results[1].verdict.verdict, verdict::VerdictKind::kFail);
  ASSERT_EQ(report.results[2].verdict.verdict, verdict::VerdictKind::kSkip);
  ASSERT_EQ(report.results[3].verdict.verdict,
            verdict::VerdictKind::kInconclusive);
  ASSERT_EQ(report.results[4].verdict.verdict, verdict::VerdictKind::kTimeout);
  ASSERT_EQ(report.results[5].verdict.verdict, verdict::VerdictKind::kError);

  const auto lines = Lines(FormatConsoleReport(report, ConsoleOptions{}));
  EXPECT_TRUE(HasLine(lines, "  ✔ control/good-server  Good server, valid certificate"));
  // A failure (and a timeout) shows its scenario's severity.
  EXPECT_TRUE(HasLine(lines,
                      "  ✘ strip/capability-removed [high]  STARTTLS removed "
                      "from the EHLO reply"));
  EXPECT_TRUE(HasLine(lines, "  − cert/expired  Expired certificate"));
  EXPECT_TRUE(HasLine(lines, "  ? cert/self-signed  Self-signed certificate"));
  EXPECT_TRUE(
      HasLine(lines, "  ⏱ tls/stalled-handshake [high]  Handshake stalls"));
  EXPECT_TRUE(HasLine(lines, "  ! inject/after-starttls  Injection after STARTTLS"));
  for (const std::string& l : lines) {
    EXPECT_THAT(l, Not(HasSubstr("\x1b["))) << "colour was not asked for";
  }
}

TEST(ConsoleTest, FailureShowsExpectedActualFixRef) {
  const RunReport report = SampleReport();
  const ScenarioResult& fail = report.results[1];
  ASSERT_FALSE(fail.verdict.violations.empty());
  const auto lines = Lines(FormatResult(fail, ConsoleOptions{}));
  EXPECT_EQ(lines[1],
            "      Expected: under require-tls, never send protected data in "
            "plaintext, and refuse a TLS session with a bad certificate, TLS "
            "1.1 or a weak cipher suite; acting on injected bytes, not "
            "waiting for a reply, pipelining after STARTTLS, plaintext after "
            "a 220 to STARTTLS, STARTTLS inside TLS, stale capabilities, no "
            "EHLO after TLS, hanging and waiting past the limit fail under "
            "every policy");
  const verdict::Violation& v = fail.verdict.violations.front();
  EXPECT_THAT(v.sentence, HasSubstr("plaintext"));
  EXPECT_EQ(lines[2], "      Actual: " + v.sentence);
  EXPECT_THAT(lines[3], HasSubstr("      Evidence: connection 0 at +"));
  EXPECT_EQ(lines[4], "      Fix: " + v.fix);
  EXPECT_EQ(lines[5], "      Ref: " + v.reference + " [" + v.rule + "]");
  // One Actual line per violation.
  int actual = 0;
  for (const std::string& l : lines) {
    if (l.rfind("      Actual: ", 0) == 0) ++actual;
  }
  EXPECT_EQ(actual, static_cast<int>(fail.verdict.violations.size()));
  // A pass has no details.
  EXPECT_EQ(Lines(FormatResult(report.results[0], ConsoleOptions{})).size(), 1u);
}

TEST(ConsoleTest, SummaryLinesExactly) {
  const RunReport report = SampleReport();
  const auto lines = Lines(FormatSummaryLines(report, ConsoleOptions{}));
  ASSERT_GE(lines.size(), 3u);
  // fail + timeout + error are failures; skips and inconclusive results are
  // counted apart: an inconclusive result is not a skip.
  EXPECT_EQ(lines[lines.size() - 1],
            "1 passed, 3 failed, 1 skipped, 1 inconclusive");
  EXPECT_EQ(lines[lines.size() - 2],
            "inconclusive: 1, timeout: 1, error: 1, differs from baseline: 0");
  EXPECT_EQ(lines[lines.size() - 3], "Finished in 21.500 s (2 jobs)");

  RunReport clean = report;
  clean.results.resize(1);
  const auto clean_lines = Lines(FormatSummaryLines(clean, ConsoleOptions{}));
  EXPECT_EQ(clean_lines.back(),
            "1 passed, 0 failed, 0 skipped, 0 inconclusive");

  // The whole report: results, the summary, then the recap.
  const auto all = Lines(FormatConsoleReport(report, ConsoleOptions{}));
  const std::size_t closing = ClosingLine(all);
  ASSERT_LT(closing, all.size());
  EXPECT_EQ(all[closing], "1 passed, 3 failed, 1 skipped, 1 inconclusive");
  ASSERT_LT(closing + 2, all.size());
  EXPECT_EQ(all[closing + 1], "");
  EXPECT_EQ(all[closing + 2], "Failures (3):");
}

TEST(ConsoleTest, InterruptedRunSaysItIsPartial) {
  RunReport report = SampleReport();
  report.results.resize(2);
  report.interrupted = true;
  const auto lines = Lines(FormatConsoleReport(report, ConsoleOptions{}));
  EXPECT_TRUE(HasLine(lines,
                      "Interrupted: 2 of 6 results finished; this report is "
                      "partial."));
  EXPECT_TRUE(HasLine(lines, "1 passed, 1 failed, 0 skipped, 0 inconclusive"));
}

TEST(ConsoleTest, RecapListsEveryFailureWithSeverityAndRules) {
  const RunReport report = SampleReport();
  const std::string recap = FormatRecap(report, ConsoleOptions{});
  const std::string& fail_rule =
      report.results[1].verdict.violations.front().rule;
  const auto lines = Lines(recap);
  ASSERT_EQ(lines.size(), 5u) << recap;
  EXPECT_EQ(lines[0], "");
  EXPECT_EQ(lines[1], "Failures (3):");
  EXPECT_THAT(lines[2], ::testing::StartsWith(
                            "  strip/capability-removed [high] " + fail_rule));
  EXPECT_EQ(lines[3], "  tls/stalled-handshake [high] hang");
  EXPECT_THAT(lines[4],
              ::testing::StartsWith("  inject/after-starttls [error] error: "));
  // Nothing failed: nothing to recap.
  RunReport clean = report;
  clean.results.resize(1);
  EXPECT_EQ(FormatRecap(clean, ConsoleOptions{}), "");
}

TEST(ConsoleTest, FailOnMarksFailuresBelowItAndSaysSo) {
  RunReport report = SampleReport();
  report.results.resize(2);  // A pass and a failure.
  report.results[1].severity = scenario::Severity::kLow;
  for (verdict::Violation& v : report.results[1].verdict.violations) {
    v.severity = scenario::Severity::kLow;  // As Judge gives a low scenario.
  }
  report.fail_on = scenario::Severity::kMedium;
  ConsoleOptions opts;
  opts.fail_on = scenario::Severity::kMedium;
  const auto lines = Lines(FormatConsoleReport(report, opts));
  EXPECT_TRUE(HasLine(lines,
                      "  ✘ strip/capability-removed [low]  STARTTLS removed "
                      "from the EHLO reply (below --fail-on medium)"));
  EXPECT_TRUE(HasLine(lines,
                      "Below --fail-on medium: 1 failure listed and counted, "
                      "not failing the run"));
  // Still counted as a failure in the closing line.
  EXPECT_TRUE(HasLine(lines, "1 passed, 1 failed, 0 skipped, 0 inconclusive"));
  EXPECT_TRUE(HasLine(lines, "Failures (1):"));
  // At the threshold: no mark.
  report.results[1].severity = scenario::Severity::kMedium;
  for (verdict::Violation& v : report.results[1].verdict.violations) {
    v.severity = scenario::Severity::kMedium;
  }
  EXPECT_THAT(FormatResultLine(report.results[1], opts),
              Not(HasSubstr("below")));
  // A control that fails is not a finding to gate by severity: no mark.
  report.results[1].severity = scenario::Severity::kInfo;
  report.results[1].kind = scenario::ScenarioKind::kControl;
  EXPECT_THAT(FormatResultLine(report.results[1], opts),
              Not(HasSubstr("below")));
}

TEST(ConsoleTest, QuietListsOnlyWhatIsNotPassOrSkip) {
  RunReport report = SampleReport();
  ConsoleOptions opts;
  opts.failures_only = true;
  auto lines = Lines(FormatConsoleReport(report, opts));
  EXPECT_FALSE(HasLine(
      lines, "  ✔ control/good-server  Good server, valid certificate"));
  EXPECT_FALSE(HasLine(lines, "  − cert/expired  Expired certificate"));
  EXPECT_TRUE(HasLine(lines, "  ? cert/self-signed  Self-signed certificate"));
  EXPECT_TRUE(
      HasLine(lines, "  ⏱ tls/stalled-handshake [high]  Handshake stalls"));
  EXPECT_TRUE(HasLine(lines, "1 passed, 3 failed, 1 skipped, 1 inconclusive"));
  // A pass that differs from the baseline is still listed.
  report.results[0].differs_from_baseline = true;
  report.results[0].baseline_expected = "fail";
  lines = Lines(FormatConsoleReport(report, opts));
  EXPECT_TRUE(HasLine(lines,
                      "  ✔ control/good-server  Good server, valid certificate "
                      "(differs from baseline: baseline expects fail)"));
}

TEST(ConsoleTest, KnownFailuresAndTheBaselineLine) {
  RunReport report = SampleReport();
  // The baseline knew the failure and the timeout; the pass used to fail.
  report.baseline_applied = true;
  report.baseline_source = "b.json";
  report.results[1].baseline_expected = "fail";
  report.results[4].baseline_expected = "timeout";
  report.results[5].baseline_expected = "pass";
  report.results[5].differs_from_baseline = true;
  report.results[0].baseline_expected = "fail";
  report.results[0].differs_from_baseline = true;
  BaselineEntryNotRun gone;
  gone.key = "proto/gone";
  gone.expected = verdict::VerdictKind::kFail;
  report.baseline_not_run.push_back(gone);
  BaselineEntryNotRun filtered;
  filtered.key = "cert/filtered";
  filtered.excluded_by_filter = true;
  report.baseline_not_run.push_back(filtered);

  const auto lines = Lines(FormatConsoleReport(report, ConsoleOptions{}));
  EXPECT_TRUE(HasLine(lines,
                      "  ✘ strip/capability-removed [high]  STARTTLS removed "
                      "from the EHLO reply (known, in baseline)"));
  EXPECT_TRUE(HasLine(lines,
                      "inconclusive: 1, timeout: 1, error: 1, differs from "
                      "baseline: 3"));
  EXPECT_TRUE(HasLine(lines,
                      "Baseline b.json: 3 failed (2 known, 1 new), 1 fixed "
                      "since baseline, 1 entry not run"));
  EXPECT_TRUE(HasLine(
      lines, "  tls/stalled-handshake [high] hang (known, in baseline)"));
  EXPECT_TRUE(HasLine(lines, "Differences from baseline (2):"));
  EXPECT_TRUE(HasLine(lines,
                      "  control/good-server: pass (fixed) (differs from "
                      "baseline: baseline expects fail)"));
  EXPECT_TRUE(HasLine(lines,
                      "  proto/gone: not run (differs from baseline: "
                      "baseline expects fail)"));
  for (const std::string& l : lines) {
    EXPECT_THAT(l, Not(HasSubstr("cert/filtered:"))) << "--filter left it out";
  }
}

TEST(ConsoleTest, ExpectationEndsWithWhatFailsUnderEveryPolicy) {
  // Opportunistic allows plaintext and any certificate, not anything at all.
  EXPECT_EQ(ExpectationInWords(scenario::Policy::kOpportunistic,
                               scenario::Expectation::kUnrestricted),
            "under opportunistic, plaintext and any certificate are allowed; "
            "acting on injected bytes, not waiting for a reply, pipelining "
            "after STARTTLS, plaintext after a 220 to STARTTLS, STARTTLS "
            "inside TLS, stale capabilities, no EHLO after TLS, hanging and "
            "waiting past the limit still fail");
  for (scenario::Expectation e : scenario::AllExpectations()) {
    EXPECT_THAT(ExpectationInWords(scenario::Policy::kRequireTls, e),
                HasSubstr(UniversalRulesInWords()));
  }
  // One phrase per universal rule, none of them a bare rule id (the
  // fallback for a rule without words).
  std::vector<std::string> phrases;
  std::string words = UniversalRulesInWords();
  const std::size_t last = words.rfind(" and ");
  ASSERT_NE(last, std::string::npos);
  words.replace(last, 5, ", ");
  for (std::size_t at = 0; at <= words.size();) {
    const std::size_t comma = words.find(", ", at);
    phrases.push_back(words.substr(at, comma - at));
    if (comma == std::string::npos) break;
    at = comma + 2;
  }
  int universal = 0;
  for (const verdict::Rule& rule : verdict::AllRules()) {
    if (!rule.universal) continue;
    ++universal;
    for (const std::string& p : phrases) EXPECT_NE(p, rule.id);
  }
  EXPECT_EQ(static_cast<int>(phrases.size()), universal);
  EXPECT_EQ(universal, 9);
}
TEST(ConsoleTest, VerboseShowsTranscriptOfFailuresOnly) {
  const RunReport report = SampleReport();
  ConsoleOptions opts;
  opts.verbose = true;
  const auto fail_lines = Lines(FormatResult(report.results[1], opts));
  EXPECT_TRUE(HasLine(fail_lines, "      Transcript:"));
  EXPECT_TRUE(HasLine(fail_lines, "        connection 0: accepted +1.000ms"));
  EXPECT_TRUE(HasLine(
      fail_lines,
      "          [+1.000ms] S→C plaintext  220 mx.gauntlet.test ESMTP "
      "Gauntlet\\r\\n"));
  EXPECT_TRUE(HasLine(fail_lines,
                      "          [+2.000ms] C→S plaintext  EHLO client.test\\r\\n"));
  const int64_t closed = report.results[1].transcript.connections[0].closed_us;
  EXPECT_TRUE(HasLine(fail_lines, "          close: client-fin at " +
                                      FormatServerTime(closed)));
  const auto pass_lines = Lines(FormatResult(report.results[0], opts));
  EXPECT_FALSE(HasLine(pass_lines, "      Transcript:"));
  // The inconclusive result shows its stderr.
  const auto inc = Lines(FormatResult(report.results[3], opts));
  EXPECT_TRUE(HasLine(inc, "        curl: (7) Failed to connect"));
  EXPECT_TRUE(HasLine(inc, "        (no connections)"));
}

TEST(ConsoleTest, TranscriptEscapesAndTruncatesHostileBytes) {
  fake::Transcript t;
  fake::ConnectionTranscript c;
  c.accepted_us = 12'345;
  fake::WireChunk chunk;
  chunk.t_us = 12'345;
  chunk.bytes = std::string("A\0\x1b[2J\xff\\\r\n", 10);
  c.wire.push_back(chunk);
  fake::WireChunk big;
  big.t_us = 13'000;
  big.direction = fake::Direction::kServerToClient;
  big.channel = fake::Channel::kTlsRecords;
  big.phase = fake::SessionPhase::kHandshake;
  big.bytes = std::string(5000, '\x16');
  c.wire.push_back(big);
  fake::WireChunk late;
  late.t_us = 14'000;
  late.phase = fake::SessionPhase::kAfterTlsFailure;
  late.bytes = "AUTH PLAIN x\r\n";
  c.wire.push_back(late);
  c.tls.client_hello = fake::ClientHelloFacts{"mx.test", {"TLSv1.3", "TLSv1.2"}, {}};
  c.tls.outcome = fake::HandshakeOutcome::kFailed;
  c.tls.failure = "bad certificate";
  c.tls.alerts_received = {"fatal bad_certificate"};
  c.close = fake::CloseKind::kClientReset;
  c.closed_us = 15'000;
  t.connections.push_back(c);

  TranscriptTextOptions opts;
  opts.indent = "";
  opts.max_chunk_chars = 40;
  const auto lines = Lines(FormatTranscript(t, opts));
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[1], "  [+12.345ms] C→S plaintext  A\\x00\\x1b[2J\\xff\\\\\\r\\n");
  EXPECT_EQ(lines[2], "  [+13.000ms] S→C tls-records  " +
                          [] {
                            std::string s;
                            for (int i = 0; i < 10; ++i) s += "\\x16";
                            return s;
                          }() +
                          "... [5000 bytes]");
  EXPECT_EQ(lines[3],
            "  [+14.000ms] C→S plaintext(after-tls-failure)  AUTH PLAIN x\\r\\n");
  EXPECT_EQ(lines[4],
            "  TLS: SNI mx.test; offered TLSv1.3 TLSv1.2; outcome failed (bad "
            "certificate); alerts received: fatal bad_certificate; alerts "
            "sent: none");
  EXPECT_EQ(lines[5], "  close: client-reset at +15.000ms");
  for (const std::string& l : lines) {
    EXPECT_EQ(l.find('\x1b'), std::string::npos);
    EXPECT_EQ(l.find('\0'), std::string::npos);
  }

  // The number of chunks shown is bounded too.
  fake::Transcript many;
  many.connections.emplace_back();
  for (int i = 0; i < 300; ++i) many.connections[0].wire.push_back(chunk);
  const auto many_lines = Lines(FormatTranscript(many, opts));
  EXPECT_TRUE(HasLine(many_lines, "  ... 100 more chunks"));
}

TEST(ConsoleTest, ColourOnlyWhenAsked) {
  const RunReport report = SampleReport();
  ConsoleOptions opts;
  opts.color = true;
  EXPECT_THAT(FormatResult(report.results[0], opts),
              HasSubstr("\x1b[32m✔\x1b[0m"));
  EXPECT_THAT(FormatResult(report.results[1], opts),
              HasSubstr("\x1b[31m✘\x1b[0m"));
  // The closing line is never coloured.
  EXPECT_EQ(Lines(FormatSummaryLines(report, opts)).back(),
            "1 passed, 3 failed, 1 skipped, 1 inconclusive");
}

TEST(ConsoleTest, ColorWantedOnlyOnATerminalWithoutNoColor) {
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  const int master = posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(master, 0);
  ASSERT_EQ(grantpt(master), 0);
  ASSERT_EQ(unlockpt(master), 0);
  const int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
  ASSERT_GE(slave, 0);

  const char* saved = getenv("NO_COLOR");
  const std::string saved_value = saved ? saved : "";
  const char* saved_term = getenv("TERM");
  const std::string saved_term_value = saved_term ? saved_term : "";
  unsetenv("NO_COLOR");
  setenv("TERM", "xterm-256color", 1);
  EXPECT_TRUE(ColorWanted(slave));
  EXPECT_TRUE(TerminalCanRedraw(slave));
  EXPECT_FALSE(ColorWanted(pipefd[1]));
  EXPECT_FALSE(TerminalCanRedraw(pipefd[1]));
  setenv("NO_COLOR", "1", 1);
  EXPECT_FALSE(ColorWanted(slave));
  setenv("NO_COLOR", "", 1);  // Empty means unset (no-color.org).
  EXPECT_TRUE(ColorWanted(slave));
  // A dumb terminal gets neither colour nor redrawn lines.
  setenv("TERM", "dumb", 1);
  EXPECT_FALSE(ColorWanted(slave));
  EXPECT_FALSE(TerminalCanRedraw(slave));
  if (saved) {
    setenv("NO_COLOR", saved_value.c_str(), 1);
  } else {
    unsetenv("NO_COLOR");
  }
  if (saved_term) {
    setenv("TERM", saved_term_value.c_str(), 1);
  } else {
    unsetenv("TERM");
  }
  close(slave);
  close(master);
  close(pipefd[0]);
  close(pipefd[1]);
}

TEST(ConsoleTest, StatusLineSaysWhatIsRunningAndForHowLong) {
  std::vector<RunningScenario> running = {{"tls/stall", 0, 12'400, 60'000},
                                          {"proto/x", 2, 3'000, 10'000}};
  EXPECT_EQ(FormatStatusLine(69, 73, running, 200),
            "[69/73] running: tls/stall 12 s of 60 s, proto/x#3 3 s of 10 s");
  EXPECT_EQ(FormatStatusLine(73, 73, {}, 200), "[73/73]");
  // What does not fit is counted, and the line never exceeds the width.
  const std::string cut = FormatStatusLine(69, 73, running, 50);
  EXPECT_EQ(cut, "[69/73] running: tls/stall 12 s of 60 s, +1 more");
  EXPECT_LE(cut.size(), 50u);
  EXPECT_EQ(FormatStatusLine(69, 73, running, 30), "[69/73] running: +2 more");
  EXPECT_EQ(FormatStatusLine(69, 73, running, 5), "[69/7");
  // Hostile ids are escaped (no terminal control bytes).
  running = {{std::string("a\x1b]0;x\a", 7), 0, 0, 1000}};
  EXPECT_EQ(FormatStatusLine(0, 1, running, 200),
            "[0/1] running: a\\x1b]0;x\\x07 0 s of 1 s");
}

TEST(ConsoleTest, ExitLineSaysWhy) {
  GateDecision d;
  d.outcome = GateOutcome::kNotJudged;
  d.reason = "no control scenario passed";
  EXPECT_EQ(FormatExitLine(d, 3),
            "Exit status 3 (inconclusive: the client could not be judged): no "
            "control scenario passed\n");
}

TEST(ConsoleTest, BaselineDifferenceOnTheResultLine) {
  RunReport report = SampleReport();
  report.results[0].differs_from_baseline = true;
  report.results[0].baseline_expected = "fail";
  report.results[1].differs_from_baseline = true;
  const auto lines = Lines(FormatConsoleReport(report, ConsoleOptions{}));
  EXPECT_TRUE(HasLine(lines,
                      "  ✔ control/good-server  Good server, valid certificate "
                      "(differs from baseline: baseline expects fail)"));
  EXPECT_TRUE(HasLine(lines,
                      "inconclusive: 1, timeout: 1, error: 1, differs from "
                      "baseline: 2"));
  // A failure that differs is a new one, and says so in the recap.
  EXPECT_TRUE(HasLine(lines,
                      "  ✘ strip/capability-removed [high]  STARTTLS removed "
                      "from the EHLO reply (differs from baseline: not in "
                      "baseline)"));
}

}  // namespace
}  // namespace gauntlet::report
