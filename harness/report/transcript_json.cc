#include "harness/report/transcript_json.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "harness/report/escape.h"
#include "harness/report/json_read.h"
#include "harness/report/text_util.h"

namespace gauntlet::report {
namespace {

using json = nlohmann::ordered_json;
using internal::Cat;
using internal::FieldReader;

std::string S(std::string_view s) { return std::string(s); }

// Server times in milliseconds with µs precision; null if unknown.
json Ms(int64_t us) {
  if (us < 0) return nullptr;
  return static_cast<double>(us) / 1000.0;
}

json TlsJson(const fake::TlsFacts& t) {
  json hello = nullptr;
  if (t.client_hello.has_value()) {
    hello = {{"sni", t.client_hello->sni},
             {"offered_versions", t.client_hello->offered_versions},
             {"offered_suites", t.client_hello->offered_suites}};
  }
  json versions = json::array();
  for (const fake::TlsVersion v : t.server_versions) {
    versions.push_back(S(fake::TlsVersionName(v)));
  }
  json cert = nullptr;
  if (t.certificate.has_value()) {
    json flaws = json::array();
    for (const fake::CertFlaw f : t.certificate->flaws) {
      flaws.push_back(S(fake::CertFlawName(f)));
    }
    cert = {{"profile", EscapeBytes(t.certificate->profile)},
            {"flaws", std::move(flaws)},
            {"names", t.certificate->names},
            {"key_type", EscapeBytes(t.certificate->key_type)},
            {"key_bits", t.certificate->key_bits},
            {"signature", EscapeBytes(t.certificate->signature)},
            {"t_ms", Ms(t.certificate->t_us)}};
  }
  json fault = nullptr;
  if (t.fault.has_value()) {
    fault = {{"kind", S(fake::TlsFaultName(t.fault->kind))},
             {"where", S(fake::FaultPointName(t.fault->where))},
             {"t_ms", Ms(t.fault->t_us)},
             {"detail", EscapeBytes(t.fault->detail)}};
  }
  return json{
      {"client_hello", std::move(hello)},
      {"outcome", S(fake::HandshakeOutcomeName(t.outcome))},
      {"failure", t.failure},
      {"version", t.version},
      {"cipher", t.cipher},
      {"alerts_received", t.alerts_received},
      {"alerts_sent", t.alerts_sent},
      {"handshake_done_ms", Ms(t.handshake_done_us)},
      {"server_versions", std::move(versions)},
      {"server_ciphers", t.server_ciphers
                             ? json(S(fake::CipherSetName(*t.server_ciphers)))
                             : json(nullptr)},
      {"certificate", std::move(cert)},
      {"fault", std::move(fault)}};
}

json TranscriptJsonImpl(const fake::Transcript& t) {
  json conns = json::array();
  for (const fake::ConnectionTranscript& c : t.connections) {
    json events = json::array();
    for (const fake::SmtpEvent& e : c.events) {
      json ej = {{"kind", S(fake::SmtpEventKindName(e.kind))},
                 {"t_ms", Ms(e.t_us)},
                 {"phase", S(fake::PhaseName(e.phase))},
                 {"channel", S(fake::ChannelName(e.channel))},
                 {"verb", EscapeBytes(e.verb)},
                 {"text", EscapeBytes(e.text)}};
      if (e.kind == fake::SmtpEvent::Kind::kReply) {
        ej["reply_code"] = e.reply_code;
      }
      if (e.read_us >= 0) ej["read_ms"] = Ms(e.read_us);
      if (e.kind == fake::SmtpEvent::Kind::kReplyDelayed) {
        ej["delay_ms"] = Ms(e.delay_us);
      }
      if (e.credentials.has_value()) {
        ej["credentials"] = {
            {"mechanism", EscapeBytes(e.credentials->mechanism)},
            {"user", EscapeBytes(e.credentials->user)}};
      }
      if (e.kind == fake::SmtpEvent::Kind::kMessage) {
        ej["message_size"] = e.message_size;
        ej["message_subject"] = EscapeBytes(e.message_subject);
      }
      events.push_back(std::move(ej));
    }
    json wire = json::array();
    for (const fake::WireChunk& w : c.wire) {
      wire.push_back(
          {{"t_ms", Ms(w.t_us)},
           {"dir",
            w.direction == fake::Direction::kClientToServer ? "c2s" : "s2c"},
           {"channel", S(fake::ChannelName(w.channel))},
           {"phase", S(fake::PhaseName(w.phase))},
           {"bytes", EscapeBytes(w.bytes)},
           {"bytes_b64", absl::Base64Escape(absl::string_view(
                             w.bytes.data(), w.bytes.size()))}});
    }
    json records = json::array();
    for (const fake::TlsRecordInPlaintext& r : c.tls_records_in_plaintext) {
      records.push_back(
          {{"t_ms", Ms(r.t_us)}, {"phase", S(fake::PhaseName(r.phase))}});
    }
    conns.push_back(
        {{"index", c.index},
         {"accepted_ms", Ms(c.accepted_us)},
         {"closed_ms", Ms(c.closed_us)},
         {"close", S(fake::CloseKindName(c.close))},
         {"bytes_after_starttls", EscapeBytes(c.bytes_after_starttls)},
         {"tls", TlsJson(c.tls)},
         {"tls_records_in_plaintext", std::move(records)},
         {"events", std::move(events)},
         {"wire", std::move(wire)}});
  }
  return json{{"connections", std::move(conns)}};
}

constexpr int64_t kMaxInt = std::numeric_limits<int64_t>::max();
constexpr int64_t kMaxConnections = 1 << 20;

absl::StatusOr<fake::SmtpEvent> EventFromJson(const FieldReader& f) {
  fake::SmtpEvent e;
  GAUNTLET_ASSIGN_OR_RETURN(
      e.kind, f.Enum("kind", &fake::SmtpEventKindFromName, "event kind"));
  GAUNTLET_ASSIGN_OR_RETURN(e.t_us, f.Micros("t_ms"));
  GAUNTLET_ASSIGN_OR_RETURN(e.phase,
                            f.Enum("phase", &fake::PhaseFromName, "phase"));
  GAUNTLET_ASSIGN_OR_RETURN(
      e.channel, f.Enum("channel", &fake::ChannelFromName, "channel"));
  GAUNTLET_ASSIGN_OR_RETURN(e.verb, f.EscapedBytes("verb"));
  GAUNTLET_ASSIGN_OR_RETURN(e.text, f.EscapedBytes("text"));
  if (e.kind == fake::SmtpEvent::Kind::kReply) {
    GAUNTLET_ASSIGN_OR_RETURN(const int64_t code, f.Int("reply_code", 0, 999));
    e.reply_code = static_cast<int>(code);
  }
  if (f.Has("read_ms")) {
    GAUNTLET_ASSIGN_OR_RETURN(e.read_us, f.Micros("read_ms"));
  }
  if (e.kind == fake::SmtpEvent::Kind::kReplyDelayed) {
    GAUNTLET_ASSIGN_OR_RETURN(e.delay_us, f.Micros("delay_ms"));
  }
  if (f.Has("credentials")) {
    GAUNTLET_ASSIGN_OR_RETURN(const FieldReader c, f.Object("credentials"));
    fake::Credentials creds;
    GAUNTLET_ASSIGN_OR_RETURN(creds.mechanism, c.EscapedBytes("mechanism"));
    GAUNTLET_ASSIGN_OR_RETURN(creds.user, c.EscapedBytes("user"));
    e.credentials = std::move(creds);
  }
  if (e.kind == fake::SmtpEvent::Kind::kMessage) {
    GAUNTLET_ASSIGN_OR_RETURN(const int64_t size,
                              f.Int("message_size", 0, kMaxInt));
    e.message_size = static_cast<uint64_t>(size);
    GAUNTLET_ASSIGN_OR_RETURN(e.message_subject,
                              f.EscapedBytes("message_subject"));
  }
  return e;
}

absl::StatusOr<fake::WireChunk> WireFromJson(const FieldReader& f) {
  fake::WireChunk w;
  GAUNTLET_ASSIGN_OR_RETURN(w.t_us, f.Micros("t_ms"));
  GAUNTLET_ASSIGN_OR_RETURN(const std::string dir, f.String("dir"));
  if (dir == "c2s") {
    w.direction = fake::Direction::kClientToServer;
  } else if (dir == "s2c") {
    w.direction = fake::Direction::kServerToClient;
  } else {
    return f.Bad("dir", Cat("unknown direction \"", dir, "\""));
  }
  GAUNTLET_ASSIGN_OR_RETURN(
      w.channel, f.Enum("channel", &fake::ChannelFromName, "channel"));
  GAUNTLET_ASSIGN_OR_RETURN(w.phase,
                            f.Enum("phase", &fake::PhaseFromName, "phase"));
  // "bytes" is the readable copy; "bytes_b64" is exact.
  GAUNTLET_ASSIGN_OR_RETURN(w.bytes, f.Base64("bytes_b64"));
  return w;
}

absl::StatusOr<fake::TlsFacts> TlsFromJson(const FieldReader& f) {
  fake::TlsFacts t;
  if (!f.IsNull("client_hello")) {
    GAUNTLET_ASSIGN_OR_RETURN(const FieldReader h, f.Object("client_hello"));
    fake::ClientHelloFacts hello;
    GAUNTLET_ASSIGN_OR_RETURN(hello.sni, h.String("sni"));
    GAUNTLET_ASSIGN_OR_RETURN(hello.offered_versions,
                              h.Strings("offered_versions"));
    GAUNTLET_ASSIGN_OR_RETURN(hello.offered_suites,
                              h.Strings("offered_suites"));
    t.client_hello = std::move(hello);
  }
  GAUNTLET_ASSIGN_OR_RETURN(
      t.outcome,
      f.Enum("outcome", &fake::HandshakeOutcomeFromName, "handshake outcome"));
  GAUNTLET_ASSIGN_OR_RETURN(t.failure, f.String("failure"));
  GAUNTLET_ASSIGN_OR_RETURN(t.version, f.String("version"));
  GAUNTLET_ASSIGN_OR_RETURN(t.cipher, f.String("cipher"));
  GAUNTLET_ASSIGN_OR_RETURN(t.alerts_received, f.Strings("alerts_received"));
  GAUNTLET_ASSIGN_OR_RETURN(t.alerts_sent, f.Strings("alerts_sent"));
  GAUNTLET_ASSIGN_OR_RETURN(t.handshake_done_us, f.Micros("handshake_done_ms"));
  GAUNTLET_ASSIGN_OR_RETURN(const std::vector<std::string> versions,
                            f.Strings("server_versions"));
  for (std::size_t i = 0; i < versions.size(); ++i) {
    std::optional<fake::TlsVersion> v = fake::TlsVersionFromName(versions[i]);
    if (!v.has_value()) {
      return f.Bad(Cat("server_versions/", i),
                   Cat("unknown TLS version \"", versions[i], "\""));
    }
    t.server_versions.push_back(*v);
  }
  if (!f.IsNull("server_ciphers")) {
    GAUNTLET_ASSIGN_OR_RETURN(
        t.server_ciphers,
        f.Enum("server_ciphers", &fake::CipherSetFromName, "cipher set"));
  }
  if (!f.IsNull("certificate")) {
    GAUNTLET_ASSIGN_OR_RETURN(const FieldReader c, f.Object("certificate"));
    fake::ServedCertificate cert;
    GAUNTLET_ASSIGN_OR_RETURN(cert.profile, c.EscapedBytes("profile"));
    GAUNTLET_ASSIGN_OR_RETURN(const std::vector<std::string> flaws,
                              c.Strings("flaws"));
    for (std::size_t i = 0; i < flaws.size(); ++i) {
      std::optional<fake::CertFlaw> flaw = fake::CertFlawFromName(flaws[i]);
      if (!flaw.has_value()) {
        return c.Bad(Cat("flaws/", i),
                     Cat("unknown certificate flaw \"", flaws[i], "\""));
      }
      cert.flaws.push_back(*flaw);
    }
    GAUNTLET_ASSIGN_OR_RETURN(cert.names, c.Strings("names"));
    GAUNTLET_ASSIGN_OR_RETURN(cert.key_type, c.EscapedBytes("key_type"));
    GAUNTLET_ASSIGN_OR_RETURN(const int64_t bits,
                              c.Int("key_bits", 0, 1 << 20));
    cert.key_bits = static_cast<int>(bits);
    GAUNTLET_ASSIGN_OR_RETURN(cert.signature, c.EscapedBytes("signature"));
    GAUNTLET_ASSIGN_OR_RETURN(cert.t_us, c.Micros("t_ms"));
    t.certificate = std::move(cert);
  }
  if (!f.IsNull("fault")) {
    GAUNTLET_ASSIGN_OR_RETURN(const FieldReader g, f.Object("fault"));
    fake::InjectedFault fault;
    GAUNTLET_ASSIGN_OR_RETURN(
        fault.kind, g.Enum("kind", &fake::TlsFaultFromName, "TLS fault"));
    GAUNTLET_ASSIGN_OR_RETURN(
        fault.where, g.Enum("where", &fake::FaultPointFromName, "fault point"));
    GAUNTLET_ASSIGN_OR_RETURN(fault.t_us, g.Micros("t_ms"));
    GAUNTLET_ASSIGN_OR_RETURN(fault.detail, g.EscapedBytes("detail"));
    t.fault = std::move(fault);
  }
  return t;
}

absl::StatusOr<fake::ConnectionTranscript> ConnectionFromJson(
    const FieldReader& f) {
  fake::ConnectionTranscript c;
  GAUNTLET_ASSIGN_OR_RETURN(const int64_t index,
                            f.Int("index", 0, kMaxConnections));
  c.index = static_cast<int>(index);
  GAUNTLET_ASSIGN_OR_RETURN(c.accepted_us, f.Micros("accepted_ms"));
  GAUNTLET_ASSIGN_OR_RETURN(c.closed_us, f.Micros("closed_ms"));
  GAUNTLET_ASSIGN_OR_RETURN(
      c.close, f.Enum("close", &fake::CloseKindFromName, "close kind"));
  GAUNTLET_ASSIGN_OR_RETURN(c.bytes_after_starttls,
                            f.EscapedBytes("bytes_after_starttls"));
  GAUNTLET_ASSIGN_OR_RETURN(const FieldReader tls, f.Object("tls"));
  GAUNTLET_ASSIGN_OR_RETURN(c.tls, TlsFromJson(tls));
  GAUNTLET_ASSIGN_OR_RETURN(const nlohmann::json* records,
                            f.Array("tls_records_in_plaintext"));
  for (std::size_t i = 0; i < records->size(); ++i) {
    GAUNTLET_ASSIGN_OR_RETURN(
        const FieldReader r,
        f.Element("tls_records_in_plaintext", (*records)[i], i));
    fake::TlsRecordInPlaintext record;
    GAUNTLET_ASSIGN_OR_RETURN(record.t_us, r.Micros("t_ms"));
    GAUNTLET_ASSIGN_OR_RETURN(record.phase,
                              r.Enum("phase", &fake::PhaseFromName, "phase"));
    c.tls_records_in_plaintext.push_back(record);
  }
  GAUNTLET_ASSIGN_OR_RETURN(const nlohmann::json* events, f.Array("events"));
  c.events.reserve(events->size());
  for (std::size_t i = 0; i < events->size(); ++i) {
    GAUNTLET_ASSIGN_OR_RETURN(const FieldReader e,
                              f.Element("events", (*events)[i], i));
    GAUNTLET_ASSIGN_OR_RETURN(fake::SmtpEvent event, EventFromJson(e));
    c.events.push_back(std::move(event));
  }
  GAUNTLET_ASSIGN_OR_RETURN(const nlohmann::json* wire, f.Array("wire"));
  c.wire.reserve(wire->size());
  for (std::size_t i = 0; i < wire->size(); ++i) {
    GAUNTLET_ASSIGN_OR_RETURN(const FieldReader w,
                              f.Element("wire", (*wire)[i], i));
    GAUNTLET_ASSIGN_OR_RETURN(fake::WireChunk chunk, WireFromJson(w));
    c.wire.push_back(std::move(chunk));
  }
  return c;
}

}  // namespace

nlohmann::ordered_json TranscriptToJson(const fake::Transcript& transcript) {
  return TranscriptJsonImpl(transcript);
}

absl::StatusOr<fake::Transcript> TranscriptFromJson(const nlohmann::json& value,
                                                    std::string_view source,
                                                    std::string_view pointer) {
  GAUNTLET_ASSIGN_OR_RETURN(
      const FieldReader f,
      FieldReader::Of(value, source, std::string(pointer)));
  GAUNTLET_ASSIGN_OR_RETURN(const nlohmann::json* conns,
                            f.Array("connections"));
  if (conns->size() > static_cast<std::size_t>(kMaxConnections)) {
    return f.Bad("connections", "too many connections");
  }
  fake::Transcript t;
  t.connections.reserve(conns->size());
  for (std::size_t i = 0; i < conns->size(); ++i) {
    GAUNTLET_ASSIGN_OR_RETURN(const FieldReader c,
                              f.Element("connections", (*conns)[i], i));
    GAUNTLET_ASSIGN_OR_RETURN(fake::ConnectionTranscript conn,
                              ConnectionFromJson(c));
    t.connections.push_back(std::move(conn));
  }
  return t;
}

}  // namespace gauntlet::report
