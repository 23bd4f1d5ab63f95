// The reference client (the real gauntlet-client executable, run as a child
// process) against the real fake SMTP server on loopback. Every test judges
// from the server's transcript: what went on the wire, in which phase.
//
// The first group proves the secure client delivers over TLS and refuses
// every attack; the second proves that each --flaw changes exactly the
// behaviour it names, against the same servers.

#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/flaws.h"
#include "fake_servers/behavior.h"
#include "fake_servers/pki/test_pki.h"
#include "fake_servers/server/server.h"
#include "fake_servers/transcript.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/runner/process.h"

namespace gauntlet::client {
namespace {

using fake::Channel;
using fake::ConnectionBehavior;
using fake::ConnectionTranscript;
using fake::SessionPhase;
using fake::SmtpEvent;
using fake::Transcript;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Kind = SmtpEvent::Kind;

constexpr char kClient[] = GAUNTLET_CLIENT_BINARY;

const std::shared_ptr<const pki::TestPki>& SharedPki() {
  static const std::shared_ptr<const pki::TestPki> pki = [] {
    auto made = pki::TestPki::Create({});
    EXPECT_TRUE(made.ok()) << made.status();
    return std::shared_ptr<const pki::TestPki>(made.ok() ? std::move(*made)
                                                         : nullptr);
  }();
  return pki;
}

// ca.pem for --ca-file; the directory is removed at exit.
const std::string& CaFile() {
  static const std::unique_ptr<pki::ClientFiles> files = [] {
    auto written = SharedPki()->WriteClientFiles();
    EXPECT_TRUE(written.ok()) << written.status();
    return written.ok() ? std::move(*written) : nullptr;
  }();
  static const std::string path = files ? files->CaFile() : "";
  return path;
}

struct ClientRun {
  runner::RunResult process;
  Transcript transcript;
  int connections = 0;

