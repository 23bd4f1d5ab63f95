#include "smtp/line_reader.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gauntlet::smtp {
namespace {

using ::testing::HasSubstr;

// One framing event, comparable across runs.
struct Event {
  bool ok;
  Line line;
  std::string error;
  friend bool operator==(const Event&, const Event&) = default;
};

std::vector<Event> FrameChunks(const std::vector<std::string>& chunks,
                               std::size_t max) {
  LineReader reader(max);
  std::vector<Event> events;
  for (const std::string& chunk : chunks) {
    const std::size_t used =
        reader.Feed(chunk, [&](const absl::StatusOr<Line>& line) {
          if (line.ok()) {
            events.push_back({true, *line, ""});
          } else {
            events.push_back({false, {}, std::string(line.status().message())});
          }
          return true;
        });
    EXPECT_EQ(used, chunk.size());
    EXPECT_LT(reader.pending().size(), max);
  }
  return events;
}

std::vector<Event> Frame(const std::string& bytes, std::size_t max = 512) {
  return FrameChunks({bytes}, max);
}

// A client's side of a real session, with a bare LF, a bare CR and an
// overlong line thrown in.
const std::string kSession =
    "EHLO client.example\r\nSTARTTLS\r\nEHLO again\nMAIL FROM:<a@b>\r\n"
    "RCPT TO:<c\rd@e>\r\nDATA\r\n" + std::string(70, 'x') + "\r\nQUIT\r\nNOO";

TEST(LineReaderTest, FramesCrlfLinesWithOffsets) {
  std::vector<Event> events = Frame("HELO a\r\nNOOP\r\n\r\n");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].line.text, "HELO a");
  EXPECT_EQ(events[0].line.ending, LineEnding::kCrlf);
  EXPECT_EQ(events[0].line.offset, 0u);
  EXPECT_EQ(events[1].line.text, "NOOP");
  EXPECT_EQ(events[1].line.offset, 8u);
  EXPECT_EQ(events[2].line.text, "");
  EXPECT_EQ(events[2].line.offset, 14u);
  EXPECT_FALSE(events[0].line.has_bare_cr);
}

TEST(LineReaderTest, ReportsBareLfAndBareCrDistinctly) {
  std::vector<Event> events = Frame("a\nb\rc\r\nd\r\r\n");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].line.text, "a");
  EXPECT_EQ(events[0].line.ending, LineEnding::kBareLf);
  EXPECT_FALSE(events[0].line.has_bare_cr);
  // A bare CR does not end a line: it stays in the text and is flagged.
  EXPECT_EQ(events[1].line.text, "b\rc");
  EXPECT_EQ(events[1].line.ending, LineEnding::kCrlf);
  EXPECT_TRUE(events[1].line.has_bare_cr);
  EXPECT_EQ(events[2].line.text, "d\r");
  EXPECT_TRUE(events[2].line.has_bare_cr);
  EXPECT_EQ(events[2].line.wire_length(), 4u);
}

TEST(LineReaderTest, OneByteAtATimeMatchesAllAtOnce) {
  std::vector<std::string> bytes;
  for (char c : kSession) bytes.emplace_back(1, c);
  EXPECT_EQ(FrameChunks(bytes, 64), Frame(kSession, 64));
  EXPECT_EQ(Frame(kSession, 64).size(), 8u);  // 7 lines and 1 error.
}

TEST(LineReaderTest, EveryTwoAndThreeWaySplitMatches) {
  const std::vector<Event> whole = Frame(kSession, 64);
  for (std::size_t i = 0; i <= kSession.size(); ++i) {
    for (std::size_t j = i; j <= kSession.size(); j += 3) {
      ASSERT_EQ(FrameChunks({kSession.substr(0, i), kSession.substr(i, j - i),
                             kSession.substr(j)},
                            64),
                whole)
          << "split at " << i << "," << j;
    }
  }
}

