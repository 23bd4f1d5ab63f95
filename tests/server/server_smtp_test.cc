// The fake server's plaintext SMTP behaviour and lifecycle, driven by a
// real loopback client.

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

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
using ::testing::Not;

std::vector<std::string> Keywords(const smtp::Reply& reply) {
  absl::StatusOr<smtp::EhloCapabilities> caps =
      smtp::EhloCapabilities::FromReply(reply);
  EXPECT_TRUE(caps.ok()) << caps.status();
  std::vector<std::string> out;
  if (!caps.ok()) return out;
  for (const smtp::Capability& c : caps->capabilities()) {
    out.push_back(c.keyword);
  }
  return out;
}

int CodeOf(TestClient& client, std::string_view line) {
  absl::StatusOr<smtp::Reply> reply = client.Command(line);
  EXPECT_TRUE(reply.ok()) << line << ": " << reply.status();
  return reply.ok() ? reply->code : 0;
}

TEST(ServerSmtp, GoodPlaintextSessionAndReplies) {
  auto server = StartServer();
  auto client = ConnectAndGreet(*server);
  absl::StatusOr<smtp::Reply> ehlo = client->Command("EHLO client.test");
  ASSERT_TRUE(ehlo.ok()) << ehlo.status();
  EXPECT_EQ(ehlo->code, 250);
  EXPECT_THAT(Keywords(*ehlo), Contains("STARTTLS"));
  EXPECT_THAT(Keywords(*ehlo), Contains("PIPELINING"));
  EXPECT_EQ(CodeOf(*client, "NOOP"), 250);
  EXPECT_EQ(CodeOf(*client, "VRFY postmaster"), 252);
  EXPECT_EQ(CodeOf(*client, "HELP"), 214);
  EXPECT_EQ(CodeOf(*client, "XYZZY"), 500);
  EXPECT_EQ(CodeOf(*client, "MAIL FROM:bad"), 501);
  EXPECT_EQ(CodeOf(*client, "RCPT TO:<b@example.org>"), 503);
  EXPECT_EQ(CodeOf(*client, "MAIL FROM:<a@example.org>"), 250);
  EXPECT_EQ(CodeOf(*client, "RCPT TO:<b@example.org>"), 250);
  EXPECT_EQ(CodeOf(*client, "RSET"), 250);
  EXPECT_EQ(CodeOf(*client, "DATA"), 503);
  absl::StatusOr<smtp::Reply> quit = client->Command("QUIT");
  ASSERT_TRUE(quit.ok());
  EXPECT_EQ(quit->code, 221);
  EXPECT_EQ(client->WaitForPeerEnd(), PeerEnd::kEof);

  Transcript t = WaitAndSnapshot(*server);
  ASSERT_EQ(t.connections.size(), 1u);
  const ConnectionTranscript& c = t.connections[0];
  EXPECT_EQ(c.close, CloseKind::kServerClosed);
  EXPECT_EQ(c.tls.outcome, HandshakeOutcome::kNotAttempted);
  std::vector<SmtpEvent> replies = EventsOf(c, SmtpEvent::Kind::kReply);
  ASSERT_FALSE(replies.empty());
  EXPECT_EQ(replies.front().verb, "GREETING");
  EXPECT_EQ(replies.front().reply_code, 220);
  EXPECT_EQ(EventsOf(c, SmtpEvent::Kind::kCommand, "EHLO").size(), 1u);
  EXPECT_EQ(EventsOf(c, SmtpEvent::Kind::kBadLine, "MAIL").size(), 1u);
  for (const SmtpEvent& e : c.events) {
    EXPECT_EQ(e.phase, SessionPhase::kPlaintext);
    EXPECT_EQ(e.channel, Channel::kPlaintext);
  }
  EXPECT_THAT(ClientBytes(c, Channel::kPlaintext),
              HasSubstr("EHLO client.test\r\n"));
}

