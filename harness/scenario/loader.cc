#include "harness/scenario/loader.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/bounded_file.h"
#include "common/spelling.h"
#include "common/status_macros.h"
#include "common/string_view.h"
#include "common/text_escape.h"
#include "common/toml_reader.h"
#include "fake_servers/behavior.h"
#include "fake_servers/pki/cert_profile.h"
#include "harness/scenario/behavior_names.h"
#include "harness/scenario/scenario.h"
#include "toml++/toml.h"

namespace gauntlet::scenario {
namespace {

// Keys allowed at each level; anything else is a typo the author must hear
// about (a misspelt switch would otherwise silently test the default).
constexpr std::array<std::string_view, 10> kTopKeys = {
    "id",       "title", "description", "references", "tags",
    "severity", "kind",  "timeout_ms",  "expect",     "server"};
constexpr std::array<std::string_view, 3> kServerKeys = {
    "max_connections", "idle_timeout_ms", "connection"};
constexpr std::array<std::string_view, 20> kConnectionKeys = {
    "greeting",
    "refuse_ehlo",
    "capabilities",
    "tls_capabilities",
    "ignore_ehlo_in_tls",
    "starttls_reply",
    "inject_after_starttls_reply",
    "after_starttls",
    "starttls_in_tls_reply",
    "handshake_fault",
    "partial_flight_bytes",
    "tls_versions",
    "cipher_policy",
    "cert",
    "key_type",
    "linger_after_tls_failure_ms",
    "require_tls",
    "reply_override",
    "delay",
    "bare_lf_replies"};
constexpr std::array<std::string_view, 4> kOverrideKeys = {
    "verb", "raw", "phase", "close_after"};
constexpr std::array<std::string_view, 2> kDelayKeys = {"verb", "delay_ms"};

// What characters a string may hold.
enum class Text {
  kRaw,        // Wire bytes: anything but too long (NUL included).
  kMultiLine,  // Prose: no NUL.
  kLine,       // One non-empty line: no CR, LF or NUL.
};

using toml_reader::TomlTypeName;

std::string Quoted(std::span<const std::string_view> names) {
  std::vector<std::string> quoted;
  quoted.reserve(names.size());
  for (std::string_view n : names) quoted.push_back(Cat("\"", n, "\""));
  return absl::StrJoin(quoted, ", ");
}

template <typename E>
std::vector<std::string_view> NamesOf(std::span<const E> all,
                                      std::string_view (*name_of)(E)) {
  std::vector<std::string_view> names;
  names.reserve(all.size());
  for (E value : all) names.push_back(name_of(value));
  return names;
}

bool IsLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// Checks the shape of a scenario id: lower-case path segments joined by '/'.
bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) return false;
  std::size_t segment_start = 0;
  for (std::size_t i = 0; i <= id.size(); ++i) {
    if (i == id.size() || id[i] == '/') {
      if (i == segment_start) return false;            // empty segment
      if (!IsLowerAlnum(id[segment_start])) return false;  // no ".", "..", "-x"
      segment_start = i + 1;
      continue;
    }
    const char c = id[i];
    if (!IsLowerAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

bool IsValidTag(std::string_view tag) {
  if (tag.empty() || tag.size() > kMaxTagBytes) return false;
  if (!IsLowerAlnum(tag[0])) return false;
  for (char c : tag) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

bool IsValidVerb(std::string_view verb) {
  if (verb.empty() || verb.size() > kMaxVerbBytes) return false;
  for (char c : verb) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

// Returns an error message if `id` is not the one the file's location
// implies, or an empty string if it is.
using IdCheck = std::function<std::string(std::string_view id)>;

// At most this many errors are listed per file; the rest are counted.
constexpr std::size_t kMaxErrorsPerFile = 30;

// Walks a parsed TOML document and builds a Scenario. Every error carries
// `source:line:column` of the offending key or value; errors are collected
// (Keep) rather than returned at the first one, so that an author sees
// everything wrong with a file at once. A value that depends on another
// (the id's shape on the id, expectations on the kind) is only checked when
// what it depends on was read.
class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  // Records a failed check; true when `status` is OK.
  bool Keep(const absl::Status& status) const {
    if (status.ok()) return true;
    errors_.push_back(std::string(status.message()));
    return false;
  }
  bool HasErrors() const { return !errors_.empty(); }

  // Every recorded error in file order (line, then column), escaped, one per
  // line.
  absl::Status Errors() const {
    std::vector<std::pair<std::pair<long, long>, std::string>> sorted;
    sorted.reserve(errors_.size());
    for (const std::string& e : errors_) sorted.push_back({Position(e), e});
    std::stable_sort(
        sorted.begin(), sorted.end(),
        [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> lines;
    for (const auto& [position, message] : sorted) {
      if (lines.size() == kMaxErrorsPerFile) {
        lines.push_back(absl::StrFormat("%s: ... and %d more errors",
                                        text::SanitizeText(source_),
                                        sorted.size() - kMaxErrorsPerFile));
        break;
      }
      lines.push_back(text::SanitizeText(message));
    }
    return absl::InvalidArgumentError(absl::StrJoin(lines, "\n"));
  }

  absl::Status Fail(const toml::source_region& at, std::string_view what) const {
    return absl::InvalidArgumentError(
        Cat(toml_reader::TomlLocation(source_, at), ": ", what));
  }

  // Records every key of `table` that is not in `allowed`, with the
  // nearest allowed key when the unknown one looks like a typo of it.
  void CheckKeys(const toml::table& table, std::string_view where,
                 std::span<const std::string_view> allowed) const {
    for (auto&& [key, value] : table) {
      bool known = false;
      for (std::string_view a : allowed) known = known || key.str() == a;
      if (known) continue;
      const std::optional<std::string> nearest =
          text::ClosestName(key.str(), allowed);
      if (nearest.has_value()) {
        Keep(
            Fail(key.source(), Cat("unknown key \"", key.str(), "\" in ", where,
                                   "; did you mean \"", *nearest, "\"?")));
      } else {
        Keep(
            Fail(key.source(), Cat("unknown key \"", key.str(), "\" in ", where,
                                   "; expected one of: ", Quoted(allowed))));
      }
    }
  }

  // Each Get* leaves *out alone when the key is absent and not required.
  absl::Status GetString(const toml::table& table, std::string_view key,
                         std::string_view path, std::size_t max_bytes,
                         Text text, bool required, std::string* out) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) return Missing(table, path, required);
    if (!node->is_string()) return WrongType(*node, path, "a string");
    return CheckString(*node, path, max_bytes, text, out);
  }

  absl::Status GetStringArray(const toml::table& table, std::string_view key,
                              std::string_view path, std::size_t max_items,
                              std::size_t max_bytes, Text text, bool required,
                              std::vector<std::string>* out) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) return Missing(table, path, required);
    const toml::array* array = node->as_array();
    if (array == nullptr) {
      return WrongType(*node, path, "an array of strings");
    }
    if (array->size() > max_items) {
      return Fail(node->source(),
                  absl::StrFormat("%s: expected at most %d entries, got %d",
                                  path, max_items, array->size()));
    }
    std::vector<std::string> values;
    values.reserve(array->size());
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::node& item = *array->get(i);
      const std::string item_path = absl::StrFormat("%s[%d]", path, i);
      if (!item.is_string()) return WrongType(item, item_path, "a string");
      std::string value;
      GAUNTLET_RETURN_IF_ERROR(
          CheckString(item, item_path, max_bytes, text, &value));
      values.push_back(std::move(value));
    }
    *out = std::move(values);
    return absl::OkStatus();
  }

  absl::Status GetInt(const toml::table& table, std::string_view key,
                      std::string_view path, std::int64_t min,
                      std::int64_t max, std::string_view unit,
                      bool required, std::int64_t* out) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) return Missing(table, path, required);
    if (!node->is_integer()) {
      return WrongType(*node, path,
                       absl::StrFormat("an integer (%s)", unit));
    }
    const std::int64_t value = node->as_integer()->get();
    if (value < min || value > max) {
      return Fail(node->source(),
                  absl::StrFormat("%s: expected %s between %d and %d, got %d",
                                  path, unit, min, max, value));
    }
    *out = value;
    return absl::OkStatus();
  }

  absl::Status GetMillis(const toml::table& table, std::string_view key,
                         std::string_view path, std::int64_t min,
                         std::int64_t max,
                         std::chrono::milliseconds* out) const {
    std::int64_t value = 0;
    const toml::node* node = table.get(key);
    if (node == nullptr) return absl::OkStatus();
    GAUNTLET_RETURN_IF_ERROR(
        GetInt(table, key, path, min, max, "milliseconds", false, &value));
    *out = std::chrono::milliseconds(value);
    return absl::OkStatus();
  }

  absl::Status GetBool(const toml::table& table, std::string_view key,
                       std::string_view path, bool* out) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) return absl::OkStatus();
    if (!node->is_boolean()) {
      return WrongType(*node, path, "a boolean (true or false)");
    }
    *out = node->as_boolean()->get();
    return absl::OkStatus();
  }

  // Looks a name up with `from_name`; `allowed` lists the names for the
  // message when it is not found.
  template <typename E>
  absl::Status GetEnum(const toml::table& table, std::string_view key,
                       std::string_view path,
                       std::optional<E> (*from_name)(std::string_view),
                       std::span<const std::string_view> allowed,
                       bool required, E* out) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) return Missing(table, path, required);
    return EnumValue(*node, path, from_name, allowed, out);
  }

  template <typename E>
  absl::Status EnumValue(const toml::node& node, std::string_view path,
                         std::optional<E> (*from_name)(std::string_view),
                         std::span<const std::string_view> allowed,
                         E* out) const {
    const std::string expected = Cat("one of ", Quoted(allowed));
    if (!node.is_string()) return WrongType(node, path, expected);
    const std::string& name = node.as_string()->get();
    const std::optional<E> value = from_name(name);
    if (!value.has_value()) {
      return Fail(node.source(),
                  absl::StrFormat("%s: expected %s; got \"%s\"", path,
                                  expected, absl::CHexEscape(name)));
    }
    *out = *value;
    return absl::OkStatus();
  }

  // Returns the array of tables under `key` (nullptr when absent).
  absl::StatusOr<const toml::array*> GetTableArray(
      const toml::table& table, std::string_view key, std::string_view path,
      std::size_t max_items) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) return nullptr;
    const toml::array* array = node->as_array();
    if (array == nullptr || !array->is_array_of_tables()) {
      return WrongType(*node, path,
                       absl::StrFormat("an array of tables ([[%s]])", path));
    }
    if (array->size() > max_items) {
      return Fail(array->get(max_items)->source(),
                  absl::StrFormat("%s: expected at most %d entries", path,
                                  max_items));
    }
    return array;
  }

  absl::Status WrongType(const toml::node& node, std::string_view path,
                         std::string_view expected) const {
    return Fail(node.source(),
                Cat(path, ": expected ", expected, ", got ",
                             TomlTypeName(node.type())));
  }

 private:
  absl::Status Missing(const toml::table& table, std::string_view path,
                       bool required) const {
    if (!required) return absl::OkStatus();
    return Fail(table.source(),
                Cat("missing required key \"", path, "\""));
  }

  absl::Status CheckString(const toml::node& node, std::string_view path,
                           std::size_t max_bytes, Text text,
                           std::string* out) const {
    const std::string& value = node.as_string()->get();
    if (value.size() > max_bytes) {
      return Fail(node.source(),
                  absl::StrFormat("%s: expected at most %d bytes, got %d",
                                  path, max_bytes, value.size()));
    }
    if (text != Text::kRaw && value.find('\0') != std::string::npos) {
      return Fail(node.source(),
                  Cat(path, ": expected text without NUL bytes"));
    }
    if (text == Text::kLine) {
      if (value.empty()) {
        return Fail(node.source(),
                    Cat(path, ": expected a non-empty string"));
      }
      if (value.find_first_of("\r\n") != std::string::npos) {
        return Fail(node.source(),
                    Cat(path, ": expected a single line (no CR or "
                                       "LF; the server adds line endings)"));
      }
    }
    *out = value;
    return absl::OkStatus();
  }

  // (line, column) of a message made by Fail ("<source>:L:C: ..."); (0, 0)
  // for any other.
  std::pair<long, long> Position(const std::string& message) const {
    if (message.size() <= source_.size() + 1 ||
        std::string_view(message).substr(0, source_.size()) != source_ ||
        message[source_.size()] != ':') {
      return {0, 0};
    }
    long line = 0;
    long column = 0;
    if (std::sscanf(message.c_str() + source_.size() + 1, "%ld:%ld", &line,
                    &column) != 2) {
      return {0, 0};
    }
    return {line, column};
  }

  std::string_view source_;
  mutable std::vector<std::string> errors_;
};

