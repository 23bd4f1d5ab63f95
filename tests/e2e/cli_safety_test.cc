// End-to-end tests of a command line that stays harmless on bad input and
// never misleads: hostile scenario text is escaped on every screen, files
// that are not regular files are refused at once, files holding transcripts
// are private, mistakes are caught before a run starts (in one line), and
// the small things (suggestions, JSON output, `serve`'s live view and
// verdict, an unpacked copy finding its catalog) work as documented.
//
// Every invocation is the real `gauntlet` binary, bounded in time; nothing
// waits on a sleep.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>
#include <system_error>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/runner/client_command.h"
#include "harness/runner/process.h"
#include "tests/e2e/e2e_util.h"

extern char** environ;

namespace gauntlet::e2e {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

// --- Running gauntlet -------------------------------------------------------

struct RunIn {
  std::string binary = GAUNTLET_BIN;
  std::string working_dir;
  std::chrono::seconds timeout{60};
};

Invocation Gauntlet(const std::vector<std::string>& args,
                    const RunIn& in = {}) {
  runner::RunOptions o;
  o.argv.push_back(in.binary);
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  o.working_dir = in.working_dir;
  o.timeout = in.timeout;
  o.output_cap = 16u << 20;
  o.env.emplace_back("NO_COLOR", "1");
  Invocation inv;
  absl::StatusOr<runner::RunResult> r = runner::RunProcess(o);
  if (!r.ok()) {
    ADD_FAILURE() << "cannot run gauntlet: " << r.status();
    return inv;
  }
  inv.ran = true;
  inv.timed_out = r->timed_out;
  if (r->exited && !r->timed_out) inv.exit_code = r->exit_code;
  inv.out = r->out.data;
  inv.err = r->err.data;
  inv.took = std::chrono::duration_cast<std::chrono::milliseconds>(r->duration);
  return inv;
}

// No byte a terminal would act on: C0 controls but LF and TAB, DEL, C1
// controls encoded as UTF-8 (C2 80..9F) and raw 0x80..0x9F bytes that are
// not UTF-8 continuation bytes of a printable character.
std::string FirstControlByte(const std::string& text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
      return "byte " + std::to_string(c) + " at " + std::to_string(i);
    }
    if (c == 0xc2 && i + 1 < text.size()) {
      const unsigned char next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9f) {
        return "C1 control U+00" + std::to_string(next) + " at " +
               std::to_string(i);
      }
    }
  }
  return "";
}

// A scenario whose prose is a terminal attack: OSC (set the window title),
// CSI clear-screen, BEL, C1 CSI (U+009B) and NEL (U+0085), a CR.
constexpr char kEvilScenario[] = R"(id = "local/evil"
title = "Evil \u001b]0;pwned\u0007 title \u009b31m end"
description = """
Line one \u001b[2J cleared \u0085 next
Line two\r
"""
tags = ["local"]
severity = "high"
kind = "attack"
references = ["RFC \u001b[31mred"]
[[server.connection]]
capabilities = ["PIPELINING\u001b[5m", "STARTTLS"]
)";

// --- A gauntlet that keeps running (serve) ---------------------------------

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

// `gauntlet ARGS` with stdout (and stderr) on a pipe this test reads.
class Spawned {
 public:
  explicit Spawned(const std::vector<std::string>& args) {
    std::vector<std::string> all = {GAUNTLET_BIN};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe2";
      return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    if (posix_spawn(&pid_, GAUNTLET_BIN, &actions, nullptr, argv.data(),
                    environ) != 0) {
      ADD_FAILURE() << "posix_spawn";
      pid_ = 0;
    }
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    fd_ = fds[0];
  }
  ~Spawned() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      WaitChild(pid_, std::chrono::seconds(10));
    }
    if (fd_ >= 0) close(fd_);
  }

  // Reads until `needle` is in the output (true) or 30 s pass or the pipe
  // closes (false).
  bool ReadUntil(const std::string& needle) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (out_.find(needle) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !ReadOnce(left)) return false;
    }
    return true;
  }

  // SIGINT, then everything it prints until it exits; its wait status, or
  // -1 if it did not exit within 20 s.
  int Interrupt() {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGINT);
    while (ReadOnce(std::chrono::seconds(20))) {
    }
    const int status = WaitChild(pid_, std::chrono::seconds(20));
    if (status != -1) pid_ = 0;
    return status;
  }

  const std::string& out() const { return out_; }

 private:
  bool ReadOnce(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char buf[4096];
    const ssize_t n = read(fd_, buf, sizeof buf);
    if (n <= 0) return false;
    out_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  pid_t pid_ = 0;
  int fd_ = -1;
  std::string out_;
};

