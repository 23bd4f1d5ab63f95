#include "harness/runner/companion.h"

#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace gauntlet::runner {

absl::StatusOr<std::string> FindCompanionProgram(std::string_view name,
                                                 std::string_view build_path) {
  std::vector<std::string> tried;
  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    const std::string_view self(exe, static_cast<std::size_t>(n));
    const std::string dir(self.substr(0, self.rfind('/') + 1));
    tried.push_back(dir + std::string(name));
    tried.push_back(dir + "../libexec/gauntlet/" + std::string(name));
  }
  if (!build_path.empty()) tried.emplace_back(build_path);
  for (const std::string& path : tried) {
    struct stat st;
    if (stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        access(path.c_str(), X_OK) == 0) {
      return path;
    }
  }
  return absl::FailedPreconditionError(
      absl::StrCat("cannot find ", std::string(name),
                   " (it is built with gauntlet); tried ",
                   absl::StrJoin(tried, ", ")));
}

const absl::StatusOr<std::string>& ReferenceClientProgram() {
#ifdef GAUNTLET_CLIENT_BUILD_PATH
  constexpr std::string_view kBuildPath = GAUNTLET_CLIENT_BUILD_PATH;
#else
  constexpr std::string_view kBuildPath;
#endif
  static const absl::StatusOr<std::string>* const program =
      new absl::StatusOr<std::string>(
          FindCompanionProgram(kReferenceClientProgram, kBuildPath));
  return *program;
}

}  // namespace gauntlet::runner
