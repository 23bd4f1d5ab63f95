// What the fake server does after a failed, refused or aborted TLS
// handshake: it keeps the connection open for the scenario's linger time,
// records everything the client still sends (phase kAfterTlsFailure) and
// answers plaintext SMTP as an active attacker would (EHLO with the
// plaintext capabilities, AUTH accepted so that credentials are captured,
// MAIL/RCPT/DATA accepted so that the message is captured). Clients that
// "recover" from a TLS failure by going on in plaintext on the same
// connection leak their password this way (USENIX Security 2021,
// "Why TLS is better without STARTTLS", §5; RFC 3207 §6).
//
// Each case plays such a client with real TLS (the project's engine in the
// client role) over a real loopback socket: the handshake fails or is
// abandoned in one of the ways clients abandon it, then the client sends
// EHLO and AUTH PLAIN in plaintext on the same socket.

#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "smtp/auth.h"
#include "tests/server/test_util.h"

namespace gauntlet::fake::server::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kUser[] = "erin";
constexpr char kPassword[] = "leaked-password";

std::string AuthPlainLine() {
  return "AUTH PLAIN " + smtp::EncodeAuthPlain("", kUser, kPassword);
}

// A scenario as an attacker writes it: AUTH offered in the clear.
ConnectionBehavior AttackerBehavior() {
  ConnectionBehavior b;
  b.capabilities = {"PIPELINING", "8BITMIME", "AUTH PLAIN LOGIN", "STARTTLS"};
  b.linger_after_tls_failure = std::chrono::milliseconds(3000);
  return b;
}

std::unique_ptr<TestClient> UpToStarttls(const FakeSmtpServer& server) {
  auto client = ConnectAndGreet(server);
  absl::StatusOr<smtp::Reply> ehlo = client->Command("EHLO client.test");
  EXPECT_TRUE(ehlo.ok() && ehlo->code == 250) << ehlo.status();
  absl::StatusOr<smtp::Reply> starttls = client->Command("STARTTLS");
  EXPECT_TRUE(starttls.ok() && starttls->code == 220) << starttls.status();
  return client;
}

// The fallback dialogue, one command at a time as an interactive client
// does it: EHLO (AUTH must be offered), AUTH PLAIN, MAIL, RCPT, DATA.
void FallBackInPlaintext(TestClient& client) {
  absl::StatusOr<smtp::Reply> ehlo = client.Command("EHLO fallback.test");
  ASSERT_TRUE(ehlo.ok()) << ehlo.status();
  EXPECT_EQ(ehlo->code, 250);
  std::string lines;
  for (const std::string& l : ehlo->lines) lines += l + "\n";
  EXPECT_THAT(lines, HasSubstr("AUTH PLAIN LOGIN"));
  absl::StatusOr<smtp::Reply> auth = client.Command(AuthPlainLine());
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(auth->code, 235);
  absl::StatusOr<smtp::Reply> mail = client.Command("MAIL FROM:<a@x.test>");
  ASSERT_TRUE(mail.ok()) << mail.status();
  EXPECT_EQ(mail->code, 250);
  absl::StatusOr<smtp::Reply> rcpt = client.Command("RCPT TO:<b@x.test>");
  ASSERT_TRUE(rcpt.ok()) << rcpt.status();
  EXPECT_EQ(rcpt->code, 250);
  absl::StatusOr<smtp::Reply> data = client.Command("DATA");
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->code, 354);
  absl::StatusOr<smtp::Reply> queued =
      client.Command("Subject: leaked\r\n\r\nbody\r\n.");
  ASSERT_TRUE(queued.ok()) << queued.status();
  EXPECT_EQ(queued->code, 250);
}