// The value after "<key>: " on its own line of `text`.
std::string Field(const std::string& text, const std::string& key) {
  const std::size_t at = text.find("\n" + key + ": ");
  if (at == std::string::npos) return "";
  const std::size_t start = at + key.size() + 3;
  return text.substr(start, text.find('\n', start) - start);
}

// --- Hostile text -----------------------------------------------------------

TEST(CliSafety, ListShowAndServeEscapeControlCharacters) {
  TempDir dir;
  fs::create_directories(dir.File("local"));
  WriteFile(dir.File("local/evil.toml"), kEvilScenario);

  Invocation list = Gauntlet({"list", "--scenarios", dir.path()});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(FirstControlByte(list.out), "");
  EXPECT_THAT(list.out,
              HasSubstr("Evil \\x1b]0;pwned\\x07 title \\xc2\\x9b31m"));

  Invocation show = Gauntlet({"show", "local/evil", "--scenarios", dir.path()});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_EQ(FirstControlByte(show.out), "");
  EXPECT_THAT(show.out,
              HasSubstr("Line one \\x1b[2J cleared \\xc2\\x85 next\n"));
  EXPECT_THAT(show.out, HasSubstr("RFC \\x1b[31mred"));
  EXPECT_THAT(show.out, HasSubstr("PIPELINING\\x1b[5m"));

  Spawned serve({"serve", "local/evil", "--scenarios", dir.path()});
  ASSERT_TRUE(serve.ReadUntil("Ctrl-C")) << serve.out();
  const int status = serve.Interrupt();
  EXPECT_TRUE(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_THAT(serve.out(), HasSubstr("Evil \\x1b]0;pwned"));
  EXPECT_EQ(FirstControlByte(serve.out()), "");
}

TEST(CliSafety, ValidateRefusesAFifoAtOnce) {
  TempDir dir;
  const std::string fifo = dir.File("f.toml");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  RunIn in;
  in.timeout = std::chrono::seconds(20);  // Today's code waits forever.
  Invocation v = Gauntlet({"validate", fifo}, in);
  EXPECT_FALSE(v.timed_out) << "validate blocked on a FIFO";
  EXPECT_EQ(v.exit_code, 2);
  EXPECT_THAT(v.out + v.err, HasSubstr("FIFO"));
  Invocation dev = Gauntlet({"validate", "/dev/zero"}, in);
  EXPECT_FALSE(dev.timed_out);
  EXPECT_EQ(dev.exit_code, 2);
  EXPECT_THAT(dev.out + dev.err, HasSubstr("character device"));
}

TEST(CliSafety, UserInputInErrorsIsEscaped) {
  Invocation run = Gauntlet({"run", "--server-name", "evil\r\n\x1b[2Jname",
                             "--filter", "control/good-tls13-ecdsa"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("evil\\r\\n\\x1b[2Jname"));
  EXPECT_EQ(FirstControlByte(run.err), "");
  Invocation serve = Gauntlet(
      {"serve", "control/good-tls13-ecdsa", "--server-name", "a\r\nb"});
  EXPECT_EQ(serve.exit_code, 2);
  EXPECT_THAT(serve.err, HasSubstr("a\\r\\nb"));
  Invocation filter = Gauntlet({"list", "--filter", "x\x1b[2J"});
  EXPECT_EQ(filter.exit_code, 2);
  EXPECT_EQ(FirstControlByte(filter.err), "");
  // An error message is one line: a value with a line feed in it cannot
  // forge a second "gauntlet: ..." line.
  Invocation timeout = Gauntlet({"run", "--timeout", "5s\ngauntlet: all good",
                                 "--filter", "control/good-tls13-ecdsa"});
  EXPECT_EQ(timeout.exit_code, 2);
  EXPECT_THAT(timeout.err, HasSubstr("--timeout 5s\\ngauntlet: all good"));
  EXPECT_THAT(timeout.err, Not(HasSubstr("\ngauntlet: all good")));
}

// --- Private files -----------------------------------------------------------

TEST(CliSafety, ReportsAndTranscriptsAreOwnerOnly) {
  TempDir dir;
  // curl --ssl delivers in plaintext when STARTTLS is stripped: a failure,
  // so its transcript (with the credentials) is written.
  Invocation r = Gauntlet({"run", "--client", CurlTemplate(false), "--filter",
                           "strip/capability-removed", "--timeout", "5s",
                           "--report-dir", dir.File("reports/nested"), "--json",
                           dir.File("r.json"), "--junit", dir.File("r.xml")});
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  for (const std::string& file :
       {dir.File("r.json"), dir.File("r.xml"),
        dir.File("reports/nested/report.json"),
        dir.File("reports/nested/junit.xml"),
        dir.File("reports/nested/transcripts/strip/capability-removed.txt")}) {
    struct stat st;
    ASSERT_EQ(stat(file.c_str(), &st), 0) << file;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << file;
  }
  for (const std::string& made :
       {dir.File("reports"), dir.File("reports/nested"),
        dir.File("reports/nested/transcripts"),
        dir.File("reports/nested/transcripts/strip")}) {
    struct stat st;
    ASSERT_EQ(stat(made.c_str(), &st), 0) << made;
    EXPECT_EQ(st.st_mode & 0777, 0700u) << made;
  }
}

// --- Checked before the run --------------------------------------------------

TEST(CliSafety, OutputIntoAMissingDirectoryFailsBeforeAnyScenarioRuns) {
  TempDir dir;
  const std::string marker = dir.File("client-ran");
  for (const char* flag : {"--json", "--junit", "--write-baseline"}) {
    Invocation r = Gauntlet({"run", "--client", "touch " + marker, "--filter",
                             "strip/*", flag, dir.File("no/such/dir/out")});
    EXPECT_EQ(r.exit_code, 2) << flag;
    EXPECT_THAT(r.err, HasSubstr(flag));
    EXPECT_THAT(r.err, HasSubstr("does not exist"));
    EXPECT_FALSE(fs::exists(marker)) << flag << ": a scenario ran";
  }
  WriteFile(dir.File("file"), "x");
  Invocation r = Gauntlet({"run", "--client", "touch " + marker, "--report-dir",
                           dir.File("file/reports")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--report-dir"));
  EXPECT_FALSE(fs::exists(marker));
}

TEST(CliSafety, MissingClientProgramFailsAtOnceInOneLine) {
  const Invocation r =
      Gauntlet({"run", "--client", "nosuchprog-gauntlet-test x {port}"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("cannot run 'nosuchprog-gauntlet-test'"));
  EXPECT_THAT(r.err, HasSubstr("PATH"));
  EXPECT_EQ(r.out, "");  // Not one scenario was run.
  std::cout << "[ measured ] a missing client fails after " << r.took.count()
            << " ms\n";
  // The same check for a profile's command and for --shell's /bin/sh
  // (whose script is the shell's business).
  TempDir dir;
  WriteFile(dir.File("p.toml"),
            "name = \"p\"\ncommand = \"/nonexistent/bin/client {port}\"\n"
            "policy = \"require-tls\"\n");
  const Invocation p =
      Gauntlet({"run", "--client-profile", dir.File("p.toml")});
  EXPECT_EQ(p.exit_code, 2);
  EXPECT_THAT(p.err, HasSubstr("cannot run '/nonexistent/bin/client'"));
  EXPECT_EQ(p.out, "");
}

// --- validate
// ------------------------------------------------------------------

constexpr char kHeaderFor[] =
    "title = \"t\"\ndescription = \"d\"\ntags = [\"x\"]\n";

TEST(CliSafety, ValidateFromInsideASubdirectoryAcceptsACorrectFile) {
  TempDir dir;
  fs::create_directories(dir.File("strip"));
  WriteFile(dir.File("strip/mine.toml"),
            std::string("id = \"strip/mine\"\n") + kHeaderFor +
                "severity = \"high\"\nkind = \"attack\"\n");
  RunIn in;
  in.working_dir = dir.File("strip");
  Invocation v = Gauntlet({"validate", "mine.toml"}, in);
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_THAT(v.out, HasSubstr("mine.toml: OK (strip/mine)"));
}

TEST(CliSafety, ValidateReportsEveryErrorAndSuggestsKeys) {
  TempDir dir;
  fs::create_directories(dir.File("strip"));
  const std::string file = dir.File("strip/three.toml");
  WriteFile(file, std::string("id = \"strip/three\"\n") + kHeaderFor +
                      "severity = \"high\"\n"  // line 5
                      "kind = \"sideways\"\n"  // line 6: bad value
                      "timeout_ms = 5\n"       // line 7: too small
                      "[[server.connection]]\n"
                      "handshake_falut = \"stall\"\n");  // line 9: typo
  Invocation v = Gauntlet({"validate", file});
  EXPECT_EQ(v.exit_code, 2);
  EXPECT_THAT(v.out, HasSubstr(file + ":6:8: kind: expected one of"));
  EXPECT_THAT(v.out, HasSubstr(file + ":7:14: timeout_ms: expected"));
  EXPECT_THAT(v.out, HasSubstr(file + ":9:1: unknown key \"handshake_falut\" "
                                      "in [[server.connection]]; did you mean "
                                      "\"handshake_fault\"?"));
  WriteFile(file, std::string("id = \"strip/three\"\n") + kHeaderFor +
                      "severty = \"high\"\nkind = \"attack\"\n");
  Invocation typo = Gauntlet({"validate", file});
  EXPECT_THAT(typo.out, HasSubstr("unknown key \"severty\" in the top level; "
                                  "did you mean \"severity\"?"));
}

// --- The catalog, wherever the binary is
// ---------------------------------------

// `bin` made a copy of the binary under test: a hard link when possible (the
// kernel then names `bin` in /proc/self/exe), else a copy.
void PlaceBinary(const std::string& bin) {
  fs::create_directories(fs::path(bin).parent_path());
  std::error_code ec;
  fs::create_hard_link(GAUNTLET_BIN, bin, ec);
  if (ec) fs::copy_file(GAUNTLET_BIN, bin, ec);
  ASSERT_FALSE(ec) << ec.message();
}

// How many scenarios the shipped catalog defines, counted from the files:
// one per file, or for a sweep file one per value (the shipped sweeps list
// their values on one `values = [...]` line).
std::size_t ShippedScenarioCount() {
  std::size_t n = 0;
  for (const auto& e :
       fs::recursive_directory_iterator(SourcePath("scenarios"))) {
    if (!e.is_regular_file() || e.path().extension() != ".toml") continue;
    const std::string text = ReadFile(e.path().string());
    const std::size_t values = text.find("\nvalues = [");
    if (text.find("\n[sweep]\n") == std::string::npos ||
        values == std::string::npos) {
      ++n;
      continue;
    }
    const std::string line =
        text.substr(values + 1, text.find('\n', values + 1) - values - 1);
    n += static_cast<std::size_t>(std::count(line.begin(), line.end(), ',')) +
         1;
  }
  return n;
}

TEST(CliSafety, AnUnpackedCopyFindsItsCatalogAndAMissingOneIsExplained) {
  // The test's own environment must not point at a catalog.
  unsetenv("GAUNTLET_SCENARIOS_DIR");
  const std::string count =
      std::to_string(ShippedScenarioCount()) + " scenarios";
  {
    // An unpacked release: gauntlet-x/bin/gauntlet, gauntlet-x/scenarios/.
    TempDir dir;
    RunIn in;
    in.binary = dir.File("gauntlet-x/bin/gauntlet");
    PlaceBinary(in.binary);
    fs::copy(SourcePath("scenarios"), dir.File("gauntlet-x/scenarios"),
             fs::copy_options::recursive);
    Invocation l = Gauntlet({"list"}, in);
    EXPECT_EQ(l.exit_code, 0) << l.err;
    EXPECT_THAT(l.out, HasSubstr(count));
    Invocation s = Gauntlet({"show", "strip/capability-removed"}, in);
    EXPECT_THAT(s.out, HasSubstr("Source: strip/capability-removed.toml in the "
                                 "built-in catalog (" +
                                 dir.File("gauntlet-x/scenarios") + ")"));
  }
  {
    // An installed layout: <prefix>/bin/gauntlet, <prefix>/share/gauntlet/.
    TempDir dir;
    RunIn in;
    in.binary = dir.File("prefix/bin/gauntlet");
    PlaceBinary(in.binary);
    fs::create_directories(dir.File("prefix/share/gauntlet"));
    fs::copy(SourcePath("scenarios"),
             dir.File("prefix/share/gauntlet/scenarios"),
             fs::copy_options::recursive);
    Invocation l = Gauntlet({"list"}, in);
    EXPECT_EQ(l.exit_code, 0) << l.err;
    EXPECT_THAT(l.out, HasSubstr(count));
  }
  {
    // A copy with no catalog next to it: the error says where it looked and
    // how to fix it (it must not quietly use this checkout's scenarios/).
    TempDir dir;
    RunIn in;
    in.binary = dir.File("lonely/gauntlet");
    PlaceBinary(in.binary);
    Invocation l = Gauntlet({"list"}, in);
    EXPECT_EQ(l.exit_code, 2) << l.out;
    EXPECT_THAT(l.err, HasSubstr(dir.File("lonely/scenarios")));
    EXPECT_THAT(l.err, HasSubstr(dir.File("share/gauntlet/scenarios")));
    EXPECT_THAT(l.err, HasSubstr("GAUNTLET_SCENARIOS_DIR"));
    EXPECT_THAT(l.err, HasSubstr("--scenarios"));
    // ... and the user's own scenarios still work, with a warning.
    fs::create_directories(dir.File("mine/local"));
    WriteFile(dir.File("mine/local/x.toml"),
              std::string("id = \"local/x\"\n") + kHeaderFor +
                  "severity = \"low\"\nkind = \"attack\"\n");
    Invocation own = Gauntlet({"list", "--scenarios", dir.File("mine")}, in);
    EXPECT_EQ(own.exit_code, 0) << own.err;
    EXPECT_THAT(own.out, HasSubstr("1 scenario\n"));
    EXPECT_THAT(own.err, HasSubstr("warning"));
  }
}

// --- serve
// --------------------------------------------------------------------

TEST(CliSafety, ServeStreamsTheConversationAndItsCurlHintDelivers) {
  Spawned serve(
      {"serve", "control/good-tls13-ecdsa", "--policy", "require-tls"});
  ASSERT_TRUE(serve.ReadUntil("Ctrl-C")) << serve.out();
  // The hint, run exactly as printed (split as a shell would: paths are
  // quoted when they need it), with nothing substituted.
  const std::string hint = Field(serve.out(), "Try");
  ASSERT_FALSE(hint.empty()) << serve.out();
  absl::StatusOr<std::vector<runner::TemplateWord>> words =
      runner::SplitWords(hint);
  ASSERT_TRUE(words.ok()) << words.status();
  runner::RunOptions curl;
  for (const runner::TemplateWord& w : *words) curl.argv.push_back(w.text);
  curl.timeout = std::chrono::seconds(40);
  absl::StatusOr<runner::RunResult> delivered = runner::RunProcess(curl);
  ASSERT_TRUE(delivered.ok()) << delivered.status();
  EXPECT_TRUE(delivered->succeeded()) << hint << "\n" << delivered->err.data;
  // Streamed while serve still runs: the delivery is on screen before
  // Ctrl-C.
  EXPECT_TRUE(serve.ReadUntil("message received")) << serve.out();
  EXPECT_TRUE(serve.ReadUntil("C→S tls-app    QUIT")) << serve.out();
  EXPECT_THAT(serve.out(), HasSubstr("C→S plaintext  STARTTLS"));
  // TLS records are shown only with --raw.
  EXPECT_THAT(serve.out(), Not(HasSubstr("tls-records")));
  const int status = serve.Interrupt();
  ASSERT_NE(status, -1) << "serve did not stop on SIGINT";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_THAT(serve.out(), HasSubstr("Verdict"));
  EXPECT_THAT(serve.out(),
              HasSubstr("✔ control/good-tls13-ecdsa  Control: TLS 1.3"));
}

TEST(CliSafety, ServeJudgesAPlaintextClientUnderTheChosenPolicy) {
  Spawned serve({"serve", "strip/capability-removed", "--raw"});
  ASSERT_TRUE(serve.ReadUntil("Ctrl-C")) << serve.out();
  const std::string port = Field(serve.out(), "port");
  const std::string message = Field(serve.out(), "message_file");
  ASSERT_FALSE(port.empty());
  // curl --ssl: TLS only if offered; here it is stripped.
  runner::RunOptions curl;
  curl.argv = {"curl",
               "--silent",
               "--show-error",
               "--ssl",
               "--max-time",
               "10",
               "--mail-from",
               "a@client.test",
               "--mail-rcpt",
               "b@mx.test",
               "--upload-file",
               message,
               "smtp://127.0.0.1:" + port};
  curl.timeout = std::chrono::seconds(20);
  absl::StatusOr<runner::RunResult> r = runner::RunProcess(curl);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(serve.ReadUntil("(in plaintext)")) << serve.out();
  const int status = serve.Interrupt();
  ASSERT_NE(status, -1);
  EXPECT_THAT(serve.out(), HasSubstr("✘ strip/capability-removed"));
  EXPECT_THAT(serve.out(), HasSubstr("[plaintext-message]"));
}

// --- Small things
// -------------------------------------------------------------

TEST(CliSafety, UnknownSubcommandIsNamedWithTheNearestOne) {
  Invocation typo = Gauntlet({"lst"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_THAT(typo.err,
              HasSubstr("unknown subcommand 'lst'; did you mean 'list'?"));
  Invocation other = Gauntlet({"frobnicate"});
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_THAT(other.err, HasSubstr("unknown subcommand 'frobnicate'"));
  EXPECT_THAT(other.err, Not(HasSubstr("did you mean")));
}

TEST(CliSafety, ListAndShowSpeakJson) {
  Invocation all = Gauntlet({"list", "--json"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  const nlohmann::json list =
      nlohmann::json::parse(all.out, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(list.is_discarded()) << all.out.substr(0, 200);
  ASSERT_TRUE(list["scenarios"].is_array());
  EXPECT_EQ(list["scenarios"].size(), ShippedScenarioCount());

  Invocation critical = Gauntlet({"list", "--json", "--severity", "high"});
  const nlohmann::json high =
      nlohmann::json::parse(critical.out, nullptr, false);
  ASSERT_FALSE(high.is_discarded());
  ASSERT_FALSE(high["scenarios"].empty());
  EXPECT_LT(high["scenarios"].size(), list["scenarios"].size());
  for (const nlohmann::json& s : high["scenarios"]) {
    EXPECT_TRUE(s["severity"] == "critical" || s["severity"] == "high") << s;
  }
  EXPECT_EQ(Gauntlet({"list", "--severity", "loud"}).exit_code, 2);

  Invocation one = Gauntlet({"show", "--json", "strip/capability-removed"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const nlohmann::json s = nlohmann::json::parse(one.out, nullptr, false);
  ASSERT_FALSE(s.is_discarded()) << one.out;
  EXPECT_EQ(s["id"], "strip/capability-removed");
  EXPECT_EQ(s["severity"], "critical");
  EXPECT_EQ(s["kind"], "attack");
  EXPECT_EQ(s["expectations"]["require-tls"]["expectation"], "stay-secure");
  EXPECT_EQ(s["source"]["path"], "strip/capability-removed.toml");
  EXPECT_EQ(s["source"]["catalog"], "built-in");
  EXPECT_FALSE(s["references"].empty());
  EXPECT_TRUE(s["timeout_ms"].is_null());
  EXPECT_TRUE(s["sweep"].is_null());
  EXPECT_THAT(s["no_auth_reason"].get<std::string>(), HasSubstr("without AUTH"));
  Invocation swept = Gauntlet({"show", "--json", "sweep/ehlo/502"});
  ASSERT_EQ(swept.exit_code, 0) << swept.err;
  const nlohmann::json e = nlohmann::json::parse(swept.out, nullptr, false);
  EXPECT_EQ(e["sweep"]["file_id"], "sweep/ehlo");
  EXPECT_EQ(e["sweep"]["value"], "502");
  Invocation probe =
      Gauntlet({"show", "--json", "inject/after-220-ehlo-unanswered"});
  const nlohmann::json p = nlohmann::json::parse(probe.out, nullptr, false);
  EXPECT_THAT(p["probe"].get<std::string>(), HasSubstr("Proof of kind (a)"));
  EXPECT_FALSE(p["timeout_reason"].get<std::string>().empty());

  Invocation text = Gauntlet({"show", "strip/capability-removed"});
  EXPECT_THAT(text.out, HasSubstr("Source: strip/capability-removed.toml in "
                                  "the built-in catalog ("));
}

TEST(CliSafety, JsonDashPutsTheReportOnStdout) {
  // The reference client (the default) against a good server: exit 0.
  TempDir dir;
  RunIn in;
  in.working_dir = dir.path();
  Invocation r = Gauntlet({"run", "--filter", "control/good-tls13-ecdsa",
                           "--json", "-", "--timeout", "10s"},
                          in);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out.substr(0, 300);
  EXPECT_EQ(j["schema"], "gauntlet-report/1");
  EXPECT_EQ(j["summary"]["passed"], 1);
  // The console report went to stderr, and no file named "-" was made.
  EXPECT_THAT(r.err, HasSubstr("1 passed, 0 failed"));
  EXPECT_FALSE(fs::exists(dir.File("-")));
}

TEST(CliSafety, EverySubcommandDocumentsItsExitStatus) {
  for (const char* sub :
       {"list", "show", "validate", "serve", "proxy", "demo"}) {
    Invocation h = Gauntlet({sub, "--help"});
    EXPECT_EQ(h.exit_code, 0) << sub;
    EXPECT_THAT(h.out, HasSubstr("Exit status: 0")) << sub;
  }
}

TEST(CliSafety, TheExampleProfileRuns) {
  Invocation r = Gauntlet({"run", "--client-profile",
                           SourcePath("docs/examples/curl-require-tls.toml"),
                           "--filter", "control/good-tls13-ecdsa"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("1 passed, 0 failed"));
}

}  // namespace
}  // namespace gauntlet::e2e
