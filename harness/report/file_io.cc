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
#include "common/bounded_file.h"
#include "common/text_escape.h"
#include "harness/report/text_util.h"

namespace gauntlet::report {

using internal::Append;
using internal::Cat;
namespace {

// Paths come from the command line: escaped before they reach a terminal.
std::string Shown(const std::string& path) { return text::SanitizeText(path); }

absl::Status ErrnoError(int err, std::string_view what,
                        const std::string& path) {
  const std::string msg =
      Cat("cannot ", what, " '", Shown(path), "': ", std::strerror(err));
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
                                 std::string_view contents, unsigned int mode) {
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
  // mkstemp creates 0600 already; a caller may ask for a wider mode.
  if (fchmod(tmp.fd(), static_cast<mode_t>(mode)) != 0) {
    return ErrnoError(errno, "chmod", tmp.path());
  }
  if (fsync(tmp.fd()) != 0) return ErrnoError(errno, "fsync", tmp.path());
  if (tmp.Close() != 0) return ErrnoError(errno, "close", tmp.path());
  if (rename(tmp.path().c_str(), path.c_str()) != 0) {
    return ErrnoError(errno, "rename a temporary file to", path);
  }
  tmp.Release();
  return absl::OkStatus();
}

absl::Status CreateDirectories(const std::string& dir, unsigned int mode) {
  if (dir.empty()) return absl::InvalidArgumentError("empty directory path");
  // Each prefix ending before a '/', then the whole path.
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    pos = dir.find('/', pos + 1);
    const std::string prefix = dir.substr(0, pos);
    if (prefix.empty() || prefix == "." || prefix == "..") continue;
    if (mkdir(prefix.c_str(), static_cast<mode_t>(mode)) == 0) continue;
    const int err = errno;
    struct stat st;
    if (err == EEXIST && stat(prefix.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) continue;
      return absl::FailedPreconditionError(
          Cat("cannot create directory '", Shown(dir), "': '", Shown(prefix),
              "' is ", files::FileTypeName(st.st_mode)));
    }
    return ErrnoError(err, "create directory", prefix);
  }
  return absl::OkStatus();
}

absl::Status CheckOutputFile(const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("empty output path");
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  struct stat st;
  if (stat(dir.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      return absl::NotFoundError(Cat("cannot write '", Shown(path),
                                     "': directory '", Shown(dir),
                                     "' does not exist"));
    }
    return ErrnoError(err, "write", path);
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(
        Cat("cannot write '", Shown(path), "': '", Shown(dir), "' is ",
            files::FileTypeName(st.st_mode), ", not a directory"));
  }
  // The temporary file is created in the directory, then renamed.
  if (access(dir.c_str(), W_OK | X_OK) != 0) {
    return absl::PermissionDeniedError(Cat("cannot write '", Shown(path),
                                           "': no permission to create files "
                                           "in '",
                                           Shown(dir), "'"));
  }
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(
        Cat("cannot write '", Shown(path), "': it is a directory"));
  }
  return absl::OkStatus();
}

}  // namespace gauntlet::report
