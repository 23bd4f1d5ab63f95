#include "harness/smtp/reply.h"

#include <array>
#include <cstdint>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace gauntlet::smtp {
namespace {

// Bounds the reuse pool (and so the memory a parser keeps between replies)
// independently of the options, so that Reset() with other limits does not
// throw buffers away.
constexpr std::size_t kMaxSpareLines = 256;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// How a line opens: "NNN" then ' ', '-' or the end.
enum class LineStart {
  kReply,           // A code in range and a valid separator.
  kNoCode,          // Not three digits.
  kCodeOutOfRange,  // Three digits, but not 2-5 then 0-5.
  kBadSeparator,    // A valid code followed by something else.
};

// What each byte may be at the start of a reply line, as bits, so that a
// line start is classified with table lookups and bit operations instead
// of a dozen comparisons. This runs for every line; under the fuzzer every
// comparison is also a call into SanitizerCoverage.
constexpr std::uint8_t kDigit = 1;       // 0-9
constexpr std::uint8_t kFirstDigit = 2;  // 2-5: a reply code's first digit
constexpr std::uint8_t kSecondDigit = 4; // 0-5: its second digit
constexpr std::uint8_t kSeparator = 8;   // ' ' or '-' after the code

constexpr std::array<std::uint8_t, 256> kStartClass = [] {
  std::array<std::uint8_t, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] |= kDigit;
  for (int c = '2'; c <= '5'; ++c) table[c] |= kFirstDigit;
  for (int c = '0'; c <= '5'; ++c) table[c] |= kSecondDigit;
  table[' '] |= kSeparator;
  table['-'] |= kSeparator;
  return table;
}();

LineStart ClassifyStart(absl::string_view text) {
  if (text.size() < 3) return LineStart::kNoCode;
  const auto at = [&text](std::size_t i) {
    return kStartClass[static_cast<unsigned char>(text.data()[i])];
  };
  const std::uint8_t a = at(0), b = at(1), c = at(2);
  if ((a & b & c & kDigit) == 0) return LineStart::kNoCode;
  if ((a & kFirstDigit & (b >> 1)) == 0) return LineStart::kCodeOutOfRange;
  // A bare "NNN" ends the reply; otherwise a separator must follow.
  const std::uint8_t separator = text.size() > 3 ? at(3) : kSeparator;
  return (separator & kSeparator) != 0 ? LineStart::kReply
                                       : LineStart::kBadSeparator;
}

int CodeOf(const char* t) {
  return (t[0] - '0') * 100 + (t[1] - '0') * 10 + (t[2] - '0');
}

// A short printable excerpt of hostile bytes for an error message.
std::string Excerpt(absl::string_view text) {
  constexpr std::size_t kMax = 24;
  if (text.size() <= kMax) return absl::StrCat("\"", absl::CHexEscape(text), "\"");
  return absl::StrCat("\"", absl::CHexEscape(text.substr(0, kMax)), "\"...");
}

// Reads 1-3 digits at text[*pos]; advances *pos.
bool ReadSmallNumber(absl::string_view text, std::size_t* pos, int* value) {
  std::size_t i = *pos;
  int v = 0;
  while (i < text.size() && i - *pos < 3 && IsDigit(text[i])) {
    v = v * 10 + (text[i] - '0');
    ++i;
  }
  if (i == *pos) return false;
  *pos = i;
  *value = v;
  return true;
}

}  // namespace

std::string EnhancedStatusCode::ToString() const {
  return absl::StrCat(klass, ".", subject, ".", detail);
}

absl::StatusCode ReplyError::status_code() const {
  switch (kind) {
    case ReplyErrorKind::kTooManyLines:
    case ReplyErrorKind::kTooLarge:
    case ReplyErrorKind::kLineTooLong:
      return absl::StatusCode::kResourceExhausted;
    default:
      return absl::StatusCode::kInvalidArgument;
  }
}