// The Parse* functions below record every error in the Reader (r.Keep) and
// go on, so that one run of the loader lists everything wrong with a file.

void ParseReplyOverride(const Reader& r, const toml::table& table,
                        const std::string& path, fake::ReplyOverride* out) {
  r.CheckKeys(table, Cat("[[", "server.connection.reply_override", "]]"),
              kOverrideKeys);
  if (r.Keep(r.GetString(table, "verb", path + ".verb", kMaxVerbBytes,
                         Text::kLine, true, &out->verb)) &&
      !IsValidVerb(out->verb)) {
    r.Keep(r.Fail(table.get("verb")->source(),
                  Cat(path,
                      ".verb: expected an upper-case command "
                      "verb such as \"MAIL\", got \"",
                      absl::CHexEscape(out->verb), "\"")));
  }
  r.Keep(r.GetString(table, "raw", path + ".raw", kMaxRawReplyBytes, Text::kRaw,
                     true, &out->raw));
  const std::vector<std::string_view> phases =
      NamesOf<fake::Phase>(AllPhases(), PhaseName);
  r.Keep(r.GetEnum<fake::Phase>(table, "phase", path + ".phase", PhaseFromName,
                                phases, false, &out->phase));
  r.Keep(r.GetBool(table, "close_after", path + ".close_after",
                   &out->close_after));
}

