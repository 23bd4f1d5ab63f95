// A transcript as text for people: the -v console output and the
// <system-out> of a JUnit test case.
//
// One block per connection: a header line, every wire chunk as
//   [+12.345ms] C→S plaintext  EHLO client.test\r\n
// (server clock, direction, channel, escaped bytes, long chunks cut with
// their size), a TLS facts line and the close line. The output is bounded
// whatever the transcript holds: chunks per connection and characters per
// chunk are capped, and what was left out is counted.

#ifndef GAUNTLET_HARNESS_REPORT_TRANSCRIPT_TEXT_H_
#define GAUNTLET_HARNESS_REPORT_TRANSCRIPT_TEXT_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "fake_servers/transcript.h"

namespace gauntlet::report {

struct TranscriptTextOptions {
  // Prepended to every line.
  std::string indent = "    ";
  // Escaped characters shown per chunk before "... [N bytes]".
  std::size_t max_chunk_chars = 160;
  // Chunks shown per connection before "... N more chunks".
  std::size_t max_chunks = 200;
};

// "+12.345ms" for 12345 µs; "?" for a negative (unknown) time.
std::string FormatServerTime(int64_t t_us);

// The TLS facts of one connection in one line (no indent, no newline):
// "TLS: SNI localhost; offered TLSv1.3 TLSv1.2; outcome completed; ...".
// Empty when no TLS was attempted and no ClientHello was seen.
std::string FormatTlsFacts(const fake::TlsFacts& tls);

// The whole transcript, every line ending in '\n'. "(no connections)" when
// the client never connected.
std::string FormatTranscript(const fake::Transcript& transcript,
                             const TranscriptTextOptions& options = {});

}  // namespace gauntlet::report

#endif  // GAUNTLET_HARNESS_REPORT_TRANSCRIPT_TEXT_H_
