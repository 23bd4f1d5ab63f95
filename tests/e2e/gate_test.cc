// End-to-end tests of `gauntlet run` as a CI gate that never misleads: the
// exit status of runs that judged nothing (3), of an empty --client (2), of
// --fail-on and of baselines (entries that did not run, known, new and fixed
// failures, --write-baseline); the closing line's inconclusive count; results
// streamed as they finish, -q, the recap; the status line in a terminal
// (and none with TERM=dumb); `demo --flaw` progress; `run --help`.
//
// Real clients only: the reference client (`gauntlet client`, with --flaw
// switches for a client that fails chosen scenarios), /bin/true, /bin/sh.
// Each run selects two to four scenarios with -j 2 and short timeouts.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/runner/client_command.h"
#include "pugixml.hpp"
#include "tests/e2e/e2e_util.h"

extern char** environ;

namespace gauntlet::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> Args(std::vector<std::string> base,
                              const std::vector<std::string>& more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

// --- Exit 3: nothing was judged --------------------------------------------

TEST(Gate, ClientThatNeverConnectsExits3AndCountsInconclusive) {
  TempDir dir;
  Invocation r = RunGauntlet(
      {"run", "--client", "/bin/true", "--filter", "control/good-tls13-ecdsa",
       "--filter", "cert/expired", "--filter", "strip/capability-removed", "-j",
       "2", "--timeout", "2s", "--junit", dir.File("junit.xml"), "--json",
       dir.File("report.json")});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  // Inconclusive results are not counted as skipped.
  EXPECT_THAT(r.out,
              HasSubstr("\n0 passed, 0 failed, 0 skipped, 3 inconclusive\n"));
  EXPECT_THAT(r.out, HasSubstr("Exit status 3 (inconclusive: the client could "
                               "not be judged): the client failed control "
                               "scenario(s) control/good-tls13-ecdsa"));
  // JUnit says it too.
  pugi::xml_document xml;
  ASSERT_TRUE(xml.load_file(dir.File("junit.xml").c_str()));
  pugi::xml_node prop =
      xml.select_node("//testsuite/properties/property[@name='inconclusive']")
          .node();
  ASSERT_TRUE(prop);
  EXPECT_STREQ(prop.attribute("value").value(), "3");
  EXPECT_EQ(xml.select_nodes("//testcase/skipped[starts-with(@message, "
                             "'inconclusive: ')]")
                .size(),
            3u);
  EXPECT_EQ(ReadJson(dir.File("report.json"))["summary"]["inconclusive"], 3);
}

TEST(Gate, ClientThatSkipsEverythingExits3) {
  // Exit 89 is "unsupported here": a client that says it for everything
  // has tested nothing.
  Invocation r = RunGauntlet(
      {"run", "--shell", "--client", "exit 89", "--filter",
       "control/good-tls13-ecdsa", "--filter", "cert/expired", "--filter",
       "strip/capability-removed", "-j", "2", "--timeout", "2s"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.out,
              HasSubstr("\n0 passed, 0 failed, 3 skipped, 0 inconclusive\n"));
  EXPECT_THAT(r.out, HasSubstr("every scenario was skipped"));
}

// --- Exit 2: an empty --client ---------------------------------------------

TEST(Gate, EmptyClientIsAUsageErrorAndRunsNothing) {
  Invocation r = RunGauntlet({"run", "--client", "", "--filter",
                              "control/good-tls13-ecdsa", "--timeout", "2s"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("--client is empty: pass a command, or leave "
                               "--client out to use the reference client"));
  EXPECT_THAT(r.out, Not(HasSubstr("control/good-tls13-ecdsa")));
  EXPECT_THAT(r.out, Not(HasSubstr("passed")));
  // --shell with an empty --client: the same.
  Invocation s = RunGauntlet({"run", "--shell", "--client", "", "--filter",
                              "control/good-tls13-ecdsa"});
  EXPECT_EQ(s.exit_code, 2) << s.out << s.err;
  EXPECT_THAT(s.out, Not(HasSubstr("passed")));
}

// --- --fail-on -------------------------------------------------------------

TEST(Gate, FailOnLetsALowFailureThroughButStillListsIt) {
  // With no-hostname-check the client accepts a certificate that names the
  // host only in its CN: cert/common-name-only, severity low.
  const std::vector<std::string> run = {
      "run",
      "--client",
      ReferenceClientTemplate("--flaw no-hostname-check"),
      "--filter",
      "control/good-tls13-ecdsa",
      "--filter",
      "cert/common-name-only",
      "-j",
      "2",
      "--timeout",
      "20s"};
  Invocation all = RunGauntlet(run);
  EXPECT_EQ(all.exit_code, 1) << all.out << all.err;
  EXPECT_THAT(all.out, HasSubstr("  ✘ cert/common-name-only [low]  "));
  EXPECT_THAT(all.out, Not(HasSubstr("below --fail-on")));

  Invocation medium = RunGauntlet(Args(run, {"--fail-on", "medium"}));
  EXPECT_EQ(medium.exit_code, 0) << medium.out << medium.err;
  EXPECT_THAT(medium.out, HasSubstr("  ✘ cert/common-name-only [low]  "
                                    "Certificate profile: common-name-only "
                                    "(below --fail-on medium)\n"));
  // Still counted as a failure, and recapped.
  EXPECT_THAT(medium.out,
              HasSubstr("\n1 passed, 1 failed, 0 skipped, 0 inconclusive\n"));
  EXPECT_THAT(medium.out, HasSubstr("\nFailures (1):\n  cert/common-name-only "
                                    "[low] accepted-bad-certificate (below "
                                    "--fail-on medium)\n"));
  EXPECT_EQ(RunGauntlet(Args(run, {"--fail-on", "severe"})).exit_code, 2);
}

TEST(Gate, WaitingForAWithheldReplyIsALowFindingNotAHighFailure) {
  // proto/ehlo-in-tls-unanswered (severity high) never answers the EHLO
  // inside TLS. A reference client that waits up to 30 s per reply is
  // stopped at the run's 3 s limit while it waits: it never acted on
  // anything it was not sent, so its only finding is the robustness rule
  // gave-up-late (low), and only a gate at --fail-on low or below fails.
  const std::vector<std::string> run = {
      "run",
      "--client",
      ReferenceClientTemplate("", /*client_timeout_s=*/30),
      "--filter",
      "control/good-tls13-ecdsa",
      "--filter",
      "proto/ehlo-in-tls-unanswered",
      "-j",
      "2",
      "--timeout",
      "3s"};
  TempDir dir;
  Invocation high = RunGauntlet(
      Args(run, {"--fail-on", "high", "--json", dir.File("report.json")}));
  EXPECT_EQ(high.exit_code, 0) << high.out << high.err;
  EXPECT_THAT(high.out, HasSubstr("proto/ehlo-in-tls-unanswered [low]"));
  EXPECT_THAT(high.out, HasSubstr("below --fail-on high"));
  const nlohmann::json report = ReadJson(dir.File("report.json"));
  bool seen = false;
  for (const auto& [id, result] : Results(report)) {
    if (id != "proto/ehlo-in-tls-unanswered") continue;
    seen = true;
    EXPECT_EQ(result["verdict"], "timeout");
    EXPECT_EQ(result["severity"], "high");
    EXPECT_EQ(result["shown_severity"], "low");
    EXPECT_THAT(ViolationRules(result),
                ::testing::ElementsAre("gave-up-late"));
  }
  EXPECT_TRUE(seen) << high.out;

  Invocation low = RunGauntlet(Args(run, {"--fail-on", "low"}));
  EXPECT_EQ(low.exit_code, 1) << low.out << low.err;
  EXPECT_THAT(low.out, HasSubstr("1 failure at or above --fail-on low"));
}

// --- Baselines -------------------------------------------------------------

// A user scenario directory with local/mine: a server that strips STARTTLS
// (the reference client refuses to go on, and passes).
std::string LocalScenarios(const TempDir& dir) {
  std::filesystem::create_directories(dir.File("scenarios/local"));
  WriteFile(dir.File("scenarios/local/mine.toml"),
            "id = \"local/mine\"\n"
            "title = \"My own strip\"\n"
            "description = \"d\"\n"
            "tags = [\"local\"]\n"
            "severity = \"high\"\n"
            "kind = \"attack\"\n"
            "[[server.connection]]\n"
            "capabilities = [\"PIPELINING\"]\n");
  return dir.File("scenarios");
}

TEST(Gate, BaselineEntryThatDidNotRunIsADifferenceUnlessFilteredOut) {
  TempDir dir;
  const std::string scenarios = LocalScenarios(dir);
  // local/gone was renamed or removed; cert/expired is simply not selected.
  WriteFile(dir.File("b.json"),
            R"({"schema": "gauntlet-baseline/1", "policy": "require-tls",
                "expected": {"control/good-tls13-ecdsa": "pass",
                             "local/mine": "pass", "local/gone": "fail",
                             "cert/expired": "pass"}})");
  const std::vector<std::string> base = {"run",
                                         "--scenarios",
                                         scenarios,
                                         "--filter",
                                         "control/good-tls13-ecdsa",
                                         "-j",
                                         "2",
                                         "--timeout",
                                         "20s",
                                         "--baseline",
                                         dir.File("b.json")};
  // --filter 'local/*' selects local/gone: it should have run.
  Invocation missing = RunGauntlet(Args(base, {"--filter", "local/*"}));
  EXPECT_EQ(missing.exit_code, 1) << missing.out << missing.err;
  EXPECT_THAT(missing.out, HasSubstr("local/gone: not run (differs from "
                                     "baseline: baseline expects fail)"));
  EXPECT_THAT(missing.out, HasSubstr("1 entry did not run"));
  EXPECT_THAT(missing.out, Not(HasSubstr("cert/expired: not run")));
  // --filter local/mine leaves local/gone (and cert/expired) out: no
  // difference, only notes.
  Invocation filtered = RunGauntlet(Args(base, {"--filter", "local/mine"}));
  EXPECT_EQ(filtered.exit_code, 0) << filtered.out << filtered.err;
  EXPECT_THAT(filtered.out,
              HasSubstr("Note: baseline entry \"local/gone\" (expected fail) "
                        "was not run: --filter left it out"));
}

TEST(Gate, BaselineSaysKnownNewAndFixedAndWriteBaselineExits0) {
  TempDir dir;
  const std::vector<std::string> selection = {
      "--filter",  "control/good-tls13-ecdsa",
      "--filter",  "cert/common-name-only",
      "--filter",  "cert/wrong-host",
      "-j",        "2",
      "--timeout", "20s"};
  const std::string flawed = ReferenceClientTemplate("--flaw no-hostname-check");
  // Writing the baseline of a client with two failures: the file is the
  // point, so exit 0.
  Invocation write =
      RunGauntlet(Args(Args({"run", "--client", flawed}, selection),
                       {"--write-baseline", dir.File("b.json")}));
  EXPECT_EQ(write.exit_code, 0) << write.out << write.err;
  EXPECT_THAT(write.out, HasSubstr("Reports: " + dir.File("b.json") + "\n"));
  EXPECT_THAT(write.out, HasSubstr("Exit status 0 (as expected): baseline "
                                   "written to " +
                                   dir.File("b.json")));
  ASSERT_FALSE(ReadJson(dir.File("b.json")).is_discarded());

  // The same client against it: both failures known, exit 0.
  Invocation same =
      RunGauntlet(Args(Args({"run", "--client", flawed}, selection),
                       {"--baseline", dir.File("b.json")}));
  EXPECT_EQ(same.exit_code, 0) << same.out << same.err;
  EXPECT_THAT(same.out, HasSubstr("  ✘ cert/wrong-host [critical]  "
                                  "Certificate profile: wrong-host (known, in "
                                  "baseline)\n"));
  EXPECT_THAT(same.out, HasSubstr("2 failed (2 known, 0 new), 0 fixed since "
                                  "baseline\n"));

  // One more scenario that fails: one new failure, exit 1.
  Invocation more =
      RunGauntlet(Args(Args({"run", "--client", flawed}, selection),
                       {"--filter", "cert/wildcard-mismatch", "--baseline",
                        dir.File("b.json")}));
  EXPECT_EQ(more.exit_code, 1) << more.out << more.err;
  EXPECT_THAT(more.out, HasSubstr("3 failed (2 known, 1 new), 0 fixed since "
                                  "baseline\n"));
  EXPECT_THAT(more.out, HasSubstr("  cert/wildcard-mismatch [high] "
                                  "accepted-bad-certificate (differs from "
                                  "baseline: not in baseline)\n"));

  // The secure client: both fixed, which differs from the baseline.
  Invocation fixed =
      RunGauntlet(Args(Args({"run", "--client", ReferenceClientTemplate()}, selection),
                       {"--baseline", dir.File("b.json")}));
  EXPECT_EQ(fixed.exit_code, 1) << fixed.out << fixed.err;
  EXPECT_THAT(fixed.out, HasSubstr("0 failed (0 known, 0 new), 2 fixed since "
                                   "baseline\n"));
  EXPECT_THAT(fixed.out, HasSubstr("  cert/wrong-host: pass (fixed) (differs "
                                   "from baseline: baseline expects fail)\n"));
}

// --- Streaming, -q, recap
// ------------------------------------------------------

TEST(Gate, ResultsAreStreamedAsTheyFinish) {
  TempDir dir;
  const std::string fifo = dir.File("release");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  // cert/expired's client ends at once; strip/capability-removed's waits
  // until the test releases it, which it does only after it has read
  // cert/expired's result line from gauntlet's stdout.
  const std::string client =
      "[ \"$GAUNTLET_SCENARIO\" = cert/expired ] || read x < '" + fifo +
      "'; exit 0";
  std::vector<std::string> args = {
      GAUNTLET_BIN,   "run",      "--shell",
      "--client",     client,     "--filter",
      "cert/expired", "--filter", "strip/capability-removed",
      "-j",           "1",        "--timeout",
      "30s"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int out_pipe[2];
  ASSERT_EQ(pipe2(out_pipe, O_CLOEXEC), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  ASSERT_EQ(
      posix_spawn(&pid, GAUNTLET_BIN, &actions, nullptr, argv.data(), environ),
      0);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);

  std::string out;
  bool eof = false;
  const auto read_some = [&](int wait_ms) {
    pollfd p{out_pipe[0], POLLIN, 0};
    if (poll(&p, 1, wait_ms) <= 0) return;
    char buf[4096];
    const ssize_t n = read(out_pipe[0], buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
    } else {
      eof = true;
    }
  };
  const std::string first = "  ? cert/expired  Certificate profile: expired\n";
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (out.find(first) == std::string::npos && !eof &&
         std::chrono::steady_clock::now() < deadline) {
    read_some(500);
  }
  const bool streamed = out.find(first) != std::string::npos;
  const bool summary_yet = out.find(" passed, ") != std::string::npos;
  // Release the waiting client (O_RDWR never blocks on a FIFO).
  const int w = open(fifo.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(w, 0);
  ASSERT_EQ(write(w, "go\n", 3), 3);
  while (!eof) read_some(30'000);
  close(out_pipe[0]);
  close(w);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(streamed) << "the first result was not printed while the "
                           "second scenario ran:\n"
                        << out;
  EXPECT_FALSE(summary_yet) << out;
  // The result lines come before the summary, and nothing is printed twice.
  const std::size_t closing =
      out.find("0 passed, 0 failed, 0 skipped, 2 inconclusive");
  ASSERT_NE(closing, std::string::npos) << out;
  EXPECT_LT(out.find(first), closing);
  EXPECT_EQ(out.find(first, out.find(first) + 1), std::string::npos) << out;
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3) << out;
}

TEST(Gate, QuietHidesPassesAndTheRecapListsFailures) {
  TempDir dir;
  Invocation r = RunGauntlet(
      {"run", "-q", "--client", ReferenceClientTemplate("--flaw no-hostname-check"),
       "--filter", "control/good-tls13-ecdsa", "--filter",
       "cert/common-name-only", "--filter", "cert/expired", "-j", "2",
       "--timeout", "20s", "--report-dir", dir.File("reports"), "--junit",
       dir.File("j.xml")});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("✔")));
  EXPECT_THAT(r.out, HasSubstr("  ✘ cert/common-name-only [low]  "));
  const std::size_t closing =
      r.out.find("\n2 passed, 1 failed, 0 skipped, 0 inconclusive\n");
  ASSERT_NE(closing, std::string::npos) << r.out;
  const std::size_t recap = r.out.find(
      "\nFailures (1):\n  cert/common-name-only [low] "
      "accepted-bad-certificate\n");
  ASSERT_NE(recap, std::string::npos) << r.out;
  EXPECT_LT(closing, recap);
  const std::size_t reports = r.out.find("\nReports: " + dir.File("reports") +
                                         "/, " + dir.File("j.xml") + "\n");
  ASSERT_NE(reports, std::string::npos) << r.out;
  EXPECT_LT(recap, reports);
  EXPECT_THAT(r.out, HasSubstr("Exit status 1 (failed): 1 failure at or above "
                               "--fail-on info"));
}

// --- A terminal: the status line
// -------------------------------------------------

struct TerminalRun {
  int exit_code = -1;
  std::string tty;  // What gauntlet wrote to the terminal (its stderr).
  std::string out;
};

// Runs gauntlet with stderr on a pseudo-terminal and TERM=`term`.
TerminalRun RunWithTerminalStderr(std::vector<std::string> args,
                                  const std::string& term, const TempDir& dir) {
  TerminalRun run;
  const int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
    ADD_FAILURE() << "no pseudo-terminal";
    return run;
  }
  const std::string slave = ptsname(master);
  args.insert(args.begin(), GAUNTLET_BIN);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = {"TERM=" + term, "NO_COLOR=1",
                                          "PATH=/usr/bin:/bin"};
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string out_file = dir.File("tty-stdout.txt");
  posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, slave.c_str(), O_RDWR, 0);
  pid_t pid = 0;
  if (posix_spawn(&pid, GAUNTLET_BIN, &actions, nullptr, argv.data(),
                  envp.data()) != 0) {
    ADD_FAILURE() << "cannot spawn gauntlet";
    posix_spawn_file_actions_destroy(&actions);
    close(master);
    return run;
  }
  posix_spawn_file_actions_destroy(&actions);
  // Drain the terminal while gauntlet runs (bounded), then collect it.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int status = 0;
  bool exited = false;
  while (!exited && std::chrono::steady_clock::now() < deadline) {
    pollfd p{master, POLLIN, 0};
    if (poll(&p, 1, 200) > 0) {
      char buf[4096];
      const ssize_t n = read(master, buf, sizeof buf);
      if (n > 0) run.tty.append(buf, static_cast<std::size_t>(n));
    }
    exited = waitpid(pid, &status, WNOHANG) == pid;
  }
  if (!exited) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    ADD_FAILURE() << "gauntlet did not finish";
  }
  for (;;) {
    pollfd p{master, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0) break;
    char buf[4096];
    const ssize_t n = read(master, buf, sizeof buf);
    if (n <= 0) break;
    run.tty.append(buf, static_cast<std::size_t>(n));
  }
  close(master);
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  run.out = ReadFile(out_file);
  return run;
}

