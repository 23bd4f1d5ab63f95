// Tests of RunProcess with real child processes: capture and caps, exit
// codes and signals, timeouts and cancellation that kill whole process
// groups, descriptors the client must not inherit, descendants that
// daemonise and must not outlive the run, and the --client template run for
// real with hostile values.

#include "harness/runner/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/runner/client_command.h"

namespace gauntlet::runner {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using std::chrono::milliseconds;

constexpr char kPython[] = "/usr/bin/python3";

// A private temporary directory (0700), removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = absl::StrCat(
        ::testing::TempDir().empty() ? "/tmp/" : ::testing::TempDir(),
        "gauntlet-runner-XXXXXX");
    const char* made = mkdtemp(tmpl.data());
    EXPECT_NE(made, nullptr) << "mkdtemp";
    path_ = tmpl;
  }
  ~TempDir() {
    const std::string cmd = absl::StrCat("rm -rf '", path_, "'");
    EXPECT_EQ(std::system(cmd.c_str()), 0);
  }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const {
    return absl::StrCat(path_, "/", name);
  }

 private:
  std::string path_;
};

RunOptions Sh(const std::string& script) {
  RunOptions o;
  o.argv = {"/bin/sh", "-c", script};
  o.timeout = milliseconds(20'000);
  return o;
}

RunResult RunOk(const RunOptions& o) {
  absl::StatusOr<RunResult> r = RunProcess(o);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : RunResult();
}

// Orphaned grandchildren are re-parented to this test process, so it can
// tell for sure whether they died (and reap them) instead of guessing.
void BecomeSubreaper() { ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0); }

// Waits (bounded) for `pid` to die, reaps it, and says whether it is gone.
bool DiesWithin(pid_t pid, milliseconds limit) {
  const long fd = syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) {
    pollfd p = {static_cast<int>(fd), POLLIN, 0};
    poll(&p, 1, static_cast<int>(limit.count()));
    close(static_cast<int>(fd));
  }
  int status = 0;
  waitpid(pid, &status, WNOHANG);
  return kill(pid, 0) == -1 && errno == ESRCH;
}

pid_t FirstLineAsPid(const std::string& out) {
  return static_cast<pid_t>(std::atol(out.substr(0, out.find('\n')).c_str()));
}

// Blocks until a child has opened `fifo` for writing and written a line:
// proof that it is running, without sleeping.
void WaitForReady(const std::string& fifo) {
  const int fd = open(fifo.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  char c;
  EXPECT_EQ(read(fd, &c, 1), 1);
  close(fd);
}

TEST(RunProcessTest, CapturesStdoutStderrAndExitCode) {
  RunResult r = RunOk(Sh("echo out; echo err >&2; exit 3"));
  EXPECT_TRUE(r.exited);
  EXPECT_FALSE(r.signaled);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out.data, "out\n");
  EXPECT_EQ(r.err.data, "err\n");
  EXPECT_FALSE(r.out.truncated());
  EXPECT_FALSE(r.succeeded());
  EXPECT_GT(r.pid, 0);
  EXPECT_GT(r.duration.count(), 0);
  EXPECT_THAT(r.Describe(), HasSubstr("exit 3 after"));
  EXPECT_TRUE(RunOk(Sh("true")).succeeded());
}

TEST(RunProcessTest, ReportsTheSignal) {
  RunResult r = RunOk(Sh("kill -USR1 $$"));
  EXPECT_FALSE(r.exited);
  EXPECT_TRUE(r.signaled);
  EXPECT_EQ(r.term_signal, SIGUSR1);
  EXPECT_FALSE(r.timed_out);
  EXPECT_THAT(r.Describe(), HasSubstr("killed by SIGUSR1"));
}

TEST(RunProcessTest, ChildGetsDefaultSignalDispositions) {
  // Ignored dispositions survive exec; the child must not inherit ours.
  struct sigaction ignore = {};
  struct sigaction old = {};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGINT, &ignore, &old), 0);
  RunResult r = RunOk(Sh("kill -INT $$; exit 0"));
  sigaction(SIGINT, &old, nullptr);
  EXPECT_TRUE(r.signaled);
  EXPECT_EQ(r.term_signal, SIGINT);
}

