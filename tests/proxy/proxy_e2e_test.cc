// The proxy in front of a real SMTP server (Debian's python3-aiosmtpd, with
// STARTTLS and the test PKI's certificate), driven by real clients (curl).
// Each test starts its own upstream and proxy on loopback ports in a
// private temporary directory.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fake_servers/proxy/proxy.h"
#include "fake_servers/proxy/socket_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/proxy/proxy_report.h"
#include "harness/report/file_io.h"
#include "harness/report/json_report.h"
#include "harness/runner/rejudge.h"
#include "tests/proxy/proxy_test_util.h"

namespace gauntlet::proxy {
namespace {

using testing::Bench;
using testing::kPassword;
using testing::kSubject;
using testing::kUser;
using testing::RunCurl;
using testing::WireBytes;

constexpr auto kWait = std::chrono::seconds(20);

class ProxyE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Bench>> b = Bench::Create();
    if (absl::IsNotFound(b.status())) {
      GTEST_SKIP() << b.status().message();
    }
    ASSERT_TRUE(b.ok()) << b.status();
    bench_ = std::move(*b);
  }

  std::unique_ptr<MitmProxy> StartProxy(const ProxyConfig& config,
                                        const std::string& transcript_file = "") {
    absl::StatusOr<std::unique_ptr<MitmProxy>> p = proxy::StartProxy(
        config,
        [this](const ProxyEvent& e) {
          events_ += absl::StrCat("[", e.session, "] ", e.text, "\n");
        },
        transcript_file);
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? std::move(*p) : nullptr;
  }

  std::vector<UpstreamMessage> Delivered() {
    absl::StatusOr<std::vector<UpstreamMessage>> m =
        bench_->upstream->Messages();
    EXPECT_TRUE(m.ok()) << m.status();
    return m.ok() ? *m : std::vector<UpstreamMessage>{};
  }

  std::unique_ptr<Bench> bench_;
  std::string events_;  // Written only by the session thread, read after.
};

bool HasCredentials(const SessionCapture& c) {
  for (const smtp::CapturedCredentials& cred : c.credentials) {
    if (cred.username == kUser && cred.password == kPassword) return true;
  }
  return false;
}