TEST(Gate, TerminalShowsWhatIsRunningAndDumbTerminalsGetPlainLines) {
  TempDir dir;
  const std::vector<std::string> args = {
      "run",      "--filter",     "control/good-tls13-ecdsa",
      "--filter", "cert/expired", "-j",
      "2",        "--timeout",    "20s"};
  TerminalRun tty = RunWithTerminalStderr(args, "xterm", dir);
  EXPECT_EQ(tty.exit_code, 0) << tty.tty << tty.out;
  // What runs, for how long, of which timeout; never the last one that
  // finished.
  EXPECT_THAT(tty.tty, HasSubstr("[0/2] running: control/good-tls13-ecdsa 0 s "
                                 "of 20 s"));
  EXPECT_THAT(tty.tty, HasSubstr("running: cert/expired 0 s of 20 s"));
  // Erased at the end; the results themselves went to stdout.
  EXPECT_THAT(tty.tty, HasSubstr("\r\x1b[K"));
  EXPECT_THAT(tty.out, HasSubstr("  ✔ cert/expired  "));

  TerminalRun dumb = RunWithTerminalStderr(args, "dumb", dir);
  EXPECT_EQ(dumb.exit_code, 0) << dumb.tty << dumb.out;
  EXPECT_THAT(dumb.tty, Not(HasSubstr("running:")));
  EXPECT_THAT(dumb.tty, Not(HasSubstr("\r")));
  EXPECT_THAT(dumb.tty, Not(HasSubstr("\x1b[")));
  EXPECT_THAT(dumb.out, HasSubstr("  ✔ cert/expired  "));
}