// The credentials and the message were captured after the TLS failure.
void ExpectLeakRecorded(const ConnectionTranscript& c,
                        SessionPhase phase = SessionPhase::kAfterTlsFailure) {
  std::vector<SmtpEvent> creds = EventsOf(c, SmtpEvent::Kind::kCredentials);
  ASSERT_EQ(creds.size(), 1u);
  EXPECT_EQ(creds[0].phase, phase);
  EXPECT_EQ(creds[0].channel, Channel::kPlaintext);
  ASSERT_TRUE(creds[0].credentials.has_value());
  EXPECT_EQ(creds[0].credentials->user, kUser);
  EXPECT_EQ(creds[0].credentials->password, kPassword);
  std::vector<SmtpEvent> message = EventsOf(c, SmtpEvent::Kind::kMessage);
  ASSERT_EQ(message.size(), 1u);
  EXPECT_EQ(message[0].phase, phase);
  EXPECT_EQ(message[0].message_subject, "leaked");
}

// --- The client rejects the certificate inside the handshake ---------------

struct RejectCase {
  const char* name;
  TlsVersions versions;
};

class CertificateRejectedInHandshakeTest
    : public ::testing::TestWithParam<RejectCase> {};

// TLS 1.2: the client aborts with an alert before its Finished. TLS 1.3:
// it rejects the server's Certificate before sending its own Finished, so
// the server's handshake never completes either.
TEST_P(CertificateRejectedInHandshakeTest, PlaintextAuthIsAnsweredAndRecorded) {
  ConnectionBehavior b = AttackerBehavior();
  b.cert = pki::CertProfile::kUnknownRoot;
  auto server = StartServer(b);
  auto client = UpToStarttls(*server);
  tls::TlsContext context = TrustingContext(GetParam().versions);
  ASSERT_FALSE(client->StartTls(context).ok());
  ASSERT_EQ(client->tls()->failure().kind,
            tls::FailureKind::kCertificateRejected);
  client->DropTls();
  FallBackInPlaintext(*client);
  client->Close();
  Transcript t = WaitAndSnapshot(*server);
  const ConnectionTranscript& c = t.connections[0];
  EXPECT_EQ(c.tls.outcome, HandshakeOutcome::kFailed);
  EXPECT_THAT(c.tls.alerts_received, Contains(HasSubstr("fatal")));
  ExpectLeakRecorded(c);
}

INSTANTIATE_TEST_SUITE_P(
    Versions, CertificateRejectedInHandshakeTest,
    ::testing::Values(RejectCase{"Tls12", TlsVersions::kTls12Only},
                      RejectCase{"Tls13", TlsVersions::kTls13Only}),
    [](const ::testing::TestParamInfo<RejectCase>& info) {
      return info.param.name;
    });

// --- The handshake completed; the client then abandons TLS ------------------

struct AbandonCase {
  const char* name;
  TlsVersions versions;
  // true: a fatal alert first (a client that checks the certificate after
  // the handshake, as msmtp/GnuTLS and this project's client do for
  // CN-only, small-key and SHA-1 leaves); false: plaintext right away, no
  // alert and no close_notify.
  bool alert;
};

class TlsAbandonedAfterHandshakeTest
    : public ::testing::TestWithParam<AbandonCase> {};

TEST_P(TlsAbandonedAfterHandshakeTest, PlaintextAuthIsAnsweredAndRecorded) {
  auto server = StartServer(AttackerBehavior());
  auto client = UpToStarttls(*server);
  tls::TlsContext context = TrustingContext(GetParam().versions);
  ASSERT_TRUE(client->StartTls(context).ok());
  // One exchange inside TLS: TLS 1.3 session tickets arrive before its
  // reply, so nothing of TLS is left unread when the client drops it.
  absl::StatusOr<smtp::Reply> noop = client->Command("NOOP");
  ASSERT_TRUE(noop.ok()) << noop.status();
  if (GetParam().alert) {
    ASSERT_TRUE(client->AbortTlsWithFatalAlert().ok());
  } else {
    client->DropTls();
  }
  FallBackInPlaintext(*client);
  client->Close();
  Transcript t = WaitAndSnapshot(*server);
  const ConnectionTranscript& c = t.connections[0];
  EXPECT_EQ(c.tls.outcome, HandshakeOutcome::kCompleted);
  if (GetParam().alert) {
    EXPECT_THAT(c.tls.alerts_received, Contains(HasSubstr("fatal")));
  }
  ExpectLeakRecorded(c);
  EXPECT_THAT(ClientBytes(c, Channel::kPlaintext),
              HasSubstr("EHLO fallback.test\r\n"));
  // What went through TLS stays TLS: NOOP inside, nothing else.
  std::vector<SmtpEvent> noops = EventsOf(c, SmtpEvent::Kind::kCommand, "NOOP");
  ASSERT_EQ(noops.size(), 1u);
  EXPECT_EQ(noops[0].phase, SessionPhase::kTls);
}