TEST_F(ProxyE2eTest, StripReadsCredentialsWhileTheServerGetsTls) {
  ProxyConfig config = bench_->BaseConfig(Attack::kStrip);
  const std::string transcript_file = bench_->dir->path() + "/strip.json";
  auto proxy = StartProxy(config, transcript_file);
  ASSERT_NE(proxy, nullptr);

  // curl --ssl: "try TLS", i.e. opportunistic.
  const runner::RunResult curl = RunCurl(*bench_, proxy->port(), {"--ssl"});
  EXPECT_TRUE(curl.succeeded()) << curl.Describe() << ": " << curl.err.data;
  ASSERT_TRUE(proxy->WaitDone(kWait)) << events_;

  const std::vector<SessionCapture> caps = proxy->Captures();
  ASSERT_EQ(caps.size(), 1u);
  const SessionCapture& cap = caps[0];
  EXPECT_TRUE(HasCredentials(cap)) << events_;
  ASSERT_EQ(cap.messages.size(), 1u) << events_;
  EXPECT_EQ(cap.messages[0].subject, kSubject);
  EXPECT_EQ(cap.messages[0].mail_from, testing::kFrom);
  EXPECT_TRUE(cap.upstream_tls);
  EXPECT_FALSE(cap.client_sent_starttls);

  // The real server received the message, over TLS, from an authenticated
  // session: nothing looked wrong from its side.
  const std::vector<UpstreamMessage> got = Delivered();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].tls);
  EXPECT_EQ(got[0].login, kUser);
  EXPECT_EQ(got[0].subject, kSubject);

  // The transcript: the client leg is all plaintext and never offered
  // STARTTLS; the upstream leg carried the credentials only inside TLS.
  const fake::Transcript t = proxy->Transcript();
  ASSERT_EQ(t.connections.size(), 2u);
  const std::string to_client =
      WireBytes(t.connections[0], fake::Direction::kServerToClient);
  EXPECT_FALSE(absl::StrContains(to_client, "STARTTLS")) << to_client;
  EXPECT_TRUE(absl::StrContains(to_client, "AUTH"));
  EXPECT_TRUE(WireBytes(t.connections[0], fake::Direction::kClientToServer,
                        fake::Channel::kTlsRecords)
                  .empty());
  const std::string up_plain =
      WireBytes(t.connections[1], fake::Direction::kClientToServer,
                fake::Channel::kPlaintext);
  EXPECT_TRUE(absl::StrContains(up_plain, "STARTTLS"));
  EXPECT_FALSE(absl::StrContains(up_plain, "AUTH")) << up_plain;
  EXPECT_TRUE(absl::StrContains(
      WireBytes(t.connections[1], fake::Direction::kClientToServer,
                fake::Channel::kTlsApp),
      "AUTH"));
  EXPECT_EQ(t.connections[1].tls.outcome, fake::HandshakeOutcome::kCompleted);

  // The transcript file is a gauntlet-report/1 document with a failing
  // result (the client leaked).
  absl::StatusOr<report::ReportVerdicts> v =
      report::ReadReportVerdictsFile(transcript_file);
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_EQ(v->verdicts.size(), 1u);
  EXPECT_EQ(v->verdicts.begin()->second, verdict::VerdictKind::kFail);
  // Its verdict was drawn as a run's is, from the client leg's transcript
  // (the rule that caught the leak, not the proxy's own logic), and
  // `gauntlet judge`'s path reproduces it from the file alone.
  absl::StatusOr<report::RunReport> saved =
      report::ReadRunReportFile(transcript_file);
  ASSERT_TRUE(saved.ok()) << saved.status();
  ASSERT_EQ(saved->results.size(), 1u);
  const report::ScenarioResult& result = saved->results[0];
  std::vector<std::string> rules;
  for (const verdict::Violation& violation : result.verdict.violations) {
    rules.push_back(violation.rule);
  }
  EXPECT_THAT(rules, ::testing::Contains("plaintext-auth"))
      << result.verdict.summary;
  absl::StatusOr<report::RunReport> judged =
      runner::Rejudge(*saved, std::nullopt, transcript_file);
  ASSERT_TRUE(judged.ok()) << judged.status();
  ASSERT_EQ(judged->results.size(), 1u);
  const verdict::Verdict& again = judged->results[0].verdict;
  EXPECT_EQ(again.verdict, result.verdict.verdict);
  EXPECT_EQ(again.summary, result.verdict.summary);
  ASSERT_EQ(again.violations.size(), result.verdict.violations.size());
  for (std::size_t i = 0; i < again.violations.size(); ++i) {
    EXPECT_EQ(again.violations[i].rule, result.verdict.violations[i].rule);
  }
  // Under opportunistic the same session is allowed (the client chose
  // to go on in plaintext), with the leak still noted.
  absl::StatusOr<report::RunReport> opportunistic = runner::Rejudge(
      *saved, scenario::Policy::kOpportunistic, transcript_file);
  ASSERT_TRUE(opportunistic.ok()) << opportunistic.status();
  EXPECT_EQ(opportunistic->results[0].verdict.verdict,
            verdict::VerdictKind::kPass)
      << opportunistic->results[0].verdict.summary;
  // It holds the captured credentials: readable by its owner only.
  struct stat st;
  ASSERT_EQ(stat(transcript_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(ProxyE2eTest, StripStopsARequireTlsClient) {
  auto proxy = StartProxy(bench_->BaseConfig(Attack::kStrip));
  ASSERT_NE(proxy, nullptr);
  const runner::RunResult curl = RunCurl(
      *bench_, proxy->port(), {"--ssl-reqd", "--cacert", bench_->files->CaFile()});
  EXPECT_TRUE(curl.exited);
  EXPECT_NE(curl.exit_code, 0) << curl.err.data;
  ASSERT_TRUE(proxy->WaitDone(kWait)) << events_;
  const std::vector<SessionCapture> caps = proxy->Captures();
  ASSERT_EQ(caps.size(), 1u);
  EXPECT_FALSE(caps[0].Leaked()) << events_;
  EXPECT_TRUE(Delivered().empty());
}

TEST_F(ProxyE2eTest, StripAnswers502ToAStarttlsSentAnyway) {
  auto proxy = StartProxy(bench_->BaseConfig(Attack::kStrip));
  ASSERT_NE(proxy, nullptr);
  absl::StatusOr<Fd> fd =
      ConnectTcp("127.0.0.1", proxy->port(), Clock::now() + kWait, -1);
  ASSERT_TRUE(fd.ok()) << fd.status();
  auto read_until = [&](absl::string_view what) {
    std::string got;
    const auto deadline = Clock::now() + kWait;
    while (!absl::StrContains(got, what)) {
      const int fds[1] = {fd->get()};
      bool ready[1];
      if (WaitReadable(fds, ready, 1, deadline, -1) != WaitResult::kReady) break;
      absl::StatusOr<std::string> r = ReadSome(fd->get(), 4096);
      if (!r.ok()) continue;
      if (r->empty()) break;
      got += *r;
    }
    return got;
  };
  EXPECT_TRUE(absl::StrContains(read_until("\r\n"), "220"));
  ASSERT_TRUE(WriteAll(fd->get(), "EHLO me\r\n", Clock::now() + kWait, -1).ok());
  const std::string ehlo = read_until("250 ");
  EXPECT_FALSE(absl::StrContains(ehlo, "STARTTLS")) << ehlo;
  ASSERT_TRUE(WriteAll(fd->get(), "STARTTLS\r\n", Clock::now() + kWait, -1).ok());
  EXPECT_TRUE(absl::StartsWith(read_until("\r\n"), "502 5.5.1"));
  ASSERT_TRUE(WriteAll(fd->get(), "QUIT\r\n", Clock::now() + kWait, -1).ok());
  EXPECT_TRUE(absl::StartsWith(read_until("\r\n"), "221"));
  ASSERT_TRUE(proxy->WaitDone(kWait)) << events_;
}

TEST_F(ProxyE2eTest, InterceptCaughtByVerifyingClient) {
  auto proxy = StartProxy(bench_->BaseConfig(Attack::kIntercept));
  ASSERT_NE(proxy, nullptr);
  const runner::RunResult curl = RunCurl(
      *bench_, proxy->port(), {"--ssl-reqd", "--cacert", bench_->files->CaFile()});
  EXPECT_TRUE(curl.exited);
  EXPECT_NE(curl.exit_code, 0) << curl.err.data;
  ASSERT_TRUE(proxy->WaitDone(kWait)) << events_;
  const std::vector<SessionCapture> caps = proxy->Captures();
  ASSERT_EQ(caps.size(), 1u);
  EXPECT_TRUE(caps[0].client_sent_starttls);
  EXPECT_FALSE(caps[0].client_accepted_forged_cert);
  EXPECT_FALSE(caps[0].client_tls_failure.empty());
  EXPECT_FALSE(caps[0].Leaked()) << events_;
  EXPECT_TRUE(Delivered().empty());
  const fake::Transcript t = proxy->Transcript();
  ASSERT_EQ(t.connections.size(), 2u);
  EXPECT_NE(t.connections[0].tls.outcome, fake::HandshakeOutcome::kCompleted);
  // Judged from the client leg: the client refused the forged chain.
  const report::RunReport judged = ProxyRunReport(
      bench_->BaseConfig(Attack::kIntercept), proxy->Snapshot());
  ASSERT_EQ(judged.results.size(), 1u);
  EXPECT_EQ(judged.results[0].verdict.verdict, verdict::VerdictKind::kPass)
      << judged.results[0].verdict.summary;
}

TEST_F(ProxyE2eTest, InterceptReadsANonVerifyingClient) {
  auto proxy = StartProxy(bench_->BaseConfig(Attack::kIntercept));
  ASSERT_NE(proxy, nullptr);
  const runner::RunResult curl =
      RunCurl(*bench_, proxy->port(), {"--ssl-reqd", "-k"});
  EXPECT_TRUE(curl.succeeded()) << curl.Describe() << ": " << curl.err.data;
  ASSERT_TRUE(proxy->WaitDone(kWait)) << events_;
  const std::vector<SessionCapture> caps = proxy->Captures();
  ASSERT_EQ(caps.size(), 1u);
  EXPECT_TRUE(caps[0].client_accepted_forged_cert);
  EXPECT_TRUE(HasCredentials(caps[0])) << events_;
  ASSERT_EQ(caps[0].messages.size(), 1u);
  EXPECT_EQ(caps[0].messages[0].subject, kSubject);
  const std::vector<UpstreamMessage> got = Delivered();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].tls);
  // Both legs are TLS: the client's credentials never crossed in the clear
  // on the wire, yet the proxy read them.
  const fake::Transcript t = proxy->Transcript();
  EXPECT_FALSE(absl::StrContains(
      WireBytes(t.connections[0], fake::Direction::kClientToServer,
                fake::Channel::kPlaintext),
      "AUTH"));
  EXPECT_EQ(t.connections[0].tls.outcome, fake::HandshakeOutcome::kCompleted);
  // The client leg records the forged chain the proxy served, and the
  // verdict, drawn from it, names the rule the client broke.
  ASSERT_TRUE(t.connections[0].tls.certificate.has_value());
  EXPECT_THAT(t.connections[0].tls.certificate->flaws,
              ::testing::Contains(fake::CertFlaw::kUntrustedRoot));
  const report::RunReport judged = ProxyRunReport(
      bench_->BaseConfig(Attack::kIntercept), proxy->Snapshot());
  ASSERT_EQ(judged.results.size(), 1u);
  const verdict::Verdict& v = judged.results[0].verdict;
  EXPECT_EQ(v.verdict, verdict::VerdictKind::kFail) << v.summary;
  std::vector<std::string> rules;
  for (const verdict::Violation& violation : v.violations) {
    rules.push_back(violation.rule);
  }
  EXPECT_THAT(rules, ::testing::Contains("accepted-bad-certificate"))
      << v.summary;
}