  const ConnectionTranscript& conn(std::size_t i = 0) const {
    static const ConnectionTranscript kEmpty;
    return i < transcript.connections.size() ? transcript.connections[i]
                                             : kEmpty;
  }
  int exit_code() const { return process.exited ? process.exit_code : -1; }
  std::string Describe() const {
    return absl::StrCat(process.Describe(), "; stderr: ", process.err.data,
                        "; stdout: ", process.out.data);
  }
};

struct Client {
  std::vector<std::string> args = {};
  std::string timeout_s = "5";
  std::chrono::milliseconds kill_after{20'000};
  bool default_connection_args = true;
};

std::unique_ptr<fake::server::FakeSmtpServer> StartServer(
    std::vector<ConnectionBehavior> connections) {
  fake::server::ServerOptions options;
  options.pki = SharedPki();
  for (ConnectionBehavior& c : connections) {
    c.linger_after_tls_failure = std::chrono::milliseconds(1000);
  }
  options.behavior.connections = std::move(connections);
  options.behavior.max_connections = 4;
  options.behavior.idle_timeout = std::chrono::milliseconds(10'000);
  auto server = fake::server::FakeSmtpServer::Start(std::move(options));
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? std::move(*server) : nullptr;
}

ClientRun RunAgainst(ConnectionBehavior behavior, Client client,
               std::vector<ConnectionBehavior> more = {}) {
  more.insert(more.begin(), std::move(behavior));
  auto server = StartServer(std::move(more));
  ClientRun run;
  if (server == nullptr) return run;
  runner::RunOptions options;
  options.argv = {kClient};
  if (client.default_connection_args) {
    options.argv.insert(
        options.argv.end(),
        {"--host", "127.0.0.1", "--server-name", "localhost", "--port",
         std::to_string(server->port()), "--ca-file", CaFile()});
  }
  options.argv.insert(options.argv.end(), {"--timeout", client.timeout_s});
  options.argv.insert(options.argv.end(), client.args.begin(),
                      client.args.end());
  options.timeout = client.kill_after;
  options.kill_grace = std::chrono::milliseconds(200);
  auto result = runner::RunProcess(options);
  EXPECT_TRUE(result.ok()) << result.status();
  if (result.ok()) run.process = *std::move(result);
  run.connections = server->connection_count();
  EXPECT_TRUE(server->WaitForConnectionsClosed(std::chrono::seconds(10),
                                               run.connections))
      << "server connections still open";
  run.transcript = server->Snapshot();
  return run;
}

std::vector<SmtpEvent> Events(const ConnectionTranscript& c, Kind kind,
                              std::string_view verb = "") {
  std::vector<SmtpEvent> out;
  for (const SmtpEvent& e : c.events) {
    if (e.kind == kind && (verb.empty() || e.verb == verb)) out.push_back(e);
  }
  return out;
}

std::vector<SmtpEvent> Commands(const ConnectionTranscript& c,
                                std::string_view verb, SessionPhase phase) {
  std::vector<SmtpEvent> out;
  for (const SmtpEvent& e : Events(c, Kind::kCommand, verb)) {
    if (e.phase == phase) out.push_back(e);
  }
  return out;
}

// Client commands (and AUTH data, messages) sent outside TLS, other than
// the ones a secure client may send there.
std::vector<std::string> ProtectedInPlaintext(const ConnectionTranscript& c) {
  std::vector<std::string> out;
  for (const SmtpEvent& e : c.events) {
    if (e.channel == Channel::kTlsApp) continue;
    const bool command = e.kind == Kind::kCommand &&
                         e.verb != "EHLO" && e.verb != "HELO" &&
                         e.verb != "STARTTLS" && e.verb != "QUIT";
    if (command || e.kind == Kind::kAuthData || e.kind == Kind::kMessage ||
        e.kind == Kind::kCredentials) {
      out.push_back(absl::StrCat(e.verb, " ", e.text));
    }
  }
  return out;
}

std::string ClientBytes(const ConnectionTranscript& c, Channel channel) {
  std::string out;
  for (const fake::WireChunk& w : c.wire) {
    if (w.channel == channel && w.direction == fake::Direction::kClientToServer) {
      out += w.bytes;
    }
  }
  return out;
}

// A message arrived inside TLS, and nothing protected went in plaintext.
void ExpectDeliveredOverTls(const ClientRun& run, std::string_view version = "") {
  EXPECT_EQ(run.exit_code(), 0) << run.Describe();
  const ConnectionTranscript& c = run.conn();
  EXPECT_EQ(c.tls.outcome, fake::HandshakeOutcome::kCompleted);
  if (!version.empty()) {
    EXPECT_EQ(c.tls.version, version);
  }
  const auto messages = Events(c, Kind::kMessage);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].channel, Channel::kTlsApp);
  EXPECT_EQ(messages[0].phase, SessionPhase::kTls);
  EXPECT_THAT(ProtectedInPlaintext(c), IsEmpty());
  EXPECT_EQ(Commands(c, "EHLO", SessionPhase::kTls).size(), 1u);
  EXPECT_EQ(Events(c, Kind::kCommand, "STARTTLS").size(), 1u);
  EXPECT_THAT(c.bytes_after_starttls, IsEmpty());
  EXPECT_EQ(run.connections, 1);
}

// The client gave up: no protected data anywhere, nothing sent inside TLS
// but (possibly) QUIT, one connection.
void ExpectRefused(const ClientRun& run, int exit_code, std::string_view why) {
  EXPECT_EQ(run.exit_code(), exit_code) << run.Describe();
  EXPECT_THAT(run.process.err.data, HasSubstr(why)) << run.Describe();
  EXPECT_TRUE(absl::StartsWith(run.process.err.data, "gauntlet-client: "));
  EXPECT_EQ(run.process.err.data.find('\n'), run.process.err.data.size() - 1)
      << "one line on stderr: " << run.process.err.data;
  const ConnectionTranscript& c = run.conn();
  EXPECT_THAT(ProtectedInPlaintext(c), IsEmpty());
  EXPECT_THAT(Events(c, Kind::kMessage), IsEmpty());
  for (const SmtpEvent& e : c.events) {
    if (e.kind == Kind::kCommand && e.channel == Channel::kTlsApp) {
      ADD_FAILURE() << "sent inside a refused TLS session: " << e.text;
    }
  }
  EXPECT_EQ(run.connections, 1);
}

ConnectionBehavior WithCert(pki::CertProfile profile,
                            pki::KeyType key = pki::KeyType::kEcdsaP256) {
  ConnectionBehavior b;
  b.cert = profile;
  b.key_type = key;
  return b;
}

ConnectionBehavior Stripped() {
  ConnectionBehavior b;
  b.capabilities = {"PIPELINING", "SIZE 10485760", "8BITMIME"};
  return b;
}

ConnectionBehavior StarttlsRefused() {
  ConnectionBehavior b;
  b.starttls_reply = "454 4.7.0 TLS not available due to local problem\r\n";
  return b;
}

ConnectionBehavior EhloRefused() {
  ConnectionBehavior b;
  b.refuse_ehlo = true;
  return b;
}

ConnectionBehavior Injecting() {
  ConnectionBehavior b;
  b.inject_after_starttls_reply = "250-mx.evil.test\r\n250 AUTH PLAIN\r\n";
  // Inside TLS the genuine list offers no AUTH at all: a client that
  // authenticates took the list from the injected bytes.
  b.tls_capabilities = {"PIPELINING", "SIZE 10485760"};
  return b;
}

ConnectionBehavior Stalling() {
  ConnectionBehavior b;
  b.handshake_fault = fake::HandshakeFault::kStall;
  return b;
}

// --- The secure client -------------------------------------------------------

struct TlsCase {
  fake::TlsVersions versions;
  pki::KeyType key;
  std::string version;
};

class SecureDeliveryTest : public ::testing::TestWithParam<TlsCase> {};

TEST_P(SecureDeliveryTest, DeliversOverTlsWithAuth) {
  ConnectionBehavior b;
  b.tls_versions = GetParam().versions;
  b.key_type = GetParam().key;
  const ClientRun run =
      RunAgainst(b, {.args = {"--user", "alice", "--password", "s3cret"}});
  ExpectDeliveredOverTls(run, GetParam().version);
  const ConnectionTranscript& c = run.conn();
  ASSERT_TRUE(c.tls.client_hello.has_value());
  EXPECT_EQ(c.tls.client_hello->sni, "localhost");
  EXPECT_THAT(c.tls.client_hello->offered_versions,
              ::testing::Not(::testing::Contains("TLSv1.1")));
  const auto creds = Events(c, Kind::kCredentials);
  ASSERT_EQ(creds.size(), 1u);
  EXPECT_EQ(creds[0].channel, Channel::kTlsApp);
  ASSERT_TRUE(creds[0].credentials.has_value());
  EXPECT_EQ(creds[0].credentials->user, "alice");
  EXPECT_EQ(creds[0].credentials->password, "s3cret");
  EXPECT_THAT(run.process.out.data,
              HasSubstr("delivered to 127.0.0.1 port"));
  EXPECT_THAT(run.process.out.data, HasSubstr(GetParam().version));
}

INSTANTIATE_TEST_SUITE_P(
    VersionsAndKeys, SecureDeliveryTest,
    ::testing::Values(
        TlsCase{fake::TlsVersions::kTls13Only, pki::KeyType::kEcdsaP256,
                "TLSv1.3"},
        TlsCase{fake::TlsVersions::kTls13Only, pki::KeyType::kRsa2048,
                "TLSv1.3"},
        TlsCase{fake::TlsVersions::kTls12Only, pki::KeyType::kEcdsaP256,
                "TLSv1.2"},
        TlsCase{fake::TlsVersions::kTls12Only, pki::KeyType::kRsa2048,
                "TLSv1.2"}));

TEST(SecureClientTest, HostNameDefaultsToHostAndResolves) {
  auto server = StartServer({ConnectionBehavior{}});
  ASSERT_NE(server, nullptr);
  runner::RunOptions options;
  options.argv = {kClient, "--host", "localhost", "--port",
                  std::to_string(server->port()), "--ca-file", CaFile(),
                  "--timeout", "5"};
  options.timeout = std::chrono::seconds(20);
  auto result = runner::RunProcess(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->succeeded()) << result->Describe() << result->err.data;
  ASSERT_TRUE(server->WaitForConnectionsClosed(std::chrono::seconds(10), 1));
  const Transcript t = server->Snapshot();
  ASSERT_EQ(t.connections.size(), 1u);
  ASSERT_TRUE(t.connections[0].tls.client_hello.has_value());
  EXPECT_EQ(t.connections[0].tls.client_hello->sni, "localhost");
}

TEST(SecureClientTest, DotStuffsTheMessageFile) {
  char dir_template[] = "/tmp/gauntlet-client-test-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string path = absl::StrCat(dir_template, "/message.eml");
  {
    FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const std::string text =
        "Subject: dots\n\n.starts with a dot\n..two dots\n.\nend\n";
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  const ClientRun run = RunAgainst({}, {.args = {"--message-file", path}});
  std::remove(path.c_str());
  ::rmdir(dir_template);
  ExpectDeliveredOverTls(run);
  const std::string sent = ClientBytes(run.conn(), Channel::kTlsApp);
  EXPECT_THAT(sent, HasSubstr("Subject: dots\r\n\r\n..starts with a dot\r\n"
                              "...two dots\r\n..\r\nend\r\n.\r\n"));
  const auto messages = Events(run.conn(), Kind::kMessage);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].message_subject, "dots");
}

TEST(SecureClientTest, AuthenticatesOnlyWhenTheTlsListOffersAuth) {
  ConnectionBehavior b;
  b.tls_capabilities = {"PIPELINING", "AUTH CRAM-MD5"};
  const ClientRun run =
      RunAgainst(b, {.args = {"--user", "u", "--password", "p"}});
  ExpectDeliveredOverTls(run);
  EXPECT_THAT(Events(run.conn(), Kind::kCommand, "AUTH"), IsEmpty());
}

TEST(SecureClientTest, VerboseTraceShowsTheDialogueButNoSecrets) {
  const ClientRun run = RunAgainst(
      {}, {.args = {"-v", "--user", "carol", "--password", "s3cret-pw"}});
  ExpectDeliveredOverTls(run);
  const std::string& err = run.process.err.data;
  EXPECT_THAT(err, HasSubstr("C: STARTTLS\n"));
  EXPECT_THAT(err, HasSubstr("S: 220 "));
  EXPECT_THAT(err, HasSubstr("C: AUTH PLAIN ********\n"));
  EXPECT_THAT(err, ::testing::Not(HasSubstr("s3cret-pw")));
  EXPECT_THAT(err, ::testing::Not(HasSubstr(
                       absl::Base64Escape(std::string("\0carol\0s3cret-pw", 16)))));
}

TEST(SecureClientTest, RefusesStrippedStarttls) {
  const ClientRun run = RunAgainst(Stripped(), {.args = {"--user", "u", "--password", "p"}});
  ExpectRefused(run, 4, "server does not offer STARTTLS; refusing to continue "
                        "in plaintext (policy require-tls)");
  EXPECT_THAT(Events(run.conn(), Kind::kCommand, "STARTTLS"), IsEmpty());
}

TEST(SecureClientTest, RefusesRefusedStarttls) {
  const ClientRun run = RunAgainst(StarttlsRefused(), {});
  ExpectRefused(run, 4, "server refused STARTTLS (454 4.7.0 TLS not available");
}

TEST(SecureClientTest, RefusesEhloDowngrade) {
  const ClientRun run = RunAgainst(EhloRefused(), {});
  ExpectRefused(run, 4, "server refused EHLO");
  EXPECT_THAT(Events(run.conn(), Kind::kCommand, "HELO"), IsEmpty());
}

class BadCertificateTest
    : public ::testing::TestWithParam<std::pair<pki::CertProfile, pki::KeyType>> {};

TEST_P(BadCertificateTest, IsRejectedAndNothingIsSentInsideTls) {
  const ClientRun run = RunAgainst(WithCert(GetParam().first, GetParam().second),
                             {.args = {"--user", "u", "--password", "p"}});
  ExpectRefused(run, 3, "server certificate rejected");
}

INSTANTIATE_TEST_SUITE_P(
    Profiles, BadCertificateTest,
    ::testing::Values(
        std::pair{pki::CertProfile::kExpired, pki::KeyType::kEcdsaP256},
        std::pair{pki::CertProfile::kExpired, pki::KeyType::kRsa2048},
        std::pair{pki::CertProfile::kNotYetValid, pki::KeyType::kEcdsaP256},
        std::pair{pki::CertProfile::kWrongHost, pki::KeyType::kEcdsaP256},
        std::pair{pki::CertProfile::kWrongHost, pki::KeyType::kRsa2048},
        std::pair{pki::CertProfile::kSelfSigned, pki::KeyType::kEcdsaP256},
        std::pair{pki::CertProfile::kUnknownRoot, pki::KeyType::kEcdsaP256},
        std::pair{pki::CertProfile::kExpiredSeconds, pki::KeyType::kEcdsaP256},
        std::pair{pki::CertProfile::kWildcardMismatch, pki::KeyType::kEcdsaP256},
        std::pair{pki::CertProfile::kMissingIntermediate,
                  pki::KeyType::kEcdsaP256},
        std::pair{pki::CertProfile::kCommonNameOnly, pki::KeyType::kEcdsaP256},
        std::pair{pki::CertProfile::kLeafIsCa, pki::KeyType::kEcdsaP256},
        std::pair{pki::CertProfile::kIntermediateNotCa,
                  pki::KeyType::kEcdsaP256},
        std::pair{pki::CertProfile::kWrongEku, pki::KeyType::kEcdsaP256},
        std::pair{pki::CertProfile::kRsa1024, pki::KeyType::kRsa2048},
        std::pair{pki::CertProfile::kSha1Signature, pki::KeyType::kEcdsaP256},
        std::pair{pki::CertProfile::kExpiredIntermediate,
                  pki::KeyType::kEcdsaP256}),
    [](const auto& info) {
      std::string name = std::string(pki::CertProfileName(info.param.first)) +
                         "_" + std::string(pki::KeyTypeName(info.param.second));
      for (char& ch : name) {
        if (!absl::ascii_isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

TEST(SecureClientTest, RefusesTls11OnlyServer) {
  ConnectionBehavior b;
  b.tls_versions = fake::TlsVersions::kTls11Only;
  const ClientRun run = RunAgainst(b, {});
  ExpectRefused(run, 3, "TLS handshake");
  EXPECT_NE(run.conn().tls.outcome, fake::HandshakeOutcome::kCompleted);
}

class HandshakeFaultTest
    : public ::testing::TestWithParam<fake::HandshakeFault> {};

TEST_P(HandshakeFaultTest, FailsClosedWithExitThree) {
  ConnectionBehavior b;
  b.handshake_fault = GetParam();
  const ClientRun run =
      RunAgainst(b, {.args = {"--user", "u", "--password", "p"}});
  ExpectRefused(run, 3, "TLS handshake");
}

INSTANTIATE_TEST_SUITE_P(
    Faults, HandshakeFaultTest,
    ::testing::Values(fake::HandshakeFault::kCloseBeforeHandshake,
                      fake::HandshakeFault::kResetBeforeHandshake,
                      fake::HandshakeFault::kPlaintextInsteadOfServerHello,
                      fake::HandshakeFault::kFatalAlert,
                      fake::HandshakeFault::kPartialFlightThenClose));

TEST(SecureClientTest, ServerClosingInsideTlsIsAConnectionFailure) {
  ConnectionBehavior b;
  b.handshake_fault = fake::HandshakeFault::kCloseAfterHandshake;
  const ClientRun run = RunAgainst(b, {});
  EXPECT_EQ(run.exit_code(), 2) << run.Describe();
  EXPECT_THAT(run.process.err.data, HasSubstr("closed the connection"));
  EXPECT_THAT(ProtectedInPlaintext(run.conn()), IsEmpty());
  EXPECT_EQ(run.connections, 1);
}

TEST(SecureClientTest, AbortsOnBytesInjectedAfterThe220) {
  const ClientRun run = RunAgainst(Injecting(), {.args = {"--user", "u", "--password", "p"}});
  ExpectRefused(run, 6, "bytes after its 220 reply to STARTTLS");
  // It did not even start the handshake.
  EXPECT_FALSE(run.conn().tls.client_hello.has_value());
}

TEST(SecureClientTest, TimesOutOnAStalledHandshake) {
  const auto start = std::chrono::steady_clock::now();
  const ClientRun run = RunAgainst(Stalling(), {.timeout_s = "1"});
  const auto took = std::chrono::steady_clock::now() - start;
  ExpectRefused(run, 2, "timed out");
  EXPECT_FALSE(run.process.timed_out);
  EXPECT_LT(took, std::chrono::seconds(8));
}

TEST(SecureClientTest, NoVerifyPolicyAcceptsAnyCertificateButNotTls11) {
  const ClientRun run = RunAgainst(WithCert(pki::CertProfile::kSelfSigned),
                             {.args = {"--policy", "require-tls-no-verify"}});
  ExpectDeliveredOverTls(run);
  ConnectionBehavior old;
  old.tls_versions = fake::TlsVersions::kTls11Only;
  const ClientRun weak =
      RunAgainst(old, {.args = {"--policy", "require-tls-no-verify"}});
  ExpectRefused(weak, 3, "TLS handshake");
}

TEST(SecureClientTest, OpportunisticPolicyFallsBackOnlyWhenAllowed) {
  const ClientRun stripped =
      RunAgainst(Stripped(), {.args = {"--policy", "opportunistic"}});
  EXPECT_EQ(stripped.exit_code(), 0) << stripped.Describe();
  EXPECT_EQ(Events(stripped.conn(), Kind::kMessage).size(), 1u);
  EXPECT_THAT(stripped.process.out.data, HasSubstr("in plaintext"));
  // Opportunistic still never reads injected bytes as TLS replies.
  const ClientRun injected =
      RunAgainst(Injecting(), {.args = {"--policy", "opportunistic"}});
  ExpectRefused(injected, 6, "bytes after its 220 reply to STARTTLS");
}

// --- One test per flaw --------------------------------------------------------

TEST(FlawTest, FallbackOnStripSendsMailInPlaintext) {
  const ClientRun stripped = RunAgainst(
      Stripped(), {.args = {"--flaw", "fallback-on-strip"}});
  EXPECT_EQ(stripped.exit_code(), 0) << stripped.Describe();
  EXPECT_EQ(Commands(stripped.conn(), "MAIL", SessionPhase::kPlaintext).size(),
            1u);
  const auto messages = Events(stripped.conn(), Kind::kMessage);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].channel, Channel::kPlaintext);

  const ClientRun refused = RunAgainst(
      StarttlsRefused(), {.args = {"--flaw", "fallback-on-strip"}});
  EXPECT_EQ(refused.exit_code(), 0) << refused.Describe();
  EXPECT_EQ(Commands(refused.conn(), "MAIL",
                     SessionPhase::kAfterStarttlsRefused).size(),
            1u);
  // Only stripping changes: a bad certificate is still refused.
  ExpectRefused(RunAgainst(WithCert(pki::CertProfile::kExpired),
                           {.args = {"--flaw", "fallback-on-strip"}}),
                3, "server certificate rejected");
}

TEST(FlawTest, AcceptHeloContinuesWithHeloInPlaintext) {
  const ClientRun run = RunAgainst(EhloRefused(), {.args = {"--flaw", "accept-helo"}});
  EXPECT_EQ(run.exit_code(), 0) << run.Describe();
  EXPECT_EQ(Commands(run.conn(), "HELO", SessionPhase::kPlaintext).size(), 1u);
  EXPECT_EQ(Commands(run.conn(), "MAIL", SessionPhase::kPlaintext).size(), 1u);
  EXPECT_THAT(Events(run.conn(), Kind::kCommand, "STARTTLS"), IsEmpty());
  // A stripped EHLO reply is not an EHLO refusal: still refused.
  ExpectRefused(RunAgainst(Stripped(), {.args = {"--flaw", "accept-helo"}}), 4,
                "does not offer STARTTLS");
}

TEST(FlawTest, NoVerifyAcceptsAnyCertificate) {
  for (pki::CertProfile p : {pki::CertProfile::kSelfSigned,
                             pki::CertProfile::kWrongHost,
                             pki::CertProfile::kExpired}) {
    const ClientRun run = RunAgainst(WithCert(p), {.args = {"--flaw", "no-verify"}});
    ExpectDeliveredOverTls(run);
  }
  // Still TLS >= 1.2 only.
  ConnectionBehavior old;
  old.tls_versions = fake::TlsVersions::kTls11Only;
  ExpectRefused(RunAgainst(old, {.args = {"--flaw", "no-verify"}}), 3,
                "TLS handshake");
}

TEST(FlawTest, NoHostnameCheckAcceptsWrongHostOnly) {
  ExpectDeliveredOverTls(RunAgainst(WithCert(pki::CertProfile::kWrongHost),
                                    {.args = {"--flaw", "no-hostname-check"}}));
  ExpectDeliveredOverTls(
      RunAgainst(WithCert(pki::CertProfile::kCommonNameOnly),
                 {.args = {"--flaw", "no-hostname-check"}}));
  ExpectRefused(RunAgainst(WithCert(pki::CertProfile::kUnknownRoot),
                           {.args = {"--flaw", "no-hostname-check"}}),
                3, "server certificate rejected");
  ExpectRefused(RunAgainst(WithCert(pki::CertProfile::kExpired),
                           {.args = {"--flaw", "no-hostname-check"}}),
                3, "server certificate rejected");
}

TEST(FlawTest, IgnoreDatesAcceptsExpiredAndNotYetValidOnly) {
  ExpectDeliveredOverTls(RunAgainst(WithCert(pki::CertProfile::kExpired),
                                    {.args = {"--flaw", "ignore-dates"}}));
  ExpectDeliveredOverTls(RunAgainst(WithCert(pki::CertProfile::kNotYetValid),
                                    {.args = {"--flaw", "ignore-dates"}}));
  ExpectRefused(RunAgainst(WithCert(pki::CertProfile::kWrongHost),
                           {.args = {"--flaw", "ignore-dates"}}),
                3, "server certificate rejected");
}

TEST(FlawTest, RetryPlaintextReconnectsWithoutStarttls) {
  ConnectionBehavior b = WithCert(pki::CertProfile::kExpired);
  b.capabilities = {"PIPELINING", "AUTH PLAIN LOGIN", "STARTTLS"};
  const ClientRun run = RunAgainst(
      b, {.args = {"--flaw", "retry-plaintext", "--user", "u", "--password",
                   "p"}});
  EXPECT_EQ(run.exit_code(), 0) << run.Describe();
  ASSERT_EQ(run.connections, 2);
  // First connection: refused the certificate, sent nothing protected.
  EXPECT_THAT(ProtectedInPlaintext(run.conn(0)), IsEmpty());
  EXPECT_THAT(Events(run.conn(0), Kind::kMessage), IsEmpty());
  // Second: no STARTTLS at all, credentials and message in plaintext.
  const ConnectionTranscript& retry = run.conn(1);
  EXPECT_THAT(Events(retry, Kind::kCommand, "STARTTLS"), IsEmpty());
  EXPECT_EQ(Commands(retry, "MAIL", SessionPhase::kPlaintext).size(), 1u);
  const auto creds = Events(retry, Kind::kCredentials);
  ASSERT_EQ(creds.size(), 1u);
  EXPECT_EQ(creds[0].channel, Channel::kPlaintext);
  // Without a handshake failure there is no retry.
  ExpectRefused(RunAgainst(Stripped(), {.args = {"--flaw", "retry-plaintext"}}),
                4, "does not offer STARTTLS");
}

TEST(FlawTest, KeepBufferActsOnInjectedBytes) {
  const ClientRun run = RunAgainst(
      Injecting(),
      {.args = {"--flaw", "keep-buffer", "--user", "u", "--password", "p"}});
  const ConnectionTranscript& c = run.conn();
  EXPECT_EQ(c.tls.outcome, fake::HandshakeOutcome::kCompleted)
      << run.Describe();
  // The genuine in-TLS list has no AUTH: PLAIN came from the injection.
  const auto auth = Commands(c, "AUTH", SessionPhase::kTls);
  ASSERT_EQ(auth.size(), 1u) << run.Describe();
  EXPECT_THAT(auth[0].text, HasSubstr("AUTH PLAIN"));
}

TEST(FlawTest, StaleCapabilitiesUsesThePreTlsList) {
  ConnectionBehavior b;
  b.capabilities = {"PIPELINING", "SIZE 10485760", "AUTH PLAIN LOGIN",
                    "STARTTLS"};
  b.tls_capabilities = {"PIPELINING", "AUTH LOGIN"};
  const Client creds{.args = {"--user", "u", "--password", "p"}};

  const ClientRun secure = RunAgainst(b, creds);
  ExpectDeliveredOverTls(secure);
  ASSERT_EQ(Commands(secure.conn(), "AUTH", SessionPhase::kTls).size(), 1u);
  EXPECT_THAT(Commands(secure.conn(), "AUTH", SessionPhase::kTls)[0].text,
              HasSubstr("AUTH LOGIN"));
  ASSERT_EQ(Commands(secure.conn(), "MAIL", SessionPhase::kTls).size(), 1u);
  EXPECT_THAT(Commands(secure.conn(), "MAIL", SessionPhase::kTls)[0].text,
              ::testing::Not(HasSubstr("SIZE=")));

  Client flawed = creds;
  flawed.args.insert(flawed.args.end(), {"--flaw", "stale-capabilities"});
  const ClientRun stale = RunAgainst(b, flawed);
  ExpectDeliveredOverTls(stale);  // Still EHLOs inside TLS.
  ASSERT_EQ(Commands(stale.conn(), "AUTH", SessionPhase::kTls).size(), 1u);
  EXPECT_THAT(Commands(stale.conn(), "AUTH", SessionPhase::kTls)[0].text,
              HasSubstr("AUTH PLAIN"));
  ASSERT_EQ(Commands(stale.conn(), "MAIL", SessionPhase::kTls).size(), 1u);
  EXPECT_THAT(Commands(stale.conn(), "MAIL", SessionPhase::kTls)[0].text,
              HasSubstr("SIZE="));
}

TEST(FlawTest, PipelineStarttlsSendsEhloInTheSameWrite) {
  const ClientRun run = RunAgainst({}, {.args = {"--flaw", "pipeline-starttls"}});
  const ConnectionTranscript& c = run.conn();
  EXPECT_EQ(c.bytes_after_starttls, "EHLO client.gauntlet.test\r\n")
      << run.Describe();
  // The STARTTLS line and the EHLO after it reached the server together.
  bool same_chunk = false;
  for (const fake::WireChunk& w : c.wire) {
    if (w.direction == fake::Direction::kClientToServer &&
        absl::StrContains(w.bytes, "STARTTLS\r\nEHLO ")) {
      same_chunk = true;
    }
  }
  EXPECT_TRUE(same_chunk);
}

TEST(FlawTest, NoTimeoutWaitsForeverOnAStalledHandshake) {
  const ClientRun run = RunAgainst(
      Stalling(), {.args = {"--flaw", "no-timeout"},
                   .timeout_s = "1",
                   .kill_after = std::chrono::milliseconds(3000)});
  EXPECT_TRUE(run.process.timed_out) << run.Describe();
  EXPECT_FALSE(run.process.exited) << run.Describe();
  EXPECT_THAT(ProtectedInPlaintext(run.conn()), IsEmpty());
}

TEST(FlawTest, AuthBeforeTlsSendsCredentialsInPlaintext) {
  ConnectionBehavior b;
  b.capabilities = {"PIPELINING", "AUTH PLAIN LOGIN", "STARTTLS"};
  const Client creds{.args = {"--user", "bob", "--password", "pw"}};

  const ClientRun secure = RunAgainst(b, creds);
  ExpectDeliveredOverTls(secure);

  Client flawed = creds;
  flawed.args.insert(flawed.args.end(), {"--flaw", "auth-before-tls"});
  const ClientRun run = RunAgainst(b, flawed);
  EXPECT_EQ(run.exit_code(), 0) << run.Describe();
  const auto seen = Events(run.conn(), Kind::kCredentials);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].channel, Channel::kPlaintext);
  EXPECT_EQ(seen[0].credentials->password, "pw");
  EXPECT_EQ(seen[1].channel, Channel::kTlsApp);
  // The message itself still went over TLS.
  const auto messages = Events(run.conn(), Kind::kMessage);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].channel, Channel::kTlsApp);
}

