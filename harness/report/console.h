// The console report, in the manner of h2spec: one line per result with a
// mark, and for a failure what was expected, what the client did, how to
// fix it and where the rule comes from.
//
//   ✔ control/good-server  Good server, valid certificate
//   ✘ strip/capability-removed  STARTTLS removed from the EHLO reply
//       Expected: under require-tls, never send protected data in ...
//       Actual: sent AUTH PLAIN credentials in plaintext ...
//       Evidence: connection 0 at +5.000ms: AUTH PLAIN AGFsaWNl...
//       Fix: ...
//       Ref: RFC 3207 §4 [plaintext-auth]
//
// The last two lines are always
//   inconclusive: 0, timeout: 1, error: 0, differs from baseline: 0
//   48 passed, 4 failed, 3 skipped
// where the closing line adds up to the number of results: "failed"
// includes timeouts and harness errors, "skipped" includes inconclusive
// results. CI scripts may parse the closing line.
//
// Everything here returns text; the caller decides where it goes. Colour
// (ANSI) is used only when asked for: see ColorWanted.

#ifndef GAUNTLET_HARNESS_REPORT_CONSOLE_H_
#define GAUNTLET_HARNESS_REPORT_CONSOLE_H_

#include <string>
#include <string_view>

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
};

// True when `fd` is a terminal and NO_COLOR is unset or empty
// (https://no-color.org).
bool ColorWanted(int fd);

// ✔ ✘ − ? ⏱ ! for pass, fail, skip, inconclusive, timeout, error.
std::string_view VerdictMark(verdict::VerdictKind kind);

// "under require-tls, deliver the message over TLS", ...
std::string ExpectationInWords(scenario::Policy policy,
                               scenario::Expectation expectation);

// One result: its line and, unless it passed, the indented details.
std::string FormatResult(const ScenarioResult& result,
                         const ConsoleOptions& options);

// The closing lines (interruption, run notes, timing, the breakdown line
// and the closing "N passed, N failed, N skipped" line).
std::string FormatSummaryLines(const RunReport& report,
                               const ConsoleOptions& options);

// Every result, then the summary lines. show_policy is set automatically
// when the results mix policies.
std::string FormatConsoleReport(const RunReport& report,
                                const ConsoleOptions& options);

// A progress line for long runs: "[12/55] cert/expired ...". On a terminal
// it starts with "\r" and clears the rest of the line (no newline), so each
// call overwrites the last; otherwise it is a plain line ending in '\n'.
std::string FormatProgress(int done, int total, std::string_view scenario_id,
                           bool terminal);
// Erases the progress line on a terminal (empty otherwise).
std::string ClearProgress(bool terminal);

}  // namespace gauntlet::report

#endif  // GAUNTLET_HARNESS_REPORT_CONSOLE_H_
