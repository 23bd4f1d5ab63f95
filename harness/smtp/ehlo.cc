#include "harness/smtp/ehlo.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace gauntlet::smtp {

absl::StatusOr<EhloCapabilities> EhloCapabilities::FromReply(
    const Reply& reply) {
  if (reply.code != 250) {
    return absl::FailedPreconditionError(absl::StrCat(
        "EHLO reply at byte offset ", reply.offset, " has code ", reply.code,
        ", not 250"));
  }
  EhloCapabilities out;
  if (!reply.lines.empty()) {
    absl::string_view first = reply.lines[0];
    const std::size_t space = first.find(' ');
    out.domain_ = std::string(first.substr(0, space));
    if (space != absl::string_view::npos) {
      out.greeting_text_ = std::string(first.substr(space + 1));
    }
  }
  if (reply.lines.size() > 1) out.caps_.reserve(reply.lines.size() - 1);
  for (std::size_t i = 1; i < reply.lines.size(); ++i) {
    absl::string_view rest = reply.lines[i];
    // Space-separated words; runs of spaces and trailing spaces are ignored.
    auto next_word = [&rest]() {
      while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
      const std::size_t end = std::min(rest.find(' '), rest.size());
      const absl::string_view word = rest.substr(0, end);
      rest.remove_prefix(end);
      return word;
    };
    const absl::string_view keyword = next_word();
    if (keyword.empty()) continue;
    Capability cap;
    if (keyword.size() >= 5 && absl::StartsWithIgnoreCase(keyword, "AUTH=")) {
      cap.keyword = "AUTH";
      cap.legacy_auth_form = true;
      if (keyword.size() > 5) cap.params.emplace_back(keyword.substr(5));
    } else {
      cap.keyword = absl::AsciiStrToUpper(keyword);
    }
    for (absl::string_view word = next_word(); !word.empty();
         word = next_word()) {
      cap.params.emplace_back(word);
    }
    if (cap.keyword == "AUTH") {
      for (const std::string& mech : cap.params) {
        std::string upper = absl::AsciiStrToUpper(mech);
        if (std::find(out.auth_.begin(), out.auth_.end(), upper) ==
            out.auth_.end()) {
          out.auth_.push_back(std::move(upper));
        }
      }
    }
    out.caps_.push_back(std::move(cap));
  }
  return out;
}

const Capability* EhloCapabilities::Find(absl::string_view keyword) const {
  for (const Capability& cap : caps_) {
    if (absl::EqualsIgnoreCase(cap.keyword, keyword)) return &cap;
  }
  return nullptr;
}

std::optional<std::uint64_t> EhloCapabilities::size_limit() const {
  const Capability* size = Find("SIZE");
  if (size == nullptr) return std::nullopt;
  if (size->params.empty()) return 0;
  const std::string& digits = size->params[0];
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(),
                                     [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  if (!absl::SimpleAtoi(digits, &value)) return std::nullopt;
  return value;
}

bool EhloCapabilities::SupportsAuth(absl::string_view mechanism) const {
  for (const std::string& mech : auth_) {
    if (absl::EqualsIgnoreCase(mech, mechanism)) return true;
  }
  return false;
}

}  // namespace gauntlet::smtp
