// The hand-built sessions of tests/verdict/sessions.h against what the real
// fake server records for the same client bytes under the same behavior.
//
// Each case plays the session's client side with tests/server's scripted
// client over a real loopback socket (real TLS), takes the server's
// transcript and compares the structure observations read (event kinds,
// verbs, phases, channels, reply codes, the capabilities an EHLO reply
// offers, client lines, credentials, messages, injected bytes, withheld and
// delayed replies, the TLS facts, the certificate served, the fault
// injected, TLS records in plaintext, how the connection closed, and which
// side wrote in which channel and phase). Times and the exact splitting of
// the bytes into reads are not compared: they are the machine's, not the
// session's.

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "fake_servers/transcript.h"
#include "gtest/gtest.h"
#include "harness/verdict/observation_passes.h"
#include "tests/server/test_util.h"
#include "tests/verdict/sessions.h"

namespace gauntlet::verdict::testing {
namespace {

namespace srv = fake::server::testing;
using Kind = fake::SmtpEvent::Kind;

std::string Join(const std::set<std::string>& s) {
  return absl::StrJoin(s, ",");
}

// The structure of one connection, one line per fact.
std::vector<std::string> Structure(const fake::ConnectionTranscript& c,
                                   bool compare_close) {
  std::vector<std::string> out;
  for (const fake::SmtpEvent& e : c.events) {
    std::string line = std::string(fake::SmtpEventKindName(e.kind)) + " " +
                       e.verb +
                       " phase=" + std::string(fake::PhaseName(e.phase)) +
                       " channel=" + std::string(fake::ChannelName(e.channel));
    switch (e.kind) {
      case Kind::kReply:
        line += " code=" + std::to_string(e.reply_code);
        if (e.verb == "EHLO" && e.reply_code == 250) {
          std::set<std::string> caps;
          passes::AddEhloReplyTokens(e.text, caps);
          line += " caps=" + Join(caps);
        }
        if (e.reply_code == 530) {
          line += e.text.find("STARTTLS") != std::string::npos
                      ? " names-starttls"
                      : "";
        }
        break;
      case Kind::kInjected:
        line += " bytes=" + e.text;
        break;
      case Kind::kReplyDelayed:
        line += " delay_us=" + std::to_string(e.delay_us);
        break;
      case Kind::kCredentials:
        if (e.credentials) {
          line += " " + e.credentials->mechanism + " " + e.credentials->user +
                  ":" + e.credentials->password;
        }
        line += " text=" + e.text;
        break;
      case Kind::kMessage:
        line += " size=" + std::to_string(e.message_size) +
                " subject=" + e.message_subject + " text=" + e.text;
        break;
      case Kind::kReplyWithheld:
        break;
      default:  // Client lines: the same bytes on both sides.
        line += " text=" + e.text;
        break;
    }
    out.push_back(line);
  }
  // Who wrote in which channel and phase, in order (runs merged, TLS
  // records left out: the builder does not encrypt).
  std::string last;
  for (const fake::WireChunk& w : c.wire) {
    if (w.channel == fake::Channel::kTlsRecords) continue;
    const std::string run =
        std::string("wire ") +
        (w.direction == fake::Direction::kClientToServer ? "client"
                                                         : "server") +
        " " + std::string(fake::ChannelName(w.channel)) + " " +
        std::string(fake::PhaseName(w.phase));
    if (run != last) out.push_back(run);
    last = run;
  }
  const fake::TlsFacts& tls = c.tls;
  out.push_back(
      "tls outcome=" + std::string(fake::HandshakeOutcomeName(tls.outcome)) +
      " version=" + tls.version + " cipher=" + tls.cipher + " client_hello=" +
      (tls.client_hello ? "yes" : "no") + " failure=" + tls.failure);
  std::string allowed = "tls allowed=";
  for (const fake::TlsVersion v : tls.server_versions) {
    allowed += std::string(fake::TlsVersionName(v)) + ",";
  }
  if (tls.server_ciphers) {
    allowed +=
        " ciphers=" + std::string(fake::CipherSetName(*tls.server_ciphers));
  }
  out.push_back(allowed);
  out.push_back("alerts received=" + absl::StrJoin(tls.alerts_received, ",") +
                " sent=" + absl::StrJoin(tls.alerts_sent, ","));
  if (tls.certificate) {
    std::string cert =
        "certificate profile=" + tls.certificate->profile + " flaws=";
    for (const fake::CertFlaw f : tls.certificate->flaws) {
      cert += std::string(fake::CertFlawName(f)) + ",";
    }
    cert += " names=" + absl::StrJoin(tls.certificate->names, ",") +
            " key=" + tls.certificate->key_type + "/" +
            std::to_string(tls.certificate->key_bits) +
            " sig=" + tls.certificate->signature;
    out.push_back(cert);
  }
  if (tls.fault) {
    out.push_back("fault " + std::string(fake::TlsFaultName(tls.fault->kind)) +
                  " at " + std::string(fake::FaultPointName(tls.fault->where)));
  }
  for (const fake::TlsRecordInPlaintext& r : c.tls_records_in_plaintext) {
    out.push_back("tls-record-in-plaintext phase=" +
                  std::string(fake::PhaseName(r.phase)));
  }
  if (!c.bytes_after_starttls.empty()) {
    out.push_back("bytes-after-starttls " + c.bytes_after_starttls);
  }
  if (compare_close) {
    out.push_back("close " + std::string(fake::CloseKindName(c.close)));
  }
  return out;
}

// --- The client side of each session ---------------------------------------

using Client = srv::TestClient;

void Ehlo(Client& c) { ASSERT_TRUE(c.Command("EHLO client.test").ok()); }
void Starttls(Client& c, int want = 220) {
  absl::StatusOr<smtp::Reply> r = c.Command("STARTTLS");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->code, want);
}
void AuthPlain(Client& c) {
  ASSERT_TRUE(c.Command("AUTH PLAIN AGFsaWNlAHNlY3JldA==").ok());
}
void SendMessage(Client& c) {
  ASSERT_TRUE(c.Command("MAIL FROM:<alice@client.test>").ok());
  ASSERT_TRUE(c.Command("RCPT TO:<bob@gauntlet.test>").ok());
  ASSERT_TRUE(c.Command("DATA").ok());
  absl::StatusOr<smtp::Reply> r =
      c.Command("Subject: gauntlet test\r\n\r\nhello\r\n.");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->code, 250);
}
// A client that completes the handshake whatever the certificate (the
// sessions where the client goes on, or closes, inside a bad session).
tls::TlsContext AnyCertificate(
    tls::Versions versions = tls::Versions::kDefault) {
  tls::TlsContextConfig config;
  config.role = tls::Role::kClient;
  config.verify_peer = false;
  config.versions = versions;
  absl::StatusOr<tls::TlsContext> context = tls::TlsContext::Create(config);
  EXPECT_TRUE(context.ok()) << context.status();
  return std::move(*context);
}
void Handshake(Client& c, tls::Versions versions = tls::Versions::kDefault) {
  tls::TlsContext context = AnyCertificate(versions);
  absl::Status s = c.StartTls(context);
  ASSERT_TRUE(s.ok()) << s;
}
// A client that verifies the chain (trusting the test PKI's root) and
// refuses what fails.
void RefusedHandshake(Client& c) {
  tls::TlsContext context = srv::TrustingContext();
  EXPECT_FALSE(c.StartTls(context).ok());
}
void TlsClose(Client& c) {
  EXPECT_TRUE(c.TlsShutdown().ok());
  c.Close();
}

