#include "fuzzing/mutator.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/string_view.h"
#include "smtp/line_reader.h"

namespace gauntlet::fuzzing {
namespace {

constexpr std::array<std::string_view, kMutationKindCount> kNames = {
    "split-line",
    "join-lines",
    "duplicate-line",
    "drop-line",
    "reorder-lines",
    "long-line",
    "many-lines",
    "bad-code",
    "wrong-continuation",
    "bare-lf",
    "bare-cr",
    "nul",
    "eight-bit",
    "auth-mechanisms",
    "size-value",
    "unknown-keyword",
    "empty-text",
    "glue-bytes",
    "tiny-segments",
    "delay",
    "tls-fault",
    "havoc"};

// One line of a step, split so that putting the parts back together gives
// the very bytes it came from: "250" + '-' + "text" + "\r\n". A line that
// is shorter than a code keeps what it has in `code`; the step's last line
// may have no ending at all.
struct Line {
  std::string code;
  std::string marker;  // "", "-", " " or whatever byte followed the code
  std::string text;
  std::string ending;  // "\r\n", "\n" or ""

  std::size_t size() const {
    return code.size() + marker.size() + text.size() + ending.size();
  }
};

Line SplitLine(std::string_view content, std::string ending) {
  Line line;
  line.ending = std::move(ending);
  line.code = std::string(content.substr(0, 3));
  if (content.size() > 3) {
    line.marker = std::string(content.substr(3, 1));
    line.text = std::string(content.substr(4));
  }
  return line;
}

// The step's bytes as lines, framed by the SMTP core's line reader (bare
// CRs stay in the text, as on the wire).
std::vector<Line> ToLines(std::string_view bytes) {
  std::vector<Line> lines;
  smtp::LineReader reader(kMaxStepBytes + 3);
  reader.Feed(ToAbsl(bytes), [&](const absl::StatusOr<smtp::Line>& line) {
    if (line.ok()) {
      lines.push_back(SplitLine(
          line->text, line->ending == smtp::LineEnding::kCrlf ? "\r\n" : "\n"));
    }
    return true;
  });
  if (!reader.pending().empty()) {
    lines.push_back(SplitLine(ToStd(reader.pending()), ""));
  }
  return lines;
}

std::string FromLines(const std::vector<Line>& lines) {
  std::string out;
  std::size_t n = 0;
  for (const Line& l : lines) n += l.size();
  out.reserve(n);
  for (const Line& l : lines) {
    out += l.code;
    out += l.marker;
    out += l.text;
    out += l.ending;
  }
  return out;
}

// The code new lines of this step get: its first line's, when that is
// three digits, else 250.
std::string CodeOf(const std::vector<Line>& lines) {
  if (!lines.empty() && lines[0].code.size() == 3 &&
      std::all_of(lines[0].code.begin(), lines[0].code.end(),
                  [](char c) { return c >= '0' && c <= '9'; })) {
    return lines[0].code;
  }
  return "250";
}

// Inserts capability lines as continuation lines before the step's last
// line (or `at_from_end` lines earlier), or makes them a reply of their own
// when the step has no complete line. Works on the raw bytes: a step may
// hold a hundred thousand lines, and only the insertion point matters.
std::string InsertCapabilities(std::string bytes,
                               const std::vector<std::string>& keywords,
                               std::size_t at_from_end = 0) {
  std::string code = "250";
  if (bytes.size() >= 3 &&
      std::all_of(bytes.begin(), bytes.begin() + 3,
                  [](char c) { return c >= '0' && c <= '9'; })) {
    code = bytes.substr(0, 3);
  }
  std::string added;
  for (const std::string& k : keywords) {
    added += code;
    added += '-';
    added += k;
    added += "\r\n";
  }
  // Line starts: 0 and every byte after an LF that is not the end.
  std::size_t at = std::string::npos;
  std::size_t end = bytes.size();
  if (end > 0 && bytes[end - 1] == '\n') --end;  // the last line's own LF
  for (std::size_t skip = 0; skip <= at_from_end; ++skip) {
    const std::size_t lf =
        end == 0 ? std::string::npos : bytes.rfind('\n', end - 1);
    if (lf == std::string::npos) break;
    at = lf + 1;
    end = lf;
  }
  if (at == std::string::npos) {
    if (bytes.find('\n') == std::string::npos && !bytes.empty()) {
      at = 0;  // one line, no complete other: insert before it
    } else if (bytes.empty()) {
      added[code.size()] = ' ';  // a reply of its own (one line)
      added.resize(code.size() + 1 + keywords[0].size() + 2);
      return added;
    } else {
      at = 0;
    }
  }
  bytes.insert(at, added);
  return bytes;
}

std::size_t Budget(std::size_t current) {
  return current >= kMaxStepBytes ? 0 : kMaxStepBytes - current;
}

// --- The grammar-aware mutations: each returns the step's new bytes. ------

std::string SplitOne(std::vector<Line> lines, Prng& rng) {
  if (lines.empty()) return FromLines(lines);
  const std::size_t i = rng.Below(lines.size());
  Line second = lines[i];
  Line& first = lines[i];
  const std::size_t at = rng.Below(first.text.size() + 1);
  second.text = first.text.substr(at);
  first.text.resize(at);
  first.marker = "-";
  first.ending = "\r\n";
  if (second.code.empty()) second.code = CodeOf(lines);
  lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(i) + 1, second);
  return FromLines(lines);
}

std::string JoinTwo(std::vector<Line> lines, Prng& rng) {
  if (lines.size() < 2) return FromLines(lines);
  const std::size_t i = rng.Below(lines.size() - 1);
  Line& a = lines[i];
  const Line& b = lines[i + 1];
  a.text += rng.OneIn(2) ? " " : "";
  a.text += b.text;
  a.marker = b.marker;
  a.ending = b.ending;
  lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(i) + 1);
  return FromLines(lines);
}