void ParseDelay(const Reader& r, const toml::table& table,
                const std::string& path, fake::CommandDelay* out) {
  r.CheckKeys(table, "[[server.connection.delay]]", kDelayKeys);
  if (r.Keep(r.GetString(table, "verb", path + ".verb", kMaxVerbBytes,
                         Text::kLine, true, &out->verb)) &&
      !IsValidVerb(out->verb)) {
    r.Keep(r.Fail(table.get("verb")->source(),
                  Cat(path,
                      ".verb: expected an upper-case command "
                      "verb such as \"EHLO\", got \"",
                      absl::CHexEscape(out->verb), "\"")));
  }
  std::int64_t ms = 0;
  if (r.Keep(r.GetInt(table, "delay_ms", path + ".delay_ms", 0, kMaxDelayMs,
                      "milliseconds", true, &ms))) {
    out->delay = std::chrono::milliseconds(ms);
  }
}

void ParseConnection(const Reader& r, const toml::table& table,
                     const std::string& path, fake::ConnectionBehavior* out) {
  r.CheckKeys(table, "[[server.connection]]", kConnectionKeys);
  auto key = [&path](std::string_view k) { return Cat(path, ".", k); };

  r.Keep(r.GetString(table, "greeting", key("greeting"), kMaxRawReplyBytes,
                     Text::kRaw, false, &out->greeting));
  r.Keep(
      r.GetBool(table, "refuse_ehlo", key("refuse_ehlo"), &out->refuse_ehlo));
  r.Keep(r.GetStringArray(table, "capabilities", key("capabilities"),
                          kMaxCapabilities, kMaxCapabilityBytes, Text::kLine,
                          false, &out->capabilities));
  r.Keep(r.GetStringArray(table, "tls_capabilities", key("tls_capabilities"),
                          kMaxCapabilities, kMaxCapabilityBytes, Text::kLine,
                          false, &out->tls_capabilities));
  r.Keep(r.GetBool(table, "ignore_ehlo_in_tls", key("ignore_ehlo_in_tls"),
                   &out->ignore_ehlo_in_tls));
  r.Keep(r.GetString(table, "starttls_reply", key("starttls_reply"),
                     kMaxRawReplyBytes, Text::kRaw, false,
                     &out->starttls_reply));
  r.Keep(r.GetString(table, "inject_after_starttls_reply",
                     key("inject_after_starttls_reply"), kMaxRawReplyBytes,
                     Text::kRaw, false, &out->inject_after_starttls_reply));
  r.Keep(r.GetEnum<fake::AfterStarttls>(
      table, "after_starttls", key("after_starttls"), AfterStarttlsFromName,
      NamesOf<fake::AfterStarttls>(AllAfterStarttls(), AfterStarttlsName),
      false, &out->after_starttls));
  r.Keep(r.GetString(table, "starttls_in_tls_reply",
                     key("starttls_in_tls_reply"), kMaxRawReplyBytes,
                     Text::kRaw, false, &out->starttls_in_tls_reply));
  r.Keep(r.GetEnum<fake::HandshakeFault>(
      table, "handshake_fault", key("handshake_fault"), HandshakeFaultFromName,
      NamesOf<fake::HandshakeFault>(AllHandshakeFaults(), HandshakeFaultName),
      false, &out->handshake_fault));
  std::int64_t partial = 0;
  if (table.contains("partial_flight_bytes") &&
      r.Keep(r.GetInt(table, "partial_flight_bytes",
                      key("partial_flight_bytes"), 1, kMaxPartialFlightBytes,
                      "a byte count", false, &partial))) {
    out->partial_flight_bytes = static_cast<std::size_t>(partial);
  }
  r.Keep(r.GetEnum<fake::TlsVersions>(
      table, "tls_versions", key("tls_versions"), TlsVersionsFromName,
      NamesOf<fake::TlsVersions>(AllTlsVersions(), TlsVersionsName), false,
      &out->tls_versions));
  r.Keep(r.GetEnum<fake::CipherPolicy>(
      table, "cipher_policy", key("cipher_policy"), CipherPolicyFromName,
      NamesOf<fake::CipherPolicy>(AllCipherPolicies(), CipherPolicyName), false,
      &out->cipher_policy));
  r.Keep(r.GetEnum<pki::CertProfile>(
      table, "cert", key("cert"), pki::CertProfileFromName,
      NamesOf<pki::CertProfile>(pki::AllCertProfiles(), pki::CertProfileName),
      false, &out->cert));
  r.Keep(r.GetEnum<pki::KeyType>(
      table, "key_type", key("key_type"), pki::KeyTypeFromName,
      NamesOf<pki::KeyType>(pki::AllKeyTypes(), pki::KeyTypeName), false,
      &out->key_type));
  r.Keep(r.GetMillis(table, "linger_after_tls_failure_ms",
                     key("linger_after_tls_failure_ms"), 0, kMaxLingerMs,
                     &out->linger_after_tls_failure));
  r.Keep(
      r.GetBool(table, "require_tls", key("require_tls"), &out->require_tls));
  r.Keep(r.GetBool(table, "bare_lf_replies", key("bare_lf_replies"),
                   &out->bare_lf_replies));

  absl::StatusOr<const toml::array*> overrides = r.GetTableArray(
      table, "reply_override", key("reply_override"), kMaxReplyOverrides);
  if (r.Keep(overrides.status()) && *overrides != nullptr) {
    for (std::size_t i = 0; i < (*overrides)->size(); ++i) {
      fake::ReplyOverride reply;
      ParseReplyOverride(r, *(*overrides)->get(i)->as_table(),
                         absl::StrFormat("%s.reply_override[%d]", path, i),
                         &reply);
      out->reply_overrides.push_back(std::move(reply));
    }
  }
  absl::StatusOr<const toml::array*> delays =
      r.GetTableArray(table, "delay", key("delay"), kMaxDelays);
  if (r.Keep(delays.status()) && *delays != nullptr) {
    for (std::size_t i = 0; i < (*delays)->size(); ++i) {
      fake::CommandDelay delay;
      ParseDelay(r, *(*delays)->get(i)->as_table(),
                 absl::StrFormat("%s.delay[%d]", path, i), &delay);
      out->delays.push_back(std::move(delay));
    }
  }
}

