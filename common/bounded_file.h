// Reading a whole file that a user named, without trusting what it is.
//
// Every file Gauntlet reads comes from the command line or a scenario
// directory: scenario files, client profiles, baselines, reports. A path may
// name a FIFO (open() would block until a writer appears: `gauntlet
// validate fifo` would hang forever), a device (/dev/zero never ends), a
// directory or a socket; it may be swapped for one of those between a check
// and the open. ReadRegularFile therefore
//
//  1. stat()s the path and refuses anything that is not a regular file,
//     naming what it is, before opening it;
//  2. opens it with O_NONBLOCK | O_NOCTTY (so a FIFO swapped in since the
//     stat cannot block the open) and fstat()s the descriptor: it must still
//     be a regular file, and the same one (device and inode) the stat saw;
//  3. reads at most `max_bytes` (the size in the stat is checked first, and
//     the read loop stops past the bound whatever the file does meanwhile).
//
// Paths in error messages are escaped (common/text_escape.h).

#ifndef GAUNTLET_COMMON_BOUNDED_FILE_H_
#define GAUNTLET_COMMON_BOUNDED_FILE_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace gauntlet::files {

// The whole content of the regular file at `path`. Errors: NotFound (no
// such file), PermissionDenied, FailedPrecondition (not a regular file, or
// larger than `max_bytes`), Internal (any other I/O error). `what` names
// the file's role in messages ("scenario file", "client profile").
absl::StatusOr<std::string> ReadRegularFile(const std::string& path,
                                            std::size_t max_bytes,
                                            std::string_view what = "file");

// "a FIFO", "a directory", "a character device", ... for a st_mode.
std::string_view FileTypeName(unsigned int st_mode);

}  // namespace gauntlet::files

#endif  // GAUNTLET_COMMON_BOUNDED_FILE_H_
