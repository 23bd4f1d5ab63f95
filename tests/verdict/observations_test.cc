// Unit tests of ObserveRun (facts and their evidence) and of the excerpt
// helpers, including hostile inputs.

#include "harness/verdict/observations.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "fake_servers/transcript.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/verdict/excerpt.h"
#include "harness/verdict/verdict.h"
#include "tests/verdict/transcript_builder.h"

namespace gauntlet::verdict {
namespace {

using ::testing::HasSubstr;
using testing::ConnBuilder;
using testing::TranscriptOf;

const std::vector<std::string> kPlainCaps = {"PIPELINING", "STARTTLS"};
const std::vector<std::string> kTlsCaps = {"PIPELINING", "AUTH PLAIN LOGIN"};

ClientRun Exited(int code) {
  ClientRun run;
  run.exit_code = code;
  return run;
}

// The server processes a pipelined segment line by line, so it records the
// second command after it replied to the first. Only the wire's read time
// shows that the client did not wait.
TEST(ObserveRunTest, PrematureLineIsProvenByTheWireReadTime) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Starttls().HandshakeDone();
  const int64_t read_t = c.now();
  c.Pipelined({"EHLO client.test", "MAIL FROM:<a@b.test>"});
  c.Processed("EHLO client.test");
  c.Reply("EHLO", "250-mx\r\n250 AUTH PLAIN");
  c.Processed("MAIL FROM:<a@b.test>");  // Recorded after the reply.
  const fake::SmtpEvent& mail = c.raw().events.back();
  const int64_t recorded = mail.t_us;
  c.Close(fake::CloseKind::kClientTlsClose);

  const Observations obs =
      ObserveRun(TranscriptOf({c}), Exited(0));
  ASSERT_EQ(obs.premature_lines.size(), 1u);
  const PrematureLine& p = obs.premature_lines[0];
  EXPECT_EQ(p.waited_for, "EHLO");
  EXPECT_EQ(p.line.verb, "MAIL");
  EXPECT_TRUE(p.line.in_tls);
  EXPECT_FALSE(p.injection_t_us >= 0);
  EXPECT_LT(p.line.evidence.t_us, p.reply_t_us);
  EXPECT_EQ(p.line.evidence.t_us, read_t);
  EXPECT_LT(p.line.evidence.t_us, recorded);
}

TEST(ObserveRunTest, WaitingForTheReplyIsNotPremature) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Starttls().HandshakeDone();
  c.Ehlo(kTlsCaps).AuthPlain("alice", "secret").SendMessage();
  c.Close(fake::CloseKind::kClientTlsClose);
  const Observations obs =
      ObserveRun(TranscriptOf({c}), Exited(0));
  EXPECT_TRUE(obs.premature_lines.empty());
  EXPECT_TRUE(obs.delivered_over_tls);
  EXPECT_FALSE(obs.delivered_in_plaintext);
  EXPECT_TRUE(obs.protected_in_plaintext.empty());
  ASSERT_EQ(obs.credentials.size(), 1u);
  EXPECT_TRUE(obs.credentials[0].line.in_tls);
  EXPECT_EQ(obs.credentials[0].credentials.user, "alice");
  ASSERT_EQ(obs.connections.size(), 1u);
  const ConnectionFacts& conn = obs.connections[0];
  EXPECT_TRUE(conn.starttls_offered);
  EXPECT_TRUE(conn.tls_completed);
  EXPECT_EQ(conn.tls_version, "TLSv1.3");
  EXPECT_EQ(conn.starttls_reply_code, 220);
  EXPECT_TRUE(conn.ehlo_in_tls);
  ASSERT_TRUE(conn.proceeded_in_tls.has_value());
  EXPECT_EQ(conn.proceeded_in_tls->verb, "EHLO");
  EXPECT_TRUE(conn.refusals.empty());
  EXPECT_TRUE(obs.starttls_attempted);
}

// Over TLS 1.3 a client may finish the handshake, check the certificate,
// then say QUIT: that is a refusal, not acceptance.
TEST(ObserveRunTest, QuitInsideTlsIsNotGoingOn) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Starttls().HandshakeDone();
  c.Advance(2500).Cmd("QUIT").Close(fake::CloseKind::kClientTlsClose);
  // What the server records when it serves the wrong-host chain.
  c.raw().tls.certificate = fake::ServedCertificate{
      "wrong-host", {fake::CertFlaw::kNameMismatch}, {"wrong.gauntlet.test"},
      "ecdsa-p256", 256, "sha256", 0};
  const Observations obs = ObserveRun(TranscriptOf({c}), Exited(1));
  const ConnectionFacts& conn = obs.connections[0];
  EXPECT_FALSE(conn.proceeded_in_tls.has_value());
  ASSERT_EQ(conn.refusals.size(), 1u);
  EXPECT_EQ(conn.refusals[0].reason, RefusalReason::kBadCertificate);
  EXPECT_THAT(conn.refusals[0].what, HasSubstr("another host name"));
  ASSERT_TRUE(conn.client_close_delay_us.has_value());
  EXPECT_GT(*conn.client_close_delay_us, 0);
  EXPECT_TRUE(conn.client_closed);
}

