#include "tests/flaws/flaw_matrix.h"

#include <algorithm>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "common/toml_reader.h"
#include "harness/verdict/verdict.h"
#include "nlohmann/json.hpp"
#include "toml++/toml.h"

namespace gauntlet::flaws {
namespace {

// expected.toml is a few kilobytes; anything near this is a mistake.
constexpr std::size_t kMaxExpectationsBytes = 1024 * 1024;

std::string At(std::string_view source, const toml::source_region& region) {
  return toml_reader::TomlLocation(source, region);
}

absl::StatusOr<Expectations> ParseTable(const toml::table& root,
                                        std::string_view source) {
  Expectations out;
  for (const auto& [config_key, config_node] : root) {
    const std::string config(config_key.str());
    const toml::table* table = config_node.as_table();
    if (table == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(At(source, config_node.source()), ": [", config,
                       "] must be a table of scenario id = [rule ids]"));
    }
    FailingSet& failing = out[config];
    for (const auto& [id_key, rules_node] : *table) {
      const std::string id(id_key.str());
      const toml::array* rules = rules_node.as_array();
      if (rules == nullptr || rules->empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(At(source, rules_node.source()), ": ", config, ".\"",
                         id, "\" must be a non-empty array of rule ids"));
      }
      std::vector<std::string>& wanted = failing[id];
      for (const toml::node& rule : *rules) {
        std::optional<std::string> text = rule.value<std::string>();
        if (!text.has_value()) {
          return absl::InvalidArgumentError(
              absl::StrCat(At(source, rule.source()), ": ", config, ".\"", id,
                           "\": every rule id must be a string"));
        }
        wanted.push_back(*std::move(text));
      }
    }
  }
  return out;
}

std::string CellText(const Cell& cell) {
  if (cell.verdict == "pass") return "✔";
  if (IsFailing(cell)) {
    return absl::StrCat("✘ ", absl::StrJoin(cell.rules, ", "),
                        cell.verdict == "timeout" ? " (timeout)" : "");
  }
  return absl::StrCat("? ", cell.verdict);
}

// Every scenario id any run saw, sorted.
std::vector<std::string> AllIds(const std::vector<ConfigurationRun>& runs) {
  std::set<std::string> ids;
  for (const ConfigurationRun& run : runs) {
    for (const auto& [id, cell] : run.cells) ids.insert(id);
  }
  return {ids.begin(), ids.end()};
}

std::vector<std::string> FailingIds(const ConfigurationRun& run) {
  std::vector<std::string> ids;
  for (const auto& [id, cell] : run.cells) {
    if (IsFailing(cell)) ids.push_back(id);
  }
  return ids;
}

}  // namespace

absl::StatusOr<Expectations> ParseExpectations(std::string_view toml_text,
                                               std::string_view source_name) {
  GAUNTLET_ASSIGN_OR_RETURN(
      const toml::table root,
      toml_reader::ParseToml(toml_text, source_name, kMaxExpectationsBytes,
                             "flaw matrix expectation file"));
  return ParseTable(root, source_name);
}

bool IsFailing(const Cell& cell) {
  return cell.verdict == "fail" || cell.verdict == "timeout";
}

Cell CellFromResult(const report::ScenarioResult& result) {
  Cell cell;
  cell.verdict = std::string(verdict::VerdictName(result.verdict.verdict));
  for (const verdict::Violation& v : result.verdict.violations) {
    if (std::find(cell.rules.begin(), cell.rules.end(), v.rule) ==
        cell.rules.end()) {
      cell.rules.push_back(v.rule);
    }
  }
  cell.summary = result.verdict.summary;
  return cell;
}

Mismatch CompareConfiguration(const ConfigurationRun& run,
                              const FailingSet& expected) {
  Mismatch m;
  for (const auto& [id, cell] : run.cells) {
    const auto want = expected.find(id);
    if (!IsFailing(cell)) {
      // A client may pass or be caught; nothing may be left unjudged, except
      // what the runner cannot judge after the client failed a control.
      const bool explained_inconclusive =
          cell.verdict == "inconclusive" && run.controls_failed &&
          run.name != kSecure;
      if (cell.verdict != "pass" && !explained_inconclusive) {
        m.bad_verdicts.push_back(absl::StrCat(id, ": ", cell.verdict));
      }
      if (want != expected.end()) m.missing.push_back(id);
      continue;
    }
    if (want == expected.end()) {
      m.unexpected.push_back(id);
      continue;
    }
    for (const std::string& rule : want->second) {
      if (std::find(cell.rules.begin(), cell.rules.end(), rule) ==
          cell.rules.end()) {
        m.wrong_rules.push_back(absl::StrCat(id, ": wanted rule ", rule,
                                             ", got [",
                                             absl::StrJoin(cell.rules, ", "),
                                             "]"));
      }
    }
  }
  for (const auto& [id, rules] : expected) {
    if (run.cells.find(id) == run.cells.end()) {
      m.missing.push_back(absl::StrCat(id, " (not run: no such scenario)"));
    }
  }
  return m;
}