struct RecordCase {
  std::string name;
  std::function<sessions::Session()> session;
  // Plays the client; returns with the client closed.
  std::function<void(Client&)> drive;
  // Plays the client's second connection, if the session has one.
  std::function<void(Client&)> second = nullptr;
};

std::vector<RecordCase> RecordCases() {
  return {
      {"good_delivery", sessions::GoodDelivery,
       [](Client& c) {
         Ehlo(c);
         Starttls(c);
         Handshake(c);
         Ehlo(c);
         AuthPlain(c);
         SendMessage(c);
         ASSERT_TRUE(c.Command("QUIT").ok());
         TlsClose(c);
       }},
      {"stripped_and_leaked", sessions::StrippedAndLeaked,
       [](Client& c) {
         Ehlo(c);
         AuthPlain(c);
         SendMessage(c);
         ASSERT_TRUE(c.Command("QUIT").ok());
         c.Close();
       }},
      {"stripped_client_quits", sessions::StrippedClientQuits,
       [](Client& c) {
         Ehlo(c);
         ASSERT_TRUE(c.Command("QUIT").ok());
         c.Close();
       }},
      {"refused_then_mail", sessions::RefusedThenMail,
       [](Client& c) {
         Ehlo(c);
         Starttls(c, 454);
         ASSERT_TRUE(c.Command("MAIL FROM:<alice@client.test>").ok());
         c.Close();
       }},
      {"helo_downgrade", sessions::HeloDowngrade,
       [](Client& c) {
         Ehlo(c);
         ASSERT_TRUE(c.Command("HELO client.test").ok());
         ASSERT_TRUE(c.Command("MAIL FROM:<alice@client.test>").ok());
         c.Close();
       }},
      {"never_starttls", sessions::NeverStarttls,
       [](Client& c) {
         Ehlo(c);
         ASSERT_TRUE(c.Command("MAIL FROM:<alice@client.test>").ok());
         ASSERT_TRUE(c.Command("QUIT").ok());
         c.Close();
       }},
      {"expired_closed_after_handshake", sessions::ExpiredClosedAfterHandshake,
       [](Client& c) {
         Ehlo(c);
         Starttls(c);
         Handshake(c);
         TlsClose(c);
       }},
      {"expired_ehlo_inside", sessions::ExpiredEhloInside,
       [](Client& c) {
         Ehlo(c);
         Starttls(c);
         Handshake(c);
         Ehlo(c);
         ASSERT_TRUE(c.Command("QUIT").ok());
         TlsClose(c);
       }},
      {"tls11_accepted", sessions::Tls11Accepted,
       [](Client& c) {
         Ehlo(c);
         Starttls(c);
         Handshake(c, tls::Versions::kTls11Only);
         Ehlo(c);
         TlsClose(c);
       }},
      {"injection_acted_on", sessions::InjectionActedOn,
       [](Client& c) {
         Ehlo(c);
         Starttls(c);
         Handshake(c);  // Drops the injected bytes (RFC 3207).
         ASSERT_TRUE(c.Send("EHLO client.test\r\n").ok());
         // The server withholds the reply; AUTH goes at once.
         ASSERT_TRUE(c.Send("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n").ok());
         absl::StatusOr<smtp::Reply> auth = c.ReadReply();
         ASSERT_TRUE(auth.ok()) << auth.status();
         EXPECT_EQ(auth->code, 235);
         TlsClose(c);
       }},
      {"injection_harmless", sessions::InjectionHarmless,
       [](Client& c) {
         Ehlo(c);
         Starttls(c);
         Handshake(c);
         Ehlo(c);
         AuthPlain(c);
         SendMessage(c);
         TlsClose(c);
       }},
      {"waiting_for_withheld_ehlo", sessions::WaitingForWithheldEhlo,
       [](Client& c) {
         Ehlo(c);
         Starttls(c);
         Handshake(c);
         ASSERT_TRUE(c.Send("EHLO client.test\r\n").ok());
         // As the runner's kill does: FIN, no close_notify (shut down
         // first, so that unread session tickets do not turn it into RST).
         c.CloseWrite();
         c.WaitForPeerEnd();
         c.Close();
       }},
      {"owed_starttls_reply", sessions::OwedStarttlsReply,
       [](Client& c) {
         Ehlo(c);
         ASSERT_TRUE(c.Send("STARTTLS\r\n").ok());
         EXPECT_TRUE(c.ReadRaw().ok());  // The malformed reply.
         c.Close();
       }},
      {"no_ehlo_after_tls", sessions::NoEhloAfterTls,
       [](Client& c) {
         Ehlo(c);
         Starttls(c);
         Handshake(c);
         ASSERT_TRUE(c.Command("MAIL FROM:<alice@client.test>").ok());
         TlsClose(c);
       }},
      {"plaintext_after_220", sessions::PlaintextAfter220,
       [](Client& c) {
         Ehlo(c);
         Starttls(c);
         // The server lingers and answers in plaintext.
         Ehlo(c);
         c.Close();
       }},
      {"no_transition_plaintext_ehlo", sessions::NoTransitionPlaintextEhlo,
       [](Client& c) {
         Ehlo(c);
         Starttls(c);
         Ehlo(c);
         c.Close();
       }},
      {"stalled_handshake", sessions::StalledHandshake,
       [](Client& c) {
         Ehlo(c);
         Starttls(c);
         tls::TlsContext context = AnyCertificate();
         EXPECT_FALSE(c.StartTls(context, "localhost", srv::Ms(300)).ok());
         c.Close();  // As the runner's kill does: FIN, no close_notify.
       }},
      {"same_connection_after_rejecting_certificate",
       sessions::SameConnectionAfterRejectingCertificate,
       [](Client& c) {
         Ehlo(c);
         Starttls(c);
         RefusedHandshake(c);
         c.DropTls();
         Ehlo(c);
         AuthPlain(c);
         c.Close();
       }},
      {"same_connection_after_handshake_failure",
       sessions::SameConnectionAfterHandshakeFailure,
       [](Client& c) {
         Ehlo(c);
         Starttls(c);
         RefusedHandshake(c);
         c.DropTls();
         Ehlo(c);
         AuthPlain(c);
         c.Close();
       }},
      {"auth_after_454", sessions::AuthAfter454,
       [](Client& c) {
         Ehlo(c);
         Starttls(c, 454);
         AuthPlain(c);
         c.Close();
       }},
      {"fallback_to_new_connection", sessions::FallbackToNewConnection,
       [](Client& c) {
         Ehlo(c);
         Starttls(c);
         RefusedHandshake(c);
         c.Reset();
       },
       [](Client& c) {
         Ehlo(c);
         AuthPlain(c);
         c.Close();
       }},
      {"curl_injection_shape", sessions::CurlInjectionShape,
       [](Client& c) {
         Ehlo(c);
         Starttls(c, 454);
         (void)c.TakeBuffered();  // The injected fake dialogue.
         ASSERT_TRUE(c.Send("MAIL FROM:<alice@client.test>\r\n"
                            "RCPT TO:<bob@x.test>\r\nDATA\r\n"
                            "Subject: x\r\n\r\nhi\r\n.\r\n")
                         .ok());
         for (int i = 0; i < 4; ++i) ASSERT_TRUE(c.ReadReply().ok()) << i;
         c.Close();
       }},
      {"starttls_pipelining", sessions::StarttlsPipelining,
       [](Client& c) {
         Ehlo(c);
         ASSERT_TRUE(c.Send("STARTTLS\r\nEHLO client.test\r\n").ok());
         ASSERT_TRUE(c.ReadReply().ok());
         c.Close();
       }},
      {"proceeded_without_reply", sessions::ProceededWithoutReply,
       [](Client& c) {
         Ehlo(c);
         Starttls(c);
         Handshake(c);
         ASSERT_TRUE(c.Send("EHLO client.test\r\n").ok());
         ASSERT_TRUE(c.Send("MAIL FROM:<alice@client.test>\r\n").ok());
         (void)c.ReadReply();
         TlsClose(c);
       }},
      {"injection_ignored_then_quit", sessions::InjectionIgnoredThenQuit,
       [](Client& c) {
         Ehlo(c);
         Starttls(c);
         Handshake(c);
         ASSERT_TRUE(c.Send("EHLO client.test\r\n").ok());
         ASSERT_TRUE(c.Send("QUIT\r\n").ok());
         (void)c.ReadReply();
         TlsClose(c);
       }},
      {"stale_auth_before_tls_ehlo_reply",
       sessions::StaleAuthBeforeTlsEhloReply,
       [](Client& c) {
         Ehlo(c);
         Starttls(c);
         Handshake(c);
         ASSERT_TRUE(
             c.Send("EHLO client.test\r\nAUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n")
                 .ok());
         ASSERT_TRUE(c.ReadReply().ok());
         (void)c.ReadReply();
         TlsClose(c);
       }},
      {"stale_auth_after_tls_ehlo_reply", sessions::StaleAuthAfterTlsEhloReply,
       [](Client& c) {
         Ehlo(c);
         Starttls(c);
         Handshake(c);
         Ehlo(c);
         AuthPlain(c);
         TlsClose(c);
       }},
      {"always_auth_plain_after_injection",
       sessions::AlwaysAuthPlainAfterInjection,
       [](Client& c) {
         Ehlo(c);
         Starttls(c);
         Handshake(c);
         Ehlo(c);
         AuthPlain(c);
         TlsClose(c);
       }},
      {"unguessable_injected_mechanism", sessions::UnguessableInjectedMechanism,
       [](Client& c) {
         Ehlo(c);
         Starttls(c);
         Handshake(c);
         Ehlo(c);
         ASSERT_TRUE(c.Command("AUTH XGAUNTLET").ok());
         TlsClose(c);
       }},
      {"control_handshake_refused", sessions::ControlHandshakeRefused,
       [](Client& c) {
         Ehlo(c);
         Starttls(c);
         // Trusts only a root that did not sign the server's chain.
         absl::StatusOr<tls::TlsContext> context =
             srv::ClientContext(srv::SharedPki()->UnknownRootPem());
         ASSERT_TRUE(context.ok()) << context.status();
         EXPECT_FALSE(c.StartTls(*context).ok());
         c.Close();
       }},
      {"stripped_leak_then_stopped", sessions::StrippedLeakThenStopped,
       [](Client& c) {
         Ehlo(c);
         AuthPlain(c);
         c.Close();  // As the runner's kill does.
       }},
      {"starttls_inside_tls", sessions::StarttlsInsideTls,
       [](Client& c) {
         Ehlo(c);
         Starttls(c);
         Handshake(c);
         Ehlo(c);
         ASSERT_TRUE(c.Command("STARTTLS").ok());
         TlsClose(c);
       }},
  };
}

