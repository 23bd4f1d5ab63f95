// Helpers for the TLS engine tests: a private temp dir, a child process in
// its own process group with a deadline, a throwaway PKI made with the
// openssl CLI, loopback sockets, and a pump that runs two in-memory
// TlsSessions against each other.

#ifndef GAUNTLET_TESTS_TLS_TLS_TEST_UTIL_H_
#define GAUNTLET_TESTS_TLS_TLS_TEST_UTIL_H_

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tls/tls_session.h"

namespace gauntlet::tls::testing {

// mkdtemp (mode 0700) under $TMPDIR; removed recursively on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A child process in its own process group, stdin from /dev/null unless
// `stdin_data` is given (written up front, then closed), stdout+stderr
// captured. Killed (whole group) and reaped on destruction.
class Subprocess {
 public:
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(
      const std::vector<std::string>& argv);
  ~Subprocess();

  // Waits for exit, collecting output, up to `timeout`; kills the group on
  // timeout. Returns the exit status (or 128+signal).
  absl::StatusOr<int> Wait(std::chrono::milliseconds timeout);
  void Kill();
  const std::string& output() const { return output_; }
  pid_t pid() const { return pid_; }

 private:
  Subprocess() = default;
  void Drain(int timeout_ms);
  pid_t pid_ = -1;
  int out_fd_ = -1;
  bool reaped_ = false;
  int exit_code_ = -1;
  std::string output_;
};

// Runs a command to completion (bounded), returning its output; an error if
// it fails or times out.
absl::StatusOr<std::string> RunCommand(const std::vector<std::string>& argv,
                                       std::chrono::seconds timeout =
                                           std::chrono::seconds(30));

absl::StatusOr<std::string> ReadFile(const std::string& path);

enum class TestKey { kEcdsaP256, kRsa2048 };

struct Identity {
  std::string chain_pem;  // Leaf then intermediate.
  std::string key_pem;
};

struct LeafSpec {
  TestKey key = TestKey::kEcdsaP256;
  std::string dns_name = "localhost";
  // openssl ca -startdate/-enddate, YYYYMMDDHHMMSSZ. Empty = now-1d..now+30d.
  std::string not_before;
  std::string not_after;
  bool from_unknown_root = false;  // Issued under a root clients don't trust.
};

// Root -> intermediate -> leaf, all made by the openssl CLI in a TempDir.
class TestPki {
 public:
  static absl::StatusOr<std::unique_ptr<TestPki>> Create();
  absl::StatusOr<Identity> Issue(const LeafSpec& spec);
  const std::string& root_pem() const { return root_pem_; }
  std::string root_file() const;
  const std::string& dir() const { return dir_.path(); }

 private:
  TestPki() = default;
  absl::Status MakeCa(const std::string& name, bool unknown);
  TempDir dir_;
  std::string root_pem_;
  int serial_ = 0;
};

// Pumps bytes between an in-memory client and server until both handshakes
// are complete or no bytes move any more (bounded rounds).
struct PumpResult {
  absl::Status client;
  absl::Status server;
  bool both_complete() const { return client.ok() && server.ok(); }
};
PumpResult PumpHandshake(TlsSession& client, TlsSession& server);

// Moves pending ciphertext from one session into the other.
absl::Status Transfer(TlsSession& from, TlsSession& to);

// Contexts for the common cases.
absl::StatusOr<TlsContext> ServerContext(const Identity& id,
                                         TlsContextConfig base = {});
absl::StatusOr<TlsContext> ClientContext(const std::string& ca_pem,
                                         TlsContextConfig base = {});

// Loopback TCP: a listener on 127.0.0.1 port 0.
class Listener {
 public:
  static absl::StatusOr<Listener> Open();
  Listener(Listener&& other) noexcept;
  ~Listener();
  int port() const { return port_; }
  // Accepts one connection within `timeout`; returns the fd.
  absl::StatusOr<int> Accept(std::chrono::milliseconds timeout);

 private:
  Listener() = default;
  int fd_ = -1;
  int port_ = 0;
};

// Reads what arrives on `fd` until `done(bytes)` or the deadline or EOF.
// Returns all bytes read.
std::string ReadUntil(int fd, std::chrono::milliseconds timeout,
                      const std::function<bool(const std::string&)>& done);

// Runs a server TlsSession over a connected socket: handshake, optionally
// send `message`, close_notify, close. Bounded by `timeout`.
absl::Status ServeOverSocket(TlsSession& server, int fd,
                             const std::string& message,
                             std::chrono::milliseconds timeout);

}  // namespace gauntlet::tls::testing

#endif  // GAUNTLET_TESTS_TLS_TLS_TEST_UTIL_H_
