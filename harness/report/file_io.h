// Reading and writing report files safely.
//
// A report or baseline is written to a temporary file in the destination's
// directory and renamed over the destination only once it is complete, so
// an interrupted run (Ctrl-C, a crash, a full disk) never leaves a half
// written file behind under the real name. Reports hold transcripts (AUTH
// exchanges, the client's credentials), so files are created 0600 and the
// directories made for them 0700 unless the caller asks otherwise. Reading
// them back goes through common/bounded_file.h like every other file.

#ifndef GAUNTLET_HARNESS_REPORT_FILE_IO_H_
#define GAUNTLET_HARNESS_REPORT_FILE_IO_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace gauntlet::report {

// Largest report file Gauntlet reads back (`gauntlet judge`, --baseline).
inline constexpr std::size_t kMaxReportFileBytes = 256u * 1024 * 1024;

// Modes of what Gauntlet writes: private to the user running it.
inline constexpr unsigned int kPrivateFileMode = 0600;
inline constexpr unsigned int kPrivateDirMode = 0700;

// Writes `contents` to `path` atomically (temp file "<path>.tmp.XXXXXX" in
// the same directory, fsync, `mode`, rename). On failure the destination is
// untouched and the temp file removed. "-" is not special.
absl::Status WriteFileAtomically(const std::string& path,
                                 std::string_view contents,
                                 unsigned int mode = kPrivateFileMode);

// Creates `dir` and every missing parent with `mode` (directories that
// already exist are left as they are, but must be directories).
absl::Status CreateDirectories(const std::string& dir,
                               unsigned int mode = kPrivateDirMode);

// Whether WriteFileAtomically(path, ...) can work, checked before a run
// starts rather than found out after it: the parent directory exists, is a
// directory Gauntlet may create files in, and `path` is not a directory.
// NotFound / FailedPrecondition / PermissionDenied naming the path.
absl::Status CheckOutputFile(const std::string& path);


}  // namespace gauntlet::report

#endif  // GAUNTLET_HARNESS_REPORT_FILE_IO_H_