TEST_F(ProxyE2eTest, InterceptWithTrustedCaFoolsEvenAVerifyingClient) {
  ProxyConfig config = bench_->BaseConfig(Attack::kIntercept);
  config.trusted_ca = true;
  auto proxy = StartProxy(config);
  ASSERT_NE(proxy, nullptr);
  ASSERT_FALSE(proxy->forged_ca_file().empty());
  const runner::RunResult curl = RunCurl(
      *bench_, proxy->port(), {"--ssl-reqd", "--cacert", proxy->forged_ca_file()});
  EXPECT_TRUE(curl.succeeded()) << curl.Describe() << ": " << curl.err.data;
  ASSERT_TRUE(proxy->WaitDone(kWait)) << events_;
  const std::vector<SessionCapture> caps = proxy->Captures();
  ASSERT_EQ(caps.size(), 1u);
  EXPECT_TRUE(caps[0].client_accepted_forged_cert);
  EXPECT_TRUE(HasCredentials(caps[0])) << events_;
}

TEST_F(ProxyE2eTest, PassthroughChangesNoByte) {
  auto proxy = StartProxy(bench_->BaseConfig(Attack::kPassthrough));
  ASSERT_NE(proxy, nullptr);
  const runner::RunResult curl = RunCurl(
      *bench_, proxy->port(), {"--ssl-reqd", "--cacert", bench_->files->CaFile()});
  EXPECT_TRUE(curl.succeeded()) << curl.Describe() << ": " << curl.err.data;
  ASSERT_TRUE(proxy->WaitDone(kWait)) << events_;
  const std::vector<SessionCapture> caps = proxy->Captures();
  ASSERT_EQ(caps.size(), 1u);
  EXPECT_TRUE(caps[0].relayed_encrypted);
  EXPECT_FALSE(caps[0].Leaked());
  const std::vector<UpstreamMessage> got = Delivered();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].tls);

  const fake::Transcript t = proxy->Transcript();
  ASSERT_EQ(t.connections.size(), 2u);
  const std::string c2s_client =
      WireBytes(t.connections[0], fake::Direction::kClientToServer);
  const std::string c2s_upstream =
      WireBytes(t.connections[1], fake::Direction::kClientToServer);
  const std::string s2c_client =
      WireBytes(t.connections[0], fake::Direction::kServerToClient);
  const std::string s2c_upstream =
      WireBytes(t.connections[1], fake::Direction::kServerToClient);
  // Thousands of bytes, TLS included, and not one differs.
  EXPECT_GT(c2s_client.size(), 500u);
  EXPECT_GT(s2c_client.size(), 500u);
  EXPECT_EQ(c2s_client, c2s_upstream);
  EXPECT_EQ(s2c_client, s2c_upstream);
}

