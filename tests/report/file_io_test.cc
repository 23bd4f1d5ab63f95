// The atomic writer and the bounded reader.

#include "harness/report/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/bounded_file.h"
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
  absl::StatusOr<std::string> got = files::ReadRegularFile(path, 1 << 20);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, std::string("sec\0nd", 6));
  EXPECT_EQ(EntriesIn(dir.path()), 1);
  // Reports hold transcripts (credentials): private to the user.
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(FileIoTest, ModeCanBeWidenedOnRequest) {
  testing::TempDir dir;
  const std::string path = dir.File("baseline.json");
  ASSERT_TRUE(WriteFileAtomically(path, "{}", 0644).ok());
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST(FileIoTest, CreateDirectoriesMakesPrivateOnesAndKeepsExistingOnes) {
  testing::TempDir dir;
  ASSERT_EQ(chmod(dir.path().c_str(), 0755), 0);
  const std::string deep = dir.File("reports/transcripts/strip");
  ASSERT_TRUE(CreateDirectories(deep).ok());
  struct stat st;
  for (const std::string& made :
       {dir.File("reports"), dir.File("reports/transcripts"), deep}) {
    ASSERT_EQ(stat(made.c_str(), &st), 0) << made;
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0700u) << made;
  }
  ASSERT_EQ(stat(dir.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);        // Existing: left alone.
  EXPECT_TRUE(CreateDirectories(deep).ok());  // Idempotent.
  EXPECT_TRUE(CreateDirectories(deep + "/").ok());
  std::ofstream(dir.File("file")) << "x";
  absl::Status blocked = CreateDirectories(dir.File("file/sub"));
  ASSERT_FALSE(blocked.ok());
  EXPECT_THAT(blocked.message(), HasSubstr("a regular file"));
}

TEST(FileIoTest, CheckOutputFileFindsProblemsBeforeARun) {
  testing::TempDir dir;
  EXPECT_TRUE(CheckOutputFile(dir.File("r.json")).ok());
  absl::Status missing = CheckOutputFile(dir.File("no/such/dir/r.json"));
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.message(), HasSubstr("does not exist"));
  EXPECT_FALSE(CheckOutputFile(dir.path()).ok());  // A directory.
  std::ofstream(dir.File("plain")) << "x";
  EXPECT_FALSE(CheckOutputFile(dir.File("plain/r.json")).ok());
  EXPECT_TRUE(CheckOutputFile("relative-in-cwd.json").ok() ||
              access(".", W_OK) != 0);
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

}  // namespace
}  // namespace gauntlet::report
