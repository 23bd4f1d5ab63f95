// The facts the fake server records for the verdict at the moment they
// happen (fake_servers/transcript.h): when each client line's last byte was
// read, injected bytes, replies withheld or delayed, the certificate chain
// served, the TLS fault injected, the versions and cipher set allowed, and a
// TLS record where plaintext was expected.

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/test_util.h"

namespace gauntlet::fake::server::testing {
namespace {

using ::testing::ElementsAre;

const SmtpEvent* Find(const ConnectionTranscript& c, SmtpEvent::Kind kind,
                      std::string_view verb) {
  for (const SmtpEvent& e : c.events) {
    if (e.kind == kind && e.verb == verb) return &e;
  }
  return nullptr;
}

std::unique_ptr<TestClient> UpToStarttls(const FakeSmtpServer& server) {
  auto client = ConnectAndGreet(server);
  EXPECT_EQ(client->Command("EHLO a")->code, 250);
  EXPECT_EQ(client->Command("STARTTLS")->code, 220);
  return client;
}

// A line processed late (behind a delayed reply) keeps the time it was read:
// read_us is when its last byte arrived, t_us when the server handled it.
TEST(ServerFacts, ReadTimeIsWhenTheLineArrivedNotWhenItWasHandled) {
  ConnectionBehavior b;
  b.delays = {{"EHLO", std::chrono::milliseconds(300)}};
  auto server = StartServer(b);
  auto client = ConnectAndGreet(*server);
  ASSERT_TRUE(client->Send("EHLO a\r\nNOOP\r\n").ok());
  EXPECT_EQ(client->ReadReply()->code, 250);
  EXPECT_EQ(client->ReadReply()->code, 250);
  client->Close();
  const Transcript t = WaitAndSnapshot(*server);
  const ConnectionTranscript& c = t.connections[0];
  const SmtpEvent* noop = Find(c, SmtpEvent::Kind::kCommand, "NOOP");
  const SmtpEvent* ehlo_reply = Find(c, SmtpEvent::Kind::kReply, "EHLO");
  const SmtpEvent* delayed = Find(c, SmtpEvent::Kind::kReplyDelayed, "EHLO");
  ASSERT_NE(noop, nullptr);
  ASSERT_NE(ehlo_reply, nullptr);
  ASSERT_NE(delayed, nullptr);
  EXPECT_EQ(delayed->delay_us, 300000);
  EXPECT_GE(noop->read_us, 0);
  // Read before the delayed reply was written, handled after it.
  EXPECT_LT(noop->read_us, ehlo_reply->t_us);
  EXPECT_GT(noop->t_us, ehlo_reply->t_us);
  // Every client line carries a read time no later than its record.
  for (const SmtpEvent& e : c.events) {
    if (e.kind == SmtpEvent::Kind::kCommand) {
      EXPECT_GE(e.read_us, 0) << e.text;
      EXPECT_LE(e.read_us, e.t_us) << e.text;
    }
  }
}

TEST(ServerFacts, InjectedBytesAreTheirOwnEvent) {
  ConnectionBehavior b;
  b.inject_after_starttls_reply = "250 AUTH XGAUNTLET\r\n";
  auto server = StartServer(b);
  auto client = UpToStarttls(*server);
  client->Close();
  const Transcript t = WaitAndSnapshot(*server);
  const ConnectionTranscript& c = t.connections[0];
  const SmtpEvent* reply = Find(c, SmtpEvent::Kind::kReply, "STARTTLS");
  const SmtpEvent* injected = Find(c, SmtpEvent::Kind::kInjected, "STARTTLS");
  ASSERT_NE(reply, nullptr);
  ASSERT_NE(injected, nullptr);
  EXPECT_EQ(injected->text, "250 AUTH XGAUNTLET\r\n");
  EXPECT_EQ(reply->text, "220 2.0.0 Ready to start TLS");
  EXPECT_GE(injected->t_us, reply->t_us);
}

TEST(ServerFacts, WithheldReplyIsRecordedWithItsCommand) {
  ConnectionBehavior b;
  b.ignore_ehlo_in_tls = true;
  auto server = StartServer(b);
  auto client = UpToStarttls(*server);
  tls::TlsContext context = TrustingContext();
  ASSERT_TRUE(client->StartTls(context).ok());
  ASSERT_TRUE(client->Send("EHLO a\r\n").ok());
  EXPECT_FALSE(client->ReadReply(Ms(200)).ok());
  client->Close();
  const Transcript t = WaitAndSnapshot(*server);
  const ConnectionTranscript& c = t.connections[0];
  const SmtpEvent* withheld = Find(c, SmtpEvent::Kind::kReplyWithheld, "EHLO");
  ASSERT_NE(withheld, nullptr);
  EXPECT_EQ(withheld->channel, Channel::kTlsApp);
  EXPECT_EQ(withheld->phase, SessionPhase::kTls);
  // The plaintext EHLO was answered: nothing withheld there.
  EXPECT_EQ(std::count_if(c.events.begin(), c.events.end(),
                          [](const SmtpEvent& e) {
                            return e.kind == SmtpEvent::Kind::kReplyWithheld;
                          }),
            1);
}

TEST(ServerFacts, CertificateServedAndVersionsAllowed) {
  ConnectionBehavior b;
  b.cert = pki::CertProfile::kWrongHost;
  b.tls_versions = TlsVersions::kTls12Only;
  auto server = StartServer(b);
  auto client = UpToStarttls(*server);
  tls::TlsContext context = TrustingContext();
  (void)client->StartTls(context);  // Fails verification: wrong host.
  client->Close();
  const Transcript t = WaitAndSnapshot(*server);
  const TlsFacts& tls = t.connections[0].tls;
  ASSERT_TRUE(tls.certificate.has_value());
  EXPECT_EQ(tls.certificate->profile, "wrong-host");
  EXPECT_THAT(tls.certificate->flaws, ElementsAre(CertFlaw::kNameMismatch));
  EXPECT_THAT(tls.certificate->names, ElementsAre("wrong.gauntlet.test"));
  EXPECT_EQ(tls.certificate->key_type, "ecdsa-p256");
  EXPECT_EQ(tls.certificate->key_bits, 256);
  EXPECT_EQ(tls.certificate->signature, "sha256");
  EXPECT_THAT(tls.server_versions, ElementsAre(TlsVersion::kTls12));
  EXPECT_EQ(tls.server_ciphers, CipherSet::kModern);
  EXPECT_FALSE(tls.fault.has_value());
}

TEST(ServerFacts, WeakKeyAndValidChainFlaws) {
  ConnectionBehavior b;
  b.cert = pki::CertProfile::kRsa1024;
  auto server = StartServer(b);
  auto client = UpToStarttls(*server);
  tls::TlsContext context = TrustingContext();
  (void)client->StartTls(context);
  client->Close();
  const Transcript t = WaitAndSnapshot(*server);
  const TlsFacts& tls = t.connections[0].tls;
  ASSERT_TRUE(tls.certificate.has_value());
  EXPECT_THAT(tls.certificate->flaws, ElementsAre(CertFlaw::kWeakKey));
  EXPECT_EQ(tls.certificate->key_type, "rsa-1024");
  EXPECT_EQ(tls.certificate->key_bits, 1024);
}

TEST(ServerFacts, FaultKindAndPoint) {
  ConnectionBehavior b;
  b.handshake_fault = HandshakeFault::kStall;
  auto server = StartServer(b);
  auto client = UpToStarttls(*server);
  tls::TlsContext context = TrustingContext();
  EXPECT_FALSE(client->StartTls(context, "localhost", Ms(300)).ok());
  client->Close();
  const Transcript t = WaitAndSnapshot(*server);
  const TlsFacts& tls = t.connections[0].tls;
  ASSERT_TRUE(tls.fault.has_value());
  EXPECT_EQ(tls.fault->kind, TlsFault::kStall);
  EXPECT_EQ(tls.fault->where, FaultPoint::kAfterClientHello);
  EXPECT_GE(tls.fault->t_us, 0);
  // No certificate: the server never set up its side.
  EXPECT_FALSE(tls.certificate.has_value());
}

TEST(ServerFacts, TlsRecordWherePlaintextWasExpected) {
  ConnectionBehavior b;
  b.after_starttls = AfterStarttls::kStayPlaintext;
  auto server = StartServer(b);
  auto client = UpToStarttls(*server);
  ASSERT_TRUE(client->SendRaw(std::string("\x16\x03\x01\x00\x05hello", 10)).ok());
  client->Close();
  const Transcript t = WaitAndSnapshot(*server);
  const ConnectionTranscript& c = t.connections[0];
  ASSERT_EQ(c.tls_records_in_plaintext.size(), 1u);
  EXPECT_EQ(c.tls_records_in_plaintext[0].phase,
            SessionPhase::kAfterStarttlsRefused);
}

}  // namespace
}  // namespace gauntlet::fake::server::testing