TEST_F(ProxyE2eTest, RefuseAnswers454AndAFallbackClientLeaks) {
  auto proxy = StartProxy(bench_->BaseConfig(Attack::kRefuse));
  ASSERT_NE(proxy, nullptr);
  // curl --ssl goes on in plaintext after a refused STARTTLS.
  const runner::RunResult curl = RunCurl(*bench_, proxy->port(), {"--ssl"});
  EXPECT_TRUE(curl.succeeded()) << curl.Describe() << ": " << curl.err.data;
  ASSERT_TRUE(proxy->WaitDone(kWait)) << events_;
  const std::vector<SessionCapture> caps = proxy->Captures();
  ASSERT_EQ(caps.size(), 1u);
  EXPECT_TRUE(caps[0].client_sent_starttls);
  EXPECT_TRUE(HasCredentials(caps[0])) << events_;
  const fake::Transcript t = proxy->Transcript();
  const std::string to_client =
      WireBytes(t.connections[0], fake::Direction::kServerToClient);
  EXPECT_TRUE(absl::StrContains(to_client, "STARTTLS"));  // Advertised...
  EXPECT_TRUE(absl::StrContains(to_client, "454 4.7.0 TLS not available\r\n"));
  const std::vector<UpstreamMessage> got = Delivered();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].tls);
}

