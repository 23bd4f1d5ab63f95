// The body of a DATA transaction (RFC 5321 §4.1.1.4, §4.5.2): finding the
// end-of-data marker and undoing dot-stuffing, plus the client-side
// DotStuff().
//
// The marker is a line holding only "." after a CRLF (or right at the start
// of the data, so a message may be empty). Only CRLF delimits lines for the
// marker and for dot-stuffing: "\n.\n", "\r\n.\n" and "\n.\r\n" are NOT the
// end of data (treating them as such is what SMTP smuggling exploits); the
// reader instead reports that it saw a bare LF or bare CR.
//
// The reader is incremental and split-invariant, consumes bytes only up to
// and including the marker so that pipelined commands after it stay with
// the caller, and keeps memory bounded by the maximum message size: past a
// limit it records the first error, stops storing, and keeps looking for the
// marker so that the server can answer once the client is done sending.

#ifndef GAUNTLET_SMTP_DATA_READER_H_
#define GAUNTLET_SMTP_DATA_READER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "smtp/line_reader.h"

namespace gauntlet::smtp {

struct DataReaderOptions {
  // Per wire line, CRLF included (RFC 5321 §4.5.3.1.6); a bare LF also
  // ends a line for this count. Values below 3 are treated as 3 so that the
  // ".\r\n" marker always fits.
  std::size_t max_line_length = kMaxTextLineLength;
  // Unstuffed message bytes.
  std::uint64_t max_message_size = 10 * 1024 * 1024;
};

class DataReader {
 public:
  explicit DataReader(DataReaderOptions options = {});

  // Consumes message data up to and including the end-of-data marker.
  // Returns how many bytes of `bytes` were consumed; fewer than given only
  // when the marker was found (the rest belongs to the next command). After
  // done(), consumes nothing.
  std::size_t Feed(absl::string_view bytes);

  // True once the end-of-data marker was consumed.
  bool done() const { return state_ == State::kDone; }
  // OK, or the first limit exceeded (kResourceExhausted; the message names
  // the byte offset, counted from the first byte after the DATA reply).
  const absl::Status& status() const { return status_; }
  // The unstuffed message with its line endings as sent (the CRLF before
  // the marker belongs to the message). Cleared once status() is an error.
  const std::string& message() const { return message_; }
  std::string TakeMessage() { return std::move(message_); }

  bool saw_bare_lf() const { return saw_bare_lf_; }
  bool saw_bare_cr() const { return saw_bare_cr_; }
  // Bytes consumed since construction or Reset().
  std::uint64_t offset() const { return offset_; }

  void Reset();

 private:
  enum class State {
    kLineStart,  // After CRLF or at the start: a '.' here is special.
    kDot,        // Saw '.' at line start.
    kDotCr,      // Saw ".\r" at line start.
    kInLine,     // Anywhere else.
    kDone,
  };

  // Stores unstuffed bytes whose first byte is at stream offset `at`.
  void Append(absl::string_view bytes, std::uint64_t at);
  void Fail(absl::Status status);
  // Processes one byte in kInLine, at stream offset offset_.
  void InLineByte(char c);

  DataReaderOptions options_;
  State state_ = State::kLineStart;
  bool prev_cr_ = false;       // In kInLine: the last byte was a CR.
  std::size_t line_len_ = 0;   // Wire bytes of the current line so far.
  std::uint64_t line_start_ = 0;
  std::uint64_t offset_ = 0;
  std::string message_;
  absl::Status status_;
  bool saw_bare_lf_ = false;
  bool saw_bare_cr_ = false;
};

// The wire form of `message` for DATA: a '.' starting a line (after CRLF or
// at the start) is doubled, a CRLF is added if the message is non-empty and
// does not end with one, and the ".\r\n" marker is appended.
std::string DotStuff(absl::string_view message);

}  // namespace gauntlet::smtp

#endif  // GAUNTLET_SMTP_DATA_READER_H_
