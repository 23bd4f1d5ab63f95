// What a finished (or interrupted) run leaves behind: report files and the
// process exit status.
//
// WriteRunOutputs writes every file the user asked for -- the report
// directory (report.json, junit.xml and one transcript text file per result
// that did not pass), --json, --junit, --write-baseline -- and goes on after
// a failure so that one unwritable path does not lose the other reports.
// RunExitCode maps a report to the exit status CI scripts gate on.

#ifndef GAUNTLET_HARNESS_RUNNER_RUN_OUTPUTS_H_
#define GAUNTLET_HARNESS_RUNNER_RUN_OUTPUTS_H_

#include <string>

#include "absl/status/status.h"
#include "harness/report/run_result.h"

namespace gauntlet::runner {

// Exit statuses of `gauntlet` (kExitInterrupted, 130, is in interrupt.h).
inline constexpr int kExitOk = 0;
// Some scenario failed or timed out (or, with a baseline, differs from it).
inline constexpr int kExitFailures = 1;
// Bad usage, or a harness error (including a scenario judged kError).
inline constexpr int kExitUsageOrHarness = 2;

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
// an error.
absl::Status WriteRunOutputs(const report::RunReport& report,
                             const OutputOptions& options);

// 130 interrupted; 2 if any result is a harness error; with a baseline
// applied, 1 when any result differs from it, else 0; without, 1 when any
// result failed or timed out, else 0.
int RunExitCode(const report::RunReport& report, bool baseline_applied);

}  // namespace gauntlet::runner

#endif  // GAUNTLET_HARNESS_RUNNER_RUN_OUTPUTS_H_
