#include "fuzzing/script_text.h"

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/status_macros.h"
#include "common/string_view.h"
#include "common/text_escape.h"
#include "toml++/toml.h"

namespace gauntlet::fuzzing {
namespace {

constexpr std::string_view kFormat = "gauntlet-server-script/1";

std::string HexSeed(std::uint64_t seed) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%016" PRIx64, seed);
  return buf;
}

std::optional<std::uint64_t> ParseHexSeed(std::string_view text) {
  if (text.size() < 3 || text.size() > 18 || text.substr(0, 2) != "0x") {
    return std::nullopt;
  }
  std::uint64_t v = 0;
  for (char c : text.substr(2)) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    v = v << 4 | static_cast<std::uint64_t>(d);
  }
  return v;
}

// Errors name the file, line and column of the node they are about.
class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  absl::Status Fail(const toml::node* at, std::string_view what) const {
    if (at == nullptr) {
      return absl::InvalidArgumentError(
          Cat(text::SanitizeText(source_), ": ", what));
    }
    const toml::source_position p = at->source().begin;
    return absl::InvalidArgumentError(Cat(text::SanitizeText(source_), ":",
                                          p.line, ":", p.column, ": ", what));
  }

  // Every key of `table` must be in `known`.
  absl::Status OnlyKeys(const toml::table& table, std::string_view where,
                        std::initializer_list<std::string_view> known) const {
    for (const auto& [key, node] : table) {
      bool ok = false;
      for (std::string_view k : known) ok = ok || key.str() == k;
      if (!ok) {
        return Fail(&node, Cat("unknown key '", text::SanitizeText(key.str()),
                               "' in ", where));
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string_view> String(const toml::table& table,
                                          std::string_view key,
                                          std::string_view where) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) {
      return Fail(&table, Cat(where, ": '", key, "' is missing"));
    }
    const auto* s = node->as_string();
    if (s == nullptr) {
      return Fail(node, Cat(where, ".", key, " must be a string"));
    }
    return std::string_view(s->get());
  }

  // An optional integer in [0, max]; `fallback` when absent.
  absl::StatusOr<std::uint32_t> Count(const toml::table& table,
                                      std::string_view key,
                                      std::string_view where, std::uint32_t max,
                                      std::uint32_t fallback = 0) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) return fallback;
    const auto* i = node->as_integer();
    if (i == nullptr || i->get() < 0 ||
        static_cast<std::uint64_t>(i->get()) > max) {
      return Fail(node,
                  Cat(where, ".", key, " must be an integer from 0 to ", max));
    }
    return static_cast<std::uint32_t>(i->get());
  }

 private:
  std::string_view source_;
};

absl::Status ReadStep(const Reader& r, const toml::table& table,
                      std::string_view name, StepBytes* step) {
  const std::string where = Cat("steps.", name);
  GAUNTLET_RETURN_IF_ERROR(
      r.OnlyKeys(table, where,
                 {"bytes", "segment_bytes", "delay_ms", "delayed_segments"}));
  GAUNTLET_ASSIGN_OR_RETURN(std::string_view escaped,
                            r.String(table, "bytes", where));
  absl::StatusOr<std::string> bytes = text::UnescapeBytes(escaped);
  if (!bytes.ok()) {
    return r.Fail(table.get("bytes"),
                  Cat(where, ".bytes: ", bytes.status().message()));
  }
  if (bytes->size() > kMaxStepBytes) {
    return r.Fail(table.get("bytes"),
                  Cat(where, ".bytes: ", bytes->size(),
                      " bytes, more than the cap of ", kMaxStepBytes));
  }
  step->bytes = *std::move(bytes);
  Segmentation& g = step->segmentation;
  GAUNTLET_ASSIGN_OR_RETURN(g.segment_bytes,
                            r.Count(table, "segment_bytes", where,
                                    static_cast<std::uint32_t>(kMaxStepBytes)));
  GAUNTLET_ASSIGN_OR_RETURN(g.delay_ms,
                            r.Count(table, "delay_ms", where, kMaxDelayMs));
  GAUNTLET_ASSIGN_OR_RETURN(
      g.delayed_segments,
      r.Count(table, "delayed_segments", where, kMaxDelayedSegments));
  return absl::OkStatus();
}

absl::Status ReadTls(const Reader& r, const toml::table& table,
                     TlsBehaviour* tls) {
  GAUNTLET_RETURN_IF_ERROR(
      r.OnlyKeys(table, "tls", {"fault", "point", "alert"}));
  GAUNTLET_ASSIGN_OR_RETURN(std::string_view fault,
                            r.String(table, "fault", "tls"));
  GAUNTLET_ASSIGN_OR_RETURN(std::string_view point,
                            r.String(table, "point", "tls"));
  const std::optional<TlsFault> f = TlsFaultFromName(fault);
  if (!f) return r.Fail(table.get("fault"), "tls.fault: unknown fault");
  const std::optional<TlsFaultPoint> p = TlsFaultPointFromName(point);
  if (!p) return r.Fail(table.get("point"), "tls.point: unknown point");
  tls->fault = *f;
  tls->point = *p;
  GAUNTLET_ASSIGN_OR_RETURN(std::uint32_t alert,
                            r.Count(table, "alert", "tls", 255, 40));
  tls->alert = static_cast<std::uint8_t>(alert);
  return absl::OkStatus();
}