TEST(ServerSmtp, PipelinedCommandsAreAllAnswered) {
  auto server = StartServer();
  auto client = ConnectAndGreet(*server);
  ASSERT_TRUE(client
                  ->Send("EHLO a\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>"
                         "\r\nDATA\r\nSubject: pipelined\r\n\r\nhi\r\n.\r\n"
                         "QUIT\r\n")
                  .ok());
  std::vector<int> codes;
  for (int i = 0; i < 6; ++i) {
    absl::StatusOr<smtp::Reply> r = client->ReadReply();
    ASSERT_TRUE(r.ok()) << i << ": " << r.status();
    codes.push_back(r->code);
  }
  EXPECT_EQ(codes, (std::vector<int>{250, 250, 250, 354, 250, 221}));
  Transcript t = WaitAndSnapshot(*server);
  std::vector<SmtpEvent> messages =
      EventsOf(t.connections[0], SmtpEvent::Kind::kMessage);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].message_subject, "pipelined");
  EXPECT_EQ(messages[0].message_size,
            std::string("Subject: pipelined\r\n\r\nhi\r\n").size());
}

TEST(ServerSmtp, PlaintextAuthPlainAndLoginAreDecoded) {
  auto server = StartServer();
  auto client = ConnectAndGreet(*server);
  EXPECT_EQ(CodeOf(*client, "EHLO a"), 250);
  EXPECT_EQ(CodeOf(*client, "AUTH PLAIN " +
                                smtp::EncodeAuthPlain("", "alice", "s3cret")),
            235);
  client->Close();
  auto second = ConnectAndGreet(*server);
  EXPECT_EQ(CodeOf(*second, "AUTH LOGIN"), 334);
  EXPECT_EQ(CodeOf(*second, "Ym9i"), 334);          // "bob"
  EXPECT_EQ(CodeOf(*second, "aHVudGVyMg=="), 235);  // "hunter2"
  second->Close();

  Transcript t = WaitAndSnapshot(*server, 2);
  std::vector<SmtpEvent> plain =
      EventsOf(t.connections[0], SmtpEvent::Kind::kCredentials);
  ASSERT_EQ(plain.size(), 1u);
  ASSERT_TRUE(plain[0].credentials.has_value());
  EXPECT_EQ(plain[0].credentials->mechanism, "PLAIN");
  EXPECT_EQ(plain[0].credentials->user, "alice");
  EXPECT_EQ(plain[0].credentials->password, "s3cret");
  EXPECT_EQ(plain[0].phase, SessionPhase::kPlaintext);
  EXPECT_EQ(plain[0].channel, Channel::kPlaintext);
  std::vector<SmtpEvent> login =
      EventsOf(t.connections[1], SmtpEvent::Kind::kCredentials);
  ASSERT_EQ(login.size(), 1u);
  EXPECT_EQ(login[0].credentials->mechanism, "LOGIN");
  EXPECT_EQ(login[0].credentials->user, "bob");
  EXPECT_EQ(login[0].credentials->password, "hunter2");
  EXPECT_EQ(EventsOf(t.connections[1], SmtpEvent::Kind::kAuthData).size(), 2u);
  EXPECT_EQ(t.connections[1].close, CloseKind::kClientFin);
}

TEST(ServerSmtp, BdatMessageIsRecorded) {
  auto server = StartServer();
  auto client = ConnectAndGreet(*server);
  EXPECT_EQ(CodeOf(*client, "EHLO a"), 250);
  EXPECT_EQ(CodeOf(*client, "MAIL FROM:<a@x.test>"), 250);
  EXPECT_EQ(CodeOf(*client, "RCPT TO:<b@x.test>"), 250);
  const std::string part1 = "Subject: chunked\r\n";
  const std::string part2 = "\r\nbody\r\n";
  EXPECT_EQ(CodeOf(*client, "BDAT " + std::to_string(part1.size()) + "\r\n" +
                                part1.substr(0, part1.size() - 2)),
            250);
  EXPECT_EQ(
      CodeOf(*client, "BDAT " + std::to_string(part2.size()) + " LAST\r\n" +
                          part2.substr(0, part2.size() - 2)),
      250);
  client->Close();
  Transcript t = WaitAndSnapshot(*server);
  std::vector<SmtpEvent> messages =
      EventsOf(t.connections[0], SmtpEvent::Kind::kMessage);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].message_subject, "chunked");
  EXPECT_EQ(messages[0].message_size, part1.size() + part2.size());
}

TEST(ServerSmtp, StrippingRemovesStarttlsFromCapabilities) {
  ConnectionBehavior b;
  b.capabilities = {"PIPELINING", "8BITMIME", "STARTTLSX"};
  b.starttls_reply = "502 5.5.1 Command not implemented\r\n";
  auto server = StartServer(b);
  auto client = ConnectAndGreet(*server);
  absl::StatusOr<smtp::Reply> ehlo = client->Command("EHLO a");
  ASSERT_TRUE(ehlo.ok());
  EXPECT_THAT(Keywords(*ehlo), Not(Contains("STARTTLS")));
  EXPECT_THAT(Keywords(*ehlo), Contains("STARTTLSX"));
  EXPECT_EQ(CodeOf(*client, "STARTTLS"), 502);
  client->Close();
  WaitAndSnapshot(*server);
}

