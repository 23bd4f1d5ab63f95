// Pure parts of the proxy: configuration parsing and validation, EHLO
// rewriting, and the tap that extracts what a man in the middle reads.
#include <string>

#include "absl/strings/escaping.h"
#include "fake_servers/proxy/capture.h"
#include "fake_servers/proxy/proxy_config.h"
#include "fake_servers/proxy/session.h"
#include "gtest/gtest.h"
#include "smtp/command.h"
#include "smtp/reply.h"

namespace gauntlet::proxy {
namespace {

TEST(ProxyConfigTest, ParsesHostPort) {
  absl::StatusOr<HostPort> hp = ParseHostPort("127.0.0.1:2525");
  ASSERT_TRUE(hp.ok()) << hp.status();
  EXPECT_EQ(hp->host, "127.0.0.1");
  EXPECT_EQ(hp->port, 2525);
  hp = ParseHostPort("[::1]:25");
  ASSERT_TRUE(hp.ok()) << hp.status();
  EXPECT_EQ(hp->host, "::1");
  EXPECT_FALSE(ParseHostPort("127.0.0.1").ok());
  EXPECT_FALSE(ParseHostPort("127.0.0.1:0").ok());
  EXPECT_TRUE(ParseHostPort("127.0.0.1:0", /*allow_zero_port=*/true).ok());
  EXPECT_FALSE(ParseHostPort("127.0.0.1:65536").ok());
  EXPECT_FALSE(ParseHostPort("::1:25").ok());
  EXPECT_FALSE(ParseHostPort(":25").ok());
}

TEST(ProxyConfigTest, UnescapesInjection) {
  absl::StatusOr<std::string> s =
      UnescapeInjection("250-EVIL\\r\\n250 AUTH PLAIN\\r\\n\\x41\\\\");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(*s, "250-EVIL\r\n250 AUTH PLAIN\r\nA\\");
  absl::StatusOr<std::string> bad = UnescapeInjection("abc\\q");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("offset 3"), std::string::npos)
      << bad.status();
  EXPECT_FALSE(UnescapeInjection("\\x4").ok());
  EXPECT_FALSE(UnescapeInjection("end\\").ok());
}

TEST(ProxyConfigTest, BuildsRefuseReply) {
  EXPECT_EQ(*BuildRefuseReply("", ""), "454 4.7.0 TLS not available\r\n");
  EXPECT_EQ(*BuildRefuseReply("550", ""), "550 4.7.0 TLS not available\r\n");
  EXPECT_EQ(*BuildRefuseReply("", "421 go away"), "421 go away\r\n");
  EXPECT_FALSE(BuildRefuseReply("250", "").ok());
  EXPECT_FALSE(BuildRefuseReply("", "hello").ok());
  EXPECT_FALSE(BuildRefuseReply("", "454 a\r\n454 b").ok());
}

TEST(ProxyConfigTest, RefusesNonLoopbackListenerAndMissingUpstreamTrust) {
  ProxyConfig c;
  c.attack = Attack::kPassthrough;
  c.upstream = {"127.0.0.1", 25};
  EXPECT_TRUE(ValidateProxyConfig(c).ok());
  c.listen = {"0.0.0.0", 2525};
  EXPECT_FALSE(ValidateProxyConfig(c).ok());
  c.allow_non_loopback = true;
  EXPECT_TRUE(ValidateProxyConfig(c).ok());
  c.listen = {"::1", 2525};
  c.allow_non_loopback = false;
  EXPECT_TRUE(ValidateProxyConfig(c).ok());
  c.attack = Attack::kStrip;
  EXPECT_FALSE(ValidateProxyConfig(c).ok());  // Neither CA nor no-verify.
  c.upstream_no_verify = true;
  EXPECT_TRUE(ValidateProxyConfig(c).ok());
  c.upstream_ca_file = "/x";
  EXPECT_FALSE(ValidateProxyConfig(c).ok());  // Both.
}

TEST(ProxyConfigTest, AttackNamesRoundTrip) {
  for (Attack a : AllAttacks()) {
    EXPECT_EQ(AttackFromName(AttackName(a)), a);
    EXPECT_FALSE(AttackDescription(a).empty());
  }
  EXPECT_FALSE(AttackFromName("mitm").has_value());
}

smtp::Reply Ehlo(std::initializer_list<const char*> lines) {
  smtp::Reply r;
  r.code = 250;
  for (const char* l : lines) r.lines.push_back(l);
  return r;
}

TEST(EhloRewriteTest, StripsEveryStarttlsLineButNotTheDomain) {
  const smtp::Reply r =
      Ehlo({"STARTTLS.example", "PIPELINING", "starttls", "STARTTLSX", "SIZE"});
  const smtp::Reply out = WithoutStarttls(r);
  EXPECT_EQ(smtp::SerializeReply(out),
            "250-STARTTLS.example\r\n250-PIPELINING\r\n250-STARTTLSX\r\n"
            "250 SIZE\r\n");
  // A reply whose only keyword is STARTTLS keeps its first line.
  EXPECT_EQ(smtp::SerializeReply(WithoutStarttls(Ehlo({"mx", "STARTTLS"}))),
            "250 mx\r\n");
}

TEST(EhloRewriteTest, AddsStarttlsOnlyWhenMissing) {
  EXPECT_EQ(smtp::SerializeReply(WithStarttls(Ehlo({"mx", "AUTH PLAIN"}))),
            "250-mx\r\n250-AUTH PLAIN\r\n250 STARTTLS\r\n");
  const smtp::Reply has = Ehlo({"mx", "STARTTLS", "SIZE"});
  EXPECT_EQ(WithStarttls(has), has);
}

smtp::Command Cmd(const char* line) {
  absl::StatusOr<smtp::Command> c = smtp::ParseCommand(line);
  EXPECT_TRUE(c.ok()) << line << ": " << c.status();
  return *c;
}

TEST(SmtpTapTest, CapturesPlainInitialResponseAndEnvelope) {
  SessionCapture cap;
  SmtpTap tap(&cap);
  const std::string ir =
      absl::Base64Escape(std::string("\0alice\0hunter2", 14));
  tap.OnCommand(Cmd(("AUTH PLAIN " + ir).c_str()));
  tap.OnReply(235);
  tap.OnCommand(Cmd("MAIL FROM:<alice@example.org>"));
  tap.OnReply(250);
  tap.OnCommand(Cmd("RCPT TO:<bob@example.org>"));
  tap.OnReply(250);
  tap.OnMessage("Subject: Hi there\r\n\r\nbody\r\n", 26, false);
  ASSERT_EQ(cap.credentials.size(), 1u);
  EXPECT_EQ(cap.credentials[0].username, "alice");
  EXPECT_EQ(cap.credentials[0].password, "hunter2");
  ASSERT_EQ(cap.messages.size(), 1u);
  EXPECT_EQ(cap.messages[0].subject, "Hi there");
  EXPECT_EQ(cap.messages[0].mail_from, "alice@example.org");
  EXPECT_EQ(cap.messages[0].recipients,
            std::vector<std::string>{"bob@example.org"});
  EXPECT_TRUE(cap.Leaked());
  const std::vector<std::string> news = tap.TakeNews();
  ASSERT_EQ(news.size(), 4u);
  EXPECT_NE(news[0].find("user=\"alice\" password=\"hunter2\""),
            std::string::npos)
      << news[0];
  EXPECT_TRUE(tap.TakeNews().empty());
}

TEST(SmtpTapTest, FollowsLoginChallengesAndKeepsRejectedCredentials) {
  SessionCapture cap;
  SmtpTap tap(&cap);
  tap.OnCommand(Cmd("AUTH LOGIN"));
  tap.OnReply(334);
  EXPECT_TRUE(tap.in_auth());
  tap.OnAuthLine(absl::Base64Escape("bob"));
  tap.OnReply(334);
  EXPECT_TRUE(tap.in_auth());
  tap.OnAuthLine(absl::Base64Escape("s3cret"));
  tap.OnReply(535);  // Rejected: still revealed.
  EXPECT_FALSE(tap.in_auth());
  ASSERT_EQ(cap.credentials.size(), 1u);
  EXPECT_EQ(cap.credentials[0].mechanism, "LOGIN");
  EXPECT_EQ(cap.credentials[0].username, "bob");
  EXPECT_EQ(cap.credentials[0].password, "s3cret");
}

TEST(SmtpTapTest, CancelledExchangeAfterUserKeepsTheUser) {
  SessionCapture cap;
  SmtpTap tap(&cap);
  tap.OnCommand(Cmd("AUTH LOGIN"));
  tap.OnReply(334);
  tap.OnAuthLine(absl::Base64Escape("carol"));
  tap.OnReply(334);
  tap.OnAuthLine("*");
  tap.OnReply(501);
  ASSERT_EQ(cap.credentials.size(), 1u);
  EXPECT_EQ(cap.credentials[0].username, "carol");
  EXPECT_FALSE(cap.credentials[0].has_password);
}

TEST(SmtpTapTest, NothingReadMeansNoLeak) {
  SessionCapture cap;
  SmtpTap tap(&cap);
  tap.OnCommand(Cmd("EHLO client"));
  tap.OnReply(250);
  tap.OnCommand(Cmd("STARTTLS"));
  tap.OnReply(220);
  EXPECT_TRUE(cap.client_sent_starttls);
  EXPECT_FALSE(cap.Leaked());
}

TEST(PrintableTest, EscapesControlBytesAndCaps) {
  EXPECT_EQ(Printable("a\r\n\x01\"b"), "a\\r\\n\\x01\\\"b");
  EXPECT_EQ(Printable(std::string(10, 'x'), 4), "xxxx...(6 more bytes)");
}

TEST(PrintableTest, EscapesC1ControlsAndInvalidUtf8ButKeepsText) {
  // CSI as UTF-8 (U+009B), NEL (U+0085), raw 0x9B and ESC: a client's MAIL
  // FROM must not be able to drive the attacker's terminal either.
  EXPECT_EQ(Printable("a\xc2\x9b"
                      "31m\xc2\x85\x9b\x1b[2J"),
            "a\\xc2\\x9b31m\\xc2\\x85\\x9b\\x1b[2J");
  EXPECT_EQ(Printable("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac");
}

}  // namespace
}  // namespace gauntlet::proxy