std::string DuplicateOne(std::vector<Line> lines, Prng& rng) {
  if (lines.empty()) return FromLines(lines);
  const std::size_t i = rng.Below(lines.size());
  Line copy = lines[i];
  if (copy.ending.empty()) copy.ending = "\r\n";
  lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(i), copy);
  return FromLines(lines);
}

std::string DropOne(std::vector<Line> lines, Prng& rng) {
  if (lines.empty()) return FromLines(lines);
  lines.erase(lines.begin() +
              static_cast<std::ptrdiff_t>(rng.Below(lines.size())));
  return FromLines(lines);
}

std::string ReorderTwo(std::vector<Line> lines, Prng& rng) {
  // Two lines with different texts swap them; codes, markers and endings
  // stay where they were, so the reply keeps its shape.
  std::vector<std::pair<std::size_t, std::size_t>> pairs;
  for (std::size_t i = 0; i < lines.size() && pairs.size() < 4096; ++i) {
    for (std::size_t j = i + 1; j < lines.size() && pairs.size() < 4096; ++j) {
      if (lines[i].text != lines[j].text) pairs.emplace_back(i, j);
    }
  }
  if (pairs.empty()) return FromLines(lines);
  const auto [i, j] = pairs[rng.Below(pairs.size())];
  std::swap(lines[i].text, lines[j].text);
  return FromLines(lines);
}

std::string LongLine(std::vector<Line> lines, std::size_t current, Prng& rng) {
  static constexpr std::size_t kLengths[] = {
      510,  511,  512,   513,   999,   1000,   1001,
      4096, 8193, 65535, 65536, 70000, 262144, 1 << 20};
  if (lines.empty()) lines.push_back({"250", " ", "", "\r\n"});
  Line& l = lines[rng.Below(lines.size())];
  const std::size_t want = rng.Pick(kLengths);
  if (want <= l.text.size()) return FromLines(lines);
  const std::size_t grow = std::min(want - l.text.size(), Budget(current));
  static constexpr char kFill[] = {'A', 'X', ' ', '='};
  const char fill = rng.Pick(kFill);
  l.text.append(grow, fill);
  return FromLines(lines);
}