// --- demo --flaw and --help
// ---------------------------------------------------

TEST(Gate, FlawDemoIsNotSilentWhileItRuns) {
  Invocation r =
      RunGauntlet({"demo", "--flaw", "no-hostname-check", "--scenario",
                   "control/good-tls13-ecdsa", "--scenario",
                   "cert/common-name-only", "--timeout", "3", "--jobs", "2"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // Outside a terminal: one line per result as it finishes, then a count.
  EXPECT_THAT(r.out, HasSubstr("] ✔ cert/common-name-only\n"));
  EXPECT_THAT(r.out, HasSubstr("] ✘ cert/common-name-only\n"));
  EXPECT_THAT(r.out, HasSubstr("  secure client: 2 passed, 0 failed, 0 "
                               "skipped, 0 inconclusive in "));
  EXPECT_THAT(r.out, HasSubstr("  flawed client: 1 passed, 1 failed, 0 "
                               "skipped, 0 inconclusive in "));
}

TEST(Gate, RunHelpDocumentsEveryExitStatus) {
  Invocation h = RunGauntlet({"run", "--help"});
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_THAT(h.out, HasSubstr("--fail-on"));
  EXPECT_THAT(h.out, HasSubstr("-q,--failures-only"));
  EXPECT_THAT(h.out, HasSubstr("  0    every selected scenario as expected"));
  EXPECT_THAT(h.out, HasSubstr("  1    an attack scenario at or above "
                               "--fail-on failed or timed out"));
  EXPECT_THAT(h.out, HasSubstr("  2    usage error, or a harness error"));
  EXPECT_THAT(h.out, HasSubstr("  3    inconclusive: the client could not be "
                               "judged"));
  EXPECT_THAT(h.out, HasSubstr("  129, 130, 143  interrupted by SIGHUP, "
                               "SIGINT (Ctrl-C), SIGTERM"));
  Invocation main_help = RunGauntlet({"--help"});
  EXPECT_THAT(main_help.out, HasSubstr("3 inconclusive: the client could not "
                                       "be judged"));
}

}  // namespace
}  // namespace gauntlet::e2e