absl::Status ReplyError::ToStatus() const {
  std::string text;
  switch (kind) {
    case ReplyErrorKind::kNoCode:
      text = absl::StrCat("reply line at byte offset ", line_offset,
                          " does not start with a three-digit code");
      break;
    case ReplyErrorKind::kCodeOutOfRange:
      text = absl::StrFormat(
          "reply line at byte offset %d has an invalid reply code %03d "
          "(first digit must be 2-5, second 0-5)",
          line_offset, line_code);
      break;
    case ReplyErrorKind::kBadSeparator:
      text = absl::StrCat("reply line at byte offset ", line_offset,
                          ": expected ' ' or '-' after the code, got byte ",
                          static_cast<int>(separator));
      break;
    case ReplyErrorKind::kMixedCodes:
      text = absl::StrCat("reply line at byte offset ", line_offset,
                          " has code ", line_code,
                          " but the reply that began at byte offset ",
                          reply_offset, " has code ", reply_code);
      break;
    case ReplyErrorKind::kTooManyLines:
      text = absl::StrCat("reply at byte offset ", reply_offset,
                          " has more than ", limit,
                          " lines (line at byte offset ", line_offset, ")");
      break;
    case ReplyErrorKind::kTooLarge:
      text = absl::StrCat("reply at byte offset ", reply_offset, " exceeds ",
                          limit, " bytes (line at byte offset ", line_offset,
                          ")");
      break;
    case ReplyErrorKind::kLineTooLong:
      text = absl::StrCat("reply line at byte offset ", line_offset,
                          " exceeds the limit of ", limit,
                          " octets (line ending included)");
      break;
  }
  return absl::Status(status_code(), text);
}

absl::Status ReplyResult::status() const {
  return ok() ? absl::OkStatus() : error_->ToStatus();
}

absl::StatusOr<Reply> ReplyResult::ToStatusOr() const {
  if (ok()) return *reply_;
  return error_->ToStatus();
}

absl::string_view Reply::first_line() const {
  return lines.empty() ? absl::string_view() : absl::string_view(lines[0]);
}

std::optional<EnhancedStatusCode> ParseEnhancedStatusCode(
    absl::string_view text) {
  if (text.size() < 5) return std::nullopt;
  EnhancedStatusCode code;
  if (text[0] != '2' && text[0] != '4' && text[0] != '5') return std::nullopt;
  if (text[1] != '.') return std::nullopt;
  code.klass = text[0] - '0';
  std::size_t pos = 2;
  if (!ReadSmallNumber(text, &pos, &code.subject)) return std::nullopt;
  if (pos >= text.size() || text[pos] != '.') return std::nullopt;
  ++pos;
  if (!ReadSmallNumber(text, &pos, &code.detail)) return std::nullopt;
  if (pos < text.size() && text[pos] != ' ') return std::nullopt;
  return code;
}

ReplyParser::ReplyParser(ReplyParserOptions options)
    : options_(options), lines_(options.max_line_length) {}

void ReplyParser::Reset() {
  lines_.Reset();
  in_reply_ = false;
  skipping_ = false;
  lines_used_ = 0;
}

void ReplyParser::Reset(const ReplyParserOptions& options) {
  options_ = options;
  Reset();
  lines_.Reset(options.max_line_length);
}

void ReplyParser::AddLine(absl::string_view text) {
  std::vector<std::string>& lines = reply_.lines;
  if (lines_used_ < lines.size()) {
    lines[lines_used_].assign(text.data(), text.size());
  } else if (!spare_.empty()) {
    lines.push_back(std::move(spare_.back()));
    spare_.pop_back();
    lines.back().assign(text.data(), text.size());
  } else {
    lines.emplace_back(text.data(), text.size());
  }
  ++lines_used_;
}

void ReplyParser::TrimLines() {
  std::vector<std::string>& lines = reply_.lines;
  while (lines.size() > lines_used_) {
    if (spare_.size() < kMaxSpareLines) spare_.push_back(std::move(lines.back()));
    lines.pop_back();
  }
}

bool ReplyParser::idle() const {
  return !in_reply_ && lines_.pending().empty() && !lines_.discarding();
}

std::size_t ReplyParser::buffered_bytes() const {
  std::size_t n = lines_.pending().size();
  if (in_reply_) n += reply_.wire_length;
  return n;
}

bool ReplyParser::Fail(ReplySink sink) {
  in_reply_ = false;
  skipping_ = true;
  lines_used_ = 0;
  return sink(ReplyResult(error_));
}

