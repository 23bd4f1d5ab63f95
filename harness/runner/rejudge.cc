#include "harness/runner/rejudge.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/string_view.h"
#include "harness/report/judge_result.h"
#include "harness/runner/scenario_runner.h"

namespace gauntlet::runner {

absl::StatusOr<report::RunReport> Rejudge(
    const report::RunReport& saved, std::optional<scenario::Policy> policy,
    std::string_view source_name) {
  report::RunReport out = saved;
  const bool other_policy = policy.has_value() && *policy != saved.policy;
  if (other_policy) {
    out.policy = *policy;
    out.notes.push_back(absl::StrCat(
        "judged under ", ToAbsl(scenario::PolicyName(*policy)),
        "; the client was run with --policy ",
        ToAbsl(scenario::PolicyName(saved.policy)),
        " (its {policy} argument), so this says how that behaviour fares "
        "under the other policy's expectations"));
  }
  out.baseline_applied = false;
  out.baseline_source.clear();
  out.baseline_not_run.clear();

  // Saved notes the runner added after judging (not judgements): kept.
  const auto kept_notes = [](const verdict::Verdict& v) {
    std::vector<verdict::Note> notes;
    for (const verdict::Note& n : v.notes) {
      if (n.rule == kLeftProcessesBehindNote) notes.push_back(n);
    }
    return notes;
  };

  for (report::ScenarioResult& r : out.results) {
    r.baseline_expected.reset();
    r.differs_from_baseline = false;
    if (!other_policy) continue;
    bool found = false;
    for (const auto& [p, expectation] : r.expectations) {
      if (p != *policy) continue;
      r.policy = p;
      r.expectation = expectation;
      found = true;
    }
    if (!found) {
      return absl::InvalidArgumentError(absl::StrCat(
          ToAbsl(source_name), ": result ", r.scenario_id, " (repeat ",
          r.repeat_index, ") carries no expectation for policy ",
          ToAbsl(scenario::PolicyName(*policy)),
          ": it was written by an older Gauntlet; run it again"));
    }
  }

  // Controls first, as a run judges them: their verdicts decide whether
  // the attacks' passes count.
  std::vector<report::ScenarioResult> controls;
  for (report::ScenarioResult& r : out.results) {
    if (r.kind != scenario::ScenarioKind::kControl) continue;
    std::vector<verdict::Note> notes = kept_notes(r.verdict);
    report::JudgeRecordedResult(r, /*controls_failed=*/false);
    for (verdict::Note& n : notes) r.verdict.notes.push_back(std::move(n));
    controls.push_back(r);
  }
  out.controls_failed = ControlsFailed(controls);
  for (report::ScenarioResult& r : out.results) {
    if (r.kind == scenario::ScenarioKind::kControl) continue;
    std::vector<verdict::Note> notes = kept_notes(r.verdict);
    report::JudgeRecordedResult(r, out.controls_failed);
    for (verdict::Note& n : notes) r.verdict.notes.push_back(std::move(n));
  }
  return out;
}

}  // namespace gauntlet::runner