TEST(FlawTest, StarttlsTwiceIssuesStarttlsInsideTls) {
  ConnectionBehavior b;
  b.tls_capabilities = {"PIPELINING", "SIZE 10485760", "STARTTLS"};
  const ClientRun secure = RunAgainst(b, {});
  ExpectDeliveredOverTls(secure);
  EXPECT_THAT(Commands(secure.conn(), "STARTTLS", SessionPhase::kTls),
              IsEmpty());

  const ClientRun run = RunAgainst(b, {.args = {"--flaw", "starttls-twice"}});
  EXPECT_EQ(run.exit_code(), 0) << run.Describe();
  EXPECT_EQ(Commands(run.conn(), "STARTTLS", SessionPhase::kTls).size(), 1u);
  EXPECT_EQ(Commands(run.conn(), "STARTTLS", SessionPhase::kPlaintext).size(),
            1u);
}

// The attacker's plaintext EHLO offers AUTH (it writes every plaintext byte).
ConnectionBehavior OffersAuthInPlaintext(ConnectionBehavior b) {
  b.capabilities = {"PIPELINING", "SIZE 10485760", "AUTH PLAIN LOGIN",
                    "STARTTLS"};
  return b;
}

std::vector<SmtpEvent> CredentialsIn(const ConnectionTranscript& c,
                                     SessionPhase phase) {
  std::vector<SmtpEvent> out;
  for (const SmtpEvent& e : Events(c, Kind::kCredentials)) {
    if (e.phase == phase && e.channel == Channel::kPlaintext) out.push_back(e);
  }
  return out;
}

