// The one bridge between absl::string_view and std::string_view.
//
// Abseil is built here (Debian's 20220623) without ABSL_USES_STD_STRING_VIEW,
// so absl::string_view is a type of its own: it neither converts to nor
// from std::string_view, and absl::StrCat, absl::StrFormat's %s and the
// other absl::strings functions do not take a std::string_view. Gauntlet's
// own name functions return std::string_view (constexpr tables), the SMTP
// core and Abseil speak absl::string_view, so the two meet everywhere.
// Rather than copying through std::string, code crosses with:
//
//   ToAbsl(sv)  -- a std::string_view as an absl::string_view (no copy);
//   ToStd(av)   -- an absl::string_view as a std::string_view (no copy);
//   Cat(...)    -- concatenation that takes either kind of view, std::string,
//                  C strings, chars and integers (absl::StrCat's job, for
//                  arguments it does not take);
//   Append(&s, ...) -- the same, appended to s.
//
// If Abseil is ever built with std::string_view, ToAbsl and ToStd become
// identities and Cat can forward to absl::StrCat; nothing else changes.

#ifndef GAUNTLET_COMMON_STRING_VIEW_H_
#define GAUNTLET_COMMON_STRING_VIEW_H_

#include <string>
#include <string_view>
#include <type_traits>

#include "absl/strings/string_view.h"

namespace gauntlet {

inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

inline std::string_view ToStd(absl::string_view s) {
  return std::string_view(s.data(), s.size());
}

namespace string_view_internal {

inline void AppendPiece(std::string& out, std::string_view s) { out.append(s); }
inline void AppendPiece(std::string& out, absl::string_view s) {
  out.append(s.data(), s.size());
}
// std::string and C strings convert to both views: these pick one.
inline void AppendPiece(std::string& out, const std::string& s) { out += s; }
inline void AppendPiece(std::string& out, const char* s) { out += s; }
inline void AppendPiece(std::string& out, char c) { out.push_back(c); }
template <typename T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool> &&
           !std::is_same_v<T, char>)
void AppendPiece(std::string& out, T value) {
  out += std::to_string(value);
}

}  // namespace string_view_internal

template <typename... Pieces>
void Append(std::string* out, const Pieces&... pieces) {
  (string_view_internal::AppendPiece(*out, pieces), ...);
}

template <typename... Pieces>
std::string Cat(const Pieces&... pieces) {
  std::string out;
  Append(&out, pieces...);
  return out;
}

}  // namespace gauntlet

#endif  // GAUNTLET_COMMON_STRING_VIEW_H_
