#include "smtp/reply.h"

#include <bit>
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

// The start of a reply line: its code and what follows the code.
struct LineStart {
  int code = 0;            // 200-559.
  bool continued = false;  // "NNN-": more lines of the reply follow.
  std::size_t text = 0;    // Where the line's text starts: 3 or 4.
};

// Reads the code a line opens with into *start: three digits (2-5, 0-5,
// 0-9) followed by ' ', '-' or the end of the line; false if the line does
// not open so. This runs for every line; in the fuzz build every integer
// comparison is a call into SanitizerCoverage and every indexed access a
// checked pointer addition, so the bytes are read with one load and the
// three digits are checked with one comparison.
bool ReadLineStart(absl::string_view text, LineStart* start) {
  static_assert(std::endian::native == std::endian::little);
  const std::size_t size = text.size();
  if (size < 3) return false;
  const bool code_only = size == 3;
  std::uint32_t bytes = 0;  // text[0] in the low byte.
  std::memcpy(&bytes, text.data(), code_only ? 3 : 4);
  const int d0 = static_cast<int>(bytes & 0xff) - '2';
  const int d1 = static_cast<int>(bytes >> 8 & 0xff) - '0';
  const int d2 = static_cast<int>(bytes >> 16 & 0xff) - '0';
  const int separator = static_cast<int>(bytes >> 24);
  // d lies in [0, max] iff neither d nor max - d is negative: the OR of
  // all six is negative iff some digit is out of its range.
  if ((d0 | (3 - d0) | d1 | (5 - d1) | d2 | (9 - d2)) < 0) return false;
  const int code = (d0 + 2) * 100 + d1 * 10 + d2;
  if (code_only) {
    *start = {code, false, 3};
  } else if (separator == ' ') {
    *start = {code, false, 4};
  } else if (separator == '-') {
    *start = {code, true, 4};
  } else {
    return false;
  }
  return true;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Why ReadLineStart() rejected `text`.
ReplyErrorKind BadStartKind(absl::string_view text) {
  if (text.size() < 3 || !IsDigit(text[0]) || !IsDigit(text[1]) ||
      !IsDigit(text[2])) {
    return ReplyErrorKind::kNoCode;
  }
  if (text[0] < '2' || text[0] > '5' || text[1] > '5') {
    return ReplyErrorKind::kCodeOutOfRange;
  }
  return ReplyErrorKind::kBadSeparator;
}

int CodeOf(absl::string_view digits) {
  return (digits[0] - '0') * 100 + (digits[1] - '0') * 10 + (digits[2] - '0');
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

void ReplyParser::AddLine(const char* text, std::size_t size) {
  std::vector<std::string>& lines = reply_.lines;
  if (lines_used_ < lines.size()) {
    lines[lines_used_].assign(text, size);
  } else if (!spare_.empty()) {
    lines.push_back(std::move(spare_.back()));
    spare_.pop_back();
    lines.back().assign(text, size);
  } else {
    lines.emplace_back(text, size);
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

bool ReplyParser::FailLine(ReplyErrorKind kind, absl::string_view text,
                           std::uint64_t offset, ReplySink sink) {
  error_ = ReplyError{
      .kind = kind,
      .line_offset = offset,
      .reply_offset = state_ == State::kInReply ? reply_.offset : offset};
  switch (kind) {
    case ReplyErrorKind::kCodeOutOfRange:
      error_.line_code = CodeOf(text);
      break;
    case ReplyErrorKind::kBadSeparator:
      error_.separator = static_cast<unsigned char>(text[3]);
      break;
    case ReplyErrorKind::kLineTooLong:
      error_.limit = options_.max_line_length;
      break;
    default:
      break;
  }
  return Fail(sink);
}

bool ReplyParser::OnOverlongLine(std::uint64_t offset, ReplySink sink) {
  // After an error, lines that cannot start a reply are more of the same
  // garbage: one error is enough.
  if (state_ == State::kSkipping) return true;
  return FailLine(ReplyErrorKind::kLineTooLong, absl::string_view(), offset,
                  sink);
}

bool ReplyParser::OnLine(const LineView& line, ReplySink sink) {
  LineStart start;
  if (!ReadLineStart(line.text, &start)) {
    if (state_ == State::kSkipping) return true;  // As for overlong lines.
    return FailLine(BadStartKind(line.text), line.text, line.offset, sink);
  }
  Reply& r = reply_;
  if (state_ != State::kInReply) {
    lines_used_ = 0;
    r.code = start.code;
    r.has_bare_lf = false;
    r.has_bare_cr = false;
    r.offset = line.offset;
    r.wire_length = 0;
    state_ = State::kInReply;
  }
  const std::size_t wire_length = r.wire_length + line.wire_length;
  if (start.code != r.code || lines_used_ >= options_.max_lines ||
      wire_length > options_.max_reply_bytes) {
    error_ = ReplyError{.line_offset = line.offset,
                        .reply_offset = r.offset,
                        .line_code = start.code,
                        .reply_code = r.code};
    if (start.code != r.code) {
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
  r.wire_length = wire_length;
  // Set, never read back: a read-modify-write of a bool is a checked load.
  if (line.ending == LineEnding::kBareLf) r.has_bare_lf = true;
  if (line.has_bare_cr) r.has_bare_cr = true;
  AddLine(line.text.data() + start.text, line.text.size() - start.text);
  if (start.continued) return true;
  state_ = State::kBetweenReplies;
  TrimLines();
  const std::string& first = r.lines.front();
  // Only a first line that opens with the reply's class can carry one.
  // Assigned whole rather than reset when the reply starts: optional's
  // reset() tests its flag, a checked bool load.
  r.enhanced_code = !first.empty() && first.front() - '0' == r.code / 100
                        ? ParseEnhancedStatusCode(first)
                        : std::nullopt;
  return sink(ReplyResult(reply_));
}

std::size_t ReplyParser::Feed(absl::string_view bytes, ReplySink sink) {
  return lines_.FeedViews(
      bytes, [&](const LineView& line) { return OnLine(line, sink); },
      [&](std::uint64_t offset) { return OnOverlongLine(offset, sink); });
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
  const std::string* const last = &reply.lines.back();
  for (const std::string& line : reply.lines) {
    const absl::string_view separator =
        &line != last ? "-" : (line.empty() ? "" : " ");
    absl::StrAppend(out, code, separator, line, "\r\n");
  }
}

std::string SerializeReply(const Reply& reply) {
  std::string out;
  SerializeReplyTo(reply, &out);
  return out;
}

}  // namespace gauntlet::smtp
