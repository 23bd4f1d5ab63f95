#include "tests/server/test_util.h"

#include <utility>

#include "gtest/gtest.h"

namespace gauntlet::fake::server::testing {

const std::shared_ptr<const pki::TestPki>& SharedPki() {
  static const std::shared_ptr<const pki::TestPki> pki = [] {
    absl::StatusOr<std::unique_ptr<pki::TestPki>> made =
        pki::TestPki::Create({});
    EXPECT_TRUE(made.ok()) << made.status();
    return std::shared_ptr<const pki::TestPki>(made.ok() ? std::move(*made)
                                                         : nullptr);
  }();
  return pki;
}

std::unique_ptr<FakeSmtpServer> StartServer(ServerOptions options) {
  if (options.pki == nullptr) options.pki = SharedPki();
  absl::StatusOr<std::unique_ptr<FakeSmtpServer>> server =
      FakeSmtpServer::Start(std::move(options));
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? std::move(*server) : nullptr;
}

std::unique_ptr<FakeSmtpServer> StartServer(ConnectionBehavior behavior,
                                            int max_connections) {
  ServerOptions options;
  if (behavior.linger_after_tls_failure ==
      ConnectionBehavior{}.linger_after_tls_failure) {
    behavior.linger_after_tls_failure = std::chrono::milliseconds(2000);
  }
  options.behavior.connections.push_back(std::move(behavior));
  options.behavior.max_connections = max_connections;
  options.behavior.idle_timeout = std::chrono::milliseconds(5000);
  return StartServer(std::move(options));
}

std::unique_ptr<TestClient> ConnectAndGreet(const FakeSmtpServer& server) {
  absl::StatusOr<std::unique_ptr<TestClient>> client =
      TestClient::Connect(server.port());
  EXPECT_TRUE(client.ok()) << client.status();
  if (!client.ok()) return nullptr;
  absl::StatusOr<smtp::Reply> greeting = (*client)->ReadReply();
  EXPECT_TRUE(greeting.ok()) << greeting.status();
  if (greeting.ok()) {
    EXPECT_EQ(greeting->code, 220);
  }
  return std::move(*client);
}

tls::TlsContext TrustingContext(TlsVersions versions) {
  absl::StatusOr<tls::TlsContext> context =
      ClientContext(SharedPki()->RootPem(), versions);
  EXPECT_TRUE(context.ok()) << context.status();
  return std::move(*context);
}

Transcript WaitAndSnapshot(const FakeSmtpServer& server, int n) {
  EXPECT_TRUE(server.WaitForConnectionsClosed(std::chrono::seconds(10), n))
      << "connections still open";
  return server.Snapshot();
}

std::vector<SmtpEvent> EventsOf(const ConnectionTranscript& c,
                                SmtpEvent::Kind kind, std::string_view verb) {
  std::vector<SmtpEvent> out;
  for (const SmtpEvent& e : c.events) {
    if (e.kind == kind && (verb.empty() || e.verb == verb)) out.push_back(e);
  }
  return out;
}

namespace {
std::string Bytes(const ConnectionTranscript& c, Channel channel,
                  Direction direction) {
  std::string out;
  for (const WireChunk& w : c.wire) {
    if (w.channel == channel && w.direction == direction) out += w.bytes;
  }
  return out;
}
}  // namespace

std::string ClientBytes(const ConnectionTranscript& c, Channel channel) {
  return Bytes(c, channel, Direction::kClientToServer);
}

std::string ServerBytes(const ConnectionTranscript& c, Channel channel) {
  return Bytes(c, channel, Direction::kServerToClient);
}

}  // namespace gauntlet::fake::server::testing
