// The fake server's live hook (transcript_observer.h): every recorded
// update reaches the observer, in the order of the transcript, outside the
// recorder's lock, from the thread that recorded it.

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fake_servers/server/transcript_recorder.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/test_util.h"

namespace gauntlet::fake::server::testing {
namespace {

using Kind = TranscriptUpdate::Kind;

// What the observer saw, copied.
struct Seen {
  Kind kind;
  int connection;
  std::string wire;  // kWire bytes.
  SmtpEvent event;   // kEvent.
  HandshakeOutcome tls_outcome = HandshakeOutcome::kNotAttempted;
  CloseKind close = CloseKind::kOpen;
  std::thread::id thread;
  int connections_seen = -1;  // connection_count() read inside the call.
};

class Collector {
 public:
  TranscriptObserver Observer() {
    return [this](const TranscriptUpdate& u) {
      Seen s;
      s.kind = u.kind;
      s.connection = u.connection;
      if (u.wire != nullptr) s.wire = u.wire->bytes;
      if (u.event != nullptr) s.event = *u.event;
      if (u.tls != nullptr) s.tls_outcome = u.tls->outcome;
      s.close = u.close;
      s.thread = std::this_thread::get_id();
      // The recorder's lock is not held here: reading the server works
      // (with the lock held, this would deadlock).
      if (const FakeSmtpServer* server = server_.load()) {
        s.connections_seen = server->connection_count();
      }
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back(std::move(s));
    };
  }
  void SetServer(const FakeSmtpServer* server) { server_.store(server); }
  std::vector<Seen> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  std::atomic<const FakeSmtpServer*> server_{nullptr};
  std::mutex mu_;
  std::vector<Seen> seen_;
};

ServerOptions Options(Collector& collector) {
  ServerOptions options;
  options.behavior.connections.emplace_back();
  options.behavior.idle_timeout = std::chrono::milliseconds(5000);
  options.io_threads = 2;
  options.observer = collector.Observer();
  return options;
}

TEST(ServerObserver, SeesEveryUpdateInTranscriptOrder) {
  Collector collector;
  auto server = StartServer(Options(collector));
  ASSERT_NE(server, nullptr);
  collector.SetServer(server.get());
  {
    auto client = ConnectAndGreet(*server);
    ASSERT_TRUE(client->Command("EHLO client.test").ok());
    ASSERT_TRUE(client->Command("STARTTLS").ok());
    ASSERT_TRUE(client->StartTls(TrustingContext()).ok());
    ASSERT_TRUE(client->Command("EHLO client.test").ok());
    ASSERT_TRUE(client->Command("MAIL FROM:<a@example.org>").ok());
    ASSERT_TRUE(client->Command("QUIT").ok());
  }
  const Transcript t = WaitAndSnapshot(*server, 1);
  // The observer runs after the recorder is updated (and waiters woken):
  // Stop() joins the server's threads, so every call has returned.
  server->Stop();
  ASSERT_EQ(t.connections.size(), 1u);
  const ConnectionTranscript& c = t.connections[0];
  const std::vector<Seen> seen = collector.Take();
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front().kind, Kind::kAccepted);
  EXPECT_EQ(seen.front().connection, 0);

  std::vector<std::string> wire;
  std::vector<std::string> events;
  int closes = 0;
  HandshakeOutcome last_outcome = HandshakeOutcome::kNotAttempted;
  for (const Seen& s : seen) {
    EXPECT_EQ(s.connection, 0);
    EXPECT_NE(s.thread, std::this_thread::get_id());  // The server's thread.
    EXPECT_EQ(s.connections_seen, 1);
    if (s.kind == Kind::kWire) wire.push_back(s.wire);
    if (s.kind == Kind::kEvent) events.push_back(s.event.text);
    if (s.kind == Kind::kTls) last_outcome = s.tls_outcome;
    if (s.kind == Kind::kClosed) {
      ++closes;
      EXPECT_EQ(s.close, c.close);
    }
  }
  // Exactly what the transcript holds, in the same order.
  std::vector<std::string> want_wire;
  for (const WireChunk& w : c.wire) want_wire.push_back(w.bytes);
  std::vector<std::string> want_events;
  for (const SmtpEvent& e : c.events) want_events.push_back(e.text);
  EXPECT_EQ(wire, want_wire);
  EXPECT_EQ(events, want_events);
  EXPECT_THAT(events, ::testing::Contains("MAIL FROM:<a@example.org>"));
  EXPECT_EQ(last_outcome, HandshakeOutcome::kCompleted);
  EXPECT_EQ(closes, 1);
}

TEST(ServerObserver, StopReportsOpenConnectionsFromTheStoppingThread) {
  Collector collector;
  auto server = StartServer(Options(collector));
  ASSERT_NE(server, nullptr);
  auto client = ConnectAndGreet(*server);
  ASSERT_TRUE(client->Command("EHLO client.test").ok());
  server->Stop();
  std::vector<Seen> closes;
  for (const Seen& s : collector.Take()) {
    if (s.kind == Kind::kClosed) closes.push_back(s);
  }
  ASSERT_EQ(closes.size(), 1u);
  EXPECT_EQ(closes[0].close, CloseKind::kServerStopped);
  EXPECT_EQ(closes[0].thread, std::this_thread::get_id());
}

TEST(ServerObserver, ReportsTheTruncationMarkerButNotBytesOverBudget) {
  Collector collector;
  ServerOptions options = Options(collector);
  options.max_transcript_bytes_per_connection = 512;
  auto server = StartServer(std::move(options));
  ASSERT_NE(server, nullptr);
  {
    auto client = ConnectAndGreet(*server);
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(client->Command("NOOP " + std::string(40, 'x')).ok());
    }
  }
  const Transcript t = WaitAndSnapshot(*server, 1);
  server->Stop();
  std::size_t wire_bytes = 0;
  int markers = 0;
  for (const Seen& s : collector.Take()) {
    wire_bytes += s.wire.size();
    if (s.kind == Kind::kEvent &&
        s.event.text.rfind(kTruncationMarker, 0) == 0) {
      ++markers;
    }
  }
  EXPECT_EQ(markers, 1);
  EXPECT_LE(wire_bytes, 512u);
  std::size_t recorded = 0;
  for (const WireChunk& w : t.connections.at(0).wire)
    recorded += w.bytes.size();
  EXPECT_EQ(wire_bytes, recorded);
}

}  // namespace
}  // namespace gauntlet::fake::server::testing
