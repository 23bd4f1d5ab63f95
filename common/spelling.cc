#include "common/spelling.h"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gauntlet::text {
namespace {

// Longer input is not a typo of a short name; the bound also keeps the
// O(n*m) table small whatever a hostile file holds.
constexpr std::size_t kMaxTypedBytes = 64;
// A prefix this long of a known name counts as close.
constexpr std::size_t kMinPrefixBytes = 4;

std::size_t MaxEditsFor(std::size_t length) {
  if (length <= 5) return 1;
  if (length <= 9) return 2;
  return 3;
}

}  // namespace

std::size_t EditDistance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  // Three rows: i-2, i-1, i.
  std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      }
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[m];
}

std::optional<std::string> ClosestName(
    std::string_view typed, std::span<const std::string_view> names) {
  if (typed.empty() || typed.size() > kMaxTypedBytes) return std::nullopt;
  const std::size_t limit = MaxEditsFor(typed.size());
  std::optional<std::string> best;
  std::size_t best_distance = limit + 1;
  for (std::string_view name : names) {
    if (name == typed) return std::nullopt;
    std::size_t d = EditDistance(typed, name);
    // A cut-short or extended name ("timeout" for "timeout_ms") is a typo
    // too, however many bytes are missing; it ranks below closer matches.
    const std::string_view shorter = typed.size() < name.size() ? typed : name;
    const std::string_view longer = typed.size() < name.size() ? name : typed;
    if (d > limit && shorter.size() >= kMinPrefixBytes &&
        longer.substr(0, shorter.size()) == shorter) {
      d = limit;
    }
    if (d < best_distance) {
      best_distance = d;
      best = std::string(name);
    }
  }
  return best;
}

}  // namespace gauntlet::text
