// Reading back the JSON files Gauntlet writes: reports (json_report.cc) and
// baselines (baseline.cc). Internal to gauntlet_report.
//
// Both are objects with a top-level "schema" string that names their format
// and version; a file of another format, or of a version this build does
// not know, is refused with an error naming the file, before any field of
// it is trusted.

#ifndef GAUNTLET_HARNESS_REPORT_JSON_READ_H_
#define GAUNTLET_HARNESS_REPORT_JSON_READ_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace gauntlet::report::internal {

// `json_text` parsed; InvalidArgument "<source_name>: ..." when it is not
// JSON (with the byte offset), not an object, or its "schema" is not
// `schema`.
absl::StatusOr<nlohmann::json> ParseSchemaDocument(std::string_view json_text,
                                                   std::string_view source_name,
                                                   std::string_view schema);

}  // namespace gauntlet::report::internal

#endif  // GAUNTLET_HARNESS_REPORT_JSON_READ_H_
