// Shared helper for the enum <-> kebab-case name tables of the scenario
// format.
//
// Each enum's Name() is a switch without a default, so the compiler flags a
// value that has no name; its From-name lookup walks the list of all values
// through that same Name(), so the two directions cannot disagree.

#ifndef GAUNTLET_HARNESS_SCENARIO_NAME_TABLE_H_
#define GAUNTLET_HARNESS_SCENARIO_NAME_TABLE_H_

#include <optional>
#include <span>
#include <string_view>

namespace gauntlet::scenario::internal {

template <typename E>
std::optional<E> FromName(std::span<const E> all,
                          std::string_view (*name_of)(E),
                          std::string_view name) {
  for (E value : all) {
    if (name_of(value) == name) return value;
  }
  return std::nullopt;
}

}  // namespace gauntlet::scenario::internal

#endif  // GAUNTLET_HARNESS_SCENARIO_NAME_TABLE_H_
