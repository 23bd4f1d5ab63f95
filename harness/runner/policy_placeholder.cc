#include "harness/runner/policy_placeholder.h"

#include <string>
#include <string_view>

#include "harness/scenario/scenario.h"

namespace gauntlet::runner {

std::string SubstitutePolicy(std::string_view text, scenario::Policy policy) {
  constexpr std::string_view kToken = "{policy}";
  std::string out;
  out.reserve(text.size() + 16);
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      out.append(text.substr(i, 2));  // A literal brace stays escaped.
      i += 2;
      continue;
    }
    if (c == '{') {
      if (text.substr(i, kToken.size()) == kToken) {
        out.append(scenario::PolicyName(policy));
        i += kToken.size();
        continue;
      }
      // Another placeholder (or an error client_command.h will report):
      // copy it whole, up to its first '}', as that parser reads it.
      const std::size_t close = text.find('}', i + 1);
      const std::size_t end = close == std::string_view::npos ? text.size()
                                                              : close + 1;
      out.append(text.substr(i, end - i));
      i = end;
      continue;
    }
    out.push_back(c);
    ++i;
  }
  return out;
}

}  // namespace gauntlet::runner
