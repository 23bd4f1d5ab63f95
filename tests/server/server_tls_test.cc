// The fake server's STARTTLS, TLS and handshake-fault behaviour, against a
// loopback client speaking TLS through the project's own engine.

#include <chrono>
#include <string>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "smtp/auth.h"
#include "smtp/ehlo.h"
#include "tests/server/test_util.h"

namespace gauntlet::fake::server::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

int CodeOf(TestClient& client, std::string_view line) {
  absl::StatusOr<smtp::Reply> reply = client.Command(line);
  EXPECT_TRUE(reply.ok()) << line << ": " << reply.status();
  return reply.ok() ? reply->code : 0;
}

std::vector<std::string> Keywords(TestClient& client) {
  absl::StatusOr<smtp::Reply> reply = client.Command("EHLO client.test");
  EXPECT_TRUE(reply.ok()) << reply.status();
  std::vector<std::string> out;
  if (!reply.ok()) return out;
  absl::StatusOr<smtp::EhloCapabilities> caps =
      smtp::EhloCapabilities::FromReply(*reply);
  EXPECT_TRUE(caps.ok()) << caps.status();
  if (!caps.ok()) return out;
  for (const smtp::Capability& c : caps->capabilities()) {
    out.push_back(c.keyword);
  }
  return out;
}

// Greets, EHLOs and sends STARTTLS; expects the 220.
std::unique_ptr<TestClient> UpToStarttls(const FakeSmtpServer& server) {
  auto client = ConnectAndGreet(server);
  EXPECT_EQ(CodeOf(*client, "EHLO client.test"), 250);
  EXPECT_EQ(CodeOf(*client, "STARTTLS"), 220);
  return client;
}

struct GoodCase {
  TlsVersions client_versions;
  std::string version;
};

class GoodTlsSessionTest : public ::testing::TestWithParam<GoodCase> {};

TEST_P(GoodTlsSessionTest, FullSessionOverTls) {
  auto server = StartServer();
  auto client = ConnectAndGreet(*server);
  EXPECT_THAT(Keywords(*client), Contains("STARTTLS"));
  EXPECT_EQ(CodeOf(*client, "STARTTLS"), 220);
  tls::TlsContext context = TrustingContext(GetParam().client_versions);
  ASSERT_TRUE(client->StartTls(context).ok());
  std::vector<std::string> tls_caps = Keywords(*client);
  EXPECT_THAT(tls_caps, Contains("AUTH"));
  EXPECT_THAT(tls_caps, Not(Contains("STARTTLS")));
  EXPECT_EQ(CodeOf(*client,
                   "AUTH PLAIN " + smtp::EncodeAuthPlain("", "dave", "tls-pw")),
            235);
  EXPECT_EQ(CodeOf(*client, "MAIL FROM:<d@x.test>"), 250);
  EXPECT_EQ(CodeOf(*client, "RCPT TO:<e@x.test>"), 250);
  EXPECT_EQ(CodeOf(*client, "DATA"), 354);
  EXPECT_EQ(CodeOf(*client, "Subject: over tls\r\n\r\nhello\r\n."), 250);
  EXPECT_EQ(CodeOf(*client, "STARTTLS"), 503);
  EXPECT_EQ(CodeOf(*client, "QUIT"), 221);
  EXPECT_EQ(client->WaitForPeerEnd(), PeerEnd::kEof);

  Transcript t = WaitAndSnapshot(*server);
  const ConnectionTranscript& c = t.connections[0];
  EXPECT_EQ(c.tls.outcome, HandshakeOutcome::kCompleted);
  EXPECT_EQ(c.tls.version, GetParam().version);
  EXPECT_FALSE(c.tls.cipher.empty());
  EXPECT_GT(c.tls.handshake_done_us, 0);
  ASSERT_TRUE(c.tls.client_hello.has_value());
  EXPECT_EQ(c.tls.client_hello->sni, "localhost");
  EXPECT_THAT(c.tls.client_hello->offered_versions,
              Contains(GetParam().version));
  EXPECT_FALSE(c.tls.client_hello->offered_suites.empty());
  std::vector<SmtpEvent> creds = EventsOf(c, SmtpEvent::Kind::kCredentials);
  ASSERT_EQ(creds.size(), 1u);
  EXPECT_EQ(creds[0].credentials->user, "dave");
  EXPECT_EQ(creds[0].credentials->password, "tls-pw");
  EXPECT_EQ(creds[0].phase, SessionPhase::kTls);
  EXPECT_EQ(creds[0].channel, Channel::kTlsApp);
  std::vector<SmtpEvent> messages = EventsOf(c, SmtpEvent::Kind::kMessage);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].message_subject, "over tls");
  EXPECT_THAT(ClientBytes(c, Channel::kTlsApp),
              HasSubstr("MAIL FROM:<d@x.test>"));
  EXPECT_THAT(ClientBytes(c, Channel::kTlsRecords), Not(HasSubstr("MAIL")));
  EXPECT_FALSE(ServerBytes(c, Channel::kTlsRecords).empty());
  EXPECT_EQ(c.close, CloseKind::kServerClosed);
}

