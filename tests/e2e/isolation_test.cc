// End-to-end tests of what a client under test can reach and what it can
// leave behind, with the real `gauntlet run` and real processes:
//
//  * with -j 2, while another scenario's connection is established, a
//    client sees no descriptor but 0, 1 and 2 (and what it opened itself),
//    and every descriptor Gauntlet holds is close-on-exec;
//  * a client that daemonises (setsid, double fork) does not outlive the
//    run, and the report says so on the scenario that did it;
//  * every client gets an empty $TMPDIR, whatever the one before it left
//    there, and none of it outlives the run;
//  * SIGINT, SIGTERM and SIGHUP stop a run whose clients hang and
//    daemonise: exit status 128 + signal, the report of what finished is
//    written, and no process, listening socket or temporary file of the run
//    remains.
//
// The clients are one Python script (written into each test's directory)
// whose first argument picks what it does; every process it starts carries
// a marker unique to the test in its command line, so the test can find
// them all in /proc.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/runner/client_command.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/e2e_util.h"

extern char** environ;

namespace gauntlet::e2e {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kPython[] = "/usr/bin/python3";

// The client. Modes:
//   fds OUTDIR FIFO WRITER_ID  connect and read the greeting; meet the other
//       scenario's client on FIFO (WRITER_ID's client opens it for writing,
//       the other for reading, so both connections are established at
//       once); then record the descriptors open here and those of the
//       gauntlet process that lack close-on-exec.
//   daemon OUTDIR MARKER DAEMON_ID  in scenario DAEMON_ID, double-fork a
//       daemon in its own session and record its pid; exit.
//   hang OUTDIR MARKER READY_FIFO QUICK_ID  in scenario QUICK_ID exit at
//       once; else leave a file in $TMPDIR, record the port, start a
//       daemon, say so on READY_FIFO and hang.
//   tmpdir OUTDIR CANARY_DIR  record what $TMPDIR holds, leave files (one
//       in a directory with mode 0), and replace $TMPDIR with a symbolic
//       link to CANARY_DIR.
//   sleep MARKER  the daemon: sleep.
constexpr char kClientScript[] = R"py(
import json, os, socket, sys, tempfile, time

mode = sys.argv[1]
scenario = os.environ.get("GAUNTLET_SCENARIO", "")
def out_path(outdir, suffix):
    return os.path.join(outdir, scenario.replace("/", "_") + suffix)

def daemonise(marker, pid_file=None):
    r, w = os.pipe()
    first = os.fork()
    if first == 0:
        os.setsid()
        if os.fork() == 0:
            os.write(w, str(os.getpid()).encode())
            os.close(w)
            os.execv(sys.executable, [sys.executable, sys.argv[0], "sleep", marker])
        os._exit(0)
    os.close(w)
    pid = os.read(r, 64).decode()
    os.close(r)
    os.waitpid(first, 0)
    if pid_file:
        with open(pid_file, "w") as f:
            f.write(pid)

def open_fds():
    limit = min(os.sysconf("SC_OPEN_MAX"), 65536)
    fds = []
    for fd in range(limit):
        try:
            os.fstat(fd)
            fds.append(fd)
        except OSError:
            pass
    return fds

def gauntlet_pid():
    # The nearest ancestor running `gauntlet run` (the parent is the
    # client's gauntlet-supervisor).
    pid = os.getppid()
    while pid > 1:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            argv = f.read().split(b"\0")
        if len(argv) > 1 and argv[0].endswith(b"/gauntlet") and argv[1] == b"run":
            return pid
        with open("/proc/%d/stat" % pid) as f:
            pid = int(f.read().rsplit(")", 1)[1].split()[1])
    return None

def not_cloexec(pid):
    found = []
    for name in os.listdir("/proc/%d/fdinfo" % pid):
        fd = int(name)
        if fd <= 2:
            continue
        try:
            with open("/proc/%d/fdinfo/%d" % (pid, fd)) as f:
                flags = int(f.read().split("flags:", 1)[1].split()[0], 8)
            target = os.readlink("/proc/%d/fd/%d" % (pid, fd))
        except (OSError, IndexError, ValueError):
            continue  # Closed meanwhile.
        if not flags & 0o2000000:
            found.append("%d -> %s" % (fd, target))
    return found

if mode == "fds":
    outdir, fifo, writer = sys.argv[2:5]
    sock = socket.create_connection((os.environ["GAUNTLET_ADDR"], int(os.environ["GAUNTLET_PORT"])), timeout=10)
    greeting = b""
    while b"\n" not in greeting:
        chunk = sock.recv(512)
        if not chunk:
            break
        greeting += chunk
    meet = os.open(fifo, os.O_WRONLY if scenario == writer else os.O_RDONLY)
    os.close(meet)
    fds = open_fds()
    gpid = gauntlet_pid()
    result = {"fds": fds, "own": [sock.fileno()], "greeting": greeting.decode(errors="replace"),
              "gauntlet_pid": gpid or 0,
              "gauntlet_not_cloexec": not_cloexec(gpid) if gpid else []}
    with open(out_path(outdir, ".json"), "w") as f:
        json.dump(result, f)
    sock.close()
elif mode == "daemon":
    outdir, marker, daemon_id = sys.argv[2:5]
    if scenario == daemon_id:
        daemonise(marker, os.path.join(outdir, "daemon.pid"))
elif mode == "hang":
    outdir, marker, ready, quick = sys.argv[2:6]
    if scenario == quick:
        sys.exit(0)
    fd, _ = tempfile.mkstemp(prefix="left-by-client-")
    with open(out_path(outdir, ".port"), "w") as f:
        f.write(os.environ["GAUNTLET_PORT"])
    daemonise(marker)
    with open(ready, "w") as f:
        f.write(scenario + "\n")
    time.sleep(300)
elif mode == "tmpdir":
    outdir, canary_dir = sys.argv[2:4]
    tmp = os.environ["TMPDIR"]
    with open(out_path(outdir, ".tmpdir"), "w") as f:
        json.dump(sorted(os.listdir(tmp)), f)
    # Leave things behind, some hard to remove...
    with open(os.path.join(tmp, "left-file"), "w") as f:
        f.write("x")
    os.mkdir(os.path.join(tmp, "locked"))
    with open(os.path.join(tmp, "locked", "inner"), "w") as f:
        f.write("x")
    os.chmod(os.path.join(tmp, "locked"), 0)
    # ...and put a symbolic link to another directory in TMPDIR's place.
    os.rename(tmp, tmp + ".moved")
    os.symlink(canary_dir, tmp)
elif mode == "sleep":
    time.sleep(300)
)py";

