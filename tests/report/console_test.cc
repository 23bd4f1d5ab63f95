// Console report: result lines, failure details, verbose transcripts,
// the closing summary lines, progress lines and the colour decision.

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
  EXPECT_TRUE(HasLine(lines, "  ✘ strip/capability-removed  STARTTLS removed from the EHLO reply"));
  EXPECT_TRUE(HasLine(lines, "  − cert/expired  Expired certificate"));
  EXPECT_TRUE(HasLine(lines, "  ? cert/self-signed  Self-signed certificate"));
  EXPECT_TRUE(HasLine(lines, "  ⏱ tls/stalled-handshake  Handshake stalls"));
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
            "1.1 or a weak cipher suite");
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
  const auto lines = Lines(FormatConsoleReport(report, ConsoleOptions{}));
  ASSERT_GE(lines.size(), 2u);
  // fail + timeout + error are failures; skip + inconclusive are skipped.
  EXPECT_EQ(lines[lines.size() - 1], "1 passed, 3 failed, 2 skipped");
  EXPECT_EQ(lines[lines.size() - 2],
            "inconclusive: 1, timeout: 1, error: 1, differs from baseline: 0");
  EXPECT_EQ(lines[lines.size() - 3], "Finished in 21.500 s (2 jobs)");

  RunReport clean = report;
  clean.results.resize(1);
  const auto clean_lines = Lines(FormatSummaryLines(clean, ConsoleOptions{}));
  EXPECT_EQ(clean_lines.back(), "1 passed, 0 failed, 0 skipped");
}

TEST(ConsoleTest, InterruptedRunSaysItIsPartial) {
  RunReport report = SampleReport();
  report.results.resize(2);
  report.interrupted = true;
  const auto lines = Lines(FormatConsoleReport(report, ConsoleOptions{}));
  EXPECT_TRUE(HasLine(lines,
                      "Interrupted: 2 of 6 results finished; this report is "
                      "partial."));
  EXPECT_EQ(lines.back(), "1 passed, 1 failed, 0 skipped");
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
            "1 passed, 3 failed, 2 skipped");
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
  unsetenv("NO_COLOR");
  EXPECT_TRUE(ColorWanted(slave));
  EXPECT_FALSE(ColorWanted(pipefd[1]));
  setenv("NO_COLOR", "1", 1);
  EXPECT_FALSE(ColorWanted(slave));
  setenv("NO_COLOR", "", 1);  // Empty means unset (no-color.org).
  EXPECT_TRUE(ColorWanted(slave));
  if (saved) {
    setenv("NO_COLOR", saved_value.c_str(), 1);
  } else {
    unsetenv("NO_COLOR");
  }
  close(slave);
  close(master);
  close(pipefd[0]);
  close(pipefd[1]);
}

TEST(ConsoleTest, ProgressLine) {
  EXPECT_EQ(FormatProgress(12, 55, "cert/expired", /*terminal=*/true),
            "\r[12/55] cert/expired ...\x1b[K");
  EXPECT_EQ(FormatProgress(12, 55, "cert/expired", /*terminal=*/false),
            "[12/55] cert/expired ...\n");
  EXPECT_EQ(FormatProgress(1, 2, std::string("a\x1b]0;x\a", 7), false),
            "[1/2] a\\x1b]0;x\\x07 ...\n");
  EXPECT_EQ(ClearProgress(true), "\r\x1b[K");
  EXPECT_EQ(ClearProgress(false), "");
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
  EXPECT_EQ(lines[lines.size() - 2],
            "inconclusive: 1, timeout: 1, error: 1, differs from baseline: 2");
}

}  // namespace
}  // namespace gauntlet::report
