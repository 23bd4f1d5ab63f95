#include "harness/proxy/aiosmtpd_upstream.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/bounded_file.h"
#include "common/status_macros.h"
#include "harness/runner/process.h"
#include "nlohmann/json.hpp"

extern char** environ;

namespace gauntlet::proxy {
namespace {

absl::Status WriteFile(const std::string& path, absl::string_view contents,
                       mode_t mode) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                      mode);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
  }
  std::size_t done = 0;
  while (done < contents.size()) {
    const ssize_t n = write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close(fd);
      return absl::InternalError(
          absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
    }
    done += static_cast<std::size_t>(n);
  }
  close(fd);
  return absl::OkStatus();
}

// Waits for the child to exit, at most `timeout`; true when reaped.
bool WaitExit(pid_t pid, std::chrono::milliseconds timeout) {
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    pollfd p{pidfd, POLLIN, 0};
    int rc;
    do {
      rc = poll(&p, 1, static_cast<int>(timeout.count()));
    } while (rc < 0 && errno == EINTR);
    close(pidfd);
  }
  int status = 0;
  return waitpid(pid, &status, pidfd >= 0 ? WNOHANG : 0) == pid;
}

// The server's log and record file are written by the script into the
// caller's private directory; they are still read with bounds.
constexpr std::size_t kMaxLogBytes = 4 << 20;
constexpr std::size_t kMaxRecordBytes = 64 << 20;

std::string LastLines(const std::string& path, std::size_t max_bytes) {
  absl::StatusOr<std::string> log =
      files::ReadRegularFile(path, kMaxLogBytes, "upstream log");
  if (!log.ok()) return std::string(log.status().message());
  std::string s = std::move(*log);
  if (s.size() > max_bytes) s = s.substr(s.size() - max_bytes);
  return s;
}

}  // namespace

absl::StatusOr<std::string> FindAiosmtpdPython() {
  for (const char* candidate : {"/usr/bin/python3", "python3"}) {
    if (candidate[0] == '/' && access(candidate, X_OK) != 0) continue;
    runner::RunOptions o;
    o.argv = {candidate, "-c", "import aiosmtpd.smtp"};
    o.timeout = std::chrono::seconds(20);
    absl::StatusOr<runner::RunResult> r = runner::RunProcess(o);
    if (r.ok() && r->succeeded()) return std::string(candidate);
  }
  return absl::NotFoundError(
      "no python3 with the aiosmtpd module: install Debian's python3-aiosmtpd "
      "(sudo apt-get install python3-aiosmtpd, or scripts/install-deps.sh)");
}

