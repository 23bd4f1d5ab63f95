#include "harness/report/escape.h"

#include <cstddef>
#include <string>
#include <string_view>

#include "common/text_escape.h"

namespace gauntlet::report {

std::string EscapeBytes(std::string_view bytes) {
  return text::EscapeBytes(bytes);
}

std::string EscapeBytesBounded(std::string_view bytes, std::size_t max_chars) {
  return text::EscapeBytesBounded(bytes, max_chars);
}

std::string SanitizeText(std::string_view text, bool keep_newlines) {
  return text::SanitizeText(text, keep_newlines);
}

}  // namespace gauntlet::report