struct FallbackCase {
  std::string name;
  ConnectionBehavior behavior;
  SessionPhase phase;
};

class FallbackSameConnectionTest
    : public ::testing::TestWithParam<FallbackCase> {};

// The leak happens on the first connection, in the clear: credentials,
// MAIL and the message; and the secure client, on the same server, sends
// nothing of the kind.
TEST_P(FallbackSameConnectionTest, LeaksCredentialsOnTheSameConnection) {
  const Client creds{.args = {"--user", "erin", "--password", "pw"}};
  const ClientRun secure = RunAgainst(GetParam().behavior, creds);
  EXPECT_NE(secure.exit_code(), 0) << secure.Describe();
  EXPECT_THAT(ProtectedInPlaintext(secure.conn()), IsEmpty());

  Client flawed = creds;
  flawed.args.insert(flawed.args.end(),
                     {"--flaw", "fallback-same-connection"});
  const ClientRun run = RunAgainst(GetParam().behavior, flawed);
  EXPECT_EQ(run.exit_code(), 0) << run.Describe();
  EXPECT_EQ(run.connections, 1);
  const ConnectionTranscript& c = run.conn();
  const auto leaked = CredentialsIn(c, GetParam().phase);
  ASSERT_EQ(leaked.size(), 1u) << run.Describe();
  EXPECT_EQ(leaked[0].credentials->mechanism, "PLAIN");
  EXPECT_EQ(leaked[0].credentials->password, "pw");
  const auto messages = Events(c, Kind::kMessage);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].phase, GetParam().phase);
  EXPECT_EQ(messages[0].channel, Channel::kPlaintext);
}

