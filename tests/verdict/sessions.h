// Hand-built sessions the verdict tests rely on, each with the server
// behavior it stands for.
//
// verdict_test.cc judges these transcripts; server_records_test.cc plays the
// same client bytes against the real fake server under `behavior` and
// requires that the server records the same structure (event kinds, verbs,
// phases, channels, reply codes, offered capabilities, TLS facts, the
// certificate served, faults, injected/withheld bytes), so that a builder
// that drifts from the server fails a test instead of proving a verdict on
// a transcript no server writes.

#ifndef GAUNTLET_TESTS_VERDICT_SESSIONS_H_
#define GAUNTLET_TESTS_VERDICT_SESSIONS_H_

#include <string>
#include <vector>

#include "fake_servers/behavior.h"
#include "fake_servers/transcript.h"
#include "tests/verdict/transcript_builder.h"

namespace gauntlet::verdict::testing::sessions {

struct Session {
  fake::ConnectionBehavior behavior;
  fake::Transcript transcript;
};

inline const std::vector<std::string>& PlainCaps() {
  static const std::vector<std::string> caps = {
      "PIPELINING", "SIZE 10485760", "8BITMIME", "ENHANCEDSTATUSCODES",
      "STARTTLS"};
  return caps;
}
inline const std::vector<std::string>& StrippedCaps() {
  static const std::vector<std::string> caps = {
      "PIPELINING", "SIZE 10485760", "8BITMIME", "ENHANCEDSTATUSCODES"};
  return caps;
}
inline const std::vector<std::string>& TlsCaps() {
  static const std::vector<std::string> caps = {
      "PIPELINING", "SIZE 10485760", "8BITMIME", "ENHANCEDSTATUSCODES",
      "AUTH PLAIN LOGIN"};
  return caps;
}

inline const std::string& InjectedEhloTail() {
  static const std::string bytes = "250-evil.example\r\n250 AUTH PLAIN\r\n";
  return bytes;
}

// The control scenario's shape: STARTTLS, EHLO inside TLS, AUTH, a message.
inline Session GoodDelivery() {
  ConnBuilder c(0);
  c.Ehlo(PlainCaps()).Starttls().HandshakeDone().ServedChain("valid");
  c.Ehlo(TlsCaps()).AuthPlain("alice", "secret").SendMessage();
  // The server closes after its 221 (RFC 5321 §4.1.1.10).
  c.Cmd("QUIT")
      .Reply("QUIT", "221 2.0.0 Bye")
      .Close(fake::CloseKind::kServerClosed);
  return {{}, TranscriptOf({c})};
}

// Strip: no STARTTLS offered, the client goes on in plaintext.
inline Session StrippedAndLeaked() {
  fake::ConnectionBehavior b;
  b.capabilities = StrippedCaps();
  ConnBuilder c(0);
  c.Ehlo(StrippedCaps()).AuthPlain("alice", "secret").SendMessage();
  c.Cmd("QUIT")
      .Reply("QUIT", "221 2.0.0 Bye")
      .Close(fake::CloseKind::kServerClosed);
  return {b, TranscriptOf({c})};
}

inline Session StrippedClientQuits() {
  fake::ConnectionBehavior b;
  b.capabilities = StrippedCaps();
  ConnBuilder c(0);
  c.Ehlo(StrippedCaps()).Cmd("QUIT").Reply("QUIT", "221 2.0.0 Bye");
  c.Close(fake::CloseKind::kServerClosed);
  return {b, TranscriptOf({c})};
}

// STARTTLS refused with 454; the client sends MAIL in plaintext.
inline Session RefusedThenMail() {
  fake::ConnectionBehavior b;
  b.starttls_reply = "454 4.7.0 TLS not available\r\n";
  ConnBuilder c(0);
  c.Ehlo(PlainCaps()).Starttls("454 4.7.0 TLS not available");
  c.Cmd("MAIL FROM:<alice@client.test>").Reply("MAIL", "250 2.1.0 Ok");
  c.Close(fake::CloseKind::kClientFin);
  return {b, TranscriptOf({c})};
}

// EHLO refused; the client falls back to HELO and sends MAIL.
inline Session HeloDowngrade() {
  fake::ConnectionBehavior b;
  b.refuse_ehlo = true;
  ConnBuilder c(0);
  c.Cmd("EHLO client.test").Reply("EHLO", "500 5.5.1 Unrecognized");
  c.Cmd("HELO client.test").Reply("HELO", "250 mx.gauntlet.test");
  c.Cmd("MAIL FROM:<alice@client.test>").Reply("MAIL", "250 2.1.0 Ok");
  c.Close(fake::CloseKind::kClientFin);
  return {b, TranscriptOf({c})};
}

// The server requires TLS; the client never sends STARTTLS.
inline Session NeverStarttls() {
  fake::ConnectionBehavior b;
  b.require_tls = true;
  ConnBuilder c(0);
  c.Ehlo(PlainCaps()).Cmd("MAIL FROM:<alice@client.test>");
  c.Reply("MAIL", "530 5.7.0 Must issue a STARTTLS command first");
  c.Cmd("QUIT")
      .Reply("QUIT", "221 2.0.0 Bye")
      .Close(fake::CloseKind::kServerClosed);
  return {b, TranscriptOf({c})};
}

// An expired certificate; the client completes the handshake and closes
// TLS without sending anything.
inline Session ExpiredClosedAfterHandshake() {
  fake::ConnectionBehavior b;
  b.cert = pki::CertProfile::kExpired;
  ConnBuilder c(0);
  c.Ehlo(PlainCaps())
      .Starttls()
      .HandshakeDone()
      .ServedChain("expired", {fake::CertFlaw::kExpired});
  c.Close(fake::CloseKind::kClientTlsClose);
  return {b, TranscriptOf({c})};
}

// An expired certificate; the client goes on inside TLS.
inline Session ExpiredEhloInside() {
  fake::ConnectionBehavior b;
  b.cert = pki::CertProfile::kExpired;
  ConnBuilder c(0);
  c.Ehlo(PlainCaps())
      .Starttls()
      .HandshakeDone()
      .ServedChain("expired", {fake::CertFlaw::kExpired});
  c.Ehlo(TlsCaps()).Cmd("QUIT").Reply("QUIT", "221 2.0.0 Bye");
  c.Close(fake::CloseKind::kServerClosed);
  return {b, TranscriptOf({c})};
}

// Only TLS 1.1 allowed; the client accepts it and sends EHLO.
inline Session Tls11Accepted() {
  fake::ConnectionBehavior b;
  b.tls_versions = fake::TlsVersions::kTls11Only;
  ConnBuilder c(0);
  c.Ehlo(PlainCaps()).Starttls();
  c.ServerAllows({fake::TlsVersion::kTls11});
  // The server records the suite's IANA name (as wolfSSL reports it).
  c.HandshakeDone("TLSv1.1", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA")
      .ServedChain("valid");
  c.Ehlo(TlsCaps()).Close(fake::CloseKind::kClientTlsClose);
  return {b, TranscriptOf({c})};
}

// The transcript as ObserveWaiting expects it: the connection still open
// when it was taken. Real runs never record that for a client the runner
// stopped (its socket closes first; see the DISABLED_ tests in
// verdict_test.cc), so only the verdict table uses this.
inline fake::Transcript StillOpen(fake::Transcript t) {
  for (fake::ConnectionTranscript& c : t.connections) {
    c.close = fake::CloseKind::kOpen;
    c.closed_us = -1;
  }
  return t;
}

// Injected EHLO tail after the 220, the EHLO inside TLS never answered;
// the client sends AUTH at once.
inline Session InjectionActedOn() {
  fake::ConnectionBehavior b;
  b.inject_after_starttls_reply = InjectedEhloTail();
  b.ignore_ehlo_in_tls = true;
  b.tls_capabilities = StrippedCaps();
  ConnBuilder c(0);
  c.Ehlo(PlainCaps())
      .Starttls("220 2.0.0 Ready to start TLS", InjectedEhloTail())
      .HandshakeDone()
      .ServedChain("valid");
  c.Cmd("EHLO client.test").Withheld("EHLO");
  // The server withholds only the EHLO reply; AUTH is answered.
  c.AuthPlain("alice", "secret");
  c.Close(fake::CloseKind::kClientTlsClose);
  return {b, TranscriptOf({c})};
}

// Injected bytes, but the client re-reads the EHLO reply inside TLS.
inline Session InjectionHarmless() {
  fake::ConnectionBehavior b;
  b.inject_after_starttls_reply = InjectedEhloTail();
  ConnBuilder c(0);
  c.Ehlo(PlainCaps())
      .Starttls("220 2.0.0 Ready to start TLS", InjectedEhloTail())
      .HandshakeDone()
      .ServedChain("valid");
  c.Ehlo(TlsCaps()).AuthPlain("alice", "secret").SendMessage();
  c.Close(fake::CloseKind::kClientTlsClose);
  return {b, TranscriptOf({c})};
}

// The EHLO inside TLS is withheld; the client waits and is stopped at the
// limit. Killing it closes its socket, which the server records before the
// transcript is taken: FIN inside TLS without close_notify.
inline Session WaitingForWithheldEhlo() {
  fake::ConnectionBehavior b;
  b.ignore_ehlo_in_tls = true;
  ConnBuilder c(0);
  c.Ehlo(PlainCaps()).Starttls().HandshakeDone().ServedChain("valid");
  c.Cmd("EHLO client.test").Withheld("EHLO");
  c.Advance(4'000'000).Close(fake::CloseKind::kTlsTruncated);
  return {b, TranscriptOf({c})};
}

// strip/starttls-malformed-reply: a STARTTLS reply with no code; the client
// waits for a real one until it is stopped (its socket then closes).
inline Session OwedStarttlsReply() {
  fake::ConnectionBehavior b;
  b.starttls_reply = "Ready to start TLS\r\n";
  ConnBuilder c(0);
  c.Ehlo(PlainCaps()).Cmd("STARTTLS");
  fake::WireChunk w;
  w.t_us = c.now();
  w.direction = fake::Direction::kServerToClient;
  w.bytes = "Ready to start TLS\r\n";
  c.raw().wire.push_back(w);
  fake::SmtpEvent reply;
  reply.kind = fake::SmtpEvent::Kind::kReply;
  reply.t_us = c.now();
  reply.verb = "STARTTLS";
  reply.text = "Ready to start TLS";
  c.raw().events.push_back(reply);
  c.Advance(4'000'000).Close(fake::CloseKind::kClientFin);
  return {b, TranscriptOf({c})};
}

// The first command inside TLS is MAIL, not EHLO.
inline Session NoEhloAfterTls() {
  ConnBuilder c(0);
  c.Ehlo(PlainCaps()).Starttls().HandshakeDone().ServedChain("valid");
  // TLS reset the session (RFC 3207 §4.2): MAIL before EHLO is refused.
  c.Cmd("MAIL FROM:<alice@client.test>")
      .Reply("MAIL", "503 5.5.1 Error: send HELO/EHLO first");
  c.Close(fake::CloseKind::kClientTlsClose);
  return {{}, TranscriptOf({c})};
}

// 220 to STARTTLS, then EHLO in plaintext instead of a ClientHello. The
// server records the handshake as not TLS and, as an attacker would, keeps
// answering in plaintext on the same connection (its linger phase).
inline Session PlaintextAfter220() {
  ConnBuilder c(0);
  c.Ehlo(PlainCaps()).Starttls();
  c.ServerAllows({fake::TlsVersion::kTls12, fake::TlsVersion::kTls13});
  c.HandshakeFailed(fake::HandshakeOutcome::kNotTls,
                    "not a TLS ClientHello at input offset 0: byte 0x45 ('E') "
                    "cannot start a TLS record: plaintext (e.g. an SMTP "
                    "command) where a ClientHello was expected");
  c.Ehlo(PlainCaps());
  c.Close(fake::CloseKind::kClientFin);
  return {{}, TranscriptOf({c})};
}

// 220 to STARTTLS but the server stays in plaintext; the client answers
// the 220 with EHLO in plaintext.
inline Session NoTransitionPlaintextEhlo() {
  fake::ConnectionBehavior b;
  b.after_starttls = fake::AfterStarttls::kStayPlaintext;
  ConnBuilder c(0);
  c.Ehlo(PlainCaps()).Starttls();
  c.SetPhase(fake::SessionPhase::kAfterStarttlsRefused,
             fake::Channel::kPlaintext);
  // The server answers as in plaintext, with its plaintext capabilities.
  c.Ehlo(PlainCaps());
  c.Close(fake::CloseKind::kClientFin);
  return {b, TranscriptOf({c})};
}

// The handshake stalls after the ClientHello; the client waits until it is
// stopped (its socket then closes).
inline Session StalledHandshake() {
  fake::ConnectionBehavior b;
  b.handshake_fault = fake::HandshakeFault::kStall;
  ConnBuilder c(0);
  c.Ehlo(PlainCaps()).Starttls().ClientHello();
  c.Fault(fake::TlsFault::kStall, fake::FaultPoint::kAfterClientHello);
  c.raw().tls.outcome = fake::HandshakeOutcome::kFaultInjected;
  c.raw().tls.failure = "injected: stalled after the ClientHello";
  c.Advance(4'000'000).Close(fake::CloseKind::kClientFin);
  return {b, TranscriptOf({c})};
}

// The client rejects an unknown root with an alert, then goes on in
// plaintext on the same connection: EHLO and AUTH PLAIN.
inline Session SameConnectionAfterRejectingCertificate() {
  fake::ConnectionBehavior b;
  b.cert = pki::CertProfile::kUnknownRoot;
  ConnBuilder c(0);
  c.Ehlo(PlainCaps()).Starttls().ClientHello();
  c.ServedChain("unknown-root", {fake::CertFlaw::kUntrustedRoot});
  // TLS 1.3 encrypts the client's alert; the server says so.
  c.HandshakeFailed(fake::HandshakeOutcome::kFailed,
                    "peer sent alert fatal unknown_ca(48) (encrypted) during "
                    "the handshake");
  c.raw().tls.alerts_received = {"fatal unknown_ca(48) (encrypted)"};
  // The server lingers and answers in plaintext as it did before STARTTLS.
  c.Ehlo(PlainCaps()).AuthPlain("alice", "secret");
  c.Close(fake::CloseKind::kClientFin);
  return {b, TranscriptOf({c})};
}

// Only TLS 1.1 offered; the handshake fails (the server finds no suite in
// common with a TLS 1.2+ client and sends the alert); the client goes on in
// plaintext on the same connection.
inline Session SameConnectionAfterHandshakeFailure() {
  fake::ConnectionBehavior b;
  b.tls_versions = fake::TlsVersions::kTls11Only;
  ConnBuilder c(0);
  c.Ehlo(PlainCaps()).Starttls();
  c.ServerAllows({fake::TlsVersion::kTls11});
  c.ClientHello().ServedChain("valid");
  c.HandshakeFailed(fake::HandshakeOutcome::kFailed,
                    "TLS failed during the handshake: can't match cipher "
                    "suite (-501); we sent alert fatal handshake_failure(40)");
  c.raw().tls.alerts_sent = {"fatal handshake_failure(40)"};
  c.Ehlo(PlainCaps()).AuthPlain("alice", "secret");
  c.Close(fake::CloseKind::kClientFin);
  return {b, TranscriptOf({c})};
}

// STARTTLS refused with 454; AUTH PLAIN in plaintext.
inline Session AuthAfter454() {
  fake::ConnectionBehavior b;
  b.starttls_reply = "454 4.7.0 TLS not available\r\n";
  ConnBuilder c(0);
  c.Ehlo(PlainCaps()).Starttls("454 4.7.0 TLS not available");
  c.AuthPlain("alice", "secret");
  c.Close(fake::CloseKind::kClientFin);
  return {b, TranscriptOf({c})};
}

// A self-signed certificate; the client aborts the handshake and retries
// on a new connection in plaintext.
inline Session FallbackToNewConnection() {
  fake::ConnectionBehavior b;
  b.cert = pki::CertProfile::kSelfSigned;
  ConnBuilder a(0, 1000);
  a.Ehlo(PlainCaps()).Starttls().ClientHello();
  a.ServedChain("self-signed", {fake::CertFlaw::kSelfSigned});
  a.HandshakeFailed(fake::HandshakeOutcome::kFailed,
                    "peer sent alert fatal bad_certificate(42) (encrypted) "
                    "during the handshake");
  a.raw().tls.alerts_received = {"fatal bad_certificate(42) (encrypted)"};
  a.Close(fake::CloseKind::kClientReset);
  ConnBuilder n(1, 100000);
  n.Ehlo(PlainCaps()).AuthPlain("alice", "secret");
  n.Close(fake::CloseKind::kClientFin);
  return {b, TranscriptOf({a, n})};
}

inline const std::string& CurlInjected() {
  static const std::string bytes =
      "235 Authenticated\r\n250 2.1.0 Sender ok\r\n250 2.1.5 Recipient "
      "ok\r\n354 Enter mail\r\n250 2.0.0 Accepted";
  return bytes;
}

// curl CVE-2021-22947 shape: 454 plus a pipelined fake dialogue; the client
// goes on in plaintext and sends everything at once.
inline Session CurlInjectionShape() {
  fake::ConnectionBehavior b;
  b.starttls_reply = "454 currently unavailable\r\n";
  b.inject_after_starttls_reply = CurlInjected();
  ConnBuilder c(0);
  c.Ehlo(PlainCaps()).Starttls("454 currently unavailable", CurlInjected());
  const std::string body = "Subject: x\r\n\r\nhi\r\n.\r\n";
  c.Pipelined(
      {"MAIL FROM:<alice@client.test>", "RCPT TO:<bob@x.test>", "DATA"});
  c.raw().wire.back().bytes += body;
  c.Processed("MAIL FROM:<alice@client.test>").Reply("MAIL", "250 2.1.0 Ok");
  c.Processed("RCPT TO:<bob@x.test>").Reply("RCPT", "250 2.1.5 Ok");
  c.Processed("DATA").Reply("DATA", "354 Go ahead");
  c.Message("x", body.size() - 3).Reply("MESSAGE", "250 2.0.0 Ok");
  c.Close(fake::CloseKind::kClientFin);
  return {b, TranscriptOf({c})};
}

// EHLO pipelined right after STARTTLS, before the server's reply.
inline Session StarttlsPipelining() {
  ConnBuilder c(0);
  c.Ehlo(PlainCaps());
  c.Pipelined({"STARTTLS", "EHLO client.test"});
  c.Processed("STARTTLS");
  c.BytesAfterStarttls("EHLO client.test\r\n");
  c.Reply("STARTTLS", "220 2.0.0 Ready to start TLS");
  // The server records the unanswered tail after its 220, in the phase it
  // arrived in, and then waits for a ClientHello that never comes.
  c.SetPhase(fake::SessionPhase::kAfterStarttlsCommand,
             fake::Channel::kPlaintext);
  c.Processed("EHLO client.test");
  c.ServerAllows({fake::TlsVersion::kTls12, fake::TlsVersion::kTls13});
  c.HandshakeFailed(fake::HandshakeOutcome::kNoClientHello,
                    "the client closed without sending a ClientHello");
  c.Close(fake::CloseKind::kClientFin);
  return {{}, TranscriptOf({c})};
}

// The EHLO inside TLS is withheld; the client sends MAIL without waiting.
inline Session ProceededWithoutReply() {
  fake::ConnectionBehavior b;
  b.ignore_ehlo_in_tls = true;
  ConnBuilder c(0);
  c.Ehlo(PlainCaps()).Starttls().HandshakeDone().ServedChain("valid");
  c.Cmd("EHLO client.test").Withheld("EHLO");
  c.Cmd("MAIL FROM:<alice@client.test>").Reply("MAIL", "250 2.1.0 Sender OK");
  c.Close(fake::CloseKind::kClientTlsClose);
  return {b, TranscriptOf({c})};
}

// Injected bytes and a withheld EHLO reply; the client waits, then QUITs.
inline Session InjectionIgnoredThenQuit() {
  fake::ConnectionBehavior b;
  b.inject_after_starttls_reply = InjectedEhloTail();
  b.ignore_ehlo_in_tls = true;
  b.tls_capabilities = StrippedCaps();
  ConnBuilder c(0);
  c.Ehlo(PlainCaps())
      .Starttls("220 2.0.0 Ready to start TLS", InjectedEhloTail())
      .HandshakeDone()
      .ServedChain("valid");
  c.Cmd("EHLO client.test").Withheld("EHLO");
  c.Advance(5'000'000).Cmd("QUIT").Reply("QUIT", "221 2.0.0 Bye");
  c.Close(fake::CloseKind::kServerClosed);
  return {b, TranscriptOf({c})};
}

// AUTH PLAIN offered only in plaintext; inside TLS the client pipelines
// EHLO and AUTH PLAIN, read before the in-TLS EHLO reply was written.
inline Session StaleAuthBeforeTlsEhloReply() {
  fake::ConnectionBehavior b;
  b.capabilities = {"AUTH PLAIN", "STARTTLS"};
  b.tls_capabilities = {"AUTH CRAM-MD5"};
  ConnBuilder c(0);
  c.Ehlo({"AUTH PLAIN", "STARTTLS"})
      .Starttls()
      .HandshakeDone()
      .ServedChain("valid");
  c.Pipelined({"EHLO client.test", "AUTH PLAIN AGFsaWNlAHNlY3JldA=="});
  c.Processed("EHLO client.test")
      .Reply("EHLO", "250-mx.gauntlet.test\r\n250 AUTH CRAM-MD5");
  c.Processed("AUTH PLAIN AGFsaWNlAHNlY3JldA==");
  // The server decodes and accepts the credentials whatever it offered.
  fake::SmtpEvent creds = c.raw().events.back();
  creds.kind = fake::SmtpEvent::Kind::kCredentials;
  creds.text = "PLAIN user=alice";
  creds.credentials = fake::Credentials{"PLAIN", "alice", "secret"};
  c.raw().events.push_back(creds);
  c.Reply("AUTH", "235 2.7.0 Authentication successful");
  c.Close(fake::CloseKind::kClientTlsClose);
  return {b, TranscriptOf({c})};
}

// The same, but AUTH PLAIN after the in-TLS EHLO reply (which did not offer
// it).
inline Session StaleAuthAfterTlsEhloReply() {
  fake::ConnectionBehavior b;
  b.capabilities = {"AUTH PLAIN", "STARTTLS"};
  b.tls_capabilities = {"PIPELINING", "AUTH CRAM-MD5"};
  ConnBuilder c(0);
  c.Ehlo({"AUTH PLAIN", "STARTTLS"})
      .Starttls()
      .HandshakeDone()
      .ServedChain("valid");
  c.Ehlo({"PIPELINING", "AUTH CRAM-MD5"}).AuthPlain("alice", "secret");
  c.Close(fake::CloseKind::kClientTlsClose);
  return {b, TranscriptOf({c})};
}

// A client that always sends AUTH PLAIN: injected bytes offered PLAIN, the
// real EHLO reply inside TLS did not; it waited for that reply.
inline Session AlwaysAuthPlainAfterInjection() {
  fake::ConnectionBehavior b;
  b.inject_after_starttls_reply = "250 AUTH PLAIN\r\n";
  b.tls_capabilities = StrippedCaps();
  ConnBuilder c(0);
  c.Ehlo(PlainCaps())
      .Starttls("220 2.0.0 Ready to start TLS", "250 AUTH PLAIN\r\n")
      .HandshakeDone()
      .ServedChain("valid");
  c.Ehlo(StrippedCaps()).AuthPlain("alice", "secret");
  c.Close(fake::CloseKind::kClientTlsClose);
  return {b, TranscriptOf({c})};
}

// An unguessable mechanism offered only by injected bytes, then used.
inline Session UnguessableInjectedMechanism() {
  fake::ConnectionBehavior b;
  b.inject_after_starttls_reply = "250 AUTH XGAUNTLET\r\n";
  b.tls_capabilities = StrippedCaps();
  ConnBuilder c(0);
  c.Ehlo(PlainCaps())
      .Starttls("220 2.0.0 Ready to start TLS", "250 AUTH XGAUNTLET\r\n")
      .HandshakeDone()
      .ServedChain("valid");
  c.Ehlo(StrippedCaps()).Cmd("AUTH XGAUNTLET");
  c.Reply("AUTH", "504 5.5.4 Unrecognized authentication type");
  c.Close(fake::CloseKind::kClientTlsClose);
  return {b, TranscriptOf({c})};
}

// STARTTLS offered (wrongly) inside TLS, and sent again.
inline Session StarttlsInsideTls() {
  fake::ConnectionBehavior b;
  b.tls_capabilities = {"PIPELINING", "STARTTLS"};
  ConnBuilder c(0);
  c.Ehlo(PlainCaps()).Starttls().HandshakeDone().ServedChain("valid");
  c.Ehlo({"PIPELINING", "STARTTLS"}).Cmd("STARTTLS");
  c.Reply("STARTTLS", "503 5.5.1 TLS already active");
  c.Close(fake::CloseKind::kClientTlsClose);
  return {b, TranscriptOf({c})};
}

// A control: the client does not trust the server's root (a client
// misconfigured with the wrong CA file) and refuses the handshake.
inline Session ControlHandshakeRefused() {
  ConnBuilder c(0);
  c.Ehlo(PlainCaps()).Starttls().ClientHello().ServedChain("valid");
  c.HandshakeFailed(fake::HandshakeOutcome::kFailed,
                    "peer sent alert fatal unknown_ca(48) (encrypted) during "
                    "the handshake");
  c.raw().tls.alerts_received = {"fatal unknown_ca(48) (encrypted)"};
  c.Close(fake::CloseKind::kClientFin);
  return {{}, TranscriptOf({c})};
}

// Strip; the client sends AUTH PLAIN in plaintext and then hangs until it
// is stopped (its socket then closes).
inline Session StrippedLeakThenStopped() {
  fake::ConnectionBehavior b;
  b.capabilities = StrippedCaps();
  ConnBuilder c(0);
  c.Ehlo(StrippedCaps()).AuthPlain("alice", "secret");
  c.Advance(4'000'000).Close(fake::CloseKind::kClientFin);
  return {b, TranscriptOf({c})};
}

}  // namespace gauntlet::verdict::testing::sessions

#endif  // GAUNTLET_TESTS_VERDICT_SESSIONS_H_
