#include "harness/report/run_result.h"

#include <string_view>

namespace gauntlet::report {

Summary Summarize(const RunReport& report) {
  Summary s;
  for (const ScenarioResult& r : report.results) {
    ++s.total;
    switch (r.verdict.verdict) {
      case verdict::VerdictKind::kPass: ++s.passed; break;
      case verdict::VerdictKind::kFail: ++s.failed; break;
      case verdict::VerdictKind::kSkip: ++s.skipped; break;
      case verdict::VerdictKind::kInconclusive: ++s.inconclusive; break;
      case verdict::VerdictKind::kTimeout: ++s.timeouts; break;
      case verdict::VerdictKind::kError: ++s.errors; break;
    }
    if (r.differs_from_baseline) ++s.baseline_diffs;
    if (BelowFailOn(r, report.fail_on)) ++s.below_fail_on;
    if (report.baseline_applied && IsFailing(r.verdict.verdict)) {
      ++(KnownFailure(r) ? s.known : s.new_failures);
    }
    if (report.baseline_applied && FixedSinceBaseline(r)) ++s.fixed;
  }
  for (const BaselineEntryNotRun& e : report.baseline_not_run) {
    if (!e.excluded_by_filter) ++s.baseline_missing;
  }
  return s;
}

bool IsFailing(verdict::VerdictKind kind) {
  return kind == verdict::VerdictKind::kFail ||
         kind == verdict::VerdictKind::kTimeout ||
         kind == verdict::VerdictKind::kError;
}

bool AtOrAbove(scenario::Severity severity, scenario::Severity threshold) {
  // The enum runs from kCritical (0) down to kInfo.
  return static_cast<int>(severity) <= static_cast<int>(threshold);
}

scenario::Severity ShownSeverity(const ScenarioResult& result) {
  return verdict::MostSevere(result.verdict).value_or(result.severity);
}

bool BelowFailOn(const ScenarioResult& result, scenario::Severity fail_on) {
  const verdict::VerdictKind v = result.verdict.verdict;
  return result.kind == scenario::ScenarioKind::kAttack &&
         (v == verdict::VerdictKind::kFail ||
          v == verdict::VerdictKind::kTimeout) &&
         !AtOrAbove(ShownSeverity(result), fail_on);
}

bool KnownFailure(const ScenarioResult& result) {
  return IsFailing(result.verdict.verdict) &&
         result.baseline_expected.has_value() && !result.differs_from_baseline;
}

bool FixedSinceBaseline(const ScenarioResult& result) {
  return result.verdict.verdict == verdict::VerdictKind::kPass &&
         (result.baseline_expected == "fail" ||
          result.baseline_expected == "timeout");
}

int VerdictSeverityRank(verdict::VerdictKind kind) {
  switch (kind) {
    case verdict::VerdictKind::kPass: return 0;
    case verdict::VerdictKind::kSkip: return 1;
    case verdict::VerdictKind::kInconclusive: return 2;
    case verdict::VerdictKind::kFail: return 3;
    case verdict::VerdictKind::kTimeout: return 4;
    case verdict::VerdictKind::kError: return 5;
  }
  return 5;
}

std::string_view IdFamily(std::string_view scenario_id) {
  const std::size_t slash = scenario_id.find('/');
  return slash == std::string_view::npos ? scenario_id
                                         : scenario_id.substr(0, slash);
}

}  // namespace gauntlet::report