class StarttlsReplyTest : public ::testing::TestWithParam<std::string> {};

TEST_P(StarttlsReplyTest, ClientGetsExactlyTheReplyAndStaysPlaintext) {
  ConnectionBehavior b;
  b.starttls_reply = GetParam();
  auto server = StartServer(b);
  auto client = ConnectAndGreet(*server);
  EXPECT_EQ(CodeOf(*client, "EHLO a"), 250);
  ASSERT_TRUE(client->Send("STARTTLS\r\n").ok());
  absl::StatusOr<std::string> raw = client->ReadRaw();
  ASSERT_TRUE(raw.ok()) << raw.status();
  EXPECT_EQ(*raw, GetParam());
  EXPECT_EQ(CodeOf(*client, "EHLO again"), 250);
  client->Close();
  Transcript t = WaitAndSnapshot(*server);
  const ConnectionTranscript& c = t.connections[0];
  EXPECT_EQ(c.tls.outcome, HandshakeOutcome::kNotAttempted);
  std::vector<SmtpEvent> ehlos = EventsOf(c, SmtpEvent::Kind::kCommand, "EHLO");
  ASSERT_EQ(ehlos.size(), 2u);
  EXPECT_EQ(ehlos[0].phase, SessionPhase::kPlaintext);
  EXPECT_EQ(ehlos[1].phase, SessionPhase::kAfterStarttlsRefused);
  std::vector<SmtpEvent> replies =
      EventsOf(c, SmtpEvent::Kind::kReply, "STARTTLS");
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].reply_code, std::stoi(GetParam().substr(0, 3)));
}

INSTANTIATE_TEST_SUITE_P(
    Refusals, StarttlsReplyTest,
    ::testing::Values("454 4.7.0 TLS not available due to temporary reason\r\n",
                      "502 5.5.1 Command not implemented\r\n",
                      "500 5.5.2 Syntax error\r\n",
                      "501 5.5.4 Syntax error\r\n", "530 5.7.0 Nope\r\n",
                      "554 5.7.1 Denied\r\n", "354 go ahead\r\n"));

TEST(ServerSmtp, StayPlaintextAfter220RecordsWhatFollows) {
  ConnectionBehavior b;
  b.after_starttls = AfterStarttls::kStayPlaintext;
  auto server = StartServer(b);
  auto client = ConnectAndGreet(*server);
  EXPECT_EQ(CodeOf(*client, "EHLO a"), 250);
  EXPECT_EQ(CodeOf(*client, "STARTTLS"), 220);
  EXPECT_EQ(CodeOf(*client, "EHLO a"), 250);
  EXPECT_EQ(
      CodeOf(*client, "AUTH PLAIN " + smtp::EncodeAuthPlain("", "carol", "pw")),
      235);
  client->Close();
  Transcript t = WaitAndSnapshot(*server);
  std::vector<SmtpEvent> creds =
      EventsOf(t.connections[0], SmtpEvent::Kind::kCredentials);
  ASSERT_EQ(creds.size(), 1u);
  EXPECT_EQ(creds[0].phase, SessionPhase::kAfterStarttlsRefused);
  EXPECT_EQ(creds[0].channel, Channel::kPlaintext);
  EXPECT_EQ(t.connections[0].tls.outcome, HandshakeOutcome::kNotAttempted);
}

TEST(ServerSmtp, CloseAfterStarttlsReply) {
  ConnectionBehavior b;
  b.starttls_reply = "421 4.3.2 Going away\r\n";
  b.after_starttls = AfterStarttls::kClose;
  auto server = StartServer(b);
  auto client = ConnectAndGreet(*server);
  EXPECT_EQ(CodeOf(*client, "STARTTLS"), 421);
  EXPECT_EQ(client->WaitForPeerEnd(), PeerEnd::kEof);
  Transcript t = WaitAndSnapshot(*server);
  EXPECT_EQ(t.connections[0].close, CloseKind::kServerClosed);
}

