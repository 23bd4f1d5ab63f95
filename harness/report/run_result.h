// The results of one Gauntlet run: what the runner fills in and every report
// (console, JSON, JUnit XML, baseline) reads.
//
// A RunReport is plain data. It holds one ScenarioResult per scenario run
// (per policy and repeat), each with the verdict, the observations and the
// transcript it was judged from, so that a report can always show why. A
// run that was interrupted is still a valid RunReport: `interrupted` is set
// and `results` holds what finished. It also carries what the gate
// (gate.h) needs besides the verdicts: the --fail-on threshold and, when a
// baseline was applied, the baseline entries that produced no result.

#ifndef GAUNTLET_HARNESS_REPORT_RUN_RESULT_H_
#define GAUNTLET_HARNESS_REPORT_RUN_RESULT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "fake_servers/transcript.h"
#include "harness/scenario/scenario.h"
#include "harness/verdict/observations.h"
#include "harness/verdict/verdict.h"

namespace gauntlet::report {

struct ScenarioResult {
  std::string scenario_id;  // e.g. "cert/expired".
  std::string title;
  std::vector<std::string> tags;
  scenario::Severity severity = scenario::Severity::kMedium;
  scenario::ScenarioKind kind = scenario::ScenarioKind::kAttack;
  scenario::Policy policy = scenario::Policy::kRequireTls;
  scenario::Expectation expectation = scenario::Expectation::kStaySecure;
  // The scenario's expectation under every policy (Scenario::ExpectationFor),
  // so that a saved report can be judged again under another policy
  // (`gauntlet judge --policy`). Empty only in results made by hand.
  std::vector<std::pair<scenario::Policy, scenario::Expectation>>
      expectations;
  // Set when the harness, not the client, failed (the verdict is kError):
  // the harness's message. Such a verdict is not drawn from the transcript,
  // so `gauntlet judge` keeps it as it was.
  std::optional<std::string> harness_error;
  // Set when the client profile marked the scenario unsupported (the
  // verdict is kSkip and nothing ran): the profile's glob that matched.
  std::optional<std::string> profile_skip;
  // How many of the transcript's connections are the client's, from the
  // first; the rest are not judged (a proxy session's upstream leg, where
  // the proxy itself was the client). Unset: all of them.
  std::optional<int> judged_connections;
  // 0 for the first run of a scenario; --repeat runs count up.
  int repeat_index = 0;
  verdict::Verdict verdict;
  verdict::Observations observations;
  fake::Transcript transcript;
  verdict::ClientRun client;
  // Bounded excerpts of the client's output (raw bytes; reports escape them).
  std::string client_stdout;
  std::string client_stderr;
  int64_t duration_us = 0;
  // Set by ApplyBaseline (baseline.h): the verdict name the baseline
  // expects, unset when the baseline has no entry for this result.
  std::optional<std::string> baseline_expected;
  bool differs_from_baseline = false;
};

// A baseline entry that no result matched (set by ApplyBaseline).
struct BaselineEntryNotRun {
  // "cert/expired", or "cert/expired@opportunistic".
  std::string key;
  verdict::VerdictKind expected = verdict::VerdictKind::kPass;
  // --filter left the scenario out of this run: reported, not a difference.
  bool excluded_by_filter = false;
  // The scenario's severity; kCritical when the catalog does not know the
  // id (so that --fail-on never hides a stale baseline).
  scenario::Severity severity = scenario::Severity::kCritical;
};

struct RunReport {
  std::string gauntlet_version;
  std::string client_name;
  std::string client_command;
  scenario::Policy policy = scenario::Policy::kRequireTls;
  absl::Time started = absl::UnixEpoch();
  int64_t wall_us = 0;
  // CPU time (user + system, every thread) Gauntlet's own process had used
  // when the run ended: the harness's cost, clients excluded.
  int64_t harness_cpu_us = 0;
  int jobs = 1;
  // Ctrl-C or a fatal error stopped the run: `results` is partial.
  bool interrupted = false;
  // The client failed a control scenario of this run, so its attack passes
  // were judged inconclusive (verdict::JudgeInput::controls_failed).
  bool controls_failed = false;
  // How many results the run was going to produce; 0 when unknown. Lets a
  // partial report say "12 of 55".
  int planned = 0;
  std::vector<ScenarioResult> results;
  // Run-level remarks, e.g. from ApplyBaseline ("not run" entries).
  std::vector<std::string> notes;
  // --fail-on: failures (and baseline differences) of scenarios less severe
  // than this are reported and counted but do not fail the run. kInfo, the
  // least severe, makes every failure count.
  scenario::Severity fail_on = scenario::Severity::kInfo;
  // Set by ApplyBaseline: where the baseline came from (for messages), and
  // its entries that no result matched.
  bool baseline_applied = false;
  std::string baseline_source;
  std::vector<BaselineEntryNotRun> baseline_not_run;
};

// Counts per verdict. Every result counts once (repeats included).
struct Summary {
  int total = 0;
  int passed = 0;
  int failed = 0;
  int skipped = 0;
  int inconclusive = 0;
  int timeouts = 0;
  int errors = 0;
  // Results with differs_from_baseline set.
  int baseline_diffs = 0;
  // Baseline entries that did not run although --filter selected them
  // (differences too; entries --filter excluded are not counted).
  int baseline_missing = 0;
  // Failed or timed-out attack results less severe than --fail-on.
  int below_fail_on = 0;
  // With a baseline applied: failing results (fail, timeout, error) the
  // baseline expects (known) or not (new; known + new == failing()), and
  // results that pass where the baseline expects fail or timeout (fixed).
  int known = 0;
  int new_failures = 0;
  int fixed = 0;

  // The console's closing line: passed + failing + skipped + inconclusive
  // == total. A timeout and a harness error are failures for CI.
  int failing() const { return failed + timeouts + errors; }
  // JUnit's "skipped" attribute: both are <skipped> elements there.
  int not_judged() const { return skipped + inconclusive; }
};

Summary Summarize(const RunReport& report);

// fail, timeout and error: what the closing line counts as "failed".
bool IsFailing(verdict::VerdictKind kind);

// True when `severity` is at least as severe as `threshold` (critical >
// high > medium > low > info).
bool AtOrAbove(scenario::Severity severity, scenario::Severity threshold);

// The severity a report shows for a result and the gate judges it by: the
// most severe of its violations (each has the scenario's severity, or a
// robustness rule's own, e.g. gave-up-late's low), or the scenario's when it
// has none.
scenario::Severity ShownSeverity(const ScenarioResult& result);

// A failed or timed-out attack result whose shown severity is below
// `report.fail_on`: listed and counted, but it does not fail the run.
bool BelowFailOn(const ScenarioResult& result, scenario::Severity fail_on);

// With a baseline applied: a failing result the baseline expects as it is.
bool KnownFailure(const ScenarioResult& result);
// With a baseline applied: a pass where the baseline expects fail or
// timeout.
bool FixedSinceBaseline(const ScenarioResult& result);

// How bad a verdict is, for combining repeats into one expected verdict:
// error > timeout > fail > inconclusive > skip > pass.
int VerdictSeverityRank(verdict::VerdictKind kind);

// "cert" for "cert/expired"; the whole id when it has no '/'.
std::string_view IdFamily(std::string_view scenario_id);

}  // namespace gauntlet::report

#endif  // GAUNTLET_HARNESS_REPORT_RUN_RESULT_H_