INSTANTIATE_TEST_SUITE_P(
    Failures, FallbackSameConnectionTest,
    ::testing::Values(
        // Rejected inside the handshake (chain to an unknown root).
        FallbackCase{"UnknownRoot",
                     OffersAuthInPlaintext(
                         WithCert(pki::CertProfile::kUnknownRoot)),
                     SessionPhase::kAfterTlsFailure},
        // Rejected after a completed TLS 1.3 handshake (the client's own
        // leaf check): no alert, plaintext where records belong.
        FallbackCase{"CommonNameOnlyAfterHandshake",
                     OffersAuthInPlaintext(
                         WithCert(pki::CertProfile::kCommonNameOnly)),
                     SessionPhase::kAfterTlsFailure},
        FallbackCase{"Tls11Only",
                     [] {
                       ConnectionBehavior b = OffersAuthInPlaintext({});
                       b.tls_versions = fake::TlsVersions::kTls11Only;
                       return b;
                     }(),
                     SessionPhase::kAfterTlsFailure},
        FallbackCase{"Starttls454",
                     [] {
                       ConnectionBehavior b =
                           OffersAuthInPlaintext(StarttlsRefused());
                       b.after_starttls = fake::AfterStarttls::kStayPlaintext;
                       return b;
                     }(),
                     SessionPhase::kAfterStarttlsRefused}),
    [](const auto& info) { return info.param.name; });

