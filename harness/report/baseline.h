// Baselines: the verdicts a client is known to get, so that CI can fail on
// a change instead of on every known weakness.
//
// `gauntlet --write-baseline FILE` saves a run's verdicts; `--baseline FILE`
// loads them and ApplyBaseline marks each result that differs. The file is
// JSON (schema "gauntlet-baseline/1", keys sorted so that diffs of the file
// are readable):
//
//   {"schema": "gauntlet-baseline/1", "client": "curl", "policy":
//    "require-tls", "expected": {"cert/expired": "pass", ...}}
//
// Keys are scenario ids; a result whose policy is not the baseline's policy
// is keyed "<id>@<policy>". Repeats of one scenario are saved as their most
// severe verdict (VerdictSeverityRank), and each repeat is compared to it.
//
// A baseline entry that produced no result is a difference too (the
// scenario should have run: a baseline that names a removed or renamed
// scenario is stale), unless the run's --filter left that scenario out.

#ifndef GAUNTLET_HARNESS_REPORT_BASELINE_H_
#define GAUNTLET_HARNESS_REPORT_BASELINE_H_

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "harness/report/run_result.h"
#include "harness/scenario/scenario.h"
#include "harness/verdict/verdict.h"

namespace gauntlet::report {

inline constexpr std::string_view kBaselineSchema = "gauntlet-baseline/1";
// Largest baseline file read.
inline constexpr std::size_t kMaxBaselineBytes = 16u * 1024 * 1024;

struct Baseline {
  std::string client;
  scenario::Policy policy = scenario::Policy::kRequireTls;
  std::map<std::string, verdict::VerdictKind> expected;
};

// "cert/expired", or "cert/expired@opportunistic" when the result's policy
// is not the baseline's.
std::string BaselineKey(std::string_view scenario_id,
                        scenario::Policy result_policy,
                        scenario::Policy baseline_policy);

// The verdicts of a run (of a partial run: only what finished).
Baseline BaselineFromReport(const RunReport& report);

absl::StatusOr<std::string> FormatBaseline(const Baseline& baseline);
// FormatBaseline, written atomically (file_io.h).
absl::Status WriteBaselineFile(const std::string& path,
                               const Baseline& baseline);

// InvalidArgument for text that is not JSON ("<source>: bad JSON at byte
// N: ..."), another schema, an unknown policy or verdict name (naming the
// key); NotFound for a missing file.
absl::StatusOr<Baseline> ParseBaseline(std::string_view json_text,
                                       std::string_view source_name);
absl::StatusOr<Baseline> ReadBaselineFile(const std::string& path);

struct BaselineComparison {
  // Results that differ (another verdict, or no baseline entry) plus the
  // entries that did not run although --filter selected them.
  int differences = 0;
  // Every baseline key no result matched, excluded by --filter or not.
  std::vector<std::string> not_run;
};

// What the run's selection says about scenarios that produced no result.
struct BaselineScope {
  // Scenario ids --filter left out of the run: their entries are reported
  // as not run, not as differences.
  std::set<std::string> excluded_by_filter;
  // Severity per scenario id (the catalog's), so that --fail-on can judge
  // an entry that did not run; an id missing here counts as critical.
  std::map<std::string, scenario::Severity> severity;
  // Where the baseline came from, for messages ("b.json").
  std::string source;
};

// "cert/expired" for "cert/expired@opportunistic" (and for "cert/expired").
std::string_view BaselineKeyId(std::string_view key);

// Sets baseline_expected and differs_from_baseline on one result (for
// marking results as they stream in; ApplyBaseline does it for all).
void MarkAgainstBaseline(ScenarioResult& result, const Baseline& baseline);

// Marks every result (MarkAgainstBaseline), sets the report's
// baseline_applied, baseline_source and baseline_not_run, and adds a run
// note per baseline entry that was not run.
BaselineComparison ApplyBaseline(RunReport& report, const Baseline& baseline,
                                 const BaselineScope& scope = {});

}  // namespace gauntlet::report

#endif  // GAUNTLET_HARNESS_REPORT_BASELINE_H_
