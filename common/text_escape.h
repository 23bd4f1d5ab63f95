// Printable renderings of hostile bytes: the one escaping code every part of
// Gauntlet uses before text reaches a terminal, a report or an error message.
//
// Scenario files, client output, wire chunks, file names and command-line
// values are all untrusted: they may hold NUL bytes, terminal escape
// sequences (ESC [ ..., or the 8-bit C1 controls U+0080..U+009F such as CSI
// U+009B, which many terminals act on) and bytes that are not UTF-8. Two
// renderings:
//
//  * EscapeBytes: exact. Every byte outside 0x20..0x7E is \xNN (CR, LF, TAB
//    and backslash read \r \n \t \\), so the text can be decoded back.
//    For wire bytes.
//  * SanitizeText: readable. Valid UTF-8 such as "§" is kept; C0 and C1
//    control characters, DEL, U+FFFE/U+FFFF and every byte that is not part
//    of valid UTF-8 (including raw 0x80..0x9F) become \xNN. For titles,
//    descriptions, error messages, client stderr.
//
// Both live here, at the bottom of the dependency graph, so that the
// scenario loader, the proxy, the reports and the command line all share
// them (harness/report/escape.h forwards to them).

#ifndef GAUNTLET_COMMON_TEXT_ESCAPE_H_
#define GAUNTLET_COMMON_TEXT_ESCAPE_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace gauntlet::text {

// Every byte of `bytes`, escaped exactly as described above.
std::string EscapeBytes(std::string_view bytes);

// The inverse of EscapeBytes: \r \n \t \\ and \xNN (either case of hex)
// are decoded, printable ASCII stands for itself. Anything else -- another
// escape, a cut-off one, a byte outside 0x20..0x7E -- is an
// InvalidArgument error naming its offset. The output is never longer than
// the input.
absl::StatusOr<std::string> UnescapeBytes(std::string_view escaped);

// Like EscapeBytes, but at most `max_chars` characters of escaped text
// (never splitting an escape); a cut is marked "... [N bytes]" with N the
// size of the whole input.
std::string EscapeBytesBounded(std::string_view bytes, std::size_t max_chars);

// Text meant to be read, with whatever is unsafe escaped as \xNN (CR as
// \r, LF as \n, TAB as \t). With `keep_newlines`, LF and TAB stay as they
// are (multi-line prose); CR is always escaped.
std::string SanitizeText(std::string_view text, bool keep_newlines = false);

// The length of the one valid, printable UTF-8 character that starts at
// text[i] (a byte >= 0x80), or 0 when the bytes there are malformed,
// overlong, a surrogate, a C1 control (U+0080..U+009F), U+FFFE or U+FFFF:
// the rule SanitizeText applies, for escapers with their own ASCII rules.
std::size_t PrintableUtf8Length(std::string_view text, std::size_t i);

}  // namespace gauntlet::text

#endif  // GAUNTLET_COMMON_TEXT_ESCAPE_H_
