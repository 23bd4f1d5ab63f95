#include "harness/report/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "harness/report/text_util.h"

namespace gauntlet::report {

using internal::Append;
using internal::Cat;
namespace {

absl::Status ErrnoError(int err, std::string_view what,
                        const std::string& path) {
  const std::string msg =
      Cat("cannot ", what, " '", path, "': ", std::strerror(err));
  if (err == ENOENT) return absl::NotFoundError(msg);
  if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(msg);
  return absl::InternalError(msg);
}

// Closes the descriptor and removes the temp file unless released.
class TempFile {
 public:
  TempFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~TempFile() {
    if (fd_ >= 0) close(fd_);
    if (!released_) unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  int Close() {
    const int rc = close(fd_);
    fd_ = -1;
    return rc;
  }
  void Release() { released_ = true; }

 private:
  int fd_;
  std::string path_;
  bool released_ = false;
};

}  // namespace

absl::Status WriteFileAtomically(const std::string& path,
                                 std::string_view contents) {
  if (path.empty()) return absl::InvalidArgumentError("empty output path");
  std::string templ = path + ".tmp.XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  // Close-on-exec: no child started meanwhile may inherit it.
  const int fd = mkostemp(buf.data(), O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, "create a temporary file for", path);
  TempFile tmp(fd, std::string(buf.data()));

  std::size_t done = 0;
  while (done < contents.size()) {
    const ssize_t n =
        write(tmp.fd(), contents.data() + done, contents.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "write", tmp.path());
    }
    done += static_cast<std::size_t>(n);
  }
  // mkostemp creates 0600; a report is meant to be read by others (CI).
  if (fchmod(tmp.fd(), 0644) != 0) return ErrnoError(errno, "chmod", tmp.path());
  if (fsync(tmp.fd()) != 0) return ErrnoError(errno, "fsync", tmp.path());
  if (tmp.Close() != 0) return ErrnoError(errno, "close", tmp.path());
  if (rename(tmp.path().c_str(), path.c_str()) != 0) {
    return ErrnoError(errno, "rename a temporary file to", path);
  }
  tmp.Release();
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFileBounded(const std::string& path,
                                            std::size_t max_bytes) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, "open", path);
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  struct stat st;
  if (fstat(fd, &st) != 0) return ErrnoError(errno, "stat", path);
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        Cat("'", path, "' is not a regular file"));
  }
  std::string data;
  char chunk[65536];
  while (true) {
    const ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "read", path);
    }
    if (n == 0) break;
    if (data.size() + static_cast<std::size_t>(n) > max_bytes) {
      return absl::FailedPreconditionError(Cat(
          "'", path, "' is larger than ", max_bytes, " bytes"));
    }
    data.append(chunk, static_cast<std::size_t>(n));
  }
  return data;
}

}  // namespace gauntlet::report
