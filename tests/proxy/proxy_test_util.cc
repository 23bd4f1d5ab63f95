#include "tests/proxy/proxy_test_util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "fake_servers/proxy/socket_io.h"

namespace gauntlet::proxy::testing {

absl::StatusOr<std::unique_ptr<TempDir>> TempDir::Create() {
  const char* tmp = getenv("TMPDIR");
  std::string templ = absl::StrCat(tmp != nullptr && *tmp ? tmp : "/tmp",
                                   "/gauntlet-proxy-test-XXXXXX");
  if (mkdtemp(templ.data()) == nullptr) {
    return absl::InternalError("mkdtemp failed");
  }
  return std::unique_ptr<TempDir>(new TempDir(templ));
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

absl::StatusOr<std::unique_ptr<Bench>> Bench::Create() {
  auto b = std::make_unique<Bench>();
  GAUNTLET_ASSIGN_OR_RETURN(b->dir, TempDir::Create());
  GAUNTLET_ASSIGN_OR_RETURN(b->pki, pki::TestPki::Create({}));
  GAUNTLET_ASSIGN_OR_RETURN(b->files, b->pki->WriteClientFiles(b->dir->path()));
  b->message_file = b->dir->path() + "/message.eml";
  {
    std::ofstream out(b->message_file, std::ios::binary);
    out << "From: Alice <" << kFrom << ">\r\nTo: Bob <" << kTo
        << ">\r\nSubject: " << kSubject
        << "\r\n\r\nThe numbers are in. Do not forward.\r\n";
  }
  GAUNTLET_ASSIGN_OR_RETURN(
      pki::ServedChain chain,
      b->pki->Chain(pki::CertProfile::kValid, pki::KeyType::kEcdsaP256));
  const std::string updir = b->dir->path() + "/upstream";
  std::filesystem::create_directory(updir);
  AiosmtpdOptions o;
  o.work_dir = updir;
  o.cert_chain_pem = chain.chain_pem;
  o.key_pem = chain.key_pem;
  o.lifetime = std::chrono::seconds(240);
  GAUNTLET_ASSIGN_OR_RETURN(b->upstream, AiosmtpdUpstream::Start(o));
  return b;
}

ProxyConfig Bench::BaseConfig(Attack attack) const {
  ProxyConfig c;
  c.attack = attack;
  c.listen = {"127.0.0.1", 0};
  c.upstream = {"127.0.0.1", upstream->port()};
  c.upstream_name = "localhost";
  c.upstream_ca_file = files->CaFile();
  c.max_sessions = 1;
  c.io_timeout = std::chrono::seconds(15);
  return c;
}

runner::RunResult RunCurl(const Bench& bench, int port,
                          const std::vector<std::string>& tls_args,
                          bool with_auth) {
  runner::RunOptions o;
  o.argv = {"curl", "-sS", "--max-time", "20",
            "--url", absl::StrCat("smtp://127.0.0.1:", port),
            "--mail-from", kFrom, "--mail-rcpt", kTo,
            "--upload-file", bench.message_file};
  if (with_auth) {
    o.argv.push_back("--user");
    o.argv.push_back(absl::StrCat(kUser, ":", kPassword));
  }
  o.argv.insert(o.argv.end(), tls_args.begin(), tls_args.end());
  o.timeout = std::chrono::seconds(30);
  absl::StatusOr<runner::RunResult> r = runner::RunProcess(o);
  if (!r.ok()) {
    runner::RunResult failed;
    failed.exited = true;
    failed.exit_code = 127;
    failed.err.data = std::string(r.status().message());
    return failed;
  }
  return *r;
}

namespace {

// A directory Postfix needs, with the owner and mode that Postfix's own
// installer gives it ($meta_directory/postfix-files).
struct PostfixDir {
  const char* name;
  bool owned_by_mail_owner;  // Else root.
  bool group_postdrop;       // Else the owner's primary group.
  mode_t mode;
};

// The queue directory's subdirectories (postfix-files: $queue_directory/*).
constexpr PostfixDir kQueueDirs[] = {
    {"active", true, false, 0700},   {"bounce", true, false, 0700},
    {"corrupt", true, false, 0700},  {"defer", true, false, 0700},
    {"deferred", true, false, 0700}, {"flush", true, false, 0700},
    {"hold", true, false, 0700},     {"incoming", true, false, 0700},
    {"saved", true, false, 0700},    {"trace", true, false, 0700},
    {"private", true, false, 0700},  {"maildrop", true, true, 0730},
    {"public", true, true, 0710},    {"pid", false, false, 0755},
};

absl::Status MakeDir(const std::string& path, uid_t uid, gid_t gid,
                     mode_t mode) {
  if (mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
    return absl::InternalError(
        absl::StrCat("mkdir ", path, ": ", strerror(errno)));
  }
  // chmod after mkdir: the umask must not narrow the mode.
  if (chown(path.c_str(), uid, gid) != 0 || chmod(path.c_str(), mode) != 0) {
    return absl::InternalError(
        absl::StrCat("chown/chmod ", path, ": ", strerror(errno)));
  }
  return absl::OkStatus();
}

constexpr char kPostconf[] = "/usr/sbin/postconf";

// One parameter of the instance configured in `conf` (postconf(1) -h).
absl::StatusOr<std::string> Postconf(const std::string& conf,
                                     const std::string& name) {
  runner::RunOptions o;
  o.argv = {kPostconf, "-c", conf, "-h", name};
  o.timeout = std::chrono::seconds(30);
  GAUNTLET_ASSIGN_OR_RETURN(runner::RunResult r, runner::RunProcess(o));
  if (!r.succeeded()) {
    return absl::UnavailableError(
        absl::StrCat("postconf ", name, ": ", r.Describe(), ": ", r.err.data));
  }
  return std::string(absl::StripAsciiWhitespace(r.out.data));
}

// Runs a program that starts a daemon and exits once it is up (`master -w`)
// and returns its exit status. Not RunProcess: RunProcess is made for
// clients under test and kills whatever they leave running, which here is
// the point. The starter gets /dev/null as stdin, the test's own stdout and
// stderr, and nothing else; the wait is bounded.
absl::StatusOr<int> RunDaemonStarter(std::vector<std::string> args,
                                     std::chrono::seconds timeout) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  pid_t pid = 0;
  const int rc =
      posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot run ", args[0], ": ", strerror(rc)));
  }
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    pollfd p{pidfd, POLLIN, 0};
    const int ms = static_cast<int>(timeout.count() * 1000);
    while (poll(&p, 1, ms) < 0 && errno == EINTR) {
    }
    close(pidfd);
  }
  // Still running after the bound: it is not starting, kill it.
  if (waitpid(pid, nullptr, WNOHANG) == 0) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status)) {
    return absl::UnavailableError(
        absl::StrCat(args[0], " did not exit within ", timeout.count(),
                     " s, or was killed"));
  }
  return WEXITSTATUS(status);
}