absl::Status ReadMutation(const Reader& r, const toml::node& node,
                          Mutation* m) {
  const toml::table* table = node.as_table();
  if (table == nullptr) return r.Fail(&node, "mutations: each must be a table");
  GAUNTLET_RETURN_IF_ERROR(
      r.OnlyKeys(*table, "mutations", {"kind", "step", "seed"}));
  GAUNTLET_ASSIGN_OR_RETURN(std::string_view kind,
                            r.String(*table, "kind", "mutations"));
  GAUNTLET_ASSIGN_OR_RETURN(std::string_view step,
                            r.String(*table, "step", "mutations"));
  GAUNTLET_ASSIGN_OR_RETURN(std::string_view seed,
                            r.String(*table, "seed", "mutations"));
  const std::optional<MutationKind> k = MutationFromName(kind);
  if (!k) return r.Fail(table->get("kind"), "mutations.kind: unknown mutation");
  const std::optional<Step> s = StepFromName(step);
  if (!s) return r.Fail(table->get("step"), "mutations.step: unknown step");
  const std::optional<std::uint64_t> v = ParseHexSeed(seed);
  if (!v) {
    return r.Fail(table->get("seed"),
                  "mutations.seed: must be \"0x\" and 1 to 16 hex digits");
  }
  *m = Mutation{*k, *s, *v};
  return absl::OkStatus();
}

}  // namespace

std::string SerializeScript(const ScriptFile& file) {
  toml::table root;
  root.insert("format", std::string(kFormat));
  const TlsBehaviour& tls = file.script.tls;
  root.insert("tls",
              toml::table{{"fault", std::string(TlsFaultName(tls.fault))},
                          {"point", std::string(TlsFaultPointName(tls.point))},
                          {"alert", static_cast<std::int64_t>(tls.alert)}});
  toml::table steps;
  for (std::size_t i = 0; i < kStepCount; ++i) {
    const Step step = static_cast<Step>(i);
    const StepBytes& s = file.script.step(step);
    toml::table t;
    t.insert("bytes", text::EscapeBytes(s.bytes));
    const Segmentation& g = s.segmentation;
    if (g.segment_bytes != 0) {
      t.insert("segment_bytes", static_cast<std::int64_t>(g.segment_bytes));
    }
    if (g.delay_ms != 0) {
      t.insert("delay_ms", static_cast<std::int64_t>(g.delay_ms));
    }
    if (g.delayed_segments != 0) {
      t.insert("delayed_segments",
               static_cast<std::int64_t>(g.delayed_segments));
    }
    steps.insert(std::string(StepName(step)), std::move(t));
  }
  root.insert("steps", std::move(steps));
  if (!file.mutations.empty()) {
    toml::array records;
    for (const Mutation& m : file.mutations) {
      records.push_back(toml::table{{"kind", std::string(MutationName(m.kind))},
                                    {"step", std::string(StepName(m.step))},
                                    {"seed", HexSeed(m.seed)}});
    }
    root.insert("mutations", std::move(records));
  }
  std::ostringstream out;
  out << toml::toml_formatter(root) << "\n";
  return out.str();
}

absl::StatusOr<ScriptFile> ParseScript(std::string_view text,
                                       std::string_view source_name) {
  const Reader r(source_name);
  if (text.size() > kMaxScriptTextBytes) {
    return r.Fail(nullptr, Cat("larger than ", kMaxScriptTextBytes, " bytes"));
  }
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& error) {
    const toml::source_position p = error.source().begin;
    return absl::InvalidArgumentError(
        Cat(text::SanitizeText(source_name), ":", p.line, ":", p.column,
            ": cannot parse: ", text::SanitizeText(error.description())));
  }
  GAUNTLET_RETURN_IF_ERROR(
      r.OnlyKeys(root, "the file", {"format", "tls", "steps", "mutations"}));
  GAUNTLET_ASSIGN_OR_RETURN(std::string_view format,
                            r.String(root, "format", "the file"));
  if (format != kFormat) {
    return r.Fail(root.get("format"), Cat("format must be \"", kFormat, "\""));
  }
  ScriptFile file;
  if (const toml::node* tls = root.get("tls")) {
    if (!tls->is_table()) return r.Fail(tls, "tls must be a table");
    GAUNTLET_RETURN_IF_ERROR(ReadTls(r, *tls->as_table(), &file.script.tls));
  }
  if (const toml::node* steps = root.get("steps")) {
    if (!steps->is_table()) return r.Fail(steps, "steps must be a table");
    for (const auto& [key, node] : *steps->as_table()) {
      const std::optional<Step> step = StepFromName(key.str());
      if (!step) {
        return r.Fail(
            &node, Cat("unknown step '", text::SanitizeText(key.str()), "'"));
      }
      if (!node.is_table()) return r.Fail(&node, "a step must be a table");
      GAUNTLET_RETURN_IF_ERROR(
          ReadStep(r, *node.as_table(), key.str(), &file.script.step(*step)));
    }
  }
  if (const toml::node* records = root.get("mutations")) {
    const toml::array* array = records->as_array();
    if (array == nullptr) {
      return r.Fail(records, "mutations must be an array of tables");
    }
    if (array->size() > kMaxMutationRecords) {
      return r.Fail(records,
                    Cat("more than ", kMaxMutationRecords, " mutations"));
    }
    for (const toml::node& node : *array) {
      Mutation m;
      GAUNTLET_RETURN_IF_ERROR(ReadMutation(r, node, &m));
      file.mutations.push_back(m);
    }
  }
  return file;
}

}  // namespace gauntlet::fuzzing
