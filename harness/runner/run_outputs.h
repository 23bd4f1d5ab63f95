// What a finished (or interrupted) run leaves behind: report files and the
// process exit status.
//
// WriteRunOutputs writes every file the user asked for -- the report
// directory (report.json, junit.xml and one transcript text file per result
// that did not pass), --json, --junit, --write-baseline -- and goes on after
// a failure so that one unwritable path does not lose the other reports.
// RunExitCode maps a report to the exit status CI scripts gate on, through
// the gate (harness/report/gate.h, which says in what order).

#ifndef GAUNTLET_HARNESS_RUNNER_RUN_OUTPUTS_H_
#define GAUNTLET_HARNESS_RUNNER_RUN_OUTPUTS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "harness/report/gate.h"
#include "harness/report/run_result.h"

namespace gauntlet::runner {

// Exit statuses of `gauntlet run` (an interrupted run's, 128 + the signal,
// is in interrupt.h).
inline constexpr int kExitOk = 0;
// An attack scenario at or above --fail-on failed or timed out (with a
// baseline: a difference from it at or above --fail-on).
inline constexpr int kExitFailures = 1;
// Bad usage, or a harness error (including a scenario judged kError).
inline constexpr int kExitUsageOrHarness = 2;
// Inconclusive: the client could not be judged (it failed the controls, no
// attack scenario produced a pass or a fail, or everything was skipped).
inline constexpr int kExitNotJudged = 3;

struct OutputOptions {
  // Directory for report.json, junit.xml and transcripts/ (created).
  std::string report_dir;
  std::string json_file;
  std::string junit_file;
  // Written only for a run that was not interrupted.
  std::string write_baseline;
};

// "transcripts/cert/expired.txt"; repeats after the first get
// ".repeat-N" before ".txt". Relative to the report directory.
std::string TranscriptFileName(const report::ScenarioResult& result);

// Writes every requested output. The error joins every failure, one per
// line, each naming its file. A skipped baseline (interrupted run) is not
// an error. `written` (optional) receives the path of each file or
// directory that was written, in the order of OutputOptions.
absl::Status WriteRunOutputs(const report::RunReport& report,
                             const OutputOptions& options,
                             std::vector<std::string>* written = nullptr);

// The exit status of `gauntlet run` for `report` (report::DecideGate):
// interrupted; 2 harness error; 1 failures (or baseline differences) at or
// above --fail-on; 3 the client could not be judged; else 0.
int RunExitCode(const report::RunReport& report,
                const report::GateOptions& gate = {});

}  // namespace gauntlet::runner

#endif  // GAUNTLET_HARNESS_RUNNER_RUN_OUTPUTS_H_