absl::Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

// The whole master.cf of the test instance (master(5)): smtpd on a loopback
// port and only what a message needs from there to the discard transport.
// Nothing is chrooted (the queue directory is a bare temporary directory,
// without the copies of /etc files a chroot needs).
std::string PostfixMasterCf(int port) {
  // clang-format off
  return absl::StrCat(
      "# service type  private unpriv chroot wakeup maxproc command\n",
      "127.0.0.1:", port, " inet n - n - - smtpd\n",
      // smtpd -> cleanup -> incoming queue -> qmgr -> discard.
      "cleanup   unix  n - n - 0 cleanup\n"
      "qmgr      unix  n - n 300 1 qmgr\n"
      // Address rewriting and resolving (smtpd, cleanup, qmgr).
      "rewrite   unix  - - n - - trivial-rewrite\n"
      // Delivery status: what qmgr reports on sent, deferred, bounced mail.
      "bounce    unix  - - n - 0 bounce\n"
      "defer     unix  - - n - 0 bounce\n"
      "trace     unix  - - n - 0 bounce\n"
      "flush     unix  n - n 1000? 0 flush\n"
      // Transports: every message is discarded after acceptance; error and
      // retry are what qmgr falls back to when a transport fails.
      "discard   unix  - - n - - discard\n"
      "error     unix  - - n - - error\n"
      "retry     unix  - - n - - error\n"
      // smtpd's connection counting and its TLS session cache and PRNG.
      "anvil     unix  - - n - 1 anvil\n"
      "tlsmgr    unix  - - n 1000? 1 tlsmgr\n"
      // maillog_file is written by postlogd.
      "postlog   unix-dgram n - n - 1 postlogd\n");
  // clang-format on
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostfixUpstream>> PostfixUpstream::Start(
    const std::string& dir, const std::string& cert_file,
    const std::string& key_file) {
  if (geteuid() != 0) {
    return absl::NotFoundError("Postfix upstream needs root (Postfix master)");
  }
  if (access(kPostconf, X_OK) != 0) {
    return absl::NotFoundError("Postfix is not installed");
  }
  const passwd* pw = getpwnam("postfix");
  if (pw == nullptr) return absl::NotFoundError("no postfix user");
  const uid_t mail_owner_uid = pw->pw_uid;
  const gid_t mail_owner_gid = pw->pw_gid;
  const group* gr = getgrnam("postdrop");
  if (gr == nullptr) return absl::NotFoundError("no postdrop group");
  const gid_t postdrop_gid = gr->gr_gid;

  auto up = std::unique_ptr<PostfixUpstream>(new PostfixUpstream());
  up->conf_ = dir + "/conf";
  up->log_ = dir + "/maillog";
  const std::string queue = dir + "/queue";
  const std::string data = dir + "/data";
  // Postfix's daemons (user postfix) must reach their directories; the
  // private directory stays unreadable to others (traverse only).
  chmod(dir.c_str(), 0711);
  GAUNTLET_RETURN_IF_ERROR(MakeDir(up->conf_, 0, 0, 0755));
  GAUNTLET_RETURN_IF_ERROR(MakeDir(queue, 0, 0, 0755));
  for (const PostfixDir& d : kQueueDirs) {
    GAUNTLET_RETURN_IF_ERROR(
        MakeDir(absl::StrCat(queue, "/", d.name),
                d.owned_by_mail_owner ? mail_owner_uid : 0,
                d.group_postdrop ? postdrop_gid
                                 : (d.owned_by_mail_owner ? mail_owner_gid : 0),
                d.mode));
  }
  GAUNTLET_RETURN_IF_ERROR(MakeDir(data, mail_owner_uid, mail_owner_gid, 0700));
  {
    // A port that was free a moment ago (Postfix cannot take port 0).
    GAUNTLET_ASSIGN_OR_RETURN(Fd probe, ListenTcp("127.0.0.1", 0));
    GAUNTLET_ASSIGN_OR_RETURN(std::uint16_t p, LocalPort(probe.get()));
    up->port_ = p;
  }
  GAUNTLET_RETURN_IF_ERROR(
      WriteFile(up->conf_ + "/master.cf", PostfixMasterCf(up->port_)));
  // Every path the instance uses is its own: meta_directory too, so that not
  // even the package's dynamicmaps.cf under /etc/postfix is read. What is
  // left to compiled-in defaults is the program directories
  // (daemon_directory, command_directory, shlib_directory) and settings
  // that name no file (`postconf -c conf -n` shows exactly these lines and
  // config_directory).
  GAUNTLET_RETURN_IF_ERROR(WriteFile(
      up->conf_ + "/main.cf",
      absl::StrCat("compatibility_level = 3.6\n",         //
                   "meta_directory = ", up->conf_, "\n",  //
                   "queue_directory = ", queue, "\n",     //
                   "data_directory = ", data, "\n",       //
                   "maillog_file = ", up->log_, "\n",     //
                   "maillog_file_prefixes = ", dir, "\n",
                   "mail_owner = postfix\nsetgid_group = postdrop\n"
                   "inet_interfaces = 127.0.0.1\ninet_protocols = ipv4\n"
                   "myhostname = mx.postfix.test\n"
                   "mydestination = example.org\n"
                   "local_recipient_maps =\nalias_maps =\nalias_database =\n"
                   "local_transport = discard:\ndefault_transport = discard:\n"
                   "mynetworks = 127.0.0.0/8\n"
                   "smtpd_relay_restrictions = permit_mynetworks, reject\n",
                   "smtpd_tls_cert_file = ", cert_file, "\n",  //
                   "smtpd_tls_key_file = ", key_file, "\n",
                   "smtpd_tls_security_level = may\n"
                   "smtpd_tls_loglevel = 1\n"
                   "smtpd_tls_received_header = yes\n"
                   "biff = no\n")));
  // Where master(8) is installed, from this instance's own configuration
  // (the compiled-in daemon_directory).
  GAUNTLET_ASSIGN_OR_RETURN(std::string daemon_dir,
                            Postconf(up->conf_, "daemon_directory"));
  // master(8) itself rather than `postfix start`: postfix-script and
  // post-install read the system's /etc/postfix/main.cf (to find
  // multi-instance directories) and $meta_directory/postfix-files, and
  // their checks take seconds; the queue directories they would create are
  // made above. `-w` returns once master is up and listening.
  GAUNTLET_ASSIGN_OR_RETURN(
      const int exit_code,
      RunDaemonStarter({daemon_dir + "/master", "-c", up->conf_, "-w"},
                       std::chrono::seconds(30)));
  if (exit_code != 0) {
    // master reports why it could not start in its log, not on stderr.
    return absl::UnavailableError(absl::StrCat(
        "postfix master exited ", exit_code, "\nmaillog:\n", up->Log()));
  }
  up->running_ = true;
  std::ifstream pid_file(queue + "/pid/master.pid");
  long pid = 0;
  if (pid_file >> pid) up->master_pid_ = static_cast<pid_t>(pid);
  if (up->master_pid_ <= 0) {
    return absl::InternalError("Postfix master wrote no pid file");
  }
  return up;
}

namespace {

// True when every message the instance accepted has left its queue, as its
// log tells: cleanup(8) logs "ID: message-id=<…>" when it takes a message,
// qmgr(8) logs "ID: removed" when the message is gone.
bool EveryAcceptedMessageRemoved(absl::string_view log) {
  absl::flat_hash_set<std::string> accepted, removed;
  for (absl::string_view line : absl::StrSplit(log, '\n')) {
    // "Dec  7 19:53:31 mx postfix/qmgr[8227]: 09C56A72290: removed"
    const size_t daemon_end = line.find("]: ");
    if (daemon_end == absl::string_view::npos) continue;
    absl::string_view rest = line.substr(daemon_end + 3);
    const size_t id_end = rest.find(": ");
    if (id_end == absl::string_view::npos) continue;
    const absl::string_view id = rest.substr(0, id_end);
    const absl::string_view what = rest.substr(id_end + 2);
    if (absl::StartsWith(what, "message-id=")) accepted.insert(std::string(id));
    if (what == "removed") removed.insert(std::string(id));
  }
  for (const std::string& id : accepted) {
    if (!removed.contains(id)) return false;
  }
  return true;
}

// pidfds of every process in a process group (from /proc), so that their
// ends can be waited for although they are not our children.
std::vector<int> OpenGroupPidfds(pid_t pgid) {
  std::vector<int> fds;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    pid_t pid = 0;
    if (!absl::SimpleAtoi(name, &pid) || pid <= 0) continue;
    // Open first, then check the group: the pidfd pins this very process.
    const int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (fd < 0) continue;
    if (getpgid(pid) == pgid) {
      fds.push_back(fd);
    } else {
      close(fd);
    }
  }
  return fds;
}

}  // namespace

