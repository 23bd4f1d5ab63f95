#include "smtp/reply.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gauntlet::smtp {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Result {
  bool ok;
  Reply reply;
  std::string error;
  friend bool operator==(const Result&, const Result&) = default;
};

std::vector<Result> ParseChunks(const std::vector<std::string>& chunks,
                                ReplyParserOptions options = {}) {
  ReplyParser parser(options);
  std::vector<Result> out;
  for (const std::string& chunk : chunks) {
    const std::size_t used = parser.Feed(chunk, [&](const ReplyResult& r) {
      out.push_back(r.ok()
                        ? Result{true, *r, ""}
                        : Result{false, {}, std::string(r.status().message())});
      return true;
    });
    EXPECT_EQ(used, chunk.size());
  }
  return out;
}

std::vector<Result> ParseAll(const std::string& bytes,
                             ReplyParserOptions options = {}) {
  return ParseChunks({bytes}, options);
}

// What a server sends up to and including its STARTTLS reply.
const std::string kServerSession =
    "220 mx.example.org ESMTP ready\r\n"
    "250-mx.example.org Hello\r\n250-PIPELINING\r\n250-SIZE 10485760\r\n"
    "250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250-AUTH PLAIN LOGIN\r\n"
    "250 STARTTLS\r\n"
    "220 2.0.0 Ready to start TLS\r\n";

TEST(ReplyParserTest, SingleAndMultiLineReplies) {
  std::vector<Result> results = ParseAll(kServerSession);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].reply.code, 220);
  EXPECT_THAT(results[0].reply.lines,
              ElementsAre("mx.example.org ESMTP ready"));
  EXPECT_EQ(results[1].reply.code, 250);
  EXPECT_EQ(results[1].reply.lines.size(), 7u);
  EXPECT_EQ(results[1].reply.lines[6], "STARTTLS");
  EXPECT_EQ(results[1].reply.offset, 32u);
  EXPECT_FALSE(results[1].reply.enhanced_code.has_value());
  ASSERT_TRUE(results[2].reply.enhanced_code.has_value());
  EXPECT_EQ(results[2].reply.enhanced_code->ToString(), "2.0.0");
  EXPECT_EQ(results[2].reply.lines[0], "2.0.0 Ready to start TLS");
}

TEST(ReplyParserTest, BareCodeWithoutText) {
  absl::StatusOr<Reply> reply = ParseReply("250-first\r\n250\r\n");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_THAT(reply->lines, ElementsAre("first", ""));
  reply = ParseReply("354\r\n");
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->code, 354);
}

TEST(ReplyParserTest, RejectsMalformedCodes) {
  for (const char* bad :
       {"2x0 ok\r\n", "600 no\r\n", "25\r\n", "250X\r\n", "199 one\r\n",
        "260 six\r\n", "\r\n", " 250 x\r\n", "2500 x\r\n", "-250 x\r\n"}) {
    absl::StatusOr<Reply> reply = ParseReply(bad);
    EXPECT_FALSE(reply.ok()) << bad;
    EXPECT_THAT(reply.status().message(), HasSubstr("byte offset 0")) << bad;
  }
}

TEST(ReplyParserTest, InconsistentContinuationCodes) {
  std::vector<Result> results =
      ParseAll("250-a\r\n251-b\r\n250 c\r\n220 next\r\n");
  ASSERT_EQ(results.size(), 3u);
  EXPECT_FALSE(results[0].ok);
  EXPECT_THAT(results[0].error, HasSubstr("byte offset 7"));
  EXPECT_THAT(results[0].error, HasSubstr("251"));
  // After an error the next line starts a new reply.
  EXPECT_TRUE(results[1].ok);
  EXPECT_EQ(results[1].reply.code, 250);
  EXPECT_EQ(results[2].reply.code, 220);
}

TEST(ReplyParserTest, GarbageRunGivesOneError) {
  std::vector<Result> results =
      ParseAll("junk\r\n\x16\x03\x01\r\n2x0 more\r\n220 ok\r\nbad\r\n");
  ASSERT_EQ(results.size(), 3u);
  EXPECT_FALSE(results[0].ok);
  EXPECT_THAT(results[0].error, HasSubstr("byte offset 0"));
  EXPECT_TRUE(results[1].ok);
  EXPECT_EQ(results[1].reply.code, 220);
  EXPECT_FALSE(results[2].ok);
  EXPECT_THAT(results[2].error, HasSubstr("byte offset 29"));
}

