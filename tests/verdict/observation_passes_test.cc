// Unit tests of each named pass ObserveRun makes over one connection
// (harness/verdict/observation_passes.h): what the pass derives from a
// transcript, including hostile inputs (truncated and unparseable replies,
// a TLS record where plaintext was expected, tab-separated EHLO keywords,
// BDAT chunk sizes that do not fit, clocks that disagree).

#include "harness/verdict/observation_passes.h"

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "fake_servers/transcript.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/verdict/observations.h"
#include "tests/verdict/transcript_builder.h"

namespace gauntlet::verdict::passes {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using verdict::testing::ConnBuilder;
using Kind = fake::SmtpEvent::Kind;

const std::vector<std::string> kPlainCaps = {"PIPELINING", "STARTTLS"};
const std::vector<std::string> kTlsCaps = {"PIPELINING", "AUTH PLAIN LOGIN"};

// Runs the passes in ObserveConnection's order, up to and including `last`
// (1 = replies, ..., 7 = waiting), over one connection.
struct Ran {
  fake::ConnectionTranscript conn;
  ConnectionFacts facts;
  Observations obs;
  std::set<std::string> plain_caps, tls_caps, injected_caps;
  int64_t injection_t_us = -1;
  int64_t tls_ehlo_reply_t_us = -1;
  bool saw_plain_ehlo_reply = false;
};

Ran RunPasses(const fake::ConnectionTranscript& conn, int last = 7,
              PriorStarttls prior = {}) {
  Ran r;
  r.conn = conn;
  r.facts.index = conn.index;
  r.facts.close = conn.close;
  r.facts.closed_us = conn.closed_us;
  r.facts.client_closed = conn.close == fake::CloseKind::kClientFin ||
                          conn.close == fake::CloseKind::kClientReset ||
                          conn.close == fake::CloseKind::kClientTlsClose ||
                          conn.close == fake::CloseKind::kTlsTruncated;
  ConnectionScan scan(r.conn);
  scan.arrival = ArrivalTimes(r.conn);
  ObserveReplies(scan, r.facts);
  if (last >= 2) ObserveStarttls(scan, r.facts);
  if (last >= 3) ObserveTlsSession(scan, r.facts);
  if (last >= 4) ObserveClientLines(scan, prior, r.facts, r.obs);
  if (last >= 5) ObservePrematureLines(scan, prior, r.facts, r.obs);
  if (last >= 6) ObserveStarttlsRequired(scan, r.obs);
  if (last >= 7) ObserveWaiting(scan, r.facts);
  r.plain_caps = scan.plain_caps;
  r.tls_caps = scan.tls_caps;
  r.injected_caps = scan.injected_caps;
  r.injection_t_us = scan.injection_t_us;
  r.tls_ehlo_reply_t_us = scan.tls_ehlo_reply_t_us;
  r.saw_plain_ehlo_reply = scan.saw_plain_ehlo_reply;
  return r;
}

std::vector<std::string> Verbs(const std::vector<ClientLine>& lines) {
  std::vector<std::string> out;
  for (const ClientLine& l : lines) out.push_back(l.verb);
  return out;
}

// --- Pass 0: arrival times ---------------------------------------------------

TEST(ArrivalTimesPass, ClientInputArrivesWhenReadServerEventsWhenRecorded) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps);
  c.Pipelined({"MAIL FROM:<a@b.test>", "RCPT TO:<c@d.test>"});
  const int64_t read_t = c.now();
  c.Advance(5000).Processed("MAIL FROM:<a@b.test>");
  c.Processed("RCPT TO:<c@d.test>");
  const fake::ConnectionTranscript conn = c.Build();
  const std::vector<int64_t> arrival = ArrivalTimes(conn);
  ASSERT_EQ(arrival.size(), conn.events.size());
  // Greeting, EHLO, its reply, MAIL, RCPT.
  ASSERT_EQ(conn.events.size(), 5u);
  EXPECT_EQ(arrival[0], conn.events[0].t_us);  // A reply: when written.
  EXPECT_EQ(arrival[3], read_t);
  EXPECT_EQ(arrival[4], read_t);
  EXPECT_LT(arrival[4], conn.events[4].t_us);
}

TEST(ArrivalTimesPass, MissingOrLaterReadTimeFallsBackToTheRecordTime) {
  ConnBuilder c(0);
  c.Cmd("NOOP").Cmd("RSET");
  fake::ConnectionTranscript conn = c.Build();
  conn.events[1].read_us = -1;  // Not recorded (an old transcript).
  conn.events[2].read_us = conn.events[2].t_us + 1'000'000;  // Hostile.
  const std::vector<int64_t> arrival = ArrivalTimes(conn);
  EXPECT_EQ(arrival[1], conn.events[1].t_us);
  EXPECT_EQ(arrival[2], conn.events[2].t_us);
}

// --- Pass 1: replies and capabilities ----------------------------------------