INSTANTIATE_TEST_SUITE_P(
    Versions, GoodTlsSessionTest,
    ::testing::Values(GoodCase{TlsVersions::kTls13Only, "TLSv1.3"},
                      GoodCase{TlsVersions::kTls12Only, "TLSv1.2"}),
    [](const auto& info) {
      return info.param.version == "TLSv1.3" ? std::string("Tls13")
                                             : std::string("Tls12");
    });

TEST(ServerTls, CapabilitiesDifferInsideTls) {
  ConnectionBehavior b;
  b.capabilities = {"STARTTLS", "X-PLAIN-ONLY"};
  b.tls_capabilities = {"X-TLS-ONLY", "AUTH LOGIN"};
  auto server = StartServer(b);
  auto client = ConnectAndGreet(*server);
  std::vector<std::string> plain = Keywords(*client);
  EXPECT_EQ(plain, (std::vector<std::string>{"STARTTLS", "X-PLAIN-ONLY"}));
  EXPECT_EQ(CodeOf(*client, "STARTTLS"), 220);
  tls::TlsContext context = TrustingContext();
  ASSERT_TRUE(client->StartTls(context).ok());
  std::vector<std::string> secure = Keywords(*client);
  EXPECT_EQ(secure, (std::vector<std::string>{"X-TLS-ONLY", "AUTH"}));
}

TEST(ServerTls, RequireTlsAllowsMailInsideTls) {
  ConnectionBehavior b;
  b.require_tls = true;
  auto server = StartServer(b);
  auto client = UpToStarttls(*server);
  tls::TlsContext context = TrustingContext();
  ASSERT_TRUE(client->StartTls(context).ok());
  EXPECT_EQ(CodeOf(*client, "EHLO a"), 250);
  EXPECT_EQ(CodeOf(*client, "MAIL FROM:<a@x.test>"), 250);
}

TEST(ServerTls, OverrideRestrictedToTlsPhase) {
  ConnectionBehavior b;
  b.reply_overrides.push_back({"EHLO", "250 only-tls\r\n", Phase::kTls, false});
  auto server = StartServer(b);
  auto client = ConnectAndGreet(*server);
  EXPECT_THAT(Keywords(*client), Contains("STARTTLS"));
  EXPECT_EQ(CodeOf(*client, "STARTTLS"), 220);
  tls::TlsContext context = TrustingContext();
  ASSERT_TRUE(client->StartTls(context).ok());
  absl::StatusOr<smtp::Reply> ehlo = client->Command("EHLO a");
  ASSERT_TRUE(ehlo.ok());
  EXPECT_EQ(ehlo->lines, (std::vector<std::string>{"only-tls"}));
}

TEST(ServerTls, IgnoreEhloInTlsSendsNothing) {
  ConnectionBehavior b;
  b.ignore_ehlo_in_tls = true;
  auto server = StartServer(b);
  auto client = UpToStarttls(*server);
  tls::TlsContext context = TrustingContext();
  ASSERT_TRUE(client->StartTls(context).ok());
  ASSERT_TRUE(client->Send("EHLO a\r\n").ok());
  absl::StatusOr<smtp::Reply> none = client->ReadReply(Ms(300));
  EXPECT_TRUE(absl::IsDeadlineExceeded(none.status())) << none.status();
  EXPECT_EQ(CodeOf(*client, "NOOP"), 250);  // Still serving.
  client->Close();
  Transcript t = WaitAndSnapshot(*server);
  std::vector<SmtpEvent> ehlos =
      EventsOf(t.connections[0], SmtpEvent::Kind::kCommand, "EHLO");
  ASSERT_EQ(ehlos.size(), 2u);
  EXPECT_EQ(ehlos[1].phase, SessionPhase::kTls);
  EXPECT_TRUE(
      EventsOf(t.connections[0], SmtpEvent::Kind::kReply, "EHLO").size() == 1u);
}

