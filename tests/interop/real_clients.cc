#include "tests/interop/real_clients.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"

namespace gauntlet::interop {
namespace {

absl::Status Errno(std::string_view what, const std::string& path) {
  return absl::InternalError(absl::StrCat(std::string(what), " ", path, ": ",
                                          std::strerror(errno)));
}

absl::Status WriteFile(const std::string& path, std::string_view bytes) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("cannot create", path);
  std::string_view left = bytes;
  while (!left.empty()) {
    const ssize_t n = ::write(fd, left.data(), left.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      absl::Status s = Errno("cannot write", path);
      ::close(fd);
      return s;
    }
    left.remove_prefix(static_cast<std::size_t>(n));
  }
  ::close(fd);
  return absl::OkStatus();
}

// The SMTP session after STARTTLS, for the clients that only do the
// STARTTLS dance themselves.
std::string SessionScript(std::string_view subject) {
  const std::string plain =
      absl::StrCat(std::string(1, '\0'), kUser, std::string(1, '\0'), kPassword);
  return absl::StrCat("EHLO client.example.test\r\n", "AUTH PLAIN ",
                      absl::Base64Escape(plain), "\r\n",
                      "MAIL FROM:<a@example.test>\r\n",
                      "RCPT TO:<b@example.test>\r\n", "DATA\r\n",
                      TestMessage(subject), ".\r\n", "QUIT\r\n");
}

// Sends the message with smtplib, verifying the server like any careful
// script would. Arguments: port, CA file, message file, versions.
constexpr char kPythonScript[] = R"py(
import smtplib, ssl, sys
port, cafile, msgfile, versions = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(cafile=cafile)
if versions == "tls13":
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
elif versions == "tls12":
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
with open(msgfile, "rb") as f:
    msg = f.read()
with smtplib.SMTP("localhost", port, timeout=10) as s:
    s.starttls(context=ctx)
    s.login("u", "p")
    s.sendmail("a@example.test", ["b@example.test"], msg)
)py";

std::string VersionsArg(fake::TlsVersions v) {
  switch (v) {
    case fake::TlsVersions::kTls13Only: return "tls13";
    case fake::TlsVersions::kTls12Only: return "tls12";
    default: return "default";
  }
}

// Runs `options` with stdin read from a FIFO holding `input`. The write end
// stays open (O_RDWR, close-on-exec so the child does not inherit it) until
// the child is gone, so the child never sees EOF on stdin.
absl::StatusOr<runner::RunResult> RunWithStdin(runner::RunOptions options,
                                               const std::string& work_dir,
                                               std::string_view input) {
  const std::string fifo = work_dir + "/stdin.fifo";
  if (::mkfifo(fifo.c_str(), 0600) != 0) return Errno("cannot mkfifo", fifo);
  // O_RDWR on a FIFO never blocks on Linux, even without a reader yet.
  const int fd = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", fifo);
  // The script is far smaller than the FIFO's 64 KiB buffer.
  std::string_view left = input;
  while (!left.empty()) {
    const ssize_t n = ::write(fd, left.data(), left.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      absl::Status s = Errno("cannot write", fifo);
      ::close(fd);
      return s;
    }
    left.remove_prefix(static_cast<std::size_t>(n));
  }
  // RunProcess gives children /dev/null as stdin; a shell redirects it.
  std::vector<std::string> argv = {"/bin/sh", "-c",
                                   "exec \"$@\" < \"$GAUNTLET_STDIN\"", "sh"};
  argv.insert(argv.end(), options.argv.begin(), options.argv.end());
  options.argv = std::move(argv);
  options.env.emplace_back("GAUNTLET_STDIN", fifo);
  absl::StatusOr<runner::RunResult> result = runner::RunProcess(options);
  ::close(fd);
  return result;
}

}  // namespace

std::string RealClientName(RealClient client) {
  switch (client) {
    case RealClient::kCurl: return "curl";
    case RealClient::kPython: return "python_smtplib";
    case RealClient::kOpenssl: return "openssl_s_client";
    case RealClient::kGnutls: return "gnutls_cli";
  }
  return "unknown";
}

std::string RealClientProgram(RealClient client) {
  switch (client) {
    case RealClient::kCurl: return "curl";
    case RealClient::kPython: return "python3";
    case RealClient::kOpenssl: return "openssl";
    case RealClient::kGnutls: return "gnutls-cli";
  }
  return "";
}

