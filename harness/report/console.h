// The console report, in the manner of h2spec: one line per result with a
// mark, and for a failure its severity, what was expected, what the client
// did, how to fix it and where the rule comes from.
//
//   ✔ control/good-server  Good server, valid certificate
//   ✘ strip/capability-removed [critical]  STARTTLS removed from the EHLO reply
//       Expected: under require-tls, never send protected data in ...
//       Actual: sent AUTH PLAIN credentials in plaintext ...
//       Evidence: connection 0 at +5.000ms: AUTH PLAIN AGFsaWNl...
//       Fix: ...
//       Ref: RFC 3207 §4 [plaintext-auth]
//
// A failure below --fail-on is marked "(below --fail-on high)", one the
// baseline expects "(known, in baseline)". The summary lines end with
//   inconclusive: 0, timeout: 1, error: 0, differs from baseline: 0
//   48 passed, 4 failed, 3 skipped, 1 inconclusive
// where the closing line adds up to the number of results and "failed"
// includes timeouts and harness errors. CI scripts may parse the closing
// line (the one matching "N passed, N failed, N skipped, N inconclusive");
// it is followed by the recap (FormatRecap) and by what `gauntlet run`
// prints itself (report paths, the exit status and why). Exit statuses
// follow the gate (gate.h), not these counts.
//
// Everything here returns text; the caller decides where it goes. Colour
// (ANSI) is used only when asked for: see ColorWanted.

#ifndef GAUNTLET_HARNESS_REPORT_CONSOLE_H_
#define GAUNTLET_HARNESS_REPORT_CONSOLE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/report/gate.h"
#include "harness/report/run_result.h"
#include "harness/scenario/scenario.h"
#include "harness/verdict/verdict.h"

namespace gauntlet::report {

struct ConsoleOptions {
  bool color = false;
  // Adds notes, the client's stderr and the transcript of every result
  // that is not a pass or a skip.
  bool verbose = false;
  // Adds "[policy]" to each result line (for runs that mix policies).
  bool show_policy = false;
  // --fail-on: failing attack results below it are marked as not counted.
  scenario::Severity fail_on = scenario::Severity::kInfo;
  // -q: FormatConsoleReport lists only the results ShownWhenQuiet.
  bool failures_only = false;
};

// True when `fd` is a terminal that can redraw a line in place: isatty and
// TERM is not "dumb".
bool TerminalCanRedraw(int fd);

// True when `fd` is a terminal, TERM is not "dumb" and NO_COLOR is unset or
// empty (https://no-color.org).
bool ColorWanted(int fd);

// ✔ ✘ − ? ⏱ ! for pass, fail, skip, inconclusive, timeout, error.
std::string_view VerdictMark(verdict::VerdictKind kind);

// What a client must do, in words, ending with what fails under every
// policy (the universal rules of harness/verdict/rules.h): "under
// opportunistic, plaintext and any certificate are allowed; acting on
// injected bytes, ... and hanging still fail".
std::string ExpectationInWords(scenario::Policy policy,
                               scenario::Expectation expectation);

// "acting on injected bytes, ..., no EHLO after TLS and hanging": the
// universal rules in words, in AllRules() order.
std::string UniversalRulesInWords();

// What -q still lists: a result that is not a pass or a skip, or that
// differs from the baseline.
bool ShownWhenQuiet(const ScenarioResult& result);

// One result: its line and, unless it passed, the indented details.
std::string FormatResult(const ScenarioResult& result,
                         const ConsoleOptions& options);

// The one-line result (mark, id, severity of a failure, title, marks),
// without details and without the trailing newline.
std::string FormatResultLine(const ScenarioResult& result,
                             const ConsoleOptions& options);

// The summary lines: interruption, run notes, timing, the breakdown line,
// the baseline line ("Baseline b.json: 2 failed (2 known, 0 new), 0 fixed
// since baseline"), the --fail-on line when failures fell below it, and the
// closing "N passed, N failed, N skipped, N inconclusive" line.
std::string FormatSummaryLines(const RunReport& report,
                               const ConsoleOptions& options);

// The recap after the summary: "Failures (N):" with one line per failing
// result (id, [severity], rule ids; known ones and those below --fail-on
// marked), then "Differences from baseline (N):" for differences that are
// not failures (fixed results, entries that did not run). Empty when there
// is nothing to recap; otherwise it starts with an empty line.
std::string FormatRecap(const RunReport& report, const ConsoleOptions& options);

// Every result (or, with failures_only, those ShownWhenQuiet),
// then the summary lines and the recap. show_policy is set automatically
// when the results mix policies.
std::string FormatConsoleReport(const RunReport& report,
                                const ConsoleOptions& options);

// "Exit status 3 (inconclusive: the client could not be judged): <reason>".
std::string FormatExitLine(const GateDecision& decision, int exit_status);

// A scenario run in progress, for the status line.
struct RunningScenario {
  std::string id;
  int repeat_index = 0;
  int64_t elapsed_ms = 0;
  int64_t timeout_ms = 0;
};

// The status line of a run in a terminal, at most `max_width` bytes (plain
// ASCII, no escape sequences):
//   "[69/73] running: tls/stall 12 s of 60 s, proto/x 3 s of 10 s"
// `running` is listed as given; what does not fit is cut to "+N more".
std::string FormatStatusLine(int done, int total,
                             const std::vector<RunningScenario>& running,
                             std::size_t max_width);

}  // namespace gauntlet::report

#endif  // GAUNTLET_HARNESS_REPORT_CONSOLE_H_