void ParseServer(const Reader& r, const toml::table& table,
                 fake::ServerBehavior* out) {
  r.CheckKeys(table, "[server]", kServerKeys);
  std::int64_t max_connections = out->max_connections;
  if (r.Keep(r.GetInt(table, "max_connections", "server.max_connections", 1,
                      kMaxServerConnections, "a connection count", false,
                      &max_connections))) {
    out->max_connections = static_cast<int>(max_connections);
  }
  r.Keep(r.GetMillis(table, "idle_timeout_ms", "server.idle_timeout_ms",
                     kMinIdleTimeoutMs, kMaxIdleTimeoutMs, &out->idle_timeout));
  absl::StatusOr<const toml::array*> connections = r.GetTableArray(
      table, "connection", "server.connection", kMaxConnections);
  if (r.Keep(connections.status()) && *connections != nullptr) {
    for (std::size_t i = 0; i < (*connections)->size(); ++i) {
      fake::ConnectionBehavior connection;
      ParseConnection(r, *(*connections)->get(i)->as_table(),
                      absl::StrFormat("server.connection[%d]", i), &connection);
      out->connections.push_back(std::move(connection));
    }
  }
}

// `kind_known`: the file's kind was read; without it, whether an
// expectation fits the kind cannot be judged.
void ParseExpect(const Reader& r, const toml::table& table, bool kind_known,
                 Scenario* out) {
  const std::vector<std::string_view> policies =
      NamesOf<Policy>(AllPolicies(), PolicyName);
  r.CheckKeys(table, "[expect]", policies);
  const std::vector<std::string_view> expectations =
      NamesOf<Expectation>(AllExpectations(), ExpectationName);
  for (Policy policy : AllPolicies()) {
    Expectation& slot = out->expectations[static_cast<std::size_t>(policy)];
    const std::string_view name = PolicyName(policy);
    const toml::node* node = table.get(name);
    if (node == nullptr) continue;
    const std::string path = Cat("expect.", name);
    if (!r.Keep(r.EnumValue<Expectation>(*node, path, ExpectationFromName,
                                         expectations, &slot)) ||
        !kind_known) {
      continue;
    }
    // deliver-tls means "a client that cannot is broken": only a good
    // server (a control) can demand it, and a control demands nothing less.
    if (out->kind == ScenarioKind::kAttack &&
        slot == Expectation::kDeliverTls) {
      r.Keep(r.Fail(node->source(), Cat(path,
                                        ": \"deliver-tls\" is only for kind = "
                                        "\"control\"; expected one of "
                                        "\"stay-secure\", \"stay-encrypted\", "
                                        "\"unrestricted\"")));
    }
    if (out->kind == ScenarioKind::kControl &&
        slot != Expectation::kDeliverTls) {
      r.Keep(r.Fail(node->source(), Cat(path,
                                        ": a control must expect "
                                        "\"deliver-tls\", got \"",
                                        ExpectationName(slot), "\"")));
    }
  }
}

