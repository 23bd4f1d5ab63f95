// The scripted fake SMTP server: a listener plus an RAII handle.
//
// FakeSmtpServer::Start binds (loopback only, unless told otherwise),
// starts a small pool of I/O threads running one Boost.Asio io_context and
// accepts any number of concurrent connections. Each connection i is served
// by a Session (session.h) following ServerBehavior::ForConnection(i);
// connections beyond max_connections are accepted and closed at once. What
// every connection saw and did is recorded in a Transcript that Snapshot()
// copies out at any time.
//
//   ServerOptions options;
//   options.behavior.connections.push_back(behavior);
//   GAUNTLET_ASSIGN_OR_RETURN(auto server, FakeSmtpServer::Start(options));
//   RunClient("127.0.0.1", server->port());
//   server->WaitForConnectionsClosed(std::chrono::seconds(5), 1);
//   Transcript t = server->Snapshot();
//
// Destroying the handle (or Stop()) stops the io_context, closes every
// socket (open connections are recorded as kServerStopped) and joins the
// threads. Start() makes the process ignore SIGPIPE: a client that closes
// while the server writes must turn into an error value, not a signal.

#ifndef GAUNTLET_FAKE_SERVERS_SERVER_SERVER_H_
#define GAUNTLET_FAKE_SERVERS_SERVER_SERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "fake_servers/behavior.h"
#include "fake_servers/pki/test_pki.h"
#include "fake_servers/server/transcript_observer.h"
#include "fake_servers/transcript.h"

namespace gauntlet::fake::server {

struct ServerOptions {
  ServerBehavior behavior;
  // Where to listen. Port 0 picks a free port (see port()).
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;
  // A non-loopback bind_address is refused unless this is set: the fake
  // server talks to hostile-by-design clients and must not face a network.
  bool allow_non_loopback = false;
  // Threads running the io_context. Sessions never block, so 1 serves many
  // connections; 2 keeps handshakes from delaying other sessions.
  int io_threads = 1;
  // Per-connection cap on recorded bytes (wire chunks and event texts).
  std::size_t max_transcript_bytes_per_connection = std::size_t{4} << 20;
  // The PKI whose chains the server presents. Null: Start() makes one.
  std::shared_ptr<const pki::TestPki> pki;
  // Told about every transcript update as it is recorded (live views such
  // as `gauntlet serve`); see transcript_observer.h for the threading
  // contract. Empty: none.
  TranscriptObserver observer;
};

class FakeSmtpServer {
 public:
  // Validates the options, makes the PKI if needed, binds, listens and
  // starts the I/O threads.
  static absl::StatusOr<std::unique_ptr<FakeSmtpServer>> Start(
      ServerOptions options);

  ~FakeSmtpServer();
  FakeSmtpServer(const FakeSmtpServer&) = delete;
  FakeSmtpServer& operator=(const FakeSmtpServer&) = delete;

  // The bound port and address (useful with port 0).
  std::uint16_t port() const { return port_; }
  const std::string& address() const { return address_; }
  // The PKI the server presents chains from; clients trust its RootPem().
  const std::shared_ptr<const pki::TestPki>& pki() const { return pki_; }

  // A copy of everything recorded so far.
  Transcript Snapshot() const;
  // The transcript's clock now (µs since the server started): for stamping
  // a fact of the run the server cannot see itself, such as the moment the
  // runner stopped the client.
  int64_t NowUs() const;
  // Connections accepted so far (including those over max_connections).
  int connection_count() const;
  // Blocks until at least `at_least` connections were accepted and all of
  // them are closed; false if `timeout` passed first.
  bool WaitForConnectionsClosed(std::chrono::milliseconds timeout,
                                int at_least = 0) const;

  // Stops accepting, closes every connection and joins the threads.
  // Idempotent; must not be called from a session's own thread.
  void Stop();

 private:
  class Impl;
  explicit FakeSmtpServer(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
  std::shared_ptr<const pki::TestPki> pki_;
  std::uint16_t port_ = 0;
  std::string address_;
};

}  // namespace gauntlet::fake::server

#endif  // GAUNTLET_FAKE_SERVERS_SERVER_SERVER_H_
