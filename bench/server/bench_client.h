// A minimal blocking SMTP client over a loopback socket, for the server
// benchmarks.
//
// BenchConnection owns one TCP connection to 127.0.0.1 and reads SMTP
// replies with poll() and a deadline on every wait, so a wedged server turns
// into an error, never a hung benchmark. StarttlsSession runs the whole
// exchange the handshake benchmark measures -- greeting, EHLO, STARTTLS, a
// TLS handshake with the project's own engine (tls::TlsSession, client role,
// verifying the chain and the host name), QUIT inside TLS -- and reports
// the first thing that went wrong.

#ifndef GAUNTLET_BENCH_SERVER_BENCH_CLIENT_H_
#define GAUNTLET_BENCH_SERVER_BENCH_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tls/tls_context.h"

namespace gauntlet::bench {

using Deadline = std::chrono::steady_clock::time_point;

class BenchConnection {
 public:
  // Connects to 127.0.0.1:port (TCP_NODELAY, like real MTAs).
  static absl::StatusOr<BenchConnection> Connect(std::uint16_t port);

  BenchConnection(BenchConnection&& other) noexcept;
  BenchConnection& operator=(BenchConnection&& other) noexcept;
  BenchConnection(const BenchConnection&) = delete;
  BenchConnection& operator=(const BenchConnection&) = delete;
  ~BenchConnection();

  int fd() const { return fd_; }
  absl::Status SendAll(std::string_view bytes);
  // One recv after waiting for data until `deadline`: at least one byte,
  // NotFound on EOF, DeadlineExceeded when the time is up.
  absl::StatusOr<std::string> RecvSome(Deadline deadline);
  // Reads plaintext until `buffer` holds a complete reply (last line
  // "ddd "), removes it from `buffer` and returns its code.
  absl::StatusOr<int> ReadReply(std::string& buffer, Deadline deadline);
  void Close();

 private:
  explicit BenchConnection(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// One full STARTTLS session against a good server on `port`: greeting,
// EHLO, STARTTLS, handshake (SNI "localhost"), EHLO and QUIT inside TLS.
// `context` is a client context trusting the server's root.
absl::Status StarttlsSession(std::uint16_t port, const tls::TlsContext& context,
                             std::chrono::milliseconds timeout);

}  // namespace gauntlet::bench

#endif  // GAUNTLET_BENCH_SERVER_BENCH_CLIENT_H_
