#include "harness/report/json_read.h"

#include <exception>
#include <string>

#include "absl/status/status.h"
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
    return bad(Cat("wrong schema: expected \"", schema, "\", got ",
                   found == doc.end()
                       ? std::string("none")
                       : found->dump(-1, ' ', true,
                                     nlohmann::json::error_handler_t::replace)));
  }
  return doc;
}

}  // namespace gauntlet::report::internal
