#include "harness/report/judge_result.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "harness/report/text_util.h"
#include "harness/verdict/observations.h"

namespace gauntlet::report {

verdict::JudgeInput JudgeInputFor(const ScenarioResult& result,
                                  bool controls_failed) {
  verdict::JudgeInput in;
  in.expectation = result.expectation;
  in.policy = result.policy;
  in.kind = result.kind;
  in.controls_failed = controls_failed;
  in.severity = result.severity;
  return in;
}

verdict::Verdict ProfileSkipVerdict(std::string_view glob) {
  verdict::Verdict v;
  v.verdict = verdict::VerdictKind::kSkip;
  v.summary = internal::Cat(
      "skip: the client profile marks this scenario unsupported (", glob, ")");
  return v;
}

void JudgeRecordedResult(ScenarioResult& result, bool controls_failed) {
  if (result.profile_skip.has_value()) {
    result.observations = verdict::Observations{};
    result.observations.client_ran = false;
    result.verdict = ProfileSkipVerdict(*result.profile_skip);
    return;
  }
  verdict::JudgeInput in = JudgeInputFor(result, controls_failed);
  if (result.harness_error.has_value()) {
    // The harness failed: nothing the client did is judged.
    result.observations = verdict::Observations{};
    result.observations.client_ran = result.client.ran;
    in.harness_status = absl::UnknownError(*result.harness_error);
    result.verdict = verdict::Judge(result.observations, in);
    return;
  }
  if (result.judged_connections.has_value() &&
      static_cast<std::size_t>(*result.judged_connections) <
          result.transcript.connections.size()) {
    fake::Transcript client_side;
    const int n = std::max(0, *result.judged_connections);
    client_side.connections.assign(result.transcript.connections.begin(),
                                   result.transcript.connections.begin() + n);
    result.observations = verdict::ObserveRun(client_side, result.client);
  } else {
    result.observations = verdict::ObserveRun(result.transcript, result.client);
  }
  result.verdict = verdict::Judge(result.observations, in);
}

}  // namespace gauntlet::report