absl::StatusOr<Scenario> ParseDocument(const Reader& r,
                                       const toml::table& root,
                                       std::string_view source_name,
                                       const IdCheck& check_id) {
  Scenario s;
  s.source_path = std::string(source_name);
  r.CheckKeys(root, "the top level", kTopKeys);

  if (r.Keep(r.GetString(root, "id", "id", kMaxIdBytes, Text::kLine, true,
                         &s.id))) {
    if (!IsValidId(s.id)) {
      r.Keep(r.Fail(root.get("id")->source(),
                    Cat("id: expected lower-case path segments "
                        "([a-z0-9][a-z0-9._-]*) joined by '/', got \"",
                        absl::CHexEscape(s.id), "\"")));
    } else if (check_id) {
      const std::string mismatch = check_id(s.id);
      if (!mismatch.empty()) r.Keep(r.Fail(root.get("id")->source(), mismatch));
    }
  }
  r.Keep(r.GetString(root, "title", "title", kMaxTitleBytes, Text::kLine, true,
                     &s.title));
  if (r.Keep(r.GetString(root, "description", "description",
                         kMaxDescriptionBytes, Text::kMultiLine, true,
                         &s.description)) &&
      s.description.find_first_not_of(" \t\r\n") == std::string::npos) {
    r.Keep(r.Fail(root.get("description")->source(),
                  "description: expected a non-empty explanation"));
  }
  r.Keep(r.GetStringArray(root, "references", "references", kMaxReferences,
                          kMaxReferenceBytes, Text::kLine, false,
                          &s.references));
  if (r.Keep(r.GetStringArray(root, "tags", "tags", kMaxTags, kMaxTagBytes,
                              Text::kLine, true, &s.tags))) {
    const toml::node* tags_node = root.get("tags");
    if (s.tags.empty()) {
      r.Keep(r.Fail(tags_node->source(), "tags: expected at least one tag"));
    }
    for (std::size_t i = 0; i < s.tags.size(); ++i) {
      const toml::node& item = *tags_node->as_array()->get(i);
      if (!IsValidTag(s.tags[i])) {
        r.Keep(r.Fail(item.source(),
                      absl::StrFormat("tags[%d]: expected lower-case "
                                      "[a-z0-9][a-z0-9-]*, got \"%s\"",
                                      i, absl::CHexEscape(s.tags[i]))));
        continue;
      }
      for (std::size_t j = 0; j < i; ++j) {
        if (s.tags[j] == s.tags[i]) {
          r.Keep(r.Fail(
              item.source(),
              absl::StrFormat("tags[%d]: duplicate tag \"%s\"", i, s.tags[i])));
          break;
        }
      }
    }
  }
  const std::vector<std::string_view> severities =
      NamesOf<Severity>(AllSeverities(), SeverityName);
  r.Keep(r.GetEnum<Severity>(root, "severity", "severity", SeverityFromName,
                             severities, true, &s.severity));
  const std::vector<std::string_view> kinds =
      NamesOf<ScenarioKind>(AllScenarioKinds(), ScenarioKindName);
  const bool kind_known = r.Keep(r.GetEnum<ScenarioKind>(
      root, "kind", "kind", ScenarioKindFromName, kinds, true, &s.kind));
  if (root.contains("timeout_ms")) {
    std::chrono::milliseconds timeout{0};
    if (r.Keep(r.GetMillis(root, "timeout_ms", "timeout_ms", kMinTimeoutMs,
                           kMaxTimeoutMs, &timeout))) {
      s.timeout = timeout;
    }
  }

  for (Policy policy : AllPolicies()) {
    s.expectations[static_cast<std::size_t>(policy)] =
        DefaultExpectation(s.kind, policy);
  }
  if (const toml::node* expect = root.get("expect")) {
    if (!expect->is_table()) {
      r.Keep(r.WrongType(*expect, "expect", "a table ([expect])"));
    } else {
      ParseExpect(r, *expect->as_table(), kind_known, &s);
    }
  }
  if (const toml::node* server = root.get("server")) {
    if (!server->is_table()) {
      r.Keep(r.WrongType(*server, "server", "a table ([server])"));
    } else {
      ParseServer(r, *server->as_table(), &s.server);
    }
  }
  if (r.HasErrors()) return r.Errors();
  return s;
}