TEST(RepliesPass, CapabilitiesPerChannelStarttlsAndItsReply) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Starttls().HandshakeDone().Ehlo(kTlsCaps);
  const Ran r = RunPasses(c.Build(), 1);
  EXPECT_THAT(r.plain_caps, UnorderedElementsAre("PIPELINING", "STARTTLS"));
  EXPECT_THAT(r.tls_caps, UnorderedElementsAre("PIPELINING", "AUTH",
                                               "AUTH=PLAIN", "AUTH=LOGIN"));
  EXPECT_TRUE(r.saw_plain_ehlo_reply);
  EXPECT_TRUE(r.facts.starttls_offered);
  ASSERT_TRUE(r.facts.starttls_sent.has_value());
  EXPECT_EQ(r.facts.starttls_sent->excerpt, "STARTTLS");
  EXPECT_EQ(r.facts.starttls_reply_code, 220);
  EXPECT_GE(r.tls_ehlo_reply_t_us, 0);
  EXPECT_FALSE(r.facts.injection_sent);
}

// RFC 5321 §4.1.1.1 separates EHLO keywords from parameters with SP only,
// but real clients split on any white space (smtp/ehlo.h): a mechanism
// offered after a tab is offered.
TEST(RepliesPass, TabSeparatedEhloKeywordsAreOffered) {
  ConnBuilder c(0);
  c.Cmd("EHLO client.test");
  c.Reply("EHLO",
          "250-mx.gauntlet.test\r\n250-AUTH\tPLAIN LOGIN\r\n"
          "250 SIZE\t1000");
  const Ran r = RunPasses(c.Build(), 1);
  EXPECT_THAT(r.plain_caps,
              UnorderedElementsAre("AUTH", "AUTH=PLAIN", "AUTH=LOGIN", "SIZE"));
  EXPECT_FALSE(r.facts.starttls_offered);
}

// STARTTLS only as a whole keyword: "XSTARTTLS" or a STARTTLS parameter of
// another keyword offers nothing.
TEST(RepliesPass, StarttlsOnlyAsAWholeKeyword) {
  ConnBuilder c(0);
  c.Ehlo({"XSTARTTLS", "HELP STARTTLS"});
  EXPECT_FALSE(RunPasses(c.Build(), 1).facts.starttls_offered);
}

TEST(RepliesPass, TruncatedOrMalformedEhloReplyOffersNothing) {
  for (const std::string& text :
       {std::string("250-mx.gauntlet.test\r\n250-STARTT"),  // No last line.
        std::string("250-mx\r\n220 STARTTLS"),              // Codes disagree.
        std::string("25"), std::string(""),
        std::string("250-mx\r\n\x16\x03\x01\x00\x05 STARTTLS")}) {
    ConnBuilder c(0);
    c.Cmd("EHLO client.test");
    c.raw().events.push_back(c.raw().events.back());
    fake::SmtpEvent& reply = c.raw().events.back();
    reply.kind = Kind::kReply;
    reply.verb = "EHLO";
    reply.text = text;
    reply.reply_code = 250;
    const Ran r = RunPasses(c.Build(), 1);
    EXPECT_FALSE(r.facts.starttls_offered) << text;
    EXPECT_THAT(r.plain_caps, IsEmpty()) << text;
  }
}

TEST(RepliesPass, RefusedEhloThenHelo) {
  ConnBuilder c(0);
  c.Cmd("EHLO client.test").Reply("EHLO", "502 5.5.1 Not implemented");
  c.Cmd("HELO client.test").Reply("HELO", "250 mx.gauntlet.test");
  const Ran r = RunPasses(c.Build(), 1);
  EXPECT_TRUE(r.facts.ehlo_refused);
  ASSERT_TRUE(r.facts.helo_after_ehlo_refusal.has_value());
  EXPECT_EQ(r.facts.helo_after_ehlo_refusal->excerpt, "HELO client.test");
  EXPECT_FALSE(r.saw_plain_ehlo_reply);
}

TEST(RepliesPass, InjectedBytesAndTheCapabilitiesTheyOffer) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps)
      .Starttls("220 2.0.0 Ready to start TLS",
                "250-evil\r\n250-AUTH\tXGAUNTLET\r\n250 CHUNK");
  const Ran r = RunPasses(c.Build(), 1);
  EXPECT_TRUE(r.facts.injection_sent);
  ASSERT_TRUE(r.facts.injection.has_value());
  EXPECT_GE(r.injection_t_us, 0);
  EXPECT_EQ(r.facts.injection->t_us, r.injection_t_us);
  // Every line is read as a capability line, the unfinished last one too;
  // the tab separates the mechanism as in an EHLO reply.
  EXPECT_THAT(r.injected_caps,
              UnorderedElementsAre("EVIL", "AUTH", "AUTH=XGAUNTLET", "CHUNK"));
  // The injected bytes are not the plaintext EHLO reply.
  EXPECT_THAT(r.plain_caps, UnorderedElementsAre("PIPELINING", "STARTTLS"));
}

