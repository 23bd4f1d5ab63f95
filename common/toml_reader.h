// The one way Gauntlet turns a TOML document into a toml::table: scenario
// files (harness/scenario/loader.cc), client profiles
// (harness/runner/client_profile.cc) and the flaw matrix's expectations all
// come through here, so they share one size limit rule, one error shape and
// one place that keeps toml++'s exceptions in.
//
// toml++ (https://marzer.github.io/tomlplusplus/) is built with exceptions
// in Debian: a syntax error is a toml::parse_error, and a malformed document
// may raise std::exception from deeper down. None of that may cross a module
// boundary, so ParseToml catches everything and returns a status whose
// message reads "SOURCE:LINE:COLUMN: invalid TOML: WHAT" -- the same
// "source:line:column" prefix the loaders use for their own errors, which
// TomlLocation() builds. ParseToml's messages are escaped
// (common/text_escape.h): a file name or a description may hold control
// bytes.

#ifndef GAUNTLET_COMMON_TOML_READER_H_
#define GAUNTLET_COMMON_TOML_READER_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "toml++/toml.h"

namespace gauntlet::toml_reader {

// Parses `text`, named `source` in messages, as a TOML document of at most
// `max_bytes` bytes. `what` names the document's role ("scenario file",
// "client profile"). Errors, all InvalidArgument except Internal for an
// unexpected exception:
//   "SOURCE: N bytes is larger than the M-byte limit for a WHAT"
//   "SOURCE:LINE:COLUMN: invalid TOML: DESCRIPTION"
absl::StatusOr<toml::table> ParseToml(std::string_view text,
                                      std::string_view source,
                                      std::size_t max_bytes,
                                      std::string_view what);

// Reads the regular file at `path` (common/bounded_file.h: never blocks on a
// FIFO, at most `max_bytes`) and parses it as above, named by its path.
absl::StatusOr<toml::table> ReadTomlFile(const std::string& path,
                                         std::size_t max_bytes,
                                         std::string_view what);

// "SOURCE:LINE:COLUMN" of a region, as it is (a caller escapes the whole
// message it goes into); regions of implicit tables can be empty (line 0),
// which reads as 1:1.
std::string TomlLocation(std::string_view source,
                         const toml::source_region& at);

// "a string", "an integer", ...: reads after "not" in an error message
// ("expected a table, not an array").
std::string_view TomlTypeName(toml::node_type type);

}  // namespace gauntlet::toml_reader

#endif  // GAUNTLET_COMMON_TOML_READER_H_
