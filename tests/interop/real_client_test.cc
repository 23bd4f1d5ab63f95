// Real clients against the good fake server: curl, python3 smtplib,
// openssl s_client and gnutls-cli each deliver a message through STARTTLS
// with every leaf key type under TLS 1.3 and TLS 1.2, and each refuses the
// expired, wrong-host and self-signed certificates. Every verdict is drawn
// from the server's transcript (what actually crossed the wire), with the
// client's exit status as a second witness.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "fake_servers/behavior.h"
#include "fake_servers/pki/cert_profile.h"
#include "fake_servers/pki/test_pki.h"
#include "fake_servers/server/server.h"
#include "fake_servers/transcript.h"
#include "gtest/gtest.h"
#include "tests/interop/real_clients.h"

namespace gauntlet::interop {
namespace {

using fake::Channel;
using fake::ConnectionBehavior;
using fake::ConnectionTranscript;
using fake::HandshakeOutcome;
using fake::SessionPhase;
using fake::SmtpEvent;
using fake::TlsVersions;
using fake::server::FakeSmtpServer;
using fake::server::ServerOptions;
using pki::CertProfile;
using pki::KeyType;

const std::shared_ptr<const pki::TestPki>& SharedPki() {
  static const std::shared_ptr<const pki::TestPki> pki = [] {
    auto made = pki::TestPki::Create({});
    return made.ok() ? std::shared_ptr<const pki::TestPki>(std::move(*made))
                     : nullptr;
  }();
  return pki;
}

std::string VersionsName(TlsVersions v) {
  return v == TlsVersions::kTls13Only ? "tls13" : "tls12";
}

std::string ExpectedVersion(TlsVersions v) {
  return v == TlsVersions::kTls13Only ? "TLSv1.3" : "TLSv1.2";
}

// The transcript in a few lines, for failure messages.
std::string Describe(const ConnectionTranscript& c) {
  std::string out = absl::StrCat(
      "connection ", c.index, ": close=", std::string(fake::CloseKindName(c.close)),
      " tls.outcome=", std::string(fake::HandshakeOutcomeName(c.tls.outcome)),
      " version=", c.tls.version, " cipher=", c.tls.cipher,
      " failure=", c.tls.failure, "\n");
  for (const std::string& a : c.tls.alerts_received) {
    absl::StrAppend(&out, "  alert received: ", a, "\n");
  }
  for (const SmtpEvent& e : c.events) {
    absl::StrAppend(&out, "  ", std::string(fake::SmtpEventKindName(e.kind)), " [",
                    std::string(fake::PhaseName(e.phase)), "/",
                    std::string(fake::ChannelName(e.channel)), "] ", e.verb, " ",
                    e.text.substr(0, 80), "\n");
  }
  return out;
}

// Fails (or skips, with GAUNTLET_INTEROP_ALLOW_MISSING=1) when the client
// program is not installed.
bool RequireClient(RealClient client, std::string* why) {
  if (RealClientInstalled(client)) return true;
  *why = absl::StrCat(RealClientProgram(client),
                      " is not in PATH; scripts/install-deps.sh --with-tests "
                      "installs it");
  return false;
}

bool AllowMissing() {
  const char* v = std::getenv("GAUNTLET_INTEROP_ALLOW_MISSING");
  return v != nullptr && std::string(v) == "1";
}

std::unique_ptr<FakeSmtpServer> StartServer(ConnectionBehavior behavior) {
  // A real client that rejects the certificate closes at once; a short
  // linger only bounds the wait if one ever does not.
  behavior.linger_after_tls_failure = std::chrono::milliseconds(1000);
  ServerOptions options;
  options.behavior.connections.push_back(behavior);
  options.behavior.max_connections = 4;
  options.behavior.idle_timeout = std::chrono::milliseconds(15'000);
  options.pki = SharedPki();
  auto server = FakeSmtpServer::Start(std::move(options));
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? std::move(*server) : nullptr;
}

// Runs the client and returns its result, or nullopt after failing the
// test. Also reports the client's outputs on failure.
struct ClientOutcome {
  runner::RunResult result;
  std::string output;  // stdout + stderr, for failure messages.
};

std::optional<ClientOutcome> RunClient(const ClientRunSpec& spec) {
  auto result = RunRealClient(spec);
  EXPECT_TRUE(result.ok()) << result.status();
  if (!result.ok()) return std::nullopt;
  ClientOutcome o{*result, absl::StrCat("--- stdout ---\n", result->out.data,
                                        "--- stderr ---\n", result->err.data)};
  return o;
}

// curl and smtplib keep their default range (TLS 1.2 and 1.3), so the
// server's pinning decides -- TLS 1.2 negotiated with a TLS 1.3-capable
// client also exercises the downgrade sentinel rules. s_client and
// gnutls-cli are pinned to the version as well, as an operator would.
TlsVersions ClientVersions(RealClient client, TlsVersions server) {
  return client == RealClient::kOpenssl || client == RealClient::kGnutls
             ? server
             : TlsVersions::kDefault;
}

// --- Delivery ---------------------------------------------------------------

using DeliveryParam = std::tuple<RealClient, TlsVersions, KeyType>;

class RealClientDeliveryTest : public ::testing::TestWithParam<DeliveryParam> {
};

TEST_P(RealClientDeliveryTest, DeliversInsideTls) {
  const auto [client, versions, key] = GetParam();
  std::string why;
  if (!RequireClient(client, &why)) {
    if (AllowMissing()) GTEST_SKIP() << why;
    FAIL() << why;
  }
  ASSERT_NE(SharedPki(), nullptr);
  ConnectionBehavior behavior;
  behavior.tls_versions = versions;
  behavior.key_type = key;
  auto server = StartServer(behavior);
  ASSERT_NE(server, nullptr);
  auto files = server->pki()->WriteClientFiles();
  ASSERT_TRUE(files.ok()) << files.status();
  auto dir = PrivateDir::Create();
  ASSERT_TRUE(dir.ok()) << dir.status();

  ClientRunSpec spec;
  spec.client = client;
  spec.port = server->port();
  spec.ca_file = (*files)->CaFile();
  spec.versions = ClientVersions(client, versions);
  spec.subject = absl::StrCat("gauntlet interop ", RealClientName(client), " ",
                              VersionsName(versions), " ",
                              std::string(pki::KeyTypeName(key)));
  spec.work_dir = (*dir)->path();
  const auto outcome = RunClient(spec);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_TRUE(server->WaitForConnectionsClosed(std::chrono::seconds(10), 1));
  const fake::Transcript t = server->Snapshot();
  ASSERT_EQ(t.connections.size(), 1u) << outcome->output;
  const ConnectionTranscript& c = t.connections[0];
  const std::string context =
      absl::StrCat(outcome->result.Describe(), "\n", Describe(c), outcome->output);
  std::printf("[interop] deliver %s %s %s: %s; %s %s\n",
              RealClientName(client).c_str(),
              VersionsName(versions).c_str(),
              std::string(pki::KeyTypeName(key)).c_str(),
              outcome->result.Describe().c_str(), c.tls.version.c_str(),
              c.tls.cipher.c_str());

  EXPECT_TRUE(outcome->result.succeeded()) << context;

  // The handshake: the version the server was pinned to, SNI localhost.
  EXPECT_EQ(c.tls.outcome, HandshakeOutcome::kCompleted) << context;
  EXPECT_EQ(c.tls.version, ExpectedVersion(versions)) << context;
  ASSERT_TRUE(c.tls.client_hello.has_value()) << context;
  EXPECT_EQ(c.tls.client_hello->sni, "localhost") << context;
  if (spec.versions == TlsVersions::kDefault) {
    // The client offered both versions; the server chose.
    EXPECT_NE(std::find(c.tls.client_hello->offered_versions.begin(),
                        c.tls.client_hello->offered_versions.end(), "TLSv1.3"),
              c.tls.client_hello->offered_versions.end())
        << context;
  }
  if (versions == TlsVersions::kTls12Only) {
    // TLS 1.2 suites name the authentication: the served leaf's key type.
    const bool ecdsa = c.tls.cipher.find("ECDSA") != std::string::npos;
    EXPECT_EQ(ecdsa, key == KeyType::kEcdsaP256) << context;
    EXPECT_NE(c.tls.cipher.find("ECDHE"), std::string::npos) << context;
  }

  // Nothing but EHLO and STARTTLS in the clear.
  for (const SmtpEvent& e : c.events) {
    if (e.kind == SmtpEvent::Kind::kCommand &&
        e.channel == Channel::kPlaintext) {
      EXPECT_TRUE(e.verb == "EHLO" || e.verb == "STARTTLS")
          << "plaintext " << e.verb << "\n" << context;
    }
    EXPECT_NE(e.kind, SmtpEvent::Kind::kBadLine) << context;
  }

  // The credentials and the message arrived inside TLS.
  int credentials = 0, messages = 0;
  for (const SmtpEvent& e : c.events) {
    if (e.kind == SmtpEvent::Kind::kCredentials) {
      ++credentials;
      EXPECT_EQ(e.channel, Channel::kTlsApp) << context;
      ASSERT_TRUE(e.credentials.has_value()) << context;
      EXPECT_EQ(e.credentials->user, kUser) << context;
      EXPECT_EQ(e.credentials->password, kPassword) << context;
    }
    if (e.kind == SmtpEvent::Kind::kMessage) {
      ++messages;
      EXPECT_EQ(e.channel, Channel::kTlsApp) << context;
      EXPECT_EQ(e.phase, SessionPhase::kTls) << context;
      EXPECT_EQ(e.message_subject, spec.subject) << context;
      EXPECT_GE(e.message_size, TestMessage(spec.subject).size() - 4)
          << context;
    }
  }
  EXPECT_EQ(credentials, 1) << context;
  EXPECT_EQ(messages, 1) << context;
}

std::string DeliveryName(
    const ::testing::TestParamInfo<DeliveryParam>& info) {
  const auto [client, versions, key] = info.param;
  return absl::StrReplaceAll(
      absl::StrCat(RealClientName(client), "_", VersionsName(versions), "_",
                   std::string(pki::KeyTypeName(key))),
      {{"-", "_"}});
}

INSTANTIATE_TEST_SUITE_P(
    AllClients, RealClientDeliveryTest,
    ::testing::Combine(::testing::Values(RealClient::kCurl, RealClient::kPython,
                                         RealClient::kOpenssl,
                                         RealClient::kGnutls),
                       ::testing::Values(TlsVersions::kTls13Only,
                                         TlsVersions::kTls12Only),
                       ::testing::Values(KeyType::kEcdsaP256,
                                         KeyType::kRsa2048)),
    DeliveryName);

// --- Rejection --------------------------------------------------------------

using RejectionParam = std::tuple<RealClient, CertProfile, TlsVersions>;

class RealClientRejectionTest
    : public ::testing::TestWithParam<RejectionParam> {};

TEST_P(RealClientRejectionTest, RefusesCertificate) {
  const auto [client, profile, versions] = GetParam();
  std::string why;
  if (!RequireClient(client, &why)) {
    if (AllowMissing()) GTEST_SKIP() << why;
    FAIL() << why;
  }
  ASSERT_NE(SharedPki(), nullptr);
  ConnectionBehavior behavior;
  behavior.tls_versions = versions;
  behavior.cert = profile;
  auto server = StartServer(behavior);
  ASSERT_NE(server, nullptr);
  auto files = server->pki()->WriteClientFiles();
  ASSERT_TRUE(files.ok()) << files.status();
  auto dir = PrivateDir::Create();
  ASSERT_TRUE(dir.ok()) << dir.status();

  ClientRunSpec spec;
  spec.client = client;
  spec.port = server->port();
  spec.ca_file = (*files)->CaFile();
  spec.versions = ClientVersions(client, versions);
  spec.work_dir = (*dir)->path();
  const auto outcome = RunClient(spec);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_TRUE(server->WaitForConnectionsClosed(std::chrono::seconds(10), 1));
  const fake::Transcript t = server->Snapshot();
  ASSERT_GE(t.connections.size(), 1u) << outcome->output;
  const std::string context = absl::StrCat(
      outcome->result.Describe(), "\n", Describe(t.connections[0]),
      outcome->output);
  const ConnectionTranscript& c = t.connections[0];
  std::printf("[interop] reject %s %s %s: %s; outcome %s, alerts [%s]\n",
              RealClientName(client).c_str(),
              std::string(pki::CertProfileName(profile)).c_str(),
              VersionsName(versions).c_str(),
              outcome->result.Describe().c_str(),
              std::string(fake::HandshakeOutcomeName(c.tls.outcome)).c_str(),
              absl::StrJoin(c.tls.alerts_received, ", ").c_str());

  // The client failed, on its own, and was not stopped by the timeout.
  EXPECT_TRUE(outcome->result.exited) << context;
  EXPECT_NE(outcome->result.exit_code, 0) << context;
  EXPECT_FALSE(outcome->result.timed_out) << context;

  // It got as far as the certificate: STARTTLS, a ClientHello naming
  // localhost, the server's flight.
  ASSERT_TRUE(c.tls.client_hello.has_value()) << context;
  EXPECT_EQ(c.tls.client_hello->sni, "localhost") << context;
  EXPECT_NE(c.tls.outcome, HandshakeOutcome::kNotAttempted) << context;
  EXPECT_NE(c.tls.outcome, HandshakeOutcome::kNoClientHello) << context;

  // And then sent nothing: no SMTP inside TLS (in TLS 1.3 the server may
  // have finished its side before the client judged the certificate), no
  // credentials and no message anywhere, not even in plaintext afterwards.
  for (const SmtpEvent& e : c.events) {
    EXPECT_NE(e.channel, Channel::kTlsApp)
        << fake::SmtpEventKindName(e.kind) << " " << e.verb << " inside TLS\n" << context;
    EXPECT_NE(e.kind, SmtpEvent::Kind::kCredentials) << context;
    EXPECT_NE(e.kind, SmtpEvent::Kind::kMessage) << context;
    if (e.kind == SmtpEvent::Kind::kCommand) {
      EXPECT_NE(e.phase, SessionPhase::kAfterTlsFailure)
          << e.verb << " in plaintext after the failed handshake\n" << context;
    }
  }
  // A client that retried on a new connection would show up here.
  EXPECT_EQ(t.connections.size(), 1u) << context;
}

std::string RejectionName(
    const ::testing::TestParamInfo<RejectionParam>& info) {
  const auto [client, profile, versions] = info.param;
  return absl::StrReplaceAll(
      absl::StrCat(RealClientName(client), "_", std::string(pki::CertProfileName(profile)),
                   "_", VersionsName(versions)),
      {{"-", "_"}});
}

INSTANTIATE_TEST_SUITE_P(
    AllClients, RealClientRejectionTest,
    ::testing::Combine(::testing::Values(RealClient::kCurl, RealClient::kPython,
                                         RealClient::kOpenssl,
                                         RealClient::kGnutls),
                       ::testing::Values(CertProfile::kExpired,
                                         CertProfile::kWrongHost,
                                         CertProfile::kSelfSigned),
                       ::testing::Values(TlsVersions::kTls13Only,
                                         TlsVersions::kTls12Only)),
    RejectionName);

}  // namespace
}  // namespace gauntlet::interop
