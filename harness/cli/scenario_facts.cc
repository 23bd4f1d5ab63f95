#include "harness/cli/scenario_facts.h"

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "harness/cli/behavior_text.h"
#include "harness/cli/cli_common.h"
#include "harness/report/console.h"

namespace gauntlet::cli {

ScenarioSource SourceOf(const scenario::Scenario& s,
                        const std::vector<std::string>& user_dirs) {
  namespace fs = std::filesystem;
  ScenarioSource out;
  out.catalog_dir = s.catalog_dir;
  out.relative_path = s.source_path;
  if (!s.catalog_dir.empty()) {
    const fs::path relative =
        fs::path(s.source_path).lexically_relative(s.catalog_dir);
    if (!relative.empty()) out.relative_path = relative.generic_string();
    for (const std::string& dir : user_dirs) {
      out.user_dir = out.user_dir || dir == s.catalog_dir;
    }
  }
  return out;
}

std::string SourceLine(const ScenarioSource& source) {
  if (source.catalog_dir.empty()) return Safe(source.relative_path);
  if (source.user_dir) {
    return Safe(source.relative_path) + " in --scenarios " +
           Safe(source.catalog_dir);
  }
  return Safe(source.relative_path) + " in the built-in catalog (" +
         Safe(source.catalog_dir) + ")";
}

nlohmann::json ScenarioJson(const scenario::Scenario& s,
                            const ScenarioSource& source) {
  nlohmann::json j;
  j["id"] = s.id;
  j["title"] = s.title;
  j["description"] = s.description;
  j["tags"] = s.tags;
  j["severity"] = std::string(scenario::SeverityName(s.severity));
  j["kind"] = std::string(scenario::ScenarioKindName(s.kind));
  j["references"] = s.references;
  j["timeout_ms"] = s.timeout.has_value() ? nlohmann::json(s.timeout->count())
                                          : nlohmann::json(nullptr);
  j["timeout_reason"] = s.timeout_reason;
  j["probe"] = s.probe;
  j["no_auth_reason"] = s.no_auth_reason;
  j["sweep"] = s.sweep_file_id.empty()
                   ? nlohmann::json(nullptr)
                   : nlohmann::json{{"file_id", s.sweep_file_id},
                                    {"value", s.sweep_value}};
  nlohmann::json expectations = nlohmann::json::object();
  for (scenario::Policy p : scenario::AllPolicies()) {
    const scenario::Expectation e = s.ExpectationFor(p);
    expectations[std::string(scenario::PolicyName(p))] = {
        {"expectation", std::string(scenario::ExpectationName(e))},
        {"meaning", report::ExpectationInWords(p, e)}};
  }
  j["expectations"] = std::move(expectations);
  nlohmann::json behaviour = nlohmann::json::array();
  for (absl::string_view line : absl::StrSplit(DescribeBehavior(s.server, ""),
                                               '\n', absl::SkipEmpty())) {
    behaviour.push_back(std::string(line));
  }
  j["server_behaviour"] = std::move(behaviour);
  j["source"] = {{"path", source.relative_path},
                 {"catalog", source.catalog_dir.empty() ? "file"
                             : source.user_dir          ? "--scenarios"
                                                        : "built-in"},
                 {"catalog_dir", source.catalog_dir}};
  return j;
}

std::string DumpJson(const nlohmann::json& json) {
  return json.dump(2, ' ', /*ensure_ascii=*/true,
                   nlohmann::json::error_handler_t::replace) +
         "\n";
}

}  // namespace gauntlet::cli
