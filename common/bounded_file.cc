#include "common/bounded_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/text_escape.h"

namespace gauntlet::files {
namespace {

std::string Quoted(const std::string& path) {
  return "'" + text::SanitizeText(path) + "'";
}

absl::Status ErrnoError(int err, std::string_view action, std::string_view what,
                        const std::string& path) {
  std::string msg = "cannot ";
  msg.append(action);
  msg += " ";
  msg.append(what);
  msg += " " + Quoted(path) + ": " + std::strerror(err);
  if (err == ENOENT || err == ENOTDIR) return absl::NotFoundError(msg);
  if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(msg);
  return absl::InternalError(msg);
}

absl::Status NotRegular(std::string_view what, const std::string& path,
                        mode_t mode) {
  std::string msg(what);
  msg += " " + Quoted(path) + " is ";
  msg.append(FileTypeName(mode));
  msg += ", not a regular file";
  return absl::FailedPreconditionError(msg);
}

absl::Status TooLarge(std::string_view what, const std::string& path,
                      std::size_t max_bytes) {
  std::string msg(what);
  msg += " " + Quoted(path) + " is larger than " + std::to_string(max_bytes) +
         " bytes";
  return absl::FailedPreconditionError(msg);
}

}  // namespace

std::string_view FileTypeName(unsigned int st_mode) {
  const mode_t mode = static_cast<mode_t>(st_mode);
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a regular file";
}

absl::StatusOr<std::string> ReadRegularFile(const std::string& path,
                                            std::size_t max_bytes,
                                            std::string_view what) {
  if (path.empty()) {
    return absl::InvalidArgumentError(std::string(what) + ": empty path");
  }
  // 1. What is it? Refuse a FIFO or device before open() could block on it.
  struct stat before;
  if (stat(path.c_str(), &before) != 0) {
    return ErrnoError(errno, "read", what, path);
  }
  if (!S_ISREG(before.st_mode)) return NotRegular(what, path, before.st_mode);
  if (static_cast<std::size_t>(before.st_size) > max_bytes) {
    return TooLarge(what, path, max_bytes);
  }
  // 2. Open without blocking, and make sure it is still the file stat saw.
  const int fd =
      open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, "open", what, path);
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  struct stat after;
  if (fstat(fd, &after) != 0) return ErrnoError(errno, "stat", what, path);
  if (!S_ISREG(after.st_mode)) return NotRegular(what, path, after.st_mode);
  if (after.st_dev != before.st_dev || after.st_ino != before.st_ino) {
    return absl::FailedPreconditionError(
        std::string(what) + " " + Quoted(path) +
        " was replaced while it was being opened");
  }
  // 3. Read, bounded whatever the file does meanwhile.
  std::string data;
  data.reserve(static_cast<std::size_t>(after.st_size));
  char chunk[65536];
  while (true) {
    const ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "read", what, path);
    }
    if (n == 0) break;
    if (data.size() + static_cast<std::size_t>(n) > max_bytes) {
      return TooLarge(what, path, max_bytes);
    }
    data.append(chunk, static_cast<std::size_t>(n));
  }
  return data;
}

}  // namespace gauntlet::files
