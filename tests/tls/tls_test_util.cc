#include "tests/tls/tls_test_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"

namespace gauntlet::tls::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxCapturedOutput = 1 << 20;

int RemainingMs(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

std::string UtcStamp(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%d%H%M%SZ", &tm);
  return buf;
}

absl::Status WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

absl::Status SendAll(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n =
        ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError(absl::StrCat("send: ", strerror(errno)));
    }
    sent += static_cast<std::size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = absl::StrCat(base != nullptr && *base ? base : "/tmp",
                                  "/gauntlet-tls-XXXXXX");
  if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

absl::StatusOr<std::unique_ptr<Subprocess>> Subprocess::Start(
    const std::vector<std::string>& argv) {
  if (argv.empty()) return absl::InvalidArgumentError("empty argv");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe2: ", strerror(errno)));
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // Also here, so the group exists before any kill.
  ::close(fds[1]);
  ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  auto p = std::unique_ptr<Subprocess>(new Subprocess());
  p->pid_ = pid;
  p->out_fd_ = fds[0];
  return p;
}

Subprocess::~Subprocess() {
  Kill();
  if (out_fd_ >= 0) ::close(out_fd_);
}

void Subprocess::Drain(int timeout_ms) {
  if (out_fd_ < 0) return;
  pollfd p{out_fd_, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(out_fd_, buf, sizeof(buf));
    if (n > 0) {
      if (output_.size() < kMaxCapturedOutput) {
        output_.append(buf, static_cast<std::size_t>(n));
      }
      continue;
    }
    if (n == 0) {
      ::close(out_fd_);
      out_fd_ = -1;
    }
    return;
  }
}

absl::StatusOr<int> Subprocess::Wait(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!reaped_) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status)
                                     : 128 + WTERMSIG(status);
      break;
    }
    if (Clock::now() >= deadline) {
      Kill();
      return absl::DeadlineExceededError(absl::StrFormat(
          "child %d did not exit within %d ms", pid_, timeout.count()));
    }
    Drain(std::min(50, std::max(1, RemainingMs(deadline))));
  }
  // Collect what is left in the pipe (grandchildren are gone with the group).
  ::kill(-pid_, SIGKILL);
  while (out_fd_ >= 0) Drain(100);
  return exit_code_;
}

