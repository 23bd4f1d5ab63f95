// Judging one ScenarioResult from what it recorded: its transcript, the
// client's facts and the scenario's expectation, severity and kind.
//
// The runner judges every run through JudgeRecordedResult, and so do
// `gauntlet judge` (re-judging a saved report), the proxy (its live
// sessions) and `gauntlet serve`: one path from recorded facts to a verdict,
// so a saved report judged again gives the same verdicts and rule ids
// (verdict::ObserveRun and verdict::Judge are pure functions).

#ifndef GAUNTLET_HARNESS_REPORT_JUDGE_RESULT_H_
#define GAUNTLET_HARNESS_REPORT_JUDGE_RESULT_H_

#include <string_view>

#include "harness/report/run_result.h"
#include "harness/verdict/verdict.h"

namespace gauntlet::report {

// What Judge needs besides the observations, from the result.
verdict::JudgeInput JudgeInputFor(const ScenarioResult& result,
                                  bool controls_failed);

// The verdict of a scenario the client profile marks unsupported (`glob` is
// the profile's pattern that matched): skip, nothing ran.
verdict::Verdict ProfileSkipVerdict(std::string_view glob);

// Sets result.observations and result.verdict from what the result
// recorded: the profile's skip (profile_skip), the harness's fault
// (harness_error: kError, the transcript is not read), or else ObserveRun
// over the client's connections (judged_connections) and Judge under the
// result's policy, expectation, kind and severity. Notes the runner adds
// after judging (e.g. processes left behind) are the caller's.
void JudgeRecordedResult(ScenarioResult& result, bool controls_failed);

}  // namespace gauntlet::report

#endif  // GAUNTLET_HARNESS_REPORT_JUDGE_RESULT_H_