TEST_F(ProxyE2eTest, RefuseWithChosenReplyStopsARequireTlsClient) {
  ProxyConfig config = bench_->BaseConfig(Attack::kRefuse);
  config.refuse_reply = "530 5.7.0 Go away\r\n";
  auto proxy = StartProxy(config);
  ASSERT_NE(proxy, nullptr);
  const runner::RunResult curl = RunCurl(
      *bench_, proxy->port(), {"--ssl-reqd", "--cacert", bench_->files->CaFile()});
  EXPECT_NE(curl.exit_code, 0);
  ASSERT_TRUE(proxy->WaitDone(kWait)) << events_;
  const fake::Transcript t = proxy->Transcript();
  EXPECT_TRUE(absl::StrContains(
      WireBytes(t.connections[0], fake::Direction::kServerToClient),
      "530 5.7.0 Go away\r\n"));
  EXPECT_FALSE(proxy->Captures()[0].Leaked());
  EXPECT_TRUE(Delivered().empty());
}

TEST_F(ProxyE2eTest, InjectWritesRepliesRightAfterThe220) {
  ProxyConfig config = bench_->BaseConfig(Attack::kInject);
  config.injection = "250-EVIL\r\n250 AUTH PLAIN\r\n";
  auto proxy = StartProxy(config);
  ASSERT_NE(proxy, nullptr);
  // A hand-driven client, so the bytes after the 220 are seen exactly.
  absl::StatusOr<Fd> fd =
      ConnectTcp("127.0.0.1", proxy->port(), Clock::now() + kWait, -1);
  ASSERT_TRUE(fd.ok()) << fd.status();
  std::string got;
  auto read_until = [&](absl::string_view what) {
    const auto deadline = Clock::now() + kWait;
    while (!absl::StrContains(got, what)) {
      const int fds[1] = {fd->get()};
      bool ready[1];
      if (WaitReadable(fds, ready, 1, deadline, -1) != WaitResult::kReady) break;
      absl::StatusOr<std::string> r = ReadSome(fd->get(), 4096);
      if (!r.ok()) continue;
      if (r->empty()) break;
      got += *r;
    }
  };
  read_until("\r\n");
  ASSERT_TRUE(WriteAll(fd->get(), "EHLO me\r\n", Clock::now() + kWait, -1).ok());
  read_until("250 ");
  read_until("\r\n250 ");
  EXPECT_TRUE(absl::StrContains(got, "STARTTLS"));
  got.clear();
  ASSERT_TRUE(WriteAll(fd->get(), "STARTTLS\r\n", Clock::now() + kWait, -1).ok());
  read_until("250 AUTH PLAIN\r\n");
  ASSERT_TRUE(absl::StartsWith(got, "220 ")) << got;
  const std::string after = got.substr(got.find("\r\n") + 2);
  EXPECT_EQ(after, config.injection);
  fd->Reset();
  ASSERT_TRUE(proxy->WaitDone(kWait)) << events_;
  const fake::Transcript t = proxy->Transcript();
  EXPECT_TRUE(absl::StrContains(
      WireBytes(t.connections[0], fake::Direction::kServerToClient),
      "Ready to start TLS\r\n250-EVIL\r\n250 AUTH PLAIN\r\n"));
  // The upstream never sent those bytes.
  EXPECT_FALSE(absl::StrContains(
      WireBytes(t.connections[1], fake::Direction::kServerToClient), "EVIL"));
  // The client leg records them as injected (answering no command), apart
  // from the 220 they were written with.
  int injected = 0;
  for (const fake::SmtpEvent& e : t.connections[0].events) {
    if (e.kind != fake::SmtpEvent::Kind::kInjected) continue;
    ++injected;
    EXPECT_EQ(e.text, config.injection);
  }
  EXPECT_EQ(injected, 1);
}