std::string DescribeMismatch(const ConfigurationRun& run,
                             const Mismatch& mismatch) {
  std::ostringstream out;
  auto summary = [&](const std::string& id) {
    const auto it = run.cells.find(id);
    return it == run.cells.end() ? std::string("(not run)") : it->second.summary;
  };
  out << "configuration " << run.name << ":\n";
  for (const std::string& id : mismatch.unexpected) {
    out << "  unexpected failure " << id << ": " << summary(id) << "\n";
  }
  for (const std::string& id : mismatch.missing) {
    out << "  missing failure " << id << ": " << summary(id) << "\n";
  }
  for (const std::string& line : mismatch.wrong_rules) {
    out << "  wrong rules " << line << "\n";
  }
  for (const std::string& line : mismatch.bad_verdicts) {
    out << "  bad verdict " << line << "\n";
  }
  out << "  failing now: " << absl::StrJoin(FailingIds(run), " ") << "\n";
  return out.str();
}

MatrixTotals Totals(const std::vector<ConfigurationRun>& runs,
                    const Expectations& expected) {
  MatrixTotals t;
  for (const ConfigurationRun& run : runs) {
    const bool secure = run.name == kSecure;
    const auto want = expected.find(run.name);
    if (!secure) {
      ++t.flaws;
      if (!FailingIds(run).empty()) ++t.detected;
    }
    for (const auto& [id, cell] : run.cells) {
      if (secure) {
        if (cell.verdict != "pass") ++t.false_alarms;
      } else if (IsFailing(cell) &&
                 (want == expected.end() ||
                  want->second.find(id) == want->second.end())) {
        ++t.false_alarms;
      }
    }
  }
  return t;
}

std::string RenderMarkdown(const std::vector<ConfigurationRun>& runs,
                           const Expectations& expected) {
  const MatrixTotals t = Totals(runs, expected);
  std::ostringstream out;
  out << "# Flaw detection matrix\n\n"
      << "The reference client run through the full scenario catalogue under "
         "require-tls, once secure and once per flaw.\n\n"
      << "**Detected flaws " << t.detected << "/" << t.flaws
      << ", false alarms " << t.false_alarms << ".**\n\n"
      << "| configuration | run time | scenarios that catch it |\n"
      << "|---|---|---|\n";
  for (const ConfigurationRun& run : runs) {
    const std::vector<std::string> failing = FailingIds(run);
    out << "| `" << run.name << "` | " << run.wall_ms / 1000.0 << " s | "
        << (failing.empty() ? std::string("none")
                            : absl::StrJoin(failing, ", "))
        << " |\n";
  }
  out << "\n✔ pass, ✘ fail (rule ids of the violations).\n\n| scenario |";
  for (const ConfigurationRun& run : runs) out << " " << run.name << " |";
  out << "\n|---|";
  for (std::size_t i = 0; i < runs.size(); ++i) out << "---|";
  out << "\n";
  for (const std::string& id : AllIds(runs)) {
    out << "| " << id << " |";
    for (const ConfigurationRun& run : runs) {
      const auto it = run.cells.find(id);
      out << " " << (it == run.cells.end() ? "-" : CellText(it->second))
          << " |";
    }
    out << "\n";
  }
  return out.str();
}

std::string RenderJson(const std::vector<ConfigurationRun>& runs,
                       const Expectations& expected) {
  const MatrixTotals t = Totals(runs, expected);
  nlohmann::json doc;
  doc["schema"] = "gauntlet-flaw-matrix/1";
  doc["policy"] = "require-tls";
  doc["flaws"] = t.flaws;
  doc["detected"] = t.detected;
  doc["false_alarms"] = t.false_alarms;
  nlohmann::json configs = nlohmann::json::array();
  for (const ConfigurationRun& run : runs) {
    nlohmann::json c;
    c["name"] = run.name;
    c["behaviour"] = run.behaviour;
    c["wall_ms"] = run.wall_ms;
    c["failing"] = FailingIds(run);
    nlohmann::json cells = nlohmann::json::object();
    for (const auto& [id, cell] : run.cells) {
      cells[id] = {{"verdict", cell.verdict},
                   {"rules", cell.rules},
                   {"summary", cell.summary}};
    }
    c["results"] = std::move(cells);
    configs.push_back(std::move(c));
  }
  doc["configurations"] = std::move(configs);
  // Summaries quote wire bytes: replace anything that is not UTF-8.
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n";
}

}  // namespace gauntlet::flaws
