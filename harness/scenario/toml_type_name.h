// Words for the type of a TOML value, for the "expected X, not Y" errors of
// Gauntlet's two TOML readers: scenario files (harness/scenario/loader.cc)
// and client profiles (harness/runner/client_profile.cc). Header-only; its
// users depend on toml++ themselves.

#ifndef GAUNTLET_HARNESS_SCENARIO_TOML_TYPE_NAME_H_
#define GAUNTLET_HARNESS_SCENARIO_TOML_TYPE_NAME_H_

#include <string_view>

#include "toml++/toml.h"

namespace gauntlet::scenario {

// "a string", "an integer", ...: reads after "not" in an error message.
inline std::string_view TomlTypeName(toml::node_type type) {
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

}  // namespace gauntlet::scenario

#endif  // GAUNTLET_HARNESS_SCENARIO_TOML_TYPE_NAME_H_