absl::StatusOr<std::unique_ptr<AiosmtpdUpstream>> AiosmtpdUpstream::Start(
    AiosmtpdOptions options) {
  if (options.work_dir.empty()) {
    return absl::InvalidArgumentError("AiosmtpdUpstream: no work_dir");
  }
  if (options.python.empty()) {
    GAUNTLET_ASSIGN_OR_RETURN(options.python, FindAiosmtpdPython());
  }
  const std::string dir = options.work_dir;
  const std::string script = dir + "/aiosmtpd_upstream.py";
  const std::string cert = dir + "/upstream-chain.pem";
  const std::string key = dir + "/upstream-key.pem";
  GAUNTLET_RETURN_IF_ERROR(WriteFile(script, AiosmtpdScript(), 0600));
  GAUNTLET_RETURN_IF_ERROR(WriteFile(cert, options.cert_chain_pem, 0600));
  GAUNTLET_RETURN_IF_ERROR(WriteFile(key, options.key_pem, 0600));

  auto up = std::unique_ptr<AiosmtpdUpstream>(new AiosmtpdUpstream());
  up->record_file_ = dir + "/upstream-messages.jsonl";
  up->log_file_ = dir + "/upstream.log";
  GAUNTLET_RETURN_IF_ERROR(WriteFile(up->record_file_, "", 0600));

  std::vector<std::string> args = {
      options.python, "-u", script, "--cert", cert, "--key", key,
      "--record", up->record_file_, "--lifetime",
      std::to_string(options.lifetime.count())};
  if (options.require_starttls) args.push_back("--require-starttls");
  if (options.auth_in_plaintext) args.push_back("--auth-in-plaintext");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int in_pipe[2];
  int out_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    close(in_pipe[0]);
    close(in_pipe[1]);
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, up->log_file_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  // Nothing of ours above stderr: not the proxy's sockets, not what the
  // process inherited without close-on-exec (glibc 2.34).
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty;
  sigemptyset(&empty);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
                                      POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &fa, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(in_pipe[0]);
  close(out_pipe[1]);
  if (rc != 0) {
    close(in_pipe[1]);
    close(out_pipe[0]);
    return absl::UnavailableError(absl::StrCat(
        "cannot run ", options.python, ": ", std::strerror(rc)));
  }
  up->pid_ = pid;
  up->stdin_fd_ = in_pipe[1];

  // "READY <port>\n" on stdout, within the ready timeout.
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + options.ready_timeout;
  bool eof = false;
  while (out.find('\n') == std::string::npos && !eof) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{out_pipe[0], POLLIN, 0};
    const int n = poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    char buf[256];
    const ssize_t got = read(out_pipe[0], buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      eof = true;
    } else {
      out.append(buf, static_cast<std::size_t>(got));
      if (out.size() > 4096) break;
    }
  }
  close(out_pipe[0]);
  const std::string first = out.substr(0, out.find('\n'));
  std::uint32_t port = 0;
  if (first.rfind("READY ", 0) != 0 ||
      !absl::SimpleAtoi(absl::string_view(first).substr(6), &port) ||
      port == 0 || port > 65535) {
    up->Stop();
    return absl::UnavailableError(absl::StrCat(
        "the aiosmtpd upstream did not start (", eof ? "it exited" : "timed out",
        "); its log ends with: ", LastLines(up->log_file_, 800)));
  }
  up->port_ = static_cast<std::uint16_t>(port);
  return up;
}

AiosmtpdUpstream::~AiosmtpdUpstream() { Stop(); }

void AiosmtpdUpstream::Stop() {
  if (stdin_fd_ >= 0) {
    close(stdin_fd_);  // The script exits on stdin EOF.
    stdin_fd_ = -1;
  }
  if (pid_ <= 0) return;
  if (!WaitExit(pid_, std::chrono::milliseconds(3000))) {
    kill(-pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  } else {
    kill(-pid_, SIGKILL);  // Anything it left in its group.
  }
  pid_ = -1;
}

absl::StatusOr<std::vector<UpstreamMessage>> AiosmtpdUpstream::Messages()
    const {
  GAUNTLET_ASSIGN_OR_RETURN(
      const std::string records,
      files::ReadRegularFile(record_file_, kMaxRecordBytes,
                             "upstream record file"));
  std::vector<UpstreamMessage> out;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(records, '\n')) {
    if (out.size() >= 10'000) break;
    ++line_no;
    if (line.empty()) continue;
    const nlohmann::json j = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat(record_file_, ":", line_no, ": not a JSON object"));
    }
    UpstreamMessage m;
    auto str = [&](const char* k) -> std::string {
      auto it = j.find(k);
      return it != j.end() && it->is_string() ? it->get<std::string>() : "";
    };
    m.mail_from = str("mail_from");
    m.login = str("login");
    m.subject = str("subject");
    m.tls_version = str("tls_version");
    if (auto it = j.find("tls"); it != j.end() && it->is_boolean()) {
      m.tls = it->get<bool>();
    }
    if (auto it = j.find("size"); it != j.end() && it->is_number_unsigned()) {
      m.size = it->get<std::uint64_t>();
    }
    if (auto it = j.find("rcpt_tos"); it != j.end() && it->is_array()) {
      for (const auto& r : *it) {
        if (r.is_string()) m.rcpt_tos.push_back(r.get<std::string>());
      }
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace gauntlet::proxy
