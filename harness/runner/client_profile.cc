#include "harness/runner/client_profile.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/bounded_file.h"
#include "common/client_contract.h"
#include "common/spelling.h"
#include "common/status_macros.h"
#include "common/string_view.h"
#include "common/text_escape.h"
#include "common/toml_reader.h"
#include "harness/scenario/glob.h"
#include "toml++/toml.h"

namespace gauntlet::runner {
namespace {

constexpr std::size_t kMaxNameLength = 64;

bool IsEnvName(std::string_view s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i > 0)) return false;
  }
  return true;
}

bool IsProfileName(std::string_view s) {
  if (s.empty() || s.size() > kMaxNameLength) return false;
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Builds "file:line:col: message" errors.
class Parser {
 public:
  explicit Parser(std::string_view source) : source_(source) {}

  absl::Status Fail(const toml::source_region& at, std::string_view what) const {
    return absl::InvalidArgumentError(text::SanitizeText(
        Cat(toml_reader::TomlLocation(source_, at), ": ", what)));
  }

  absl::StatusOr<ClientProfile> Parse(const toml::table& root) {
    ClientProfile p;
    p.source_path = std::string(source_);
    static constexpr std::string_view kKeys[] = {
        "name", "description", "command", "shell",
        "policy", "timeout_ms", "unsupported", "env"};
    for (auto&& [key, node] : root) {
      bool known = false;
      for (std::string_view k : kKeys) known = known || key.str() == k;
      if (!known) {
        const std::optional<std::string> nearest =
            text::ClosestName(key.str(), kKeys);
        return Fail(
            key.source(),
            absl::StrCat("unknown key '", ToAbsl(key.str()), "' (",
                         nearest.has_value()
                             ? absl::StrCat("did you mean '", *nearest, "'? ")
                             : "",
                         "known: name, description, command, shell, "
                         "policy, timeout_ms, unsupported, env)"));
      }
    }
    const toml::source_region whole = root.source();

    GAUNTLET_ASSIGN_OR_RETURN(const toml::node* name, Require(root, "name", whole));
    GAUNTLET_ASSIGN_OR_RETURN(p.name, String(*name, "name"));
    if (!IsProfileName(p.name)) {
      return Fail(name->source(),
                  absl::StrCat("name '", p.name,
                               "' must be 1 to 64 characters of A-Z a-z 0-9 . _ -"));
    }

    if (const toml::node* n = root.get("description")) {
      GAUNTLET_ASSIGN_OR_RETURN(p.description, String(*n, "description"));
    }

    if (const toml::node* n = root.get("shell")) {
      const std::optional<bool> b = n->value_exact<bool>();
      if (!b) return WrongType(*n, "shell", "a boolean");
      p.command.shell = *b;
    }

    GAUNTLET_ASSIGN_OR_RETURN(const toml::node* command,
                              Require(root, "command", whole));
    GAUNTLET_ASSIGN_OR_RETURN(p.command.template_text,
                              String(*command, "command"));
    if (absl::Status s = ValidateClientCommand(p.command); !s.ok()) {
      return Fail(command->source(), absl::StrCat("command: ", s.message()));
    }

    GAUNTLET_ASSIGN_OR_RETURN(const toml::node* policy,
                              Require(root, "policy", whole));
    GAUNTLET_ASSIGN_OR_RETURN(std::string policy_name,
                              String(*policy, "policy"));
    const std::optional<scenario::Policy> parsed =
        scenario::PolicyFromName(policy_name);
    if (!parsed) {
      return Fail(policy->source(),
                  absl::StrCat("unknown policy '", policy_name,
                               "' (expected require-tls, "
                               "require-tls-no-verify or opportunistic)"));
    }
    p.policy = *parsed;

    if (const toml::node* n = root.get("timeout_ms")) {
      const std::optional<std::int64_t> ms = n->value_exact<std::int64_t>();
      if (!ms) return WrongType(*n, "timeout_ms", "an integer");
      if (*ms < 1 || *ms > kMaxProfileTimeoutMs) {
        return Fail(n->source(),
                    absl::StrCat("timeout_ms = ", *ms, " is out of range 1..",
                                 kMaxProfileTimeoutMs));
      }
      p.timeout = std::chrono::milliseconds(*ms);
    }

    if (const toml::node* n = root.get("unsupported")) {
      const toml::array* array = n->as_array();
      if (array == nullptr) return WrongType(*n, "unsupported", "an array of strings");
      for (const toml::node& item : *array) {
        GAUNTLET_ASSIGN_OR_RETURN(std::string glob, String(item, "unsupported[]"));
        if (glob.empty()) return Fail(item.source(), "unsupported: empty glob");
        p.unsupported.push_back(std::move(glob));
      }
    }

    if (const toml::node* n = root.get("env")) {
      const toml::table* table = n->as_table();
      if (table == nullptr) return WrongType(*n, "env", "a table");
      for (auto&& [key, value] : *table) {
        const std::string_view var = key.str();
        if (!IsEnvName(var)) {
          return Fail(key.source(),
                      absl::StrCat("env: '", ToAbsl(var),
                                   "' is not a variable name ([A-Za-z_][A-Za-z0-9_]*)"));
        }
        if (var.starts_with(contract::kReservedEnvPrefix)) {
          return Fail(key.source(),
                      absl::StrCat("env: ", ToAbsl(var),
                                   " is reserved (Gauntlet sets GAUNTLET_* itself)"));
        }
        GAUNTLET_ASSIGN_OR_RETURN(std::string text,
                                  String(value, absl::StrCat("env.", ToAbsl(var))));
        if (text.find('\0') != std::string::npos) {
          return Fail(value.source(), absl::StrCat("env.", ToAbsl(var), " contains a NUL byte"));
        }
        p.env.emplace_back(std::string(var), std::move(text));
      }
    }
    return p;
  }

 private:
  absl::StatusOr<const toml::node*> Require(const toml::table& root,
                                            std::string_view key,
                                            const toml::source_region& whole) {
    const toml::node* n = root.get(key);
    if (n == nullptr) {
      return Fail(whole, Cat("missing required key '", key, "'"));
    }
    return n;
  }

  absl::Status WrongType(const toml::node& n, std::string_view key,
                         std::string_view wanted) const {
    return Fail(n.source(),
                absl::StrCat(ToAbsl(key), " must be ", ToAbsl(wanted), ", not ",
                             ToAbsl(toml_reader::TomlTypeName(n.type()))));
  }

  absl::StatusOr<std::string> String(const toml::node& n,
                                     std::string_view key) const {
    const toml::value<std::string>* s = n.as_string();
    if (s == nullptr) return WrongType(n, key, "a string");
    return s->get();
  }

  std::string_view source_;
};

}  // namespace

const std::string* ClientProfile::UnsupportedGlobFor(
    std::string_view scenario_id) const {
  for (const std::string& glob : unsupported) {
    if (scenario::GlobMatch(glob, scenario_id)) return &glob;
  }
  return nullptr;
}

absl::StatusOr<ClientProfile> ParseClientProfile(std::string_view toml_text,
                                                 std::string_view source_name) {
  GAUNTLET_ASSIGN_OR_RETURN(
      const toml::table root,
      toml_reader::ParseToml(toml_text, source_name, kMaxProfileBytes,
                             "client profile"));
  return Parser(source_name).Parse(root);
}

absl::StatusOr<ClientProfile> LoadClientProfile(const std::string& path) {
  GAUNTLET_ASSIGN_OR_RETURN(
      const std::string text,
      files::ReadRegularFile(path, kMaxProfileBytes, "client profile"));
  return ParseClientProfile(text, path);
}

}  // namespace gauntlet::runner
