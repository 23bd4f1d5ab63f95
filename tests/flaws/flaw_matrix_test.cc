// The flaw matrix (docs/reference-client.md): the full scenario catalogue, under require-tls, run
// against the reference client once secure and once per flaw. The secure
// client must pass every scenario; each flaw must be caught by exactly the
// scenarios tests/flaws/expected.toml lists, each with the listed rules.
//
// The client is the real `gauntlet client` executable (gauntlet-client in
// sanitizer builds, where it starts three times faster), one process per
// scenario, against real fake servers on 127.0.0.1, run
// in-process by ScenarioRunner. Timeouts are short so that the 13 runs fit
// in well under a minute on two cores: the client gives up on a silent
// server after kClientTimeoutSeconds, and the runner kills it (verdict
// timeout) after kScenarioTimeout, which also replaces the scenarios' own
// longer limits (tls/stall allows 60 s).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "client/flaws.h"
#include "gtest/gtest.h"
#include "harness/report/json_report.h"
#include "harness/runner/client_command.h"
#include "harness/runner/scenario_runner.h"
#include "harness/scenario/catalog.h"
#include "harness/verdict/rules.h"
#include "tests/flaws/flaw_matrix.h"

namespace gauntlet::flaws {
namespace {

// Above the longest reply delay of any scenario (2 s, in
// inject/after-220-fake-transaction) with a margin for sanitizer builds.
constexpr int kClientTimeoutSeconds = 3;
constexpr std::chrono::milliseconds kScenarioTimeout{5000};
constexpr int kJobs = 2;
constexpr int kParallelConfigurations = 4;

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Expectations LoadExpectations() {
  const std::string path = GAUNTLET_SOURCE_DIR "/tests/flaws/expected.toml";
  absl::StatusOr<Expectations> parsed = ParseExpectations(ReadText(path), path);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *std::move(parsed) : Expectations{};
}

scenario::Catalog LoadBuiltinCatalog() {
  absl::StatusOr<scenario::Catalog> loaded =
      scenario::LoadCatalog({GAUNTLET_SOURCE_DIR "/scenarios"});
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  return loaded.ok() ? *std::move(loaded) : scenario::Catalog{};
}

// `gauntlet client ...` (or, in sanitizer builds, `gauntlet-client ...`)
// with the runner's placeholders, plus --flaw.
std::string ClientTemplate(std::string_view flaw) {
#ifdef GAUNTLET_CLIENT_BIN
  const std::string program = GAUNTLET_CLIENT_BIN;
  const char* const subcommand = " client";
#else
  const std::string program = GAUNTLET_CLIENT_COMMAND;
  const char* const subcommand = "";
#endif
  // Braces in the path would read as placeholders; quotes keep blanks.
  std::string t = runner::ShellQuote(
      absl::StrReplaceAll(program, {{"{", "{{"}, {"}", "}}"}}));
  t += subcommand;
  absl::StrAppend(
      &t,
      " --host {addr} --port {port} --server-name {host}"
      " --ca-file {ca_file} --from {from} --to {to} --user {user}"
      " --password {password} --message-file {message_file}"
      " --policy {policy} --timeout ",
      kClientTimeoutSeconds);
  if (!flaw.empty()) absl::StrAppend(&t, " --flaw ", std::string(flaw));
  return t;
}

std::string ReportDir() {
  const char* env = std::getenv("GAUNTLET_REPORT_DIR");
  return env != nullptr && *env != '\0' ? std::string(env)
                                        : std::string(GAUNTLET_FLAWS_OUT_DIR);
}

bool WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

TEST(FlawExpectations, CoverEveryFlawWithRealScenariosAndRules) {
  const Expectations expected = LoadExpectations();
  const scenario::Catalog catalog = LoadBuiltinCatalog();
  ASSERT_FALSE(catalog.empty());

  std::set<std::string> names = {std::string(kSecure)};
  for (const client::FlawInfo& f : client::AllFlaws()) names.emplace(f.name);
  std::set<std::string> configured;
  for (const auto& [name, failing] : expected) configured.insert(name);
  EXPECT_EQ(configured, names)
      << "expected.toml must have one table per flaw, plus [secure]";

  for (const auto& [name, failing] : expected) {
    if (name == kSecure) {
      EXPECT_TRUE(failing.empty()) << "the secure client must fail nothing";
    } else {
      EXPECT_FALSE(failing.empty())
          << "flaw " << name << " is caught by no scenario";
    }
    for (const auto& [id, rules] : failing) {
      EXPECT_NE(catalog.Find(id), nullptr)
          << name << ": no scenario " << id << " in the catalogue";
      for (const std::string& rule : rules) {
        EXPECT_NE(verdict::FindRule(rule), nullptr)
            << name << ": " << id << ": unknown rule id " << rule;
      }
    }
  }
}

TEST(FlawExpectations, ParserReportsWhereAFileIsWrong) {
  absl::StatusOr<Expectations> bad =
      ParseExpectations("[secure]\n\"a/b\" = \"hang\"\n", "x.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("x.toml:2:"), std::string::npos)
      << bad.status();
  bad = ParseExpectations("[secure\n", "y.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("y.toml:1:"), std::string::npos)
      << bad.status();
}

TEST(FlawExpectations, CompareFindsUnexpectedMissingAndWrongRules) {
  ConfigurationRun run;
  run.name = "keep-buffer";
  run.cells["a/caught"] = {"fail", {"acted-on-injected-bytes"}, "fail: a"};
  run.cells["b/extra"] = {"timeout", {"hang"}, "timeout: b"};
  run.cells["c/missed"] = {"pass", {}, "pass"};
  run.cells["d/wrong"] = {"fail", {"plaintext-mail"}, "fail: d"};
  run.cells["e/unjudged"] = {"inconclusive", {}, "inconclusive"};
  run.cells["f/error"] = {"error", {}, "error"};
  const FailingSet expected = {{"a/caught", {"acted-on-injected-bytes"}},
                               {"c/missed", {"hang"}},
                               {"d/wrong", {"acted-on-injected-bytes"}}};
  const Mismatch m = CompareConfiguration(run, expected);
  EXPECT_EQ(m.unexpected, std::vector<std::string>{"b/extra"});
  EXPECT_EQ(m.missing, std::vector<std::string>{"c/missed"});
  ASSERT_EQ(m.wrong_rules.size(), 1u);
  EXPECT_NE(m.wrong_rules[0].find("d/wrong"), std::string::npos);
  EXPECT_EQ(m.bad_verdicts,
            (std::vector<std::string>{"e/unjudged: inconclusive",
                                      "f/error: error"}));
  // After a failed control the runner cannot call a pass secure.
  run.controls_failed = true;
  EXPECT_EQ(CompareConfiguration(run, expected).bad_verdicts,
            std::vector<std::string>{"f/error: error"});
  EXPECT_NE(DescribeMismatch(run, m).find("timeout: b"), std::string::npos);
}

TEST(FlawMatrix, SecurePassesEverythingAndEachFlawIsCaughtExactly) {
  const Expectations expected = LoadExpectations();
  const scenario::Catalog catalog = LoadBuiltinCatalog();
  ASSERT_FALSE(catalog.empty());

  // Copies with the matrix's short limit in place of their own.
  std::vector<scenario::Scenario> scenarios = catalog.scenarios();
  for (scenario::Scenario& s : scenarios) s.timeout = kScenarioTimeout;
  std::vector<const scenario::Scenario*> selection;
  for (const scenario::Scenario& s : scenarios) selection.push_back(&s);

  struct Configuration {
    std::string name;
    std::string flaw;
    std::string behaviour;
  };
  std::vector<Configuration> configurations = {
      {std::string(kSecure), "", ""}};
  for (const client::FlawInfo& f : client::AllFlaws()) {
    configurations.push_back(
        {std::string(f.name), std::string(f.name), std::string(f.behaviour)});
  }

  const std::string dir = ReportDir();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  ASSERT_FALSE(ec) << dir << ": " << ec.message();

  // Configurations run kParallelConfigurations at a time, each with its own
  // runner (PKI, private directory) and kJobs scenarios in parallel: the
  // clients mostly wait on the fake servers' delays and timeouts, so two
  // cores keep up with a few runs at once.
  const auto matrix_start = std::chrono::steady_clock::now();
  std::vector<ConfigurationRun> runs(configurations.size());
  std::vector<std::string> errors(configurations.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < configurations.size(); i = next++) {
      const Configuration& config = configurations[i];
      runner::RunnerOptions options;
      options.command.template_text = ClientTemplate(config.flaw);
      options.client_name = "gauntlet-client " + config.name;
      options.policy = scenario::Policy::kRequireTls;
      options.timeout = kScenarioTimeout;
      options.jobs = kJobs;
      absl::StatusOr<std::unique_ptr<runner::ScenarioRunner>> made =
          runner::ScenarioRunner::Create(std::move(options));
      if (!made.ok()) {
        errors[i] = made.status().ToString();
        continue;
      }
      const auto start = std::chrono::steady_clock::now();
      const report::RunReport report = (*made)->Run(selection);
      ConfigurationRun& run = runs[i];
      run.name = config.name;
      run.behaviour = config.behaviour;
      run.wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
      if (report.interrupted || report.results.size() != scenarios.size()) {
        errors[i] = absl::StrCat("incomplete run: ", report.results.size(),
                                 " of ", scenarios.size(), " results");
      }
      std::vector<report::ScenarioResult> controls;
      for (const report::ScenarioResult& r : report.results) {
        run.cells[r.scenario_id] = CellFromResult(r);
        if (r.kind == scenario::ScenarioKind::kControl) controls.push_back(r);
      }
      run.controls_failed = runner::ControlsFailed(controls);
      // The full report of each configuration, for reading transcripts.
      absl::StatusOr<std::string> json = report::FormatJsonReport(report);
      if (json.ok()) {
        WriteText(absl::StrCat(dir, "/report-", config.name, ".json"), *json);
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kParallelConfigurations; ++t) threads.emplace_back(worker);
  for (std::thread& t : threads) t.join();
  for (std::size_t i = 0; i < configurations.size(); ++i) {
    ASSERT_TRUE(errors[i].empty()) << configurations[i].name << ": " << errors[i];
    std::cout << "[flaw-matrix] " << runs[i].name << ": " << runs[i].wall_ms
              << " ms\n";
  }
  const int64_t matrix_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - matrix_start)
          .count();

  const std::string md = RenderMarkdown(runs, expected);
  EXPECT_TRUE(WriteText(dir + "/flaw-matrix.md", md)) << dir;
  EXPECT_TRUE(WriteText(dir + "/flaw-matrix.json", RenderJson(runs, expected)))
      << dir;
  const MatrixTotals totals = Totals(runs, expected);
  std::cout << "[flaw-matrix] detected flaws " << totals.detected << "/"
            << totals.flaws << ", false alarms " << totals.false_alarms
            << "; " << runs.size() << " runs of " << scenarios.size()
            << " scenarios in " << matrix_ms << " ms\n"
            << "[flaw-matrix] matrix written to " << dir
            << "/flaw-matrix.md and flaw-matrix.json\n"
            << std::flush;

  EXPECT_EQ(totals.detected, totals.flaws);
  EXPECT_EQ(totals.false_alarms, 0);
  for (const ConfigurationRun& run : runs) {
    const auto want = expected.find(run.name);
    const FailingSet none;
    const Mismatch m =
        CompareConfiguration(run, want == expected.end() ? none : want->second);
    EXPECT_TRUE(m.empty()) << DescribeMismatch(run, m);
  }
}

}  // namespace
}  // namespace gauntlet::flaws
