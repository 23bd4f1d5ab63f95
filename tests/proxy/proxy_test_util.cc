#include "tests/proxy/proxy_test_util.h"

#include <stdlib.h>

#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <filesystem>
#include <sstream>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "fake_servers/proxy/socket_io.h"
#include "harness/common/status_macros.h"

extern char** environ;

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

// `postfix start` leaves master running as a daemon, which RunProcess --
// made for clients under test, whose leftovers it kills -- would not let
// live: a plain posix_spawn (its output goes to the test's) and a bounded
// wait.
absl::Status RunPostfix(const std::string& conf, const std::string& verb) {
  std::vector<std::string> args = {"/usr/sbin/postfix", "-c", conf, verb};
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
        absl::StrCat("postfix ", verb, ": ", std::strerror(rc)));
  }
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    pollfd p{pidfd, POLLIN, 0};
    if (poll(&p, 1, 30'000) <= 0) kill(pid, SIGKILL);
    close(pidfd);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::UnavailableError(
        absl::StrCat("postfix ", verb, " failed (wait status ", status, ")"));
  }
  return absl::OkStatus();
}

// Debian's master.cf with no chroot (the queue directory is a bare temp
// directory) and smtpd on 127.0.0.1:port instead of *:25.
absl::StatusOr<std::string> MasterCf(int port) {
  std::ifstream in("/etc/postfix/master.cf");
  if (!in) return absl::NotFoundError("no /etc/postfix/master.cf");
  std::string out, line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#' && line[0] != ' ' && line[0] != '\t') {
      std::vector<std::string> f =
          absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
      if (f.size() >= 8) {
        f[4] = "n";
        if (f[0] == "smtp" && f[1] == "inet") {
          f[0] = absl::StrCat("127.0.0.1:", port);
        }
        line = absl::StrJoin(f, " ");
      }
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostfixUpstream>> PostfixUpstream::Start(
    const std::string& dir, const std::string& cert_file,
    const std::string& key_file) {
  if (geteuid() != 0) {
    return absl::NotFoundError("Postfix upstream needs root (postfix start)");
  }
  if (access("/usr/sbin/postfix", X_OK) != 0) {
    return absl::NotFoundError("Postfix is not installed");
  }
  const passwd* pw = getpwnam("postfix");
  if (pw == nullptr) return absl::NotFoundError("no postfix user");
  auto up = std::unique_ptr<PostfixUpstream>(new PostfixUpstream());
  up->conf_ = dir + "/conf";
  up->log_ = dir + "/maillog";
  const std::string queue = dir + "/queue";
  const std::string data = dir + "/data";
  std::filesystem::create_directories(up->conf_);
  std::filesystem::create_directories(queue);
  std::filesystem::create_directories(data);
  // Postfix's daemons (user postfix) must reach their directories; the
  // private directory stays unreadable to others (traverse only).
  chmod(dir.c_str(), 0711);
  if (chown(data.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
    return absl::InternalError("cannot chown the Postfix data directory");
  }
  {
    // A port that was free a moment ago (Postfix cannot take port 0).
    GAUNTLET_ASSIGN_OR_RETURN(Fd probe, ListenTcp("127.0.0.1", 0));
    GAUNTLET_ASSIGN_OR_RETURN(std::uint16_t p, LocalPort(probe.get()));
    up->port_ = p;
  }
  GAUNTLET_ASSIGN_OR_RETURN(std::string master, MasterCf(up->port_));
  std::ofstream(up->conf_ + "/master.cf") << master;
  std::ofstream(up->conf_ + "/main.cf")
      << "compatibility_level = 3.6\n"
      << "queue_directory = " << queue << "\n"
      << "data_directory = " << data << "\n"
      << "maillog_file = " << up->log_ << "\n"
      << "maillog_file_prefixes = " << dir << "\n"
      << "mail_owner = postfix\nsetgid_group = postdrop\n"
      << "inet_interfaces = 127.0.0.1\ninet_protocols = ipv4\n"
      << "myhostname = mx.postfix.test\n"
      << "mydestination = example.org\n"
      << "local_recipient_maps =\nalias_maps =\nalias_database =\n"
      << "local_transport = discard:\ndefault_transport = discard:\n"
      << "mynetworks = 127.0.0.0/8\n"
      << "smtpd_relay_restrictions = permit_mynetworks, reject\n"
      << "smtpd_tls_cert_file = " << cert_file << "\n"
      << "smtpd_tls_key_file = " << key_file << "\n"
      << "smtpd_tls_security_level = may\n"
      << "smtpd_tls_loglevel = 1\n"
      << "smtpd_tls_received_header = yes\n"
      << "biff = no\n";
  std::error_code ec;  // Absent on some installs: then not needed.
  std::filesystem::copy_file("/etc/postfix/dynamicmaps.cf",
                             up->conf_ + "/dynamicmaps.cf", ec);
  // `postfix start` returns once master is up (master -w).
  GAUNTLET_RETURN_IF_ERROR(RunPostfix(up->conf_, "start"));
  up->running_ = true;
  std::ifstream pid_file(queue + "/pid/master.pid");
  long pid = 0;
  if (pid_file >> pid) up->master_pid_ = static_cast<pid_t>(pid);
  return up;
}

PostfixUpstream::~PostfixUpstream() {
  if (!running_) return;
  (void)RunPostfix(conf_, "stop");
  // `postfix stop` only signals master: wait (bounded) until it is gone so
  // that its directories can be removed.
  if (master_pid_ > 0) {
    const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, master_pid_, 0));
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      poll(&p, 1, 10'000);
      close(pidfd);
    }
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
