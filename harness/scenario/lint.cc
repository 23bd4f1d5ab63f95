#include "harness/scenario/lint.h"

#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/string_view.h"
#include "common/text_escape.h"
#include "fake_servers/behavior.h"

namespace gauntlet::scenario {
namespace {

// "AUTH PLAIN LOGIN" or "AUTH=PLAIN" (the pre-RFC 4954 form some servers
// still send).
bool IsAuthKeyword(std::string_view capability) {
  const std::string upper =
      absl::AsciiStrToUpper(ToAbsl(capability.substr(0, 5)));
  return upper == "AUTH" || upper == "AUTH " || upper == "AUTH=";
}

// The EHLO reply_override that applies in plaintext, if any (the server
// uses the first that matches, as FindOverride in the responder does).
const fake::ReplyOverride *PlaintextEhloOverride(
    const fake::ConnectionBehavior &c) {
  for (const fake::ReplyOverride &o : c.reply_overrides) {
    if (absl::AsciiStrToUpper(ToAbsl(o.verb)) == "EHLO" &&
        o.phase != fake::Phase::kTls) {
      return &o;
    }
  }
  return nullptr;
}

bool WaitProbe(const fake::ConnectionBehavior &c) {
  return c.ignore_ehlo_in_tls || !c.delays.empty();
}

}  // namespace

bool OffersAuthInPlaintext(const fake::ConnectionBehavior &c) {
  if (c.refuse_ehlo) return false;
  if (const fake::ReplyOverride *o = PlaintextEhloOverride(c)) {
    // Each line "250-KEYWORD" or "250 KEYWORD"; the first names the host.
    bool first = true;
    for (absl::string_view line : absl::StrSplit(o->raw, '\n')) {
      std::string_view text = ToStd(line);
      if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
      if (text.empty()) continue;
      if (text.size() < 4 || text.substr(0, 3) != "250") return false;
      if (!first && IsAuthKeyword(text.substr(4))) return true;
      first = false;
    }
    return false;
  }
  for (const std::string &capability : c.capabilities) {
    if (IsAuthKeyword(capability)) return true;
  }
  return false;
}

bool IsProbe(const Scenario &s) {
  for (const fake::ConnectionBehavior &c : s.server.connections) {
    if (!c.inject_after_starttls_reply.empty() || WaitProbe(c)) return true;
  }
  return false;
}

std::vector<std::string> ScenarioWarnings(const Scenario &s) {
  std::vector<std::string> out;
  const std::string prefix = text::SanitizeText(
      absl::StrCat(s.source_path, ": warning: ", s.id, ": "));
  if (s.kind == ScenarioKind::kAttack) {
    std::vector<std::string> without;
    for (std::size_t i = 0; i < s.server.connections.size(); ++i) {
      if (!OffersAuthInPlaintext(s.server.connections[i])) {
        without.push_back(absl::StrCat(i));
      }
    }
    if (!without.empty() && s.no_auth_reason.empty()) {
      out.push_back(absl::StrCat(
          prefix, "the plaintext EHLO reply of server.connection[",
          absl::StrJoin(without, "], ["),
          "] offers no AUTH, so a client that falls back to plaintext may "
          "give up before it would send its password; offer \"AUTH PLAIN "
          "LOGIN\" as an attacker would, or say why not in no_auth_reason"));
    }
    if (without.empty() && !s.no_auth_reason.empty()) {
      out.push_back(absl::StrCat(
          prefix,
          "no_auth_reason is given, but every plaintext EHLO reply offers "
          "AUTH; remove the stale reason"));
    }
  }
  bool wait_probe = false;
  for (const fake::ConnectionBehavior &c : s.server.connections) {
    wait_probe = wait_probe || WaitProbe(c);
  }
  if (IsProbe(s) && s.probe.empty()) {
    out.push_back(absl::StrCat(
        prefix,
        "injects bytes or holds back a reply but has no probe text; say what "
        "the server does and which recorded event proves the client acted on "
        "what it was not sent"));
  }
  if (s.timeout_reason.empty() && (s.timeout.has_value() || wait_probe)) {
    out.push_back(absl::StrCat(
        prefix,
        s.timeout.has_value() ? "sets timeout_ms" : "holds back a reply",
        " but gives no timeout_reason; say how long an honest client may "
        "wait here and why"));
  }
  return out;
}

}  // namespace gauntlet::scenario
