// In-memory client and server TlsSessions pumped against each other: real
// wolfSSL handshakes over certificates made by the openssl CLI.

#include "tls/tls_session.h"

#include <ctime>
#include <memory>
#include <string>
#include <tuple>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/tls/tls_test_util.h"
#include "tls/record_layer.h"
#include "tls/tls_context.h"
#include "tls/tls_names.h"

namespace gauntlet::tls {
namespace {

using ::testing::HasSubstr;
using testing::ClientContext;
using testing::Identity;
using testing::LeafSpec;
using testing::PumpHandshake;
using testing::PumpResult;
using testing::ServerContext;
using testing::TestKey;
using testing::TestPki;
using testing::Transfer;

class TlsSessionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto pki = TestPki::Create();
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = std::move(*pki).release();
    auto ec = pki_->Issue(LeafSpec{});
    ASSERT_TRUE(ec.ok()) << ec.status();
    ecdsa_ = new Identity(*ec);
    LeafSpec rsa_spec;
    rsa_spec.key = TestKey::kRsa2048;
    auto rsa = pki_->Issue(rsa_spec);
    ASSERT_TRUE(rsa.ok()) << rsa.status();
    rsa_ = new Identity(*rsa);
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete ecdsa_;
    delete rsa_;
  }

  static TlsSession Server(const Identity& id, TlsContextConfig config = {}) {
    auto ctx = ServerContext(id, config);
    EXPECT_TRUE(ctx.ok()) << ctx.status();
    auto s = TlsSession::Create(*ctx);
    EXPECT_TRUE(s.ok()) << s.status();
    return std::move(*s);
  }
  static TlsSession Client(TlsContextConfig config = {},
                           const std::string& host = "localhost") {
    auto ctx = ClientContext(pki_->root_pem(), config);
    EXPECT_TRUE(ctx.ok()) << ctx.status();
    SessionConfig sc;
    sc.server_name = host;
    auto s = TlsSession::Create(*ctx, sc);
    EXPECT_TRUE(s.ok()) << s.status();
    return std::move(*s);
  }
  // Handshake of a default client against a server presenting `leaf`.
  static std::pair<PumpResult, std::unique_ptr<TlsSession>> Against(
      const LeafSpec& leaf, TlsContextConfig client_config = {}) {
    auto id = pki_->Issue(leaf);
    EXPECT_TRUE(id.ok()) << id.status();
    TlsSession server = Server(*id);
    auto client = std::make_unique<TlsSession>(Client(client_config));
    PumpResult r = PumpHandshake(*client, server);
    return {r, std::move(client)};
  }

  static TestPki* pki_;
  static Identity* ecdsa_;
  static Identity* rsa_;
};

TestPki* TlsSessionTest::pki_ = nullptr;
Identity* TlsSessionTest::ecdsa_ = nullptr;
Identity* TlsSessionTest::rsa_ = nullptr;

std::string Stamp(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%d%H%M%SZ", &tm);
  return buf;
}

struct VersionCase {
  tls::Versions versions;
  TestKey key;
  const char* version;
  const char* suite;
  const char* wolf_suite;
};

class HandshakeMatrixTest : public TlsSessionTest,
                            public ::testing::WithParamInterface<VersionCase> {};

