// Incremental CRLF line framing for SMTP, as a pure byte-in / value-out core.
//
// A LineReader accepts the bytes of one direction of an SMTP session in
// whatever pieces the socket delivered them and hands out complete lines.
// Feeding one byte at a time yields exactly the same lines, errors and
// offsets as feeding everything at once.
//
// Line endings are reported, never normalised: a line ended by a bare LF is
// marked kBareLf, and a CR that is not immediately followed by LF stays in
// the text and sets has_bare_cr. A bare CR does not end a line.
//
// Memory is bounded by the configured maximum line length whatever the
// input: a line that reaches the limit without an LF is reported as an error
// value (naming its byte offset) as soon as the limit is reached, and the
// reader then discards bytes up to and including the next LF.
//
// The sink may stop consumption right after any line or error, so that the
// caller gets the rest of the same read raw: after "STARTTLS\r\n" the next
// bytes belong to the TLS handshake, not to the line framing.

#ifndef GAUNTLET_SMTP_LINE_READER_H_
#define GAUNTLET_SMTP_LINE_READER_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gauntlet::smtp {

// RFC 5321 §4.5.3.1.4: a command line is at most 512 octets including CRLF.
inline constexpr std::size_t kMaxCommandLineLength = 512;
// RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets including CRLF.
inline constexpr std::size_t kMaxReplyLineLength = 512;
// RFC 5321 §4.5.3.1.6: a text line (message data) is at most 1000 octets
// including CRLF.
inline constexpr std::size_t kMaxTextLineLength = 1000;

enum class LineEnding {
  kCrlf,    // "\r\n", as RFC 5321 requires.
  kBareLf,  // "\n" without a preceding CR.
};

struct Line {
  // The line without its ending (neither the LF nor the CR of a CRLF).
  std::string text;
  LineEnding ending = LineEnding::kCrlf;
  // True when `text` contains a CR that is not part of the line's CRLF.
  bool has_bare_cr = false;
  // Stream offset of the line's first byte (0 = first byte ever fed).
  std::uint64_t offset = 0;

  // Number of bytes the line occupied on the wire, ending included.
  std::size_t wire_length() const {
    return text.size() + (ending == LineEnding::kCrlf ? 2 : 1);
  }
  friend bool operator==(const Line&, const Line&) = default;
};

// The same facts as Line, with `text` pointing into the bytes being fed or
// the reader's buffer: valid only during the sink call. For consumers that
// copy what they keep anyway (the reply parser), this saves a copy per line.
struct LineView {
  absl::string_view text;
  LineEnding ending = LineEnding::kCrlf;
  bool has_bare_cr = false;
  std::uint64_t offset = 0;
  // Bytes the line occupied on the wire, ending included.
  std::size_t wire_length = 0;
};

// Receives each complete line, or an error (absl::StatusCode::
// kResourceExhausted) for a line that reached the length limit. Returning
// false stops consumption right after that line or error.
using LineSink = absl::FunctionRef<bool(const absl::StatusOr<Line>&)>;

class LineReader {
 public:
  // `max_line_length` counts the line ending; values below 1 are treated
  // as 1 (only an empty bare-LF line fits).
  explicit LineReader(std::size_t max_line_length = kMaxCommandLineLength);

  // Frames `bytes`, calling `sink` for every complete line or overlong-line
  // error. Returns how many bytes of `bytes` were consumed: all of them,
  // unless the sink returned false, in which case the bytes after that line
  // (or after the byte that made the line overlong) were not looked at and
  // remain the caller's.
  std::size_t Feed(absl::string_view bytes, LineSink sink);
  // Identical, handing out views instead of copies: each complete line to
  // `on_line`, any callable bool(const LineView&), and the stream offset of
  // each overlong line to `on_overlong`, any callable bool(std::uint64_t)
  // (OverlongError() gives the error Feed() would have reported). A
  // template so that a parser built on the reader (ReplyParser) gets its
  // per-line step inlined rather than called through a pointer per line.
  template <typename OnLine, typename OnOverlong>
  std::size_t FeedViews(absl::string_view bytes, OnLine&& on_line,
                        OnOverlong&& on_overlong);
  // The error for an overlong line starting at `offset`.
  absl::Status OverlongError(std::uint64_t offset) const;

  // Bytes of an incomplete line held back until its LF arrives.
  absl::string_view pending() const { return pending_; }
  // True while discarding the rest of an overlong line.
  bool discarding() const { return discarding_; }
  // Total bytes consumed since construction or Reset().
  std::uint64_t offset() const { return offset_; }
  std::size_t max_line_length() const { return max_line_length_; }

  // Forgets any partial line and restarts offsets at zero, keeping
  // allocated buffers for reuse; the second form also changes the limit.
  void Reset();
  void Reset(std::size_t max_line_length);

 private:
  // The line from `begin` up to the LF at `lf`, which is not read (for a
  // line assembled in pending_, `lf` is the end of the buffer).
  static LineView ViewOf(const char* begin, const char* lf,
                         std::uint64_t line_offset);

