#include "harness/report/baseline.h"

#include <exception>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "common/bounded_file.h"
#include "common/status_macros.h"
#include "harness/report/file_io.h"
#include "harness/report/json_read.h"
#include "harness/report/text_util.h"
#include "nlohmann/json.hpp"

namespace gauntlet::report {

using internal::Append;
using internal::Cat;
namespace {

using nlohmann::json;

absl::Status Bad(std::string_view source, std::string_view what) {
  return absl::InvalidArgumentError(Cat(source, ": ", what));
}

}  // namespace

std::string BaselineKey(std::string_view scenario_id,
                        scenario::Policy result_policy,
                        scenario::Policy baseline_policy) {
  if (result_policy == baseline_policy) return std::string(scenario_id);
  return Cat(scenario_id, "@", scenario::PolicyName(result_policy));
}

Baseline BaselineFromReport(const RunReport& report) {
  Baseline b;
  b.client = report.client_name;
  b.policy = report.policy;
  for (const ScenarioResult& r : report.results) {
    const std::string key = BaselineKey(r.scenario_id, r.policy, b.policy);
    auto [it, inserted] = b.expected.emplace(key, r.verdict.verdict);
    if (!inserted && VerdictSeverityRank(r.verdict.verdict) >
                         VerdictSeverityRank(it->second)) {
      it->second = r.verdict.verdict;
    }
  }
  return b;
}

absl::StatusOr<std::string> FormatBaseline(const Baseline& baseline) {
  try {
    json expected = json::object();  // std::map underneath: sorted keys.
    for (const auto& [key, v] : baseline.expected) {
      expected[key] = std::string(verdict::VerdictName(v));
    }
    json doc = {{"schema", std::string(kBaselineSchema)},
                {"client", baseline.client},
                {"policy", std::string(scenario::PolicyName(baseline.policy))},
                {"expected", std::move(expected)}};
    return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  } catch (const std::exception& e) {
    return absl::InternalError(
        Cat("cannot build the baseline: ", e.what()));
  }
}

absl::Status WriteBaselineFile(const std::string& path,
                               const Baseline& baseline) {
  GAUNTLET_ASSIGN_OR_RETURN(std::string text, FormatBaseline(baseline));
  return WriteFileAtomically(path, text);
}

absl::StatusOr<Baseline> ParseBaseline(std::string_view json_text,
                                       std::string_view source_name) {
  GAUNTLET_ASSIGN_OR_RETURN(
      const json doc,
      internal::ParseSchemaDocument(json_text, source_name, kBaselineSchema));
  Baseline b;
  if (auto c = doc.find("client"); c != doc.end()) {
    if (!c->is_string()) return Bad(source_name, "\"client\" is not a string");
    b.client = c->get<std::string>();
  }
  const auto policy = doc.find("policy");
  if (policy == doc.end() || !policy->is_string()) {
    return Bad(source_name, "missing \"policy\"");
  }
  std::optional<scenario::Policy> pol =
      scenario::PolicyFromName(policy->get_ref<const std::string&>());
  if (!pol.has_value()) {
    return Bad(source_name,
               Cat("unknown policy \"",
                            policy->get_ref<const std::string&>(), "\""));
  }
  b.policy = *pol;
  const auto expected = doc.find("expected");
  if (expected == doc.end() || !expected->is_object()) {
    return Bad(source_name, "missing \"expected\" object");
  }
  for (const auto& [key, value] : expected->items()) {
    if (key.empty()) return Bad(source_name, "empty scenario id in \"expected\"");
    std::optional<verdict::VerdictKind> v;
    if (value.is_string()) {
      v = verdict::VerdictFromName(value.get_ref<const std::string&>());
    }
    if (!v.has_value()) {
      return Bad(source_name,
                 Cat("expected[\"", key,
                              "\"]: not a verdict name (pass, fail, skip, "
                              "inconclusive, timeout, error)"));
    }
    b.expected.emplace(key, *v);
  }
  return b;
}

absl::StatusOr<Baseline> ReadBaselineFile(const std::string& path) {
  GAUNTLET_ASSIGN_OR_RETURN(std::string text,
                            files::ReadRegularFile(path, kMaxBaselineBytes, "baseline"));
  return ParseBaseline(text, path);
}

std::string_view BaselineKeyId(std::string_view key) {
  const std::size_t at = key.rfind('@');
  if (at == std::string_view::npos) return key;
  if (!scenario::PolicyFromName(key.substr(at + 1)).has_value()) return key;
  return key.substr(0, at);
}

void MarkAgainstBaseline(ScenarioResult& r, const Baseline& baseline) {
  const std::string key = BaselineKey(r.scenario_id, r.policy, baseline.policy);
  auto it = baseline.expected.find(key);
  if (it == baseline.expected.end()) {
    r.baseline_expected.reset();
    r.differs_from_baseline = true;
  } else {
    r.baseline_expected = std::string(verdict::VerdictName(it->second));
    r.differs_from_baseline = r.verdict.verdict != it->second;
  }
}

BaselineComparison ApplyBaseline(RunReport& report, const Baseline& baseline,
                                 const BaselineScope& scope) {
  BaselineComparison cmp;
  report.baseline_applied = true;
  report.baseline_source = scope.source;
  report.baseline_not_run.clear();
  std::set<std::string> seen;
  for (ScenarioResult& r : report.results) {
    seen.insert(BaselineKey(r.scenario_id, r.policy, baseline.policy));
    MarkAgainstBaseline(r, baseline);
    if (r.differs_from_baseline) ++cmp.differences;
  }
  for (const auto& [key, v] : baseline.expected) {
    if (seen.count(key) != 0) continue;
    const std::string id(BaselineKeyId(key));
    BaselineEntryNotRun entry;
    entry.key = key;
    entry.expected = v;
    entry.excluded_by_filter = scope.excluded_by_filter.count(id) != 0;
    if (auto sev = scope.severity.find(id); sev != scope.severity.end()) {
      entry.severity = sev->second;
    }
    cmp.not_run.push_back(key);
    std::string note = Cat("baseline entry \"", key, "\" (expected ",
                           verdict::VerdictName(v), ") was not run");
    if (entry.excluded_by_filter) {
      Append(&note, ": --filter left it out");
    } else {
      ++cmp.differences;
      Append(&note,
             scope.severity.count(id) != 0
                 ? ": a difference (the scenario was selected)"
                 : ": a difference (no such scenario: rewrite the baseline "
                   "with --write-baseline if it was renamed or removed)");
    }
    report.notes.push_back(std::move(note));
    report.baseline_not_run.push_back(std::move(entry));
  }
  return cmp;
}

}  // namespace gauntlet::report
