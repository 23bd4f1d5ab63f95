// Reading back the JSON files Gauntlet writes: reports (json_report.cc) and
// baselines (baseline.cc). Internal to gauntlet_report.
//
// Both are objects with a top-level "schema" string that names their format
// and version; a file of another format, or of a version this build does
// not know, is refused with an error naming the file, before any field of
// it is trusted.

#ifndef GAUNTLET_HARNESS_REPORT_JSON_READ_H_
#define GAUNTLET_HARNESS_REPORT_JSON_READ_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace gauntlet::report::internal {

// `json_text` parsed; InvalidArgument "<source_name>: ..." when it is not
// JSON (with the byte offset), not an object, or its "schema" is not
// `schema`.
absl::StatusOr<nlohmann::json> ParseSchemaDocument(std::string_view json_text,
                                                   std::string_view source_name,
                                                   std::string_view schema);

// Reads the fields of one JSON object of a document Gauntlet wrote, checking
// each field's type and range. Every error is InvalidArgument
// "<source>: <JSON pointer of the field>: <what>", so a user can find the
// bad field in a file of megabytes.
class FieldReader {
 public:
  // InvalidArgument when `value` is not an object.
  static absl::StatusOr<FieldReader> Of(const nlohmann::json& value,
                                        std::string_view source,
                                        std::string pointer);

  const std::string& pointer() const { return pointer_; }
  std::string PointerTo(std::string_view key) const;
  // An error about `key` (or the object itself when `key` is empty).
  absl::Status Bad(std::string_view key, std::string_view what) const;
  // An object reader for the object at `key`.
  absl::StatusOr<FieldReader> Object(std::string_view key) const;
  // A reader for an element of an array at `key`, e.g. Element("events", 3).
  absl::StatusOr<FieldReader> Element(std::string_view key,
                                      const nlohmann::json& element,
                                      std::size_t index) const;

  // The value at `key`; an error when it is missing.
  absl::StatusOr<const nlohmann::json*> Value(std::string_view key) const;
  bool Has(std::string_view key) const;
  // Present and null.
  bool IsNull(std::string_view key) const;

  absl::StatusOr<std::string> String(std::string_view key) const;
  // A string written with EscapeBytes, decoded back to the exact bytes.
  absl::StatusOr<std::string> EscapedBytes(std::string_view key) const;
  // A base64 string, decoded.
  absl::StatusOr<std::string> Base64(std::string_view key) const;
  absl::StatusOr<bool> Bool(std::string_view key) const;
  absl::StatusOr<int64_t> Int(std::string_view key, int64_t min,
                              int64_t max) const;
  // An integer or null (nullopt).
  absl::StatusOr<std::optional<int64_t>> OptionalInt(std::string_view key,
                                                     int64_t min,
                                                     int64_t max) const;
  // A time written in milliseconds with microsecond precision, back in
  // microseconds; null reads as -1 (the writers' "unknown").
  absl::StatusOr<int64_t> Micros(std::string_view key) const;
  // An array at `key` (a reference into the document).
  absl::StatusOr<const nlohmann::json*> Array(std::string_view key) const;
  // An array of strings.
  absl::StatusOr<std::vector<std::string>> Strings(std::string_view key) const;
  // A name that `from_name` knows.
  template <typename E>
  absl::StatusOr<E> Enum(std::string_view key,
                         std::optional<E> (*from_name)(std::string_view),
                         std::string_view what) const {
    absl::StatusOr<std::string> name = String(key);
    if (!name.ok()) return name.status();
    std::optional<E> e = from_name(*name);
    if (!e.has_value()) {
      return Bad(key, std::string("unknown ") + std::string(what) + " \"" +
                          *name + "\"");
    }
    return *e;
  }

 private:
  FieldReader(const nlohmann::json* object, std::string_view source,
              std::string pointer)
      : object_(object), source_(source), pointer_(std::move(pointer)) {}
  const nlohmann::json* object_;
  std::string_view source_;
  std::string pointer_;
};

}  // namespace gauntlet::report::internal

#endif  // GAUNTLET_HARNESS_REPORT_JSON_READ_H_
