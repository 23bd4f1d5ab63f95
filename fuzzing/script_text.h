// The textual form of a server script (server_script.h) and of the
// mutations that made it (mutator.h): a TOML file, so a fuzzing input can
// be saved, replayed, minimised and read by a person.
//
//   format = 'gauntlet-server-script/1'
//   [tls]
//   fault = "alert"                 # TlsFaultName
//   point = "after-server-hello"    # TlsFaultPointName
//   alert = 40
//   [steps.ehlo]                    # StepName; a step left out is empty
//   bytes = '250-mx.test\r\n250 STARTTLS\r\n'
//   segment_bytes = 1               # optional, 0 by default
//   delay_ms = 20                   # optional
//   delayed_segments = 2            # optional
//   [[mutations]]                   # provenance, in the order applied
//   kind = "split-line"             # MutationName
//   step = "ehlo"
//   seed = "0x9e3779b97f4a7c15"     # 64 bits do not fit a TOML integer
//
// Step bytes are written with text::EscapeBytes (\r \n \t \\ \xNN, all else
// printable ASCII), and that text as a TOML string (a literal one, as
// above, unless it holds a quote), so any byte survives and the file stays
// ASCII. Parsing is strict and bounded: the text is at most
// kMaxScriptTextBytes, unknown keys and steps are errors, every value is
// checked against the caps of server_script.h, and each error names the
// line and column it is about.

#ifndef GAUNTLET_FUZZING_SCRIPT_TEXT_H_
#define GAUNTLET_FUZZING_SCRIPT_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "fuzzing/mutator.h"
#include "fuzzing/server_script.h"

namespace gauntlet::fuzzing {

// Escaping takes at most 4 characters per byte: every step at its cap, and
// room for the rest.
inline constexpr std::size_t kMaxScriptTextBytes =
    kStepCount * kMaxStepBytes * 4 + (1 << 20);
// At most this many mutation records in one file.
inline constexpr std::size_t kMaxMutationRecords = 4096;

struct ScriptFile {
  ServerScript script;
  std::vector<Mutation> mutations;

  friend bool operator==(const ScriptFile&, const ScriptFile&) = default;
};

std::string SerializeScript(const ScriptFile& file);

// `source_name` prefixes every error message ("seed.toml:3:1: ...").
absl::StatusOr<ScriptFile> ParseScript(std::string_view text,
                                       std::string_view source_name);

}  // namespace gauntlet::fuzzing

#endif  // GAUNTLET_FUZZING_SCRIPT_TEXT_H_