// Plays one session against a fresh server and compares.
void CheckSession(const RecordCase& rc) {
  const sessions::Session session = rc.session();
  auto server = srv::StartServer(session.behavior);
  ASSERT_NE(server, nullptr);
  {
    std::unique_ptr<Client> client = srv::ConnectAndGreet(*server);
    ASSERT_NE(client, nullptr);
    rc.drive(*client);
  }
  if (rc.second) {
    std::unique_ptr<Client> client = srv::ConnectAndGreet(*server);
    ASSERT_NE(client, nullptr);
    rc.second(*client);
  }
  const fake::Transcript recorded = srv::WaitAndSnapshot(
      *server, static_cast<int>(session.transcript.connections.size()));
  ASSERT_EQ(recorded.connections.size(), session.transcript.connections.size());
  for (std::size_t i = 0; i < recorded.connections.size(); ++i) {
    const fake::ConnectionTranscript& built = session.transcript.connections[i];
    // How the connection ended is compared too: a client the runner stops
    // closes its socket when it dies, and the server records that.
    const bool compare_close = true;
    EXPECT_EQ(
        absl::StrJoin(Structure(built, compare_close), "\n"),
        absl::StrJoin(Structure(recorded.connections[i], compare_close), "\n"))
        << "connection " << i << " (left: built, right: recorded)";
  }
}

// One test for all sessions: the test PKI is generated once per process,
// and generating it is most of a session's cost (about 3 s for the 30
// sessions under ASan, against about 50 s as one process per session).
TEST(ServerRecordsTest, EveryBuiltSessionMatchesTheRealServer) {
  for (const RecordCase& rc : RecordCases()) {
    SCOPED_TRACE("session " + rc.name);
    CheckSession(rc);
  }
}

}  // namespace
}  // namespace gauntlet::verdict::testing