// --- Processes, sockets, files ---------------------------------------------

// Every process whose command line contains `marker` (zombies have none).
std::vector<pid_t> ProcessesWithMarker(const std::string& marker) {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string cmdline = ReadFile(entry.path().string() + "/cmdline");
    if (cmdline.find(marker) != std::string::npos) {
      pids.push_back(std::atoi(name.c_str()));
    }
  }
  return pids;
}

// Kills whatever a failed test left running, so that one failure does not
// leak processes into the rest of the suite.
void KillMarked(const std::string& marker) {
  for (pid_t pid : ProcessesWithMarker(marker)) kill(pid, SIGKILL);
}

// TCP ports in LISTEN state on this host (/proc/net/tcp and tcp6).
std::set<int> ListeningPorts() {
  std::set<int> ports;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::istringstream in(ReadFile(table));
    std::string line;
    std::getline(in, line);  // The header.
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state;
      fields >> slot >> local >> remote >> state;
      const std::size_t colon = local.rfind(':');
      if (state != "0A" || colon == std::string::npos) continue;
      ports.insert(static_cast<int>(
          std::strtol(local.substr(colon + 1).c_str(), nullptr, 16)));
    }
  }
  return ports;
}

std::vector<std::string> DirEntries(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    names.push_back(entry.path().filename().string());
  }
  return names;
}

// A marker no other test run shares.
std::string NewMarker(const std::string& what) {
  static int counter = 0;
  return "gauntlet-isolation-" + what + "-" + std::to_string(getpid()) + "-" +
         std::to_string(++counter);
}

// --- Running gauntlet -------------------------------------------------------

// A gauntlet run started in the background with only descriptors 0-2,
// $TMPDIR set to `tmpdir`, stdout and stderr to files.
struct Background {
  pid_t pid = -1;
  std::string stdout_file;
  std::string stderr_file;
};

