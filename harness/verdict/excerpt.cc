#include "harness/verdict/excerpt.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

namespace gauntlet::verdict {
namespace {

// Appends the escaped form of one byte.
void AppendEscaped(unsigned char c, bool keep_layout, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '\r':
      out += "\\r";
      return;
    case '\n':
      if (keep_layout) {
        out += '\n';
      } else {
        out += "\\n";
      }
      return;
    case '\t':
      if (keep_layout) {
        out += '\t';
      } else {
        out += "\\t";
      }
      return;
    case '\\':
      out += "\\\\";
      return;
    default:
      break;
  }
  if (c >= 0x20 && c < 0x7f) {
    out += static_cast<char>(c);
    return;
  }
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 0xf];
}

std::size_t EscapedSize(unsigned char c, bool keep_layout) {
  if (c == '\r' || c == '\\') return 2;
  if (c == '\n' || c == '\t') return keep_layout ? 1 : 2;
  return (c >= 0x20 && c < 0x7f) ? 1 : 4;
}

}  // namespace

std::string Excerpt(std::string_view bytes, std::size_t max_chars) {
  // Whether everything fits decides if a "..." is needed; stop counting as
  // soon as it cannot fit.
  std::size_t total = 0;
  for (std::size_t i = 0; i < bytes.size() && total <= max_chars; ++i) {
    total += EscapedSize(static_cast<unsigned char>(bytes[i]), false);
  }
  const bool fits = total <= max_chars;
  const std::size_t budget = fits ? max_chars : (max_chars > 3 ? max_chars - 3 : 0);
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (out.size() + EscapedSize(c, false) > budget) break;
    AppendEscaped(c, false, out);
  }
  if (!fits) out += "...";
  return out;
}

std::string TailExcerpt(std::string_view bytes, std::size_t max_chars) {
  // Walks back from the end so that only the kept bytes are escaped.
  std::size_t total = 0;
  std::size_t start = bytes.size();
  while (start > 0) {
    const std::size_t size =
        EscapedSize(static_cast<unsigned char>(bytes[start - 1]), true);
    if (total + size > max_chars) break;
    total += size;
    --start;
  }
  std::string out;
  if (start > 0) {
    // Make room for the marker by dropping a few more leading bytes.
    while (start < bytes.size() && total + 3 > max_chars) {
      total -= EscapedSize(static_cast<unsigned char>(bytes[start]), true);
      ++start;
    }
    out += "...";
  }
  for (std::size_t i = start; i < bytes.size(); ++i) {
    AppendEscaped(static_cast<unsigned char>(bytes[i]), true, out);
  }
  return out;
}

}  // namespace gauntlet::verdict
