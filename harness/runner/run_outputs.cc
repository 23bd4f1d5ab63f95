#include "harness/runner/run_outputs.h"

#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/report/baseline.h"
#include "harness/report/console.h"
#include "harness/report/file_io.h"
#include "harness/report/json_report.h"
#include "harness/report/junit.h"
#include "harness/runner/interrupt.h"
#include "harness/verdict/verdict.h"

namespace gauntlet::runner {
namespace {

bool WantsTranscriptFile(const report::ScenarioResult& r) {
  if (r.differs_from_baseline) return true;
  return r.verdict.verdict != verdict::VerdictKind::kPass &&
         r.verdict.verdict != verdict::VerdictKind::kSkip;
}

// Transcripts hold credentials: directories made for them are 0700.
absl::Status MakeDirs(const std::filesystem::path& dir) {
  return report::CreateDirectories(dir.string());
}

absl::Status WriteReportDir(const report::RunReport& report,
                            const std::string& dir) {
  std::vector<std::string> errors;
  const auto keep = [&](const absl::Status& s) {
    if (!s.ok()) errors.push_back(std::string(s.message()));
  };
  if (absl::Status s = MakeDirs(dir); !s.ok()) return s;
  keep(report::WriteJsonReport(absl::StrCat(dir, "/report.json"), report));
  keep(report::WriteJunitReport(absl::StrCat(dir, "/junit.xml"), report));
  report::ConsoleOptions text;
  text.verbose = true;
  for (const report::ScenarioResult& r : report.results) {
    if (!WantsTranscriptFile(r)) continue;
    const std::filesystem::path path =
        std::filesystem::path(dir) / TranscriptFileName(r);
    if (absl::Status s = MakeDirs(path.parent_path()); !s.ok()) {
      keep(s);
      continue;
    }
    keep(report::WriteFileAtomically(path.string(),
                                     report::FormatResult(r, text)));
  }
  if (errors.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrJoin(errors, "\n"));
}

}  // namespace

std::string TranscriptFileName(const report::ScenarioResult& result) {
  // Ids are validated by the scenario loader: lower-case segments that
  // never start with '.', joined by '/', so they are safe relative paths.
  if (result.repeat_index == 0) {
    return absl::StrCat("transcripts/", result.scenario_id, ".txt");
  }
  return absl::StrCat("transcripts/", result.scenario_id, ".repeat-",
                      result.repeat_index + 1, ".txt");
}

absl::Status WriteRunOutputs(const report::RunReport& report,
                             const OutputOptions& options,
                             std::vector<std::string>* written) {
  std::vector<std::string> errors;
  const auto keep = [&](const absl::Status& s, const std::string& path) {
    if (!s.ok()) {
      errors.push_back(std::string(s.message()));
    } else if (written != nullptr) {
      written->push_back(path);
    }
  };
  if (!options.report_dir.empty()) {
    const std::string& dir = options.report_dir;
    keep(WriteReportDir(report, dir), dir.back() == '/' ? dir : dir + "/");
  }
  if (!options.json_file.empty()) {
    keep(report::WriteJsonReport(options.json_file, report), options.json_file);
  }
  if (!options.junit_file.empty()) {
    keep(report::WriteJunitReport(options.junit_file, report),
         options.junit_file);
  }
  if (!options.write_baseline.empty() && !report.interrupted) {
    keep(report::WriteBaselineFile(options.write_baseline,
                                   report::BaselineFromReport(report)),
         options.write_baseline);
  }
  if (errors.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrJoin(errors, "\n"));
}

int RunExitCode(const report::RunReport& report,
                const report::GateOptions& gate) {
  if (report.interrupted) return InterruptExitCode();
  switch (report::DecideGate(report, gate).outcome) {
    case report::GateOutcome::kOk: return kExitOk;
    case report::GateOutcome::kFindings: return kExitFailures;
    case report::GateOutcome::kHarnessError: return kExitUsageOrHarness;
    case report::GateOutcome::kNotJudged: return kExitNotJudged;
    case report::GateOutcome::kInterrupted: return InterruptExitCode();
  }
  return kExitUsageOrHarness;
}

}  // namespace gauntlet::runner
