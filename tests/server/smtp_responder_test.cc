// SmtpResponder and MessageSummary without any I/O: the reply decisions
// every misbehaviour switch makes.

#include "fake_servers/server/smtp_responder.h"

#include <string>

#include "fake_servers/server/message_summary.h"
#include "gtest/gtest.h"
#include "smtp/auth.h"

namespace gauntlet::fake::server {
namespace {

smtp::Line L(std::string text) {
  smtp::Line line;
  line.text = std::move(text);
  return line;
}

Response Say(SmtpResponder& r, std::string text,
             Layer layer = Layer::kPlaintext) {
  return r.OnLine(L(std::move(text)), layer);
}

TEST(ReplyCodeOf, ReadsThreeDigitsOnly) {
  EXPECT_EQ(ReplyCodeOf("250 ok\r\n"), 250);
  EXPECT_EQ(ReplyCodeOf("25"), 0);
  EXPECT_EQ(ReplyCodeOf("2x0 ok"), 0);
  EXPECT_EQ(ReplyCodeOf(""), 0);
}

TEST(SmtpResponder, StarttlsNextFollowsAfterStarttlsAndReplyCode) {
  struct Case {
    std::string reply;
    AfterStarttls after;
    Next next;
  } cases[] = {
      {"220 go\r\n", AfterStarttls::kHandshake, Next::kStartTls},
      {"454 no\r\n", AfterStarttls::kHandshake, Next::kStarttlsRefused},
      {"220 go\r\n", AfterStarttls::kStayPlaintext, Next::kStarttlsRefused},
      {"220 go\r\n", AfterStarttls::kClose, Next::kClose},
      {"garbage", AfterStarttls::kHandshake, Next::kStarttlsRefused},
  };
  for (const Case& c : cases) {
    ConnectionBehavior b;
    b.starttls_reply = c.reply;
    b.after_starttls = c.after;
    SmtpResponder r(b);
    Response out = Say(r, "STARTTLS");
    EXPECT_EQ(out.reply, c.reply);
    EXPECT_EQ(out.next, c.next) << c.reply;
    EXPECT_EQ(out.verb, "STARTTLS");
  }
}

// After a failed handshake the server is the attacker's: require_tls no
// longer refuses, an AUTH exchange or login from inside TLS is forgotten,
// and MAIL needs no fresh EHLO.
TEST(SmtpResponder, AfterTlsFailureEverythingIsWelcome) {
  ConnectionBehavior b;
  b.require_tls = true;
  SmtpResponder r(b);
  EXPECT_EQ(ReplyCodeOf(Say(r, "EHLO a").reply), 250);
  EXPECT_EQ(ReplyCodeOf(Say(r, "MAIL FROM:<a@x.test>").reply), 530);
  r.OnTlsStarted();
  EXPECT_EQ(
      ReplyCodeOf(Say(r, "AUTH PLAIN " + smtp::EncodeAuthPlain("", "u", "p"),
                      Layer::kTls)
                      .reply),
      235);
  EXPECT_EQ(ReplyCodeOf(Say(r, "AUTH LOGIN", Layer::kTls).reply), 503);
  r.OnTlsFailed();
  Response auth = Say(r, "AUTH PLAIN " + smtp::EncodeAuthPlain("", "u", "p"));
  EXPECT_EQ(ReplyCodeOf(auth.reply), 235);
  bool captured = false;
  for (const SmtpEvent& e : auth.events) {
    captured |= e.kind == SmtpEvent::Kind::kCredentials &&
                e.credentials.has_value() && e.credentials->password == "p";
  }
  EXPECT_TRUE(captured);
  EXPECT_EQ(ReplyCodeOf(Say(r, "MAIL FROM:<a@x.test>").reply), 250);
  EXPECT_EQ(ReplyCodeOf(Say(r, "RCPT TO:<b@x.test>").reply), 250);
  EXPECT_EQ(ReplyCodeOf(Say(r, "DATA").reply), 354);
}

TEST(SmtpResponder, InjectionTravelsWithTheStarttlsReply) {
  ConnectionBehavior b;
  b.inject_after_starttls_reply = "250 evil\r\n";
  SmtpResponder r(b);
  Response out = Say(r, "STARTTLS");
  EXPECT_EQ(out.reply, b.starttls_reply);
  EXPECT_EQ(out.injected, "250 evil\r\n");
  Response in_tls = Say(r, "STARTTLS", Layer::kTls);
  EXPECT_EQ(in_tls.reply, b.starttls_in_tls_reply);
  EXPECT_TRUE(in_tls.injected.empty());
  EXPECT_EQ(in_tls.next, Next::kCommand);
}

TEST(SmtpResponder, BareLfAppliesToGeneratedRepliesNotOverrides) {
  ConnectionBehavior b;
  b.bare_lf_replies = true;
  b.reply_overrides.push_back({"NOOP", "250 raw\r\n", Phase::kAny, false});
  SmtpResponder r(b);
  EXPECT_EQ(r.Greeting().reply, "220 mx.gauntlet.test ESMTP Gauntlet\n");
  EXPECT_EQ(Say(r, "RSET").reply, "250 2.0.0 OK\n");
  EXPECT_EQ(Say(r, "NOOP").reply, "250 raw\r\n");
}

TEST(SmtpResponder, RefusingOverrideRollsBackState) {
  ConnectionBehavior b;
  b.reply_overrides.push_back({"MAIL", "451 later\r\n", Phase::kAny, false});
  SmtpResponder r(b);
  Say(r, "EHLO a");
  EXPECT_EQ(ReplyCodeOf(Say(r, "MAIL FROM:<a@x.test>").reply), 451);
  EXPECT_EQ(ReplyCodeOf(Say(r, "RCPT TO:<b@x.test>").reply), 503);
}

TEST(SmtpResponder, OverrideCloseAfterAndPhase) {
  ConnectionBehavior b;
  b.reply_overrides.push_back({"EHLO", "421 bye\r\n", Phase::kTls, true});
  SmtpResponder r(b);
  Response plain = Say(r, "EHLO a");
  EXPECT_EQ(ReplyCodeOf(plain.reply), 250);
  EXPECT_EQ(plain.next, Next::kCommand);
  Response tls = Say(r, "EHLO a", Layer::kTls);
  EXPECT_EQ(tls.reply, "421 bye\r\n");
  EXPECT_EQ(tls.next, Next::kClose);
}

TEST(SmtpResponder, DelaysAreLookedUpByVerb) {
  ConnectionBehavior b;
  b.delays.push_back({"ehlo", std::chrono::milliseconds(250)});
  SmtpResponder r(b);
  EXPECT_EQ(Say(r, "EHLO a").delay, std::chrono::milliseconds(250));
  EXPECT_EQ(Say(r, "NOOP").delay, std::chrono::milliseconds(0));
}

TEST(SmtpResponder, IgnoreEhloInTlsOnly) {
  ConnectionBehavior b;
  b.ignore_ehlo_in_tls = true;
  SmtpResponder r(b);
  EXPECT_TRUE(Say(r, "EHLO a").send);
  Response tls = Say(r, "EHLO a", Layer::kTls);
  EXPECT_FALSE(tls.send);
  ASSERT_FALSE(tls.events.empty());
  EXPECT_EQ(tls.events[0].verb, "EHLO");
}

TEST(SmtpResponder, EhloListsTheLayersCapabilities) {
  ConnectionBehavior b;
  b.capabilities = {"STARTTLS"};
  b.tls_capabilities = {};
  SmtpResponder r(b);
  EXPECT_EQ(Say(r, "EHLO me").reply,
            "250-mx.gauntlet.test Hello me\r\n250 STARTTLS\r\n");
  EXPECT_EQ(Say(r, "EHLO me", Layer::kTls).reply,
            "250 mx.gauntlet.test Hello me\r\n");
}

TEST(SmtpResponder, AuthExchangesAndFailures) {
  SmtpResponder r(ConnectionBehavior{});
  EXPECT_EQ(ReplyCodeOf(Say(r, "AUTH CRAM-MD5").reply), 504);
  EXPECT_EQ(ReplyCodeOf(Say(r, "AUTH LOGIN").reply), 334);
  Response cancelled = Say(r, "*");
  EXPECT_EQ(ReplyCodeOf(cancelled.reply), 501);
  EXPECT_EQ(ReplyCodeOf(Say(r, "AUTH PLAIN").reply), 334);
  Response done = Say(r, smtp::EncodeAuthPlain("admin", "frank", "pw"));
  EXPECT_EQ(ReplyCodeOf(done.reply), 235);
  bool saw = false;
  for (const SmtpEvent& e : done.events) {
    if (e.kind != SmtpEvent::Kind::kCredentials) continue;
    saw = true;
    EXPECT_EQ(e.credentials->user, "frank");
    EXPECT_EQ(e.credentials->password, "pw");
  }
  EXPECT_TRUE(saw);
  EXPECT_EQ(ReplyCodeOf(Say(r, "AUTH PLAIN").reply), 503);  // Already.
  r.OnTlsStarted();  // RFC 3207: authentication is forgotten.
  EXPECT_EQ(ReplyCodeOf(Say(r, "AUTH LOGIN", Layer::kTls).reply), 334);
}

TEST(SmtpResponder, RequireTlsRefusesOnlyInPlaintext) {
  ConnectionBehavior b;
  b.require_tls = true;
  SmtpResponder r(b);
  Say(r, "EHLO a");
  EXPECT_EQ(Say(r, "MAIL FROM:<a@x.test>").reply,
            "530 5.7.0 Must issue a STARTTLS command first\r\n");
  r.OnTlsStarted();
  Say(r, "EHLO a", Layer::kTls);
  EXPECT_EQ(ReplyCodeOf(Say(r, "MAIL FROM:<a@x.test>", Layer::kTls).reply),
            250);
}

TEST(SmtpResponder, QuitClosesUnlessKeepOpenAfterQuit) {
  ConnectionBehavior b;
  b.reply_overrides.push_back({"QUIT", "354 go on\r\n"});
  {
    SmtpResponder r(b);
    const Response out = Say(r, "QUIT");
    EXPECT_EQ(out.reply, "354 go on\r\n");
    EXPECT_EQ(out.next, Next::kClose);
  }
  // The QUIT sweep's server answers oddly and stays open, so a client that
  // carries on after its QUIT shows it on the wire.
  b.keep_open_after_quit = true;
  SmtpResponder r(b);
  const Response out = Say(r, "QUIT");
  EXPECT_EQ(out.reply, "354 go on\r\n");
  EXPECT_EQ(out.next, Next::kCommand);
  EXPECT_EQ(Say(r, "EHLO me").reply.substr(0, 4), "250-");
}

TEST(SmtpResponder, OverlongLineIsABadLine) {
  SmtpResponder r(ConnectionBehavior{});
  Response out = r.OnLine(absl::ResourceExhaustedError("line too long at 0"),
                          Layer::kPlaintext);
  EXPECT_EQ(ReplyCodeOf(out.reply), 500);
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].kind, SmtpEvent::Kind::kBadLine);
}

TEST(MessageSummary, FindsFoldedSubjectAndCountsEverything) {
  MessageSummary s;
  s.Append("From: a@x\r\nSUBJECT:  hello\r\n");
  s.Append("\tworld\r\nTo: b@x\r\n\r\nSubject: not a header\r\n");
  EXPECT_EQ(s.Subject(), "hello\tworld");
  EXPECT_EQ(s.size(), 70u);
  EXPECT_EQ(SubjectOf("No-Subject: x\r\n\r\n"), "");
  EXPECT_EQ(SubjectOf("Subject: unterminated"), "unterminated");
}

}  // namespace
}  // namespace gauntlet::fake::server
