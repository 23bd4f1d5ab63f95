// Where Gauntlet's companion programs are: executables that are built with
// `gauntlet` and that it runs, such as gauntlet-supervisor (supervisor.h,
// started for every client) and gauntlet-client (the reference client,
// docs/reference-client.md, run by `gauntlet client`, by `gauntlet run`
// without --client, and by `gauntlet demo`).
//
// A companion is looked up, in order: next to the running executable (a
// build or an install that keeps them together), in ../libexec/gauntlet/
// from it (an installed layout, GNUInstallDirs), then at the path where
// this build tree made it (`build_path`, given by CMake), so that a test
// binary elsewhere in the build tree finds it too. The first regular,
// executable file wins; the error lists every place tried.

#ifndef GAUNTLET_HARNESS_RUNNER_COMPANION_H_
#define GAUNTLET_HARNESS_RUNNER_COMPANION_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace gauntlet::runner {

inline constexpr char kSupervisorProgram[] = "gauntlet-supervisor";
inline constexpr char kReferenceClientProgram[] = "gauntlet-client";

// The path of the companion `name`; `build_path` may be empty. Errors:
// FailedPrecondition naming every path tried.
absl::StatusOr<std::string> FindCompanionProgram(std::string_view name,
                                                 std::string_view build_path);

// The reference client, gauntlet-client (looked up once per process).
const absl::StatusOr<std::string>& ReferenceClientProgram();

}  // namespace gauntlet::runner

#endif  // GAUNTLET_HARNESS_RUNNER_COMPANION_H_
