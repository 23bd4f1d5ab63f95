// Printable renderings of hostile bytes for reports.
//
// Wire chunks and client output are untrusted: NUL bytes, terminal escape
// sequences, binary TLS records, megabytes. Reports show them as one line
// of printable ASCII in which CR, LF, TAB and backslash read as \r, \n, \t
// and \\ and every other byte outside 0x20..0x7E as \xNN, so that the text
// is exact (it can be decoded back) and safe in a terminal, JSON or XML.
//
// The code lives in common/text_escape.h, so that every part of
// Gauntlet (the scenario loader and the proxy too) escapes the same way;
// these are the report layer's names for it.

#ifndef GAUNTLET_HARNESS_REPORT_ESCAPE_H_
#define GAUNTLET_HARNESS_REPORT_ESCAPE_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace gauntlet::report {

// Every byte of `bytes`, escaped as described above.
std::string EscapeBytes(std::string_view bytes);

// Like EscapeBytes, but at most `max_chars` characters of escaped text
// (never splitting an escape); a cut is marked "... [N bytes]" with N the
// size of the whole input.
std::string EscapeBytesBounded(std::string_view bytes, std::size_t max_chars);

// Text that is meant to be read (titles, verdict sentences, client stderr)
// with whatever is unsafe escaped as \xNN: bytes that are not valid UTF-8
// (raw 0x80..0x9F included), C0 and C1 control characters (U+0080..U+009F),
// DEL, U+FFFE and U+FFFF (the characters XML 1.0 forbids, and those a
// terminal would act on). Valid UTF-8 such as "§" is kept. With
// `keep_newlines`, LF and TAB stay as they are; CR is always escaped (as
// \r).
std::string SanitizeText(std::string_view text, bool keep_newlines = false);

}  // namespace gauntlet::report

#endif  // GAUNTLET_HARNESS_REPORT_ESCAPE_H_
