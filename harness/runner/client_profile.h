// A client profile: one TOML file that names an SMTP client under test, how
// to run it, and under which TLS policy to judge it, so that a client's
// setup is written once (clients/<name>.toml) rather than retyped as flags.
//
//   name = "curl"
//   description = "curl 7.88 with --ssl-reqd"
//   command = "curl --ssl-reqd --cacert {ca_file} ... smtp://{host}:{port}"
//   shell = false                 # optional; true runs /bin/sh -c
//   policy = "require-tls"        # | "require-tls-no-verify" | "opportunistic"
//   timeout_ms = 20000            # optional; the runner's default otherwise
//   unsupported = ["auth/*"]      # optional; scenario id globs to skip
//   [env]                         # optional; extra environment variables
//   SSLKEYLOGFILE = "/tmp/keys"
//
// Unknown keys, wrong types and bad values are errors naming file:line:col.
// The command template is checked as client_command.h would run it.

#ifndef GAUNTLET_HARNESS_RUNNER_CLIENT_PROFILE_H_
#define GAUNTLET_HARNESS_RUNNER_CLIENT_PROFILE_H_

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/runner/client_command.h"
#include "harness/scenario/scenario.h"

namespace gauntlet::runner {

// Profiles larger than this are rejected before parsing.
inline constexpr std::size_t kMaxProfileBytes = 1024 * 1024;
// Bounds of timeout_ms (one hour at most).
inline constexpr long long kMaxProfileTimeoutMs = 3'600'000;

struct ClientProfile {
  // [A-Za-z0-9._-], at most 64 characters: it names report files.
  std::string name;
  std::string description;
  ClientCommand command;
  scenario::Policy policy = scenario::Policy::kRequireTls;
  // Unset: the runner's default.
  std::optional<std::chrono::milliseconds> timeout;
  // Globs (harness/scenario/glob.h) of scenario ids this client skips.
  std::vector<std::string> unsupported;
  // Extra environment variables, sorted by name. GAUNTLET_* are reserved.
  std::vector<std::pair<std::string, std::string>> env;
  // The file it came from (or the source name given to the parser).
  std::string source_path;

  // The first `unsupported` glob matching `scenario_id`, or nullptr.
  const std::string* UnsupportedGlobFor(std::string_view scenario_id) const;
  bool Supports(std::string_view scenario_id) const {
    return UnsupportedGlobFor(scenario_id) == nullptr;
  }
};

// Parses profile text; `source_name` prefixes error locations.
absl::StatusOr<ClientProfile> ParseClientProfile(std::string_view toml_text,
                                                 std::string_view source_name);

// Reads and parses the profile file at `path`.
absl::StatusOr<ClientProfile> LoadClientProfile(const std::string& path);

}  // namespace gauntlet::runner

#endif  // GAUNTLET_HARNESS_RUNNER_CLIENT_PROFILE_H_
