// Shell-style wildcard matching for selecting scenarios.
//
// `*` matches any run of characters (including `/`, so "cert*" matches
// "cert/expired"), `?` matches exactly one character, and every other
// character matches itself. Used by Catalog::Filter on scenario ids and tags.
// Runs in O(pattern * text) time with no recursion, whatever the input.

#ifndef GAUNTLET_HARNESS_SCENARIO_GLOB_H_
#define GAUNTLET_HARNESS_SCENARIO_GLOB_H_

#include <string_view>

namespace gauntlet::scenario {

bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace gauntlet::scenario

#endif  // GAUNTLET_HARNESS_SCENARIO_GLOB_H_