void Subprocess::Kill() {
  if (pid_ <= 0 || reaped_) return;
  ::kill(-pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
  exit_code_ = 128 + SIGKILL;
}

absl::StatusOr<std::string> RunCommand(const std::vector<std::string>& argv,
                                       std::chrono::seconds timeout) {
  GAUNTLET_ASSIGN_OR_RETURN(std::unique_ptr<Subprocess> p,
                            Subprocess::Start(argv));
  GAUNTLET_ASSIGN_OR_RETURN(int code, p->Wait(timeout));
  if (code != 0) {
    return absl::InternalError(absl::StrFormat(
        "command failed (exit %d): %s\n%s", code, absl::StrJoin(argv, " "),
        p->output()));
  }
  return p->output();
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

absl::StatusOr<std::unique_ptr<TestPki>> TestPki::Create() {
  auto pki = std::unique_ptr<TestPki>(new TestPki());
  if (pki->dir_.path().empty()) return absl::InternalError("mkdtemp failed");
  GAUNTLET_RETURN_IF_ERROR(pki->MakeCa("known", false));
  GAUNTLET_RETURN_IF_ERROR(pki->MakeCa("unknown", true));
  GAUNTLET_ASSIGN_OR_RETURN(pki->root_pem_,
                            ReadFile(pki->dir_.path() + "/known/root.pem"));
  return pki;
}

std::string TestPki::root_file() const { return dir_.path() + "/known/root.pem"; }

absl::Status TestPki::MakeCa(const std::string& name, bool /*unknown*/) {
  const std::string d = dir_.path() + "/" + name;
  std::filesystem::create_directories(d);
  GAUNTLET_RETURN_IF_ERROR(WriteFile(
      d + "/int_ext.cnf",
      "basicConstraints=critical,CA:TRUE,pathlen:0\n"
      "keyUsage=critical,keyCertSign,cRLSign\n"
      "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"));
  GAUNTLET_RETURN_IF_ERROR(WriteFile(
      d + "/ca.cnf",
      absl::StrCat("[ca]\ndefault_ca=d\n[d]\ndatabase=", d,
                   "/index.txt\nnew_certs_dir=", d, "\nserial=", d,
                   "/serial\ndefault_md=sha256\npolicy=p\n"
                   "unique_subject=no\n[p]\ncommonName=supplied\n")));
  GAUNTLET_RETURN_IF_ERROR(WriteFile(d + "/index.txt", ""));
  GAUNTLET_RETURN_IF_ERROR(WriteFile(d + "/serial", "1000\n"));
  GAUNTLET_RETURN_IF_ERROR(
      RunCommand({"openssl", "req", "-x509", "-new", "-newkey", "ec",
                  "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                  d + "/root.key", "-out", d + "/root.pem", "-subj",
                  "/CN=Gauntlet TLS Test Root " + name, "-days", "3650",
                  "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                  "keyUsage=critical,keyCertSign,cRLSign"})
          .status());
  GAUNTLET_RETURN_IF_ERROR(
      RunCommand({"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                  "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                  d + "/int.key", "-out", d + "/int.csr", "-subj",
                  "/CN=Gauntlet TLS Test Intermediate " + name})
          .status());
  GAUNTLET_RETURN_IF_ERROR(
      RunCommand({"openssl", "x509", "-req", "-in", d + "/int.csr", "-CA",
                  d + "/root.pem", "-CAkey", d + "/root.key", "-set_serial",
                  "7", "-days", "3650", "-sha256", "-extfile",
                  d + "/int_ext.cnf", "-out", d + "/int.pem"})
          .status());
  return absl::OkStatus();
}

absl::StatusOr<Identity> TestPki::Issue(const LeafSpec& spec) {
  const std::string d =
      dir_.path() + (spec.from_unknown_root ? "/unknown" : "/known");
  const std::string stem = absl::StrFormat("%s/leaf%d", d, ++serial_);
  const std::time_t now = std::time(nullptr);
  const std::string not_before =
      spec.not_before.empty() ? UtcStamp(now - 86400) : spec.not_before;
  const std::string not_after =
      spec.not_after.empty() ? UtcStamp(now + 30 * 86400) : spec.not_after;
  GAUNTLET_RETURN_IF_ERROR(WriteFile(
      stem + "_ext.cnf",
      absl::StrCat("basicConstraints=CA:FALSE\n"
                   "keyUsage=critical,digitalSignature,keyEncipherment\n"
                   "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:",
                   spec.dns_name, "\n")));
  if (spec.key == TestKey::kEcdsaP256) {
    GAUNTLET_RETURN_IF_ERROR(
        RunCommand({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-out", stem + ".key"})
            .status());
  } else {
    GAUNTLET_RETURN_IF_ERROR(
        RunCommand({"openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                    "rsa_keygen_bits:2048", "-out", stem + ".key"})
            .status());
  }
  GAUNTLET_RETURN_IF_ERROR(
      RunCommand({"openssl", "req", "-new", "-key", stem + ".key", "-subj",
                  "/CN=" + spec.dns_name, "-out", stem + ".csr"})
          .status());
  GAUNTLET_RETURN_IF_ERROR(
      RunCommand({"openssl", "ca", "-batch", "-config", d + "/ca.cnf",
                  "-cert", d + "/int.pem", "-keyfile", d + "/int.key", "-in",
                  stem + ".csr", "-out", stem + ".pem", "-startdate",
                  not_before, "-enddate", not_after, "-extfile",
                  stem + "_ext.cnf", "-notext"})
          .status());
  Identity id;
  GAUNTLET_ASSIGN_OR_RETURN(std::string leaf, ReadFile(stem + ".pem"));
  GAUNTLET_ASSIGN_OR_RETURN(std::string inter, ReadFile(d + "/int.pem"));
  GAUNTLET_ASSIGN_OR_RETURN(id.key_pem, ReadFile(stem + ".key"));
  id.chain_pem = leaf + inter;
  return id;
}

absl::Status Transfer(TlsSession& from, TlsSession& to) {
  const std::string bytes = from.TakeCiphertextToSend();
  if (bytes.empty()) return absl::OkStatus();
  return to.FeedCiphertext(bytes);
}

PumpResult PumpHandshake(TlsSession& client, TlsSession& server) {
  absl::StatusOr<HandshakeProgress> c = HandshakeProgress::kNeedMoreData;
  absl::StatusOr<HandshakeProgress> s = HandshakeProgress::kNeedMoreData;
  const auto pending = [](const absl::StatusOr<HandshakeProgress>& p) {
    return p.ok() && *p == HandshakeProgress::kNeedMoreData;
  };
  for (int round = 0; round < 32; ++round) {
    if (pending(c)) c = client.Handshake();
    const std::string to_server = client.TakeCiphertextToSend();
    if (!to_server.empty()) (void)server.FeedCiphertext(to_server);
    if (pending(s)) s = server.Handshake();
    const std::string to_client = server.TakeCiphertextToSend();
    if (!to_client.empty()) (void)client.FeedCiphertext(to_client);
    if (!pending(c) && !pending(s)) break;
    // Nothing moved and nobody can progress: one side is stuck waiting.
    if (to_server.empty() && to_client.empty() && round > 0) {
      if (pending(c)) c = client.Handshake();
      if (pending(s)) s = server.Handshake();
      break;
    }
  }
  PumpResult r;
  r.client = c.ok() ? (*c == HandshakeProgress::kComplete
                           ? absl::OkStatus()
                           : absl::UnavailableError("client still handshaking"))
                    : c.status();
  r.server = s.ok() ? (*s == HandshakeProgress::kComplete
                           ? absl::OkStatus()
                           : absl::UnavailableError("server still handshaking"))
                    : s.status();
  return r;
}

absl::StatusOr<TlsContext> ServerContext(const Identity& id,
                                         TlsContextConfig base) {
  base.role = Role::kServer;
  base.cert_chain_pem = id.chain_pem;
  base.private_key_pem = id.key_pem;
  return TlsContext::Create(base);
}

absl::StatusOr<TlsContext> ClientContext(const std::string& ca_pem,
                                         TlsContextConfig base) {
  base.role = Role::kClient;
  base.ca_pem = ca_pem;
  return TlsContext::Create(base);
}

absl::StatusOr<Listener> Listener::Open() {
  Listener l;
  l.fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (l.fd_ < 0) return absl::InternalError("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(l.fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(l.fd_, 4) != 0) {
    return absl::InternalError(absl::StrCat("bind/listen: ", strerror(errno)));
  }
  socklen_t len = sizeof(addr);
  ::getsockname(l.fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  l.port_ = ntohs(addr.sin_port);
  return l;
}

Listener::Listener(Listener&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), port_(other.port_) {}

Listener::~Listener() {
  if (fd_ >= 0) ::close(fd_);
}

absl::StatusOr<int> Listener::Accept(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) {
    return absl::DeadlineExceededError("no connection within the timeout");
  }
  const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return absl::InternalError(absl::StrCat("accept: ", strerror(errno)));
  return fd;
}

std::string ReadUntil(int fd, std::chrono::milliseconds timeout,
                      const std::function<bool(const std::string&)>& done) {
  const auto deadline = Clock::now() + timeout;
  std::string bytes;
  while (!done(bytes) && bytes.size() < kMaxCapturedOutput) {
    pollfd p{fd, POLLIN, 0};
    const int remaining = RemainingMs(deadline);
    if (remaining == 0 || ::poll(&p, 1, remaining) <= 0) break;
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    bytes.append(buf, static_cast<std::size_t>(n));
  }
  return bytes;
}

absl::Status ServeOverSocket(TlsSession& server, int fd,
                             const std::string& message,
                             std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    absl::StatusOr<HandshakeProgress> p = server.Handshake();
    GAUNTLET_RETURN_IF_ERROR(SendAll(fd, server.TakeCiphertextToSend()));
    if (!p.ok()) return p.status();
    if (*p == HandshakeProgress::kComplete) break;
    pollfd pfd{fd, POLLIN, 0};
    const int remaining = RemainingMs(deadline);
    if (remaining == 0 || ::poll(&pfd, 1, remaining) <= 0) {
      return absl::DeadlineExceededError("handshake over socket timed out");
    }
    char buf[16384];
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n < 0) return absl::UnavailableError(strerror(errno));
    if (n == 0) {
      server.FeedEndOfStream();
    } else {
      GAUNTLET_RETURN_IF_ERROR(
          server.FeedCiphertext(std::string_view(buf, static_cast<std::size_t>(n))));
    }
  }
  if (!message.empty()) GAUNTLET_RETURN_IF_ERROR(server.WritePlaintext(message));
  GAUNTLET_RETURN_IF_ERROR(server.Shutdown());
  GAUNTLET_RETURN_IF_ERROR(SendAll(fd, server.TakeCiphertextToSend()));
  return absl::OkStatus();
}

}  // namespace gauntlet::tls::testing