Background StartGauntlet(const std::vector<std::string>& args,
                         const TempDir& dir, const std::string& tmpdir) {
  Background bg;
  bg.stdout_file = dir.File("gauntlet.out");
  bg.stderr_file = dir.File("gauntlet.err");
  std::vector<std::string> argv_storage = {GAUNTLET_BIN};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_storage;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    if (entry.rfind("TMPDIR=", 0) == 0 || entry.rfind("NO_COLOR=", 0) == 0) {
      continue;
    }
    env_storage.push_back(entry);
  }
  env_storage.push_back("TMPDIR=" + tmpdir);
  env_storage.push_back("NO_COLOR=1");
  std::vector<char*> envp;
  for (std::string& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, bg.stdout_file.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, bg.stderr_file.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  // Whatever the test process holds is not gauntlet's to see.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  const int rc = posix_spawn(&bg.pid, GAUNTLET_BIN, &actions, nullptr,
                             argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  EXPECT_EQ(rc, 0) << "posix_spawn " << GAUNTLET_BIN;
  if (rc != 0) bg.pid = -1;
  return bg;
}

// Waits (bounded) for `pid`, a child, to exit; its wait status, or -1.
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

// Waits until gauntlet exits, killing it if it does not within `timeout`.
int Finish(const Background& bg, std::chrono::milliseconds timeout) {
  if (bg.pid <= 0) return -1;
  const int status = WaitChild(bg.pid, timeout);
  if (status == -1) {
    kill(bg.pid, SIGKILL);
    WaitChild(bg.pid, std::chrono::seconds(10));
  }
  return status;
}

// Reads `count` lines from `fd` (bounded by `timeout`).
std::vector<std::string> ReadLines(int fd, std::size_t count,
                                   std::chrono::milliseconds timeout) {
  std::string text;
  std::vector<std::string> lines;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (lines.size() < count && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    char buf[256];
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) continue;
    text.append(buf, static_cast<std::size_t>(n));
    for (std::size_t nl; (nl = text.find('\n')) != std::string::npos;) {
      lines.push_back(text.substr(0, nl));
      text.erase(0, nl + 1);
    }
  }
  return lines;
}

std::string ClientTemplate(const std::string& script,
                           const std::vector<std::string>& args) {
  std::string t = std::string(kPython) + " " + runner::ShellQuote(script);
  for (const std::string& a : args) t += " " + runner::ShellQuote(a);
  return t;
}

nlohmann::json ResultFor(const nlohmann::json& report, const std::string& id) {
  for (const auto& [rid, r] : Results(report)) {
    if (rid == id) return r;
  }
  return nlohmann::json();
}

std::vector<std::string> NoteRules(const nlohmann::json& result) {
  std::vector<std::string> rules;
  if (!result.is_object() || !result.contains("notes")) return rules;
  for (const nlohmann::json& n : result["notes"]) {
    rules.push_back(n.value("rule", ""));
  }
  return rules;
}

// --- Descriptors ------------------------------------------------------------

TEST(Isolation, ClientsSeeOnlyTheirOwnDescriptorsWhileAnotherScenarioRuns) {
  TempDir dir;
  const std::string script = dir.File("client.py");
  WriteFile(script, kClientScript);
  const std::string tmpdir = dir.File("tmp");
  ASSERT_EQ(mkdir(tmpdir.c_str(), 0700), 0);
  const std::string fifo = dir.File("meet");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const std::string writer = "strip/starttls-454";
  const std::string reader = "strip/starttls-500";
  const Background bg =
      StartGauntlet({"run", "-j", "2", "--shell", "--client",
                     ClientTemplate(script, {"fds", dir.path(), fifo, writer}),
                     "--filter", writer, "--filter", reader, "--timeout", "10s",
                     "--json", dir.File("report.json")},
                    dir, tmpdir);
  const int status = Finish(bg, std::chrono::seconds(60));
  ASSERT_NE(status, -1) << "gauntlet did not finish";
  EXPECT_TRUE(WIFEXITED(status)) << ReadFile(bg.stderr_file);

  for (const std::string& id : {writer, reader}) {
    SCOPED_TRACE(id);
    std::string file = id;
    std::replace(file.begin(), file.end(), '/', '_');
    const nlohmann::json seen = ReadJson(dir.File(file + ".json"));
    ASSERT_FALSE(seen.is_discarded())
        << "the client did not report\n"
        << ReadFile(bg.stdout_file) << ReadFile(bg.stderr_file);
    // Both were connected (the FIFO met them): each saw its greeting.
    EXPECT_THAT(seen["greeting"].get<std::string>(),
                ::testing::StartsWith("220"));
    std::vector<int> fds = seen["fds"].get<std::vector<int>>();
    const int own = seen["own"][0].get<int>();
    fds.erase(std::remove(fds.begin(), fds.end(), own), fds.end());
    EXPECT_THAT(fds, ElementsAre(0, 1, 2));
    // Defence in depth: every descriptor gauntlet holds itself is
    // close-on-exec. wolfSSL opens /dev/urandom without O_CLOEXEC for a
    // moment while seeding a random generator; the spawn's close of
    // everything above 2 is what keeps that from a client.
    EXPECT_EQ(seen["gauntlet_pid"].get<int>(), bg.pid);
    std::vector<std::string> leaky;
    for (const std::string& fd :
         seen["gauntlet_not_cloexec"].get<std::vector<std::string>>()) {
      if (fd.find("/dev/urandom") == std::string::npos) leaky.push_back(fd);
    }
    EXPECT_THAT(leaky, IsEmpty());
  }
  EXPECT_THAT(DirEntries(tmpdir), IsEmpty());
}

