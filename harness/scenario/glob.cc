#include "harness/scenario/glob.h"

#include <cstddef>
#include <string_view>

namespace gauntlet::scenario {

bool GlobMatch(std::string_view pattern, std::string_view text) {
  // Greedy matching with one backtrack point (the last `*`): enough for `*`
  // and `?`, and linear in practice, unlike the naive recursive matcher.
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star = std::string_view::npos;
  std::size_t star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] != '*' &&
        (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace gauntlet::scenario