absl::StatusOr<Scenario> ParseWithCheck(std::string_view text,
                                        std::string_view source_name,
                                        const IdCheck& check_id) {
  GAUNTLET_ASSIGN_OR_RETURN(
      const toml::table root,
      toml_reader::ParseToml(text, source_name, kMaxFileBytes,
                             "scenario file"));
  return ParseDocument(Reader(source_name), root, source_name, check_id);
}

// "<dir>/strip/x" for "<dir>/strip/x.toml".
std::string WithoutTomlSuffix(std::string path) {
  constexpr std::string_view kSuffix = ".toml";
  if (path.size() >= kSuffix.size() &&
      std::string_view(path).substr(path.size() - kSuffix.size()) == kSuffix) {
    path.resize(path.size() - kSuffix.size());
  }
  return path;
}

// Whether `id` is the tail of `stem` (a path without ".toml") at a path
// segment boundary: "/a/scenarios/strip/x" may hold "strip/x" or "x".
bool IdIsTailOf(std::string_view stem, std::string_view id) {
  if (stem == id) return true;
  return stem.size() > id.size() &&
         stem.substr(stem.size() - id.size()) == id &&
         stem[stem.size() - id.size() - 1] == '/';
}

}  // namespace

absl::StatusOr<Scenario> ParseScenario(std::string_view text,
                                       std::string_view source_name,
                                       std::string_view expected_id) {
  IdCheck check;
  if (!expected_id.empty()) {
    check = [expected_id](std::string_view id) -> std::string {
      if (id == expected_id) return "";
      return Cat("id: expected \"", expected_id,
                 "\" (the file's path under its scenario "
                 "directory, without .toml), got \"",
                 id, "\"");
    };
  }
  return ParseWithCheck(text, source_name, check);
}

