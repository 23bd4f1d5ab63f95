// Judging a saved run again (`gauntlet judge REPORT.json`).
//
// A gauntlet-report/1 document holds, per result, the transcript the fake
// server recorded, the client's facts (exit, signal, timeout, stderr) and the
// scenario's expectation under every policy. Rejudge judges every result
// from those alone, as a run would have: controls first, then attacks with
// controls_failed set when a control failed, each through the runner's own
// report::JudgeRecordedResult. Under the report's own policy it reproduces
// the original verdicts and rule ids exactly; under another policy it judges
// as a run under that policy would have judged the same wire behaviour (the
// client was still run with the original policy's {policy} argument: a note
// says so).

#ifndef GAUNTLET_HARNESS_RUNNER_REJUDGE_H_
#define GAUNTLET_HARNESS_RUNNER_REJUDGE_H_

#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "harness/report/run_result.h"
#include "harness/scenario/scenario.h"

namespace gauntlet::runner {

// `saved` judged again under `policy` (its own when unset). Baseline marks
// are cleared (apply a baseline to the result again if wanted).
// InvalidArgument, naming the result, when another policy is asked for and
// a result does not carry its scenario's expectation for it.
absl::StatusOr<report::RunReport> Rejudge(
    const report::RunReport& saved, std::optional<scenario::Policy> policy,
    std::string_view source_name);

}  // namespace gauntlet::runner

#endif  // GAUNTLET_HARNESS_RUNNER_REJUDGE_H_
