// The STARTTLS man-in-the-middle proxy: a loopback listener that relays
// each accepted SMTP session to the one configured upstream, performing the
// configured attack (see proxy_config.h), and records both legs.
//
//   ProxyConfig config;
//   config.attack = Attack::kStrip;
//   config.upstream = {"127.0.0.1", 8025};
//   config.upstream_ca_file = ca;
//   config.max_sessions = 1;
//   GAUNTLET_ASSIGN_OR_RETURN(auto proxy, MitmProxy::Start(config, print));
//   RunClient("127.0.0.1", proxy->port());
//   proxy->WaitDone(std::chrono::seconds(10));
//   for (const SessionCapture& c : proxy->Captures()) ...
//
// Design: one accept thread and one thread per session, bounded by
// max_concurrent (connections beyond it get "421" and are closed); every
// wait is a poll() with a timeout that also watches one stop pipe, so
// Stop() wakes everything at once. The proxy connects only to the upstream
// it was given, whatever the client sends: it is never an open relay.
// Destroying the handle stops it and joins every thread.
//
// The proxy keeps no files: a SnapshotSink given to Start receives what it
// has seen after every session (harness/proxy/ writes it as a
// gauntlet-report/1 transcript file, `gauntlet proxy --transcript`).

#ifndef GAUNTLET_FAKE_SERVERS_PROXY_PROXY_H_
#define GAUNTLET_FAKE_SERVERS_PROXY_PROXY_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fake_servers/proxy/capture.h"
#include "fake_servers/proxy/proxy_config.h"
#include "fake_servers/proxy/session.h"
#include "fake_servers/transcript.h"

namespace gauntlet::proxy {

// Everything the proxy has seen so far.
struct ProxySnapshot {
  absl::Time started;
  // Since the proxy started (a steady clock).
  std::chrono::microseconds elapsed{0};
  // The sessions finished so far, in order of acceptance.
  std::vector<SessionCapture> captures;
  // Every leg recorded so far: connection 2k is session k+1's client leg,
  // 2k+1 its upstream leg.
  fake::Transcript transcript;
  // Stop() came before max_sessions sessions finished (or without it).
  bool interrupted = false;
  // max_sessions (0: until stopped).
  int planned = 0;
};

// Receives a snapshot after every finished session and once more when the
// proxy stops, one call at a time, on a session thread or the thread that
// calls Stop(). An error is shown as a warning event (its message as is);
// the proxy goes on.
using SnapshotSink = std::function<absl::Status(const ProxySnapshot&)>;

class MitmProxy {
 public:
  // Validates the configuration, prepares the TLS contexts (and, for
  // intercept, the forged identity), binds and starts accepting. `sink`
  // (may be empty) receives live events from session threads, one call at
  // a time; `snapshots` (may be empty) what the proxy has seen, as above.
  static absl::StatusOr<std::unique_ptr<MitmProxy>> Start(
      ProxyConfig config, EventSink sink, SnapshotSink snapshots = nullptr);

  ~MitmProxy();
  MitmProxy(const MitmProxy&) = delete;
  MitmProxy& operator=(const MitmProxy&) = delete;

  std::uint16_t port() const;
  const std::string& address() const;
  const ProxyConfig& config() const;
  // intercept with trusted_ca: the CA file a client must trust to accept the
  // forged certificate (the run's test root); empty otherwise.
  const std::string& forged_ca_file() const;

  // Blocks until max_sessions sessions have finished (or Stop() was called
  // and every session ended); false if `timeout` passed first. Without
  // max_sessions, returns only after Stop().
  bool WaitDone(std::chrono::milliseconds timeout) const;
  // Blocks until at least `n` sessions have finished; false on timeout.
  bool WaitForSessions(int n, std::chrono::milliseconds timeout) const;

  // Stops accepting, wakes and ends every session, joins the threads, and
  // hands the snapshot sink a last snapshot. Idempotent;
  // async-signal-unsafe (call it from an ordinary thread).
  void Stop();

  // The sessions finished so far, in order of acceptance.
  std::vector<SessionCapture> Captures() const;
  // Every leg recorded so far: connection 2k is session k+1's client leg,
  // 2k+1 its upstream leg.
  fake::Transcript Transcript() const;
  // Everything above at once.
  ProxySnapshot Snapshot() const;

  class Impl;

 private:
  explicit MitmProxy(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gauntlet::proxy

#endif  // GAUNTLET_FAKE_SERVERS_PROXY_PROXY_H_
