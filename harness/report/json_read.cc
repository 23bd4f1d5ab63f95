#include "harness/report/json_read.h"

#include <cmath>
#include <cstdint>
#include <exception>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "common/string_view.h"
#include "common/text_escape.h"
#include "harness/report/text_util.h"

namespace gauntlet::report::internal {

absl::StatusOr<nlohmann::json> ParseSchemaDocument(std::string_view json_text,
                                                   std::string_view source_name,
                                                   std::string_view schema) {
  const auto bad = [&](std::string_view what) {
    return absl::InvalidArgumentError(Cat(source_name, ": ", what));
  };
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(json_text.begin(), json_text.end());
  } catch (const nlohmann::json::parse_error& e) {
    return bad(Cat("bad JSON at byte ", e.byte, ": ", e.what()));
  } catch (const std::exception& e) {
    return bad(Cat("bad JSON: ", e.what()));
  }
  if (!doc.is_object()) return bad("not a JSON object");
  const auto found = doc.find("schema");
  if (found == doc.end() || !found->is_string() ||
      found->get_ref<const std::string&>() != schema) {
    return bad(
        Cat("wrong schema: expected \"", schema, "\", got ",
            found == doc.end()
                ? std::string("none")
                : found->dump(-1, ' ', true,
                              nlohmann::json::error_handler_t::replace)));
  }
  return doc;
}

}  // namespace gauntlet::report::internal