bool ReplyParser::OnLine(const LineView& line, ReplySink sink) {
  if (line.overlong) {
    if (skipping_) return true;
    error_ = ReplyError{.kind = ReplyErrorKind::kLineTooLong,
                        .line_offset = line.offset,
                        .reply_offset = in_reply_ ? reply_.offset : line.offset,
                        .limit = options_.max_line_length};
    return Fail(sink);
  }
  const absl::string_view text = line.text;
  const LineStart start = ClassifyStart(text);
  if (skipping_ && start != LineStart::kReply) {
    return true;  // Still in the garbage that followed an error.
  }
  skipping_ = false;
  const char* t = text.data();
  if (start != LineStart::kReply) {
    error_ = ReplyError{.line_offset = line.offset,
                        .reply_offset = in_reply_ ? reply_.offset : line.offset};
    switch (start) {
      case LineStart::kNoCode:
        error_.kind = ReplyErrorKind::kNoCode;
        break;
      case LineStart::kCodeOutOfRange:
        error_.kind = ReplyErrorKind::kCodeOutOfRange;
        error_.line_code = CodeOf(t);
        break;
      default:
        error_.kind = ReplyErrorKind::kBadSeparator;
        error_.separator = static_cast<unsigned char>(t[3]);
        break;
    }
    return Fail(sink);
  }
  const bool last = text.size() == 3 || t[3] == ' ';
  // Pointer arithmetic, not substr(): this runs for every line, and the
  // hardened substr() checks its bounds again (an instrumented comparison).
  const absl::string_view rest =
      text.size() == 3 ? absl::string_view()
                       : absl::string_view(t + 4, text.size() - 4);
  const int code = CodeOf(t);
  Reply& r = reply_;
  if (!in_reply_) {
    lines_used_ = 0;
    r.code = code;
    r.enhanced_code.reset();
    r.has_bare_lf = false;
    r.has_bare_cr = false;
    r.offset = line.offset;
    r.wire_length = 0;
    in_reply_ = true;
  }
  if (code != r.code || lines_used_ >= options_.max_lines ||
      r.wire_length + line.wire_length() > options_.max_reply_bytes) {
    error_ = ReplyError{.line_offset = line.offset,
                        .reply_offset = r.offset,
                        .line_code = code,
                        .reply_code = r.code};
    if (code != r.code) {
      error_.kind = ReplyErrorKind::kMixedCodes;
    } else if (lines_used_ >= options_.max_lines) {
      error_.kind = ReplyErrorKind::kTooManyLines;
      error_.limit = options_.max_lines;
    } else {
      error_.kind = ReplyErrorKind::kTooLarge;
      error_.limit = options_.max_reply_bytes;
    }
    return Fail(sink);
  }
  r.wire_length += line.wire_length();
  r.has_bare_lf |= line.ending == LineEnding::kBareLf;
  r.has_bare_cr |= line.has_bare_cr;
  AddLine(rest);
  if (!last) return true;
  in_reply_ = false;
  TrimLines();
  std::optional<EnhancedStatusCode> enhanced =
      ParseEnhancedStatusCode(r.lines.front());
  if (enhanced.has_value() && enhanced->klass == r.code / 100) {
    r.enhanced_code = enhanced;
  }
  return sink(ReplyResult(reply_));
}

std::size_t ReplyParser::Feed(absl::string_view bytes, ReplySink sink) {
  return lines_.FeedViews(bytes, [&](const LineView& line) {
    return OnLine(line, sink);
  });
}

absl::StatusOr<Reply> ParseReply(absl::string_view bytes,
                                 ReplyParserOptions options) {
  ReplyParser parser(options);
  std::optional<bool> ok;
  const std::size_t consumed = parser.Feed(bytes, [&](const ReplyResult& r) {
    ok = r.ok();
    return false;
  });
  if (!ok.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "incomplete reply: no final line in ", bytes.size(), " bytes"));
  }
  // The sink saw the reply that is still in parser.reply_ (or the error in
  // parser.error_): move it out instead of copying.
  if (!*ok) return parser.error_.ToStatus();
  if (consumed != bytes.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected bytes after the reply at byte offset ",
                     consumed, ": ", Excerpt(bytes.substr(consumed))));
  }
  return std::move(parser.reply_);
}

void SerializeReplyTo(const Reply& reply, std::string* out) {
  const absl::AlphaNum code_text(reply.code);
  const absl::string_view code = code_text.Piece();
  if (reply.lines.empty()) {
    absl::StrAppend(out, code, "\r\n");
    return;
  }
  std::size_t size = out->size();
  for (const std::string& line : reply.lines) size += line.size() + 6;
  out->reserve(size);
  for (std::size_t i = 0; i < reply.lines.size(); ++i) {
    const bool last = i + 1 == reply.lines.size();
    out->append(code.data(), code.size());
    if (!last) {
      out->push_back('-');
    } else if (!reply.lines[i].empty()) {
      out->push_back(' ');
    }
    out->append(reply.lines[i]);
    out->append("\r\n", 2);
  }
}

std::string SerializeReply(const Reply& reply) {
  std::string out;
  SerializeReplyTo(reply, &out);
  return out;
}

}  // namespace gauntlet::smtp