TEST_P(HandshakeMatrixTest, CompletesAndReportsNegotiatedParameters) {
  const VersionCase& c = GetParam();
  TlsContextConfig server_config;
  server_config.versions = c.versions;
  TlsSession server =
      Server(c.key == TestKey::kEcdsaP256 ? *ecdsa_ : *rsa_, server_config);
  TlsSession client = Client();
  const PumpResult r = PumpHandshake(client, server);
  ASSERT_TRUE(r.both_complete()) << r.client << " / " << r.server;

  for (const TlsSession* s : {&client, &server}) {
    ASSERT_TRUE(s->facts().has_value());
    EXPECT_EQ(s->facts()->version, c.version);
    EXPECT_EQ(s->facts()->cipher_suite_name, c.suite);
    EXPECT_EQ(s->facts()->cipher_suite_wolfssl, c.wolf_suite);
    EXPECT_EQ(s->facts()->sni, "localhost");
    EXPECT_EQ(s->state(), SessionState::kEstablished);
  }
  EXPECT_TRUE(client.facts()->peer_certificate_present);
  EXPECT_EQ(client.facts()->peer_chain_length, 2);  // Leaf + intermediate.
  EXPECT_FALSE(server.facts()->peer_certificate_present);
  // The server's own ClientHello parse saw what wolfSSL's client offered.
  ASSERT_EQ(server.client_hello().status, ClientHelloStatus::kComplete);
  EXPECT_TRUE(server.client_hello().hello.OffersVersion(kTls13));
  EXPECT_TRUE(server.client_hello().hello.OffersVersion(kTls12));

  // Application data both ways, then a clean close_notify.
  ASSERT_TRUE(client.WritePlaintext("EHLO client.example\r\n").ok());
  ASSERT_TRUE(Transfer(client, server).ok());
  auto got = server.ReadPlaintext(4096);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->event, ReadEvent::kData);
  EXPECT_EQ(got->plaintext, "EHLO client.example\r\n");

  ASSERT_TRUE(server.WritePlaintext("250 ok\r\n").ok());
  ASSERT_TRUE(server.Shutdown().ok());
  EXPECT_TRUE(server.close_notify_sent());
  ASSERT_TRUE(Transfer(server, client).ok());
  client.FeedEndOfStream();
  std::string received;
  for (int i = 0; i < 8; ++i) {
    auto r2 = client.ReadPlaintext(4096);
    ASSERT_TRUE(r2.ok()) << r2.status();
    if (r2->event == ReadEvent::kData) received += r2->plaintext;
    if (r2->event == ReadEvent::kCloseNotify) break;
  }
  EXPECT_EQ(received, "250 ok\r\n");
  EXPECT_TRUE(client.close_notify_received());
  EXPECT_EQ(client.state(), SessionState::kCloseNotifyReceived);
}

