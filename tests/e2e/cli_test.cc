// End-to-end tests of the `gauntlet` command line: exit statuses, validate,
// list and show, report files (JSON, JUnit, report directory), unknown
// placeholders, and Ctrl-C during a run against a client that hangs.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/runner/process.h"
#include "pugixml.hpp"
#include "tests/e2e/e2e_util.h"

extern char** environ;

namespace gauntlet::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(Cli, VersionAndHelp) {
  Invocation v = RunGauntlet({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_THAT(v.out, HasSubstr("gauntlet "));
  Invocation h = RunGauntlet({"--help"});
  EXPECT_EQ(h.exit_code, 0);
  for (const char* sub : {"list", "show", "run", "validate", "serve",
                          "client"}) {
    EXPECT_THAT(h.out, HasSubstr(sub));
  }
  Invocation rh = RunGauntlet({"run", "--help"});
  EXPECT_EQ(rh.exit_code, 0);
  EXPECT_THAT(rh.out, HasSubstr("--write-baseline"));
}

TEST(Cli, UsageErrorsExit2) {
  EXPECT_EQ(RunGauntlet({}).exit_code, 2);
  EXPECT_EQ(RunGauntlet({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(RunGauntlet({"run", "--no-such-flag"}).exit_code, 2);
  EXPECT_EQ(RunGauntlet({"run", "--policy", "sometimes"}).exit_code, 2);
  EXPECT_EQ(RunGauntlet({"run", "-j", "0"}).exit_code, 2);
  Invocation f = RunGauntlet({"run", "--client", "true", "--filter",
                              "nosuch/*"});
  EXPECT_EQ(f.exit_code, 2);
  EXPECT_THAT(f.err, HasSubstr("nosuch/*"));
  Invocation t = RunGauntlet({"run", "--client", "true", "--timeout", "soon"});
  EXPECT_EQ(t.exit_code, 2);
  EXPECT_THAT(t.err, HasSubstr("--timeout"));
  Invocation c = RunGauntlet(
      {"run", "--client", "true", "--client-profile", "/nonexistent.toml"});
  EXPECT_EQ(c.exit_code, 2);
}

TEST(Cli, UnknownPlaceholderExits2BeforeRunningAnything) {
  Invocation r = RunGauntlet({"run", "--client", "curl smtp://{hots}:{port}",
                              "--filter", "control/*"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("{hots}"));
  EXPECT_THAT(r.out, Not(HasSubstr("passed")));
}

TEST(Cli, ValidateGoodAndBadFiles) {
  TempDir dir;
  const std::string good = SourcePath("scenarios/strip/capability-removed.toml");
  Invocation ok = RunGauntlet({"validate", good});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("OK"));

  std::filesystem::create_directories(dir.File("local"));
  const std::string bad = dir.File("local/bad.toml");
  WriteFile(bad,
            "id = \"local/bad\"\n"
            "title = \"t\"\n"
            "description = \"d\"\n"
            "tags = [\"local\"]\n"
            "severity = \"high\"\n"
            "kind = \"attack\"\n"
            "[[server.connection]]\n"
            "handshake_fault = \"explode\"\n");
  Invocation ko = RunGauntlet({"validate", good, bad});
  EXPECT_EQ(ko.exit_code, 2);
  // The error names file:line:column.
  EXPECT_THAT(ko.out, HasSubstr(bad + ":8:"));
  EXPECT_THAT(ko.out, HasSubstr("explode"));
  EXPECT_THAT(ko.out, HasSubstr("capability-removed.toml: OK"));

  Invocation missing = RunGauntlet({"validate", dir.File("nope.toml")});
  EXPECT_EQ(missing.exit_code, 2);
}

TEST(Cli, SweepsAreListedShownAndValidatedByTheirExpandedIds) {
  // list and --filter see one scenario per code, never the file's own id.
  Invocation ehlo = RunGauntlet({"list", "--filter", "sweep/ehlo/*"});
  ASSERT_EQ(ehlo.exit_code, 0) << ehlo.err;
  for (const char* code : {"421", "450", "451", "452", "454", "500", "501",
                           "502", "503", "504", "530", "550", "554"}) {
    EXPECT_THAT(ehlo.out, HasSubstr(std::string("sweep/ehlo/") + code + " "))
        << code;
  }
  EXPECT_THAT(ehlo.out, HasSubstr("13 scenarios"));
  Invocation show = RunGauntlet({"show", "sweep/greeting/554"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_THAT(show.out, HasSubstr("Greeting answered 554 instead of 220"));
  EXPECT_THAT(show.out, HasSubstr("Sweep: sweep/greeting with 554"));
  // The capabilities actually offered: AUTH in plaintext, as an attacker.
  EXPECT_THAT(show.out,
              HasSubstr("capabilities before TLS: PIPELINING, SIZE 10485760, "
                        "8BITMIME, ENHANCEDSTATUSCODES, AUTH PLAIN LOGIN, "
                        "STARTTLS"));
  EXPECT_THAT(show.out, HasSubstr("\"554 mx.gauntlet.test unexpected"));
  EXPECT_EQ(RunGauntlet({"show", "sweep/greeting"}).exit_code, 2);
  // A probe shows its proof and its limit.
  Invocation probe = RunGauntlet({"show", "inject/after-220-ehlo-unanswered"});
  ASSERT_EQ(probe.exit_code, 0) << probe.err;
  EXPECT_THAT(probe.out, HasSubstr("Probe:"));
  EXPECT_THAT(probe.out, HasSubstr("Proof of kind (a)"));
  EXPECT_THAT(probe.out, HasSubstr("Client limit:"));

  Invocation valid =
      RunGauntlet({"validate", SourcePath("scenarios/sweep/ehlo.toml")});
  EXPECT_EQ(valid.exit_code, 0) << valid.out << valid.err;
  EXPECT_THAT(valid.out, HasSubstr("ehlo.toml: OK (sweep/ehlo/421, "
                                   "sweep/ehlo/450, "));
  EXPECT_THAT(valid.out, Not(HasSubstr("warning")));
}

TEST(Cli, ValidateWarnsOnAnAttackWithoutAuthButExitsZero) {
  TempDir dir;
  std::filesystem::create_directories(dir.File("local"));
  const std::string file = dir.File("local/no-auth.toml");
  WriteFile(file,
            "id = \"local/no-auth\"\n"
            "title = \"t\"\n"
            "description = \"d\"\n"
            "tags = [\"local\"]\n"
            "severity = \"high\"\n"
            "kind = \"attack\"\n"
            "[[server.connection]]\n"
            "capabilities = [\"SIZE 1\", \"STARTTLS\"]\n");
  Invocation warned = RunGauntlet({"validate", file});
  EXPECT_EQ(warned.exit_code, 0) << warned.out << warned.err;
  EXPECT_THAT(warned.out, HasSubstr("no-auth.toml: OK (local/no-auth)"));
  EXPECT_THAT(warned.out,
              HasSubstr("no-auth.toml: warning: local/no-auth: the plaintext "
                        "EHLO reply of server.connection[0] offers no AUTH"));
}

TEST(Cli, ListAndShow) {
  Invocation all = RunGauntlet({"list"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_THAT(all.out, HasSubstr("strip/capability-removed"));
  EXPECT_THAT(all.out, HasSubstr("critical"));
  EXPECT_THAT(all.out, HasSubstr("control/good-tls13-ecdsa"));

  Invocation certs = RunGauntlet({"list", "--filter", "cert/*"});
  ASSERT_EQ(certs.exit_code, 0);
  EXPECT_THAT(certs.out, HasSubstr("cert/expired"));
  EXPECT_THAT(certs.out, Not(HasSubstr("strip/")));

  EXPECT_EQ(RunGauntlet({"list", "--filter", "zzz*"}).exit_code, 2);

  Invocation show = RunGauntlet({"show", "strip/capability-removed"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_THAT(show.out, HasSubstr("STARTTLS removed from the EHLO reply"));
  EXPECT_THAT(show.out, HasSubstr("References:"));
  EXPECT_THAT(show.out, HasSubstr("RFC 3207"));
  // The server behaviour in words: only what differs from a good server.
  EXPECT_THAT(show.out, HasSubstr("(no STARTTLS)"));
  EXPECT_THAT(show.out, HasSubstr("stay in plaintext"));
  EXPECT_THAT(show.out, Not(HasSubstr("certificate profile")));
  EXPECT_THAT(show.out, HasSubstr("require-tls"));
  EXPECT_THAT(show.out, HasSubstr("stay-secure"));
  EXPECT_THAT(show.out, HasSubstr("unrestricted"));

  Invocation cert = RunGauntlet({"show", "cert/expired"});
  EXPECT_THAT(cert.out, HasSubstr("certificate profile: expired"));

  EXPECT_EQ(RunGauntlet({"show", "strip/nope"}).exit_code, 2);
}

TEST(Cli, UserScenarioDirectoryIsLoadedWithTheCatalog) {
  TempDir dir;
  std::filesystem::create_directories(dir.File("local"));
  WriteFile(dir.File("local/mine.toml"),
            "id = \"local/mine\"\n"
            "title = \"My own strip\"\n"
            "description = \"d\"\n"
            "tags = [\"local\"]\n"
            "severity = \"high\"\n"
            "kind = \"attack\"\n"
            "[[server.connection]]\n"
            "capabilities = [\"PIPELINING\"]\n");
  Invocation l = RunGauntlet({"list", "--scenarios", dir.path(), "--filter",
                              "local/*"});
  ASSERT_EQ(l.exit_code, 0) << l.err;
  EXPECT_THAT(l.out, HasSubstr("local/mine"));
  EXPECT_THAT(l.out, HasSubstr("1 scenario"));
  Invocation r = RunGauntlet({"run", "--scenarios", dir.path(), "--filter",
                              "local/*", "--client", CurlTemplate(true),
                              "--timeout", "5s"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("local/mine"));
}

TEST(Cli, ExitStatusAndReportFiles) {
  TempDir dir;
  // 0: a client that does everything right.
  Invocation good = RunGauntlet(
      {"run", "--client", CurlTemplate(true), "--filter", "control/good-tls13*",
       "--timeout", "5s", "-j", "2", "--json", dir.File("good.json"),
       "--junit", dir.File("good.xml")});
  EXPECT_EQ(good.exit_code, 0) << good.out << good.err;
  EXPECT_THAT(good.out, HasSubstr("2 passed, 0 failed"));

  // 1: curl --ssl sends mail in plaintext when STARTTLS is stripped.
  Invocation bad = RunGauntlet(
      {"run", "--client", CurlTemplate(false), "--filter",
       "strip/capability-removed", "--timeout", "5s", "--report-dir",
       dir.File("reports"), "--junit", dir.File("bad.xml")});
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_THAT(bad.out, HasSubstr("0 passed, 1 failed"));
  EXPECT_THAT(bad.out, HasSubstr("plaintext"));

  nlohmann::json j = ReadJson(dir.File("good.json"));
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(j["schema"], "gauntlet-report/1");
  EXPECT_EQ(j["interrupted"], false);
  EXPECT_EQ(j["summary"]["passed"], 2);
  EXPECT_EQ(j["client"]["name"], "curl");

  pugi::xml_document xml;
  ASSERT_TRUE(xml.load_file(dir.File("bad.xml").c_str()));
  pugi::xml_node tc = xml.select_node("//testcase").node();
  ASSERT_TRUE(tc);
  EXPECT_THAT(std::string(tc.attribute("classname").value()),
              HasSubstr("strip"));
  EXPECT_TRUE(tc.child("failure"));
  pugi::xml_document good_xml;
  ASSERT_TRUE(good_xml.load_file(dir.File("good.xml").c_str()));
  EXPECT_EQ(good_xml.select_nodes("//testcase").size(), 2u);

  // The report directory: JSON, JUnit, and the failure's transcript.
  EXPECT_FALSE(ReadJson(dir.File("reports/report.json")).is_discarded());
  pugi::xml_document dir_xml;
  EXPECT_TRUE(dir_xml.load_file(dir.File("reports/junit.xml").c_str()));
  const std::string transcript =
      ReadFile(dir.File("reports/transcripts/strip/capability-removed.txt"));
  EXPECT_THAT(transcript, HasSubstr("MAIL FROM"));

  // 2: a client that cannot be run is a harness error, never a verdict.
  Invocation missing = RunGauntlet(
      {"run", "--client", "/nonexistent/smtp-client {port}", "--filter",
       "strip/capability-removed"});
  EXPECT_EQ(missing.exit_code, 2) << missing.out << missing.err;
}

TEST(Cli, WriteBaselineThenCheckIt) {
  TempDir dir;
  const std::vector<std::string> common = {
      "run", "--client", CurlTemplate(false), "--filter",
      "strip/capability-removed", "--filter", "control/good-tls13-ecdsa",
      "--timeout", "5s"};
  std::vector<std::string> write = common;
  write.insert(write.end(), {"--write-baseline", dir.File("b.json")});
  // Writing the baseline is the point of this run: exit 0 once written.
  EXPECT_EQ(RunGauntlet(write).exit_code, 0);
  // The known failure is in the baseline: no difference, exit 0.
  std::vector<std::string> check = common;
  check.insert(check.end(), {"--baseline", dir.File("b.json")});
  Invocation same = RunGauntlet(check);
  EXPECT_EQ(same.exit_code, 0) << same.out << same.err;
  // A client that now passes differs from the baseline: exit 1.
  std::vector<std::string> other = {
      "run", "--client", CurlTemplate(true), "--filter",
      "strip/capability-removed", "--filter", "control/good-tls13-ecdsa",
      "--timeout", "5s", "--baseline", dir.File("b.json")};
  EXPECT_EQ(RunGauntlet(other).exit_code, 1);
  // A baseline that is not one: exit 2.
  WriteFile(dir.File("junk.json"), "{not json");
  check.back() = dir.File("junk.json");
  EXPECT_EQ(RunGauntlet(check).exit_code, 2);
}

// --- Ctrl-C ----------------------------------------------------------------

bool ProcessGone(pid_t pid) {
  if (kill(pid, 0) != 0) return errno == ESRCH;
  // A zombie waiting for a reaper is not running any more.
  const std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  const std::size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() &&
         (stat[paren + 2] == 'Z' || stat[paren + 2] == 'X');
}

// Waits for `pid` (a child) to exit; its wait status, or -1 after timeout.
int WaitChild(pid_t pid, std::chrono::milliseconds timeout) {
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    pollfd p{pidfd, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(timeout.count()));
    close(pidfd);
    if (ready <= 0) return -1;
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return status;
}

TEST(Cli, CtrlCWritesPartialReportsAndKillsEveryClient) {
  TempDir dir;
  const std::string fifo = dir.File("started");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const int fifo_fd = open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(fifo_fd, 0);
  // A client that hangs and leaves a background helper: it reports both
  // pids, then waits forever.
  const std::string client =
      "sleep 300 & echo $$ $! > '" + fifo + "'; wait";
  std::vector<std::string> args = {
      GAUNTLET_BIN, "run", "--shell", "--client", client,
      "--filter", "strip/*", "-j", "1", "--timeout", "60s",
      "--json", dir.File("report.json"), "--report-dir", dir.File("reports"),
      "--junit", dir.File("junit.xml")};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string out = dir.File("stdout.txt");
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, dir.File("stderr.txt").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t gauntlet = 0;
  ASSERT_EQ(posix_spawn(&gauntlet, GAUNTLET_BIN, &actions, nullptr, argv.data(),
                        environ),
            0);
  posix_spawn_file_actions_destroy(&actions);

  // Wait (bounded) for the first client to say it runs.
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (line.find('\n') == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    pollfd p{fifo_fd, POLLIN, 0};
    if (poll(&p, 1, 1000) <= 0) continue;
    char buf[128];
    const ssize_t n = read(fifo_fd, buf, sizeof buf);
    if (n > 0) line.append(buf, static_cast<std::size_t>(n));
  }
  close(fifo_fd);
  int client_pid = 0, helper_pid = 0;
  ASSERT_EQ(std::sscanf(line.c_str(), "%d %d", &client_pid, &helper_pid), 2)
      << "client never started: '" << line << "'";
  ASSERT_FALSE(ProcessGone(client_pid));
  ASSERT_FALSE(ProcessGone(helper_pid));

  ASSERT_EQ(kill(gauntlet, SIGINT), 0);
  const int status = WaitChild(gauntlet, std::chrono::seconds(20));
  ASSERT_NE(status, -1) << "gauntlet did not exit after SIGINT";
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130) << ReadFile(dir.File("stderr.txt"));

  EXPECT_TRUE(ProcessGone(client_pid));
  EXPECT_TRUE(ProcessGone(helper_pid));

  nlohmann::json j = ReadJson(dir.File("report.json"));
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(j["interrupted"], true);
  EXPECT_EQ(j["results"].size(), 0u);
  EXPECT_GT(j["planned"].get<int>(), 0);
  EXPECT_FALSE(ReadJson(dir.File("reports/report.json")).is_discarded());
  pugi::xml_document xml;
  EXPECT_TRUE(xml.load_file(dir.File("junit.xml").c_str()));
  EXPECT_THAT(ReadFile(out), HasSubstr("0 passed, 0 failed"));
}

TEST(Cli, ServePrintsPortAndCaFileAndStopsOnCtrlC) {
  TempDir dir;
  std::vector<std::string> args = {GAUNTLET_BIN, "serve",
                                   "control/good-tls13-ecdsa",
                                   "--max-connections", "1"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int pipefd[2];
  ASSERT_EQ(pipe2(pipefd, O_CLOEXEC), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipefd[1], 1);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, GAUNTLET_BIN, &actions, nullptr, argv.data(),
                        environ),
            0);
  posix_spawn_file_actions_destroy(&actions);
  close(pipefd[1]);
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (out.find("Ctrl-C") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    pollfd p{pipefd[0], POLLIN, 0};
    if (poll(&p, 1, 1000) <= 0) continue;
    char buf[4096];
    const ssize_t n = read(pipefd[0], buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  EXPECT_THAT(out, HasSubstr("port: "));
  EXPECT_THAT(out, HasSubstr("ca_file: "));
  EXPECT_THAT(out, HasSubstr("connections: at most 1 served"));
  const std::size_t at = out.find("port: ");
  const int port = at == std::string::npos ? 0 : std::stoi(out.substr(at + 6));
  const std::size_t ca_at = out.find("ca_file: ");
  std::string ca = ca_at == std::string::npos ? "" : out.substr(ca_at + 9);
  ca = ca.substr(0, ca.find('\n'));
  EXPECT_FALSE(ReadFile(ca).empty());

  // Deliver one message to it with curl, over verified TLS.
  if (port > 0) {
    WriteFile(dir.File("m.eml"), "Subject: hi\r\n\r\nhello\r\n");
    runner::RunOptions curl;
    curl.argv = {"curl", "--silent", "--show-error", "--ssl-reqd",
                 "--max-time", "5", "--cacert", ca, "--mail-from",
                 "a@client.test", "--mail-rcpt", "b@mx.test",
                 "--upload-file", dir.File("m.eml"),
                 "smtp://127.0.0.1:" + std::to_string(port)};
    curl.timeout = std::chrono::seconds(10);
    absl::StatusOr<runner::RunResult> r = runner::RunProcess(curl);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->succeeded()) << r->err.data;
    // Over --max-connections: accepted and closed before the greeting.
    r = runner::RunProcess(curl);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->succeeded());
  }
  ASSERT_EQ(kill(pid, SIGINT), 0);
  const int status = WaitChild(pid, std::chrono::seconds(20));
  ASSERT_NE(status, -1);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  char buf[65536];
  ssize_t n;
  while ((n = read(pipefd[0], buf, sizeof buf)) > 0) {
    out.append(buf, static_cast<std::size_t>(n));
  }
  close(pipefd[0]);
  EXPECT_THAT(out, HasSubstr("2 connection(s)"));
  EXPECT_THAT(out, HasSubstr("STARTTLS"));
}

}  // namespace
}  // namespace gauntlet::e2e
