// `gauntlet serve`'s live view: the decoded conversation of every
// connection, printed while it happens, and the verdict at the end.
//
// The fake server calls a TranscriptObserver (fake_servers/server/
// transcript_observer.h) from its I/O threads. LiveFeed's observer only
// copies the update into a bounded queue; a printer thread of its own
// formats and writes it, so a slow terminal (or `serve | less` left
// unread) never holds up the server: past the bound, updates are dropped
// and counted. LiveFormatter turns updates into lines (pure, with the
// per-connection state needed to print TLS facts only when they change):
//
//   [conn 0 +0.412ms] connected
//   [conn 0 +0.977ms] S→C plaintext  220 mx.gauntlet.test ESMTP
//   [conn 0 +1.630ms] C→S plaintext  EHLO client
//   [conn 0 +5.120ms] TLS: SNI localhost; offered TLSv1.3; outcome completed
//   [conn 0 +6.004ms] C→S tls-app    MAIL FROM:<a@b>
//   [conn 0 +9.311ms] closed: client-fin
//
// TLS records (handshake and ciphertext) are shown as hex only with --raw.
// Everything from the wire is escaped (common/text_escape.h).

#ifndef GAUNTLET_HARNESS_CLI_SERVE_LIVE_H_
#define GAUNTLET_HARNESS_CLI_SERVE_LIVE_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "fake_servers/server/transcript_observer.h"
#include "fake_servers/transcript.h"
#include "harness/report/run_result.h"
#include "harness/scenario/scenario.h"

namespace gauntlet::cli {

// A TranscriptUpdate with its values copied (the observer's pointers die
// with the call).
struct LiveUpdate {
  fake::server::TranscriptUpdate::Kind kind =
      fake::server::TranscriptUpdate::Kind::kAccepted;
  int connection = 0;
  int64_t t_us = 0;
  std::optional<fake::WireChunk> wire;
  std::optional<fake::SmtpEvent> event;
  std::optional<fake::TlsFacts> tls;
  std::string bytes;
  fake::CloseKind close = fake::CloseKind::kOpen;

  static LiveUpdate From(const fake::server::TranscriptUpdate& u);
  // Roughly the memory it holds, for the queue's bound.
  std::size_t Bytes() const;
};

class LiveFormatter {
 public:
  explicit LiveFormatter(bool raw) : raw_(raw) {}
  // The lines (without '\n') for one update; none for what is not shown.
  std::vector<std::string> Format(const LiveUpdate& update);
  // Whether the update is shown at all (the observer skips the others
  // without copying them).
  static bool Wanted(const fake::server::TranscriptUpdate& update, bool raw);

 private:
  bool raw_;
  // The TLS line last printed per connection.
  std::map<int, std::string> last_tls_;
};

class LiveFeed {
 public:
  // Queue bounds: past either, updates are dropped (and counted).
  static constexpr std::size_t kMaxQueuedUpdates = 10'000;
  static constexpr std::size_t kMaxQueuedBytes = 8u << 20;

  LiveFeed(std::ostream& out, bool raw);
  ~LiveFeed();
  LiveFeed(const LiveFeed&) = delete;
  LiveFeed& operator=(const LiveFeed&) = delete;

  // For ServerOptions::observer. Valid while this LiveFeed lives: stop the
  // server before destroying it.
  fake::server::TranscriptObserver Observer();
  // Starts printing (updates observed before are kept and printed first).
  void Start();
  // Prints everything queued, then stops the printer thread. Idempotent.
  void Finish();

 private:
  void Push(const fake::server::TranscriptUpdate& update);
  void PrintLoop();

  std::ostream& out_;
  const bool raw_;
  LiveFormatter formatter_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<LiveUpdate> queue_;
  std::size_t queued_bytes_ = 0;
  std::size_t dropped_ = 0;
  bool finishing_ = false;
  std::thread printer_;
};

// The verdict on what a served client did, judged as `run` judges it
// (verdict::ObserveRun + verdict::Judge) under `policy`, with the client
// marked as one Gauntlet did not run: no exit status, no timeout, so only
// the wire evidence counts.
report::ScenarioResult JudgeServedClient(const scenario::Scenario& scenario,
                                         scenario::Policy policy,
                                         fake::Transcript transcript);

}  // namespace gauntlet::cli

#endif  // GAUNTLET_HARNESS_CLI_SERVE_LIVE_H_