// --- Daemons ----------------------------------------------------------------

TEST(Isolation, ADaemonIsKilledAndReportedOnTheScenarioThatStartedIt) {
  TempDir dir;
  const std::string marker = NewMarker("daemon");
  const std::string script = dir.File("client.py");
  WriteFile(script, kClientScript);
  const std::string tmpdir = dir.File("tmp");
  ASSERT_EQ(mkdir(tmpdir.c_str(), 0700), 0);
  const std::string daemonising = "strip/starttls-501";
  const std::string clean = "strip/starttls-500";
  const Background bg = StartGauntlet(
      {"run", "-j", "2", "--shell", "--client",
       ClientTemplate(script, {"daemon", dir.path(), marker, daemonising}),
       "--filter", daemonising, "--filter", clean, "--timeout", "10s", "--json",
       dir.File("report.json")},
      dir, tmpdir);
  const int status = Finish(bg, std::chrono::seconds(60));
  ASSERT_NE(status, -1) << "gauntlet did not finish";
  const std::vector<pid_t> survivors = ProcessesWithMarker(marker);
  KillMarked(marker);

  const pid_t daemon = std::atoi(ReadFile(dir.File("daemon.pid")).c_str());
  ASSERT_GT(daemon, 1) << "the daemon never started\n"
                       << ReadFile(bg.stderr_file);
  EXPECT_THAT(survivors, IsEmpty());
  EXPECT_TRUE(kill(daemon, 0) == -1 && errno == ESRCH);

  const nlohmann::json report = ReadJson(dir.File("report.json"));
  ASSERT_FALSE(report.is_discarded()) << ReadFile(bg.stderr_file);
  const nlohmann::json with_daemon = ResultFor(report, daemonising);
  const nlohmann::json without = ResultFor(report, clean);
  EXPECT_THAT(NoteRules(with_daemon),
              ::testing::Contains("left-processes-behind"))
      << with_daemon.dump(2);
  EXPECT_THAT(NoteRules(without),
              ::testing::Not(::testing::Contains("left-processes-behind")))
      << without.dump(2);
  EXPECT_THAT(DirEntries(tmpdir), IsEmpty());
}

// --- Temporary files
// ----------------------------------------------------------

TEST(Isolation, EveryClientGetsAnEmptyTmpdirAndNothingOfItOutlivesTheRun) {
  TempDir dir;
  const std::string script = dir.File("client.py");
  WriteFile(script, kClientScript);
  const std::string tmpdir = dir.File("tmp");
  ASSERT_EQ(mkdir(tmpdir.c_str(), 0700), 0);
  const std::string canary_dir = dir.File("canary");
  ASSERT_EQ(mkdir(canary_dir.c_str(), 0700), 0);
  WriteFile(canary_dir + "/keep.txt", "mine");
  // One job: the clients run one after another, each in a TMPDIR the one
  // before it may have used.
  const std::vector<std::string> ids = {
      "strip/starttls-454", "strip/starttls-500", "strip/starttls-501"};
  const Background bg = StartGauntlet(
      {"run", "-j", "1", "--client",
       ClientTemplate(script, {"tmpdir", dir.path(), canary_dir}), "--filter",
       ids[0], "--filter", ids[1], "--filter", ids[2], "--timeout", "10s"},
      dir, tmpdir);
  const int status = Finish(bg, std::chrono::seconds(60));
  ASSERT_NE(status, -1) << "gauntlet did not finish";
  for (const std::string& id : ids) {
    SCOPED_TRACE(id);
    std::string file = id;
    std::replace(file.begin(), file.end(), '/', '_');
    const nlohmann::json seen = ReadJson(dir.File(file + ".tmpdir"));
    ASSERT_FALSE(seen.is_discarded()) << ReadFile(bg.stderr_file);
    EXPECT_THAT(seen.get<std::vector<std::string>>(), IsEmpty());
  }
  // Gauntlet removed the link, not what it pointed to.
  EXPECT_EQ(ReadFile(canary_dir + "/keep.txt"), "mine");
  EXPECT_THAT(DirEntries(tmpdir), IsEmpty());
}

