// Cutting a client off at every byte offset of a full session, plaintext
// part and TLS part, must never crash or wedge the server: after each cut
// it still serves a new, good session, and every connection ends closed.

#include <chrono>
#include <string>

#include "common/status_macros.h"
#include "gtest/gtest.h"
#include "smtp/auth.h"
#include "tests/server/test_util.h"

namespace gauntlet::fake::server::testing {
namespace {

absl::Status Expect(TestClient& c, std::string_view line, int code) {
  GAUNTLET_ASSIGN_OR_RETURN(smtp::Reply reply, c.Command(line));
  if (reply.code != code) {
    return absl::InternalError(
        absl::StrCat(std::string(line), " got ", reply.code));
  }
  return absl::OkStatus();
}

absl::Status Transaction(TestClient& c, std::string_view who) {
  GAUNTLET_RETURN_IF_ERROR(Expect(
      c, "AUTH PLAIN " + smtp::EncodeAuthPlain("", std::string(who), "pw"),
      235));
  GAUNTLET_RETURN_IF_ERROR(Expect(c, "MAIL FROM:<a@x.test>", 250));
  GAUNTLET_RETURN_IF_ERROR(Expect(c, "RCPT TO:<b@x.test>", 250));
  GAUNTLET_RETURN_IF_ERROR(Expect(c, "DATA", 354));
  return Expect(c, "Subject: cut\r\n\r\nbody\r\n.", 250);
}

// The client side of a complete session; stops at the first failure (the
// cut makes the send that reaches it fail, so nothing waits on a timeout).
absl::Status FullSession(TestClient& c, const tls::TlsContext& context) {
  GAUNTLET_RETURN_IF_ERROR(c.ReadReply().status());
  GAUNTLET_RETURN_IF_ERROR(Expect(c, "EHLO cut.test", 250));
  GAUNTLET_RETURN_IF_ERROR(Transaction(c, "plain"));
  GAUNTLET_RETURN_IF_ERROR(Expect(c, "STARTTLS", 220));
  GAUNTLET_RETURN_IF_ERROR(c.StartTls(context));
  GAUNTLET_RETURN_IF_ERROR(Expect(c, "EHLO cut.test", 250));
  GAUNTLET_RETURN_IF_ERROR(Transaction(c, "tls"));
  return Expect(c, "QUIT", 221);
}

absl::Status GoodShortSession(const FakeSmtpServer& server) {
  GAUNTLET_ASSIGN_OR_RETURN(auto c, TestClient::Connect(server.port()));
  GAUNTLET_RETURN_IF_ERROR(c->ReadReply().status());
  GAUNTLET_RETURN_IF_ERROR(Expect(*c, "EHLO after.cut", 250));
  return Expect(*c, "QUIT", 221);
}

TEST(ServerRobustness, ClientCutAtEveryByteOffset) {
  ServerOptions options;
  options.behavior.max_connections = 1 << 20;
  options.behavior.idle_timeout = std::chrono::milliseconds(5000);
  ConnectionBehavior b;
  b.linger_after_tls_failure = std::chrono::milliseconds(100);
  options.behavior.connections.push_back(b);
  auto server = StartServer(options);
  tls::TlsContext context = TrustingContext(TlsVersions::kTls13Only);

  std::size_t total = 0;
  {
    auto full = TestClient::Connect(server->port());
    ASSERT_TRUE(full.ok());
    ASSERT_TRUE(FullSession(**full, context).ok());
    total = (*full)->bytes_sent();
  }
  ASSERT_GT(total, 500u);  // Plaintext part plus a TLS 1.3 session.
  ASSERT_LT(total, 5000u);

  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(240);
  int connections = 1;
  for (std::size_t cut = 0; cut < total; ++cut) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "at " << cut;
    auto c = TestClient::Connect(server->port());
    ASSERT_TRUE(c.ok()) << c.status();
    (*c)->LimitSentBytes(cut);
    EXPECT_FALSE(FullSession(**c, context).ok()) << "cut at " << cut;
    if (cut % 2 == 0) {
      (*c)->Close();
    } else {
      (*c)->Reset();
    }
    absl::Status good = GoodShortSession(*server);
    ASSERT_TRUE(good.ok()) << "after a cut at " << cut << ": " << good;
    connections += 2;
  }
  ASSERT_TRUE(
      server->WaitForConnectionsClosed(std::chrono::seconds(20), connections));
  Transcript t = server->Snapshot();
  ASSERT_EQ(static_cast<int>(t.connections.size()), connections);
  for (const ConnectionTranscript& c : t.connections) {
    EXPECT_NE(c.close, CloseKind::kOpen) << "connection " << c.index;
  }
}

}  // namespace
}  // namespace gauntlet::fake::server::testing