TEST(RepliesPass, InjectedTokensIgnoreNon250RepliesAndGarbage) {
  std::set<std::string> tokens;
  AddInjectedTokens("235 Authenticated\r\n354 go ahead\r\n", tokens);
  EXPECT_THAT(tokens, IsEmpty());
  AddInjectedTokens(std::string("\x16\x03\x01\x00\x05\x00\xff", 7), tokens);
  EXPECT_THAT(tokens, IsEmpty());
  AddInjectedTokens("", tokens);
  EXPECT_THAT(tokens, IsEmpty());
  AddInjectedTokens("235 ok\r\n250 AUTH PLAIN\r\n", tokens);
  EXPECT_THAT(tokens, UnorderedElementsAre("AUTH", "AUTH=PLAIN"));
}

// --- Pass 2: STARTTLS
// ----------------------------------------------------------

TEST(StarttlsPass, LinePipelinedAfterStarttls) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps);
  c.Pipelined({"STARTTLS", "MAIL FROM:<a@b.test>"});
  c.Processed("STARTTLS");
  c.SetPhase(fake::SessionPhase::kAfterStarttlsCommand,
             fake::Channel::kPlaintext);
  c.Processed("MAIL FROM:<a@b.test>");
  const Ran r = RunPasses(c.Build(), 2);
  ASSERT_TRUE(r.facts.starttls_pipelined.has_value());
  EXPECT_EQ(r.facts.starttls_pipelined->excerpt, "MAIL FROM:<a@b.test>");
}

// The raw bytes after STARTTLS are the better evidence: a ClientHello sent
// before the 220 is no SMTP line at all.
TEST(StarttlsPass, RawBytesAfterStarttlsWinAsEvidence) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Starttls();
  c.BytesAfterStarttls(std::string("\x16\x03\x01\x00\x05", 5));
  const Ran r = RunPasses(c.Build(), 2);
  ASSERT_TRUE(r.facts.starttls_pipelined.has_value());
  EXPECT_THAT(r.facts.starttls_pipelined->excerpt, HasSubstr("\\x16\\x03"));
}

TEST(StarttlsPass, PlaintextInsteadOfTheHandshake) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Starttls();
  c.Cmd("EHLO client.test");
  c.raw().tls.outcome = fake::HandshakeOutcome::kNotTls;
  const Ran r = RunPasses(c.Build(), 2);
  ASSERT_TRUE(r.facts.plaintext_instead_of_handshake.has_value());
  EXPECT_EQ(r.facts.plaintext_instead_of_handshake->excerpt,
            "EHLO client.test");
}

// kNotTls with no line the server could frame: the handshake-phase wire
// bytes are the evidence.
TEST(StarttlsPass, NotTlsWithoutAFramedLineQuotesTheWire) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Starttls();
  c.raw().tls.outcome = fake::HandshakeOutcome::kNotTls;
  fake::WireChunk junk;
  junk.t_us = c.now();
  junk.direction = fake::Direction::kClientToServer;
  junk.phase = fake::SessionPhase::kHandshake;
  junk.bytes = "GET / HTTP/1.0";  // Truncated: no line end.
  c.raw().wire.push_back(junk);
  const Ran r = RunPasses(c.Build(), 2);
  ASSERT_TRUE(r.facts.plaintext_instead_of_handshake.has_value());
  EXPECT_EQ(r.facts.plaintext_instead_of_handshake->excerpt, "GET / HTTP/1.0");
  EXPECT_EQ(r.facts.plaintext_instead_of_handshake->t_us, junk.t_us);
}

TEST(StarttlsPass, TlsRecordAfterAStarttlsReplyThatDidNotStartTls) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Starttls("454 4.7.0 TLS not available");
  c.Cmd(std::string("\x16\x03\x01\x02\x00\x01", 6));
  const Ran r = RunPasses(c.Build(), 2);
  ASSERT_EQ(c.Build().tls_records_in_plaintext.size(), 1u);
  EXPECT_TRUE(r.facts.client_started_tls_in_plaintext);
}

// A TLS record in the plaintext phase (before any STARTTLS) is a confused
// client, not one starting TLS after a reply that did not start it.
TEST(StarttlsPass, TlsRecordBeforeStarttlsIsNotATlsStart) {
  ConnBuilder c(0);
  c.Cmd(std::string("\x16\x03\x01\x02\x00\x01", 6));
  const Ran r = RunPasses(c.Build(), 2);
  EXPECT_FALSE(r.facts.client_started_tls_in_plaintext);
}

// --- Pass 3: the TLS session
// ---------------------------------------------------

fake::ServedCertificate Cert(std::vector<fake::CertFlaw> flaws) {
  fake::ServedCertificate cert;
  cert.profile = "test";
  cert.flaws = std::move(flaws);
  cert.names = {"wrong.gauntlet.test"};
  cert.key_type = "rsa-1024";
  cert.key_bits = 1024;
  cert.signature = "sha256";
  return cert;
}

