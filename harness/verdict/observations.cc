#include "harness/verdict/observations.h"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fake_servers/behavior.h"
#include "fake_servers/pki/cert_profile.h"
#include "fake_servers/transcript.h"
#include "harness/verdict/excerpt.h"

namespace gauntlet::verdict {
namespace {

using fake::Channel;
using fake::Direction;
using fake::SessionPhase;
using Kind = fake::SmtpEvent::Kind;

// Client lines are searched for in the client's byte stream no further than
// this past the previous match, and a DATA body's end no further than
// kMaxBodySearch: the cost of ObserveRun stays linear in practice whatever a
// hostile client sent.
constexpr std::size_t kMaxLineSearch = 64 * 1024;
constexpr std::size_t kMaxBodySearch = 16 * 1024 * 1024;
// How many events after a command are searched for the reply labelled with
// its verb; past that the first reply of any kind is used, which is never
// later and so never invents a violation.
constexpr std::size_t kMaxReplyScan = 4096;

std::string Upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::vector<std::string_view> SplitWords(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

const fake::ConnectionBehavior& BehaviorFor(const fake::ServerBehavior& b,
                                            std::size_t index) {
  // Same rule as ServerBehavior::ForConnection, kept here so that the pure
  // core needs no server library.
  static const fake::ConnectionBehavior kDefault;
  if (b.connections.empty()) return kDefault;
  return b.connections[std::min(index, b.connections.size() - 1)];
}

// Capability tokens of reply lines: upper-cased keywords, plus
// "AUTH=<MECH>" for each AUTH mechanism (standard and "AUTH=" forms).
void AddCapabilityTokens(std::string_view reply_text, bool skip_first_line,
                         std::set<std::string>& tokens) {
  bool first = true;
  for (std::string_view line : SplitLines(reply_text)) {
    const bool skip = first && skip_first_line;
    first = false;
    if (skip) continue;
    // "250-KEYWORD params" or "250 KEYWORD params"; anything shorter or
    // without a code carries no capability.
    if (line.size() < 4 || !std::isdigit(static_cast<unsigned char>(line[0])) ||
        !std::isdigit(static_cast<unsigned char>(line[1])) ||
        !std::isdigit(static_cast<unsigned char>(line[2])) ||
        (line[3] != '-' && line[3] != ' ')) {
      continue;
    }
    std::vector<std::string_view> words = SplitWords(line.substr(4));
    if (words.empty()) continue;
    std::string keyword = Upper(words[0]);
    if (keyword.rfind("AUTH=", 0) == 0) {
      tokens.insert("AUTH");
      if (keyword.size() > 5) tokens.insert(keyword);
      for (std::size_t i = 1; i < words.size(); ++i) {
        tokens.insert("AUTH=" + Upper(words[i]));
      }
      continue;
    }
    tokens.insert(keyword);
    if (keyword == "AUTH") {
      for (std::size_t i = 1; i < words.size(); ++i) {
        tokens.insert("AUTH=" + Upper(words[i]));
      }
    }
  }
}

// A service extension a command relies on: the token that must have been
// advertised, and how to name it in a sentence.
struct UsedCapability {
  std::string token;
  std::string name;
};

std::vector<UsedCapability> CapabilitiesUsedBy(const fake::SmtpEvent& ev) {
  std::vector<UsedCapability> used;
  const std::vector<std::string_view> words = SplitWords(ev.text);
  if (ev.verb == "AUTH") {
    if (words.size() >= 2) {
      const std::string mech = Upper(words[1]);
      used.push_back({"AUTH=" + mech, "AUTH " + mech});
    }
  } else if (ev.verb == "BDAT") {
    used.push_back({"CHUNKING", "CHUNKING (BDAT)"});
  } else if (ev.verb == "MAIL" || ev.verb == "RCPT") {
    // Parameters follow the path; "MAIL FROM:<a> SIZE=1 BODY=8BITMIME".
    for (std::size_t i = 1; i < words.size(); ++i) {
      const std::string param = Upper(words[i]);
      if (param.rfind("FROM:", 0) == 0 || param.rfind("TO:", 0) == 0) continue;
      if (param.rfind("SIZE=", 0) == 0) {
        used.push_back({"SIZE", "SIZE"});
      } else if (param == "BODY=8BITMIME") {
        used.push_back({"8BITMIME", "8BITMIME"});
      } else if (param == "BODY=BINARYMIME") {
        used.push_back({"BINARYMIME", "BINARYMIME"});
      } else if (param == "SMTPUTF8") {
        used.push_back({"SMTPUTF8", "SMTPUTF8"});
      } else if (param == "REQUIRETLS") {
        used.push_back({"REQUIRETLS", "REQUIRETLS"});
      }
    }
  }
  return used;
}

// True if bytes start a TLS handshake record (content type 22, major
// version 3).
bool IsTlsHandshakeRecord(std::string_view bytes) {
  return bytes.size() >= 2 && bytes[0] == '\x16' && bytes[1] == '\x03';
}

// True if the client's first bytes after a STARTTLS reply that did not start
// TLS (a 220 after which the server stayed in plaintext) were a TLS record:
// the client began its handshake, as it should. The plaintext server frames
// that binary record into junk "command lines" at every LF byte; they are
// the client's ClientHello, not plaintext SMTP.
bool ClientStartedTlsAfterReply(const fake::ConnectionTranscript& conn) {
  for (const fake::WireChunk& chunk : conn.wire) {
    if (chunk.direction == Direction::kClientToServer &&
        chunk.phase == SessionPhase::kAfterStarttlsRefused &&
        !chunk.bytes.empty()) {
      return IsTlsHandshakeRecord(chunk.bytes);
    }
  }
  return false;
}

bool IsSmtpVerb(std::string_view verb) {
  static constexpr std::string_view kVerbs[] = {
      "EHLO", "HELO", "LHLO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA",
      "BDAT", "RSET", "NOOP", "QUIT", "VRFY", "EXPN", "HELP"};
  return std::find(std::begin(kVerbs), std::end(kVerbs), verb) !=
         std::end(kVerbs);
}

bool IsClientLineKind(Kind kind) {
  return kind == Kind::kCommand || kind == Kind::kAuthData ||
         kind == Kind::kBadLine;
}

std::string LineVerb(const fake::SmtpEvent& ev) {
  switch (ev.kind) {
    case Kind::kCommand:
      return Upper(ev.verb);
    case Kind::kAuthData:
      return "AUTH-DATA";
    case Kind::kMessage:
      return "MESSAGE";
    case Kind::kBadLine:
      return "BAD-LINE";
    case Kind::kCredentials:
      return "AUTH";
    case Kind::kReply:
      break;
  }
  return "REPLY";
}

bool IsClientClose(fake::CloseKind close) {
  return close == fake::CloseKind::kClientFin ||
         close == fake::CloseKind::kClientReset ||
         close == fake::CloseKind::kClientTlsClose ||
         close == fake::CloseKind::kTlsTruncated;
}

// The client's SMTP bytes (plaintext and decrypted) of one connection, with
// the server's read time of each piece.
class ClientStream {
 public:
  explicit ClientStream(const fake::ConnectionTranscript& conn) {
    for (const fake::WireChunk& chunk : conn.wire) {
      if (chunk.direction != Direction::kClientToServer) continue;
      if (chunk.channel == Channel::kTlsRecords) continue;
      if (chunk.bytes.empty()) continue;
      pieces_.push_back({bytes_.size(), chunk.t_us});
      bytes_ += chunk.bytes;
    }
  }

  const std::string& bytes() const { return bytes_; }

  // Read time of the chunk holding byte `offset`.
  int64_t ArrivalAt(std::size_t offset) const {
    auto it = std::upper_bound(
        pieces_.begin(), pieces_.end(), offset,
        [](std::size_t off, const Piece& p) { return off < p.offset; });
    if (it == pieces_.begin()) return -1;
    return std::prev(it)->t_us;
  }

  // Offset of `line` as a whole line at or after `from`, within the search
  // window; npos if absent.
  std::size_t FindLine(std::string_view line, std::size_t from) const {
    if (line.empty() || from >= bytes_.size()) return std::string::npos;
    const std::size_t limit =
        std::min(bytes_.size(), from + kMaxLineSearch + line.size());
    const std::string_view hay = std::string_view(bytes_).substr(0, limit);
    std::size_t pos = hay.find(line, from);
    while (pos != std::string_view::npos) {
      const bool starts = pos == 0 || hay[pos - 1] == '\n';
      const std::size_t end = pos + line.size();
      const bool ends = end == bytes_.size() || bytes_[end] == '\r' ||
                        bytes_[end] == '\n';
      if (starts && ends) return pos;
      pos = hay.find(line, pos + 1);
    }
    return std::string::npos;
  }

  // Offset just past the LF that ends the line starting at `pos`.
  std::size_t LineEnd(std::size_t pos) const {
    const std::size_t lf = bytes_.find('\n', pos);
    return lf == std::string::npos ? bytes_.size() : lf + 1;
  }

  // Offset just past a DATA body's "CRLF.CRLF" starting at `pos`.
  std::size_t BodyEnd(std::size_t pos) const {
    if (pos >= bytes_.size()) return bytes_.size();
    // A body may be empty: the terminator then starts at `pos` itself.
    if (std::string_view(bytes_).substr(pos).rfind(".\r\n", 0) == 0) {
      return pos + 3;
    }
    const std::size_t limit = std::min(bytes_.size(), pos + kMaxBodySearch);
    const std::size_t end =
        std::string_view(bytes_).substr(0, limit).find("\r\n.\r\n", pos);
    return end == std::string::npos ? bytes_.size() : end + 5;
  }

 private:
  struct Piece {
    std::size_t offset;
    int64_t t_us;
  };
  std::string bytes_;
  std::vector<Piece> pieces_;
};

std::string DescribeCertProfile(pki::CertProfile profile) {
  switch (profile) {
    case pki::CertProfile::kValid:
      return "a valid certificate";
    case pki::CertProfile::kExpired:
      return "an expired certificate";
    case pki::CertProfile::kExpiredSeconds:
      return "a certificate that expired seconds ago";
    case pki::CertProfile::kNotYetValid:
      return "a certificate that is not yet valid";
    case pki::CertProfile::kWrongHost:
      return "a certificate for another host name";
    case pki::CertProfile::kWildcardMismatch:
      return "a wildcard certificate that does not match the host name";
    case pki::CertProfile::kSelfSigned:
      return "a self-signed certificate";
    case pki::CertProfile::kUnknownRoot:
      return "a certificate from an untrusted root";
    case pki::CertProfile::kMissingIntermediate:
      return "a certificate whose chain lacks its intermediate";
    case pki::CertProfile::kCommonNameOnly:
      return "a certificate naming the host only in its CN (no SAN)";
    case pki::CertProfile::kLeafIsCa:
      return "a CA certificate used as the server certificate";
    case pki::CertProfile::kIntermediateNotCa:
      return "a certificate issued by a non-CA intermediate";
    case pki::CertProfile::kWrongEku:
      return "a certificate not valid for TLS servers (clientAuth EKU)";
    case pki::CertProfile::kRsa1024:
      return "a certificate with an RSA-1024 key";
    case pki::CertProfile::kSha1Signature:
      return "a SHA-1-signed certificate";
    case pki::CertProfile::kExpiredIntermediate:
      return "a certificate whose intermediate has expired";
  }
  return "a bad certificate";
}

std::vector<Refusal> RefusalsFor(const fake::ConnectionTranscript& conn,
                                 const fake::ConnectionBehavior& beh) {
  std::vector<Refusal> refusals;
  if (beh.cert != pki::CertProfile::kValid) {
    refusals.push_back(
        {RefusalReason::kBadCertificate, DescribeCertProfile(beh.cert)});
  }
  const std::string version = conn.tls.version;
  const bool old_version = version == "TLSv1.1" || version == "TLSv1" ||
                           version == "TLSv1.0" || version == "SSLv3" ||
                           (version.empty() &&
                            beh.tls_versions == fake::TlsVersions::kTls11Only);
  if (old_version) {
    refusals.push_back({RefusalReason::kOldVersion,
                        version.empty() ? std::string("TLS 1.1") : version});
  }
  const std::string cipher = Upper(conn.tls.cipher);
  const std::string cipher_name =
      conn.tls.cipher.empty() ? std::string("the server's weak-only suite")
                              : "the weak suite " + Excerpt(conn.tls.cipher, 80);
  if (cipher.find("NULL") != std::string::npos) {
    refusals.push_back({RefusalReason::kNullCipher,
                        "the NULL suite " + Excerpt(conn.tls.cipher, 80) +
                            " (no encryption)"});
  } else if (cipher.find("3DES") != std::string::npos ||
             cipher.find("DES-CBC3") != std::string::npos ||
             cipher.find("DES_CBC") != std::string::npos ||
             cipher.find("RC4") != std::string::npos ||
             cipher.find("EXPORT") != std::string::npos ||
             cipher.find("ANON") != std::string::npos ||
             beh.cipher_policy == fake::CipherPolicy::kWeakOnly) {
    refusals.push_back({RefusalReason::kWeakCipher, cipher_name});
  }
  return refusals;
}

ClientLine MakeLine(int conn, const fake::SmtpEvent& ev, int64_t t_us) {
  ClientLine line;
  line.evidence.connection = conn;
  line.evidence.t_us = t_us;
  line.evidence.excerpt = Excerpt(ev.text);
  line.verb = LineVerb(ev);
  line.phase = ev.phase;
  line.in_tls = ev.channel == Channel::kTlsApp;
  return line;
}

// Everything ObserveRun needs to know about earlier connections when it
// attributes a plaintext line on a later one.
struct PriorStarttls {
  int connection = -1;  // Latest earlier connection that sent STARTTLS.
};

void SetCause(const ConnectionFacts& facts, bool saw_plain_ehlo_reply,
              const PriorStarttls& prior, ClientLine& line) {
  if (line.in_tls) return;
  switch (line.phase) {
    case SessionPhase::kAfterStarttlsCommand:
      line.cause = PlaintextCause::kBeforeStarttlsReply;
      return;
    case SessionPhase::kAfterStarttlsRefused:
      if (facts.starttls_reply_code == 220) {
        line.cause = PlaintextCause::kNoTransition;
      } else {
        line.cause = PlaintextCause::kStarttlsRefused;
        line.cause_detail = facts.starttls_reply_code;
      }
      return;
    case SessionPhase::kHandshake:
      line.cause = PlaintextCause::kInsteadOfHandshake;
      return;
    case SessionPhase::kAfterTlsFailure:
      line.cause = PlaintextCause::kAfterTlsFailure;
      return;
    case SessionPhase::kPlaintext:
    case SessionPhase::kTls:
      break;
  }
  if (prior.connection >= 0) {
    line.cause = PlaintextCause::kFallbackConnection;
    line.cause_detail = prior.connection;
  } else if (facts.ehlo_refused) {
    line.cause = PlaintextCause::kEhloRefused;
  } else if (saw_plain_ehlo_reply && !facts.starttls_offered) {
    line.cause = PlaintextCause::kStripped;
  } else {
    line.cause = PlaintextCause::kNeverTried;
  }
}

bool IsProtectedVerb(const std::string& verb) {
  return verb == "AUTH" || verb == "MAIL" || verb == "RCPT" ||
         verb == "DATA" || verb == "BDAT" || verb == "AUTH-DATA" ||
         verb == "MESSAGE";
}

// Which reply a client line must wait for before the client may send
// anything else but QUIT. RFC 2920 §3.1: EHLO/HELO end a pipelined group;
// AUTH ends one too (RFC 4954 §4), and every line of an AUTH exchange answers
// a server challenge. STARTTLS is judged by its own rule, DATA by the body
// check. Empty: the line may be pipelined.
std::string WaitedVerb(const fake::SmtpEvent& ev) {
  if (ev.kind == Kind::kAuthData) return "AUTH";
  if (ev.kind != Kind::kCommand) return "";
  const std::string verb = Upper(ev.verb);
  if (verb == "EHLO" || verb == "HELO" || verb == "LHLO" || verb == "AUTH") {
    return verb;
  }
  return "";
}

// Time the server recorded its first reply after event `index` answering
// `verb` (or, if none is labelled so, its first reply of any kind, which is
// never later); -1 if it never replied.
int64_t ReplyTimeAfter(const std::vector<fake::SmtpEvent>& events,
                       std::size_t index, std::string_view verb) {
  int64_t any = -1;
  const std::size_t end = std::min(events.size(), index + 1 + kMaxReplyScan);
  for (std::size_t k = index + 1; k < end; ++k) {
    const fake::SmtpEvent& ev = events[k];
    if (ev.kind != Kind::kReply) continue;
    if (Upper(ev.verb) == verb) return any >= 0 ? std::min(any, ev.t_us) : ev.t_us;
    if (any < 0) any = ev.t_us;
  }
  return any;
}

void ObserveConnection(const fake::ConnectionTranscript& conn,
                       const fake::ConnectionBehavior& beh,
                       const PriorStarttls& prior, Observations& obs) {
  ConnectionFacts facts;
  facts.index = conn.index;
  facts.accepted_us = conn.accepted_us;
  facts.closed_us = conn.closed_us;
  facts.close = conn.close;
  facts.client_closed = IsClientClose(conn.close);
  const std::vector<fake::SmtpEvent>& events = conn.events;

  // --- Arrival times: when the server read each client line. -------------
  ClientStream stream(conn);
  std::vector<int64_t> arrival(events.size(), -1);
  // For DATA commands found in the stream: where the body starts.
  std::vector<std::size_t> body_start(events.size(), std::string::npos);
  std::size_t cursor = 0;
  // Latest DATA awaiting its body (npos: none). Not std::optional: g++ -O2
  // reports a false maybe-uninitialized on it.
  std::size_t open_data = std::string::npos;
  for (std::size_t j = 0; j < events.size(); ++j) {
    const fake::SmtpEvent& ev = events[j];
    arrival[j] = ev.t_us;
    if (IsClientLineKind(ev.kind)) {
      const std::size_t pos = stream.FindLine(ev.text, cursor);
      if (pos == std::string::npos) continue;
      const int64_t read_t = stream.ArrivalAt(pos);
      if (read_t >= 0) arrival[j] = std::min(arrival[j], read_t);
      cursor = stream.LineEnd(pos);
      if (ev.kind == Kind::kCommand && Upper(ev.verb) == "DATA") {
        body_start[j] = cursor;
        open_data = j;
      } else if (ev.kind == Kind::kCommand && Upper(ev.verb) == "BDAT") {
        // Skip the chunk so that its bytes are not taken for commands.
        const std::vector<std::string_view> words = SplitWords(ev.text);
        uint64_t size = 0;
        if (words.size() >= 2) {
          for (char c : words[1]) {
            if (c < '0' || c > '9' || size > (uint64_t{1} << 40)) break;
            size = size * 10 + static_cast<uint64_t>(c - '0');
          }
        }
        cursor = static_cast<std::size_t>(
            std::min<uint64_t>(stream.bytes().size(), cursor + size));
      }
    } else if (ev.kind == Kind::kMessage) {
      // The body of the latest DATA: move past its terminator.
      if (open_data != std::string::npos && body_start[open_data] >= cursor) {
        cursor = stream.BodyEnd(body_start[open_data]);
      }
      open_data = std::string::npos;
    }
  }

  // --- Replies and the plaintext part of the dialogue. --------------------
  std::set<std::string> plain_caps;
  std::set<std::string> tls_caps;
  bool saw_plain_ehlo_reply = false;
  std::optional<std::size_t> starttls_index;
  std::optional<std::size_t> starttls_reply_index;
  std::optional<int64_t> ehlo_refused_t;
  for (std::size_t j = 0; j < events.size(); ++j) {
    const fake::SmtpEvent& ev = events[j];
    const bool in_tls = ev.channel == Channel::kTlsApp;
    const std::string verb = Upper(ev.verb);
    if (ev.kind == Kind::kReply && verb == "EHLO") {
      if (ev.reply_code == 250) {
        AddCapabilityTokens(ev.text, /*skip_first_line=*/true,
                            in_tls ? tls_caps : plain_caps);
        if (!in_tls) saw_plain_ehlo_reply = true;
      } else if (!in_tls && ev.reply_code >= 400) {
        facts.ehlo_refused = true;
        if (!ehlo_refused_t) ehlo_refused_t = ev.t_us;
      }
    }
    if (ev.kind == Kind::kCommand && !in_tls && verb == "HELO" &&
        facts.ehlo_refused && !facts.helo_after_ehlo_refusal) {
      facts.helo_after_ehlo_refusal =
          Evidence{conn.index, arrival[j], Excerpt(ev.text)};
    }
    if (ev.kind == Kind::kCommand && !in_tls && verb == "STARTTLS" &&
        !starttls_index) {
      starttls_index = j;
      facts.starttls_sent = Evidence{conn.index, arrival[j], Excerpt(ev.text)};
    }
    if (ev.kind == Kind::kReply && !in_tls && verb == "STARTTLS" &&
        starttls_index && !starttls_reply_index && j > *starttls_index) {
      starttls_reply_index = j;
      facts.starttls_reply_code = ev.reply_code;
    }
  }
  facts.starttls_offered = plain_caps.count("STARTTLS") > 0;
  facts.injection_sent = !beh.inject_after_starttls_reply.empty() &&
                         starttls_reply_index.has_value();
  std::set<std::string> injected_caps;
  if (facts.injection_sent) {
    AddCapabilityTokens(beh.inject_after_starttls_reply,
                        /*skip_first_line=*/false, injected_caps);
  }

  // --- STARTTLS pipelining and plaintext instead of a handshake. ----------
  for (std::size_t j = 0; j < events.size(); ++j) {
    const fake::SmtpEvent& ev = events[j];
    if (!IsClientLineKind(ev.kind)) continue;
    if (ev.phase == SessionPhase::kAfterStarttlsCommand &&
        !facts.starttls_pipelined) {
      facts.starttls_pipelined =
          Evidence{conn.index, arrival[j], Excerpt(ev.text)};
    }
    if (ev.kind == Kind::kCommand && ev.phase == SessionPhase::kHandshake &&
        ev.channel != Channel::kTlsApp && !facts.plaintext_instead_of_handshake) {
      facts.plaintext_instead_of_handshake =
          Evidence{conn.index, arrival[j], Excerpt(ev.text)};
    }
  }
  if (!conn.bytes_after_starttls.empty()) {
    // The raw bytes are the better evidence (they include a ClientHello sent
    // before the 220, which is no SMTP line).
    int64_t t = facts.starttls_sent ? facts.starttls_sent->t_us : -1;
    if (facts.starttls_pipelined) t = facts.starttls_pipelined->t_us;
    facts.starttls_pipelined =
        Evidence{conn.index, t, Excerpt(conn.bytes_after_starttls)};
  }
  if (conn.tls.outcome == fake::HandshakeOutcome::kNotTls &&
      !facts.plaintext_instead_of_handshake) {
    Evidence ev{conn.index, -1, ""};
    for (const fake::WireChunk& chunk : conn.wire) {
      if (chunk.direction == Direction::kClientToServer &&
          chunk.phase == SessionPhase::kHandshake) {
        ev.t_us = chunk.t_us;
        ev.excerpt = Excerpt(chunk.bytes);
        break;
      }
    }
    facts.plaintext_instead_of_handshake = ev;
  }

  // --- TLS. ----------------------------------------------------------------
  facts.handshake = conn.tls.outcome;
  facts.tls_completed = conn.tls.outcome == fake::HandshakeOutcome::kCompleted;
  facts.tls_version = Excerpt(conn.tls.version, 40);
  facts.tls_cipher = Excerpt(conn.tls.cipher, 80);
  facts.tls_failure = Excerpt(conn.tls.failure);
  facts.handshake_done_us = conn.tls.handshake_done_us;
  if (facts.tls_completed) facts.refusals = RefusalsFor(conn, beh);

  // --- Every client line, attributed. -------------------------------------
  const bool client_started_tls = ClientStartedTlsAfterReply(conn);
  for (std::size_t j = 0; j < events.size(); ++j) {
    const fake::SmtpEvent& ev = events[j];
    if (ev.kind == Kind::kReply) continue;
    ClientLine line = MakeLine(conn.index, ev, arrival[j]);
    SetCause(facts, saw_plain_ehlo_reply, prior, line);
    const std::string verb = line.verb;
    // Fragments of the client's ClientHello (see ClientStartedTlsAfterReply)
    // are no SMTP at all; a real command after them still counts.
    if (client_started_tls && !line.in_tls &&
        ev.phase == SessionPhase::kAfterStarttlsRefused &&
        (ev.kind == Kind::kBadLine || !IsSmtpVerb(verb))) {
      continue;
    }

    if (line.in_tls) {
      const bool is_quit = ev.kind == Kind::kCommand && verb == "QUIT";
      if (!is_quit && ev.kind != Kind::kCredentials &&
          !facts.proceeded_in_tls) {
        facts.proceeded_in_tls = line;
      }
      if (ev.kind == Kind::kCommand && !facts.first_tls_command) {
        facts.first_tls_command = line;
        if (verb != "EHLO" && verb != "HELO" && verb != "LHLO" &&
            verb != "QUIT") {
          obs.no_ehlo_after_tls.push_back(line);
        }
      }
      if (ev.kind == Kind::kCommand && (verb == "EHLO" || verb == "LHLO")) {
        facts.ehlo_in_tls = true;
      }
      if (ev.kind == Kind::kCommand && verb == "STARTTLS") {
        obs.starttls_inside_tls.push_back(line);
      }
    }

    switch (ev.kind) {
      case Kind::kCommand:
        (line.in_tls ? obs.tls_commands : obs.plaintext_commands)
            .push_back(line);
        break;
      case Kind::kCredentials: {
        CredentialsSeen seen;
        seen.line = line;
        if (ev.credentials) seen.credentials = *ev.credentials;
        seen.line.evidence.excerpt =
            "AUTH " + Excerpt(seen.credentials.mechanism, 40) +
            " user=" + Excerpt(seen.credentials.user, 80);
        obs.credentials.push_back(std::move(seen));
        break;
      }
      case Kind::kMessage: {
        MessageSeen seen;
        seen.line = line;
        seen.size = ev.message_size;
        seen.subject = Excerpt(ev.message_subject, 120);
        seen.line.evidence.excerpt =
            std::to_string(ev.message_size) + " bytes, Subject: " +
            seen.subject;
        // Delivered unless the server's reply to the body refused it.
        bool accepted = true;
        for (std::size_t k = j + 1; k < events.size(); ++k) {
          if (events[k].kind != Kind::kReply) continue;
          accepted = events[k].reply_code >= 200 && events[k].reply_code < 300;
          break;
        }
        if (accepted) {
          if (line.in_tls) {
            obs.delivered_over_tls = true;
          } else {
            obs.delivered_in_plaintext = true;
          }
        }
        obs.messages.push_back(std::move(seen));
        break;
      }
      default:
        break;
    }
    if (!line.in_tls && ev.kind != Kind::kCredentials &&
        IsProtectedVerb(verb)) {
      ClientLine copy = line;
      if (ev.kind == Kind::kMessage) {
        copy.evidence.excerpt = obs.messages.back().line.evidence.excerpt;
      }
      obs.protected_in_plaintext.push_back(std::move(copy));
    }

    // Capabilities used: fresh, stale or injected.
    if (ev.kind == Kind::kCommand) {
      const bool after_injection =
          facts.injection_sent && j > *starttls_reply_index;
      for (const UsedCapability& cap : CapabilitiesUsedBy(ev)) {
        const std::set<std::string>& genuine =
            line.in_tls ? tls_caps : plain_caps;
        if (genuine.count(cap.token)) continue;
        if (after_injection && injected_caps.count(cap.token)) {
          obs.injected_capabilities.push_back({line, cap.name});
        } else if (line.in_tls && plain_caps.count(cap.token)) {
          obs.stale_capabilities.push_back({line, cap.name});
        }
      }
    }
  }

  // --- Lines sent before the reply they had to wait for. ------------------
  std::optional<std::size_t> prev;  // Previous client line.
  for (std::size_t j = 0; j < events.size(); ++j) {
    const fake::SmtpEvent& ev = events[j];
    if (ev.kind == Kind::kMessage && prev &&
        body_start[*prev] != std::string::npos &&
        body_start[*prev] < stream.bytes().size()) {
      // RFC 5321 §4.1.1.4: the body follows the 354 reply, never precedes
      // it; RFC 2920 §3.1: DATA ends a pipelined group.
      const int64_t body_t = stream.ArrivalAt(body_start[*prev]);
      const int64_t reply_t = ReplyTimeAfter(events, *prev, "DATA");
      if (body_t >= 0 && (reply_t < 0 || body_t < reply_t)) {
        PrematureLine p;
        p.line = MakeLine(conn.index, ev, body_t);
        SetCause(facts, saw_plain_ehlo_reply, prior, p.line);
        p.line.evidence.excerpt = Excerpt(std::string_view(stream.bytes())
                                              .substr(body_start[*prev], 80));
        p.waited_for = "DATA";
        p.reply_t_us = reply_t;
        p.injection_available =
            facts.injection_sent && *prev > *starttls_reply_index;
        obs.premature_lines.push_back(std::move(p));
      }
      continue;
    }
    if (!IsClientLineKind(ev.kind)) continue;
    if (prev) {
      const fake::SmtpEvent& before = events[*prev];
      const std::string waited = WaitedVerb(before);
      const bool same_channel = before.channel == ev.channel;
      const bool quit = ev.kind == Kind::kCommand && Upper(ev.verb) == "QUIT";
      if (!waited.empty() && same_channel && !quit) {
        const int64_t reply_t = ReplyTimeAfter(events, *prev, waited);
        if (reply_t < 0 || arrival[j] < reply_t) {
          PrematureLine p;
          p.line = MakeLine(conn.index, ev, arrival[j]);
          SetCause(facts, saw_plain_ehlo_reply, prior, p.line);
          p.waited_for = waited;
          p.reply_t_us = reply_t;
          p.injection_available =
              facts.injection_sent && *prev > *starttls_reply_index;
          obs.premature_lines.push_back(std::move(p));
        }
      }
    }
    prev = j;
  }

  // --- 530 "Must issue a STARTTLS command first". -------------------------
  if (!obs.starttls_required_reply) {
    for (std::size_t j = 0; j < events.size(); ++j) {
      const fake::SmtpEvent& ev = events[j];
      if (ev.kind != Kind::kReply || ev.channel == Channel::kTlsApp) continue;
      if (ev.reply_code != 530) continue;
      if (Upper(ev.text).find("STARTTLS") == std::string::npos) continue;
      std::string command;
      for (std::size_t k = j; k-- > 0;) {
        if (events[k].kind == Kind::kCommand) {
          command = events[k].text;
          break;
        }
      }
      std::string_view reply = ev.text;
      if (const std::size_t lf = reply.find_first_of("\r\n");
          lf != std::string_view::npos) {
        reply = reply.substr(0, lf);
      }
      obs.starttls_required_reply = Evidence{
          conn.index, ev.t_us,
          Excerpt(command, 100) + " -> " + Excerpt(reply, 100)};
      break;
    }
  }

  // --- Hangs and abort timing. ---------------------------------------------
  const bool handshake_started = facts.starttls_reply_code == 220 &&
                                 beh.after_starttls ==
                                     fake::AfterStarttls::kHandshake;
  facts.stalled_handshake =
      handshake_started &&
      beh.handshake_fault == fake::HandshakeFault::kStall &&
      !facts.client_closed && !facts.tls_completed;
  if (beh.ignore_ehlo_in_tls && facts.ehlo_in_tls && !facts.client_closed) {
    facts.waiting_for_withheld_reply = true;
  }
  if (facts.client_closed && conn.closed_us >= 0) {
    int64_t last_server = -1;
    for (const fake::WireChunk& chunk : conn.wire) {
      if (chunk.direction == Direction::kServerToClient &&
          chunk.t_us <= conn.closed_us) {
        last_server = std::max(last_server, chunk.t_us);
      }
    }
    if (last_server >= 0) {
      facts.client_close_delay_us = conn.closed_us - last_server;
    }
  }

  obs.connections.push_back(std::move(facts));
}

}  // namespace

std::string_view PlaintextCauseName(PlaintextCause cause) {
  switch (cause) {
    case PlaintextCause::kStripped:
      return "stripped";
    case PlaintextCause::kEhloRefused:
      return "ehlo-refused";
    case PlaintextCause::kNeverTried:
      return "never-tried";
    case PlaintextCause::kBeforeStarttlsReply:
      return "before-starttls-reply";
    case PlaintextCause::kStarttlsRefused:
      return "starttls-refused";
    case PlaintextCause::kNoTransition:
      return "no-transition";
    case PlaintextCause::kInsteadOfHandshake:
      return "instead-of-handshake";
    case PlaintextCause::kAfterTlsFailure:
      return "after-tls-failure";
    case PlaintextCause::kFallbackConnection:
      return "fallback-connection";
  }
  return "unknown";
}

Observations ObserveRun(const fake::Transcript& transcript,
                        const fake::ServerBehavior& behavior,
                        const ClientRun& run) {
  Observations obs;
  obs.client_ran = run.ran;
  obs.exit_code = run.exit_code;
  obs.signal = run.signal;
  obs.timed_out = run.timed_out;
  obs.unsupported =
      run.unsupported || (run.exit_code && *run.exit_code == kUnsupportedExitCode);
  obs.duration_us = run.duration_us;
  obs.timeout_us = run.timeout_us;
  obs.stderr_excerpt = TailExcerpt(run.stderr_text);

  // Connections in acceptance order, whatever order the snapshot has.
  std::vector<const fake::ConnectionTranscript*> conns;
  conns.reserve(transcript.connections.size());
  for (const fake::ConnectionTranscript& c : transcript.connections) {
    conns.push_back(&c);
  }
  std::stable_sort(conns.begin(), conns.end(),
                   [](const fake::ConnectionTranscript* a,
                      const fake::ConnectionTranscript* b) {
                     return a->index < b->index;
                   });

  PriorStarttls prior;
  for (const fake::ConnectionTranscript* conn : conns) {
    const std::size_t index =
        conn->index < 0 ? 0 : static_cast<std::size_t>(conn->index);
    ObserveConnection(*conn, BehaviorFor(behavior, index), prior, obs);
    if (obs.connections.back().starttls_sent) {
      obs.starttls_attempted = true;
      prior.connection = conn->index;
    }
  }
  return obs;
}

}  // namespace gauntlet::verdict
