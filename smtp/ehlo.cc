#include "smtp/ehlo.h"

#include <algorithm>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"

namespace gauntlet::smtp {

namespace {

// Stores `text` at (*list)[*used], reusing the string already there.
template <typename List>
std::string& Put(List* list, std::size_t* used, absl::string_view text) {
  if (*used == list->size()) list->emplace_back();
  std::string& slot = (*list)[(*used)++];
  slot.assign(text.data(), text.size());
  return slot;
}

}  // namespace

absl::StatusOr<EhloCapabilities> EhloCapabilities::FromReply(
    const Reply& reply) {
  EhloCapabilities out;
  GAUNTLET_RETURN_IF_ERROR(out.Assign(reply));
  return out;
}

absl::Status EhloCapabilities::Assign(const Reply& reply) {
  caps_used_ = 0;
  auth_used_ = 0;
  domain_.clear();
  greeting_text_.clear();
  if (reply.code != 250) {
    return absl::FailedPreconditionError(
        absl::StrCat("EHLO reply at byte offset ", reply.offset, " has code ",
                     reply.code, ", not 250"));
  }
  if (!reply.lines.empty()) {
    absl::string_view first = reply.lines[0];
    const std::size_t space = first.find_first_of(" \t");
    const absl::string_view domain = first.substr(0, space);
    domain_.assign(domain.data(), domain.size());
    if (space != absl::string_view::npos) {
      const absl::string_view text = first.substr(space + 1);
      greeting_text_.assign(text.data(), text.size());
    }
  }
  // Words of one line; sized for real capability lines, longer ones spill.
  absl::InlinedVector<absl::string_view, 8> words;
  for (std::size_t i = 1; i < reply.lines.size(); ++i) {
    // Words separated by SP or HTAB; runs and trailing separators are
    // ignored. RFC 5321 §4.1.1.1 has only SP between an EHLO keyword and
    // its parameters, but clients read tabs as separators too (Python's
    // smtplib splits AUTH mechanisms with str.split(), curl skips ' ' and
    // '\t' between them), so a capability a server offers with a tab is
    // one that real clients see: the verdict must see it too.
    words.clear();
    for (absl::string_view word : absl::StrSplit(
             reply.lines[i], absl::ByAnyChar(" \t"), absl::SkipEmpty())) {
      words.push_back(word);
    }
    if (words.empty()) continue;
    if (caps_used_ == caps_.size()) caps_.emplace_back();
    Capability& cap = caps_[caps_used_++];
    std::size_t params_used = 0;
    const absl::string_view keyword = words[0];
    cap.legacy_auth_form =
        keyword.size() >= 5 && absl::StartsWithIgnoreCase(keyword, "AUTH=");
    if (cap.legacy_auth_form) {
      cap.keyword = "AUTH";
      if (keyword.size() > 5) Put(&cap.params, &params_used, keyword.substr(5));
    } else {
      cap.keyword.assign(keyword.data(), keyword.size());
      absl::AsciiStrToUpper(&cap.keyword);
    }
    for (std::size_t w = 1; w < words.size(); ++w) {
      Put(&cap.params, &params_used, words[w]);
    }
    cap.params.resize(params_used);
    if (cap.keyword == "AUTH") {
      for (const std::string& mech : cap.params) {
        if (!SupportsAuth(mech)) {
          absl::AsciiStrToUpper(&Put(&auth_, &auth_used_, mech));
        }
      }
    }
  }
  return absl::OkStatus();
}

const Capability* EhloCapabilities::Find(absl::string_view keyword) const {
  for (const Capability& cap : capabilities()) {
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
  for (const std::string& mech : auth_mechanisms()) {
    if (absl::EqualsIgnoreCase(mech, mechanism)) return true;
  }
  return false;
}

}  // namespace gauntlet::smtp
