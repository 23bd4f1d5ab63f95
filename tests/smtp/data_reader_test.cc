#include "smtp/data_reader.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gauntlet::smtp {
namespace {

using ::testing::HasSubstr;

struct Outcome {
  std::size_t consumed = 0;
  bool done = false;
  std::string status;
  std::string message;
  bool bare_lf = false;
  bool bare_cr = false;
  friend bool operator==(const Outcome&, const Outcome&) = default;
};

Outcome ReadChunks(const std::vector<std::string>& chunks,
                   DataReaderOptions options = {}) {
  DataReader reader(options);
  Outcome out;
  for (const std::string& chunk : chunks) {
    const std::size_t used = reader.Feed(chunk);
    out.consumed += used;
    if (used < chunk.size()) {
      EXPECT_TRUE(reader.done());
      break;
    }
  }
  out.done = reader.done();
  out.status = reader.status().ToString();
  out.message = reader.message();
  out.bare_lf = reader.saw_bare_lf();
  out.bare_cr = reader.saw_bare_cr();
  return out;
}

Outcome Read(const std::string& bytes, DataReaderOptions options = {}) {
  return ReadChunks({bytes}, options);
}

TEST(DataReaderTest, UnstuffsAndStopsAtTheMarker) {
  const std::string body =
      "Subject: hi\r\n\r\n..leading dot\r\n...\r\n.x\r\nend\r\n.\r\n";
  Outcome out = Read(body + "QUIT\r\n");
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.consumed, body.size());
  EXPECT_EQ(out.status, "OK");
  EXPECT_EQ(out.message, "Subject: hi\r\n\r\n.leading dot\r\n..\r\nx\r\nend\r\n");
}

TEST(DataReaderTest, EmptyMessageStartsWithTheMarker) {
  Outcome out = Read(".\r\nMAIL FROM:<a@b>\r\n");
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.consumed, 3u);
  EXPECT_EQ(out.message, "");
}

TEST(DataReaderTest, OnlyCrlfDotCrlfEndsTheData) {
  // The SMTP smuggling shapes are content, flagged as bare LF.
  Outcome out = Read("a\n.\nb\r\n.\nc\n.\r\nd\r\n.\r\n");
  EXPECT_TRUE(out.done);
  EXPECT_TRUE(out.bare_lf);
  EXPECT_FALSE(out.bare_cr);
  EXPECT_EQ(out.message, "a\n.\nb\r\n\nc\n.\r\nd\r\n");
  Outcome cr = Read("a\r.\r\nb\r\n.\r\n");
  EXPECT_TRUE(cr.bare_cr);
  EXPECT_EQ(cr.message, "a\r.\r\nb\r\n");
  Outcome dot_cr = Read(".\rx\r\n.\r\n");
  EXPECT_TRUE(dot_cr.bare_cr);
  EXPECT_EQ(dot_cr.message, "\rx\r\n");
}

TEST(DataReaderTest, UnfinishedDataIsNotDone) {
  Outcome out = Read("line\r\n.");
  EXPECT_FALSE(out.done);
  EXPECT_EQ(out.consumed, 7u);
  out = Read("line\r\n.\r");
  EXPECT_FALSE(out.done);
}

TEST(DataReaderTest, EverySplitGivesTheSameResult) {
  const std::string input =
      ".\rX\r\n..a\r\nb\n.\r\n" + std::string(40, 'z') +
      "\r\n.\n..\r\n.\r\nRSET\r\n";
  DataReaderOptions options;
  options.max_line_length = 30;
  const Outcome whole = Read(input, options);
  EXPECT_TRUE(whole.done);
  EXPECT_THAT(whole.status, HasSubstr("byte offset 15"));
  std::vector<std::string> bytes;
  for (char c : input) bytes.emplace_back(1, c);
  EXPECT_EQ(ReadChunks(bytes, options), whole);
  for (std::size_t i = 0; i <= input.size(); ++i) {
    for (std::size_t j = i; j <= input.size(); ++j) {
      ASSERT_EQ(ReadChunks({input.substr(0, i), input.substr(i, j - i),
                            input.substr(j)},
                           options),
                whole)
          << i << "," << j;
    }
  }
  options.max_line_length = 1000;
  const Outcome ok = Read(input, options);
  EXPECT_EQ(ok.status, "OK");
  EXPECT_EQ(ok.consumed, input.size() - 6);
  for (std::size_t i = 0; i <= input.size(); ++i) {
    ASSERT_EQ(ReadChunks({input.substr(0, i), input.substr(i)}, options), ok);
  }
}

TEST(DataReaderTest, LineLimitIncludesCrlfAndReadingContinues) {
  DataReaderOptions options;
  options.max_line_length = 10;
  EXPECT_EQ(Read("12345678\r\n.\r\n", options).status, "OK");
  Outcome out = Read("ok\r\n123456789\r\nmore\r\n.\r\nQUIT\r\n", options);
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.consumed, 24u);
  EXPECT_THAT(out.status, HasSubstr("byte offset 4"));
  EXPECT_THAT(out.status, HasSubstr("10 octets"));
  EXPECT_EQ(out.message, "");
}

TEST(DataReaderTest, MessageSizeLimit) {
  DataReaderOptions options;
  options.max_message_size = 8;
  EXPECT_EQ(Read("1234567\r\n.\r\n", options).status,
            "RESOURCE_EXHAUSTED: message data exceeds the limit of 8 octets "
            "at byte offset 8");
  EXPECT_EQ(Read("123456\r\n.\r\n", options).message, "123456\r\n");
  // A long message past the limit is still read to its end, in bounded
  // memory.
  DataReader reader(options);
  const std::string chunk(4096, 'x');
  for (int i = 0; i < 100; ++i) {
    std::string lines;
    for (int j = 0; j < 64; ++j) lines += chunk.substr(0, 62) + "\r\n";
    ASSERT_EQ(reader.Feed(lines), lines.size());
    ASSERT_LE(reader.message().capacity(), 64u);
  }
  EXPECT_EQ(reader.Feed(".\r\nQUIT\r\n"), 3u);
  EXPECT_TRUE(reader.done());
  EXPECT_FALSE(reader.status().ok());
}

TEST(DotStuffTest, RoundTripsThroughTheReaderAtEverySplit) {
  for (const std::string& message :
       {std::string(), std::string(".\r\n"), std::string("..\r\n.\r\n"),
        std::string("a\r\n.b\r\n\r\n.\r\n"), std::string("no ending"),
        std::string("x\n.\n"), std::string("cr at end\r")}) {
    const std::string wire = DotStuff(message);
    const std::string expected =
        message.empty() || message.ends_with("\r\n") ? message
                                                     : message + "\r\n";
    for (std::size_t i = 0; i <= wire.size(); ++i) {
      Outcome out = ReadChunks({wire.substr(0, i), wire.substr(i)});
      ASSERT_TRUE(out.done) << i;
      ASSERT_EQ(out.consumed, wire.size());
      ASSERT_EQ(out.message, expected) << i;
    }
  }
  EXPECT_EQ(DotStuff(".a\r\n.\r\nb"), "..a\r\n..\r\nb\r\n.\r\n");
  EXPECT_EQ(DotStuff(""), ".\r\n");
}

}  // namespace
}  // namespace gauntlet::smtp