std::string ManyLines(std::string bytes, std::size_t current, Prng& rng) {
  static constexpr std::size_t kCounts[] = {255, 256, 257, 1000, 10000, 100000};
  std::size_t count = rng.Pick(kCounts);
  // "250-X-CAP-123456\r\n" is at most 18 bytes.
  count = std::min(count, Budget(current) / 18);
  if (count == 0) return bytes;
  std::vector<std::string> keywords;
  keywords.reserve(count);
  const bool same = rng.OneIn(2);
  for (std::size_t k = 0; k < count; ++k) {
    keywords.push_back(same ? "X-CAP" : "X-CAP-" + std::to_string(k));
  }
  return InsertCapabilities(std::move(bytes), keywords);
}

std::string BadCode(std::vector<Line> lines, Prng& rng) {
  static constexpr std::string_view kCodes[] = {
      "000", "099", "199",  "600", "699", "999",   "2500",
      "25",  "2",   "2x0",  "-25", " 25", "abc",   "5000",
      "260", "270", "1000", "+50", "0-0", "２５０"};
  if (lines.empty()) lines.push_back({"250", " ", "ok", "\r\n"});
  Line& l = lines[rng.Below(lines.size())];
  std::string_view code = rng.Pick(kCodes);
  if (code == l.code) code = "600";
  l.code = std::string(code);
  return FromLines(lines);
}

std::string WrongContinuation(std::vector<Line> lines, Prng& rng) {
  if (lines.empty()) return FromLines(lines);
  switch (rng.Below(3)) {
    case 0: {
      // The last line says more is coming, and nothing more comes.
      lines.back().marker = "-";
      if (lines.back().ending.empty()) lines.back().ending = "\r\n";
      break;
    }
    case 1: {
      // A continuation line claims to be the last.
      Line& l = lines[rng.Below(lines.size())];
      l.marker = l.marker == " " ? "-" : " ";
      break;
    }
    default: {
      static constexpr std::string_view kMarkers[] = {"_", "\t", "=", "+",
                                                      ".", "--", "- "};
      lines[rng.Below(lines.size())].marker = std::string(rng.Pick(kMarkers));
      break;
    }
  }
  return FromLines(lines);
}

std::string LineEnding(std::vector<Line> lines, Prng& rng, bool bare_cr) {
  std::vector<std::size_t> crlf;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].ending == "\r\n") crlf.push_back(i);
  }
  if (crlf.empty()) return FromLines(lines);
  Line& l = lines[crlf[rng.Below(crlf.size())]];
  if (!bare_cr) {
    l.ending = "\n";
  } else if (rng.OneIn(2)) {
    l.ending = "\r";
  } else {
    l.text.insert(rng.Below(l.text.size() + 1), 1, '\r');
  }
  return FromLines(lines);
}

std::string InsertBytes(std::vector<Line> lines, Prng& rng, bool eight_bit) {
  if (lines.empty()) lines.push_back({"250", " ", "", "\r\n"});
  Line& l = lines[rng.Below(lines.size())];
  std::string bytes;
  if (!eight_bit) {
    bytes.assign(1 + rng.Below(3), '\0');
  } else {
    static constexpr std::string_view kHigh[] = {
        "\xff",     "\x80",    "\xc0\x80",     "\xe2\x80\xae",
        "\xc3\xa9", "\x9b[2J", "\xed\xa0\x80", "\xef\xbb\xbf"};
    bytes = std::string(rng.Pick(kHigh));
  }
  // Inside the text, or right after the code.
  if (rng.OneIn(4)) {
    l.marker.insert(0, bytes);
  } else {
    l.text.insert(rng.Below(l.text.size() + 1), bytes);
  }
  return FromLines(lines);
}

std::string AuthMechanisms(std::string bytes, Prng& rng) {
  static constexpr std::string_view kLists[] = {
      "AUTH",
      "AUTH ",
      "AUTH PLAIN",
      "AUTH LOGIN",
      "AUTH=PLAIN LOGIN",
      "AUTH CRAM-MD5 DIGEST-MD5",
      "AUTH XOAUTH2 OAUTHBEARER",
      "AUTH SCRAM-SHA-256-PLUS SCRAM-SHA-1",
      "AUTH ANONYMOUS",
      "AUTH GSSAPI NTLM",
      "AUTH PLAIN PLAIN PLAIN",
      "AUTH plain login",
      "AUTH PLAINX",
      "AUTH  PLAIN   LOGIN  ",
      "AUTH=",
  };
  std::string list(rng.Pick(kLists));
  if (rng.OneIn(4)) {
    // A very long mechanism list.
    for (std::size_t k = 0, n = rng.Between(50, 2000); k < n; ++k) {
      list += " MECH-" + std::to_string(k);
    }
  }
  return InsertCapabilities(std::move(bytes), {list});
}

