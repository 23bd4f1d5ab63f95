// "Did you mean ...?": the nearest known name to a misspelt one.
//
// Used wherever a user types a name from a fixed set: subcommands, keys of
// a scenario file or client profile. A suggestion is only made when the
// typed word is close (a typo, not a different word), so that
// `gauntlet frobnicate` gets no suggestion while `gauntlet lst` gets
// "list" and `severty = ...` gets "severity".

#ifndef GAUNTLET_COMMON_SPELLING_H_
#define GAUNTLET_COMMON_SPELLING_H_

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace gauntlet::text {

// Optimal string alignment distance (Levenshtein plus adjacent
// transpositions, each costing 1), case-sensitive, on bytes.
std::size_t EditDistance(std::string_view a, std::string_view b);

// The name in `names` nearest to `typed`, when it is close enough to be a
// typo: at most 1 edit for words up to 5 bytes, 2 up to 9, else 3; or one
// of the two is a prefix (of at least 4 bytes) of the other, as "timeout"
// of "timeout_ms". Ties go to the earlier name. Nothing for an empty or
// absurdly long `typed`, or when `typed` is itself one of `names`.
std::optional<std::string> ClosestName(std::string_view typed,
                                       std::span<const std::string_view> names);

}  // namespace gauntlet::text

#endif  // GAUNTLET_COMMON_SPELLING_H_