bool RealClientInstalled(RealClient client) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  const std::vector<std::string> dirs = absl::StrSplit(path, ':');
  for (const std::string& dir : dirs) {
    if (dir.empty()) continue;
    const std::string candidate =
        absl::StrCat(dir, "/", RealClientProgram(client));
    if (::access(candidate.c_str(), X_OK) == 0) return true;
  }
  return false;
}

absl::StatusOr<std::unique_ptr<PrivateDir>> PrivateDir::Create() {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp",
                                  "/gauntlet-interop-XXXXXX");
  // mkdtemp creates the directory with mode 0700.
  if (::mkdtemp(tmpl.data()) == nullptr) return Errno("cannot mkdtemp", tmpl);
  return std::unique_ptr<PrivateDir>(new PrivateDir(tmpl));
}

PrivateDir::~PrivateDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TestMessage(std::string_view subject) {
  return absl::StrCat("From: <a@example.test>\r\n", "To: <b@example.test>\r\n",
                      "Subject: ", std::string(subject), "\r\n", "\r\n",
                      "A message delivered by a real client.\r\n");
}

absl::StatusOr<runner::RunResult> RunRealClient(const ClientRunSpec& spec) {
  const std::string port = absl::StrCat(spec.port);
  const std::string msg_file = spec.work_dir + "/message.eml";
  GAUNTLET_RETURN_IF_ERROR(WriteFile(msg_file, TestMessage(spec.subject)));

  runner::RunOptions options;
  options.timeout = spec.timeout;
  switch (spec.client) {
    case RealClient::kCurl: {
      options.argv = {"curl", "-sS", "--ssl-reqd", "--cacert", spec.ca_file,
                      "--resolve", absl::StrCat("localhost:", port, ":127.0.0.1"),
                      absl::StrCat("smtp://localhost:", port),
                      "--mail-from", "a@example.test",
                      "--mail-rcpt", "b@example.test",
                      "--upload-file", msg_file,
                      "--user", absl::StrCat(kUser, ":", kPassword),
                      "--max-time", "10"};
      if (spec.versions == fake::TlsVersions::kTls13Only) {
        options.argv.push_back("--tlsv1.3");
      } else if (spec.versions == fake::TlsVersions::kTls12Only) {
        options.argv.insert(options.argv.end(),
                            {"--tlsv1.2", "--tls-max", "1.2"});
      }
      return runner::RunProcess(options);
    }
    case RealClient::kPython:
      options.argv = {"python3", "-c", kPythonScript, port, spec.ca_file,
                      msg_file, VersionsArg(spec.versions)};
      return runner::RunProcess(options);
    case RealClient::kOpenssl:
      options.argv = {"openssl", "s_client", "-starttls", "smtp",
                      "-connect", absl::StrCat("127.0.0.1:", port),
                      "-servername", "localhost",
                      "-verify_hostname", "localhost",
                      "-verify_return_error", "-CAfile", spec.ca_file,
                      // Script lines start with R and Q: no command letters,
                      // and keep reading after our stdin has been sent.
                      "-nocommands", "-ign_eof"};
      if (spec.versions == fake::TlsVersions::kTls13Only) {
        options.argv.push_back("-tls1_3");
      } else if (spec.versions == fake::TlsVersions::kTls12Only) {
        options.argv.push_back("-tls1_2");
      }
      return RunWithStdin(options, spec.work_dir, SessionScript(spec.subject));
    case RealClient::kGnutls: {
      options.argv = {"gnutls-cli", "--starttls-proto=smtp", "--x509cafile",
                      spec.ca_file, "-p", port, "localhost"};
      if (spec.versions == fake::TlsVersions::kTls13Only) {
        options.argv.push_back("--priority=NORMAL:-VERS-ALL:+VERS-TLS1.3");
      } else if (spec.versions == fake::TlsVersions::kTls12Only) {
        options.argv.push_back("--priority=NORMAL:-VERS-ALL:+VERS-TLS1.2");
      }
      return RunWithStdin(options, spec.work_dir, SessionScript(spec.subject));
    }
  }
  return absl::InvalidArgumentError("unknown client");
}

}  // namespace gauntlet::interop