TEST(ServerTls, StarttlsInsideTlsGetsConfiguredReply) {
  ConnectionBehavior b;
  b.starttls_in_tls_reply = "220 2.0.0 go ahead again\r\n";
  auto server = StartServer(b);
  auto client = UpToStarttls(*server);
  tls::TlsContext context = TrustingContext();
  ASSERT_TRUE(client->StartTls(context).ok());
  EXPECT_EQ(CodeOf(*client, "STARTTLS"), 220);
  EXPECT_EQ(CodeOf(*client, "NOOP"), 250);  // Still the same TLS session.
}

TEST(ServerTls, InjectionArrivesInTheSameReadAsThe220) {
  ConnectionBehavior b;
  b.inject_after_starttls_reply = "250-evil\r\n250 AUTH PLA";
  auto server = StartServer(b);
  auto client = ConnectAndGreet(*server);
  EXPECT_EQ(CodeOf(*client, "EHLO a"), 250);
  ASSERT_TRUE(client->Send("STARTTLS\r\n").ok());
  absl::StatusOr<std::string> raw = client->ReadRaw();
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(*raw, "220 2.0.0 Ready to start TLS\r\n250-evil\r\n250 AUTH PLA");
  // A secure client discards the injected bytes and handshakes.
  tls::TlsContext context = TrustingContext();
  ASSERT_TRUE(client->StartTls(context).ok());
  EXPECT_EQ(CodeOf(*client, "EHLO a"), 250);
  client->Close();
  Transcript t = WaitAndSnapshot(*server);
  const ConnectionTranscript& c = t.connections[0];
  int chunks_with_220 = 0;
  for (const WireChunk& w : c.wire) {
    if (w.direction == Direction::kServerToClient &&
        absl::StrContains(w.bytes, "Ready to start TLS")) {
      ++chunks_with_220;
      EXPECT_THAT(w.bytes, HasSubstr("250-evil"));
    }
  }
  EXPECT_EQ(chunks_with_220, 1);
  const std::vector<SmtpEvent> injected =
      EventsOf(c, SmtpEvent::Kind::kInjected, "STARTTLS");
  ASSERT_EQ(injected.size(), 1u);
  EXPECT_EQ(injected[0].text, "250-evil\r\n250 AUTH PLA");
}

TEST(ServerTls, PipelinedBytesAfterStarttlsAreRecordedNotAnswered) {
  auto server = StartServer();
  auto client = ConnectAndGreet(*server);
  EXPECT_EQ(CodeOf(*client, "EHLO a"), 250);
  ASSERT_TRUE(client->Send("STARTTLS\r\nEHLO sneaky\r\n").ok());
  absl::StatusOr<std::string> raw = client->ReadRaw();
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(*raw, "220 2.0.0 Ready to start TLS\r\n");
  tls::TlsContext context = TrustingContext();
  ASSERT_TRUE(client->StartTls(context).ok());
  EXPECT_EQ(CodeOf(*client, "NOOP"), 250);
  client->Close();
  Transcript t = WaitAndSnapshot(*server);
  const ConnectionTranscript& c = t.connections[0];
  EXPECT_EQ(c.bytes_after_starttls, "EHLO sneaky\r\n");
  std::vector<SmtpEvent> ehlos = EventsOf(c, SmtpEvent::Kind::kCommand, "EHLO");
  ASSERT_EQ(ehlos.size(), 2u);
  EXPECT_EQ(ehlos[1].phase, SessionPhase::kAfterStarttlsCommand);
  EXPECT_EQ(ehlos[1].text, "EHLO sneaky");
  EXPECT_EQ(c.tls.outcome, HandshakeOutcome::kCompleted);
}