INSTANTIATE_TEST_SUITE_P(
    Versions, HandshakeMatrixTest,
    ::testing::Values(
        VersionCase{tls::Versions::kDefault, TestKey::kEcdsaP256, "TLSv1.3",
                    "TLS_AES_128_GCM_SHA256", "TLS13-AES128-GCM-SHA256"},
        VersionCase{tls::Versions::kTls13Only, TestKey::kRsa2048, "TLSv1.3",
                    "TLS_AES_128_GCM_SHA256", "TLS13-AES128-GCM-SHA256"},
        VersionCase{tls::Versions::kTls12Only, TestKey::kEcdsaP256,
                    "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                    "ECDHE-ECDSA-AES128-GCM-SHA256"},
        VersionCase{tls::Versions::kTls12Only, TestKey::kRsa2048, "TLSv1.2",
                    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                    "ECDHE-RSA-AES128-GCM-SHA256"}));

TEST_F(TlsSessionTest, ByteObserverSeesEveryByteInBothDirections) {
  TlsSession server = Server(*ecdsa_);
  TlsSession client = Client();
  std::string in, out;
  server.SetByteObserver([&](Direction d, std::string_view bytes) {
    (d == Direction::kInbound ? in : out).append(bytes);
  });
  std::string client_sent;
  client.SetByteObserver([&](Direction d, std::string_view bytes) {
    if (d == Direction::kOutbound) client_sent.append(bytes);
  });
  ASSERT_TRUE(PumpHandshake(client, server).both_complete());
  EXPECT_EQ(in.size(), server.bytes_received());
  EXPECT_EQ(out.size(), server.bytes_sent());
  EXPECT_EQ(in, client_sent);
  EXPECT_GT(out.size(), 100u);
}

TEST_F(TlsSessionTest, ClientRejectsExpiredCertificate) {
  LeafSpec leaf;
  const std::time_t now = std::time(nullptr);
  leaf.not_before = Stamp(now - 60 * 86400);
  leaf.not_after = Stamp(now - 30 * 86400);
  auto [r, client] = Against(leaf);
  ASSERT_FALSE(r.client.ok());
  EXPECT_EQ(client->failure().kind, FailureKind::kCertificateRejected)
      << client->failure().message;
  ASSERT_FALSE(client->verify_events().empty());
  EXPECT_EQ(client->verify_events()[0].depth, 0);
  EXPECT_FALSE(client->verify_events()[0].overridden);
  EXPECT_THAT(client->failure().message, HasSubstr("expired"));
  // The server learns of it through the client's (encrypted, TLS 1.3) alert.
  EXPECT_FALSE(r.server.ok());
}

TEST_F(TlsSessionTest, ServerSeesTheClientsRejectionAlert) {
  LeafSpec leaf;
  leaf.from_unknown_root = true;
  auto id = pki_->Issue(leaf);
  ASSERT_TRUE(id.ok());
  TlsSession server = Server(*id);
  TlsSession client = Client();
  const PumpResult r = PumpHandshake(client, server);
  ASSERT_FALSE(r.server.ok());
  EXPECT_EQ(server.failure().kind, FailureKind::kPeerAlert)
      << server.failure().message;
  ASSERT_TRUE(server.failure().peer_alert.has_value());
  EXPECT_TRUE(server.failure().peer_alert->fatal());
  EXPECT_TRUE(server.failure().peer_alert->encrypted);  // TLS 1.3.
  ASSERT_TRUE(client.failure().sent_alert.has_value());
  EXPECT_EQ(server.failure().peer_alert->description,
            client.failure().sent_alert->description);
}

TEST_F(TlsSessionTest, IgnoreDatesAcceptsExpiredAndNotYetValid) {
  TlsContextConfig flawed;
  flawed.ignore_validity_dates = true;
  const std::time_t now = std::time(nullptr);
  LeafSpec expired;
  expired.not_before = Stamp(now - 60 * 86400);
  expired.not_after = Stamp(now - 30 * 86400);
  auto [r1, c1] = Against(expired, flawed);
  EXPECT_TRUE(r1.both_complete()) << r1.client;
  ASSERT_FALSE(c1->verify_events().empty());
  EXPECT_TRUE(c1->verify_events()[0].overridden);

  LeafSpec future;
  future.not_before = Stamp(now + 30 * 86400);
  future.not_after = Stamp(now + 60 * 86400);
  auto [r2, c2] = Against(future, flawed);
  EXPECT_TRUE(r2.both_complete()) << r2.client;
  // ...and without the flaw, the not-yet-valid leaf is refused.
  auto [r3, c3] = Against(future);
  EXPECT_FALSE(r3.client.ok());
  EXPECT_EQ(c3->failure().kind, FailureKind::kCertificateRejected);
}

TEST_F(TlsSessionTest, IgnoreDatesStillRejectsUnknownCa) {
  TlsContextConfig flawed;
  flawed.ignore_validity_dates = true;
  LeafSpec leaf;
  leaf.from_unknown_root = true;
  auto [r, client] = Against(leaf, flawed);
  ASSERT_FALSE(r.client.ok());
  EXPECT_EQ(client->failure().kind, FailureKind::kCertificateRejected)
      << client->failure().message;

  // Expired AND from an unknown root: overriding the date must not let the
  // missing trust anchor through.
  const std::time_t now = std::time(nullptr);
  leaf.not_before = Stamp(now - 60 * 86400);
  leaf.not_after = Stamp(now - 30 * 86400);
  auto [r2, c2] = Against(leaf, flawed);
  ASSERT_FALSE(r2.client.ok());
  EXPECT_EQ(c2->failure().kind, FailureKind::kCertificateRejected)
      << c2->failure().message;
}

TEST_F(TlsSessionTest, ClientRejectsUnknownCaUnlessVerificationIsOff) {
  LeafSpec leaf;
  leaf.from_unknown_root = true;
  auto [r, client] = Against(leaf);
  ASSERT_FALSE(r.client.ok());
  EXPECT_EQ(client->failure().kind, FailureKind::kCertificateRejected);
  EXPECT_THAT(client->failure().message, HasSubstr("rejected"));
  std::printf("unknown CA: %s\n", client->failure().message.c_str());

  TlsContextConfig no_verify;
  no_verify.verify_peer = false;
  auto [r2, c2] = Against(leaf, no_verify);
  EXPECT_TRUE(r2.both_complete()) << r2.client;
  EXPECT_TRUE(c2->facts()->peer_certificate_present);
}

TEST_F(TlsSessionTest, ClientRejectsWrongHostUnlessHostCheckIsOff) {
  LeafSpec leaf;
  leaf.dns_name = "wrong.gauntlet.test";
  auto [r, client] = Against(leaf);
  ASSERT_FALSE(r.client.ok());
  EXPECT_EQ(client->failure().kind, FailureKind::kCertificateRejected)
      << client->failure().message;
  std::printf("wrong host: %s\n", client->failure().message.c_str());

  TlsContextConfig no_host;
  no_host.check_host_name = false;
  auto [r2, c2] = Against(leaf, no_host);
  EXPECT_TRUE(r2.both_complete()) << r2.client;
  // Skipping the host check does not skip the chain check.
  LeafSpec unknown = leaf;
  unknown.from_unknown_root = true;
  auto [r3, c3] = Against(unknown, no_host);
  EXPECT_FALSE(r3.client.ok());
}

TEST_F(TlsSessionTest, TruncationAfterHandshakeIsAnError) {
  TlsSession server = Server(*ecdsa_);
  TlsSession client = Client();
  ASSERT_TRUE(PumpHandshake(client, server).both_complete());
  ASSERT_TRUE(server.WritePlaintext("250 ok\r\n").ok());
  ASSERT_TRUE(Transfer(server, client).ok());
  client.FeedEndOfStream();  // FIN, no close_notify.
  std::string data;
  absl::Status final_status;
  for (int i = 0; i < 8; ++i) {
    auto r = client.ReadPlaintext(4096);
    if (!r.ok()) {
      final_status = r.status();
      break;
    }
    ASSERT_NE(r->event, ReadEvent::kCloseNotify);
    data += r->plaintext;
  }
  EXPECT_EQ(data, "250 ok\r\n");
  EXPECT_EQ(final_status.code(), absl::StatusCode::kDataLoss) << final_status;
  EXPECT_EQ(client.failure().kind, FailureKind::kTruncated);
  EXPECT_THAT(client.failure().message, HasSubstr("at a record boundary"));
  EXPECT_FALSE(client.close_notify_received());
}

TEST_F(TlsSessionTest, TruncationInsideARecordIsAnError) {
  TlsSession server = Server(*ecdsa_);
  TlsSession client = Client();
  ASSERT_TRUE(PumpHandshake(client, server).both_complete());
  // Drain the TLS 1.3 session tickets first.
  auto first = client.ReadPlaintext(16);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(server.WritePlaintext(std::string(1000, 'x')).ok());
  const std::string record = server.TakeCiphertextToSend();
  ASSERT_TRUE(client.FeedCiphertext(record.substr(0, record.size() / 2)).ok());
  client.FeedEndOfStream();
  auto r = client.ReadPlaintext(4096);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(client.failure().kind, FailureKind::kTruncated);
  EXPECT_THAT(client.failure().message, HasSubstr("in the middle of a record"));
}

TEST_F(TlsSessionTest, PartialFirstFlightThenCloseIsTruncation) {
  TlsSession server = Server(*ecdsa_);
  TlsSession client = Client();
  ASSERT_TRUE(client.Handshake().ok());
  ASSERT_TRUE(Transfer(client, server).ok());
  auto s = server.Handshake();
  ASSERT_TRUE(s.ok());
  const std::string flight = server.TakeCiphertextToSend();
  ASSERT_GT(flight.size(), 64u);
  ASSERT_TRUE(client.FeedCiphertext(flight.substr(0, 64)).ok());  // The fault.
  client.FeedEndOfStream();
  auto c = client.Handshake();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(client.failure().kind, FailureKind::kTruncated)
      << client.failure().message;
  EXPECT_THAT(client.failure().message, HasSubstr("during the handshake"));
}

TEST_F(TlsSessionTest, FatalAlertInsteadOfServerHelloIsNamed) {
  TlsSession client = Client();
  ASSERT_TRUE(client.Handshake().ok());
  (void)client.TakeCiphertextToSend();
  ASSERT_TRUE(client
                  .FeedCiphertext(BuildAlertRecord(AlertLevel::kFatal,
                                                   kAlertHandshakeFailure))
                  .ok());
  auto c = client.Handshake();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kAborted);
  const TlsFailure& f = client.failure();
  EXPECT_EQ(f.kind, FailureKind::kPeerAlert) << f.message;
  ASSERT_TRUE(f.peer_alert.has_value());
  EXPECT_EQ(f.peer_alert->description, kAlertHandshakeFailure);
  EXPECT_TRUE(f.peer_alert->fatal());
  EXPECT_FALSE(f.peer_alert->encrypted);
  EXPECT_THAT(f.message, HasSubstr("fatal handshake_failure(40)"));
}

