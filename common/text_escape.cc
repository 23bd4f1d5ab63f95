#include "common/text_escape.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace gauntlet::text {
namespace {

// Appends the escaped form of one byte.
void AppendEscaped(unsigned char c, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '\r':
      out += "\\r";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\\':
      out += "\\\\";
      return;
    default:
      break;
  }
  if (c >= 0x20 && c <= 0x7e) {
    out.push_back(static_cast<char>(c));
    return;
  }
  out += "\\x";
  out.push_back(kHex[c >> 4]);
  out.push_back(kHex[c & 0xf]);
}

}  // namespace

std::size_t PrintableUtf8Length(std::string_view text, std::size_t i) {
  if (i >= text.size()) return 0;
  const unsigned char c = static_cast<unsigned char>(text[i]);
  std::size_t len = 0;
  uint32_t cp = 0;
  uint32_t min = 0;
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
    cp = c & 0x1f;
    min = 0x80;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    cp = c & 0x0f;
    min = 0x800;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    cp = c & 0x07;
    min = 0x10000;
  }
  if (len == 0 || i + len > text.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const unsigned char cc = static_cast<unsigned char>(text[i + k]);
    if ((cc & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3f);
  }
  const bool ok = cp >= min && cp <= 0x10ffff &&
                  !(cp >= 0xd800 && cp <= 0xdfff) &&
                  !(cp >= 0x80 && cp <= 0x9f) && cp != 0xfffe && cp != 0xffff;
  return ok ? len : 0;
}

std::string EscapeBytes(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (char c : bytes) AppendEscaped(static_cast<unsigned char>(c), out);
  return out;
}

std::string EscapeBytesBounded(std::string_view bytes, std::size_t max_chars) {
  std::string out;
  std::string one;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    one.clear();
    AppendEscaped(static_cast<unsigned char>(bytes[i]), one);
    if (out.size() + one.size() > max_chars) {
      out += "... [";
      out += std::to_string(bytes.size());
      out += " bytes]";
      return out;
    }
    out += one;
  }
  return out;
}

std::string SanitizeText(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if ((c == '\n' || c == '\t') && keep_newlines) {
        out.push_back(static_cast<char>(c));
      } else if (c < 0x20 || c == 0x7f) {
        AppendEscaped(c, out);
      } else {
        out.push_back(static_cast<char>(c));
      }
      ++i;
      continue;
    }
    // Anything that is not one valid, printable UTF-8 character is escaped
    // byte by byte.
    if (const std::size_t len = PrintableUtf8Length(text, i); len > 0) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      AppendEscaped(c, out);
      ++i;
    }
  }
  return out;
}

absl::StatusOr<std::string> UnescapeBytes(std::string_view escaped) {
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(escaped.size());
  for (std::size_t i = 0; i < escaped.size(); ++i) {
    const char c = escaped[i];
    if (c != '\\') {
      if (c < 0x20 || c > 0x7e) {
        return absl::InvalidArgumentError(absl::StrCat(
            "escaped bytes: a raw byte that is not printable ASCII at offset ",
            i, " (write it as \\xNN)"));
      }
      out.push_back(c);
      continue;
    }
    const char e = i + 1 < escaped.size() ? escaped[i + 1] : '\0';
    switch (e) {
      case 'r': out.push_back('\r'); ++i; continue;
      case 'n': out.push_back('\n'); ++i; continue;
      case 't': out.push_back('\t'); ++i; continue;
      case '\\': out.push_back('\\'); ++i; continue;
      case 'x': {
        const int hi = i + 2 < escaped.size() ? hex(escaped[i + 2]) : -1;
        const int lo = i + 3 < escaped.size() ? hex(escaped[i + 3]) : -1;
        if (hi >= 0 && lo >= 0) {
          out.push_back(static_cast<char>(hi << 4 | lo));
          i += 3;
          continue;
        }
        break;
      }
      default:
        break;
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "escaped bytes: a backslash at offset ", i,
        " starts no escape (\\r \\n \\t \\\\ or \\xNN)"));
  }
  return out;
}

}  // namespace gauntlet::text