TEST_F(ProxyE2eTest, InjectLetsAVerifyingClientThrough) {
  auto proxy = StartProxy(bench_->BaseConfig(Attack::kInject));
  ASSERT_NE(proxy, nullptr);
  // curl discards what arrived before the handshake (the CVE-2021-22947
  // fix), so the injected replies change nothing for it.
  const runner::RunResult curl = RunCurl(
      *bench_, proxy->port(), {"--ssl-reqd", "--cacert", bench_->files->CaFile()});
  ASSERT_TRUE(proxy->WaitDone(kWait)) << events_;
  const std::vector<SessionCapture> caps = proxy->Captures();
  ASSERT_EQ(caps.size(), 1u);
  EXPECT_TRUE(caps[0].relayed_encrypted);
  EXPECT_FALSE(caps[0].Leaked());
  (void)curl;
}

// Postfix as the upstream (no AUTH: Debian's Postfix has no SASL backend
// of its own). The strip attack reads the mail; Postfix logs a TLS session.
TEST_F(ProxyE2eTest, StripInFrontOfPostfix) {
  absl::StatusOr<std::unique_ptr<testing::TempDir>> pfdir =
      testing::TempDir::Create();
  ASSERT_TRUE(pfdir.ok());
  absl::StatusOr<std::unique_ptr<testing::PostfixUpstream>> pf =
      testing::PostfixUpstream::Start(
          (*pfdir)->path(),
          bench_->files->ChainFile(pki::CertProfile::kValid,
                                   pki::KeyType::kEcdsaP256),
          bench_->files->KeyFile(pki::CertProfile::kValid,
                                 pki::KeyType::kEcdsaP256));
  if (absl::IsNotFound(pf.status())) GTEST_SKIP() << pf.status().message();
  ASSERT_TRUE(pf.ok()) << pf.status();
  ProxyConfig config = bench_->BaseConfig(Attack::kStrip);
  config.upstream.port = static_cast<std::uint16_t>((*pf)->port());
  auto proxy = StartProxy(config);
  ASSERT_NE(proxy, nullptr);
  const runner::RunResult curl =
      RunCurl(*bench_, proxy->port(), {"--ssl"}, /*with_auth=*/false);
  EXPECT_TRUE(curl.succeeded()) << curl.Describe() << ": " << curl.err.data;
  ASSERT_TRUE(proxy->WaitDone(kWait)) << events_;
  const std::vector<SessionCapture> caps = proxy->Captures();
  ASSERT_EQ(caps.size(), 1u);
  EXPECT_TRUE(caps[0].upstream_tls) << events_;
  ASSERT_EQ(caps[0].messages.size(), 1u) << events_;
  EXPECT_EQ(caps[0].messages[0].subject, kSubject);
  (*pf).reset();  // Stops Postfix, so its log is complete.
  const std::string log =
      [&] {
        std::ifstream in((*pfdir)->path() + "/maillog");
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
      }();
  EXPECT_TRUE(absl::StrContains(log, "TLS connection established from "
                                     "localhost[127.0.0.1]"))
      << log;
  EXPECT_TRUE(absl::StrContains(log, "from=<alice@example.org>")) << log;
  EXPECT_TRUE(absl::StrContains(log, "to=<bob@example.org>")) << log;
}

