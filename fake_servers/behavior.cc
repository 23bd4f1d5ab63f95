#include "fake_servers/behavior.h"

#include <algorithm>
#include <cstddef>

namespace gauntlet::fake {

const ConnectionBehavior& ServerBehavior::ForConnection(
    std::size_t index) const {
  // A function-local static keeps "empty means one default connection"
  // without forcing every caller to materialise a default entry.
  static const ConnectionBehavior kDefault;
  if (connections.empty()) return kDefault;
  return connections[std::min(index, connections.size() - 1)];
}

}  // namespace gauntlet::fake