TEST(RunProcessTest, OutputIsKeptWithAZeroDrainWindow) {
  RunOptions o = Sh("echo hello; echo world >&2");
  o.kill_grace = milliseconds(0);
  RunResult r = RunOk(o);
  EXPECT_EQ(r.out.data, "hello\n");
  EXPECT_EQ(r.err.data, "world\n");
}

TEST(RunProcessTest, Exit89MeansUnsupported) {
  EXPECT_TRUE(RunOk(Sh("exit 89")).unsupported());
  EXPECT_FALSE(RunOk(Sh("exit 88")).unsupported());
  EXPECT_FALSE(RunOk(Sh("exit 0")).unsupported());
}

TEST(RunProcessTest, MissingProgramIsAnErrorValue) {
  RunOptions o;
  o.argv = {"curlx-gauntlet-does-not-exist", "--version"};
  absl::StatusOr<RunResult> r = RunProcess(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "cannot run 'curlx-gauntlet-does-not-exist': No such file or directory");
  o.argv = {"/nonexistent/curlx"};
  r = RunProcess(o);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("cannot run '/nonexistent/curlx'"));
  TempDir dir;
  o.argv = {dir.path()};  // A directory is not a program.
  r = RunProcess(o);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("Permission denied"));
  EXPECT_EQ(LiveChildCount(), 0);
}

TEST(RunProcessTest, RejectsInvalidOptions) {
  RunOptions o;
  EXPECT_FALSE(RunProcess(o).ok());  // Empty argv.
  o.argv = {"/bin/true", std::string("a\0b", 3)};
  EXPECT_THAT(RunProcess(o).status().message(), HasSubstr("NUL"));
  o.argv = {"/bin/true"};
  o.env = {{"A=B", "x"}};
  EXPECT_THAT(RunProcess(o).status().message(), HasSubstr("variable name"));
  o.env = {};
  o.timeout = milliseconds(0);
  EXPECT_THAT(RunProcess(o).status().message(), HasSubstr("timeout"));
  o.timeout = milliseconds(1000);
  o.working_dir = "/nonexistent-gauntlet-dir";
  EXPECT_THAT(RunProcess(o).status().message(),
              HasSubstr("working directory '/nonexistent-gauntlet-dir'"));
}

TEST(RunProcessTest, EnvironmentIsParentsPlusExtra) {
  ASSERT_EQ(setenv("GAUNTLET_TEST_PARENT_VAR", "from-parent", 1), 0);
  ASSERT_EQ(setenv("GAUNTLET_TEST_OVERRIDDEN", "old", 1), 0);
  RunOptions o;
  o.argv = {"/usr/bin/env"};
  o.env = {{"GAUNTLET_TEST_EXTRA", "a b 'c' $(d)"},
           {"GAUNTLET_TEST_OVERRIDDEN", "new"}};
  RunResult r = RunOk(o);
  std::vector<std::string> lines = absl::StrSplit(r.out.data, '\n');
  EXPECT_THAT(lines, testing::Contains("GAUNTLET_TEST_PARENT_VAR=from-parent"));
  EXPECT_THAT(lines, testing::Contains("GAUNTLET_TEST_EXTRA=a b 'c' $(d)"));
  EXPECT_THAT(lines, testing::Contains("GAUNTLET_TEST_OVERRIDDEN=new"));
  EXPECT_THAT(lines, testing::Not(testing::Contains("GAUNTLET_TEST_OVERRIDDEN=old")));
  unsetenv("GAUNTLET_TEST_PARENT_VAR");
  unsetenv("GAUNTLET_TEST_OVERRIDDEN");
}

TEST(RunProcessTest, WorkingDirectoryAndDevNullStdin) {
  TempDir dir;
  char real[PATH_MAX];
  ASSERT_NE(realpath(dir.path().c_str(), real), nullptr);
  RunOptions o = Sh("pwd; cat; echo done");
  o.working_dir = dir.path();
  RunResult r = RunOk(o);
  // `cat` saw end of file at once: stdin is /dev/null, not ours.
  EXPECT_EQ(r.out.data, absl::StrCat(real, "\ndone\n"));
  EXPECT_FALSE(r.timed_out);
}