TEST(TlsSessionPass, RefusalsFromTheRecordedChainVersionAndSuite) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Starttls().HandshakeDone("TLSv1.1", "DES-CBC3-SHA");
  c.raw().tls.certificate =
      Cert({fake::CertFlaw::kNameMismatch, fake::CertFlaw::kWeakKey});
  const Ran r = RunPasses(c.Build(), 3);
  EXPECT_TRUE(r.facts.tls_completed);
  EXPECT_EQ(r.facts.tls_version, "TLSv1.1");
  ASSERT_EQ(r.facts.refusals.size(), 3u);
  EXPECT_EQ(r.facts.refusals[0].reason, RefusalReason::kBadCertificate);
  EXPECT_THAT(r.facts.refusals[0].what, HasSubstr("wrong.gauntlet.test"));
  EXPECT_THAT(r.facts.refusals[0].what, HasSubstr("rsa-1024, 1024 bits"));
  EXPECT_EQ(r.facts.refusals[1].reason, RefusalReason::kOldVersion);
  EXPECT_EQ(r.facts.refusals[1].what, "TLSv1.1");
  EXPECT_EQ(r.facts.refusals[2].reason, RefusalReason::kWeakCipher);
  EXPECT_THAT(r.facts.refusals[2].what, HasSubstr("DES-CBC3-SHA"));
}

TEST(TlsSessionPass, AGoodSessionHasNoRefusal) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Starttls().HandshakeDone();
  c.raw().tls.certificate = Cert({});
  EXPECT_THAT(RunPasses(c.Build(), 3).facts.refusals, IsEmpty());
}

// Refusal reasons come from what the server allowed when the negotiated
// value is not recorded: only TLS 1.1 allowed, only a weak suite.
TEST(TlsSessionPass, RefusalsFromWhatTheServerAllowed) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Starttls().HandshakeDone("", "");
  c.raw().tls.server_versions = {fake::TlsVersion::kTls10,
                                 fake::TlsVersion::kTls11};
  c.raw().tls.server_ciphers = fake::CipherSet::kWeakOnly;
  const Ran r = RunPasses(c.Build(), 3);
  ASSERT_EQ(r.facts.refusals.size(), 2u);
  EXPECT_EQ(r.facts.refusals[0].reason, RefusalReason::kOldVersion);
  EXPECT_EQ(r.facts.refusals[0].what, "TLSv1.1");
  EXPECT_EQ(r.facts.refusals[1].reason, RefusalReason::kWeakCipher);
}

TEST(TlsSessionPass, NullSuiteIsNoEncryption) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Starttls().HandshakeDone("TLSv1.2", "NULL-SHA256");
  const Ran r = RunPasses(c.Build(), 3);
  ASSERT_EQ(r.facts.refusals.size(), 1u);
  EXPECT_EQ(r.facts.refusals[0].reason, RefusalReason::kNullCipher);
}

// A flawed chain in a handshake that never completed is no session to
// refuse; the client's certificate alert says it rejected the chain.
TEST(TlsSessionPass, CertificateAlertIsARejection) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Starttls().ClientHello();
  c.raw().tls.certificate = Cert({fake::CertFlaw::kExpired});
  c.HandshakeFailed(fake::HandshakeOutcome::kFailed, "peer alert");
  c.raw().tls.alerts_received = {"fatal certificate_expired(45)"};
  const Ran r = RunPasses(c.Build(), 3);
  EXPECT_FALSE(r.facts.tls_completed);
  EXPECT_THAT(r.facts.refusals, IsEmpty());
  EXPECT_TRUE(r.facts.client_rejected_certificate);
  EXPECT_EQ(r.facts.tls_failure_reason,
            "the client sent the alert fatal certificate_expired(45)");
}

TEST(TlsSessionPass, OtherFailuresAreNamedNotCalledRejections) {
  {
    ConnBuilder c(0);
    c.Ehlo(kPlainCaps).Starttls().ClientHello();
    c.HandshakeFailed(fake::HandshakeOutcome::kFailed, "peer alert");
    c.raw().tls.alerts_received = {"fatal protocol_version(70)"};
    const Ran r = RunPasses(c.Build(), 3);
    EXPECT_FALSE(r.facts.client_rejected_certificate);
    EXPECT_THAT(r.facts.tls_failure_reason, HasSubstr("protocol_version(70)"));
  }
  {
    ConnBuilder c(0);
    c.Ehlo(kPlainCaps).Starttls().ClientHello();
    c.HandshakeFailed(fake::HandshakeOutcome::kFailed, "no shared cipher");
    EXPECT_EQ(RunPasses(c.Build(), 3).facts.tls_failure_reason,
              "no shared cipher");
  }
  {
    ConnBuilder c(0);
    c.Ehlo(kPlainCaps).Starttls();
    c.HandshakeFailed(fake::HandshakeOutcome::kClientClosed, "");
    EXPECT_EQ(
        RunPasses(c.Build(), 3).facts.tls_failure_reason,
        fake::HandshakeOutcomeName(fake::HandshakeOutcome::kClientClosed));
  }
}

// --- Pass 4: client lines
// --------------------------------------------------------