TEST(LineReaderTest, LimitCountsTheLineEnding) {
  // max 10: 8 bytes + CRLF fits, 9 bytes + CRLF does not, 9 + LF fits.
  std::vector<Event> events =
      Frame("01234567\r\n012345678\r\n012345678\nok\r\n", 10);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_TRUE(events[0].ok);
  EXPECT_FALSE(events[1].ok);
  EXPECT_THAT(events[1].error, HasSubstr("byte offset 10"));
  EXPECT_THAT(events[1].error, HasSubstr("10 octets"));
  EXPECT_TRUE(events[2].ok);
  EXPECT_EQ(events[2].line.text, "012345678");
  EXPECT_EQ(events[2].line.offset, 21u);
  EXPECT_EQ(events[3].line.text, "ok");
}

TEST(LineReaderTest, OverlongLineIsOneErrorThenResynchronises) {
  const std::string input =
      "NOOP\r\n" + std::string(5000, 'A') + "\r\nQUIT\r\n";
  std::vector<Event> events = Frame(input, 512);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_FALSE(events[1].ok);
  EXPECT_THAT(events[1].error, HasSubstr("byte offset 6 "));
  EXPECT_EQ(events[2].line.text, "QUIT");
  EXPECT_EQ(events[2].line.offset, 5008u);
}

TEST(LineReaderTest, MemoryStaysBoundedWithoutLineFeeds) {
  LineReader reader(1000);
  const std::string chunk(64 * 1024, 'x');
  int errors = 0;
  for (int i = 0; i < 160; ++i) {  // 10 MiB, no LF at all.
    reader.Feed(chunk, [&](const absl::StatusOr<Line>& line) {
      errors += line.ok() ? 0 : 1;
      return true;
    });
    ASSERT_LT(reader.pending().size(), 1000u);
  }
  EXPECT_EQ(errors, 1);
  EXPECT_TRUE(reader.discarding());
  EXPECT_EQ(reader.offset(), 160u * chunk.size());
}

TEST(LineReaderTest, StopLeavesTheRestOfTheReadRaw) {
  // A ClientHello pipelined right after STARTTLS must not be framed.
  const std::string tls("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n", 12);
  const std::string input = "EHLO x\r\nSTARTTLS\r\n" + tls;
  LineReader reader;
  std::vector<std::string> seen;
  const std::size_t used =
      reader.Feed(input, [&](const absl::StatusOr<Line>& line) {
        seen.push_back(line->text);
        return line->text != "STARTTLS";
      });
  EXPECT_EQ(used, input.size() - tls.size());
  EXPECT_EQ(input.substr(used), tls);
  EXPECT_EQ(seen, (std::vector<std::string>{"EHLO x", "STARTTLS"}));
  EXPECT_TRUE(reader.pending().empty());
  EXPECT_EQ(reader.offset(), used);
}

TEST(LineReaderTest, StopAfterAnError) {
  LineReader reader(8);
  const std::string input = "0123456789\r\nNOOP\r\n";
  const std::size_t used =
      reader.Feed(input, [](const absl::StatusOr<Line>&) { return false; });
  EXPECT_EQ(used, 8u);  // The 8th byte made the line overlong.
  EXPECT_TRUE(reader.discarding());
  std::vector<std::string> rest;
  reader.Feed(absl::string_view(input).substr(used),
              [&](const absl::StatusOr<Line>& line) {
                rest.push_back(line.ok() ? line->text : "error");
                return true;
              });
  EXPECT_EQ(rest, std::vector<std::string>{"NOOP"});
}

TEST(LineReaderTest, ExposesPendingPartialLine) {
  LineReader reader;
  reader.Feed("NOOP\r\nQU", [](const absl::StatusOr<Line>&) { return true; });
  EXPECT_EQ(reader.pending(), "QU");
  EXPECT_EQ(reader.offset(), 8u);
  std::vector<Line> lines;
  reader.Feed("IT\r\n", [&](const absl::StatusOr<Line>& line) {
    lines.push_back(*line);
    return true;
  });
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].text, "QUIT");
  EXPECT_EQ(lines[0].offset, 6u);
  EXPECT_TRUE(reader.pending().empty());
}

TEST(LineReaderTest, CrlfSplitBetweenCrAndLf) {
  std::vector<Event> events = FrameChunks({"NOOP\r", "\nQUIT\r", "\n"}, 512);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].line.text, "NOOP");
  EXPECT_EQ(events[0].line.ending, LineEnding::kCrlf);
  EXPECT_FALSE(events[0].line.has_bare_cr);
}

}  // namespace
}  // namespace gauntlet::smtp