TEST(RunProcessTest, OutputIsCappedWithoutBlockingTheChild) {
  // 10 MiB on each stream; far beyond any pipe buffer and the 256 KiB cap.
  RunResult r = RunOk(Sh("head -c 10485760 /dev/zero; head -c 10485760 /dev/zero >&2; echo finished >&2; exit 7"));
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.out.data.size(), 256u * 1024);
  EXPECT_EQ(r.out.total_bytes, 10485760u);
  EXPECT_TRUE(r.out.truncated());
  EXPECT_EQ(r.err.data.size(), 256u * 1024);
  EXPECT_EQ(r.err.total_bytes, 10485760u + 9);
  EXPECT_EQ(r.out.data.find_first_not_of('\0'), std::string::npos);

  RunOptions small = Sh("echo 0123456789");
  small.output_cap = 4;
  r = RunOk(small);
  EXPECT_EQ(r.out.data, "0123");
  EXPECT_EQ(r.out.total_bytes, 11u);
}

TEST(RunProcessTest, TimeoutKillsTheWholeGroupIncludingGrandchildren) {
  BecomeSubreaper();
  RunOptions o = Sh("sleep 1000 & echo $!; wait");
  o.timeout = milliseconds(300);
  o.kill_grace = milliseconds(300);
  RunResult r = RunOk(o);
  EXPECT_TRUE(r.timed_out);
  EXPECT_TRUE(r.signaled);
  EXPECT_EQ(r.term_signal, SIGTERM);
  EXPECT_FALSE(r.unsupported());
  EXPECT_THAT(r.Describe(), HasSubstr("timed out, killed by SIGTERM"));
  EXPECT_GE(r.duration, milliseconds(300));
  EXPECT_LT(r.duration, milliseconds(5000));
  const pid_t grandchild = FirstLineAsPid(r.out.data);
  ASSERT_GT(grandchild, 1) << r.out.data;
  EXPECT_TRUE(DiesWithin(grandchild, milliseconds(5000)));
  EXPECT_EQ(LiveChildCount(), 0);
}

TEST(RunProcessTest, SigkillAfterGraceWhenSigtermIsIgnored) {
  BecomeSubreaper();
  RunOptions o = Sh("trap '' TERM; sleep 1000 & echo $!; wait; wait");
  o.timeout = milliseconds(200);
  o.kill_grace = milliseconds(200);
  RunResult r = RunOk(o);
  EXPECT_TRUE(r.timed_out);
  EXPECT_TRUE(r.signaled);
  EXPECT_EQ(r.term_signal, SIGKILL);
  EXPECT_GE(r.duration, milliseconds(400));
  EXPECT_LT(r.duration, milliseconds(5000));
  const pid_t grandchild = FirstLineAsPid(r.out.data);
  ASSERT_GT(grandchild, 1) << r.out.data;
  EXPECT_TRUE(DiesWithin(grandchild, milliseconds(5000)));
}