INSTANTIATE_TEST_SUITE_P(
    Ways, TlsAbandonedAfterHandshakeTest,
    ::testing::Values(
        AbandonCase{"Tls13FatalAlert", TlsVersions::kTls13Only, true},
        AbandonCase{"Tls12FatalAlert", TlsVersions::kTls12Only, true},
        AbandonCase{"Tls13NoAlert", TlsVersions::kTls13Only, false},
        AbandonCase{"Tls12NoAlert", TlsVersions::kTls12Only, false}),
    [](const ::testing::TestParamInfo<AbandonCase>& info) {
      return info.param.name;
    });

// The plaintext may ride in the same segment as the alert: the server
// splits the stream where the TLS records end.
TEST(ServerLinger, AlertAndPlaintextInOneWrite) {
  auto server = StartServer(AttackerBehavior());
  auto client = UpToStarttls(*server);
  tls::TlsContext context = TrustingContext(TlsVersions::kTls13Only);
  ASSERT_TRUE(client->StartTls(context).ok());
  ASSERT_TRUE(client->Command("NOOP").ok());
  ASSERT_TRUE(client->AbortTlsWithFatalAlert("EHLO fallback.test\r\n").ok());
  absl::StatusOr<smtp::Reply> ehlo = client->ReadReply();
  ASSERT_TRUE(ehlo.ok()) << ehlo.status();
  EXPECT_EQ(ehlo->code, 250);
  absl::StatusOr<smtp::Reply> auth = client->Command(AuthPlainLine());
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(auth->code, 235);
  client->Close();
  Transcript t = WaitAndSnapshot(*server);
  const ConnectionTranscript& c = t.connections[0];
  std::vector<SmtpEvent> ehlos = EventsOf(c, SmtpEvent::Kind::kCommand, "EHLO");
  ASSERT_FALSE(ehlos.empty());
  EXPECT_EQ(ehlos.back().phase, SessionPhase::kAfterTlsFailure);
  std::vector<SmtpEvent> creds = EventsOf(c, SmtpEvent::Kind::kCredentials);
  ASSERT_EQ(creds.size(), 1u);
  EXPECT_EQ(creds[0].phase, SessionPhase::kAfterTlsFailure);
}

// --- Handshake faults of the scenario ---------------------------------------

struct FaultCase {
  const char* name;
  HandshakeFault fault;
  // The server sent its FIN with the fault: it can still read, not answer.
  bool server_fin;
};

class FaultThenPlaintextTest : public ::testing::TestWithParam<FaultCase> {};

TEST_P(FaultThenPlaintextTest, PipelinedAuthIsRecorded) {
  ConnectionBehavior b = AttackerBehavior();
  b.handshake_fault = GetParam().fault;
  auto server = StartServer(b);
  auto client = UpToStarttls(*server);
  tls::TlsContext context = TrustingContext();
  ASSERT_FALSE(client->StartTls(context, "localhost", Ms(2000)).ok());
  client->DropTls();
  if (GetParam().server_fin) {
    // Nothing can be answered after the server's FIN; a client that does
    // not wait for replies still hands over its password.
    ASSERT_TRUE(client
                    ->SendRaw("EHLO fallback.test\r\n" + AuthPlainLine() +
                              "\r\nMAIL FROM:<a@x.test>\r\n")
                    .ok());
    client->CloseWrite();
    client->WaitForPeerEnd();
  } else {
    FallBackInPlaintext(*client);
    client->Close();
  }
  Transcript t = WaitAndSnapshot(*server);
  const ConnectionTranscript& c = t.connections[0];
  EXPECT_EQ(c.tls.outcome, HandshakeOutcome::kFaultInjected);
  std::vector<SmtpEvent> creds = EventsOf(c, SmtpEvent::Kind::kCredentials);
  ASSERT_EQ(creds.size(), 1u);
  EXPECT_EQ(creds[0].phase, SessionPhase::kAfterTlsFailure);
  EXPECT_EQ(creds[0].credentials->password, kPassword);
  std::vector<SmtpEvent> mail = EventsOf(c, SmtpEvent::Kind::kCommand, "MAIL");
  ASSERT_FALSE(mail.empty());
  EXPECT_EQ(mail.back().phase, SessionPhase::kAfterTlsFailure);
}