TEST_F(ProxyE2eTest, UnreachableUpstreamEndsTheSessionWith421) {
  ProxyConfig config = bench_->BaseConfig(Attack::kPassthrough);
  // A port nothing listens on: bind one, note it, close it.
  {
    absl::StatusOr<Fd> l = ListenTcp("127.0.0.1", 0);
    ASSERT_TRUE(l.ok());
    config.upstream.port = *LocalPort(l->get());
  }
  auto proxy = StartProxy(config);
  ASSERT_NE(proxy, nullptr);
  const runner::RunResult curl = RunCurl(*bench_, proxy->port(), {});
  EXPECT_NE(curl.exit_code, 0);
  ASSERT_TRUE(proxy->WaitDone(kWait)) << events_;
  const std::vector<SessionCapture> caps = proxy->Captures();
  ASSERT_EQ(caps.size(), 1u);
  EXPECT_TRUE(absl::StrContains(caps[0].end, "cannot connect")) << caps[0].end;
}

TEST_F(ProxyE2eTest, SilentClientTimesOutAndStopEndsEverything) {
  ProxyConfig config = bench_->BaseConfig(Attack::kStrip);
  config.io_timeout = std::chrono::milliseconds(300);
  config.max_sessions = 0;
  auto proxy = StartProxy(config);
  ASSERT_NE(proxy, nullptr);
  absl::StatusOr<Fd> fd =
      ConnectTcp("127.0.0.1", proxy->port(), Clock::now() + kWait, -1);
  ASSERT_TRUE(fd.ok());
  ASSERT_TRUE(proxy->WaitForSessions(1, kWait)) << events_;
  EXPECT_TRUE(absl::StrContains(proxy->Captures()[0].end, "no command"))
      << proxy->Captures()[0].end;
  // A second client that stays connected is ended by Stop().
  absl::StatusOr<Fd> fd2 =
      ConnectTcp("127.0.0.1", proxy->port(), Clock::now() + kWait, -1);
  ASSERT_TRUE(fd2.ok());
  proxy->Stop();
  EXPECT_TRUE(proxy->WaitDone(kWait));
}

}  // namespace
}  // namespace gauntlet::proxy
