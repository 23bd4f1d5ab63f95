#include "common/toml_reader.h"

#include <exception>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/bounded_file.h"
#include "common/status_macros.h"
#include "common/string_view.h"
#include "common/text_escape.h"

namespace gauntlet::toml_reader {

absl::StatusOr<toml::table> ParseToml(std::string_view text,
                                      std::string_view source,
                                      std::size_t max_bytes,
                                      std::string_view what) {
  if (text.size() > max_bytes) {
    return absl::InvalidArgumentError(
        Cat(text::SanitizeText(source), ": ", text.size(),
            " bytes is larger than the ", max_bytes, "-byte limit for a ",
            what));
  }
  try {
    return toml::parse(text, source);
  } catch (const toml::parse_error& error) {
    return absl::InvalidArgumentError(
        text::SanitizeText(Cat(TomlLocation(source, error.source()),
                               ": invalid TOML: ", error.description())));
  } catch (const std::exception& error) {
    return absl::InternalError(Cat(text::SanitizeText(source),
                                   ": cannot parse: ",
                                   text::SanitizeText(error.what())));
  }
}

absl::StatusOr<toml::table> ReadTomlFile(const std::string& path,
                                         std::size_t max_bytes,
                                         std::string_view what) {
  GAUNTLET_ASSIGN_OR_RETURN(const std::string text,
                            files::ReadRegularFile(path, max_bytes, what));
  return ParseToml(text, path, max_bytes, what);
}

std::string TomlLocation(std::string_view source,
                         const toml::source_region& at) {
  std::uint32_t line = at.begin.line;
  std::uint32_t column = at.begin.column;
  if (line == 0) {
    line = 1;
    column = 1;
  }
  return Cat(source, ":", line, ":", column);
}

std::string_view TomlTypeName(toml::node_type type) {
  switch (type) {
    case toml::node_type::none: return "nothing";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
  }
  return "a value";
}

}  // namespace gauntlet::toml_reader
