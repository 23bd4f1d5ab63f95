// Bounded, printable excerpts of hostile bytes for verdicts and reports.
//
// Everything a verdict quotes (a command line, bytes pipelined after
// STARTTLS, the client's stderr) came from an untrusted peer: it may hold
// NUL bytes, escape sequences or megabytes. These helpers turn any bytes
// into a short single-line ASCII string that is safe to print in a
// terminal, a JSON report or a test failure message.

#ifndef GAUNTLET_HARNESS_VERDICT_EXCERPT_H_
#define GAUNTLET_HARNESS_VERDICT_EXCERPT_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace gauntlet::verdict {

// Longest excerpt of one line or byte run kept as evidence.
inline constexpr std::size_t kMaxExcerpt = 200;
// Longest tail of the client's stderr kept in observations.
inline constexpr std::size_t kMaxStderrExcerpt = 2048;

// The first bytes of `bytes`, with CR, LF, TAB, backslash and every byte
// outside printable ASCII written as \r, \n, \t, \\ and \xNN, at most
// `max_chars` characters; "..." marks a cut.
std::string Excerpt(std::string_view bytes, std::size_t max_chars = kMaxExcerpt);

// The last bytes of `bytes` (the end of stderr carries the error), escaped
// like Excerpt except that LF and TAB stay as they are so the text remains
// readable; at most `max_chars` characters, "..." marks a cut at the front.
std::string TailExcerpt(std::string_view bytes,
                        std::size_t max_chars = kMaxStderrExcerpt);

}  // namespace gauntlet::verdict

#endif  // GAUNTLET_HARNESS_VERDICT_EXCERPT_H_