TEST(ClientLinesPass, ChannelsCausesAndProtectedLines) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Starttls("454 4.7.0 TLS not available");
  c.AuthPlain("alice", "secret").SendMessage("hi");
  const Ran r = RunPasses(c.Build(), 4);
  EXPECT_THAT(Verbs(r.obs.plaintext_commands),
              ElementsAre("EHLO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA"));
  EXPECT_THAT(r.obs.tls_commands, IsEmpty());
  // AUTH, MAIL, RCPT, DATA and the body; credentials are their own fact.
  EXPECT_THAT(Verbs(r.obs.protected_in_plaintext),
              ElementsAre("AUTH", "MAIL", "RCPT", "DATA", "DATA"));
  EXPECT_EQ(r.obs.protected_in_plaintext.back().kind, LineKind::kMessage);
  for (const ClientLine& l : r.obs.protected_in_plaintext) {
    EXPECT_EQ(l.cause, PlaintextCause::kStarttlsRefused);
    EXPECT_EQ(l.cause_detail, 454);
  }
  ASSERT_EQ(r.obs.credentials.size(), 1u);
  EXPECT_EQ(r.obs.credentials[0].line.kind, LineKind::kCredentials);
  EXPECT_EQ(r.obs.credentials[0].line.evidence.excerpt,
            "AUTH PLAIN user=alice");
  ASSERT_EQ(r.obs.messages.size(), 1u);
  EXPECT_EQ(r.obs.messages[0].subject, "hi");
  EXPECT_TRUE(r.obs.delivered_in_plaintext);
  EXPECT_FALSE(r.obs.delivered_over_tls);
}

TEST(ClientLinesPass, RefusedMessageIsNotDelivered) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Starttls().HandshakeDone().Ehlo(kTlsCaps);
  c.Cmd("DATA").Reply("DATA", "354 go ahead");
  c.Body("refused").Reply("MESSAGE", "554 5.7.1 No");
  const Ran r = RunPasses(c.Build(), 4);
  ASSERT_EQ(r.obs.messages.size(), 1u);
  EXPECT_TRUE(r.obs.messages[0].line.in_tls);
  EXPECT_FALSE(r.obs.delivered_over_tls);
}

TEST(ClientLinesPass, CausesOfPlaintextLines) {
  {
    ConnBuilder c(0);
    c.Ehlo({"PIPELINING"}).Cmd("MAIL FROM:<a@b.test>");
    EXPECT_EQ(RunPasses(c.Build(), 4).obs.plaintext_commands.back().cause,
              PlaintextCause::kStripped);
  }
  {
    ConnBuilder c(0);
    c.Ehlo(kPlainCaps).Cmd("MAIL FROM:<a@b.test>");
    EXPECT_EQ(RunPasses(c.Build(), 4).obs.plaintext_commands.back().cause,
              PlaintextCause::kNeverTried);
  }
  {
    ConnBuilder c(0);
    c.Ehlo(kPlainCaps).Starttls().ClientHello();
    c.HandshakeFailed(fake::HandshakeOutcome::kFailed, "x");
    c.Cmd("MAIL FROM:<a@b.test>");
    EXPECT_EQ(RunPasses(c.Build(), 4).obs.plaintext_commands.back().cause,
              PlaintextCause::kAfterTlsFailure);
  }
  {
    ConnBuilder c(1);
    c.Ehlo(kPlainCaps).Cmd("MAIL FROM:<a@b.test>");
    const Ran r = RunPasses(c.Build(), 4, PriorStarttls{0});
    EXPECT_EQ(r.obs.plaintext_commands.back().cause,
              PlaintextCause::kFallbackConnection);
    EXPECT_EQ(r.obs.plaintext_commands.back().cause_detail, 0);
  }
  {
    ConnBuilder c(0);
    c.Ehlo(kPlainCaps).Starttls();
    c.SetPhase(fake::SessionPhase::kAfterStarttlsRefused,
               fake::Channel::kPlaintext);
    c.Cmd("MAIL FROM:<a@b.test>");
    EXPECT_EQ(RunPasses(c.Build(), 4).obs.plaintext_commands.back().cause,
              PlaintextCause::kNoTransition);
  }
}

// A ClientHello after a STARTTLS reply that did not start TLS is framed by
// the plaintext server into junk "lines" (it is cut at LF bytes): no SMTP,
// no plaintext command. A real command after it still counts.
TEST(ClientLinesPass, TlsRecordFramedAsLinesIsNoPlaintextCommand) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Starttls("454 4.7.0 TLS not available");
  c.Cmd(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc", 9));
  c.Cmd(std::string("\x08\x04\x08\t\x06\x01\x05\x01", 8));
  c.Reply("UNKNOWN", "500 5.5.2 Command not recognized");
  c.Cmd("MAIL FROM:<a@b.test>");
  const Ran r = RunPasses(c.Build(), 4);
  EXPECT_THAT(Verbs(r.obs.plaintext_commands),
              ElementsAre("EHLO", "STARTTLS", "MAIL"));
  EXPECT_THAT(Verbs(r.obs.protected_in_plaintext), ElementsAre("MAIL"));
}

