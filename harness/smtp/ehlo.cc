#include "harness/smtp/ehlo.h"

#include <algorithm>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace gauntlet::smtp {

absl::StatusOr<EhloCapabilities> EhloCapabilities::FromReply(
    const Reply& reply) {
  if (reply.code != 250) {
    return absl::FailedPreconditionError(
        absl::StrCat("EHLO reply at byte offset ", reply.offset, " has code ",
                     reply.code, ", not 250"));
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
  // Words of one line; sized for real capability lines, longer ones spill.
  absl::InlinedVector<absl::string_view, 8> words;
  for (std::size_t i = 1; i < reply.lines.size(); ++i) {
    // Space-separated words; runs of spaces and trailing spaces are ignored.
    words.clear();
    for (absl::string_view word :
         absl::StrSplit(reply.lines[i], ' ', absl::SkipEmpty())) {
      words.push_back(word);
    }
    if (words.empty()) continue;
    // Sized once, and upper-cased in place: each allocation here is paid
    // for every EHLO reply a client or the reply fuzzer reads.
    Capability& cap = out.caps_.emplace_back();
    const absl::string_view keyword = words[0];
    const bool legacy_auth =
        keyword.size() >= 5 && absl::StartsWithIgnoreCase(keyword, "AUTH=");
    cap.params.reserve(words.size() - 1 +
                       (legacy_auth && keyword.size() > 5 ? 1 : 0));
    if (legacy_auth) {
      cap.keyword = "AUTH";
      cap.legacy_auth_form = true;
      if (keyword.size() > 5) cap.params.emplace_back(keyword.substr(5));
    } else {
      cap.keyword.assign(keyword.data(), keyword.size());
      absl::AsciiStrToUpper(&cap.keyword);
    }
    for (std::size_t w = 1; w < words.size(); ++w) {
      cap.params.emplace_back(words[w]);
    }
    if (cap.keyword == "AUTH") {
      for (const std::string& mech : cap.params) {
        if (!out.SupportsAuth(mech)) {
          absl::AsciiStrToUpper(&out.auth_.emplace_back(mech));
        }
      }
    }
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
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) {
        return c >= '0' && c <= '9';
      })) {
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
