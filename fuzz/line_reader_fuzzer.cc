// Fuzzes gauntlet::smtp::LineReader with raw wire bytes.
//
// The input is what a peer put on the socket. The line-length limit and the
// places where the bytes are split into reads are derived from a hash of
// the input, so seeds are plain captures. Invariants (abort on violation):
// every split, including one byte at a time, gives the same lines and
// errors; stopping after any event and re-feeding the rest changes nothing;
// no line and no buffered partial line exceeds the limit; offsets account
// for every byte.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "fuzz/fuzz_util.h"
#include "smtp/line_reader.h"

namespace {

using gauntlet::fuzz::Cuts;
using gauntlet::fuzz::InputRandom;
using gauntlet::smtp::Line;
using gauntlet::smtp::LineEnding;
using gauntlet::smtp::LineReader;

struct Event {
  bool ok;
  Line line;
  std::string error;
  bool operator==(const Event& o) const {
    return ok == o.ok && line == o.line && error == o.error;
  }
};

void Record(std::vector<Event>& events, const absl::StatusOr<Line>& line,
            std::size_t max) {
  if (line.ok()) {
    FUZZ_CHECK(line->wire_length() <= max);
    FUZZ_CHECK(line->text.find('\n') == std::string::npos);
    const bool has_cr = line->text.find('\r') != std::string::npos;
    FUZZ_CHECK(has_cr == line->has_bare_cr);
    events.push_back({true, *line, ""});
  } else {
    events.push_back({false, Line{}, std::string(line.status().message())});
  }
}

std::vector<Event> Frame(absl::string_view input, std::size_t max,
                         absl::Span<const std::size_t> cuts) {
  LineReader reader(max);
  std::vector<Event> events;
  std::size_t start = 0;
  auto feed = [&](std::size_t end) {
    const absl::string_view piece = input.substr(start, end - start);
    const std::size_t used =
        reader.Feed(piece, [&](const absl::StatusOr<Line>& line) {
          Record(events, line, max);
          return true;
        });
    FUZZ_CHECK(used == piece.size());
    FUZZ_CHECK(reader.pending().size() < max);
    start = end;
  };
  for (std::size_t cut : cuts) feed(cut);
  feed(input.size());
  FUZZ_CHECK(reader.offset() == input.size());
  return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  InputRandom rng(input);
  static constexpr std::size_t kLimits[] = {512, 1000, 1, 2, 3, 8, 64, 4096};
  const std::size_t max = kLimits[rng.Below(8)];

  const std::vector<Event> whole = Frame(input, max, {});
  FUZZ_CHECK(Frame(input, max, Cuts::Random(rng, size, 6).span()) == whole);
  if (size <= 512) {
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < size; ++i) every.push_back(i);
    FUZZ_CHECK(Frame(input, max, every) == whole);
  }

  // Offsets: lines come in order, each ends before the next begins, and an
  // OK line's recorded size matches the bytes at its offset.
  std::uint64_t next = 0;
  for (const Event& e : whole) {
    if (!e.ok) continue;
    FUZZ_CHECK(e.line.offset >= next);
    next = e.line.offset + e.line.wire_length();
    FUZZ_CHECK(next <= size);
    FUZZ_CHECK(input[next - 1] == '\n');
    FUZZ_CHECK(input.substr(e.line.offset, e.line.text.size()) == e.line.text);
    const std::size_t body_end = e.line.offset + e.line.text.size();
    if (e.line.ending == LineEnding::kCrlf) {
      FUZZ_CHECK(input[body_end] == '\r' && input[body_end + 1] == '\n');
    } else {
      FUZZ_CHECK(input[body_end] == '\n');
      FUZZ_CHECK(e.line.text.empty() || e.line.text.back() != '\r');
    }
  }

  // Stopping after event k and feeding the rest again yields the same
  // sequence.
  if (!whole.empty()) {
    const std::size_t k = rng.Below(whole.size());
    LineReader reader(max);
    std::vector<Event> events;
    std::size_t seen = 0;
    const std::size_t used =
        reader.Feed(input, [&](const absl::StatusOr<Line>& line) {
          Record(events, line, max);
          return seen++ != k;
        });
    FUZZ_CHECK(seen == k + 1);
    FUZZ_CHECK(used <= size);
    reader.Feed(input.substr(used), [&](const absl::StatusOr<Line>& line) {
      Record(events, line, max);
      return true;
    });
    FUZZ_CHECK(events == whole);
  }
  return 0;
}