TEST(ClientLinesPass, InsideTls) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Starttls().HandshakeDone();
  c.Cmd("QUIT");  // QUIT proves nothing.
  c.Cmd("MAIL FROM:<a@b.test>").Cmd("STARTTLS").Cmd("EHLO client.test");
  const Ran r = RunPasses(c.Build(), 4);
  ASSERT_TRUE(r.facts.first_tls_command.has_value());
  EXPECT_EQ(r.facts.first_tls_command->verb, "QUIT");
  ASSERT_TRUE(r.facts.proceeded_in_tls.has_value());
  EXPECT_EQ(r.facts.proceeded_in_tls->verb, "MAIL");
  // The first command was QUIT: no "no EHLO after TLS" for the MAIL after it.
  EXPECT_THAT(r.obs.no_ehlo_after_tls, IsEmpty());
  EXPECT_THAT(Verbs(r.obs.starttls_inside_tls), ElementsAre("STARTTLS"));
  EXPECT_TRUE(r.facts.ehlo_in_tls);
  EXPECT_THAT(Verbs(r.obs.tls_commands),
              ElementsAre("QUIT", "MAIL", "STARTTLS", "EHLO"));
}

TEST(ClientLinesPass, FirstTlsCommandOtherThanEhlo) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Starttls().HandshakeDone();
  c.Cmd("MAIL FROM:<a@b.test>");
  const Ran r = RunPasses(c.Build(), 4);
  EXPECT_THAT(Verbs(r.obs.no_ehlo_after_tls), ElementsAre("MAIL"));
  EXPECT_FALSE(r.facts.ehlo_in_tls);
}

// The capability a line used, and where it had been offered.
TEST(ClientLinesPass, CapabilityUsesAreClassifiedByTheirProof) {
  const std::string injected = "250 AUTH XGAUNTLET PLAIN\r\n";
  ConnBuilder c(0);
  c.Ehlo({"STARTTLS", "CHUNKING", "SMTPUTF8"})
      .Starttls("220 2.0.0 Ready to start TLS", injected)
      .HandshakeDone();
  c.Cmd("BDAT 10 LAST");  // Before any EHLO inside TLS: stale, proven.
  c.Ehlo({"PIPELINING"});
  c.Cmd("AUTH XGAUNTLET");                  // Only injected, unguessable.
  c.Cmd("AUTH PLAIN");                      // Only injected, standard.
  c.Cmd("MAIL FROM:<a@b.test> SMTPUTF8");   // Only plaintext, after the
                                            // in-TLS reply: a parameter no
                                            // client sends unoffered, stale.
  c.Cmd("AUTH LOGIN");                      // Offered nowhere.
  c.Cmd("MAIL FROM:<a@b.test> XFOO=1");     // Offered nowhere.
  c.Cmd("MAIL FROM:<a@b.test> BODY=7BIT");  // Needs no extension.
  const Ran r = RunPasses(c.Build(), 4);
  ASSERT_EQ(r.obs.stale_capabilities.size(), 2u);
  EXPECT_EQ(r.obs.stale_capabilities[0].capability, "CHUNKING (BDAT)");
  EXPECT_EQ(r.obs.stale_capabilities[1].capability, "SMTPUTF8");
  ASSERT_EQ(r.obs.injected_capabilities.size(), 1u);
  EXPECT_EQ(r.obs.injected_capabilities[0].capability, "AUTH XGAUNTLET");
  ASSERT_EQ(r.obs.unoffered_capabilities.size(), 3u);
  EXPECT_EQ(r.obs.unoffered_capabilities[0].use.capability, "AUTH PLAIN");
  EXPECT_EQ(r.obs.unoffered_capabilities[0].offered_in,
            OfferedIn::kInjectedBytes);
  EXPECT_EQ(r.obs.unoffered_capabilities[1].use.capability, "AUTH LOGIN");
  EXPECT_EQ(r.obs.unoffered_capabilities[1].offered_in, OfferedIn::kNowhere);
  EXPECT_EQ(r.obs.unoffered_capabilities[2].use.capability, "XFOO");
  EXPECT_EQ(r.obs.unoffered_capabilities[2].offered_in, OfferedIn::kNowhere);
}

// An AUTH mechanism offered only in plaintext and used after the in-TLS EHLO
// reply is no proof (a client may be configured to always use it): a note.
TEST(ClientLinesPass, StaleAuthMechanismAfterTheTlsReplyIsANote) {
  ConnBuilder c(0);
  c.Ehlo({"STARTTLS", "AUTH PLAIN"}).Starttls().HandshakeDone();
  c.Ehlo({"AUTH LOGIN"});
  c.Cmd("AUTH PLAIN");
  const Ran r = RunPasses(c.Build(), 4);
  EXPECT_THAT(r.obs.stale_capabilities, IsEmpty());
  ASSERT_EQ(r.obs.unoffered_capabilities.size(), 1u);
  EXPECT_EQ(r.obs.unoffered_capabilities[0].offered_in,
            OfferedIn::kPlaintextEhlo);
}

