// SMTP replies as seen by a client: parsing, validation and serialisation.
//
// A reply is one or more lines "NNN-text" ending with a line "NNN text" (or
// a bare "NNN"). The parser checks that every code is exactly three digits
// with a first digit 2-5 and a second digit 0-5 (RFC 5321 §4.2), that all
// lines of a reply carry the same code, and that a reply stays within a
// line count and a byte budget. It records an RFC 3463 enhanced status code
// when the first line starts with one whose class matches the reply's, and
// whether any line ended with a bare LF or contained a bare CR.
//
// ReplyParser works incrementally on raw socket bytes; its sink can stop
// consumption right after any reply so that bytes a server sent after, say,
// "220 Ready to start TLS" stay with the caller (response injection is then
// visible instead of being silently buffered). After an error the partial
// reply is dropped and the next line that can start a reply (a valid code
// followed by ' ', '-' or the end) starts a new one; lines that cannot
// (overlong ones included) are skipped silently, so a run of garbage gives
// one error, not one per line.
//
// Errors reach the sink as ReplyError values (a kind and the offsets
// involved); turning one into an absl::Status with a message is left to
// the caller that wants it, so parsing hostile bytes does no formatting
// and no allocation.

#ifndef GAUNTLET_SMTP_REPLY_H_
#define GAUNTLET_SMTP_REPLY_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "smtp/line_reader.h"

namespace gauntlet::smtp {

// RFC 3463 class.subject.detail, e.g. 5.7.0.
struct EnhancedStatusCode {
  int klass = 0;    // 2, 4 or 5.
  int subject = 0;  // 0-999.
  int detail = 0;   // 0-999.

  std::string ToString() const;
  friend bool operator==(const EnhancedStatusCode&,
                         const EnhancedStatusCode&) = default;
};

struct Reply {
  // 200-559 with a second digit 0-5.
  int code = 0;
  // The text of every line after "NNN-" / "NNN " (empty for a bare "NNN"),
  // without the line ending; never empty for a parsed reply.
  std::vector<std::string> lines;
  // From the start of the first line's text, when present and its class
  // matches the first digit of `code`. The text itself is left unchanged.
  std::optional<EnhancedStatusCode> enhanced_code;
  // Whether any line ended with a bare LF / contained a bare CR.
  bool has_bare_lf = false;
  bool has_bare_cr = false;
  // Stream offset of the reply's first byte and its size on the wire.
  std::uint64_t offset = 0;
  std::size_t wire_length = 0;

  int code_class() const { return code / 100; }
  // The first line's text (empty if there are no lines).
  absl::string_view first_line() const;

  friend bool operator==(const Reply&, const Reply&) = default;
};

struct ReplyParserOptions {
  // Per line, line ending included (RFC 5321 §4.5.3.1.5).
  std::size_t max_line_length = kMaxReplyLineLength;
  // Lines per reply; more is an error (endless continuation lines).
  std::size_t max_lines = 256;
  // Wire bytes per reply.
  std::size_t max_reply_bytes = 64 * 1024;
};

// Why bytes did not form a reply.
enum class ReplyErrorKind {
  kNoCode,          // A line does not start with three digits.
  kCodeOutOfRange,  // Three digits, but not 2-5 then 0-5.
  kBadSeparator,    // A valid code followed by neither ' ', '-' nor the end.
  kMixedCodes,      // A line's code differs from its reply's first line.
  kTooManyLines,    // The reply would exceed max_lines.
  kTooLarge,        // The reply would exceed max_reply_bytes.
  kLineTooLong,     // A line reached max_line_length without its LF.
};

// A malformed or oversized reply, as plain data. Building one allocates and
// formats nothing, so a stream of garbage costs no more to parse than a
// stream of replies (what a fuzzer, or a hostile server, mostly sends);
// ToStatus() renders the message naming what went wrong and where.
struct ReplyError {
  ReplyErrorKind kind = ReplyErrorKind::kNoCode;
  // Stream offsets of the offending line and of the reply it would have
  // belonged to (the same for a line that could not start one).
  std::uint64_t line_offset = 0;
  std::uint64_t reply_offset = 0;
  // kCodeOutOfRange, kMixedCodes: the line's three digits as a number.
  int line_code = 0;
  // kMixedCodes: the code of the reply's first line.
  int reply_code = 0;
  // kBadSeparator: the byte after the code.
  unsigned char separator = 0;
  // kTooManyLines, kTooLarge, kLineTooLong: the limit that was hit.
  std::size_t limit = 0;

  // kInvalidArgument for malformed lines and mixed codes,
  // kResourceExhausted for limits.
  absl::StatusCode status_code() const;
  absl::Status ToStatus() const;