std::string SizeValue(std::string bytes, Prng& rng) {
  static constexpr std::string_view kSizes[] = {
      "SIZE",
      "SIZE 0",
      "SIZE 1",
      "SIZE -1",
      "SIZE 2147483648",
      "SIZE 4294967296",
      "SIZE 18446744073709551615",
      "SIZE 18446744073709551616",
      "SIZE 99999999999999999999999999999999",
      "SIZE abc",
      "SIZE 1 2",
      "SIZE 0x10",
      "SIZE 1e9",
      "SIZE  10240000",
      "size 10240000",
  };
  return InsertCapabilities(std::move(bytes), {std::string(rng.Pick(kSizes))});
}

std::string UnknownKeyword(std::string bytes, Prng& rng) {
  static constexpr std::string_view kKeywords[] = {"X-UNKNOWN",
                                                   "STARTTLSX",
                                                   "STARTTLS",
                                                   "starttls",
                                                   "XSTARTTLS",
                                                   "STARTTLS x",
                                                   "XEXCH50",
                                                   "X-LINK2STATE",
                                                   "PIPELINING",
                                                   "CHUNKING",
                                                   "SMTPUTF8",
                                                   "8BITMIME 8BITMIME",
                                                   "DSN",
                                                   "ETRN",
                                                   "VRFY",
                                                   "ENHANCEDSTATUSCODES",
                                                   "BINARYMIME",
                                                   "DELIVERBY 0",
                                                   "MT-PRIORITY MIXER",
                                                   "REQUIRETLS",
                                                   "",
                                                   " ",
                                                   "-",
                                                   "250 nested"};
  std::vector<std::string> keywords;
  for (std::size_t k = 0, n = rng.Between(1, 4); k < n; ++k) {
    keywords.emplace_back(rng.Pick(kKeywords));
  }
  return InsertCapabilities(std::move(bytes), keywords, rng.Below(3));
}

std::string EmptyText(std::vector<Line> lines, Prng& rng) {
  if (lines.empty()) lines.push_back({"250", " ", "ok", "\r\n"});
  Line& l = lines[rng.Below(lines.size())];
  const bool changed = !l.text.empty() || !l.marker.empty();
  l.text.clear();
  // "250\r\n", or "250 \r\n" / "250-\r\n" (the marker kept).
  if (rng.OneIn(2) || !changed) l.marker.clear();
  return FromLines(lines);
}

std::string GlueBytes(std::string bytes, std::size_t current, Prng& rng) {
  static constexpr std::string_view kGlue[] = {
      "250 injected\r\n",
      "250-PIPELINING\r\n250 AUTH PLAIN LOGIN\r\n",
      "235 2.7.0 Authentication successful\r\n",
      "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go ahead\r\n",
      "25",
      "250-",
      "\r\n",
      "\n",
      "220 2.0.0 Ready to start TLS\r\n",
      "\x16\x03\x01\x00\x05",
      "421 4.4.2 closing\r\n",
  };
  std::string glue(rng.Pick(kGlue));
  if (rng.OneIn(4)) {
    glue.clear();
    for (std::size_t k = 0, n = rng.Between(1, 64); k < n; ++k) {
      glue += static_cast<char>(rng.Below(256));
    }
  }
  bytes += glue.substr(0, Budget(current));
  return bytes;
}