TEST_F(TlsSessionTest, PlaintextInsteadOfServerHelloIsNonTls) {
  TlsSession client = Client();
  ASSERT_TRUE(client.Handshake().ok());
  ASSERT_TRUE(client.FeedCiphertext("250 OK\r\n").ok());
  auto c = client.Handshake();
  ASSERT_FALSE(c.ok());
  const TlsFailure& f = client.failure();
  EXPECT_EQ(f.kind, FailureKind::kNonTls) << f.message;
  EXPECT_EQ(f.non_tls_offset, 0u);
  EXPECT_THAT(f.message, HasSubstr("250 OK"));
}

TEST_F(TlsSessionTest, ServerSeesPlaintextEhloAsNonTls) {
  TlsSession server = Server(*ecdsa_);
  ASSERT_TRUE(server.FeedCiphertext("EHLO client.example\r\n").ok());
  auto s = server.Handshake();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(server.failure().kind, FailureKind::kNonTls);
  EXPECT_THAT(server.failure().message, HasSubstr("EHLO client.example"));
  EXPECT_EQ(server.client_hello().status, ClientHelloStatus::kNotTls);
}

TEST_F(TlsSessionTest, Tls11OnlyServer) {
  TlsContextConfig old;
  old.versions = tls::Versions::kTls11Only;
  {
    TlsSession server = Server(*ecdsa_, old);
    TlsSession client = Client();  // Default: TLS 1.2 minimum.
    const PumpResult r = PumpHandshake(client, server);
    EXPECT_FALSE(r.client.ok());
    EXPECT_FALSE(r.server.ok());
    EXPECT_FALSE(client.handshake_complete());
    std::printf("TLS 1.1-only server vs default client: client=%s (%s); "
                "server=%s (%s)\n",
                std::string(FailureKindName(client.failure().kind)).c_str(),
                client.failure().message.c_str(),
                std::string(FailureKindName(server.failure().kind)).c_str(),
                server.failure().message.c_str());
  }
  {
    // A client that still accepts TLS 1.1 gets it: TLS 1.1 really works.
    TlsSession server = Server(*ecdsa_, old);
    TlsContextConfig lax;
    lax.min_version = TlsVersion::kTls11;
    TlsSession client = Client(lax);
    const PumpResult r = PumpHandshake(client, server);
    ASSERT_TRUE(r.both_complete()) << r.client << " / " << r.server;
    EXPECT_EQ(client.facts()->version, "TLSv1.1");
    EXPECT_EQ(client.facts()->cipher_suite_name,
              "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA");
  }
}

