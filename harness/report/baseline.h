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

#ifndef GAUNTLET_HARNESS_REPORT_BASELINE_H_
#define GAUNTLET_HARNESS_REPORT_BASELINE_H_

#include <cstddef>
#include <map>
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
  // Results that differ: another verdict, or no baseline entry.
  int differences = 0;
  // Baseline keys no result matched (reported, never a failure).
  std::vector<std::string> not_run;
};

// Sets baseline_expected and differs_from_baseline on every result, and
// adds a run note per baseline entry that was not run.
BaselineComparison ApplyBaseline(RunReport& report, const Baseline& baseline);

}  // namespace gauntlet::report

#endif  // GAUNTLET_HARNESS_REPORT_BASELINE_H_