TEST(ObserveRunTest, PlaintextCausesAreAttributed) {
  // Refused STARTTLS, then AUTH in plaintext on the same connection.
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Starttls("502 5.5.1 Not implemented");
  c.AuthPlain("alice", "secret");
  const Observations obs =
      ObserveRun(TranscriptOf({c}), Exited(0));
  ASSERT_EQ(obs.credentials.size(), 1u);
  EXPECT_FALSE(obs.credentials[0].line.in_tls);
  EXPECT_EQ(obs.credentials[0].line.cause, PlaintextCause::kStarttlsRefused);
  EXPECT_EQ(obs.credentials[0].line.cause_detail, 502);
  EXPECT_THAT(obs.credentials[0].line.evidence.excerpt,
              HasSubstr("user=alice"));
  ASSERT_EQ(obs.protected_in_plaintext.size(), 1u);
  EXPECT_EQ(obs.protected_in_plaintext[0].verb, "AUTH");
  EXPECT_EQ(obs.connections[0].starttls_reply_code, 502);
}

TEST(ObserveRunTest, UnsupportedExitCodeAndStderrTail) {
  ClientRun run = Exited(kUnsupportedExitCode);
  run.stderr_text = std::string(10000, 'x') + "\x1b[31mfatal: no TLS\n";
  const Observations obs =
      ObserveRun(fake::Transcript{}, run);
  EXPECT_TRUE(obs.unsupported);
  EXPECT_LE(obs.stderr_excerpt.size(), kMaxStderrExcerpt);
  EXPECT_THAT(obs.stderr_excerpt, HasSubstr("\\x1b[31mfatal: no TLS\n"));
  EXPECT_EQ(obs.stderr_excerpt.rfind("...", 0), 0u);
}

TEST(ObserveRunTest, InjectedCapabilityIsSeparatedFromStaleOnes) {
  // AUTH LOGIN only before TLS, AUTH XGAUNTLET (on no standard list) and
  // AUTH XOAUTH2 (standard) only in the injected bytes; the TLS EHLO reply
  // offers none, and every AUTH follows it. Only the unguessable value is
  // proof; the others are unoffered (notes).
  ConnBuilder c(0);
  c.Ehlo({"AUTH LOGIN", "STARTTLS"})
      .Starttls("220 Go ahead", "250 AUTH=XGAUNTLET XOAUTH2\r\n")
      .HandshakeDone();
  c.Ehlo({"PIPELINING"});
  c.Cmd("AUTH XGAUNTLET dG9rZW4=").Reply("AUTH", "535 no");
  c.Cmd("AUTH XOAUTH2 dG9rZW4=").Reply("AUTH", "535 no");
  c.Cmd("AUTH LOGIN").Reply("AUTH", "535 no");
  const Observations obs = ObserveRun(TranscriptOf({c}), Exited(1));
  ASSERT_EQ(obs.injected_capabilities.size(), 1u);
  EXPECT_EQ(obs.injected_capabilities[0].capability, "AUTH XGAUNTLET");
  EXPECT_TRUE(obs.stale_capabilities.empty());
  ASSERT_EQ(obs.unoffered_capabilities.size(), 2u);
  EXPECT_EQ(obs.unoffered_capabilities[0].use.capability, "AUTH XOAUTH2");
  EXPECT_EQ(obs.unoffered_capabilities[0].offered_in,
            OfferedIn::kInjectedBytes);
  EXPECT_EQ(obs.unoffered_capabilities[1].use.capability, "AUTH LOGIN");
  EXPECT_EQ(obs.unoffered_capabilities[1].offered_in,
            OfferedIn::kPlaintextEhlo);
  EXPECT_TRUE(obs.connections[0].injection_sent);
}

TEST(ObserveRunTest, StarttlsRequiredReplyNamesTheCommand) {
  ConnBuilder c(0);
  c.Ehlo(kPlainCaps).Cmd("MAIL FROM:<a@b.test>");
  c.Reply("MAIL", "530 5.7.0 Must issue a STARTTLS command first");
  const Observations obs =
      ObserveRun(TranscriptOf({c}), Exited(1));
  ASSERT_TRUE(obs.starttls_required_reply.has_value());
  EXPECT_EQ(obs.starttls_required_reply->excerpt,
            "MAIL FROM:<a@b.test> -> 530 5.7.0 Must issue a STARTTLS command "
            "first");
  EXPECT_FALSE(obs.starttls_attempted);
}

