#include "smtp/line_reader.h"

#include <algorithm>

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

absl::Status LineReader::OverlongError(std::uint64_t offset) const {
  return absl::ResourceExhaustedError(
      absl::StrCat("line at byte offset ", offset, " exceeds the limit of ",
                   max_line_length_, " octets (line ending included)"));
}

std::size_t LineReader::Feed(absl::string_view bytes, LineSink sink) {
  return FeedViews(
      bytes,
      [&](const LineView& view) {
        if (!scratch_.ok()) scratch_ = Line{};
        Line& line = *scratch_;
        line.text.assign(view.text.data(), view.text.size());
        line.ending = view.ending;
        line.has_bare_cr = view.has_bare_cr;
        line.offset = view.offset;
        return sink(scratch_);
      },
      [&](std::uint64_t offset) {
        scratch_ = OverlongError(offset);
        return sink(scratch_);
      });
}

}  // namespace gauntlet::smtp
