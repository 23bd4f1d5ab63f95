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
#include "fake_servers/pki/client_files.h"
#include "fake_servers/pki/test_pki.h"
#include "fake_servers/proxy/aiosmtpd_upstream.h"
#include "fake_servers/proxy/proxy.h"
#include "fake_servers/transcript.h"
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

// Debian's Postfix as a second real upstream: its own config and queue
// directories under a private directory, smtpd on a loopback port with
// STARTTLS (smtpd_tls_security_level = may) and the test PKI's certificate,
// every message discarded after acceptance; nothing of the system's mail
// set-up is read or changed. Needs root (postfix start); NotFound when
// Postfix is missing or we are not root. No SASL: Debian's Postfix has no
// SASL backend without Dovecot or Cyrus, so clients do not AUTH here.
class PostfixUpstream {
 public:
  static absl::StatusOr<std::unique_ptr<PostfixUpstream>> Start(
      const std::string& dir, const std::string& cert_file,
      const std::string& key_file);
  ~PostfixUpstream();
  int port() const { return port_; }
  // Postfix's own log (maillog_file): TLS sessions, accepted messages.
  std::string Log() const;

 private:
  PostfixUpstream() = default;
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
