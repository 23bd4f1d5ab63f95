// Builds fake::Transcripts the way the fake server records them, for the
// verdict engine's unit tests.
//
// Each call appends the wire chunk(s) and the SMTP event(s) the server
// would record for one step of a session, with a server clock that advances
// 1 ms per step, and keeps the session phase and channel the server would
// stamp (plaintext, after STARTTLS, inside TLS, ...).

#ifndef GAUNTLET_TESTS_VERDICT_TRANSCRIPT_BUILDER_H_
#define GAUNTLET_TESTS_VERDICT_TRANSCRIPT_BUILDER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fake_servers/transcript.h"

namespace gauntlet::verdict::testing {

inline std::string VerbOf(std::string_view line) {
  std::string verb(line.substr(0, line.find(' ')));
  for (char& c : verb) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return verb;
}

class ConnBuilder {
 public:
  using Phase = fake::SessionPhase;
  using Channel = fake::Channel;

  explicit ConnBuilder(int index, int64_t start_us = 1000) : t_(start_us) {
    c_.index = index;
    c_.accepted_us = t_;
    Reply("GREETING", "220 mx.gauntlet.test ESMTP Gauntlet");
  }

  int64_t now() const { return t_; }
  ConnBuilder& Advance(int64_t us) {
    t_ += us;
    return *this;
  }
  ConnBuilder& SetPhase(Phase phase, Channel channel) {
    phase_ = phase;
    channel_ = channel;
    return *this;
  }

