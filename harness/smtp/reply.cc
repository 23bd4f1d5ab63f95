#include "harness/smtp/reply.h"

#include <array>
#include <cstdint>
#include <cstring>
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

// What each byte may be at the start of a reply line, as bits, so that a
// line start is classified with table lookups and bit operations instead
// of a dozen comparisons. This runs for every line; under the fuzzer every
// comparison is also a call into SanitizerCoverage.
constexpr std::uint8_t kDigit = 1;        // 0-9
constexpr std::uint8_t kFirstDigit = 2;   // 2-5: a reply code's first digit
constexpr std::uint8_t kSecondDigit = 4;  // 0-5: its second digit
constexpr std::uint8_t kSeparator = 8;    // ' ' or '-' after the code

constexpr std::array<std::uint8_t, 256> kStartClass = [] {
  std::array<std::uint8_t, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] |= kDigit;
  for (int c = '2'; c <= '5'; ++c) table[c] |= kFirstDigit;
  for (int c = '0'; c <= '5'; ++c) table[c] |= kSecondDigit;
  table[' '] |= kSeparator;
  table['-'] |= kSeparator;
  return table;
}();

// Whether `line` opens with a valid code followed by ' ', '-' or the end;
// if not, *why says why. (A bool and an out-parameter rather than an
// optional: an optional's flag is a bool load, which UBSan checks with a
// comparison that the fuzzer's instrumentation then traces.)
bool CheckStart(const LineView& line, ReplyErrorKind* why) {
  const auto fail = [why](ReplyErrorKind kind) {
    *why = kind;
    return false;
  };
  if (line.overlong) return fail(ReplyErrorKind::kLineTooLong);
  const absl::string_view text = line.text;
  if (text.size() < 3) return fail(ReplyErrorKind::kNoCode);
  const auto at = [&text](std::size_t i) {
    return kStartClass[static_cast<unsigned char>(text.data()[i])];
  };
  const std::uint8_t a = at(0), b = at(1), c = at(2);
  if ((a & b & c & kDigit) == 0) return fail(ReplyErrorKind::kNoCode);
  if ((a & kFirstDigit & (b >> 1)) == 0) {
    return fail(ReplyErrorKind::kCodeOutOfRange);
  }
  // A bare "NNN" ends the reply; otherwise a separator must follow.
  const std::uint8_t separator = text.size() > 3 ? at(3) : kSeparator;
  if ((separator & kSeparator) == 0) return fail(ReplyErrorKind::kBadSeparator);
  return true;
}

int CodeOf(const char* t) {
  return (t[0] - '0') * 100 + (t[1] - '0') * 10 + (t[2] - '0');
}

// A short printable excerpt of hostile bytes for an error message.
std::string Excerpt(absl::string_view text) {
  constexpr std::size_t kMax = 24;
  if (text.size() <= kMax)
    return absl::StrCat("\"", absl::CHexEscape(text), "\"");
  return absl::StrCat("\"", absl::CHexEscape(text.substr(0, kMax)), "\"...");
}

// Reads 1-3 digits at *p (before `end`); advances *p.
bool ReadSmallNumber(const char** p, const char* end, int* value) {
  const char* const start = *p;
  const char* q = start;
  int v = 0;
  while (q < end && q - start < 3 && IsDigit(*q)) {
    v = v * 10 + (*q - '0');
    ++q;
  }
  if (q == start) return false;
  *p = q;
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
      text =
          absl::StrCat("reply line at byte offset ", line_offset, " has code ",
                       line_code, " but the reply that began at byte offset ",
                       reply_offset, " has code ", reply_code);
      break;
    case ReplyErrorKind::kTooManyLines:
      text =
          absl::StrCat("reply at byte offset ", reply_offset, " has more than ",
                       limit, " lines (line at byte offset ", line_offset, ")");
      break;
    case ReplyErrorKind::kTooLarge:
      text =
          absl::StrCat("reply at byte offset ", reply_offset, " exceeds ",
                       limit, " bytes (line at byte offset ", line_offset, ")");
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
  const char* p = text.data();
  const char* const end = p + text.size();
  if (text.size() < 5 || p[1] != '.' ||
      (p[0] != '2' && p[0] != '4' && p[0] != '5')) {
    return std::nullopt;
  }
  EnhancedStatusCode code;
  code.klass = p[0] - '0';
  p += 2;
  if (!ReadSmallNumber(&p, end, &code.subject) || p == end || *p != '.') {
    return std::nullopt;
  }
  ++p;
  if (!ReadSmallNumber(&p, end, &code.detail)) return std::nullopt;
  if (p != end && *p != ' ') return std::nullopt;
  return code;
}