// Without AUTH in the plaintext EHLO the authenticating client gives up
// before it sends anything protected: the false "pass" of a scenario whose
// attacker forgot to offer AUTH.
TEST(FlawTest, FallbackSameConnectionGivesUpWithoutAnAuthOffer) {
  const ClientRun run = RunAgainst(
      WithCert(pki::CertProfile::kUnknownRoot),
      {.args = {"--user", "erin", "--password", "pw", "--flaw",
                "fallback-same-connection"}});
  EXPECT_EQ(run.exit_code(), 5) << run.Describe();
  EXPECT_THAT(run.process.err.data, HasSubstr("did not advertise AUTH"));
  EXPECT_THAT(ProtectedInPlaintext(run.conn()), IsEmpty());
  EXPECT_EQ(Commands(run.conn(), "EHLO", SessionPhase::kAfterTlsFailure).size(),
            1u);
}

// Always PLAIN, whatever the in-TLS EHLO offers, but only after reading it.
TEST(FlawTest, AlwaysAuthPlainIgnoresTheOfferedMechanisms) {
  ConnectionBehavior b;
  b.tls_capabilities = {"PIPELINING", "SIZE 10485760", "AUTH LOGIN"};
  const Client creds{.args = {"--user", "u", "--password", "p"}};
  const ClientRun secure = RunAgainst(b, creds);
  ExpectDeliveredOverTls(secure);
  ASSERT_EQ(Commands(secure.conn(), "AUTH", SessionPhase::kTls).size(), 1u);
  EXPECT_THAT(Commands(secure.conn(), "AUTH", SessionPhase::kTls)[0].text,
              HasSubstr("AUTH LOGIN"));

  Client flawed = creds;
  flawed.args.insert(flawed.args.end(), {"--flaw", "always-auth-plain"});
  for (const std::vector<std::string>& caps :
       {std::vector<std::string>{"PIPELINING", "AUTH LOGIN"},
        std::vector<std::string>{"PIPELINING"}}) {
    b.tls_capabilities = caps;
    const ClientRun run = RunAgainst(b, flawed);
    ExpectDeliveredOverTls(run);
    const ConnectionTranscript& c = run.conn();
    const auto auth = Commands(c, "AUTH", SessionPhase::kTls);
    ASSERT_EQ(auth.size(), 1u) << run.Describe();
    EXPECT_THAT(auth[0].text, HasSubstr("AUTH PLAIN"));
    // It waited for the real reply: the in-TLS EHLO was answered before
    // the AUTH arrived.
    std::int64_t ehlo_reply_us = 0;
    for (const SmtpEvent& e : c.events) {
      if (e.kind == Kind::kReply && e.verb == "EHLO" &&
          e.phase == SessionPhase::kTls) {
        ehlo_reply_us = e.t_us;
      }
    }
    ASSERT_GT(ehlo_reply_us, 0);
    EXPECT_GE(auth[0].t_us, ehlo_reply_us);
  }
}

// Every flaw alone still delivers over TLS to a good server: a flaw only
// changes the behaviour it names.
class FlawOnGoodServerTest : public ::testing::TestWithParam<FlawInfo> {};

TEST_P(FlawOnGoodServerTest, StillDeliversOverTls) {
  const ClientRun run = RunAgainst(
      {}, {.args = {"--flaw", std::string(GetParam().name), "--user", "u",
                    "--password", "p"}});
  EXPECT_EQ(run.exit_code(), 0) << run.Describe();
  const auto messages = Events(run.conn(), Kind::kMessage);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].channel, Channel::kTlsApp);
  EXPECT_EQ(run.connections, 1);
}

INSTANTIATE_TEST_SUITE_P(AllFlaws, FlawOnGoodServerTest,
                         ::testing::ValuesIn(AllFlaws().begin(),
                                             AllFlaws().end()),
                         [](const auto& info) {
                           std::string name(info.param.name);
                           for (char& ch : name) {
                             if (ch == '-') ch = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace gauntlet::client
