// The gate: what a finished run means for CI, decided from its report.
//
// `gauntlet run` is put in front of SMTP clients as a gate, so its exit
// status must never say "fine" when nothing was judged. DecideGate is the
// one place that turns a RunReport into an outcome, in this order:
//
//   interrupted                                        -> kInterrupted
//   any harness error (verdict error)                  -> kHarnessError
//   with a baseline applied: a difference (another verdict, no entry, or
//     an entry --filter selected that did not run) on a scenario at or
//     above --fail-on                                  -> kFindings
//   without: an attack failed or timed out, at or above --fail-on
//                                                      -> kFindings
//   a control failed, timed out or was inconclusive; or attacks were
//     selected and none passed, failed or timed out; or every result was
//     a skip; or (only controls selected) no control passed
//                                                      -> kNotJudged
//   else                                               -> kOk
//
// A control that fails is a setup problem of the client (it cannot deliver
// to a good server), not a security finding: kNotJudged, not kFindings.
// runner::RunExitCode (harness/runner/run_outputs.h) maps outcomes to exit
// statuses.

#ifndef GAUNTLET_HARNESS_REPORT_GATE_H_
#define GAUNTLET_HARNESS_REPORT_GATE_H_

#include <string>
#include <string_view>

#include "harness/report/run_result.h"

namespace gauntlet::report {

enum class GateOutcome {
  kOk,
  // A failure (or baseline difference) at or above --fail-on.
  kFindings,
  kHarnessError,
  // Inconclusive: the client could not be judged.
  kNotJudged,
  kInterrupted,
};

struct GateOptions {
  // Set when --write-baseline saved this run's verdicts to this path: its
  // failures become the known ones, so they do not fail this run (harness
  // errors and runs that judged nothing still do).
  std::string baseline_written;
};

struct GateDecision {
  GateOutcome outcome = GateOutcome::kOk;
  // One sentence: why, and for anything but kOk what to do next.
  std::string reason;
};

GateDecision DecideGate(const RunReport& report,
                        const GateOptions& options = {});

// "as expected", "failed", "harness error", "inconclusive: the client could
// not be judged", "interrupted".
std::string_view GateOutcomeWords(GateOutcome outcome);

// A result or baseline difference that fails the run under --fail-on:
// always true for kInfo.
bool DifferenceGates(const ScenarioResult& result, scenario::Severity fail_on);

}  // namespace gauntlet::report

#endif  // GAUNTLET_HARNESS_REPORT_GATE_H_
