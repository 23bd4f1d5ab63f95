// The one escaping code of Gauntlet: terminal escape sequences (C0 ESC and
// the 8-bit C1 controls, encoded or raw) never survive.

#include "common/text_escape.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gauntlet::text {
namespace {

TEST(SanitizeText, EscapesC0AndC1ControlsAndInvalidUtf8) {
  // ESC sequences, BEL, DEL.
  EXPECT_EQ(SanitizeText("a\x1b]0;x\x07 \x1b[2J\x7f"),
            "a\\x1b]0;x\\x07 \\x1b[2J\\x7f");
  // U+009B (CSI) encoded as UTF-8, and U+0085 (NEL).
  EXPECT_EQ(SanitizeText("a\xc2\x9b"
                         "31m \xc2\x85"),
            "a\\xc2\\x9b31m \\xc2\\x85");
  // Raw 0x80..0x9F bytes that are not part of valid UTF-8.
  EXPECT_EQ(SanitizeText("a\x9b"
                         "31m\x80"),
            "a\\x9b31m\\x80");
  // Overlong encodings, surrogates, truncated sequences.
  EXPECT_EQ(SanitizeText("\xc0\xaf"), "\\xc0\\xaf");
  EXPECT_EQ(SanitizeText("\xed\xa0\x80"), "\\xed\\xa0\\x80");
  EXPECT_EQ(SanitizeText("\xe2\x82"), "\\xe2\\x82");
}

TEST(SanitizeText, KeepsReadableText) {
  EXPECT_EQ(SanitizeText("RFC 3207 §4, naïve, 日本, 😀"),
            "RFC 3207 §4, naïve, 日本, 😀");
  EXPECT_EQ(SanitizeText("a\r\nb\tc"), "a\\r\\nb\\tc");
  EXPECT_EQ(SanitizeText("a\r\nb\tc", /*keep_newlines=*/true), "a\\r\nb\tc");
  // U+00A0 (just past the C1 range) is printable.
  EXPECT_EQ(SanitizeText("\xc2\xa0"), "\xc2\xa0");
}

TEST(PrintableUtf8Length, AgreesWithSanitizeText) {
  EXPECT_EQ(PrintableUtf8Length("\xc2\xa7", 0), 2u);
  EXPECT_EQ(PrintableUtf8Length("\xc2\x9b", 0), 0u);
  EXPECT_EQ(PrintableUtf8Length("\x9b", 0), 0u);
  EXPECT_EQ(PrintableUtf8Length("\xf0\x9f\x98\x80", 0), 4u);
  EXPECT_EQ(PrintableUtf8Length("\xef\xbf\xbf", 0), 0u);  // U+FFFF
  EXPECT_EQ(PrintableUtf8Length("ab", 5), 0u);
}

TEST(EscapeBytes, IsExactAndBounded) {
  EXPECT_EQ(EscapeBytes(std::string("\\\r\n\t\0\xc2\x9b", 7)),
            "\\\\\\r\\n\\t\\x00\\xc2\\x9b");
  EXPECT_EQ(EscapeBytesBounded("abcdef", 3), "abc... [6 bytes]");
  EXPECT_EQ(EscapeBytesBounded("ab\x01", 4), "ab... [3 bytes]");
}

}  // namespace
}  // namespace gauntlet::text

namespace gauntlet::text {
namespace {

TEST(UnescapeBytesTest, InvertsEscapeBytesForEveryByte) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  const absl::StatusOr<std::string> back = UnescapeBytes(EscapeBytes(all));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, all);
  EXPECT_EQ(*UnescapeBytes("a\\x4A\\x4a"), "aJJ");
}

TEST(UnescapeBytesTest, RejectsBadEscapesAndRawBytesWithTheirOffset) {
  EXPECT_THAT(std::string(UnescapeBytes("ab\\q").status().message()),
              ::testing::HasSubstr("offset 2"));
  EXPECT_FALSE(UnescapeBytes("\\x4").ok());
  EXPECT_FALSE(UnescapeBytes("\\").ok());
  EXPECT_THAT(std::string(UnescapeBytes("ok\n").status().message()),
              ::testing::HasSubstr("offset 2"));
}

}  // namespace
}  // namespace gauntlet::text