std::string Havoc(std::string bytes, std::size_t current, Prng& rng) {
  for (std::size_t op = 0, n = rng.Between(1, 8); op < n; ++op) {
    const std::size_t size = bytes.size();
    switch (size == 0 ? 2 : rng.Below(6)) {
      case 0:  // Flip a bit.
        bytes[rng.Below(size)] ^= static_cast<char>(1u << rng.Below(8));
        break;
      case 1:  // Set a byte, often to one SMTP cares about.
      {
        static constexpr char kInteresting[] = {'\0', '\r', '\n',   ' ',   '-',
                                                '0',  '9',  '\x7f', '\xff'};
        bytes[rng.Below(size)] = rng.OneIn(2)
                                     ? rng.Pick(kInteresting)
                                     : static_cast<char>(rng.Below(256));
        break;
      }
      case 2:  // Insert random bytes.
      {
        std::string ins;
        for (std::size_t k = 0, m = rng.Between(1, 16); k < m; ++k) {
          ins += static_cast<char>(rng.Below(256));
        }
        if (ins.size() <= Budget(current + bytes.size() - size)) {
          bytes.insert(rng.Below(size + 1), ins);
        }
        break;
      }
      case 3:  // Delete a range.
      {
        const std::size_t at = rng.Below(size);
        bytes.erase(at, rng.Between(1, std::min<std::size_t>(size - at, 32)));
        break;
      }
      case 4:  // Duplicate a range in place.
      {
        const std::size_t at = rng.Below(size);
        const std::size_t len =
            rng.Between(1, std::min<std::size_t>(size - at, 64));
        if (len <= Budget(current + bytes.size() - size)) {
          bytes.insert(at, bytes.substr(at, len));
        }
        break;
      }
      default:  // Overwrite a byte with its neighbour (a swap of sorts).
      {
        const std::size_t at = rng.Below(size);
        bytes[at] = bytes[(at + 1) % size];
        break;
      }
    }
  }
  return bytes;
}

bool SetTlsFault(TlsBehaviour* tls, Prng& rng) {
  const TlsBehaviour before = *tls;
  // Draw until something differs; a few tries always suffice, since there
  // are several faults and points.
  for (int attempt = 0; attempt < 16 && *tls == before; ++attempt) {
    tls->fault = static_cast<TlsFault>(rng.Between(1, 6));
    tls->point = static_cast<TlsFaultPoint>(rng.Below(3));
    static constexpr std::uint8_t kAlerts[] = {0,  10, 20, 40, 42, 43,
                                               45, 48, 70, 80, 90, 255};
    tls->alert = rng.Pick(kAlerts);
  }
  return !(*tls == before);
}

}  // namespace

std::string_view MutationName(MutationKind kind) {
  return kNames[static_cast<std::size_t>(kind)];
}

std::optional<MutationKind> MutationFromName(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<MutationKind>(i);
  }
  return std::nullopt;
}

