// Reads one scenario file (TOML) into a Scenario, rejecting anything wrong.
//
// Scenario files may come from a user's own directory, so the loader treats
// them as untrusted: the file size, every string, list and duration is
// bounded (see the k* limits below), every key at every level must be known
// (a misspelt one gets the nearest known key as a suggestion), and every
// error names the place as `file:line:column: what was expected`. Errors are
// collected, not returned at the first: the message lists every error of the
// file, one per line in file order (a TOML syntax error stops the parser, so
// it is reported alone). Text quoted from the file is escaped. Files are read
// with common/bounded_file.h: only regular files, never blocking on
// a FIFO. No exception escapes (toml++ throws; it is caught here). The
// format itself is documented in docs/scenario-format.md.

#ifndef GAUNTLET_HARNESS_SCENARIO_LOADER_H_
#define GAUNTLET_HARNESS_SCENARIO_LOADER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/scenario/scenario.h"

namespace gauntlet::scenario {

// Bounds on what a scenario file may contain.
inline constexpr std::size_t kMaxFileBytes = 256 * 1024;
inline constexpr std::size_t kMaxIdBytes = 128;
inline constexpr std::size_t kMaxTitleBytes = 200;
inline constexpr std::size_t kMaxDescriptionBytes = 16 * 1024;
inline constexpr std::size_t kMaxReferences = 32;
inline constexpr std::size_t kMaxReferenceBytes = 400;
inline constexpr std::size_t kMaxTags = 32;
inline constexpr std::size_t kMaxTagBytes = 40;
inline constexpr std::size_t kMaxConnections = 16;
inline constexpr std::size_t kMaxCapabilities = 256;
inline constexpr std::size_t kMaxCapabilityBytes = 512;
inline constexpr std::size_t kMaxRawReplyBytes = 16 * 1024;
inline constexpr std::size_t kMaxReplyOverrides = 32;
inline constexpr std::size_t kMaxDelays = 32;
inline constexpr std::size_t kMaxVerbBytes = 16;
inline constexpr std::int64_t kMinTimeoutMs = 100;
inline constexpr std::int64_t kMaxTimeoutMs = 600'000;
inline constexpr std::int64_t kMinIdleTimeoutMs = 100;
inline constexpr std::int64_t kMaxIdleTimeoutMs = 600'000;
inline constexpr std::int64_t kMaxDelayMs = 120'000;
inline constexpr std::int64_t kMaxLingerMs = 120'000;
inline constexpr std::int64_t kMaxServerConnections = 64;
inline constexpr std::int64_t kMaxPartialFlightBytes = 16 * 1024;
inline constexpr std::size_t kMaxProbeBytes = 4 * 1024;
inline constexpr std::size_t kMaxReasonBytes = 400;
// A sweep file ([sweep]) expands to one scenario per value: at most this
// many values, each one id segment of at most kMaxSweepValueBytes.
inline constexpr std::size_t kMaxSweepValues = 32;
inline constexpr std::size_t kMaxSweepValueBytes = 40;
inline constexpr std::size_t kMaxSweepVariableBytes = 32;

// The plaintext EHLO keywords of an attack scenario that does not set
// `capabilities`: the good server's list with "AUTH PLAIN LOGIN" before
// STARTTLS. The attacker writes every plaintext byte, so it offers AUTH: a
// client that falls back to plaintext then shows whether it would send its
// password (controls keep the good server's list, AUTH only inside TLS).
const std::vector<std::string>& AttackPlaintextCapabilities();

// Parses the text of one scenario file into the scenarios it defines: one,
// or one per value for a sweep file ([sweep], docs/scenario-format.md), in
// the order of its values, each with the id "<file id>/<value>" and
// `{variable}` replaced by the value in every string of the file but `id`.
// Every expansion is checked; an error names the file:line:column and the
// expanded id, and an error shared by every expansion is reported once.
// `source_name` is used in error messages and stored as
// Scenario::source_path. When `expected_id` is not empty, the file's `id`
// must equal it (the catalogue passes the id implied by the file's path).
absl::StatusOr<std::vector<Scenario>> ParseScenarios(
    std::string_view text, std::string_view source_name,
    std::string_view expected_id = {});

// ParseScenarios for a file that defines exactly one scenario (a sweep file
// is an error).
absl::StatusOr<Scenario> ParseScenario(std::string_view text,
                                       std::string_view source_name,
                                       std::string_view expected_id = {});

// Reads and parses one file. With an empty `expected_id`, the file's `id`
// must be the tail of its absolute path (resolved from the working
// directory; the canonical path, with symbolic links resolved, is accepted
// too): ".../scenarios/strip/x.toml" may hold id "strip/x" or "x", whatever
// the directory `validate` runs in.
absl::StatusOr<std::vector<Scenario>> LoadScenarios(
    const std::string& path, std::string_view expected_id = {});

// LoadScenarios for a file that defines exactly one scenario.
absl::StatusOr<Scenario> LoadScenarioFile(const std::string& path,
                                          std::string_view expected_id = {});

}  // namespace gauntlet::scenario

#endif  // GAUNTLET_HARNESS_SCENARIO_LOADER_H_