  // One client line in its own TCP segment, then the server's record of it.
  ConnBuilder& Cmd(const std::string& line) {
    Wire(fake::Direction::kClientToServer, line + "\r\n");
    // A TLS handshake record where the server reads plaintext.
    if (channel_ == Channel::kPlaintext && line.size() >= 2 &&
        line[0] == '\x16' && line[1] == '\x03' &&
        c_.tls_records_in_plaintext.empty()) {
      c_.tls_records_in_plaintext.push_back({t_, phase_});
    }
    read_t_ = t_;
    Event(fake::SmtpEvent::Kind::kCommand, VerbOf(line), line);
    t_ += 1000;
    return *this;
  }
  // Several client lines in one segment (read at one time); the server then
  // records them one by one as it processes them, each a little later.
  ConnBuilder& Pipelined(const std::vector<std::string>& lines) {
    std::string bytes;
    for (const std::string& l : lines) bytes += l + "\r\n";
    Wire(fake::Direction::kClientToServer, bytes);
    read_t_ = t_;
    return *this;
  }
  // The server's record of a line it read earlier (after Pipelined).
  ConnBuilder& Processed(const std::string& line) {
    t_ += 10;
    Event(fake::SmtpEvent::Kind::kCommand, VerbOf(line), line);
    return *this;
  }
  ConnBuilder& Reply(const std::string& verb, const std::string& text,
                     const std::string& injected = "") {
    Wire(fake::Direction::kServerToClient, text + "\r\n" + injected);
    fake::SmtpEvent ev = Make(fake::SmtpEvent::Kind::kReply, verb, text);
    ev.reply_code = std::stoi(text.substr(0, 3));
    c_.events.push_back(ev);
    if (!injected.empty()) {
      // The server records injected bytes as their own event.
      fake::SmtpEvent inj = Make(fake::SmtpEvent::Kind::kInjected, verb, injected);
      c_.events.push_back(inj);
    }
    t_ += 1000;
    return *this;
  }
  // The server decided never to answer `verb` (ignore_ehlo_in_tls).
  ConnBuilder& Withheld(const std::string& verb) {
    c_.events.push_back(Make(fake::SmtpEvent::Kind::kReplyWithheld, verb, ""));
    return *this;
  }
  ConnBuilder& Ehlo(const std::vector<std::string>& caps) {
    Cmd("EHLO client.test");
    std::string reply = "250";
    reply += caps.empty() ? " " : "-";
    reply += "mx.gauntlet.test";
    for (std::size_t i = 0; i < caps.size(); ++i) {
      reply += "\r\n250";
      reply += i + 1 == caps.size() ? " " : "-";
      reply += caps[i];
    }
    return Reply("EHLO", reply);
  }
  ConnBuilder& AuthPlain(const std::string& user, const std::string& password,
                         bool answer = true) {
    Cmd("AUTH PLAIN AGFsaWNlAHNlY3JldA==");
    // The server's record names the mechanism and the user.
    fake::SmtpEvent ev = Make(fake::SmtpEvent::Kind::kCredentials, "AUTH",
                              "PLAIN user=" + user);
    ev.credentials = fake::Credentials{"PLAIN", user, password};
    c_.events.push_back(ev);
    if (answer) Reply("AUTH", "235 2.7.0 Authentication successful");
    return *this;
  }
  // MAIL, RCPT, DATA, body and the final reply, each step answered.
  ConnBuilder& SendMessage(const std::string& subject = "gauntlet test") {
    Cmd("MAIL FROM:<alice@client.test>");
    Reply("MAIL", "250 2.1.0 Sender ok");
    Cmd("RCPT TO:<bob@gauntlet.test>");
    Reply("RCPT", "250 2.1.5 Recipient ok");
    Cmd("DATA");
    Reply("DATA", "354 End data with <CR><LF>.<CR><LF>");
    Body(subject);
    return Reply("MESSAGE", "250 2.0.0 Accepted");
  }
  // A DATA body in its own segment and the server's kMessage record.
  ConnBuilder& Body(const std::string& subject) {
    const std::string body =
        "Subject: " + subject + "\r\n\r\nhello\r\n.\r\n";
    Wire(fake::Direction::kClientToServer, body);
    read_t_ = t_;
    Message(subject, body.size() - 3);
    t_ += 1000;
    return *this;
  }
  ConnBuilder& Message(const std::string& subject, uint64_t size) {
    // The server's record holds the subject as its text.
    fake::SmtpEvent ev = Make(fake::SmtpEvent::Kind::kMessage, "DATA", subject);
    ev.message_size = size;
    ev.message_subject = subject;
    c_.events.push_back(ev);
    return *this;
  }
  // STARTTLS and the server's reply (with injected bytes in the same
  // write). A 220 moves to the handshake phase, anything else to
  // kAfterStarttlsRefused.
  ConnBuilder& Starttls(const std::string& reply =
                            "220 2.0.0 Ready to start TLS",
                        const std::string& injected = "") {
    Cmd("STARTTLS");
    Reply("STARTTLS", reply, injected);
    if (reply.rfind("220", 0) == 0) {
      SetPhase(Phase::kHandshake, Channel::kPlaintext);
    } else {
      SetPhase(Phase::kAfterStarttlsRefused, Channel::kPlaintext);
    }
    return *this;
  }
  ConnBuilder& ClientHello() {
    const Channel saved = channel_;
    channel_ = Channel::kTlsRecords;
    Wire(fake::Direction::kClientToServer, std::string("\x16\x03\x01\x00\x10", 5));
    channel_ = saved;
    c_.tls.client_hello = fake::ClientHelloFacts{
        "localhost", {"TLSv1.3", "TLSv1.2"}, {"TLS_AES_128_GCM_SHA256"}};
    // What a default server records when the handshake begins (unless
    // ServerAllows said otherwise).
    if (c_.tls.server_versions.empty()) {
      c_.tls.server_versions = {fake::TlsVersion::kTls12,
                                fake::TlsVersion::kTls13};
      c_.tls.server_ciphers = fake::CipherSet::kModern;
    }
    t_ += 1000;
    return *this;
  }
  ConnBuilder& HandshakeDone(const std::string& version = "TLSv1.3",
                             const std::string& cipher =
                                 "TLS_AES_128_GCM_SHA256") {
    ClientHello();
    const Channel saved = channel_;
    channel_ = Channel::kTlsRecords;
    Wire(fake::Direction::kServerToClient, std::string("\x16\x03\x03\x00\x7a", 5));
    channel_ = saved;
    c_.tls.outcome = fake::HandshakeOutcome::kCompleted;
    c_.tls.version = version;
    c_.tls.cipher = cipher;
    c_.tls.handshake_done_us = t_;
    t_ += 1000;
    return SetPhase(Phase::kTls, Channel::kTlsApp);
  }
  ConnBuilder& HandshakeFailed(fake::HandshakeOutcome outcome,
                               const std::string& failure) {
    c_.tls.outcome = outcome;
    c_.tls.failure = failure;
    return SetPhase(Phase::kAfterTlsFailure, Channel::kPlaintext);
  }
  // The chain the server served (recorded when it set up its side of the
  // handshake), as the test PKI describes the profile.
  ConnBuilder& ServedChain(const std::string& profile,
                           std::vector<fake::CertFlaw> flaws = {},
                           std::vector<std::string> names = {"localhost"},
                           const std::string& key_type = "ecdsa-p256",
                           int key_bits = 256,
                           const std::string& signature = "sha256") {
    fake::ServedCertificate cert;
    cert.profile = profile;
    cert.flaws = std::move(flaws);
    cert.names = std::move(names);
    cert.key_type = key_type;
    cert.key_bits = key_bits;
    cert.signature = signature;
    cert.t_us = t_;
    c_.tls.certificate = cert;
    return *this;
  }
  // What the server allowed (recorded when the handshake began).
  ConnBuilder& ServerAllows(std::vector<fake::TlsVersion> versions,
                            fake::CipherSet ciphers = fake::CipherSet::kModern) {
    c_.tls.server_versions = std::move(versions);
    c_.tls.server_ciphers = ciphers;
    return *this;
  }
  // A fault the server injected into the handshake.
  ConnBuilder& Fault(fake::TlsFault kind, fake::FaultPoint where,
                     const std::string& detail = "") {
    c_.tls.fault = fake::InjectedFault{kind, where, t_, detail};
    return *this;
  }
  ConnBuilder& Close(fake::CloseKind kind) {
    c_.close = kind;
    c_.closed_us = t_;
    t_ += 1000;
    return *this;
  }
  ConnBuilder& BytesAfterStarttls(const std::string& bytes) {
    c_.bytes_after_starttls += bytes;
    return *this;
  }
  // Raw access for shapes the helpers do not cover.
  fake::ConnectionTranscript& raw() { return c_; }
  fake::ConnectionTranscript Build() const { return c_; }

