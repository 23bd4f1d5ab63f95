// Fuzzes gauntlet::fuzzing::ParseScript, the reader of saved server
// scripts (fuzzing/script_text.h), with arbitrary text.
//
// Invariants (abort on violation): parsing never crashes or throws; a
// script that parses is within the caps of server_script.h; serialising
// it and parsing that again gives the very same script and mutation
// records; an error message starts with the source name.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "fuzzing/script_text.h"
#include "fuzzing/server_script.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<gauntlet::fuzzing::ScriptFile> file =
      gauntlet::fuzzing::ParseScript(text, "input.toml");
  if (!file.ok()) {
    FUZZ_CHECK(file.status().message().substr(0, 11) == "input.toml:");
    return 0;
  }
  FUZZ_CHECK(gauntlet::fuzzing::WithinLimits(file->script));
  const std::string again = gauntlet::fuzzing::SerializeScript(*file);
  const absl::StatusOr<gauntlet::fuzzing::ScriptFile> back =
      gauntlet::fuzzing::ParseScript(again, "again.toml");
  FUZZ_CHECK(back.ok());
  FUZZ_CHECK(*back == *file);
  return 0;
}
