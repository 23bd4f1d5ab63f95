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
  }
  return s;
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