TEST(RunProcessTest, LeftoverBackgroundProcessesDoNotDelayOrOutliveTheRun) {
  BecomeSubreaper();
  // The shell exits at once; its background sleep keeps stdout open.
  RunOptions o = Sh("sleep 1000 & echo $!");
  o.timeout = milliseconds(20'000);
  RunResult r = RunOk(o);
  EXPECT_TRUE(r.succeeded());
  EXPECT_FALSE(r.timed_out);
  EXPECT_LT(r.duration, milliseconds(5000));
  const pid_t grandchild = FirstLineAsPid(r.out.data);
  ASSERT_GT(grandchild, 1) << r.out.data;
  EXPECT_TRUE(DiesWithin(grandchild, milliseconds(5000)));
}

TEST(RunProcessTest, CancelFlagStopsARunningChildPromptly) {
  TempDir dir;
  const std::string fifo = dir.File("ready");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::atomic<bool> cancel{false};
  std::chrono::steady_clock::time_point cancelled_at;
  std::thread canceller([&] {
    WaitForReady(fifo);
    cancelled_at = std::chrono::steady_clock::now();
    cancel.store(true);
  });
  RunOptions o = Sh(absl::StrCat("echo x > '", fifo, "'; exec sleep 1000"));
  o.timeout = milliseconds(60'000);
  o.cancel = &cancel;
  RunResult r = RunOk(o);
  const auto returned_at = std::chrono::steady_clock::now();
  canceller.join();
  EXPECT_TRUE(r.cancelled);
  EXPECT_FALSE(r.timed_out);
  EXPECT_TRUE(r.signaled);
  EXPECT_EQ(r.term_signal, SIGTERM);
  EXPECT_LT(returned_at - cancelled_at, milliseconds(2000));
  EXPECT_THAT(r.Describe(), HasSubstr("cancelled"));
}

TEST(RunProcessTest, KillAllChildrenKillsRunningGroups) {
  TempDir dir;
  const std::string fifo = dir.File("ready");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::thread killer([&] {
    WaitForReady(fifo);
    EXPECT_EQ(LiveChildCount(), 1);
    KillAllChildren();
  });
  RunOptions o = Sh(absl::StrCat("echo x > '", fifo, "'; exec sleep 1000"));
  o.timeout = milliseconds(60'000);
  RunResult r = RunOk(o);
  killer.join();
  EXPECT_TRUE(r.cancelled);
  EXPECT_TRUE(r.signaled);
  EXPECT_EQ(r.term_signal, SIGKILL);
  EXPECT_LT(r.duration, milliseconds(30'000));
  EXPECT_EQ(LiveChildCount(), 0);
  // Later runs are unaffected.
  EXPECT_TRUE(RunOk(Sh("true")).succeeded());
}

TEST(RunProcessTest, EightChildrenInParallel) {
  constexpr int kThreads = 8;
  std::vector<RunResult> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([i, &results] {
      RunOptions o = Sh(i == 0 ? "exec sleep 1000"
                               : "echo $ID; head -c 1000000 /dev/zero >&2; exit $ID");
      o.env = {{"ID", std::to_string(i)}};
      o.timeout = milliseconds(i == 0 ? 500 : 20'000);
      o.kill_grace = milliseconds(100);
      results[i] = RunOk(o);
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_TRUE(results[0].timed_out);
  for (int i = 1; i < kThreads; ++i) {
    SCOPED_TRACE(i);
    EXPECT_FALSE(results[i].timed_out);
    EXPECT_TRUE(results[i].exited);
    EXPECT_EQ(results[i].exit_code, i);
    EXPECT_EQ(results[i].out.data, absl::StrCat(i, "\n"));
    EXPECT_EQ(results[i].err.total_bytes, 1000000u);
  }
  EXPECT_EQ(LiveChildCount(), 0);
}

// --- Descriptors: the client gets 0, 1 and 2, nothing else. --------------

TEST(RunProcessTest, ClientInheritsOnlyStdinStdoutAndStderr) {
  // Descriptors opened the careless way, without close-on-exec: a pipe, a
  // listening socket, a file. A child must see none of them.
  int leaky_pipe[2];
  ASSERT_EQ(pipe(leaky_pipe), 0);
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  const int file = open("/dev/null", O_RDONLY);
  ASSERT_GE(file, 0);
  // The child `ls` lists the shell's descriptors (`; exit` keeps the shell
  // from exec'ing ls in its place, which would list ls's own directory
  // descriptor too).
  RunResult r = RunOk(Sh("ls /proc/$$/fd; exit 0"));
  close(leaky_pipe[0]);
  close(leaky_pipe[1]);
  close(listener);
  close(file);
  EXPECT_TRUE(r.succeeded()) << r.Describe() << r.err.data;
  EXPECT_EQ(r.out.data, "0\n1\n2\n");
}

// --- Descendants: killed, reaped and counted, however they detached. ------

// A client that double-forks a daemon in a session of its own (setsid), the
// way a daemon detaches, prints the daemon's pid once it runs, and exits.
constexpr char kDaemonisingClient[] = R"py(
import os, sys, time
r, w = os.pipe()
first = os.fork()
if first == 0:
    os.setsid()
    if os.fork() == 0:
        os.write(w, str(os.getpid()).encode())
        os.close(w)
        time.sleep(1000)
    os._exit(0)
os.close(w)
print(os.read(r, 64).decode(), flush=True)
os.waitpid(first, 0)
)py";

RunOptions DaemonisingClient() {
  RunOptions o;
  o.argv = {kPython, "-c", kDaemonisingClient};
  o.timeout = milliseconds(20'000);
  return o;
}

bool Gone(pid_t pid) { return kill(pid, 0) == -1 && errno == ESRCH; }

TEST(RunProcessTest, ADaemonisedDescendantIsKilledReapedAndCounted) {
  RunResult r = RunOk(DaemonisingClient());
  EXPECT_TRUE(r.succeeded()) << r.Describe() << r.err.data;
  const pid_t daemon = FirstLineAsPid(r.out.data);
  ASSERT_GT(daemon, 1) << r.out.data;
  // Dead and reaped by the time RunProcess returns: not even a zombie.
  EXPECT_TRUE(Gone(daemon));
  EXPECT_EQ(r.leftover_processes, 1);
  EXPECT_THAT(r.Describe(), HasSubstr("left 1 process running (killed)"));
  EXPECT_EQ(LiveChildCount(), 0);
}

TEST(RunProcessTest, DescendantsAreFoundByScanningProcToo) {
  SetScanProcForChildrenForTest(true);
  RunResult r = RunOk(DaemonisingClient());
  SetScanProcForChildrenForTest(false);
  const pid_t daemon = FirstLineAsPid(r.out.data);
  ASSERT_GT(daemon, 1) << r.out.data;
  EXPECT_TRUE(Gone(daemon));
  EXPECT_EQ(r.leftover_processes, 1);
}

TEST(RunProcessTest, OrphansThatExitWhileTheClientRunsAreReaped) {
  // The client double-forks a child that exits at once; it becomes a zombie
  // of the client's parent (the supervisor), which must reap it while the
  // client still runs. The client waits (bounded) until its parent has no
  // zombie child left and prints how many there are.
  RunOptions o;
  o.argv = {kPython, "-c", R"py(
import os, time
parent = os.getppid()
def zombies():
    n = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] == "Z" and int(fields[1]) == parent:
            n += 1
    return n
if os.fork() == 0:
    if os.fork() == 0:
        os._exit(0)
    os._exit(0)
os.wait()
deadline = time.monotonic() + 10
while zombies() and time.monotonic() < deadline:
    time.sleep(0.01)
print(zombies())
)py"};
  RunResult r = RunOk(o);
  EXPECT_TRUE(r.succeeded()) << r.err.data;
  EXPECT_EQ(r.out.data, "0\n");
  EXPECT_EQ(r.leftover_processes, 0);
}

TEST(RunProcessTest, ACleanClientLeavesNothingBehind) {
  // Its helpers end before it does (the shell waits for them).
  RunResult r = RunOk(Sh("sleep 0 & wait; true | cat"));
  EXPECT_TRUE(r.succeeded());
  EXPECT_EQ(r.leftover_processes, 0);
  EXPECT_THAT(r.Describe(), testing::Not(HasSubstr("left")));
}

TEST(RunProcessTest, GroupMembersStoppedWithATimedOutClientAreNotLeftovers) {
  // Killed together with the client on the timeout: that is Gauntlet
  // stopping it, not the client leaving them behind. A daemon outside the
  // group is.
  RunOptions o = Sh("sleep 1000 & setsid sleep 1000 & echo $!; wait");
  o.timeout = milliseconds(300);
  o.kill_grace = milliseconds(300);
  RunResult r = RunOk(o);
  EXPECT_TRUE(r.timed_out);
  const pid_t daemon = FirstLineAsPid(r.out.data);
  ASSERT_GT(daemon, 1) << r.out.data;
  EXPECT_TRUE(Gone(daemon));
  EXPECT_EQ(r.leftover_processes, 1);
}

TEST(RunProcessTest, LeftoversAreCountedOnTheRunThatLeftThem) {
  // Four clients at once; client i leaves i daemons, each in a session of
  // its own. Every run counts its own.
  constexpr int kThreads = 4;
  std::vector<RunResult> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([i, &results] {
      RunOptions o =
          Sh("n=0; while [ $n -lt $COUNT ]; do setsid sleep 1000 & echo $!; "
             "n=$((n+1)); done");
      o.env = {{"COUNT", std::to_string(i)}};
      results[i] = RunOk(o);
    });
  }
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) {
    SCOPED_TRACE(i);
    EXPECT_TRUE(results[i].succeeded()) << results[i].err.data;
    EXPECT_EQ(results[i].leftover_processes, i);
    std::vector<std::string> pids =
        absl::StrSplit(results[i].out.data, '\n', absl::SkipEmpty());
    EXPECT_EQ(pids.size(), static_cast<std::size_t>(i));
    for (const std::string& pid : pids) {
      EXPECT_TRUE(Gone(std::atoi(pid.c_str()))) << pid;
    }
  }
  EXPECT_EQ(LiveChildCount(), 0);
}

TEST(RunProcessTest, AClientThatLeavesItsProcessGroupIsStillStopped) {
  // It moves itself into its parent's process group, where a signal to its
  // own group no longer reaches it; the timeout must stop it all the same.
  RunOptions o;
  o.argv = {kPython, "-c",
            "import os, time\n"
            "os.setpgid(0, os.getpgid(os.getppid()))\n"
            "print('moved', flush=True)\n"
            "time.sleep(1000)\n"};
  o.timeout = milliseconds(300);
  o.kill_grace = milliseconds(300);
  RunResult r = RunOk(o);
  EXPECT_TRUE(r.timed_out);
  EXPECT_TRUE(r.signaled);
  EXPECT_EQ(r.term_signal, SIGTERM);
  EXPECT_EQ(r.out.data, "moved\n");
  EXPECT_LT(r.duration, milliseconds(5000));
}

TEST(RunProcessTest, KillAllChildrenKillsDaemonsToo) {
  TempDir dir;
  const std::string fifo = dir.File("ready");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::thread killer([&] {
    WaitForReady(fifo);
    KillAllChildren();
  });
  RunOptions o = Sh(absl::StrCat("setsid sleep 1000 & echo $!; echo x > '",
                                 fifo, "'; exec sleep 1000"));
  o.timeout = milliseconds(60'000);
  RunResult r = RunOk(o);
  killer.join();
  EXPECT_TRUE(r.cancelled);
  EXPECT_EQ(r.term_signal, SIGKILL);
  const pid_t daemon = FirstLineAsPid(r.out.data);
  ASSERT_GT(daemon, 1) << r.out.data;
  EXPECT_TRUE(Gone(daemon));
}

TEST(RunProcessTest, AKilledSupervisorIsReportedAndItsClientKilled) {
  // The client kills the supervisor between it and Gauntlet. This process
  // adopts orphans (as `gauntlet run` does), so the client and its daemon
  // come here, and RunProcess kills and reaps them.
  ASSERT_TRUE(AdoptOrphans().ok());
  // Once its daemon runs, it kills its parent -- the supervisor -- and
  // hangs.
  RunOptions o = DaemonisingClient();
  o.argv.back() += "os.kill(os.getppid(), 9)\ntime.sleep(1000)\n";
  RunResult r = RunOk(o);
  EXPECT_TRUE(r.supervisor_lost);
  EXPECT_FALSE(r.exited);
  EXPECT_FALSE(r.signaled);
  EXPECT_FALSE(r.timed_out);
  EXPECT_LT(r.duration, milliseconds(10'000));
  EXPECT_THAT(r.Describe(), HasSubstr("supervisor was killed"));
  const pid_t daemon = FirstLineAsPid(r.out.data);
  ASSERT_GT(daemon, 1) << r.out.data;
  EXPECT_TRUE(Gone(daemon));
  EXPECT_TRUE(Gone(r.pid));
  // Reparented here and killed: the daemon (the client is not a leftover).
  EXPECT_EQ(r.leftover_processes, 1);
  EXPECT_EQ(KillOrphans(), 0);
  EXPECT_EQ(LiveChildCount(), 0);
}

TEST(RunProcessTest, AClientThatKillsItsSupervisorAtOnceIsStillKnownAndKilled) {
  // The first thing it does is kill its supervisor: Gauntlet must know it
  // already (its pid is reported before it may exec), and kill it.
  ASSERT_TRUE(AdoptOrphans().ok());
  RunOptions o = Sh("kill -KILL $PPID; exec sleep 1000");
  o.timeout = milliseconds(20'000);
  RunResult r = RunOk(o);
  EXPECT_TRUE(r.supervisor_lost) << r.Describe();
  ASSERT_GT(r.pid, 0);
  EXPECT_TRUE(Gone(r.pid));
  EXPECT_EQ(r.leftover_processes, 0);
  EXPECT_LT(r.duration, milliseconds(10'000));
  EXPECT_EQ(LiveChildCount(), 0);
}

// --- The --client template run for real, with hostile values. ------------

ClientParams Hostile(const TempDir& dir) {
  ClientParams p;
  p.addr = "127.0.0.1";
  p.port = 2525;
  p.from = "a@b";
  p.to = absl::StrCat("$(touch ", dir.File("pwned1"), ")");
  p.user = absl::StrCat("'; touch ", dir.File("pwned2"), "; '");
  p.password = absl::StrCat("`touch ", dir.File("pwned3"), "` \"x\" \\ ; | & {user}");
  p.scenario = "id with spaces";
  return p;
}

std::vector<std::string> RunArgv(const ClientCommand& command,
                                 const ClientParams& params) {
  absl::StatusOr<CommandLine> line = BuildCommandLine(command, params);
  EXPECT_TRUE(line.ok()) << line.status();
  if (!line.ok()) return {};
  RunOptions o;
  o.argv = line->argv;
  o.env = line->env;
  RunResult r = RunOk(o);
  EXPECT_TRUE(r.succeeded()) << r.Describe() << "\n" << r.err.data;
  // The child prints its arguments separated by NUL bytes.
  return absl::StrSplit(r.out.data, '\0');
}

constexpr char kPrintArgs[] =
    "import sys; sys.stdout.write(chr(0).join(sys.argv[1:]))";

TEST(ClientCommandProcessTest, HostileValuesArriveLiterallyWithoutShell) {
  TempDir dir;
  const ClientParams p = Hostile(dir);
  const std::vector<std::string> argv = RunArgv(
      {absl::StrCat(kPython, " -c '", kPrintArgs,
                    "' {to} --user={user} {password} \"{scenario}\" {host}:{port}"),
       false},
      p);
  EXPECT_THAT(argv, ElementsAre(p.to, "--user=" + p.user, p.password,
                                p.scenario, "localhost:2525"));
  for (const char* f : {"pwned1", "pwned2", "pwned3"}) {
    EXPECT_NE(access(dir.File(f).c_str(), F_OK), 0) << f;
  }
}

TEST(ClientCommandProcessTest, HostileValuesArriveLiterallyWithShell) {
  TempDir dir;
  const ClientParams p = Hostile(dir);
  const std::vector<std::string> argv = RunArgv(
      {absl::StrCat(kPython, " -c '", kPrintArgs,
                    "' {to} --user={user} {password} {scenario} "
                    "\"$GAUNTLET_PASSWORD\" | cat"),
       true},
      p);
  EXPECT_THAT(argv, ElementsAre(p.to, "--user=" + p.user, p.password,
                                p.scenario, p.password));
  for (const char* f : {"pwned1", "pwned2", "pwned3"}) {
    EXPECT_NE(access(dir.File(f).c_str(), F_OK), 0) << f;
  }
}

TEST(ClientCommandProcessTest, ValuesAreExportedToTheEnvironment) {
  TempDir dir;
  const ClientParams p = Hostile(dir);
  absl::StatusOr<CommandLine> line = BuildCommandLine({"/usr/bin/env", false}, p);
  ASSERT_TRUE(line.ok());
  RunOptions o;
  o.argv = line->argv;
  o.env = line->env;
  RunResult r = RunOk(o);
  std::vector<std::string> lines = absl::StrSplit(r.out.data, '\n');
  EXPECT_THAT(lines, testing::Contains("GAUNTLET_HOST=localhost"));
  EXPECT_THAT(lines, testing::Contains("GAUNTLET_ADDR=127.0.0.1"));
  EXPECT_THAT(lines, testing::Contains("GAUNTLET_PORT=2525"));
  EXPECT_THAT(lines, testing::Contains("GAUNTLET_FROM=a@b"));
  EXPECT_THAT(lines, testing::Contains("GAUNTLET_TO=" + p.to));
  EXPECT_THAT(lines, testing::Contains("GAUNTLET_USER=" + p.user));
  EXPECT_THAT(lines, testing::Contains("GAUNTLET_PASSWORD=" + p.password));
  EXPECT_THAT(lines, testing::Contains("GAUNTLET_SCENARIO=id with spaces"));
  EXPECT_THAT(lines, testing::Contains("GAUNTLET_CA_FILE="));
  EXPECT_THAT(lines, testing::Contains("GAUNTLET_MESSAGE_FILE="));
}

}  // namespace
}  // namespace gauntlet::runner
