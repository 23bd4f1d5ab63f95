// Reading a user's file: regular files only, bounded, never blocking on a
// FIFO or a device.

#include "common/bounded_file.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gauntlet::files {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "gauntlet-common-XXXXXX";
    path_ = mkdtemp(tmpl.data()) != nullptr ? tmpl : "";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Runs ReadRegularFile(path) on a thread and waits at most 10 s for it. A
// read that blocks (as open() on a FIFO without a writer does) is released
// by opening the FIFO for writing, and reported as a failure.
absl::StatusOr<std::string> ReadWithin10s(const std::string& path) {
  auto result = std::async(std::launch::async,
                           [path] { return ReadRegularFile(path, 1024); });
  if (result.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    ADD_FAILURE() << "ReadRegularFile(" << path << ") blocked";
    const int fd = open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) close(fd);
  }
  return result.get();
}

TEST(ReadRegularFile, ReadsARegularFile) {
  TempDir dir;
  std::ofstream(dir.File("a.toml")) << "id = \"x\"\n";
  absl::StatusOr<std::string> got = ReadRegularFile(dir.File("a.toml"), 100);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "id = \"x\"\n");
}

TEST(ReadRegularFile, RefusesAFifoAtOnce) {
  TempDir dir;
  const std::string fifo = dir.File("f.toml");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  absl::StatusOr<std::string> got = ReadWithin10s(fifo);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(got.status().message(), HasSubstr("FIFO"));
  EXPECT_THAT(got.status().message(), HasSubstr(fifo));
}

TEST(ReadRegularFile, RefusesDevicesAndDirectories) {
  TempDir dir;
  absl::StatusOr<std::string> zero = ReadWithin10s("/dev/zero");
  ASSERT_FALSE(zero.ok());
  EXPECT_THAT(zero.status().message(), HasSubstr("character device"));
  absl::StatusOr<std::string> d = ReadRegularFile(dir.File(""), 100);
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.status().message(), HasSubstr("a directory"));
}

TEST(ReadRegularFile, MissingIsNotFoundAndLargeIsRefused) {
  TempDir dir;
  absl::StatusOr<std::string> missing =
      ReadRegularFile(dir.File("nope"), 100, "client profile");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("client profile"));
  EXPECT_THAT(missing.status().message(), HasSubstr("No such file"));
  std::ofstream(dir.File("big")) << std::string(101, 'a');
  absl::StatusOr<std::string> big = ReadRegularFile(dir.File("big"), 100);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(big.status().message(), HasSubstr("larger than 100 bytes"));
  EXPECT_TRUE(ReadRegularFile(dir.File("big"), 101).ok());
}

TEST(ReadRegularFile, EscapesThePathInMessages) {
  TempDir dir;
  absl::StatusOr<std::string> got =
      ReadRegularFile(dir.File("a\x1b[2J\r\nb"), 100);
  ASSERT_FALSE(got.ok());
  EXPECT_THAT(got.status().message(), HasSubstr("a\\x1b[2J\\r\\nb"));
  EXPECT_THAT(got.status().message(), Not(HasSubstr("\x1b")));
}

}  // namespace
}  // namespace gauntlet::files
