// The machine-readable report: a versioned JSON document (schema
// "gauntlet-report/1", documented in docs/report-schema.md) holding every
// result with its verdict, violations, key observations, the client's exit
// and output, and the full transcript (wire bytes both escaped for reading
// and base64 for exactness). Built with nlohmann::json; never by hand.
//
// ParseReportVerdicts reads such a report back into (id, policy) -> verdict,
// which is what baselines and comparisons between runs need.

#ifndef GAUNTLET_HARNESS_REPORT_JSON_REPORT_H_
#define GAUNTLET_HARNESS_REPORT_JSON_REPORT_H_

#include <compare>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "harness/report/run_result.h"
#include "harness/scenario/scenario.h"
#include "harness/verdict/verdict.h"

namespace gauntlet::report {

inline constexpr std::string_view kReportSchema = "gauntlet-report/1";

// The report as JSON text (2-space indent, '\n' at the end). Bytes that are
// not UTF-8 in free text are replaced by U+FFFD; wire bytes are exact in
// "bytes_b64". An error only if the JSON library fails.
absl::StatusOr<std::string> FormatJsonReport(const RunReport& report);

// FormatJsonReport, written atomically (file_io.h).
absl::Status WriteJsonReport(const std::string& path, const RunReport& report);

struct VerdictKey {
  std::string id;
  scenario::Policy policy = scenario::Policy::kRequireTls;

  friend auto operator<=>(const VerdictKey&, const VerdictKey&) = default;
  friend bool operator==(const VerdictKey&, const VerdictKey&) = default;
};

struct ReportVerdicts {
  std::string client_name;
  scenario::Policy policy = scenario::Policy::kRequireTls;
  bool interrupted = false;
  // Repeats of one (id, policy) are combined into the most severe verdict
  // (VerdictSeverityRank).
  std::map<VerdictKey, verdict::VerdictKind> verdicts;
};

// Reads the verdicts back from a JSON report. InvalidArgument for text that
// is not JSON ("<source>: bad JSON at byte N: ..."), for another schema, or
// for a result without a valid id, policy or verdict (named by its index).
absl::StatusOr<ReportVerdicts> ParseReportVerdicts(std::string_view json_text,
                                                   std::string_view source_name);
// The same from a file (NotFound when it does not exist).
absl::StatusOr<ReportVerdicts> ReadReportVerdictsFile(const std::string& path);

// The whole report back, as `gauntlet judge` needs it: every result with its
// scenario facts (id, title, tags, severity, kind, policy, expectation and
// the expectations under every policy), verdict, violations and notes, the
// client's facts and output, and the full transcript (transcript_json.h).
// Observations and baseline marks are not read: they are recomputed.
// InvalidArgument "<source>: <JSON pointer>: <what>" for the first bad or
// missing field.
absl::StatusOr<RunReport> ParseRunReport(std::string_view json_text,
                                         std::string_view source_name);
// The same from a file of at most kMaxReportFileBytes.
absl::StatusOr<RunReport> ReadRunReportFile(const std::string& path);

}  // namespace gauntlet::report

#endif  // GAUNTLET_HARNESS_REPORT_JSON_REPORT_H_