// BDAT uses CHUNKING whatever its size; a size that does not fit 64 bits is
// a line the SMTP core rejects, which uses nothing (and must not crash).
TEST(ClientLinesPass, BdatSizes) {
  for (const std::string& line :
       {std::string("BDAT 0 LAST"), std::string("BDAT 18446744073709551615"),
        std::string("bdat 1")}) {
    ConnBuilder c(0);
    c.Ehlo({"STARTTLS"}).Starttls().HandshakeDone();
    c.Ehlo({"PIPELINING"}).Cmd(line);
    const Ran r = RunPasses(c.Build(), 4);
    ASSERT_EQ(r.obs.unoffered_capabilities.size(), 1u) << line;
    EXPECT_EQ(r.obs.unoffered_capabilities[0].use.capability,
              "CHUNKING (BDAT)");
    EXPECT_THAT(Verbs(r.obs.protected_in_plaintext), IsEmpty());
  }
  for (const std::string& line :
       {std::string("BDAT 18446744073709551616 LAST"), std::string("BDAT -1"),
        std::string("BDAT")}) {
    ConnBuilder c(0);
    c.Ehlo({"STARTTLS"}).Starttls().HandshakeDone();
    c.Ehlo({"PIPELINING"}).Cmd(line);
    const Ran r = RunPasses(c.Build(), 4);
    EXPECT_THAT(r.obs.unoffered_capabilities, IsEmpty()) << line;
    EXPECT_THAT(Verbs(r.obs.tls_commands), ElementsAre("EHLO", "BDAT"));
  }
}

// A mechanism the in-TLS EHLO offered after a tab is offered: no note.
TEST(ClientLinesPass, TabSeparatedOfferCounts) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Starttls().HandshakeDone();
  c.Ehlo({"AUTH\tPLAIN"}).AuthPlain("alice", "secret");
  const Ran r = RunPasses(c.Build(), 4);
  EXPECT_THAT(r.obs.unoffered_capabilities, IsEmpty());
  EXPECT_THAT(r.obs.stale_capabilities, IsEmpty());
}

// --- Pass 5: premature lines
// -------------------------------------------------------

TEST(PrematureLinesPass, LinesThatDidNotWaitForTheirReply) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Starttls().HandshakeDone();
  c.Pipelined({"EHLO client.test", "AUTH PLAIN AGFsaWNlAHNlY3JldA=="});
  c.Processed("EHLO client.test");
  c.Reply("EHLO", "250-mx\r\n250 AUTH PLAIN");
  c.Processed("AUTH PLAIN AGFsaWNlAHNlY3JldA==");
  c.Reply("AUTH", "235 ok");
  c.Pipelined({"DATA"});
  c.Processed("DATA");
  // The body was read before the 354 was written.
  c.Body("early").Reply("DATA", "354 go ahead");
  c.Cmd("QUIT");  // QUIT may always follow.
  const Ran r = RunPasses(c.Build(), 5);
  ASSERT_EQ(r.obs.premature_lines.size(), 2u);
  EXPECT_EQ(r.obs.premature_lines[0].waited_for, "EHLO");
  EXPECT_EQ(r.obs.premature_lines[0].line.verb, "AUTH");
  EXPECT_EQ(r.obs.premature_lines[0].injection_t_us, -1);
  EXPECT_EQ(r.obs.premature_lines[1].waited_for, "DATA");
  EXPECT_EQ(r.obs.premature_lines[1].line.kind, LineKind::kMessage);
}

TEST(PrematureLinesPass, NeverAnsweredAndInjectedBefore) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps)
      .Starttls("220 2.0.0 Ready to start TLS", "250 AUTH PLAIN\r\n")
      .HandshakeDone();
  c.Cmd("EHLO client.test").Withheld("EHLO");
  c.AuthPlain("alice", "secret", false);
  const Ran r = RunPasses(c.Build(), 5);
  ASSERT_EQ(r.obs.premature_lines.size(), 1u);
  const PrematureLine& p = r.obs.premature_lines[0];
  EXPECT_EQ(p.waited_for, "EHLO");
  EXPECT_EQ(p.reply_t_us, -1);
  EXPECT_GE(p.injection_t_us, 0);
  EXPECT_TRUE(p.line.in_tls);
}

// Each AUTH step answered before the next: nothing premature.
TEST(PrematureLinesPass, WaitingOneLineAtATimeIsNotPremature) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Cmd("AUTH LOGIN").Reply("AUTH", "334 VXNlcm5hbWU6");
  c.Cmd("YWxpY2U=").Reply("AUTH", "334 UGFzc3dvcmQ6");
  c.raw().events[c.raw().events.size() - 2].kind = Kind::kAuthData;
  const Ran r = RunPasses(c.Build(), 5);
  EXPECT_THAT(r.obs.premature_lines, IsEmpty());
}

// --- Pass 6: 530
// ---------------------------------------------------------------

TEST(StarttlsRequiredPass, A530NamingStarttls) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Cmd("MAIL FROM:<a@b.test>");
  c.Reply("MAIL", "530-5.7.0 Policy\r\n530 5.7.0 issue STARTTLS first");
  const Ran r = RunPasses(c.Build(), 6);
  ASSERT_TRUE(r.obs.starttls_required_reply.has_value());
  EXPECT_EQ(r.obs.starttls_required_reply->excerpt,
            "MAIL FROM:<a@b.test> -> 530 5.7.0 Policy");
}

