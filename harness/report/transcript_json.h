// A fake::Transcript as JSON and back: the "transcript" object of every
// result in a gauntlet-report/1 document (docs/report-schema.md).
//
// The writer and the reader live side by side so that they cannot drift:
// whatever TranscriptToJson writes, TranscriptFromJson reads back into the
// same Transcript (times to the microsecond, wire bytes exactly from
// "bytes_b64", escaped text through common/text_escape.h's UnescapeBytes).
// That is what lets `gauntlet judge` re-judge a saved report from its
// transcripts alone. The one field not round-tripped is the one the writer
// leaves out on purpose: the password decoded into a kCredentials event (a
// report is often pasted into bug trackers; the wire bytes still hold it).
//
// The reader treats the document as hostile: every field is checked for
// its type and range, every enum name must be one the writer knows, and an
// error names the file and the JSON pointer of the bad field
// ("report.json: /results/3/transcript/connections/0/events/2/kind: ...").

#ifndef GAUNTLET_HARNESS_REPORT_TRANSCRIPT_JSON_H_
#define GAUNTLET_HARNESS_REPORT_TRANSCRIPT_JSON_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "fake_servers/transcript.h"
#include "nlohmann/json.hpp"

namespace gauntlet::report {

// The transcript as the report writes it ({"connections": [...]}).
nlohmann::ordered_json TranscriptToJson(const fake::Transcript& transcript);

// The transcript back from `value` (found at JSON pointer `pointer` of the
// document `source`). InvalidArgument "<source>: <pointer>/...: <what>" on
// the first field that is missing, of the wrong type, out of range or not
// a known name.
absl::StatusOr<fake::Transcript> TranscriptFromJson(const nlohmann::json& value,
                                                    std::string_view source,
                                                    std::string_view pointer);

}  // namespace gauntlet::report

#endif  // GAUNTLET_HARNESS_REPORT_TRANSCRIPT_JSON_H_
