// Shared set-up for the proxy's end-to-end tests: a private temporary
// directory, the test PKI written to it, a real aiosmtpd upstream with
// STARTTLS, a message file, and running curl as a real client.

#ifndef GAUNTLET_TESTS_PROXY_PROXY_TEST_UTIL_H_
#define GAUNTLET_TESTS_PROXY_PROXY_TEST_UTIL_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fake_servers/pki/client_files.h"
#include "fake_servers/pki/test_pki.h"
#include "fake_servers/proxy/proxy.h"
#include "fake_servers/transcript.h"
#include "harness/proxy/aiosmtpd_upstream.h"
#include "harness/runner/process.h"

namespace gauntlet::proxy::testing {

inline constexpr char kUser[] = "alice";
inline constexpr char kPassword[] = "hunter2-correct-horse";
inline constexpr char kFrom[] = "alice@example.org";
inline constexpr char kTo[] = "bob@example.org";
inline constexpr char kSubject[] = "Quarterly numbers (confidential)";

// A private directory (mkdtemp, 0700) removed with everything in it.
class TempDir {
 public:
  static absl::StatusOr<std::unique_ptr<TempDir>> Create();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

struct Bench {
  std::unique_ptr<TempDir> dir;
  std::unique_ptr<pki::TestPki> pki;
  std::unique_ptr<pki::ClientFiles> files;  // ca.pem the clients trust.
  std::string message_file;
  std::unique_ptr<AiosmtpdUpstream> upstream;

  // Starts everything; NotFound when python3-aiosmtpd is missing.
  static absl::StatusOr<std::unique_ptr<Bench>> Create();

  ProxyConfig BaseConfig(Attack attack) const;
};

// Debian's Postfix as a second real upstream: a private instance under
// `dir` with smtpd on a loopback port with STARTTLS
// (smtpd_tls_security_level = may) and the test PKI's certificate, every
// message discarded after acceptance. Its whole configuration is written
// here (main.cf, a master.cf with only the services it needs, its own
// queue, data and meta directories) and its master(8) is started directly
// with `-c`, so the system's Postfix is neither read (/etc/postfix) nor
// touched (/var/spool/postfix, its master) whatever it is configured to do.
// Needs root (master starts as root); NotFound when Postfix is missing or
// we are not root. No SASL: Debian's Postfix has no SASL backend without
// Dovecot or Cyrus, so clients do not AUTH here.
class PostfixUpstream {
 public:
  static absl::StatusOr<std::unique_ptr<PostfixUpstream>> Start(
      const std::string& dir, const std::string& cert_file,
      const std::string& key_file);
  // Stops the instance once every message it accepted has left its queue
  // (bounded: 10 s), so that its log is complete, and waits until its
  // daemons are gone.
  ~PostfixUpstream();
  int port() const { return port_; }
  // The instance's config directory (main.cf, master.cf).
  const std::string& config_dir() const { return conf_; }
  // Postfix's own log (maillog_file): TLS sessions, accepted messages.
  std::string Log() const;

 private:
  PostfixUpstream() = default;
  void WaitUntilQueueSettled(absl::Duration timeout) const;
  std::string conf_;
  std::string log_;
  int port_ = 0;
  bool running_ = false;
  pid_t master_pid_ = 0;
};

// Runs `curl` (-sS, bounded) delivering the test message with AUTH.
runner::RunResult RunCurl(const Bench& bench, int port,
                          const std::vector<std::string>& tls_args,
                          bool with_auth = true);

// Every byte one leg carried in one direction, in order, all channels.
std::string WireBytes(const fake::ConnectionTranscript& leg,
                      fake::Direction direction);
// Only the bytes of one channel.
std::string WireBytes(const fake::ConnectionTranscript& leg,
                      fake::Direction direction, fake::Channel channel);

}  // namespace gauntlet::proxy::testing

#endif  // GAUNTLET_TESTS_PROXY_PROXY_TEST_UTIL_H_