void PostfixUpstream::WaitUntilQueueSettled(absl::Duration timeout) const {
  // The log grows as Postfix works: wake on every change of the instance's
  // directory (maillog is created there, then appended to).
  const int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (in < 0) return;
  const std::string dir = std::filesystem::path(log_).parent_path().string();
  inotify_add_watch(in, dir.c_str(), IN_CREATE | IN_MODIFY);
  const absl::Time deadline = absl::Now() + timeout;
  while (!EveryAcceptedMessageRemoved(Log())) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) break;
    pollfd p{in, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1) <=
        0) {
      break;
    }
    char events[4096];
    while (read(in, events, sizeof(events)) > 0) {
    }
  }
  close(in);
}

PostfixUpstream::~PostfixUpstream() {
  if (!running_ || master_pid_ <= 0) return;
  WaitUntilQueueSettled(absl::Seconds(10));
  // What `postfix stop` does: SIGTERM to master, which terminates its
  // daemons (master(8), SIGNALS). master leads its own process group, so
  // its daemons are that group; wait (bounded) until every one is gone so
  // that nothing of the instance outlives it and its directories can be
  // removed.
  const std::vector<int> pidfds = OpenGroupPidfds(master_pid_);
  kill(master_pid_, SIGTERM);
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  for (int fd : pidfds) {
    const absl::Duration left = deadline - absl::Now();
    pollfd p{fd, POLLIN, 0};
    poll(&p, 1,
         static_cast<int>(
             absl::ToInt64Milliseconds(std::max(left, absl::ZeroDuration()))));
    close(fd);
  }
}

std::string PostfixUpstream::Log() const {
  std::ifstream in(log_, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string WireBytes(const fake::ConnectionTranscript& leg,
                      fake::Direction direction) {
  std::string out;
  for (const fake::WireChunk& c : leg.wire) {
    if (c.direction == direction) out += c.bytes;
  }
  return out;
}

std::string WireBytes(const fake::ConnectionTranscript& leg,
                      fake::Direction direction, fake::Channel channel) {
  std::string out;
  for (const fake::WireChunk& c : leg.wire) {
    if (c.direction == direction && c.channel == channel) out += c.bytes;
  }
  return out;
}

}  // namespace gauntlet::proxy::testing
