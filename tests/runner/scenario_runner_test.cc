// Tests of the scenario runner with real fake servers and real client
// programs (curl, python3, /bin/sh): one scenario run end to end, harness
// faults judged as errors, exit 89, hangs, profile skips, the controls-first
// rule, cancellation, --server-name, and the run's private files.

#include "harness/runner/scenario_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/runner/test_message.h"
#include "harness/scenario/catalog.h"
#include "harness/verdict/verdict.h"

namespace gauntlet::runner {
namespace {

using ::testing::HasSubstr;
using verdict::VerdictKind;

constexpr char kCurlTemplate[] =
    "curl --silent --show-error --ssl-reqd --max-time 4 --cacert {ca_file} "
    "--resolve {host}:{port}:{addr} --mail-from {from} --mail-rcpt {to} "
    "--upload-file {message_file} --user {user}:{password} "
    "smtp://{host}:{port}";

// Connects, reads the greeting, says EHLO and QUIT: a client that never
// delivers anything (fails every control, "passes" every attack).
constexpr char kQuitClient[] =
    "/usr/bin/python3 -c '"
    "import os, smtplib\n"
    "s = smtplib.SMTP(os.environ[\"GAUNTLET_ADDR\"], "
    "int(os.environ[\"GAUNTLET_PORT\"]), timeout=4)\n"
    "s.ehlo(\"client.test\")\n"
    "s.quit()\n'";

const scenario::Catalog& Catalog() {
  static const scenario::Catalog* catalog = [] {
    auto loaded = scenario::LoadCatalog({GAUNTLET_SOURCE_DIR "/scenarios"});
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return new scenario::Catalog(loaded.ok() ? *std::move(loaded)
                                             : scenario::Catalog());
  }();
  return *catalog;
}

const scenario::Scenario& Get(const std::string& id) {
  const scenario::Scenario* s = Catalog().Find(id);
  if (s == nullptr) {
    ADD_FAILURE() << "no scenario " << id;
    static const scenario::Scenario empty;
    return empty;
  }
  return *s;
}

RunnerOptions Options(const std::string& command, bool shell = false) {
  RunnerOptions o;
  o.command.template_text = command;
  o.command.shell = shell;
  o.client_name = "test";
  o.timeout = std::chrono::seconds(8);
  return o;
}

std::unique_ptr<ScenarioRunner> MakeRunner(RunnerOptions o) {
  auto made = ScenarioRunner::Create(std::move(o));
  EXPECT_TRUE(made.ok()) << made.status();
  return made.ok() ? *std::move(made) : nullptr;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A private directory with a FIFO a client writes to when it has started,
// so a test can act while the client runs without sleeping.
class StartSignal {
 public:
  StartSignal() {
    std::string tmpl = "/tmp/gauntlet-runner-test-XXXXXX";
    EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    fifo_ = dir_ + "/started";
    EXPECT_EQ(mkfifo(fifo_.c_str(), 0600), 0);
    fd_ = open(fifo_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    EXPECT_GE(fd_, 0);
  }
  ~StartSignal() {
    if (fd_ >= 0) close(fd_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const std::string& fifo() const { return fifo_; }
  // The line the client wrote, or "" after `timeout`.
  std::string Wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string got;
    while (got.find('\n') == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return "";
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[256];
      const ssize_t n = read(fd_, buf, sizeof buf);
      if (n > 0) got.append(buf, static_cast<std::size_t>(n));
    }
    return got;
  }

 private:
  std::string dir_;
  std::string fifo_;
  int fd_ = -1;
};

TEST(ScenarioRunnerCreate, RejectsUnknownPlaceholderBeforeAnyRun) {
  auto made = ScenarioRunner::Create(Options("client --port {prot}"));
  ASSERT_FALSE(made.ok());
  EXPECT_THAT(made.status().message(), HasSubstr("{prot}"));
}

TEST(ScenarioRunnerCreate, RejectsBadJobsAndRepeat) {
  RunnerOptions o = Options("true");
  o.jobs = 0;
  EXPECT_FALSE(ScenarioRunner::Create(o).ok());
  o.jobs = 1;
  o.repeat = 0;
  EXPECT_FALSE(ScenarioRunner::Create(o).ok());
}

TEST(ScenarioRunnerCreate, MakesPrivateFilesAndRemovesThem) {
  std::string dir;
  {
    auto runner = MakeRunner(Options("true"));
    ASSERT_NE(runner, nullptr);
    dir = runner->temp_dir();
    struct stat st;
    ASSERT_EQ(stat(dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    EXPECT_THAT(ReadFile(runner->ca_file()),
                HasSubstr("-----BEGIN CERTIFICATE-----"));
    const std::string message = ReadFile(runner->message_file());
    EXPECT_THAT(message, HasSubstr(absl::StrCat("Subject: ",
                                                kTestMessageSubject, "\r\n")));
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(ScenarioRunner, CurlDeliversOverTlsInAControl) {
  auto runner = MakeRunner(Options(kCurlTemplate));
  ASSERT_NE(runner, nullptr);
  report::ScenarioResult r =
      runner->RunScenario(Get("control/good-tls13-ecdsa"), 0, false);
  EXPECT_EQ(r.verdict.verdict, VerdictKind::kPass) << r.verdict.summary;
  EXPECT_TRUE(r.observations.delivered_over_tls);
  ASSERT_FALSE(r.observations.messages.empty());
  EXPECT_EQ(r.observations.messages[0].subject, kTestMessageSubject);
  // The client's own wall time is recorded and is part of the scenario's.
  EXPECT_GT(r.client.duration_us, 0);
  EXPECT_LE(r.client.duration_us, r.duration_us);
  EXPECT_EQ(r.client.exit_code, 0);
}

TEST(ScenarioRunner, ServerNameIsInTheCertificates) {
  RunnerOptions o = Options(kCurlTemplate);
  o.server_name = "mx.runner-test.example";
  auto runner = MakeRunner(std::move(o));
  ASSERT_NE(runner, nullptr);
  report::ScenarioResult r =
      runner->RunScenario(Get("control/good-tls12-rsa"), 0, false);
  EXPECT_EQ(r.verdict.verdict, VerdictKind::kPass) << r.verdict.summary;
  ASSERT_FALSE(r.transcript.connections.empty());
  ASSERT_TRUE(r.transcript.connections[0].tls.client_hello.has_value());
  EXPECT_EQ(r.transcript.connections[0].tls.client_hello->sni,
            "mx.runner-test.example");
}

TEST(ScenarioRunner, ClientThatCannotStartIsAHarnessError) {
  auto runner = MakeRunner(Options("/nonexistent/gauntlet-test-client"));
  ASSERT_NE(runner, nullptr);
  report::ScenarioResult r =
      runner->RunScenario(Get("strip/capability-removed"), 0, false);
  EXPECT_EQ(r.verdict.verdict, VerdictKind::kError) << r.verdict.summary;
  EXPECT_FALSE(r.client.ran);
}

TEST(ScenarioRunner, Exit89IsSkip) {
  auto runner = MakeRunner(Options("/bin/sh -c 'exit 89'"));
  ASSERT_NE(runner, nullptr);
  report::ScenarioResult r =
      runner->RunScenario(Get("strip/capability-removed"), 0, false);
  EXPECT_EQ(r.verdict.verdict, VerdictKind::kSkip) << r.verdict.summary;
}

TEST(ScenarioRunner, HangIsTimeoutAtTheScenarioTimeout) {
  // Connects, reads the greeting, then hangs. (A client that never connects
  // is inconclusive, not a hang: see verdict.h.)
  auto runner = MakeRunner(Options(
      "/bin/bash -c 'exec 3<>/dev/tcp/$GAUNTLET_ADDR/$GAUNTLET_PORT; "
      "read -r -u 3 greeting; exec sleep 30'"));
  ASSERT_NE(runner, nullptr);
  scenario::Scenario s = Get("control/good-tls13-ecdsa");
  s.timeout = std::chrono::milliseconds(1500);
  const auto start = std::chrono::steady_clock::now();
  report::ScenarioResult r = runner->RunScenario(s, 0, false);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.verdict.verdict, VerdictKind::kTimeout) << r.verdict.summary;
  EXPECT_TRUE(r.client.timed_out);
  EXPECT_EQ(r.client.timeout_us, 1'500'000);
  EXPECT_GE(r.client.duration_us, 1'500'000);
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST(ScenarioRunner, ProfileUnsupportedGlobSkipsWithoutRunning) {
  // The command cannot run: a skip proves it was never started.
  RunnerOptions o = Options("/nonexistent/gauntlet-test-client");
  o.unsupported = {"strip/*"};
  auto runner = MakeRunner(std::move(o));
  ASSERT_NE(runner, nullptr);
  report::ScenarioResult r =
      runner->RunScenario(Get("strip/capability-removed"), 0, false);
  EXPECT_EQ(r.verdict.verdict, VerdictKind::kSkip);
  EXPECT_THAT(r.verdict.summary, HasSubstr("strip/*"));
}

TEST(ScenarioRunner, FailedControlsMakeAttackPassesInconclusive) {
  RunnerOptions o = Options(kQuitClient);
  o.jobs = 2;
  auto runner = MakeRunner(std::move(o));
  ASSERT_NE(runner, nullptr);
  const std::vector<const scenario::Scenario*> only_attack = {
      &Get("strip/capability-removed")};
  report::RunReport alone = runner->Run(only_attack);
  ASSERT_EQ(alone.results.size(), 1u);
  EXPECT_EQ(alone.results[0].verdict.verdict, VerdictKind::kPass)
      << alone.results[0].verdict.summary;

  const std::vector<const scenario::Scenario*> with_control = {
      &Get("strip/capability-removed"), &Get("control/good-tls13-ecdsa")};
  report::RunReport both = runner->Run(with_control);
  ASSERT_EQ(both.results.size(), 2u);
  // Sorted by id.
  EXPECT_EQ(both.results[0].scenario_id, "control/good-tls13-ecdsa");
  EXPECT_EQ(both.results[0].verdict.verdict, VerdictKind::kFail);
  EXPECT_EQ(both.results[1].verdict.verdict, VerdictKind::kInconclusive)
      << both.results[1].verdict.summary;
  EXPECT_FALSE(both.notes.empty());
  EXPECT_FALSE(both.interrupted);
  EXPECT_EQ(both.planned, 2);
}

TEST(ScenarioRunner, RepeatRunsEachScenarioNTimes) {
  RunnerOptions o = Options(kCurlTemplate);
  o.repeat = 3;
  o.jobs = 2;
  auto runner = MakeRunner(std::move(o));
  ASSERT_NE(runner, nullptr);
  report::RunReport report =
      runner->Run({&Get("control/good-tls13-ecdsa"), &Get("cert/expired")});
  ASSERT_EQ(report.results.size(), 6u);
  EXPECT_EQ(report.planned, 6);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(report.results[i].repeat_index, i % 3);
    EXPECT_EQ(report.results[i].verdict.verdict, VerdictKind::kPass)
        << report.results[i].scenario_id << ": "
        << report.results[i].verdict.summary;
  }
  // Six TLS sessions served and judged: the harness's own CPU is counted.
  EXPECT_GT(report.harness_cpu_us, 0);
}

TEST(ScenarioRunner, CancelFlagStopsTheRunAndKeepsOnlyFinishedResults) {
  StartSignal started;
  std::atomic<bool> cancel{false};
  RunnerOptions o = Options(
      absl::StrCat("echo started > '", started.fifo(), "'; exec sleep 30"),
      /*shell=*/true);
  o.cancel = &cancel;
  o.jobs = 1;
  auto runner = MakeRunner(std::move(o));
  ASSERT_NE(runner, nullptr);
  report::RunReport report;
  const auto start = std::chrono::steady_clock::now();
  std::thread run([&] {
    report = runner->Run(
        {&Get("strip/capability-removed"), &Get("strip/starttls-454")});
  });
  EXPECT_EQ(started.Wait(std::chrono::seconds(10)), "started\n");
  cancel.store(true);
  run.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(8));
  EXPECT_TRUE(report.interrupted);
  EXPECT_TRUE(report.results.empty());
  EXPECT_EQ(report.planned, 2);
}

TEST(ScenarioRunner, ControlsFailedCountsFailTimeoutInconclusiveOnly) {
  report::ScenarioResult r;
  r.kind = scenario::ScenarioKind::kControl;
  r.verdict.verdict = VerdictKind::kSkip;
  EXPECT_FALSE(ControlsFailed({r}));
  r.verdict.verdict = VerdictKind::kError;
  EXPECT_FALSE(ControlsFailed({r}));
  r.verdict.verdict = VerdictKind::kTimeout;
  EXPECT_TRUE(ControlsFailed({r}));
  r.kind = scenario::ScenarioKind::kAttack;
  EXPECT_FALSE(ControlsFailed({r}));
}

}  // namespace
}  // namespace gauntlet::runner