TEST(ServerSmtp, RefusedEhloFallsBackToHeloWithoutCapabilities) {
  ConnectionBehavior b;
  b.refuse_ehlo = true;
  auto server = StartServer(b);
  auto client = ConnectAndGreet(*server);
  EXPECT_EQ(CodeOf(*client, "EHLO a"), 500);
  absl::StatusOr<smtp::Reply> helo = client->Command("HELO a");
  ASSERT_TRUE(helo.ok());
  EXPECT_EQ(helo->code, 250);
  EXPECT_EQ(helo->lines.size(), 1u);
  EXPECT_EQ(CodeOf(*client, "MAIL FROM:<a@x.test>"), 250);
  client->Close();
  WaitAndSnapshot(*server);
}

TEST(ServerSmtp, RequireTlsAnswers530InPlaintext) {
  ConnectionBehavior b;
  b.require_tls = true;
  auto server = StartServer(b);
  auto client = ConnectAndGreet(*server);
  EXPECT_EQ(CodeOf(*client, "EHLO a"), 250);
  for (std::string line :
       {"AUTH PLAIN " + smtp::EncodeAuthPlain("", "u", "p"),
        std::string("MAIL FROM:<a@x.test>"), std::string("RCPT TO:<b@x.test>"),
        std::string("DATA")}) {
    absl::StatusOr<smtp::Reply> r = client->Command(line);
    ASSERT_TRUE(r.ok()) << line;
    EXPECT_EQ(r->code, 530) << line;
    EXPECT_EQ(r->first_line(), "5.7.0 Must issue a STARTTLS command first");
  }
  EXPECT_EQ(CodeOf(*client, "BDAT 5 LAST\r\nabc"), 530);  // + CRLF = 5
  EXPECT_EQ(CodeOf(*client, "NOOP"), 250);
  client->Close();
  Transcript t = WaitAndSnapshot(*server);
  // AUTH was refused before any exchange: nothing decoded.
  EXPECT_TRUE(
      EventsOf(t.connections[0], SmtpEvent::Kind::kCredentials).empty());
}

TEST(ServerSmtp, OverridesApplyPerConnectionAndVerb) {
  ServerOptions options;
  options.behavior.connections.resize(2);
  ConnectionBehavior& second = options.behavior.connections[1];
  second.reply_overrides.push_back(
      {"MAIL", "451 4.3.0 Try again later\r\n", Phase::kAny, false});
  second.reply_overrides.push_back(
      {"RCPT", "250 ok\r\n", Phase::kTls, false});  // TLS only: not here.
  second.reply_overrides.push_back(
      {"NOOP", "421 4.4.2 bye\r\n", Phase::kPlaintext, true});
  auto server = StartServer(options);
  for (int i = 0; i < 3; ++i) {
    auto client = ConnectAndGreet(*server);
    EXPECT_EQ(CodeOf(*client, "EHLO a"), 250);
    EXPECT_EQ(CodeOf(*client, "MAIL FROM:<a@x.test>"), i == 0 ? 250 : 451);
    EXPECT_EQ(CodeOf(*client, "RCPT TO:<b@x.test>"), i == 0 ? 250 : 503);
    EXPECT_EQ(CodeOf(*client, "NOOP"), i == 0 ? 250 : 421);
    if (i > 0) {
      EXPECT_EQ(client->WaitForPeerEnd(), PeerEnd::kEof);
    }
  }
  Transcript t = WaitAndSnapshot(*server, 3);
  EXPECT_EQ(t.connections[1].close, CloseKind::kServerClosed);
  EXPECT_EQ(t.connections[2].close, CloseKind::kServerClosed);
}

TEST(ServerSmtp, RawOverrideWithoutCrlfIsSentVerbatim) {
  ConnectionBehavior b;
  b.reply_overrides.push_back({"NOOP", "250-partial", Phase::kAny, false});
  auto server = StartServer(b);
  auto client = ConnectAndGreet(*server);
  ASSERT_TRUE(client->Send("NOOP\r\n").ok());
  absl::StatusOr<std::string> raw = client->ReadRaw();
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(*raw, "250-partial");
  client->Close();
  WaitAndSnapshot(*server);
}

