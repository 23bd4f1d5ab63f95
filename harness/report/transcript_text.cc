#include "harness/report/transcript_text.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/report/text_util.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "harness/report/escape.h"

namespace gauntlet::report {

using internal::Append;
using internal::Cat;
namespace {

// SNI and alerts come from the peer: escape them too.
std::string Esc(std::string_view s) { return EscapeBytesBounded(s, 120); }

std::string JoinEscaped(const std::vector<std::string>& items,
                        std::string_view empty) {
  if (items.empty()) return std::string(empty);
  std::vector<std::string> escaped;
  escaped.reserve(items.size());
  for (const std::string& s : items) escaped.push_back(Esc(s));
  return absl::StrJoin(escaped, " ");
}

// The phase a chunk on this channel normally has; anything else is shown.
bool NaturalPhase(fake::Channel channel, fake::SessionPhase phase) {
  switch (channel) {
    case fake::Channel::kPlaintext:
      return phase == fake::SessionPhase::kPlaintext;
    case fake::Channel::kTlsApp:
      return phase == fake::SessionPhase::kTls;
    case fake::Channel::kTlsRecords:
      return phase == fake::SessionPhase::kHandshake ||
             phase == fake::SessionPhase::kTls;
  }
  return false;
}

}  // namespace

std::string FormatServerTime(int64_t t_us) {
  if (t_us < 0) return "?";
  return absl::StrFormat("+%d.%03dms", t_us / 1000, t_us % 1000);
}

std::string FormatTlsFacts(const fake::TlsFacts& tls) {
  if (!tls.client_hello.has_value() &&
      tls.outcome == fake::HandshakeOutcome::kNotAttempted) {
    return "";
  }
  std::string line = "TLS:";
  if (tls.client_hello.has_value()) {
    const fake::ClientHelloFacts& hello = *tls.client_hello;
    Append(&line, " SNI ",
                    hello.sni.empty() ? "(none)" : Esc(hello.sni),
                    "; offered ", JoinEscaped(hello.offered_versions, "(none)"),
                    "; ");
  } else {
    Append(&line, " no ClientHello; ");
  }
  Append(&line, "outcome ",
                  fake::HandshakeOutcomeName(tls.outcome));
  if (!tls.failure.empty()) Append(&line, " (", Esc(tls.failure), ")");
  if (!tls.version.empty() || !tls.cipher.empty()) {
    Append(&line, "; negotiated ", Esc(tls.version), " ",
                    Esc(tls.cipher));
  }
  if (!tls.alerts_received.empty() || !tls.alerts_sent.empty()) {
    Append(&line, "; alerts received: ",
                    JoinEscaped(tls.alerts_received, "none"),
                    "; alerts sent: ", JoinEscaped(tls.alerts_sent, "none"));
  }
  return line;
}

std::string FormatTranscript(const fake::Transcript& transcript,
                             const TranscriptTextOptions& options) {
  const std::string& in = options.indent;
  std::string out;
  if (transcript.connections.empty()) {
    Append(&out, in, "(no connections)\n");
    return out;
  }
  for (const fake::ConnectionTranscript& c : transcript.connections) {
    Append(&out, in, "connection ", c.index, ": accepted ",
                    FormatServerTime(c.accepted_us), "\n");
    std::size_t shown = 0;
    for (const fake::WireChunk& chunk : c.wire) {
      if (shown == options.max_chunks) {
        Append(&out, in, "  ... ", c.wire.size() - shown,
                        " more chunks\n");
        break;
      }
      ++shown;
      const bool from_client =
          chunk.direction == fake::Direction::kClientToServer;
      std::string channel(fake::ChannelName(chunk.channel));
      if (!NaturalPhase(chunk.channel, chunk.phase)) {
        Append(&channel, "(", fake::PhaseName(chunk.phase), ")");
      }
      Append(&out, in, "  [", FormatServerTime(chunk.t_us), "] ",
                      from_client ? "C→S " : "S→C ",
                      absl::StrFormat("%-9s  ", channel),
                      EscapeBytesBounded(chunk.bytes, options.max_chunk_chars),
                      "\n");
    }
    const std::string tls = FormatTlsFacts(c.tls);
    if (!tls.empty()) Append(&out, in, "  ", tls, "\n");
    Append(&out, in, "  close: ", fake::CloseKindName(c.close));
    if (c.closed_us >= 0) {
      Append(&out, " at ", FormatServerTime(c.closed_us));
    }
    out += "\n";
  }
  return out;
}

}  // namespace gauntlet::report
