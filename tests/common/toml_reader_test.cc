// The one TOML reader: a size limit before parsing, toml++'s exceptions kept
// in, and every error naming the source with line and column.

#include "common/toml_reader.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gauntlet::toml_reader {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

TEST(ParseToml, ParsesADocument) {
  absl::StatusOr<toml::table> t =
      ParseToml("id = \"x\"\n[server]\nport = 25\n", "a.toml", 1024, "thing");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->at_path("id").value_or(std::string()), "x");
  EXPECT_EQ(t->at_path("server.port").value_or(0), 25);
}

TEST(ParseToml, SyntaxErrorNamesSourceLineAndColumn) {
  absl::StatusOr<toml::table> t =
      ParseToml("a = 1\nb = \n", "dir/b.toml", 1024, "thing");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(t.status().message()), StartsWith("dir/b.toml:2:"));
  EXPECT_THAT(std::string(t.status().message()), HasSubstr("invalid TOML: "));
}

TEST(ParseToml, LargerThanTheLimitIsRefusedBeforeParsing) {
  // Not even valid TOML: the size is checked first.
  const std::string text(2049, '[');
  absl::StatusOr<toml::table> t = ParseToml(text, "big.toml", 2048, "profile");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(),
            "big.toml: 2049 bytes is larger than the 2048-byte limit for a "
            "profile");
  EXPECT_TRUE(ParseToml(std::string(2048, '#'), "ok.toml", 2048, "x").ok());
}

TEST(ParseToml, HostileSourceNameAndContentAreEscaped) {
  // A file name and an invalid byte sequence with terminal controls in them
  // must not reach a terminal as they are.
  absl::StatusOr<toml::table> t =
      ParseToml("a = \"\x1b[2J\xff\"\n", "evil\x1b]0;x\x07.toml", 1024, "x");
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(std::string(t.status().message()), Not(HasSubstr("\x1b")));
  EXPECT_THAT(std::string(t.status().message()), Not(HasSubstr("\x07")));
  EXPECT_THAT(std::string(t.status().message()), StartsWith("evil\\x1b]0;x\\x07.toml:1:"));
}

TEST(ParseToml, DeepNestingIsAnErrorNotACrash) {
  // toml++ limits nesting itself; whatever it throws stays inside.
  std::string text = "a = ";
  for (int i = 0; i < 10000; ++i) text += '[';
  absl::StatusOr<toml::table> t = ParseToml(text, "deep.toml", 1 << 20, "x");
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(std::string(t.status().message()), StartsWith("deep.toml:1:"));
}

TEST(ReadTomlFile, ReadsBoundedRegularFilesOnly) {
  std::string dir_template = ::testing::TempDir() + "gauntlet-toml-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template.data()), nullptr);
  const std::string dir = dir_template;
  const std::string file = dir + "/p.toml";
  std::ofstream(file) << "command = \"curl\"\n";
  absl::StatusOr<toml::table> t = ReadTomlFile(file, 1024, "client profile");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->at_path("command").value_or(std::string()), "curl");

  EXPECT_EQ(ReadTomlFile(file, 4, "client profile").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReadTomlFile(dir, 1024, "client profile").status().code(),
            absl::StatusCode::kFailedPrecondition);
  const std::string fifo = dir + "/fifo.toml";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_THAT(std::string(ReadTomlFile(fifo, 1024, "client profile").status().message()),
              HasSubstr("FIFO"));
  std::filesystem::remove_all(dir);
}

TEST(TomlLocation, EmptyRegionsReadAsTheStartOfTheFile) {
  toml::source_region empty{};
  EXPECT_EQ(TomlLocation("s.toml", empty), "s.toml:1:1");
  toml::source_region at{};
  at.begin = {3, 7};
  EXPECT_EQ(TomlLocation("s.toml", at), "s.toml:3:7");
}

TEST(TomlTypeName, ReadsAfterNot) {
  EXPECT_EQ(TomlTypeName(toml::node_type::table), "a table");
  EXPECT_EQ(TomlTypeName(toml::node_type::integer), "an integer");
  EXPECT_EQ(TomlTypeName(toml::node_type::date_time), "a date-time");
}

}  // namespace
}  // namespace gauntlet::toml_reader