TEST(ServerSmtp, DelaysUseTimersAndDoNotBlockOtherConnections) {
  ServerOptions options;
  options.io_threads = 1;
  options.behavior.connections.resize(2);
  options.behavior.connections[0].delays.push_back(
      {"NOOP", std::chrono::milliseconds(600)});
  auto server = StartServer(options);
  auto slow = ConnectAndGreet(*server);
  auto fast = ConnectAndGreet(*server);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(slow->Send("NOOP\r\n").ok());
  EXPECT_EQ(CodeOf(*fast, "NOOP"), 250);
  const auto fast_done = std::chrono::steady_clock::now();
  absl::StatusOr<smtp::Reply> r = slow->ReadReply();
  ASSERT_TRUE(r.ok());
  const auto slow_done = std::chrono::steady_clock::now();
  EXPECT_GE(slow_done - start, std::chrono::milliseconds(600));
  EXPECT_LT(fast_done - start, std::chrono::milliseconds(600));
}

TEST(ServerSmtp, BareLfReplies) {
  ConnectionBehavior b;
  b.bare_lf_replies = true;
  auto server = StartServer(b);
  auto client = TestClient::Connect(server->port());
  ASSERT_TRUE(client.ok());
  absl::StatusOr<std::string> greeting = (*client)->ReadRaw();
  ASSERT_TRUE(greeting.ok());
  EXPECT_EQ(*greeting, "220 mx.gauntlet.test ESMTP Gauntlet\n");
  ASSERT_TRUE((*client)->Send("EHLO a\r\n").ok());
  std::string ehlo;
  for (int i = 0; i < 20 && !absl::StrContains(ehlo, "250 STARTTLS"); ++i) {
    absl::StatusOr<std::string> more = (*client)->ReadRaw();
    ASSERT_TRUE(more.ok());
    ehlo += *more;
  }
  EXPECT_THAT(ehlo, HasSubstr("250-PIPELINING\n"));
  EXPECT_THAT(ehlo, Not(HasSubstr("\r")));
}

TEST(ServerSmtp, MaxConnectionsClosesExtraConnectionsAtOnce) {
  auto server = StartServer(ConnectionBehavior{}, /*max_connections=*/2);
  auto a = ConnectAndGreet(*server);
  auto b = ConnectAndGreet(*server);
  auto c = TestClient::Connect(server->port());
  ASSERT_TRUE(c.ok());
  absl::StatusOr<std::string> got = (*c)->ReadRaw();
  EXPECT_FALSE(got.ok());  // EOF (or reset): no greeting.
  a->Close();
  b->Close();
  Transcript t = WaitAndSnapshot(*server, 3);
  ASSERT_EQ(t.connections.size(), 3u);
  EXPECT_EQ(t.connections[2].close, CloseKind::kServerClosed);
  EXPECT_TRUE(t.connections[2].wire.empty());
  EXPECT_FALSE(t.connections[0].wire.empty());
}

TEST(ServerSmtp, IdleTimeoutClosesSilentConnections) {
  ServerOptions options;
  options.behavior.idle_timeout = std::chrono::milliseconds(200);
  auto server = StartServer(options);
  auto client = ConnectAndGreet(*server);
  EXPECT_EQ(client->WaitForPeerEnd(), PeerEnd::kEof);
  Transcript t = WaitAndSnapshot(*server);
  EXPECT_EQ(t.connections[0].close, CloseKind::kServerTimeout);
}

TEST(ServerSmtp, ClientCloseKindsAreRecorded) {
  auto server = StartServer();
  auto fin = ConnectAndGreet(*server);
  fin->Close();
  ASSERT_TRUE(server->WaitForConnectionsClosed(std::chrono::seconds(5), 1));
  auto reset = ConnectAndGreet(*server);
  ASSERT_TRUE(reset->Send("NOOP\r\n").ok());
  ASSERT_TRUE(reset->ReadReply().ok());
  reset->Reset();
  Transcript t = WaitAndSnapshot(*server, 2);
  EXPECT_EQ(t.connections[0].close, CloseKind::kClientFin);
  EXPECT_EQ(t.connections[1].close, CloseKind::kClientReset);
}

TEST(ServerSmtp, UnterminatedLineAtEofIsRecorded) {
  auto server = StartServer();
  auto client = ConnectAndGreet(*server);
  ASSERT_TRUE(client->Send("AUTH PLAIN AGFsaWNlAHB3").ok());
  client->CloseWrite();
  EXPECT_EQ(client->WaitForPeerEnd(), PeerEnd::kEof);
  Transcript t = WaitAndSnapshot(*server);
  std::vector<SmtpEvent> bad =
      EventsOf(t.connections[0], SmtpEvent::Kind::kBadLine);
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_THAT(bad[0].text, HasSubstr("AUTH PLAIN AGFsaWNlAHB3"));
}

