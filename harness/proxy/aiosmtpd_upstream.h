// A real SMTP server to put behind the proxy: Debian's python3-aiosmtpd,
// run as a child process on a loopback port with STARTTLS enabled.
//
// The proxy's whole point is to show what happens in front of a mail
// server nobody in this project wrote, so the tests and `gauntlet demo
// downgrade` start one: scripts/upstreams/aiosmtpd_upstream.py (embedded
// in the binary at build time, written into the caller's private
// directory at run time). The child runs in its own process group with
// stdin on a pipe: it exits when the pipe closes (even if this process is
// killed), on SIGTERM, or after its lifetime. Destroying the handle stops
// it (SIGKILL to the group after a grace period) and reaps it.
//
// Each message the server accepts is appended as a JSON line to a record
// file; Messages() reads them back, including whether the session that
// delivered it was TLS.

#ifndef GAUNTLET_HARNESS_PROXY_AIOSMTPD_UPSTREAM_H_
#define GAUNTLET_HARNESS_PROXY_AIOSMTPD_UPSTREAM_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gauntlet::proxy {

// The upstream script's source (scripts/upstreams/aiosmtpd_upstream.py).
absl::string_view AiosmtpdScript();

// A python3 that can import aiosmtpd: Debian's /usr/bin/python3 first
// (a python3 earlier in PATH, e.g. pyenv's, usually lacks Debian's
// modules), then python3 from PATH. NotFound says how to install it.
absl::StatusOr<std::string> FindAiosmtpdPython();

struct AiosmtpdOptions {
  // Empty: FindAiosmtpdPython().
  std::string python;
  // An existing private directory (0700) for the script, the certificate,
  // the key, the record file and the server's log.
  std::string work_dir;
  // What the server presents after STARTTLS.
  std::string cert_chain_pem;
  std::string key_pem;
  // Refuse mail before STARTTLS / offer AUTH in plaintext too.
  bool require_starttls = false;
  bool auth_in_plaintext = false;
  // The server exits by itself after this long.
  std::chrono::seconds lifetime{180};
  std::chrono::milliseconds ready_timeout{20'000};
};

// One message as the server recorded it.
struct UpstreamMessage {
  std::string mail_from;
  std::vector<std::string> rcpt_tos;
  bool tls = false;
  std::string tls_version;
  std::string login;  // The AUTH user name, empty without AUTH.
  std::string subject;
  std::uint64_t size = 0;
};

class AiosmtpdUpstream {
 public:
  static absl::StatusOr<std::unique_ptr<AiosmtpdUpstream>> Start(
      AiosmtpdOptions options);

  ~AiosmtpdUpstream();
  AiosmtpdUpstream(const AiosmtpdUpstream&) = delete;
  AiosmtpdUpstream& operator=(const AiosmtpdUpstream&) = delete;

  std::uint16_t port() const { return port_; }
  const std::string& record_file() const { return record_file_; }
  const std::string& log_file() const { return log_file_; }

  // Every message recorded so far, in order.
  absl::StatusOr<std::vector<UpstreamMessage>> Messages() const;

  // Stops the server and reaps it (idempotent).
  void Stop();

 private:
  AiosmtpdUpstream() = default;

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::uint16_t port_ = 0;
  std::string record_file_;
  std::string log_file_;
};

}  // namespace gauntlet::proxy

#endif  // GAUNTLET_HARNESS_PROXY_AIOSMTPD_UPSTREAM_H_
