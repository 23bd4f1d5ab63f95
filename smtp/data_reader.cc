#include "smtp/data_reader.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace gauntlet::smtp {

DataReader::DataReader(DataReaderOptions options) : options_(options) {
  options_.max_line_length = std::max<std::size_t>(options_.max_line_length, 3);
}

void DataReader::Reset() {
  state_ = State::kLineStart;
  prev_cr_ = false;
  line_len_ = 0;
  line_start_ = 0;
  offset_ = 0;
  message_.clear();
  status_ = absl::OkStatus();
  saw_bare_lf_ = false;
  saw_bare_cr_ = false;
}

void DataReader::Fail(absl::Status status) {
  status_ = std::move(status);
  message_.clear();
  message_.shrink_to_fit();
}

void DataReader::Append(absl::string_view bytes, std::uint64_t at) {
  if (!status_.ok()) return;
  if (bytes.size() > options_.max_message_size - message_.size()) {
    Fail(absl::ResourceExhaustedError(absl::StrCat(
        "message data exceeds the limit of ", options_.max_message_size,
        " octets at byte offset ",
        at + (options_.max_message_size - message_.size()))));
    return;
  }
  message_.append(bytes.data(), bytes.size());
}

void DataReader::InLineByte(char c) {
  ++line_len_;
  if (line_len_ > options_.max_line_length && status_.ok()) {
    Fail(absl::ResourceExhaustedError(absl::StrCat(
        "message line at byte offset ", line_start_, " exceeds the limit of ",
        options_.max_line_length, " octets (CRLF included)")));
  }
  if (c == '\n') {
    Append(absl::string_view(&c, 1), offset_);
    if (prev_cr_) {
      state_ = State::kLineStart;
    } else {
      saw_bare_lf_ = true;
      line_len_ = 0;
      line_start_ = offset_ + 1;
    }
    prev_cr_ = false;
    return;
  }
  if (prev_cr_) saw_bare_cr_ = true;
  Append(absl::string_view(&c, 1), offset_);
  prev_cr_ = c == '\r';
}

std::size_t DataReader::Feed(absl::string_view bytes) {
  const char* const begin = bytes.data();
  const char* const end = begin + bytes.size();
  const char* p = begin;
  while (p < end && state_ != State::kDone) {
    const char c = *p;
    switch (state_) {
      case State::kLineStart:
        line_start_ = offset_;
        line_len_ = 0;
        prev_cr_ = false;
        if (c == '.') {
          state_ = State::kDot;
          line_len_ = 1;
          ++p;
          ++offset_;
          continue;
        }
        state_ = State::kInLine;
        break;
      case State::kDot:
        if (c == '\r') {
          state_ = State::kDotCr;
          line_len_ = 2;
          ++p;
          ++offset_;
          continue;
        }
        // The leading dot was stuffing; `c` is the line's first content.
        state_ = State::kInLine;
        break;
      case State::kDotCr:
        if (c == '\n') {
          state_ = State::kDone;
          ++p;
          ++offset_;
          continue;
        }
        // ".\r" and no LF: the dot was stuffing and the CR is content.
        state_ = State::kInLine;
        Append("\r", offset_ - 1);
        prev_cr_ = true;
        break;
      case State::kInLine:
      case State::kDone:
        break;
    }
    if (!prev_cr_) {
      // Copy a run of ordinary bytes at once, never across a limit so that
      // the byte that crosses one goes through InLineByte.
      std::size_t n = static_cast<std::size_t>(end - p);
      if (status_.ok()) {
        n = std::min<std::uint64_t>(
            {n, options_.max_line_length - line_len_,
             options_.max_message_size - message_.size()});
      }
      const char* q = p;
      const char* const stop = p + n;
      while (q < stop && *q != '\r' && *q != '\n') ++q;
      if (q > p) {
        const std::size_t run = static_cast<std::size_t>(q - p);
        Append(absl::string_view(p, run), offset_);
        line_len_ += run;
        offset_ += run;
        p = q;
        continue;
      }
    }
    InLineByte(c);
    ++p;
    ++offset_;
  }
  return static_cast<std::size_t>(p - begin);
}

std::string DotStuff(absl::string_view message) {
  std::string out;
  out.reserve(message.size() + message.size() / 32 + 5);
  bool line_start = true;
  for (std::size_t i = 0; i < message.size(); ++i) {
    const char c = message[i];
    if (line_start && c == '.') out += '.';
    out += c;
    line_start = c == '\n' && i > 0 && message[i - 1] == '\r';
  }
  if (!message.empty() && !absl::EndsWith(message, "\r\n")) out += "\r\n";
  out += ".\r\n";
  return out;
}

}  // namespace gauntlet::smtp