// --- Signals ----------------------------------------------------------------

class IsolationSignal : public ::testing::TestWithParam<int> {};

TEST_P(IsolationSignal, StopsTheRunAndLeavesNothingBehind) {
  const int sig = GetParam();
  TempDir dir;
  const std::string marker = NewMarker(sigabbrev_np(sig));
  const std::string script = dir.File("client.py");
  WriteFile(script, kClientScript);
  const std::string tmpdir = dir.File("tmp");
  ASSERT_EQ(mkdir(tmpdir.c_str(), 0700), 0);
  const std::string ready = dir.File("ready");
  ASSERT_EQ(mkfifo(ready.c_str(), 0600), 0);
  const int ready_fd = open(ready.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(ready_fd, 0);
  // Held open so that the FIFO never reports end of file (or POLLHUP)
  // between two clients' writes.
  const int keep_open = open(ready.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(keep_open, 0);
  // Three scenarios on two workers: the first finishes at once (its result
  // must be in the report), the other two hang with a daemon each.
  const std::string quick = "strip/starttls-454";
  const Background bg = StartGauntlet(
      {"run", "-j", "2", "--shell", "--client",
       ClientTemplate(script, {"hang", dir.path(), marker, ready, quick}),
       "--filter", quick, "--filter", "strip/starttls-500", "--filter",
       "strip/starttls-501", "--timeout", "60s", "--json",
       dir.File("report.json")},
      dir, tmpdir);
  ASSERT_GT(bg.pid, 0);
  const std::vector<std::string> hanging =
      ReadLines(ready_fd, 2, std::chrono::seconds(30));
  close(ready_fd);
  close(keep_open);
  EXPECT_EQ(hanging.size(), 2u) << ReadFile(bg.stderr_file);
  // Two clients and two daemons at least (a shell may sit in between).
  EXPECT_GE(ProcessesWithMarker(marker).size(), 4u);

  ASSERT_EQ(kill(bg.pid, sig), 0);
  const int status = Finish(bg, std::chrono::seconds(30));
  // What remains right after gauntlet exited; then clean up after a failure.
  const std::vector<pid_t> survivors = ProcessesWithMarker(marker);
  const std::set<int> listening = ListeningPorts();
  const std::vector<std::string> tmp_entries = DirEntries(tmpdir);
  KillMarked(marker);
  ASSERT_NE(status, -1) << "gauntlet did not exit after the signal";
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 128 + sig) << ReadFile(bg.stderr_file);

  // The report of what finished is written, and says it is partial.
  const nlohmann::json report = ReadJson(dir.File("report.json"));
  ASSERT_FALSE(report.is_discarded()) << ReadFile(bg.stderr_file);
  EXPECT_EQ(report["interrupted"], true);
  EXPECT_EQ(Results(report).size(), 1u);
  EXPECT_FALSE(ResultFor(report, quick).is_null());

  // Nothing of the run remains: processes, listening sockets, files.
  EXPECT_THAT(survivors, IsEmpty());
  int ports = 0;
  for (const std::string& name : DirEntries(dir.path())) {
    if (name.size() < 5 || name.substr(name.size() - 5) != ".port") continue;
    ++ports;
    const int port = std::atoi(ReadFile(dir.File(name)).c_str());
    EXPECT_EQ(listening.count(port), 0u) << "port " << port << " still open";
  }
  EXPECT_EQ(ports, 2);
  EXPECT_THAT(tmp_entries, IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(IntTermHup, IsolationSignal,
                         ::testing::Values(SIGINT, SIGTERM, SIGHUP),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string(sigabbrev_np(info.param));
                         });

}  // namespace
}  // namespace gauntlet::e2e