TEST_F(TlsSessionTest, WeakOnlyServer) {
  TlsContextConfig weak;
  weak.ciphers = tls::CipherSet::kWeakOnly;
  {
    TlsSession server = Server(*ecdsa_, weak);
    TlsSession client = Client();
    const PumpResult r = PumpHandshake(client, server);
    EXPECT_FALSE(r.client.ok());
    EXPECT_FALSE(r.server.ok());
    std::printf("weak-only server vs default client: client=%s (%s); "
                "server=%s (%s)\n",
                std::string(FailureKindName(client.failure().kind)).c_str(),
                client.failure().message.c_str(),
                std::string(FailureKindName(server.failure().kind)).c_str(),
                server.failure().message.c_str());
  }
  for (const Identity* id : {ecdsa_, rsa_}) {
    TlsSession server = Server(*id, weak);
    TlsSession client = Client(weak);  // A client that offers 3DES.
    const PumpResult r = PumpHandshake(client, server);
    ASSERT_TRUE(r.both_complete()) << r.client << " / " << r.server;
    EXPECT_EQ(client.facts()->version, "TLSv1.2");
    EXPECT_THAT(client.facts()->cipher_suite_name, HasSubstr("3DES_EDE_CBC"));
  }
}

TEST_F(TlsSessionTest, Tls13OnlyServerRefusesTls12Client) {
  TlsContextConfig v13;
  v13.versions = tls::Versions::kTls13Only;
  TlsContextConfig v12;
  v12.versions = tls::Versions::kTls12Only;
  TlsSession server = Server(*ecdsa_, v13);
  TlsSession client = Client(v12);
  const PumpResult r = PumpHandshake(client, server);
  EXPECT_FALSE(r.client.ok());
  EXPECT_FALSE(r.server.ok());
  EXPECT_FALSE(server.client_hello().hello.OffersVersion(kTls13));
}