TEST(ServerSmtp, StopRecordsOpenConnectionsAndIsIdempotent) {
  auto server = StartServer();
  auto client = ConnectAndGreet(*server);
  server->Stop();
  server->Stop();
  EXPECT_EQ(client->WaitForPeerEnd(), PeerEnd::kEof);
  Transcript t = server->Snapshot();
  ASSERT_EQ(t.connections.size(), 1u);
  EXPECT_EQ(t.connections[0].close, CloseKind::kServerStopped);
}

TEST(ServerSmtp, DestroyingTheHandleWithOpenConnectionsIsClean) {
  std::vector<std::unique_ptr<TestClient>> clients;
  {
    auto server = StartServer(ConnectionBehavior{}, 16);
    for (int i = 0; i < 10; ++i) clients.push_back(ConnectAndGreet(*server));
    ASSERT_TRUE(clients.back()->Send("NOOP\r\n").ok());
  }
  for (auto& c : clients) EXPECT_NE(c->WaitForPeerEnd(), PeerEnd::kOpen);
}

int CountEntries(const char* dir) {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    (void)entry;
    ++n;
  }
  return n;
}

TEST(ServerSmtp, NoSocketsOrThreadsSurviveTheHandle) {
  ASSERT_NE(SharedPki(), nullptr);
  const int fds_before = CountEntries("/proc/self/fd");
  const int threads_before = CountEntries("/proc/self/task");
  {
    ServerOptions options;
    options.io_threads = 2;
    auto server = StartServer(options);
    std::vector<std::unique_ptr<TestClient>> clients;
    for (int i = 0; i < 5; ++i) clients.push_back(ConnectAndGreet(*server));
    EXPECT_GT(CountEntries("/proc/self/task"), threads_before);
  }  // Clients closed, server destroyed at once (sessions still open).
  EXPECT_EQ(CountEntries("/proc/self/fd"), fds_before);
  EXPECT_EQ(CountEntries("/proc/self/task"), threads_before);
}

TEST(ServerSmtp, RefusesNonLoopbackAndBadAddresses) {
  ServerOptions options;
  options.pki = SharedPki();
  options.bind_address = "0.0.0.0";
  absl::StatusOr<std::unique_ptr<FakeSmtpServer>> s =
      FakeSmtpServer::Start(options);
  EXPECT_TRUE(absl::IsPermissionDenied(s.status())) << s.status();
  options.bind_address = "not an address";
  s = FakeSmtpServer::Start(options);
  EXPECT_TRUE(absl::IsInvalidArgument(s.status())) << s.status();
  options.bind_address = "::1";
  s = FakeSmtpServer::Start(options);
  // IPv6 loopback may be unavailable in a container; if it binds, it works.
  if (s.ok()) {
    EXPECT_NE((*s)->port(), 0);
    EXPECT_EQ((*s)->address(), "::1");
  }
}

TEST(ServerSmtp, TranscriptIsCappedPerConnection) {
  ServerOptions options;
  options.max_transcript_bytes_per_connection = 2048;
  auto server = StartServer(options);
  auto client = ConnectAndGreet(*server);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(client->Command("NOOP " + std::string(40, 'x')).ok());
  }
  client->Close();
  Transcript t = WaitAndSnapshot(*server);
  const ConnectionTranscript& c = t.connections[0];
  std::size_t total = 0;
  for (const WireChunk& w : c.wire) total += w.bytes.size();
  EXPECT_LE(total, 2048u);
  ASSERT_FALSE(c.events.empty());
  EXPECT_THAT(c.events.back().text, HasSubstr("transcript truncated"));
  EXPECT_EQ(c.close, CloseKind::kClientFin);  // Closing is still recorded.
}

TEST(ServerSmtp, ManyConcurrentConnections) {
  auto server = StartServer(ConnectionBehavior{}, 64);
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 40; ++i) clients.push_back(ConnectAndGreet(*server));
  for (auto& c : clients) ASSERT_TRUE(c->Send("EHLO many\r\n").ok());
  for (auto& c : clients) {
    absl::StatusOr<smtp::Reply> r = c->ReadReply();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->code, 250);
    c->Close();
  }
  Transcript t = WaitAndSnapshot(*server, 40);
  EXPECT_EQ(t.connections.size(), 40u);
}

}  // namespace
}  // namespace gauntlet::fake::server::testing