TEST(ServerTls, BytesSentWhileStarttlsReplyIsDelayedAreAttributed) {
  ConnectionBehavior b;
  b.delays.push_back({"STARTTLS", std::chrono::milliseconds(300)});
  b.starttls_reply = "454 4.7.0 not now\r\n";
  auto server = StartServer(b);
  auto client = ConnectAndGreet(*server);
  ASSERT_TRUE(client->Send("STARTTLS\r\n").ok());
  ASSERT_TRUE(client->Send("MAIL FROM:<early@x.test>\r\n").ok());
  EXPECT_EQ(client->ReadReply()->code, 454);
  EXPECT_EQ(client->ReadReply()->code, 503);  // No EHLO yet: answered.
  client->Close();
  Transcript t = WaitAndSnapshot(*server);
  const ConnectionTranscript& c = t.connections[0];
  EXPECT_EQ(c.bytes_after_starttls, "MAIL FROM:<early@x.test>\r\n");
  std::vector<SmtpEvent> mail = EventsOf(c, SmtpEvent::Kind::kCommand, "MAIL");
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_EQ(mail[0].phase, SessionPhase::kAfterStarttlsCommand);
}

// --- Handshake faults --------------------------------------------------------

ConnectionBehavior WithFault(HandshakeFault fault) {
  ConnectionBehavior b;
  b.handshake_fault = fault;
  b.linger_after_tls_failure = std::chrono::milliseconds(1500);
  return b;
}

TEST(ServerTlsFault, CloseBeforeHandshakeSendsFin) {
  auto server = StartServer(WithFault(HandshakeFault::kCloseBeforeHandshake));
  auto client = UpToStarttls(*server);
  absl::StatusOr<std::string> raw = client->ReadRaw();
  EXPECT_TRUE(absl::IsNotFound(raw.status())) << raw.status();  // FIN.
  client->Close();
  Transcript t = WaitAndSnapshot(*server);
  const ConnectionTranscript& c = t.connections[0];
  EXPECT_EQ(c.tls.outcome, HandshakeOutcome::kFaultInjected);
  EXPECT_FALSE(c.tls.client_hello.has_value());
  EXPECT_EQ(c.close, CloseKind::kServerClosed);
}

TEST(ServerTlsFault, ResetBeforeHandshakeSendsRst) {
  auto server = StartServer(WithFault(HandshakeFault::kResetBeforeHandshake));
  auto client = UpToStarttls(*server);
  EXPECT_EQ(client->WaitForPeerEnd(), PeerEnd::kReset);
  Transcript t = WaitAndSnapshot(*server);
  EXPECT_EQ(t.connections[0].tls.outcome, HandshakeOutcome::kFaultInjected);
  EXPECT_EQ(t.connections[0].close, CloseKind::kServerClosed);
}

TEST(ServerTlsFault, StallReadsClientHelloAndSaysNothing) {
  auto server = StartServer(WithFault(HandshakeFault::kStall));
  auto client = UpToStarttls(*server);
  tls::TlsContext context = TrustingContext();
  absl::Status s = client->StartTls(context, "localhost", Ms(400));
  EXPECT_TRUE(absl::IsDeadlineExceeded(s)) << s;
  client->Close();
  Transcript t = WaitAndSnapshot(*server);
  const ConnectionTranscript& c = t.connections[0];
  EXPECT_EQ(c.tls.outcome, HandshakeOutcome::kFaultInjected);
  ASSERT_TRUE(c.tls.client_hello.has_value());
  EXPECT_EQ(c.tls.client_hello->sni, "localhost");
  EXPECT_TRUE(ServerBytes(c, Channel::kTlsRecords).empty());
}

TEST(ServerTlsFault, PlaintextInsteadOfServerHello) {
  auto server =
      StartServer(WithFault(HandshakeFault::kPlaintextInsteadOfServerHello));
  auto client = UpToStarttls(*server);
  tls::TlsContext context = TrustingContext();
  absl::Status s = client->StartTls(context);
  EXPECT_FALSE(s.ok());
  ASSERT_NE(client->tls(), nullptr);
  EXPECT_EQ(client->tls()->failure().kind, tls::FailureKind::kNonTls)
      << client->tls()->failure().message;
  client->Close();
  Transcript t = WaitAndSnapshot(*server);
  EXPECT_EQ(t.connections[0].tls.outcome, HandshakeOutcome::kFaultInjected);
  EXPECT_EQ(ServerBytes(t.connections[0], Channel::kPlaintext).substr(0, 0),
            "");
  EXPECT_THAT(ServerBytes(t.connections[0], Channel::kPlaintext),
              HasSubstr("250 OK\r\n"));
}