TEST_F(TlsSessionTest, ContextRejectsBadConfigurations) {
  TlsContextConfig no_cert;
  no_cert.role = Role::kServer;
  EXPECT_EQ(TlsContext::Create(no_cert).status().code(),
            absl::StatusCode::kInvalidArgument);

  TlsContextConfig mismatched;
  mismatched.cert_chain_pem = ecdsa_->chain_pem;
  mismatched.private_key_pem = rsa_->key_pem;
  auto m = TlsContext::Create(mismatched);
  EXPECT_FALSE(m.ok());

  TlsContextConfig no_ca;
  no_ca.role = Role::kClient;
  EXPECT_THAT(TlsContext::Create(no_ca).status().message(),
              HasSubstr("no trust anchors"));

  TlsContextConfig weak13;
  weak13.role = Role::kClient;
  weak13.verify_peer = false;
  weak13.ciphers = tls::CipherSet::kWeakOnly;
  weak13.versions = tls::Versions::kTls13Only;
  EXPECT_FALSE(TlsContext::Create(weak13).ok());

  // Host name checking needs a host name.
  auto ctx = ClientContext(pki_->root_pem());
  ASSERT_TRUE(ctx.ok());
  EXPECT_FALSE(TlsSession::Create(*ctx, SessionConfig{}).ok());
}

TEST_F(TlsSessionTest, DerChainAndKeyAreAccepted) {
  testing::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  // Convert the PEM chain to DER via openssl, one certificate at a time.
  const std::string chain = ecdsa_->chain_pem;
  const std::size_t split = chain.find("-----BEGIN", 1);
  ASSERT_NE(split, std::string::npos);
  std::vector<std::string> ders;
  for (const std::string& pem : {chain.substr(0, split), chain.substr(split)}) {
    const std::string in = dir.path() + "/in.pem";
    const std::string out = dir.path() + "/out.der";
    {
      std::FILE* f = std::fopen(in.c_str(), "wb");
      ASSERT_NE(f, nullptr);
      std::fwrite(pem.data(), 1, pem.size(), f);
      std::fclose(f);
    }
    ASSERT_TRUE(testing::RunCommand({"openssl", "x509", "-in", in, "-outform",
                                     "DER", "-out", out})
                    .ok());
    auto der = testing::ReadFile(out);
    ASSERT_TRUE(der.ok());
    ders.push_back(*der);
  }
  TlsContextConfig config;
  config.cert_chain_der = ders;
  config.private_key_pem = ecdsa_->key_pem;
  auto ctx = TlsContext::Create(config);
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  auto server = TlsSession::Create(*ctx);
  ASSERT_TRUE(server.ok());
  TlsSession client = Client();
  const PumpResult r = PumpHandshake(client, *server);
  EXPECT_TRUE(r.both_complete()) << r.client;
  EXPECT_EQ(client.facts()->peer_chain_length, 2);
}

TEST_F(TlsSessionTest, InboundBufferIsBounded) {
  auto ctx = ServerContext(*ecdsa_);
  ASSERT_TRUE(ctx.ok());
  SessionConfig small;
  small.max_buffered_inbound = 1024;
  auto s = TlsSession::Create(*ctx, small);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->FeedCiphertext(std::string(1000, '\x16')).ok());
  EXPECT_EQ(s->FeedCiphertext(std::string(100, '\x16')).code(),
            absl::StatusCode::kResourceExhausted);
  s->FeedEndOfStream();
  EXPECT_EQ(s->FeedCiphertext("x").code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace gauntlet::tls
