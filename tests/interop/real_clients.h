// Real SMTP clients (curl, python3 smtplib, openssl s_client, gnutls-cli)
// run as child processes against a fake server on loopback, for the
// interoperability tests.
//
// Each client is told to do the same thing: connect to localhost:PORT, issue
// STARTTLS, verify the server's certificate against the test PKI's root and
// the name "localhost", authenticate as u/p, send one message from
// a@example.test to b@example.test, and quit. curl and smtplib speak SMTP
// themselves; s_client and gnutls-cli only do the STARTTLS dance, so the
// rest of the session is written to their stdin as a script. That stdin is
// a FIFO the test keeps open until the client exits: a client that saw EOF
// on stdin could hang up before the server's replies arrived.
//
// Children run through runner::RunProcess: own process group, timeout,
// capped output, reaped.

#ifndef GAUNTLET_TESTS_INTEROP_REAL_CLIENTS_H_
#define GAUNTLET_TESTS_INTEROP_REAL_CLIENTS_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "fake_servers/behavior.h"
#include "harness/runner/process.h"

namespace gauntlet::interop {

enum class RealClient { kCurl, kPython, kOpenssl, kGnutls };

std::string RealClientName(RealClient client);
// The program that must be in PATH for `client`.
std::string RealClientProgram(RealClient client);
// Whether that program is found in PATH.
bool RealClientInstalled(RealClient client);

// What every client authenticates with.
inline constexpr char kUser[] = "u";
inline constexpr char kPassword[] = "p";

// A directory made with mkdtemp (mode 0700), removed with its contents
// when destroyed.
class PrivateDir {
 public:
  static absl::StatusOr<std::unique_ptr<PrivateDir>> Create();
  ~PrivateDir();
  PrivateDir(const PrivateDir&) = delete;
  PrivateDir& operator=(const PrivateDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  explicit PrivateDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

struct ClientRunSpec {
  RealClient client = RealClient::kCurl;
  std::uint16_t port = 0;
  // PEM file with the only trust anchor the client gets.
  std::string ca_file;
  // Versions the client may offer. kDefault leaves the client's own range
  // (TLS 1.2 and 1.3 for all four), so the server's pinning picks.
  fake::TlsVersions versions = fake::TlsVersions::kDefault;
  // The message's Subject (the server's transcript reports it back).
  std::string subject = "gauntlet interop";
  // Where the message, script and FIFO files go (a PrivateDir).
  std::string work_dir;
  std::chrono::milliseconds timeout{20'000};
};

// Runs the client to completion. Errors mean no client ran (missing
// program, cannot write files); a client that failed is an ok result with
// a non-zero exit.
absl::StatusOr<runner::RunResult> RunRealClient(const ClientRunSpec& spec);

// The message every client sends: headers (with `subject`) and a body.
std::string TestMessage(std::string_view subject);

}  // namespace gauntlet::interop

#endif  // GAUNTLET_TESTS_INTEROP_REAL_CLIENTS_H_
