// `gauntlet judge`: a saved report judged again from its transcripts alone
// gives the same verdicts, rule ids, note ids and summaries as the run that
// wrote it (the whole catalog with the reference client; a subset with curl
// --ssl and with a flawed reference client, so that failures exist); under
// another policy it judges as that policy would; a bad report is a usage
// error naming the file and the field.
//
// Real clients only: the reference client (`gauntlet client`, with --flaw
// switches) and curl. -j 2, short timeouts.

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/runner/client_command.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/e2e_util.h"

namespace gauntlet::e2e {
namespace {

using ::testing::HasSubstr;

std::vector<std::string> NoteRules(const nlohmann::json& result) {
  std::vector<std::string> rules;
  for (const nlohmann::json& n : result["notes"]) {
    rules.push_back(n["rule"].get<std::string>());
  }
  return rules;
}

// (id, policy, repeat) -> what a judgement consists of.
struct Judgement {
  std::string verdict;
  std::vector<std::string> rules;
  std::vector<std::string> notes;
  std::string summary;
  friend bool operator==(const Judgement&, const Judgement&) = default;
};
using Key = std::tuple<std::string, std::string, int>;

std::map<Key, Judgement> Judgements(const nlohmann::json& report) {
  std::map<Key, Judgement> out;
  for (const nlohmann::json& r : report["results"]) {
    out[{r["id"].get<std::string>(), r["policy"].get<std::string>(),
         r["repeat"].get<int>()}] = {r["verdict"].get<std::string>(),
                                     ViolationRules(r), NoteRules(r),
                                     r["summary"].get<std::string>()};
  }
  return out;
}

// Runs `run_args` with --json, judges the report, and requires the same
// judgement for every result; returns the original report.
nlohmann::json RunThenJudge(const std::vector<std::string>& run_args,
                            int want_failures_at_least = 0) {
  TempDir dir;
  std::vector<std::string> args = run_args;
  args.insert(args.end(), {"--json", dir.File("run.json")});
  const Invocation run = RunGauntlet(args, std::chrono::seconds(600));
  EXPECT_TRUE(run.ran && !run.timed_out) << run.out << run.err;
  const nlohmann::json original = ReadJson(dir.File("run.json"));
  EXPECT_FALSE(original.is_discarded()) << run.out << run.err;
  if (original.is_discarded()) return original;

  const Invocation judge = RunGauntlet({"judge", dir.File("run.json"), "--json",
                                        dir.File("judged.json"), "--no-color"});
  // The same exit status: the gate reads the same verdicts.
  EXPECT_EQ(judge.exit_code, run.exit_code) << judge.out << judge.err;
  const nlohmann::json judged = ReadJson(dir.File("judged.json"));
  EXPECT_FALSE(judged.is_discarded()) << judge.out << judge.err;
  if (judged.is_discarded()) return original;

  const std::map<Key, Judgement> before = Judgements(original);
  const std::map<Key, Judgement> after = Judgements(judged);
  EXPECT_EQ(before.size(), original["results"].size());
  EXPECT_EQ(after.size(), before.size());
  int failures = 0;
  for (const auto& [key, j] : before) {
    const auto it = after.find(key);
    if (it == after.end()) {
      ADD_FAILURE() << std::get<0>(key) << " missing from the judged report";
      continue;
    }
    EXPECT_EQ(it->second.verdict, j.verdict) << std::get<0>(key);
    EXPECT_EQ(it->second.rules, j.rules) << std::get<0>(key);
    EXPECT_EQ(it->second.notes, j.notes) << std::get<0>(key);
    EXPECT_EQ(it->second.summary, j.summary) << std::get<0>(key);
    failures += j.verdict == "fail" ? 1 : 0;
  }
  EXPECT_GE(failures, want_failures_at_least);
  return original;
}

TEST(Judge, ReproducesTheWholeCatalogWithTheReferenceClient) {
  const nlohmann::json report = RunThenJudge(
      {"run", "--client", ReferenceClientTemplate(), "-j", "2", "--timeout", "5s"});
  // Every scenario of the catalog ran (list --json counts them).
  const Invocation list = RunGauntlet({"list", "--json"});
  const nlohmann::json listed =
      nlohmann::json::parse(list.out, nullptr,
                            /*allow_exceptions=*/false);
  ASSERT_FALSE(listed.is_discarded()) << list.out;
  const std::size_t catalog =
      listed.is_array() ? listed.size() : listed["scenarios"].size();
  EXPECT_EQ(report["results"].size(), catalog);
}

TEST(Judge, ReproducesFailuresOfAFlawedReferenceClient) {
  RunThenJudge({"run", "--client",
                ReferenceClientTemplate("--flaw no-verify --flaw fallback-on-strip"),
                "--filter", "control/*", "--filter", "cert/*", "--filter",
                "strip/*", "-j", "2", "--timeout", "5s"},
               /*want_failures_at_least=*/2);
}

TEST(Judge, ReproducesCurlOpportunistic) {
  RunThenJudge({"run", "--client", CurlTemplate(/*require_tls=*/false),
                "--filter", "control/*", "--filter", "strip/*", "--filter",
                "cert/expired", "-j", "2", "--timeout", "5s"},
               /*want_failures_at_least=*/1);
}

TEST(Judge, AnotherPolicyJudgesAsThatPolicyWould) {
  // curl --ssl falls back to plaintext when STARTTLS is stripped: a failure
  // under require-tls, allowed (unrestricted) under opportunistic.
  TempDir dir;
  const Invocation run = RunGauntlet(
      {"run", "--client", CurlTemplate(false), "--filter",
       "control/good-tls13-ecdsa", "--filter", "strip/capability-removed", "-j",
       "2", "--timeout", "5s", "--json", dir.File("run.json")});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  const Invocation same = RunGauntlet({"judge", dir.File("run.json")});
  EXPECT_EQ(same.exit_code, 1) << same.out << same.err;
  const Invocation opp =
      RunGauntlet({"judge", dir.File("run.json"), "--policy", "opportunistic",
                   "--json", dir.File("opp.json")});
  EXPECT_EQ(opp.exit_code, 0) << opp.out << opp.err;
  const nlohmann::json judged = ReadJson(dir.File("opp.json"));
  ASSERT_FALSE(judged.is_discarded());
  EXPECT_EQ(judged["policy"], "opportunistic");
  for (const auto& [id, result] : Results(judged)) {
    EXPECT_EQ(result["policy"], "opportunistic") << id;
    EXPECT_EQ(result["verdict"], "pass") << id;
  }
  EXPECT_THAT(opp.out, HasSubstr("judged under opportunistic"));
}

TEST(Judge, ABadReportIsAUsageErrorNamingTheField) {
  TempDir dir;
  WriteFile(dir.File("bad.json"),
            "{\"schema\": \"gauntlet-report/1\", \"gauntlet_version\": 5}");
  const Invocation r = RunGauntlet({"judge", dir.File("bad.json")});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("bad.json: /gauntlet_version: expected a "
                               "string, got number"));
  const Invocation missing = RunGauntlet({"judge", dir.File("nope.json")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("nope.json"));
}

}  // namespace
}  // namespace gauntlet::e2e
