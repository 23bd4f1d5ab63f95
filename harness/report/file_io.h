// Reading and writing report files safely.
//
// A report or baseline is written to a temporary file in the destination's
// directory and renamed over the destination only once it is complete, so
// an interrupted run (Ctrl-C, a crash, a full disk) never leaves a half
// written file behind under the real name. Reads are bounded: a baseline or
// report file of absurd size is refused, not slurped.

#ifndef GAUNTLET_HARNESS_REPORT_FILE_IO_H_
#define GAUNTLET_HARNESS_REPORT_FILE_IO_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace gauntlet::report {

// Largest file ReadFileBounded accepts by default.
inline constexpr std::size_t kMaxReportFileBytes = 256u * 1024 * 1024;

// Writes `contents` to `path` atomically (temp file "<path>.tmp.XXXXXX" in
// the same directory, fsync, mode 0644, rename). On failure the
// destination is untouched and the temp file removed. "-" is not special.
absl::Status WriteFileAtomically(const std::string& path,
                                 std::string_view contents);

// The whole file; NotFound when it does not exist, FailedPrecondition when
// it is larger than `max_bytes` or not a regular file.
absl::StatusOr<std::string> ReadFileBounded(
    const std::string& path, std::size_t max_bytes = kMaxReportFileBytes);

}  // namespace gauntlet::report

#endif  // GAUNTLET_HARNESS_REPORT_FILE_IO_H_