bool ApplyMutation(const Mutation& m, ServerScript* script) {
  Prng rng(m.seed);
  StepBytes& step = script->step(m.step);
  const std::size_t current = step.bytes.size();
  const StepBytes before = step;
  bool tls_changed = false;
  switch (m.kind) {
    case MutationKind::kSplitLine:
      step.bytes = SplitOne(ToLines(step.bytes), rng);
      break;
    case MutationKind::kJoinLines:
      step.bytes = JoinTwo(ToLines(step.bytes), rng);
      break;
    case MutationKind::kDuplicateLine:
      step.bytes = DuplicateOne(ToLines(step.bytes), rng);
      break;
    case MutationKind::kDropLine:
      step.bytes = DropOne(ToLines(step.bytes), rng);
      break;
    case MutationKind::kReorderLines:
      step.bytes = ReorderTwo(ToLines(step.bytes), rng);
      break;
    case MutationKind::kLongLine:
      step.bytes = LongLine(ToLines(step.bytes), current, rng);
      break;
    case MutationKind::kManyLines:
      step.bytes = ManyLines(std::move(step.bytes), current, rng);
      break;
    case MutationKind::kBadCode:
      step.bytes = BadCode(ToLines(step.bytes), rng);
      break;
    case MutationKind::kWrongContinuation:
      step.bytes = WrongContinuation(ToLines(step.bytes), rng);
      break;
    case MutationKind::kBareLf:
      step.bytes = LineEnding(ToLines(step.bytes), rng, /*bare_cr=*/false);
      break;
    case MutationKind::kBareCr:
      step.bytes = LineEnding(ToLines(step.bytes), rng, /*bare_cr=*/true);
      break;
    case MutationKind::kNul:
      step.bytes = InsertBytes(ToLines(step.bytes), rng, /*eight_bit=*/false);
      break;
    case MutationKind::kEightBit:
      step.bytes = InsertBytes(ToLines(step.bytes), rng, /*eight_bit=*/true);
      break;
    case MutationKind::kAuthMechanisms:
      step.bytes = AuthMechanisms(std::move(step.bytes), rng);
      break;
    case MutationKind::kSizeValue:
      step.bytes = SizeValue(std::move(step.bytes), rng);
      break;
    case MutationKind::kUnknownKeyword:
      step.bytes = UnknownKeyword(std::move(step.bytes), rng);
      break;
    case MutationKind::kEmptyText:
      step.bytes = EmptyText(ToLines(step.bytes), rng);
      break;
    case MutationKind::kGlueBytes:
      step.bytes = GlueBytes(std::move(step.bytes), current, rng);
      break;
    case MutationKind::kTinySegments: {
      std::uint32_t n = static_cast<std::uint32_t>(rng.Between(1, 8));
      if (n == step.segmentation.segment_bytes) n = n % 8 + 1;
      step.segmentation.segment_bytes = n;
      break;
    }
    case MutationKind::kDelay: {
      Segmentation& g = step.segmentation;
      const std::uint32_t delay =
          static_cast<std::uint32_t>(rng.Between(1, 200));
      const std::uint32_t count = static_cast<std::uint32_t>(rng.Between(1, 4));
      g.delay_ms = delay == g.delay_ms ? delay + 1 : delay;
      g.delayed_segments = count;
      if (g.segment_bytes == 0 && count > 1) {
        // Delays between segments need segments.
        g.segment_bytes = static_cast<std::uint32_t>(rng.Between(1, 64));
      }
      break;
    }
    case MutationKind::kTlsFault:
      tls_changed = SetTlsFault(&script->tls, rng);
      break;
    case MutationKind::kHavoc:
      step.bytes = Havoc(std::move(step.bytes), current, rng);
      break;
  }
  ClampToLimits(script);
  return tls_changed || !(step == before);
}

ServerScript Replay(const ServerScript& base,
                    std::span<const Mutation> mutations) {
  ServerScript s = base;
  for (const Mutation& m : mutations) ApplyMutation(m, &s);
  return s;
}

ServerScript ReplayWithout(const ServerScript& base,
                           std::span<const Mutation> mutations,
                           std::size_t index) {
  ServerScript s = base;
  for (std::size_t i = 0; i < mutations.size(); ++i) {
    if (i != index) ApplyMutation(mutations[i], &s);
  }
  return s;
}

bool ShortenStep(ServerScript* script, Step step, std::size_t offset,
                 std::size_t count) {
  std::string& bytes = script->step(step).bytes;
  if (offset >= bytes.size() || count == 0) return false;
  bytes.erase(offset, count);
  return true;
}

Mutation Mutator::Draw() {
  Mutation m;
  m.kind = static_cast<MutationKind>(rng_.Below(kMutationKindCount));
  switch (m.kind) {
    case MutationKind::kTlsFault:
      m.step = Step::kAfterStarttls;
      break;
    case MutationKind::kAuthMechanisms:
    case MutationKind::kSizeValue:
    case MutationKind::kUnknownKeyword:
    case MutationKind::kManyLines: {
      // Capabilities belong in the EHLO replies, mostly.
      static constexpr Step kEhlo[] = {Step::kEhloReply, Step::kEhloReply,
                                       Step::kTlsEhloReply, Step::kHeloReply};
      m.step = rng_.Pick(kEhlo);
      break;
    }
    default:
      m.step = static_cast<Step>(rng_.Below(kStepCount));
      break;
  }
  m.seed = rng_.Next();
  return m;
}

ServerScript Mutator::Mutate(const ServerScript& base,
                             std::vector<Mutation>* applied) {
  ServerScript s = base;
  const std::size_t n = 1 + rng_.Below(kMaxStack);
  for (std::size_t i = 0; i < n; ++i) {
    const Mutation m = Draw();
    if (ApplyMutation(m, &s)) applied->push_back(m);
  }
  return s;
}

}  // namespace gauntlet::fuzzing
