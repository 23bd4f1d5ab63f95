// The flaw matrix: which scenarios each configuration of the reference
// client (secure, or one --flaw) is expected to fail, and what it did.
//
// tests/flaws/expected.toml holds one table per configuration ("secure" and
// every flaw name; the secure client's and every benign flaw's are empty:
// they must fail nothing); each key in it is a scenario id expected to fail
// (verdict fail or timeout) under require-tls, and its value lists the rule
// ids the failure's violations must include. ParseExpectations reads it;
// CompareConfiguration checks one configuration's run against it; the
// Render functions turn the whole matrix into Markdown and JSON for the
// report directory. Everything here is pure: the test does the running.

#ifndef GAUNTLET_TESTS_FLAWS_FLAW_MATRIX_H_
#define GAUNTLET_TESTS_FLAWS_FLAW_MATRIX_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/report/run_result.h"

namespace gauntlet::flaws {

// The configuration name of the client without flaws.
inline constexpr std::string_view kSecure = "secure";

// Scenario id -> rule ids its violations must include.
using FailingSet = std::map<std::string, std::vector<std::string>>;

// Configuration name -> expected failing set.
using Expectations = std::map<std::string, FailingSet>;

// Reads expected.toml. Errors name the source and, for TOML syntax errors,
// line:column; a value that is not an array of strings is an error naming
// its table and key.
absl::StatusOr<Expectations> ParseExpectations(std::string_view toml_text,
                                               std::string_view source_name);

// What one configuration did in one scenario.
struct Cell {
  std::string verdict;             // "pass", "fail", "timeout", ...
  std::vector<std::string> rules;  // Violation rule ids, in verdict order.
  std::string summary;             // The verdict's one-line summary.
};

// A result counts as "failing" (caught) when its verdict is fail or timeout.
bool IsFailing(const Cell& cell);

Cell CellFromResult(const report::ScenarioResult& result);

struct ConfigurationRun {
  std::string name;  // kSecure or a flaw name.
  std::string behaviour;  // The flaw's one-line behaviour ("" for secure).
  // A benign flaw (client::FlawKind::kBenign): like the secure client it
  // must fail nothing, and it is not counted among the flaws to detect.
  bool benign = false;
  int64_t wall_ms = 0;
  // The client failed a control scenario, so the runner judged its passes
  // in attack scenarios inconclusive (a client that cannot deliver at all
  // must not be called secure).
  bool controls_failed = false;
  std::map<std::string, Cell> cells;  // Scenario id -> cell.
};

// How one configuration's run differs from its expectation.
struct Mismatch {
  // Failing but not expected to.
  std::vector<std::string> unexpected;
  // Expected to fail but did not.
  std::vector<std::string> missing;
  // Failing as expected, but without an expected rule: "id: wanted R, got
  // [rules]".
  std::vector<std::string> wrong_rules;
  // Verdicts that judge nothing: error and skip always, inconclusive unless
  // the configuration failed a control: "id: verdict".
  std::vector<std::string> bad_verdicts;

  bool empty() const {
    return unexpected.empty() && missing.empty() && wrong_rules.empty() &&
           bad_verdicts.empty();
  }
};

Mismatch CompareConfiguration(const ConfigurationRun& run,
                              const FailingSet& expected);

// A readable account of a mismatch: each unexpected, missing or wrong id
// with the verdict summary of that cell.
std::string DescribeMismatch(const ConfigurationRun& run,
                             const Mismatch& mismatch);

// The totals the README quotes.
struct MatrixTotals {
  int flaws = 0;     // Configurations that must be caught (not secure, not
                     // benign).
  int detected = 0;  // Of those, the ones with at least one failing scenario.
  int benign = 0;    // Benign configurations run.
  // Non-pass results of the secure client and of benign configurations,
  // plus failures no expectation explains in flaw runs.
  int false_alarms = 0;
};

MatrixTotals Totals(const std::vector<ConfigurationRun>& runs,
                    const Expectations& expected);

// The matrix as Markdown: totals, then per flaw the scenarios that catch it,
// then one row per scenario and one column per configuration (✔ pass,
// ✘ fail with its rule ids).
std::string RenderMarkdown(const std::vector<ConfigurationRun>& runs,
                           const Expectations& expected);
// The same as JSON (schema "gauntlet-flaw-matrix/1").
std::string RenderJson(const std::vector<ConfigurationRun>& runs,
                       const Expectations& expected);

}  // namespace gauntlet::flaws

#endif  // GAUNTLET_TESTS_FLAWS_FLAW_MATRIX_H_
