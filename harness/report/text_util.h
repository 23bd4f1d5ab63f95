// String concatenation for the report writers.
//
// Abseil is built here without std::string_view support (absl::string_view
// is its own type), so absl::StrCat does not take the std::string_view the
// project's name functions return. Cat/Append fill that gap for the few
// argument kinds reports need: anything convertible to std::string_view,
// chars and integers.

#ifndef GAUNTLET_HARNESS_REPORT_TEXT_UTIL_H_
#define GAUNTLET_HARNESS_REPORT_TEXT_UTIL_H_

#include <string>
#include <string_view>
#include <type_traits>

namespace gauntlet::report::internal {

inline void AppendOne(std::string& out, std::string_view s) { out.append(s); }
inline void AppendOne(std::string& out, char c) { out.push_back(c); }
template <typename T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool> &&
           !std::is_same_v<T, char>)
void AppendOne(std::string& out, T value) {
  out += std::to_string(value);
}

template <typename... Args>
void Append(std::string* out, const Args&... args) {
  (AppendOne(*out, args), ...);
}

template <typename... Args>
std::string Cat(const Args&... args) {
  std::string out;
  Append(&out, args...);
  return out;
}

}  // namespace gauntlet::report::internal

#endif  // GAUNTLET_HARNESS_REPORT_TEXT_UTIL_H_
