#include "harness/smtp/line_reader.h"

#include <algorithm>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace gauntlet::smtp {

LineReader::LineReader(std::size_t max_line_length)
    : max_line_length_(std::max<std::size_t>(max_line_length, 1)),
      scratch_(Line{}) {}

void LineReader::Reset(std::size_t max_line_length) {
  max_line_length_ = std::max<std::size_t>(max_line_length, 1);
  Reset();
}

void LineReader::Reset() {
  if (!scratch_.ok()) scratch_ = Line{};
  pending_.clear();
  pending_offset_ = 0;
  offset_ = 0;
  discarding_ = false;
}

bool LineReader::EmitLine(absl::string_view body, std::uint64_t line_offset,
                          LineViewSink sink) {
  LineView line;
  line.offset = line_offset;
  if (!body.empty() && body.back() == '\r') {
    line.ending = LineEnding::kCrlf;
    body.remove_suffix(1);
  } else {
    line.ending = LineEnding::kBareLf;
  }
  line.has_bare_cr =
      !body.empty() && std::memchr(body.data(), '\r', body.size()) != nullptr;
  line.text = body;
  return sink(line);
}

absl::Status LineReader::OverlongError(std::uint64_t offset) const {
  return absl::ResourceExhaustedError(
      absl::StrCat("line at byte offset ", offset, " exceeds the limit of ",
                   max_line_length_, " octets (line ending included)"));
}

std::size_t LineReader::Feed(absl::string_view bytes, LineSink sink) {
  return FeedViews(bytes, [&](const LineView& view) {
    if (view.overlong) {
      scratch_ = OverlongError(view.offset);
      return sink(scratch_);
    }
    if (!scratch_.ok()) scratch_ = Line{};
    Line& line = *scratch_;
    line.text.assign(view.text.data(), view.text.size());
    line.ending = view.ending;
    line.has_bare_cr = view.has_bare_cr;
    line.offset = view.offset;
    return sink(scratch_);
  });
}

std::size_t LineReader::FeedViews(absl::string_view bytes,
                                  LineViewSink sink) {
  const char* const begin = bytes.data();
  const char* const end = begin + bytes.size();
  const char* p = begin;
  while (p < end) {
    const std::size_t avail = static_cast<std::size_t>(end - p);
    if (discarding_) {
      const void* lf = std::memchr(p, '\n', avail);
      if (lf == nullptr) {
        offset_ += avail;
        p = end;
        break;
      }
      const char* next = static_cast<const char*>(lf) + 1;
      offset_ += static_cast<std::uint64_t>(next - p);
      p = next;
      discarding_ = false;
      continue;
    }
    // A line may hold at most max-1 bytes before its LF, so the LF must be
    // within the next `room + 1` bytes or the line is overlong.
    const std::size_t room = max_line_length_ - 1 - pending_.size();
    const std::size_t scan = std::min(avail, room + 1);
    const void* lf_ptr = std::memchr(p, '\n', scan);
    if (lf_ptr != nullptr) {
      const char* lf = static_cast<const char*>(lf_ptr);
      const std::size_t n = static_cast<std::size_t>(lf - p);
      const std::uint64_t line_offset =
          pending_.empty() ? offset_ : pending_offset_;
      offset_ += n + 1;
      p = lf + 1;
      bool go_on;
      if (pending_.empty()) {
        go_on = EmitLine(absl::string_view(lf - n, n), line_offset, sink);
      } else {
        pending_.append(lf - n, n);
        go_on = EmitLine(pending_, line_offset, sink);
        pending_.clear();
      }
      if (!go_on) break;
      continue;
    }
    if (avail <= room) {
      if (pending_.empty()) pending_offset_ = offset_;
      pending_.append(p, avail);
      offset_ += avail;
      p = end;
      break;
    }
    // The byte at p[room] is the max-th byte of the line and is not an LF.
    const std::uint64_t line_offset =
        pending_.empty() ? offset_ : pending_offset_;
    offset_ += room + 1;
    p += room + 1;
    pending_.clear();
    discarding_ = true;
    LineView overlong;
    overlong.offset = line_offset;
    overlong.overlong = true;
    if (!sink(overlong)) break;
  }
  return static_cast<std::size_t>(p - begin);
}

}  // namespace gauntlet::smtp