namespace gauntlet::report::internal {
namespace {

// Largest time a report holds, in ms (about 31 years): beyond it a double
// no longer converts to microseconds exactly, and no run lasts that long.
constexpr double kMaxMillis = 1e12;

std::string TypeName(const nlohmann::json& value) {
  return std::string(value.type_name());
}

}  // namespace

absl::StatusOr<FieldReader> FieldReader::Of(const nlohmann::json& value,
                                            std::string_view source,
                                            std::string pointer) {
  FieldReader reader(&value, source, std::move(pointer));
  if (!value.is_object()) {
    return reader.Bad("", Cat("expected an object, got ", TypeName(value)));
  }
  return reader;
}

std::string FieldReader::PointerTo(std::string_view key) const {
  if (key.empty()) return pointer_.empty() ? std::string("/") : pointer_;
  return Cat(pointer_, "/", key);
}

absl::Status FieldReader::Bad(std::string_view key,
                              std::string_view what) const {
  return absl::InvalidArgumentError(
      Cat(source_, ": ", PointerTo(key), ": ", what));
}

absl::StatusOr<const nlohmann::json*> FieldReader::Value(
    std::string_view key) const {
  const auto it = object_->find(std::string(key));
  if (it == object_->end()) return Bad(key, "missing");
  return &*it;
}

absl::StatusOr<FieldReader> FieldReader::Object(std::string_view key) const {
  GAUNTLET_ASSIGN_OR_RETURN(const nlohmann::json* value, Value(key));
  return Of(*value, source_, PointerTo(key));
}

absl::StatusOr<FieldReader> FieldReader::Element(std::string_view key,
                                                 const nlohmann::json& element,
                                                 std::size_t index) const {
  return Of(element, source_, Cat(PointerTo(key), "/", index));
}

bool FieldReader::Has(std::string_view key) const {
  return object_->contains(std::string(key));
}

bool FieldReader::IsNull(std::string_view key) const {
  const auto it = object_->find(std::string(key));
  return it != object_->end() && it->is_null();
}

absl::StatusOr<std::string> FieldReader::String(std::string_view key) const {
  GAUNTLET_ASSIGN_OR_RETURN(const nlohmann::json* value, Value(key));
  if (!value->is_string()) {
    return Bad(key, Cat("expected a string, got ", TypeName(*value)));
  }
  return value->get<std::string>();
}

absl::StatusOr<std::string> FieldReader::EscapedBytes(
    std::string_view key) const {
  GAUNTLET_ASSIGN_OR_RETURN(std::string escaped, String(key));
  absl::StatusOr<std::string> bytes = text::UnescapeBytes(escaped);
  if (!bytes.ok()) return Bad(key, ToStd(bytes.status().message()));
  return bytes;
}

absl::StatusOr<std::string> FieldReader::Base64(std::string_view key) const {
  GAUNTLET_ASSIGN_OR_RETURN(std::string encoded, String(key));
  std::string bytes;
  if (!absl::Base64Unescape(absl::string_view(encoded.data(), encoded.size()),
                            &bytes)) {
    return Bad(key, "not base64");
  }
  return bytes;
}

absl::StatusOr<bool> FieldReader::Bool(std::string_view key) const {
  GAUNTLET_ASSIGN_OR_RETURN(const nlohmann::json* value, Value(key));
  if (!value->is_boolean()) {
    return Bad(key, Cat("expected true or false, got ", TypeName(*value)));
  }
  return value->get<bool>();
}

absl::StatusOr<int64_t> FieldReader::Int(std::string_view key, int64_t min,
                                         int64_t max) const {
  GAUNTLET_ASSIGN_OR_RETURN(std::optional<int64_t> value,
                            OptionalInt(key, min, max));
  if (!value.has_value()) return Bad(key, "expected an integer, got null");
  return *value;
}

absl::StatusOr<std::optional<int64_t>> FieldReader::OptionalInt(
    std::string_view key, int64_t min, int64_t max) const {
  GAUNTLET_ASSIGN_OR_RETURN(const nlohmann::json* value, Value(key));
  if (value->is_null()) return std::optional<int64_t>();
  int64_t n = 0;
  if (value->is_number_unsigned()) {
    const uint64_t u = value->get<uint64_t>();
    if (u > static_cast<uint64_t>(max)) {
      return Bad(key, Cat("out of range [", min, ", ", max, "]"));
    }
    n = static_cast<int64_t>(u);
  } else if (value->is_number_integer()) {
    n = value->get<int64_t>();
  } else {
    return Bad(key, Cat("expected an integer, got ", TypeName(*value)));
  }
  if (n < min || n > max) {
    return Bad(key, Cat("out of range [", min, ", ", max, "]"));
  }
  return std::optional<int64_t>(n);
}

absl::StatusOr<int64_t> FieldReader::Micros(std::string_view key) const {
  GAUNTLET_ASSIGN_OR_RETURN(const nlohmann::json* value, Value(key));
  if (value->is_null()) return int64_t{-1};
  if (!value->is_number()) {
    return Bad(key, Cat("expected milliseconds, got ", TypeName(*value)));
  }
  const double ms = value->get<double>();
  if (!std::isfinite(ms) || ms < 0 || ms > kMaxMillis) {
    return Bad(key, "milliseconds out of range");
  }
  return static_cast<int64_t>(std::llround(ms * 1000.0));
}

absl::StatusOr<const nlohmann::json*> FieldReader::Array(
    std::string_view key) const {
  GAUNTLET_ASSIGN_OR_RETURN(const nlohmann::json* value, Value(key));
  if (!value->is_array()) {
    return Bad(key, Cat("expected an array, got ", TypeName(*value)));
  }
  return value;
}

absl::StatusOr<std::vector<std::string>> FieldReader::Strings(
    std::string_view key) const {
  GAUNTLET_ASSIGN_OR_RETURN(const nlohmann::json* array, Array(key));
  std::vector<std::string> out;
  out.reserve(array->size());
  for (std::size_t i = 0; i < array->size(); ++i) {
    const nlohmann::json& e = (*array)[i];
    if (!e.is_string()) {
      return Bad(Cat(key, "/", i), Cat("expected a string, got ", TypeName(e)));
    }
    out.push_back(e.get<std::string>());
  }
  return out;
}

}  // namespace gauntlet::report::internal