TEST(ReplyParserTest, EnhancedCodeOnlyWhenClassMatches) {
  EXPECT_EQ(ParseReply("550 5.7.1 denied\r\n")->enhanced_code,
            (EnhancedStatusCode{5, 7, 1}));
  EXPECT_EQ(ParseReply("452-4.3.1 full\r\n452 4.3.1 full\r\n")->enhanced_code,
            (EnhancedStatusCode{4, 3, 1}));
  EXPECT_FALSE(ParseReply("250 5.0.0 mismatch\r\n")->enhanced_code);
  EXPECT_FALSE(ParseReply("250 2.0.0x no\r\n")->enhanced_code);
  EXPECT_FALSE(ParseReply("250 3.0.0 bad class\r\n")->enhanced_code);
  EXPECT_FALSE(ParseReply("250 2.1234.0 long\r\n")->enhanced_code);
  EXPECT_EQ(ParseReply("250 2.1.5\r\n")->enhanced_code,
            (EnhancedStatusCode{2, 1, 5}));
}

TEST(ReplyParserTest, RecordsBareLfAndBareCr) {
  absl::StatusOr<Reply> reply = ParseReply("250-a\n250 b\r\n");
  ASSERT_TRUE(reply.ok());
  EXPECT_TRUE(reply->has_bare_lf);
  EXPECT_FALSE(reply->has_bare_cr);
  reply = ParseReply("250 a\rb\r\n");
  ASSERT_TRUE(reply.ok());
  EXPECT_FALSE(reply->has_bare_lf);
  EXPECT_TRUE(reply->has_bare_cr);
  EXPECT_EQ(reply->lines[0], "a\rb");
}

TEST(ReplyParserTest, LineAndSizeCaps) {
  ReplyParserOptions options;
  options.max_lines = 3;
  std::vector<Result> results =
      ParseAll("250-a\r\n250-b\r\n250-c\r\n250 d\r\n", options);
  ASSERT_FALSE(results.empty());
  EXPECT_FALSE(results[0].ok);
  EXPECT_THAT(results[0].error, HasSubstr("more than 3 lines"));
  EXPECT_THAT(results[0].error, HasSubstr("byte offset 21"));

  options = ReplyParserOptions();
  options.max_reply_bytes = 20;
  results = ParseAll("250-aaaa\r\n250-bbbb\r\n250 c\r\n", options);
  ASSERT_FALSE(results.empty());
  EXPECT_FALSE(results[0].ok);
  EXPECT_THAT(results[0].error, HasSubstr("exceeds 20 bytes"));

  options = ReplyParserOptions();
  options.max_line_length = 16;
  results = ParseAll("250 this line is too long\r\n250 ok\r\n", options);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_FALSE(results[0].ok);
  EXPECT_THAT(results[0].error, HasSubstr("byte offset 0"));
  EXPECT_TRUE(results[1].ok);
}

// The first error parsing `bytes` reports, as a value.
std::optional<ReplyError> FirstError(const std::string& bytes,
                                     ReplyParserOptions options = {}) {
  ReplyParser parser(options);
  std::optional<ReplyError> error;
  parser.Feed(bytes, [&](const ReplyResult& r) {
    if (r.ok()) return true;
    error = r.error();
    return false;
  });
  return error;
}