TEST(ExcerptTest, EscapesAndBounds) {
  EXPECT_EQ(Excerpt("AUTH PLAIN\r\n"), "AUTH PLAIN\\r\\n");
  EXPECT_EQ(Excerpt(std::string("a\0b\\", 4)), "a\\x00b\\\\");
  EXPECT_EQ(Excerpt("\xff\x16"), "\\xff\\x16");
  const std::string long_line(1000, 'A');
  const std::string cut = Excerpt(long_line, 50);
  EXPECT_EQ(cut.size(), 50u);
  EXPECT_EQ(cut.substr(47), "...");
  // Exactly at the limit: nothing is cut.
  EXPECT_EQ(Excerpt(std::string(50, 'B'), 50), std::string(50, 'B'));
  // Escapes are never split by the cut.
  const std::string binary(100, '\x01');
  const std::string e = Excerpt(binary, 30);
  EXPECT_LE(e.size(), 30u);
  EXPECT_EQ(e.substr(e.size() - 3), "...");
  EXPECT_EQ((e.size() - 3) % 4, 0u);
  EXPECT_EQ(TailExcerpt("short\n"), "short\n");
  EXPECT_EQ(TailExcerpt(""), "");
}

// Hostile transcripts: random events, phases, channels and bytes (including
// NULs and lines that are prefixes of one another) must never crash or read
// out of bounds, and must give the same verdict twice.
TEST(ObserveRunTest, RandomTranscriptsAreHandledDeterministically) {
  std::mt19937 rng(20240601);  // Fixed seed: reproducible.
  const std::vector<std::string> verbs = {"EHLO", "HELO", "STARTTLS", "AUTH",
                                          "MAIL", "RCPT", "DATA", "BDAT",
                                          "QUIT", "RSET", ""};
  for (int round = 0; round < 200; ++round) {
    fake::Transcript t;
    const int conns = static_cast<int>(rng() % 3);
    for (int i = 0; i < conns; ++i) {
      fake::ConnectionTranscript c;
      c.index = static_cast<int>(rng() % 4) - 1;
      c.close = static_cast<fake::CloseKind>(rng() % 8);
      c.closed_us = static_cast<int64_t>(rng() % 100000) - 10;
      c.tls.outcome = static_cast<fake::HandshakeOutcome>(rng() % 7);
      c.tls.cipher = (rng() % 2) ? "NULL-SHA" : "";
      const int n = static_cast<int>(rng() % 40);
      for (int k = 0; k < n; ++k) {
        std::string bytes;
        const int len = static_cast<int>(rng() % 30);
        for (int b = 0; b < len; ++b) {
          bytes += static_cast<char>(rng() % 4 == 0 ? '\n' : rng() % 256);
        }
        fake::WireChunk chunk;
        chunk.t_us = static_cast<int64_t>(rng() % 100000);
        chunk.direction = static_cast<fake::Direction>(rng() % 2);
        chunk.channel = static_cast<fake::Channel>(rng() % 3);
        chunk.phase = static_cast<fake::SessionPhase>(rng() % 6);
        chunk.bytes = bytes;
        c.wire.push_back(chunk);
        fake::SmtpEvent ev;
        ev.kind = static_cast<fake::SmtpEvent::Kind>(rng() % 9);
        ev.read_us = static_cast<int64_t>(rng() % 100000) - 1;
        ev.t_us = static_cast<int64_t>(rng() % 100000);
        ev.phase = chunk.phase;
        ev.channel = chunk.channel;
        ev.verb = verbs[rng() % verbs.size()];
        ev.text = (rng() % 2) ? bytes.substr(0, bytes.find('\n'))
                              : ev.verb + " X";
        ev.reply_code = static_cast<int>(rng() % 600);
        if (ev.kind == fake::SmtpEvent::Kind::kCredentials && rng() % 2) {
          ev.credentials = fake::Credentials{"PLAIN", bytes, "pw"};
        }
        c.events.push_back(ev);
      }
      if (rng() % 3 == 0) c.bytes_after_starttls = "EHLO x\r\n";
      t.connections.push_back(c);
    }
    ClientRun run = Exited(static_cast<int>(rng() % 100));
    run.timed_out = rng() % 4 == 0;
    for (auto expectation :
         {scenario::Expectation::kDeliverTls, scenario::Expectation::kStaySecure,
          scenario::Expectation::kStayEncrypted,
          scenario::Expectation::kUnrestricted}) {
      JudgeInput in;
      in.expectation = expectation;
      const Verdict a = Judge(ObserveRun(t, run), in);
      const Verdict b = Judge(ObserveRun(t, run), in);
      ASSERT_EQ(a.summary, b.summary);
      ASSERT_EQ(a.violations.size(), b.violations.size());
      if (a.verdict == VerdictKind::kFail) {
        ASSERT_FALSE(a.violations.empty());
      }
    }
  }
}

}  // namespace
}  // namespace gauntlet::verdict