absl::StatusOr<Scenario> LoadScenarioFile(const std::string& path,
                                          std::string_view expected_id) {
  GAUNTLET_ASSIGN_OR_RETURN(
      const std::string text,
      files::ReadRegularFile(path, kMaxFileBytes, "scenario file"));
  if (!expected_id.empty()) return ParseScenario(text, path, expected_id);
  // The id is checked against where the file really is, whatever the
  // working directory: `cd scenarios/strip && gauntlet validate x.toml`
  // must accept id "strip/x". Both the absolute path as written (symbolic
  // links kept) and the canonical one (resolved) are accepted.
  namespace fs = std::filesystem;
  std::vector<std::string> stems;
  std::error_code ec;
  const fs::path absolute = fs::absolute(path, ec);
  stems.push_back(WithoutTomlSuffix(
      ec ? path : absolute.lexically_normal().generic_string()));
  const fs::path canonical = fs::canonical(path, ec);
  if (!ec) stems.push_back(WithoutTomlSuffix(canonical.generic_string()));
  const IdCheck check = [stems](std::string_view id) -> std::string {
    for (const std::string& stem : stems) {
      if (IdIsTailOf(stem, id)) return "";
    }
    return Cat("id: \"", id, "\" does not match the file's path ",
               stems.front(), ".toml; expected the path to end in \"", id,
               ".toml\"");
  };
  return ParseWithCheck(text, path, check);
}

}  // namespace gauntlet::scenario