TEST(ReplyParserTest, ErrorsSayWhatAndWhereAsValues) {
  struct Case {
    std::string bytes;
    ReplyParserOptions options;
    ReplyError want;
    std::string in_message;
  };
  ReplyParserOptions two_lines;
  two_lines.max_lines = 2;
  ReplyParserOptions ten_bytes;
  ten_bytes.max_reply_bytes = 10;
  ReplyParserOptions short_lines;
  short_lines.max_line_length = 8;
  using K = ReplyErrorKind;
  const Case cases[] = {
      {"2x0 junk\r\n", {}, {.kind = K::kNoCode}, "three-digit code"},
      {"250 ok\r\n650 x\r\n",
       {},
       {.kind = K::kCodeOutOfRange,
        .line_offset = 8,
        .reply_offset = 8,
        .line_code = 650},
       "invalid reply code 650"},
      {"099 x\r\n",
       {},
       {.kind = K::kCodeOutOfRange, .line_code = 99},
       "invalid reply code 099"},
      {"250x\r\n",
       {},
       {.kind = K::kBadSeparator, .separator = 'x'},
       "byte 120"},
      {"250-a\r\n251 b\r\n",
       {},
       {.kind = K::kMixedCodes,
        .line_offset = 7,
        .reply_offset = 0,
        .line_code = 251,
        .reply_code = 250},
       "has code 251 but the reply that began at byte offset 0 has code 250"},
      {"250-a\r\n250-b\r\n250 c\r\n",
       two_lines,
       {.kind = K::kTooManyLines,
        .line_offset = 14,
        .line_code = 250,
        .reply_code = 250,
        .limit = 2},
       "more than 2 lines"},
      {"250-abc\r\n250 d\r\n",
       ten_bytes,
       {.kind = K::kTooLarge,
        .line_offset = 9,
        .line_code = 250,
        .reply_code = 250,
        .limit = 10},
       "exceeds 10 bytes"},
      {"250-a\r\n250 abcdefgh\r\n",
       short_lines,
       {.kind = K::kLineTooLong,
        .line_offset = 7,
        .reply_offset = 0,
        .limit = 8},
       "limit of 8 octets"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.bytes);
    std::optional<ReplyError> error = FirstError(c.bytes, c.options);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(*error, c.want);
    const absl::Status status = error->ToStatus();
    EXPECT_EQ(status.code(), error->status_code());
    EXPECT_THAT(status.message(), HasSubstr(c.in_message));
    EXPECT_THAT(status.message(),
                HasSubstr(absl::StrCat("byte offset ", c.want.line_offset)));
  }
  EXPECT_EQ(FirstError("250 a\r\n250 abcdefgh\r\n", short_lines)->status_code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(FirstError("25\r\n")->status_code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ReplyParserTest, EndlessContinuationStaysBounded) {
  ReplyParser parser;
  const std::string line = "250-" + std::string(100, 'x') + "\r\n";
  int errors = 0;
  for (int i = 0; i < 20000; ++i) {
    parser.Feed(line, [&](const ReplyResult& r) {
      errors += r.ok() ? 0 : 1;
      return true;
    });
    ASSERT_LE(parser.buffered_bytes(), parser.options().max_reply_bytes);
  }
  EXPECT_GT(errors, 0);
}

TEST(ReplyParserTest, SplitInvariance) {
  const std::string input = kServerSession + "2x0 junk\n250-a\r\n251 b\r\n";
  const std::vector<Result> whole = ParseAll(input);
  ASSERT_EQ(whole.size(), 5u);
  std::vector<std::string> bytes;
  for (char c : input) bytes.emplace_back(1, c);
  EXPECT_EQ(ParseChunks(bytes), whole);
  for (std::size_t i = 0; i <= input.size(); ++i) {
    for (std::size_t j = i; j <= input.size(); ++j) {
      ASSERT_EQ(ParseChunks({input.substr(0, i), input.substr(i, j - i),
                             input.substr(j)}),
                whole)
          << i << "," << j;
    }
  }
}

TEST(ReplyParserTest, StopExposesInjectedBytes) {
  // CVE-2021-22947 shape: lines after the STARTTLS reply in the same read.
  const std::string injected = "250-evil\r\n250 AUTH PLAIN\r\n";
  const std::string input = "220 Ready to start TLS\r\n" + injected;
  ReplyParser parser;
  const std::size_t used =
      parser.Feed(input, [](const ReplyResult&) { return false; });
  EXPECT_EQ(input.substr(used), injected);
  EXPECT_TRUE(parser.idle());
}

TEST(ReplyParserTest, IdleAndBufferedBytes) {
  ReplyParser parser;
  auto ignore = [](const ReplyResult&) { return true; };
  EXPECT_TRUE(parser.idle());
  parser.Feed("250-a\r\n25", ignore);
  EXPECT_FALSE(parser.idle());
  EXPECT_EQ(parser.buffered_bytes(), 9u);
  parser.Feed("0 b\r\n", ignore);
  EXPECT_TRUE(parser.idle());
  EXPECT_EQ(parser.buffered_bytes(), 0u);
}

TEST(ParseReplyTest, TrailingAndIncomplete) {
  absl::StatusOr<Reply> reply = ParseReply("220 ok\r\n250 more\r\n");
  EXPECT_FALSE(reply.ok());
  EXPECT_THAT(reply.status().message(), HasSubstr("byte offset 8"));
  reply = ParseReply("250-a\r\n");
  EXPECT_FALSE(reply.ok());
  EXPECT_THAT(reply.status().message(), HasSubstr("incomplete"));
  reply = ParseReply("250 no newline");
  EXPECT_FALSE(reply.ok());
}

TEST(SerializeReplyTest, RoundTrips) {
  for (const char* wire :
       {"250 ok\r\n", "250-a\r\n250-\r\n250 c\r\n", "250-x\r\n250\r\n",
        "550 5.7.1 no\r\n", "221\r\n", "250 a\rb\r\n"}) {
    absl::StatusOr<Reply> reply = ParseReply(wire);
    ASSERT_TRUE(reply.ok()) << wire;
    EXPECT_EQ(SerializeReply(*reply), wire);
    absl::StatusOr<Reply> again = ParseReply(SerializeReply(*reply));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *reply);
  }
  // A bare-LF reply serialises to the canonical CRLF form.
  EXPECT_EQ(SerializeReply(*ParseReply("250-a\n250 b\n")),
            "250-a\r\n250 b\r\n");
}

}  // namespace
}  // namespace gauntlet::smtp