  friend bool operator==(const ReplyError&, const ReplyError&) = default;
};

// What the parser hands its sink: a complete reply or an error. Both live
// in the parser and are valid only during the sink call; copy what you keep
// (ToStatusOr() does).
class ReplyResult {
 public:
  explicit ReplyResult(const Reply& reply) : reply_(&reply) {}
  explicit ReplyResult(const ReplyError& error) : error_(&error) {}

  bool ok() const { return reply_ != nullptr; }
  // Only when ok().
  const Reply& operator*() const { return *reply_; }
  const Reply* operator->() const { return reply_; }
  // Only when !ok().
  const ReplyError& error() const { return *error_; }
  // OkStatus() or error().ToStatus().
  absl::Status status() const;
  absl::StatusOr<Reply> ToStatusOr() const;

 private:
  const Reply* reply_ = nullptr;
  const ReplyError* error_ = nullptr;
};

// Receives each complete reply or error. Returning false stops consumption
// right after that reply or error.
using ReplySink = absl::FunctionRef<bool(const ReplyResult&)>;

class ReplyParser {
 public:
  explicit ReplyParser(ReplyParserOptions options = {});

  // Parses `bytes`; returns how many were consumed (all, unless the sink
  // returned false).
  std::size_t Feed(absl::string_view bytes, ReplySink sink);

  // True when no partial line and no partial reply is held: the bytes fed
  // so far ended exactly at a reply boundary.
  bool idle() const;
  // Bytes of an unfinished reply held back (its complete lines plus any
  // partial line).
  std::size_t buffered_bytes() const;
  // Total bytes consumed since construction or Reset().
  std::uint64_t offset() const { return lines_.offset(); }
  const ReplyParserOptions& options() const { return options_; }

  // Forgets any partial reply, keeping allocated buffers for reuse; the
  // second form also changes the options.
  void Reset();
  void Reset(const ReplyParserOptions& options);

 private:
  friend absl::StatusOr<Reply> ParseReply(absl::string_view bytes,
                                          ReplyParserOptions options);

  // Each returns false if the sink asked to stop.
  bool OnLine(const LineView& line, ReplySink sink);
  // A line that reached max_line_length, starting at `offset`.
  bool OnOverlongLine(std::uint64_t offset, ReplySink sink);
  // Reports a line (its text and offset) that cannot be part of a reply.
  bool FailLine(ReplyErrorKind kind, absl::string_view text,
                std::uint64_t offset, ReplySink sink);
  // Reports error_ (its kind and offsets already set).
  bool Fail(ReplySink sink);
  // Stores `text` as the current reply's next line, in a string buffer
  // kept from an earlier reply where there is one. A pointer and a size:
  // Abseil's string_view checks its length on construction.
  void AddLine(const char* text, std::size_t size);
  // Shrinks reply_.lines to the current reply's lines, keeping the strings
  // of an earlier, longer reply in spare_.
  void TrimLines();

  // Where the parser is between lines. An enum rather than two bools: it is
  // read for every line, and UBSan's check of every bool load is itself a
  // comparison the fuzzer's instrumentation traces.
  enum class State : std::uint8_t {
    kBetweenReplies,
    kInReply,
    kSkipping,  // After an error: lines that cannot start a reply are skipped.
  };

  ReplyParserOptions options_;
  LineReader lines_;
  State state_ = State::kBetweenReplies;
  // The reply being assembled, lent to the sink when complete. While it is
  // assembled, reply_.lines may hold strings of an earlier reply past
  // lines_used_: they are overwritten rather than freed and allocated again.
  Reply reply_;
  std::size_t lines_used_ = 0;
  // The last error, lent to the sink.
  ReplyError error_;
  // Line strings of earlier replies, reused so that steady-state parsing
  // does not allocate. At most 256 of them.
  std::vector<std::string> spare_;
};

// Parses exactly one complete reply. Bytes after its last line, or a reply
// without its final line, are errors.
absl::StatusOr<Reply> ParseReply(absl::string_view bytes,
                                 ReplyParserOptions options = {});

// Wire form of `reply` with CRLF line endings: "NNN-text" lines and a last
// "NNN text" line ("NNN" alone when its text is empty). A reply with no
// lines serialises as a bare "NNN\r\n".
std::string SerializeReply(const Reply& reply);
// Appends the same bytes to *out.
void SerializeReplyTo(const Reply& reply, std::string* out);

// Reads an enhanced status code at the start of `text` (followed by a space
// or the end). nullopt if there is none or its class is not 2, 4 or 5.
std::optional<EnhancedStatusCode> ParseEnhancedStatusCode(
    absl::string_view text);

}  // namespace gauntlet::smtp

#endif  // GAUNTLET_SMTP_REPLY_H_