TEST(ServerTlsFault, FatalAlertInsteadOfServerHello) {
  auto server = StartServer(WithFault(HandshakeFault::kFatalAlert));
  auto client = UpToStarttls(*server);
  tls::TlsContext context = TrustingContext();
  EXPECT_FALSE(client->StartTls(context).ok());
  ASSERT_NE(client->tls(), nullptr);
  const tls::TlsFailure& failure = client->tls()->failure();
  EXPECT_EQ(failure.kind, tls::FailureKind::kPeerAlert) << failure.message;
  ASSERT_TRUE(failure.peer_alert.has_value());
  EXPECT_EQ(failure.peer_alert->description, tls::kAlertHandshakeFailure);
  client->Close();
  Transcript t = WaitAndSnapshot(*server);
  EXPECT_EQ(t.connections[0].tls.outcome, HandshakeOutcome::kFaultInjected);
  EXPECT_THAT(t.connections[0].tls.alerts_sent,
              Contains(HasSubstr("handshake_failure")));
}

TEST(ServerTlsFault, PartialFlightThenClose) {
  ConnectionBehavior b = WithFault(HandshakeFault::kPartialFlightThenClose);
  b.partial_flight_bytes = 40;
  auto server = StartServer(b);
  auto client = UpToStarttls(*server);
  tls::TlsContext context = TrustingContext();
  EXPECT_FALSE(client->StartTls(context).ok());
  EXPECT_EQ(client->tls()->failure().kind, tls::FailureKind::kTruncated)
      << client->tls()->failure().message;
  client->Close();
  Transcript t = WaitAndSnapshot(*server);
  EXPECT_EQ(t.connections[0].tls.outcome, HandshakeOutcome::kFaultInjected);
  EXPECT_EQ(ServerBytes(t.connections[0], Channel::kTlsRecords).size(), 40u);
}

TEST(ServerTlsFault, CloseAfterHandshake) {
  auto server = StartServer(WithFault(HandshakeFault::kCloseAfterHandshake));
  auto client = UpToStarttls(*server);
  tls::TlsContext context = TrustingContext(TlsVersions::kTls12Only);
  ASSERT_TRUE(client->StartTls(context).ok());
  absl::StatusOr<smtp::Reply> r = client->Command("EHLO a");
  EXPECT_FALSE(r.ok());
  Transcript t = WaitAndSnapshot(*server);
  const ConnectionTranscript& c = t.connections[0];
  EXPECT_EQ(c.tls.outcome, HandshakeOutcome::kCompleted);
  EXPECT_THAT(c.tls.failure, HasSubstr("injected"));
  EXPECT_EQ(c.close, CloseKind::kServerClosed);
}

TEST(ServerTlsFault, Tls11OnlyIsRefusedByAModernClient) {
  ConnectionBehavior b;
  b.tls_versions = TlsVersions::kTls11Only;
  auto server = StartServer(b);
  auto client = UpToStarttls(*server);
  tls::TlsContext context = TrustingContext();
  EXPECT_FALSE(client->StartTls(context).ok());
  client->Close();
  Transcript t = WaitAndSnapshot(*server);
  const ConnectionTranscript& c = t.connections[0];
  EXPECT_NE(c.tls.outcome, HandshakeOutcome::kCompleted);
  ASSERT_TRUE(c.tls.client_hello.has_value());
  EXPECT_THAT(c.tls.client_hello->offered_versions, Not(Contains("TLSv1.1")));
}

TEST(ServerTlsFault, Tls11OnlyNegotiatesTls11WithAWillingClient) {
  ConnectionBehavior b;
  b.tls_versions = TlsVersions::kTls11Only;
  auto server = StartServer(b);
  auto client = UpToStarttls(*server);
  absl::StatusOr<tls::TlsContext> context =
      ClientContext(SharedPki()->RootPem(), TlsVersions::kTls11Only);
  ASSERT_TRUE(context.ok()) << context.status();
  ASSERT_TRUE(client->StartTls(*context).ok());
  client->Close();
  Transcript t = WaitAndSnapshot(*server);
  EXPECT_EQ(t.connections[0].tls.version, "TLSv1.1");
}