 private:
  void Wire(fake::Direction direction, const std::string& bytes) {
    fake::WireChunk chunk;
    chunk.t_us = t_;
    chunk.direction = direction;
    chunk.channel = channel_;
    chunk.phase = phase_;
    chunk.bytes = bytes;
    c_.wire.push_back(chunk);
  }
  fake::SmtpEvent Make(fake::SmtpEvent::Kind kind, const std::string& verb,
                       const std::string& text) const {
    fake::SmtpEvent ev;
    ev.kind = kind;
    ev.t_us = t_;
    // Client input carries the read time of its last byte: the time of the
    // wire chunk that held it (Cmd, Pipelined, Body).
    if (kind != fake::SmtpEvent::Kind::kReply &&
        kind != fake::SmtpEvent::Kind::kInjected &&
        kind != fake::SmtpEvent::Kind::kReplyWithheld &&
        kind != fake::SmtpEvent::Kind::kReplyDelayed) {
      ev.read_us = read_t_;
    }
    ev.phase = phase_;
    ev.channel = channel_;
    ev.verb = verb;
    ev.text = text;
    return ev;
  }
  void Event(fake::SmtpEvent::Kind kind, const std::string& verb,
             const std::string& text) {
    c_.events.push_back(Make(kind, verb, text));
  }

  fake::ConnectionTranscript c_;
  int64_t t_;
  int64_t read_t_ = -1;  // When the latest client chunk was read.
  Phase phase_ = Phase::kPlaintext;
  Channel channel_ = Channel::kPlaintext;
};

inline fake::Transcript TranscriptOf(std::vector<ConnBuilder> conns) {
  fake::Transcript t;
  for (const ConnBuilder& c : conns) t.connections.push_back(c.Build());
  return t;
}

}  // namespace gauntlet::verdict::testing

#endif  // GAUNTLET_TESTS_VERDICT_TRANSCRIPT_BUILDER_H_