TEST(StarttlsRequiredPass, Other530sAndMalformedOnesAreNot) {
  for (const std::string& text :
       {std::string("530 5.7.0 Authentication required"),
        std::string("530-STARTTLS\r\n250 ok"),  // Codes disagree.
        std::string("530-STARTTLS")}) {         // Truncated.
    ConnBuilder c(0);
    c.Ehlo(kPlainCaps).Cmd("MAIL FROM:<a@b.test>").Reply("MAIL", text);
    EXPECT_FALSE(RunPasses(c.Build(), 6).obs.starttls_required_reply) << text;
  }
  // Inside TLS it is no diagnosis of a plaintext client.
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Starttls().HandshakeDone();
  c.Cmd("MAIL FROM:<a@b.test>").Reply("MAIL", "530 issue STARTTLS");
  EXPECT_FALSE(RunPasses(c.Build(), 6).obs.starttls_required_reply);
}

// --- Pass 7: waiting
// -----------------------------------------------------------

TEST(WaitingPass, WithheldReply) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Starttls().HandshakeDone();
  c.Cmd("EHLO client.test").Withheld("EHLO");
  const Ran r = RunPasses(c.Build());
  ASSERT_TRUE(r.facts.waiting.has_value());
  EXPECT_EQ(r.facts.waiting->kind, WaitKind::kWithheld);
  EXPECT_EQ(r.facts.waiting->verb, "EHLO");
  EXPECT_EQ(r.facts.waiting->line.verb, "EHLO");
  EXPECT_TRUE(r.facts.waiting->line.in_tls);
  EXPECT_FALSE(r.facts.stalled_handshake);
}

TEST(WaitingPass, DelayedReplyNotYetWritten) {
  ConnBuilder c(0);
  c.Cmd("EHLO client.test");
  fake::SmtpEvent delayed = c.raw().events.back();
  delayed.kind = Kind::kReplyDelayed;
  delayed.delay_us = 30'000'000;
  c.raw().events.push_back(delayed);
  const Ran r = RunPasses(c.Build());
  ASSERT_TRUE(r.facts.waiting.has_value());
  EXPECT_EQ(r.facts.waiting->kind, WaitKind::kDelayed);
  EXPECT_EQ(r.facts.waiting->delay_us, 30'000'000);
}

// A delayed reply that was written in the end is no longer awaited.
TEST(WaitingPass, DelayedThenWrittenIsNotWaiting) {
  ConnBuilder c(0);
  c.Cmd("EHLO client.test");
  fake::SmtpEvent delayed = c.raw().events.back();
  delayed.kind = Kind::kReplyDelayed;
  delayed.delay_us = 300'000;
  c.raw().events.push_back(delayed);
  c.Reply("EHLO", "250 mx.gauntlet.test");
  EXPECT_FALSE(RunPasses(c.Build()).facts.waiting.has_value());
}

// Owed: the last reply on the wire cannot be read as a complete SMTP reply
// (no code, or unfinished); the event's text lost the line end, so the pass
// reads the wire.
TEST(WaitingPass, OwedAfterAMalformedOrUnfinishedReply) {
  for (const std::string& bytes :
       {std::string("Ready to start TLS\r\n"), std::string("220 2.0.0 Ready"),
        std::string("220-Ready\r\n")}) {
    ConnBuilder c(0);
    c.Ehlo(kPlainCaps).Cmd("STARTTLS");
    fake::WireChunk w;
    w.t_us = c.now();
    w.direction = fake::Direction::kServerToClient;
    w.bytes = bytes;
    c.raw().wire.push_back(w);
    fake::SmtpEvent reply;
    reply.kind = Kind::kReply;
    reply.t_us = c.now();
    reply.verb = "STARTTLS";
    reply.text = bytes;
    c.raw().events.push_back(reply);
    const Ran r = RunPasses(c.Build());
    ASSERT_TRUE(r.facts.waiting.has_value()) << bytes;
    EXPECT_EQ(r.facts.waiting->kind, WaitKind::kOwed);
    EXPECT_EQ(r.facts.waiting->verb, "STARTTLS");
  }
}

TEST(WaitingPass, StalledHandshakeIsNotWaitingForAReply) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Starttls().ClientHello();
  c.raw().tls.fault = fake::InjectedFault{fake::TlsFault::kStall,
                                          fake::FaultPoint::kAfterClientHello,
                                          c.now(), "stalled"};
  const Ran r = RunPasses(c.Build());
  EXPECT_TRUE(r.facts.stalled_handshake);
  EXPECT_FALSE(r.facts.waiting.has_value());
}

// A client that closed waits for nothing; how fast it closed after the
// server's last bytes is measured.
TEST(WaitingPass, ClientCloseDelay) {
  ConnBuilder c(0);
  c.Ehlo({"PIPELINING"});
  const int64_t last_reply = c.now() - 1000;
  c.Advance(40'000).Close(fake::CloseKind::kClientFin);
  const Ran r = RunPasses(c.Build());
  EXPECT_FALSE(r.facts.waiting.has_value());
  ASSERT_TRUE(r.facts.client_close_delay_us.has_value());
  EXPECT_EQ(*r.facts.client_close_delay_us, c.Build().closed_us - last_reply);
}

}  // namespace
}  // namespace gauntlet::verdict::passes