TEST(ServerTlsFault, WeakOnlyCiphers) {
  ConnectionBehavior b;
  b.cipher_policy = CipherPolicy::kWeakOnly;
  auto server = StartServer(b, 8);
  auto modern = UpToStarttls(*server);
  tls::TlsContext context = TrustingContext();
  EXPECT_FALSE(modern->StartTls(context).ok());
  modern->Close();
  auto weak = UpToStarttls(*server);
  tls::TlsContextConfig config;
  config.role = tls::Role::kClient;
  config.ca_pem = SharedPki()->RootPem();
  config.ciphers = CipherPolicy::kWeakOnly;
  absl::StatusOr<tls::TlsContext> weak_context =
      tls::TlsContext::Create(config);
  ASSERT_TRUE(weak_context.ok()) << weak_context.status();
  ASSERT_TRUE(weak->StartTls(*weak_context).ok());
  weak->Close();
  Transcript t = WaitAndSnapshot(*server, 2);
  EXPECT_EQ(t.connections[0].tls.outcome, HandshakeOutcome::kFailed);
  EXPECT_EQ(t.connections[1].tls.version, "TLSv1.2");
  EXPECT_THAT(t.connections[1].tls.cipher, HasSubstr("3DES"));
}

TEST(ServerTlsFault, RsaKeyTypeIsServed) {
  ConnectionBehavior b;
  b.key_type = pki::KeyType::kRsa2048;
  auto server = StartServer(b);
  auto client = UpToStarttls(*server);
  tls::TlsContext context = TrustingContext(TlsVersions::kTls12Only);
  ASSERT_TRUE(client->StartTls(context).ok());
  client->Close();
  Transcript t = WaitAndSnapshot(*server);
  EXPECT_THAT(t.connections[0].tls.cipher, HasSubstr("RSA"));
}

// --- After a failed handshake ------------------------------------------------

TEST(ServerTlsLinger, ExpiredCertThenPlaintextAuthOnTheSameConnection) {
  ConnectionBehavior b;
  b.cert = pki::CertProfile::kExpired;
  auto server = StartServer(b);
  auto client = UpToStarttls(*server);
  tls::TlsContext context = TrustingContext();
  EXPECT_FALSE(client->StartTls(context).ok());
  EXPECT_EQ(client->tls()->failure().kind,
            tls::FailureKind::kCertificateRejected);
  // A broken client falls back to plaintext on the same connection.
  ASSERT_TRUE(client->SendRaw("EHLO fallback\r\n").ok());
  absl::StatusOr<std::string> reply;
  std::string got;
  for (int i = 0; i < 20 && !absl::StrContains(got, "250 "); ++i) {
    reply = client->ReadRaw();
    ASSERT_TRUE(reply.ok()) << reply.status();
    got += *reply;
  }
  ASSERT_TRUE(client
                  ->SendRaw("AUTH PLAIN " +
                            smtp::EncodeAuthPlain("", "erin", "leaked") +
                            "\r\n")
                  .ok());
  reply = client->ReadRaw();
  ASSERT_TRUE(reply.ok());
  EXPECT_THAT(*reply, HasSubstr("235"));
  client->Close();
  Transcript t = WaitAndSnapshot(*server);
  const ConnectionTranscript& c = t.connections[0];
  EXPECT_EQ(c.tls.outcome, HandshakeOutcome::kFailed);
  EXPECT_THAT(c.tls.alerts_received, Not(IsEmpty()));
  std::vector<SmtpEvent> creds = EventsOf(c, SmtpEvent::Kind::kCredentials);
  ASSERT_EQ(creds.size(), 1u);
  EXPECT_EQ(creds[0].phase, SessionPhase::kAfterTlsFailure);
  EXPECT_EQ(creds[0].channel, Channel::kPlaintext);
  EXPECT_EQ(creds[0].credentials->password, "leaked");
}