  std::size_t max_line_length_;
  std::string pending_;
  std::uint64_t pending_offset_ = 0;
  std::uint64_t offset_ = 0;
  bool discarding_ = false;
  // Reused for every line handed out by Feed() so that steady-state
  // framing does not allocate.
  absl::StatusOr<Line> scratch_;
};

inline LineView LineReader::ViewOf(const char* begin, const char* lf,
                                   std::uint64_t line_offset) {
  // One search for a CR settles both the ending and bare CRs: the first CR
  // is either the one right before the LF (CRLF, no bare CR) or a bare CR.
  // Pointer differences and pointer comparisons rather than sizes and
  // indexes: this runs for every line, and in the fuzz build every indexed
  // access is a checked pointer addition and every integer comparison a
  // call into SanitizerCoverage.
  LineView line;
  line.offset = line_offset;
  line.wire_length = static_cast<std::size_t>(lf - begin) + 1;
  const char* text_end = lf;
  const void* cr =
      std::memchr(begin, '\r', static_cast<std::size_t>(lf - begin));
  if (cr == nullptr) {
    line.ending = LineEnding::kBareLf;
  } else if (lf - static_cast<const char*>(cr) == 1) {
    line.ending = LineEnding::kCrlf;
    text_end = static_cast<const char*>(cr);
  } else {
    line.has_bare_cr = true;
    if (lf[-1] == '\r') {
      line.ending = LineEnding::kCrlf;
      text_end = lf - 1;
    } else {
      line.ending = LineEnding::kBareLf;
    }
  }
  line.text =
      absl::string_view(begin, static_cast<std::size_t>(text_end - begin));
  return line;
}

template <typename OnLine, typename OnOverlong>
std::size_t LineReader::FeedViews(absl::string_view bytes, OnLine&& on_line,
                                  OnOverlong&& on_overlong) {
  const char* const begin = bytes.data();
  const char* const end = begin + bytes.size();
  const char* p = begin;
  // Advances past the LF ending an overlong line, or to the end of the
  // read (and keeps discarding in the next one).
  const auto discard = [&] {
    const void* lf = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
    const char* next = lf == nullptr ? end : static_cast<const char*>(lf) + 1;
    discarding_ = lf == nullptr;
    offset_ += static_cast<std::uint64_t>(next - p);
    p = next;
  };
  // Reports the line that reached the limit at p[room] (not an LF).
  const auto overlong = [&](std::uint64_t line_offset, std::size_t room) {
    offset_ += room + 1;
    p += room + 1;
    pending_.clear();
    if (!on_overlong(line_offset)) {
      discarding_ = true;
      return false;
    }
    discard();
    return true;
  };

  // First what the previous read left: the rest of an overlong line, or
  // the start of a line still waiting for its LF.
  if (discarding_ && p < end) discard();
  if (!pending_.empty() && p < end) {
    const std::size_t avail = static_cast<std::size_t>(end - p);
    // The line may hold at most max-1 bytes before its LF.
    const std::size_t room = max_line_length_ - 1 - pending_.size();
    const void* lf_ptr =
        std::memchr(p, '\n', avail < room + 1 ? avail : room + 1);
    if (lf_ptr == nullptr) {
      if (avail <= room) {
        pending_.append(p, avail);
        offset_ += avail;
        return bytes.size();
      }
      if (!overlong(pending_offset_, room))
        return static_cast<std::size_t>(p - begin);
    } else {
      const char* lf = static_cast<const char*>(lf_ptr);
      pending_.append(p, static_cast<std::size_t>(lf - p));
      offset_ += static_cast<std::uint64_t>(lf + 1 - p);
      p = lf + 1;
      const bool go_on = on_line(ViewOf(
          pending_.data(), pending_.data() + pending_.size(), pending_offset_));
      pending_.clear();
      if (!go_on) return static_cast<std::size_t>(p - begin);
    }
  }

  // Then every line that starts in this read. Nothing is pending here.
  const std::size_t room = max_line_length_ - 1;
  while (p < end) {
    const std::size_t avail = static_cast<std::size_t>(end - p);
    const void* lf_ptr =
        std::memchr(p, '\n', avail < room + 1 ? avail : room + 1);
    if (lf_ptr != nullptr) {
      const char* lf = static_cast<const char*>(lf_ptr);
      const LineView line = ViewOf(p, lf, offset_);
      offset_ += line.wire_length;
      p = lf + 1;
      if (!on_line(line)) break;
    } else if (avail <= room) {
      pending_.assign(p, avail);
      pending_offset_ = offset_;
      offset_ += avail;
      p = end;
    } else if (!overlong(offset_, room)) {
      break;
    }
  }
  return static_cast<std::size_t>(p - begin);
}

}  // namespace gauntlet::smtp

#endif  // GAUNTLET_SMTP_LINE_READER_H_