ReplyParser::ReplyParser(ReplyParserOptions options)
    : options_(options), lines_(options.max_line_length) {}

void ReplyParser::Reset() {
  lines_.Reset(options_.max_line_length);
  state_ = State::kBetweenReplies;
  lines_used_ = 0;
}

void ReplyParser::Reset(const ReplyParserOptions& options) {
  options_ = options;
  Reset();
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
    if (spare_.size() < kMaxSpareLines)
      spare_.push_back(std::move(lines.back()));
    lines.pop_back();
  }
}

bool ReplyParser::idle() const {
  return state_ != State::kInReply && lines_.pending().empty() &&
         !lines_.discarding();
}

std::size_t ReplyParser::buffered_bytes() const {
  std::size_t n = lines_.pending().size();
  if (state_ == State::kInReply) n += reply_.wire_length;
  return n;
}

bool ReplyParser::Fail(ReplySink sink) {
  state_ = State::kSkipping;
  lines_used_ = 0;
  return sink(ReplyResult(error_));
}

bool ReplyParser::FailLine(ReplyErrorKind kind, const LineView& line,
                           ReplySink sink) {
  error_ = ReplyError{
      .kind = kind,
      .line_offset = line.offset,
      .reply_offset = state_ == State::kInReply ? reply_.offset : line.offset};
  const char* t = line.text.data();
  switch (kind) {
    case ReplyErrorKind::kCodeOutOfRange:
      error_.line_code = CodeOf(t);
      break;
    case ReplyErrorKind::kBadSeparator:
      error_.separator = static_cast<unsigned char>(t[3]);
      break;
    case ReplyErrorKind::kLineTooLong:
      error_.limit = options_.max_line_length;
      break;
    default:
      break;
  }
  return Fail(sink);
}

bool ReplyParser::OnLine(const LineView& line, ReplySink sink) {
  ReplyErrorKind bad;
  if (!CheckStart(line, &bad)) {
    // After an error, lines that cannot start a reply are more of the same
    // garbage: one error is enough.
    if (state_ == State::kSkipping) return true;
    return FailLine(bad, line, sink);
  }
  // Raw pointers rather than substr() and operator[]: this runs for every
  // line, and the hardened accessors re-check bounds each time.
  const char* t = line.text.data();
  const std::size_t size = line.text.size();
  const int code = CodeOf(t);
  Reply& r = reply_;
  if (state_ != State::kInReply) {
    lines_used_ = 0;
    r.code = code;
    r.enhanced_code.reset();
    r.has_bare_lf = false;
    r.has_bare_cr = false;
    r.offset = line.offset;
    r.wire_length = 0;
    state_ = State::kInReply;
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
  // Set, never read back: a read-modify-write of a bool is a checked load.
  if (line.ending == LineEnding::kBareLf) r.has_bare_lf = true;
  if (line.has_bare_cr) r.has_bare_cr = true;
  if (size == 3) {  // A bare "NNN" is a last line with empty text.
    AddLine(absl::string_view());
  } else {
    AddLine(absl::string_view(t + 4, size - 4));
    if (t[3] == '-') return true;
  }
  state_ = State::kBetweenReplies;
  TrimLines();
  const std::string& first = r.lines.front();
  // Only a first line that opens with the reply's class can carry one.
  if (!first.empty() && first.front() - '0' == r.code / 100) {
    r.enhanced_code = ParseEnhancedStatusCode(first);
  }
  return sink(ReplyResult(reply_));
}

std::size_t ReplyParser::Feed(absl::string_view bytes, ReplySink sink) {
  return lines_.FeedViews(
      bytes, [&](const LineView& line) { return OnLine(line, sink); });
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
  // Sized once and filled in place: one resize instead of four appends per
  // line (the round trip in the reply fuzzer runs this for every reply).
  std::size_t size = 0;
  for (const std::string& line : reply.lines) {
    size += code.size() + 1 + line.size() + 2;
  }
  if (reply.lines.back().empty()) --size;  // "NNN" alone, no separator.
  const std::size_t start = out->size();
  out->resize(start + size);
  char* p = out->data() + start;
  const auto put = [&p](absl::string_view bytes) {
    if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
    p += bytes.size();
  };
  for (std::size_t i = 0; i < reply.lines.size(); ++i) {
    const std::string& line = reply.lines[i];
    const bool last = i + 1 == reply.lines.size();
    put(code);
    if (!last) {
      *p++ = '-';
    } else if (!line.empty()) {
      *p++ = ' ';
    }
    put(line);
    put("\r\n");
  }
}

std::string SerializeReply(const Reply& reply) {
  std::string out;
  SerializeReplyTo(reply, &out);
  return out;
}

}  // namespace gauntlet::smtp