INSTANTIATE_TEST_SUITE_P(
    Faults, FaultThenPlaintextTest,
    ::testing::Values(
        FaultCase{"FatalAlert", HandshakeFault::kFatalAlert, true},
        FaultCase{"PartialFlight", HandshakeFault::kPartialFlightThenClose,
                  true},
        FaultCase{"PlaintextInsteadOfServerHello",
                  HandshakeFault::kPlaintextInsteadOfServerHello, false}),
    [](const ::testing::TestParamInfo<FaultCase>& info) {
      return info.param.name;
    });

// A TLS version the client refuses (TLS 1.1 only) is a failed handshake
// like any other.
TEST(ServerLinger, RefusedVersionThenPlaintextAuth) {
  ConnectionBehavior b = AttackerBehavior();
  b.tls_versions = TlsVersions::kTls11Only;
  auto server = StartServer(b);
  auto client = UpToStarttls(*server);
  tls::TlsContext context = TrustingContext();
  ASSERT_FALSE(client->StartTls(context).ok());
  client->DropTls();
  FallBackInPlaintext(*client);
  client->Close();
  Transcript t = WaitAndSnapshot(*server);
  ExpectLeakRecorded(t.connections[0]);
}

// The attacker answers in plaintext whatever the scenario says about
// plaintext commands: require_tls (530 before STARTTLS) describes the
// honest server, not the one that just broke the handshake.
TEST(ServerLinger, RequireTlsDoesNotRefuseTheFallback) {
  ConnectionBehavior b = AttackerBehavior();
  b.cert = pki::CertProfile::kExpired;
  b.require_tls = true;
  auto server = StartServer(b);
  auto client = ConnectAndGreet(*server);
  // Before STARTTLS the honest server's rule holds.
  ASSERT_TRUE(client->Command("EHLO client.test").ok());
  absl::StatusOr<smtp::Reply> early = client->Command("MAIL FROM:<a@x.test>");
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early->code, 530);
  ASSERT_EQ(client->Command("STARTTLS")->code, 220);
  tls::TlsContext context = TrustingContext();
  ASSERT_FALSE(client->StartTls(context).ok());
  client->DropTls();
  FallBackInPlaintext(*client);
  client->Close();
  Transcript t = WaitAndSnapshot(*server);
  ExpectLeakRecorded(t.connections[0]);
}

// --- STARTTLS refused: no handshake at all ----------------------------------

TEST(ServerLinger, RefusedStarttlsGoesOnAnsweringAuth) {
  ConnectionBehavior b = AttackerBehavior();
  b.starttls_reply = "454 4.7.0 TLS not available due to temporary reason\r\n";
  b.after_starttls = AfterStarttls::kStayPlaintext;
  auto server = StartServer(b);
  auto client = ConnectAndGreet(*server);
  ASSERT_TRUE(client->Command("EHLO client.test").ok());
  absl::StatusOr<smtp::Reply> refused = client->Command("STARTTLS");
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->code, 454);
  FallBackInPlaintext(*client);
  client->Close();
  Transcript t = WaitAndSnapshot(*server);
  ExpectLeakRecorded(t.connections[0], SessionPhase::kAfterStarttlsRefused);
}

}  // namespace
}  // namespace gauntlet::fake::server::testing
