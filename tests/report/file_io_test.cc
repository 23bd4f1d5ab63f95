// The atomic writer and the bounded reader.

#include "harness/report/file_io.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/report/report_fixture.h"

namespace gauntlet::report {
namespace {

using ::testing::HasSubstr;

int EntriesIn(const std::string& dir) {
  int n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

TEST(FileIoTest, WritesReplacesAndLeavesNoTempFile) {
  testing::TempDir dir;
  const std::string path = dir.File("report.json");
  ASSERT_TRUE(WriteFileAtomically(path, "first").ok());
  ASSERT_TRUE(WriteFileAtomically(path, std::string("sec\0nd", 6)).ok());
  absl::StatusOr<std::string> got = ReadFileBounded(path);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, std::string("sec\0nd", 6));
  EXPECT_EQ(EntriesIn(dir.path()), 1);
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST(FileIoTest, FailedRenameKeepsTheDestinationAndRemovesTheTemp) {
  testing::TempDir dir;
  // The destination is a non-empty directory: rename() must fail.
  const std::string dest = dir.File("out");
  ASSERT_TRUE(std::filesystem::create_directory(dest));
  std::ofstream(dest + "/keep") << "x";
  absl::Status st = WriteFileAtomically(dest, "data");
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr(dest));
  EXPECT_TRUE(std::filesystem::is_directory(dest));
  EXPECT_EQ(EntriesIn(dir.path()), 1);  // No temp file left behind.
}

TEST(FileIoTest, MissingDirectoryIsAnError) {
  testing::TempDir dir;
  absl::Status st = WriteFileAtomically(dir.File("no/such/dir/r.json"), "x");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound);
}

TEST(FileIoTest, ReadIsBounded) {
  testing::TempDir dir;
  const std::string path = dir.File("big");
  ASSERT_TRUE(WriteFileAtomically(path, std::string(100'000, 'a')).ok());
  absl::StatusOr<std::string> got = ReadFileBounded(path, 99'999);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kFailedPrecondition);
  got = ReadFileBounded(path, 100'000);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->size(), 100'000u);
  got = ReadFileBounded(dir.path());
  ASSERT_FALSE(got.ok());
  EXPECT_THAT(got.status().message(), HasSubstr("not a regular file"));
}

}  // namespace
}  // namespace gauntlet::report