TEST(ServerTlsLinger, ClientSpeakingPlaintextAfter220IsNotTls) {
  auto server = StartServer();
  auto client = UpToStarttls(*server);
  EXPECT_EQ(CodeOf(*client, "EHLO still-plain"), 250);
  EXPECT_EQ(CodeOf(*client, "MAIL FROM:<a@x.test>"), 250);
  client->Close();
  Transcript t = WaitAndSnapshot(*server);
  const ConnectionTranscript& c = t.connections[0];
  EXPECT_EQ(c.tls.outcome, HandshakeOutcome::kNotTls);
  std::vector<SmtpEvent> mail = EventsOf(c, SmtpEvent::Kind::kCommand, "MAIL");
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_EQ(mail[0].phase, SessionPhase::kAfterTlsFailure);
  EXPECT_THAT(ClientBytes(c, Channel::kPlaintext),
              HasSubstr("EHLO still-plain"));
}

TEST(ServerTlsLinger, LingerEndsTheConnection) {
  ConnectionBehavior b =
      WithFault(HandshakeFault::kPlaintextInsteadOfServerHello);
  b.linger_after_tls_failure = std::chrono::milliseconds(200);
  auto server = StartServer(b);
  auto client = UpToStarttls(*server);
  tls::TlsContext context = TrustingContext();
  EXPECT_FALSE(client->StartTls(context).ok());
  EXPECT_EQ(client->WaitForPeerEnd(), PeerEnd::kEof);
  Transcript t = WaitAndSnapshot(*server);
  EXPECT_EQ(t.connections[0].close, CloseKind::kServerTimeout);
}

TEST(ServerTlsLinger, NoClientHelloBeforeClose) {
  auto server = StartServer();
  auto client = UpToStarttls(*server);
  client->Close();
  Transcript t = WaitAndSnapshot(*server);
  EXPECT_EQ(t.connections[0].tls.outcome, HandshakeOutcome::kNoClientHello);
  EXPECT_EQ(t.connections[0].close, CloseKind::kClientFin);
}

// --- What the client did after the handshake ---------------------------------

TEST(ServerTlsClose, CloseNotifyThenFin) {
  auto server = StartServer();
  auto client = UpToStarttls(*server);
  tls::TlsContext context = TrustingContext();
  ASSERT_TRUE(client->StartTls(context).ok());
  ASSERT_TRUE(client->TlsShutdown().ok());
  // FIN, not close(): unread session tickets would turn close() into RST.
  client->CloseWrite();
  EXPECT_EQ(client->WaitForPeerEnd(), PeerEnd::kEof);
  Transcript t = WaitAndSnapshot(*server);
  EXPECT_EQ(t.connections[0].close, CloseKind::kClientTlsClose);
}

TEST(ServerTlsClose, FinWithoutCloseNotifyIsTruncation) {
  auto server = StartServer();
  auto client = UpToStarttls(*server);
  tls::TlsContext context = TrustingContext();
  ASSERT_TRUE(client->StartTls(context).ok());
  client->CloseWrite();
  EXPECT_EQ(client->WaitForPeerEnd(), PeerEnd::kEof);
  Transcript t = WaitAndSnapshot(*server);
  const ConnectionTranscript& c = t.connections[0];
  EXPECT_EQ(c.close, CloseKind::kTlsTruncated);
  EXPECT_EQ(c.tls.outcome, HandshakeOutcome::kCompleted);
  // The client never sent EHLO inside TLS: visible as no kTls command.
  for (const SmtpEvent& e : c.events) {
    if (e.kind == SmtpEvent::Kind::kCommand) {
      EXPECT_NE(e.phase, SessionPhase::kTls);
    }
  }
}

TEST(ServerTlsClose, ContextsAreReusedAcrossConnections) {
  auto server = StartServer(ConnectionBehavior{}, 8);
  for (int i = 0; i < 3; ++i) {
    auto client = UpToStarttls(*server);
    tls::TlsContext context = TrustingContext();
    ASSERT_TRUE(client->StartTls(context).ok());
    EXPECT_EQ(CodeOf(*client, "QUIT"), 221);
  }
  Transcript t = WaitAndSnapshot(*server, 3);
  for (const ConnectionTranscript& c : t.connections) {
    EXPECT_EQ(c.tls.outcome, HandshakeOutcome::kCompleted);
  }
}

}  // namespace
}  // namespace gauntlet::fake::server::testing
