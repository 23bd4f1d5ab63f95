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
  c.Cmd("QUIT").Reply("QUIT", "221 2.0.0 Bye").Close(
      fake::CloseKind::kServerClosed);
  return {{}, TranscriptOf({c})};
}

// Strip: no STARTTLS offered, the client goes on in plaintext.
inline Session StrippedAndLeaked() {
  fake::ConnectionBehavior b;
  b.capabilities = StrippedCaps();
  ConnBuilder c(0);
  c.Ehlo(StrippedCaps()).AuthPlain("alice", "secret").SendMessage();
  c.Cmd("QUIT").Reply("QUIT", "221 2.0.0 Bye").Close(
      fake::CloseKind::kServerClosed);
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
  c.Cmd("QUIT").Reply("QUIT", "221 2.0.0 Bye").Close(
      fake::CloseKind::kServerClosed);
  return {b, TranscriptOf({c})};
}

// An expired certificate; the client completes the handshake and closes
// TLS without sending anything.
inline Session ExpiredClosedAfterHandshake() {
  fake::ConnectionBehavior b;
  b.cert = pki::CertProfile::kExpired;
  ConnBuilder c(0);
  c.Ehlo(PlainCaps()).Starttls().HandshakeDone().ServedChain(
      "expired", {fake::CertFlaw::kExpired});
  c.Close(fake::CloseKind::kClientTlsClose);
  return {b, TranscriptOf({c})};
}

// An expired certificate; the client goes on inside TLS.
inline Session ExpiredEhloInside() {
  fake::ConnectionBehavior b;
  b.cert = pki::CertProfile::kExpired;
  ConnBuilder c(0);
  c.Ehlo(PlainCaps()).Starttls().HandshakeDone().ServedChain(
      "expired", {fake::CertFlaw::kExpired});
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

// The EHLO inside TLS is withheld; the client waits (and is stopped at the
// limit: the connection is still open when the transcript is taken).
inline Session WaitingForWithheldEhlo() {
  fake::ConnectionBehavior b;
  b.ignore_ehlo_in_tls = true;
  ConnBuilder c(0);
  c.Ehlo(PlainCaps()).Starttls().HandshakeDone().ServedChain("valid");
  c.Cmd("EHLO client.test").Withheld("EHLO");
  return {b, TranscriptOf({c})};
}

// strip/starttls-malformed-reply: a STARTTLS reply with no code; the client
// waits for a real one.
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
  c.HandshakeFailed(fake::HandshakeOutcome::kNotTls, "");
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

// The handshake stalls after the ClientHello; the client waits forever
// (still open when the transcript is taken).
inline Session StalledHandshake() {
  fake::ConnectionBehavior b;
  b.handshake_fault = fake::HandshakeFault::kStall;
  ConnBuilder c(0);
  c.Ehlo(PlainCaps()).Starttls().ClientHello();
  c.Fault(fake::TlsFault::kStall, fake::FaultPoint::kAfterClientHello);
  c.raw().tls.outcome = fake::HandshakeOutcome::kFaultInjected;
  return {b, TranscriptOf({c})};
}

}  // namespace gauntlet::verdict::testing::sessions

#endif  // GAUNTLET_TESTS_VERDICT_SESSIONS_H_
