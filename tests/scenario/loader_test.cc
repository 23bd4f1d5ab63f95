// Tests for the scenario file loader: what a good file turns into, and that
// each kind of mistake is rejected with the right file:line:column.

#include "harness/scenario/loader.h"

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "fake_servers/behavior.h"
#include "fake_servers/pki/cert_profile.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/scenario/behavior_names.h"
#include "harness/scenario/scenario.h"

namespace gauntlet::scenario {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Six required keys on lines 1-6; tests append from line 7 on.
constexpr std::string_view kHeader =
    "id = \"t/x\"\n"
    "title = \"A title\"\n"
    "description = \"What is tested.\"\n"
    "tags = [\"t\"]\n"
    "severity = \"low\"\n"
    "kind = \"attack\"\n";

std::string WithHeader(std::string_view rest) {
  return absl::StrCat(std::string(kHeader), std::string(rest));
}

// Returns the error message, failing the test if parsing succeeded.
std::string ErrorOf(std::string_view text, std::string_view expected_id = {}) {
  auto parsed = ParseScenario(text, "t.toml", expected_id);
  EXPECT_FALSE(parsed.ok()) << "accepted:\n" << text;
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(parsed.status().message());
}

TEST(ParseScenario, MinimalFileGetsDefaults) {
  auto parsed = ParseScenario(kHeader, "t.toml");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const Scenario& s = *parsed;
  EXPECT_EQ(s.id, "t/x");
  EXPECT_EQ(s.title, "A title");
  EXPECT_EQ(s.severity, Severity::kLow);
  EXPECT_EQ(s.kind, ScenarioKind::kAttack);
  EXPECT_FALSE(s.timeout.has_value());
  EXPECT_EQ(s.source_path, "t.toml");
  EXPECT_EQ(s.ExpectationFor(Policy::kRequireTls), Expectation::kStaySecure);
  EXPECT_EQ(s.ExpectationFor(Policy::kRequireTlsNoVerify),
            Expectation::kStayEncrypted);
  EXPECT_EQ(s.ExpectationFor(Policy::kOpportunistic),
            Expectation::kUnrestricted);
  EXPECT_TRUE(s.server.connections.empty());
  EXPECT_EQ(s.server.max_connections, fake::ServerBehavior().max_connections);
}

TEST(ParseScenario, ControlDefaultsToDeliverTlsForEveryPolicy) {
  std::string text(kHeader);
  text.replace(text.find("\"attack\""), 8, "\"control\"");
  auto parsed = ParseScenario(text, "t.toml");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  for (Policy p : AllPolicies()) {
    EXPECT_EQ(parsed->ExpectationFor(p), Expectation::kDeliverTls)
        << PolicyName(p);
  }
}

TEST(ParseScenario, EveryKeyIsRead) {
  const std::string text = R"(id = "full/every-key"
title = "Every key"
description = """
Line one.
Line two."""
references = ["RFC 3207 §4", "CVE-2021-22947"]
tags = ["a", "b-2"]
severity = "critical"
kind = "attack"
timeout_ms = 12345

[expect]
require-tls = "stay-secure"
require-tls-no-verify = "stay-secure"
opportunistic = "stay-encrypted"

[server]
max_connections = 3
idle_timeout_ms = 4000

[[server.connection]]
greeting = "220-a\r\n220 b\r\n"
refuse_ehlo = true
capabilities = ["SIZE 1", "starttls"]
tls_capabilities = []
ignore_ehlo_in_tls = true
starttls_reply = "454 no\r\n"
inject_after_starttls_reply = "250-AUTH PLA"
after_starttls = "stay-plaintext"
starttls_in_tls_reply = "220 again\r\n"
handshake_fault = "partial-flight-then-close"
partial_flight_bytes = 7
tls_versions = "tls11-only"
cipher_policy = "weak-only"
cert = "expired-intermediate"
key_type = "rsa-2048"
linger_after_tls_failure_ms = 0
require_tls = true
bare_lf_replies = true
[[server.connection.reply_override]]
verb = "MAIL"
raw = "530 5.7.0 Must issue a STARTTLS command first\r\n"
phase = "plaintext"
close_after = true
[[server.connection.reply_override]]
verb = "QUIT"
raw = ""
[[server.connection.delay]]
verb = "EHLO"
delay_ms = 500

[[server.connection]]
greeting = "220 nul\u0000byte\r\n"
)";
  auto parsed = ParseScenario(text, "full.toml");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const Scenario& s = *parsed;
  EXPECT_EQ(s.description, "Line one.\nLine two.");
  EXPECT_EQ(s.references.size(), 2u);
  EXPECT_EQ(s.references[0], "RFC 3207 §4");
  EXPECT_TRUE(s.HasTag("b-2"));
  EXPECT_FALSE(s.HasTag("b"));
  EXPECT_EQ(s.severity, Severity::kCritical);
  ASSERT_TRUE(s.timeout.has_value());
  EXPECT_EQ(*s.timeout, std::chrono::milliseconds(12345));
  EXPECT_EQ(s.ExpectationFor(Policy::kRequireTlsNoVerify),
            Expectation::kStaySecure);
  EXPECT_EQ(s.ExpectationFor(Policy::kOpportunistic),
            Expectation::kStayEncrypted);
  EXPECT_EQ(s.server.max_connections, 3);
  EXPECT_EQ(s.server.idle_timeout, std::chrono::milliseconds(4000));
  ASSERT_EQ(s.server.connections.size(), 2u);

  const fake::ConnectionBehavior& c = s.server.connections[0];
  EXPECT_EQ(c.greeting, "220-a\r\n220 b\r\n");
  EXPECT_TRUE(c.refuse_ehlo);
  EXPECT_EQ(c.capabilities,
            (std::vector<std::string>{"SIZE 1", "starttls"}));
  EXPECT_TRUE(c.tls_capabilities.empty());
  EXPECT_TRUE(c.ignore_ehlo_in_tls);
  EXPECT_EQ(c.starttls_reply, "454 no\r\n");
  EXPECT_EQ(c.inject_after_starttls_reply, "250-AUTH PLA");
  EXPECT_EQ(c.after_starttls, fake::AfterStarttls::kStayPlaintext);
  EXPECT_EQ(c.starttls_in_tls_reply, "220 again\r\n");
  EXPECT_EQ(c.handshake_fault, fake::HandshakeFault::kPartialFlightThenClose);
  EXPECT_EQ(c.partial_flight_bytes, 7u);
  EXPECT_EQ(c.tls_versions, fake::TlsVersions::kTls11Only);
  EXPECT_EQ(c.cipher_policy, fake::CipherPolicy::kWeakOnly);
  EXPECT_EQ(c.cert, pki::CertProfile::kExpiredIntermediate);
  EXPECT_EQ(c.key_type, pki::KeyType::kRsa2048);
  EXPECT_EQ(c.linger_after_tls_failure, std::chrono::milliseconds(0));
  EXPECT_TRUE(c.require_tls);
  EXPECT_TRUE(c.bare_lf_replies);
  ASSERT_EQ(c.reply_overrides.size(), 2u);
  EXPECT_EQ(c.reply_overrides[0].verb, "MAIL");
  EXPECT_EQ(c.reply_overrides[0].raw,
            "530 5.7.0 Must issue a STARTTLS command first\r\n");
  EXPECT_EQ(c.reply_overrides[0].phase, fake::Phase::kPlaintext);
  EXPECT_TRUE(c.reply_overrides[0].close_after);
  EXPECT_EQ(c.reply_overrides[1].phase, fake::Phase::kAny);
  EXPECT_FALSE(c.reply_overrides[1].close_after);
  EXPECT_EQ(c.reply_overrides[1].raw, "");
  ASSERT_EQ(c.delays.size(), 1u);
  EXPECT_EQ(c.delays[0].verb, "EHLO");
  EXPECT_EQ(c.delays[0].delay, std::chrono::milliseconds(500));

  // Unset fields keep the good-server defaults; raw bytes survive as given.
  const fake::ConnectionBehavior& d = s.server.connections[1];
  EXPECT_EQ(d.greeting, std::string("220 nul\0byte\r\n", 14));
  const fake::ConnectionBehavior good;
  EXPECT_EQ(d.capabilities, good.capabilities);
  EXPECT_EQ(d.starttls_reply, good.starttls_reply);
  EXPECT_EQ(d.cert, good.cert);
  EXPECT_EQ(d.handshake_fault, good.handshake_fault);
}

TEST(ParseScenario, EveryEnumNameIsAccepted) {
  for (fake::HandshakeFault f : AllHandshakeFaults()) {
    auto parsed = ParseScenario(
        WithHeader(absl::StrCat("[[server.connection]]\nhandshake_fault = \"",
                                std::string(HandshakeFaultName(f)), "\"\n")),
        "t.toml");
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(parsed->server.connections[0].handshake_fault, f);
  }
  for (pki::CertProfile p : pki::AllCertProfiles()) {
    auto parsed = ParseScenario(
        WithHeader(absl::StrCat("[[server.connection]]\ncert = \"",
                                std::string(pki::CertProfileName(p)), "\"\n")),
        "t.toml");
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(parsed->server.connections[0].cert, p);
  }
}

TEST(ParseScenarioErrors, UnknownTopLevelKey) {
  const std::string msg = ErrorOf(WithHeader("bogus = 1\n"));
  EXPECT_THAT(msg, StartsWith("t.toml:7:1: "));
  EXPECT_THAT(msg, HasSubstr("unknown key \"bogus\""));
  EXPECT_THAT(msg, HasSubstr("\"description\""));  // lists what is allowed
}

TEST(ParseScenarioErrors, UnknownKeyInConnection) {
  const std::string msg = ErrorOf(WithHeader(
      "[[server.connection]]\ncert = \"expired\"\n  starttls_replyy = \"x\"\n"));
  EXPECT_THAT(msg, StartsWith("t.toml:9:3: "));
  EXPECT_THAT(msg, HasSubstr("unknown key \"starttls_replyy\""));
  EXPECT_THAT(msg, HasSubstr("[[server.connection]]"));
  EXPECT_THAT(msg, HasSubstr("\"starttls_reply\""));
}

TEST(ParseScenarioErrors, UnknownKeyInReplyOverrideAndDelayAndServerAndExpect) {
  EXPECT_THAT(ErrorOf(WithHeader("[[server.connection]]\n"
                                 "[[server.connection.reply_override]]\n"
                                 "verb = \"MAIL\"\nraw = \"x\"\nclose = true\n")),
              StartsWith("t.toml:11:1: unknown key \"close\""));
  // Both errors of this table: the misspelt key and the one it missed.
  const std::string delay =
      ErrorOf(WithHeader("[[server.connection]]\n"
                         "[[server.connection.delay]]\n"
                         "verb = \"EHLO\"\ndelay = 5\n"));
  EXPECT_THAT(delay, HasSubstr("\nt.toml:10:1: unknown key \"delay\""));
  EXPECT_THAT(delay, HasSubstr("did you mean \"delay_ms\"?"));
  EXPECT_THAT(delay, StartsWith("t.toml:8:1: missing required key "
                                "\"server.connection[0].delay[0].delay_ms\""));
  EXPECT_THAT(ErrorOf(WithHeader("[server]\nmax_conns = 2\n")),
              StartsWith("t.toml:8:1: unknown key \"max_conns\""));
  EXPECT_THAT(ErrorOf(WithHeader("[expect]\nrequire_tls = \"stay-secure\"\n")),
              StartsWith("t.toml:8:1: unknown key \"require_tls\""));
}

TEST(ParseScenarioErrors, WrongType) {
  const std::string msg =
      ErrorOf(WithHeader("[server]\nmax_connections = \"8\"\n"));
  EXPECT_THAT(msg, StartsWith("t.toml:8:19: "));
  EXPECT_THAT(msg, HasSubstr("server.max_connections: expected an integer"));
  EXPECT_THAT(msg, HasSubstr("got a string"));

  EXPECT_THAT(ErrorOf(WithHeader("[[server.connection]]\nrefuse_ehlo = 1\n")),
              StartsWith("t.toml:8:15: server.connection[0].refuse_ehlo: "
                         "expected a boolean"));
  EXPECT_THAT(
      ErrorOf(WithHeader("[[server.connection]]\ncapabilities = [\"A\", 2]\n")),
      StartsWith("t.toml:8:22: server.connection[0].capabilities[1]: "
                 "expected a string, got an integer"));
  EXPECT_THAT(ErrorOf(WithHeader("[server]\nconnection = 3\n")),
              StartsWith("t.toml:8:14: server.connection: expected an array "
                         "of tables"));
  EXPECT_THAT(ErrorOf(WithHeader("expect = \"stay-secure\"\n")),
              StartsWith("t.toml:7:10: expect: expected a table"));
}

TEST(ParseScenarioErrors, BadEnumListsTheAllowedValues) {
  const std::string msg = ErrorOf(
      WithHeader("[[server.connection]]\nafter_starttls = \"sideways\"\n"));
  EXPECT_THAT(msg, StartsWith("t.toml:8:18: "));
  EXPECT_THAT(msg, HasSubstr("server.connection[0].after_starttls"));
  EXPECT_THAT(msg, HasSubstr("\"handshake\", \"stay-plaintext\", \"close\""));
  EXPECT_THAT(msg, HasSubstr("got \"sideways\""));

  EXPECT_THAT(ErrorOf(WithHeader("[[server.connection]]\ncert = \"Expired\"\n")),
              HasSubstr("\"wrong-host\""));
  EXPECT_THAT(
      ErrorOf(WithHeader("[[server.connection]]\nkey_type = \"rsa-1024\"\n")),
      HasSubstr("one of \"ecdsa-p256\", \"rsa-2048\""));
  const std::string severity = ErrorOf(absl::StrCat(
      "id = \"t/x\"\ntitle = \"T\"\ndescription = \"D\"\ntags = [\"t\"]\n",
      "severity = \"urgent\"\nkind = \"attack\"\n"));
  EXPECT_THAT(severity, StartsWith("t.toml:5:12: severity: expected one of "
                                   "\"critical\", \"high\", \"medium\", "
                                   "\"low\", \"info\""));
  EXPECT_THAT(ErrorOf(WithHeader("[expect]\nopportunistic = \"whatever\"\n")),
              StartsWith("t.toml:8:17: expect.opportunistic: expected one of "
                         "\"deliver-tls\""));
}

TEST(ParseScenarioErrors, MissingRequiredKey) {
  std::string text(kHeader);
  text.erase(text.find("kind = "));
  const std::string msg = ErrorOf(text);
  EXPECT_THAT(msg, StartsWith("t.toml:1:1: "));
  EXPECT_THAT(msg, HasSubstr("missing required key \"kind\""));

  EXPECT_THAT(ErrorOf(WithHeader("[[server.connection]]\n"
                                 "[[server.connection.delay]]\n"
                                 "delay_ms = 5\n")),
              HasSubstr("missing required key "
                        "\"server.connection[0].delay[0].verb\""));
  // Each required key, one at a time.
  for (std::string_view key :
       {"id = ", "title = ", "description = ", "tags = ", "severity = "}) {
    std::string without(kHeader);
    const std::size_t at = without.find(key);
    without.erase(at, without.find('\n', at) + 1 - at);
    EXPECT_THAT(ErrorOf(without),
                HasSubstr(absl::StrCat("missing required key \"",
                                       std::string(key.substr(
                                           0, key.size() - 3)),
                                       "\"")));
  }
}

TEST(ParseScenarioErrors, IdMismatch) {
  const std::string msg = ErrorOf(kHeader, "strip/other");
  EXPECT_THAT(msg, StartsWith("t.toml:1:6: "));
  EXPECT_THAT(msg, HasSubstr("expected \"strip/other\""));
  EXPECT_THAT(msg, HasSubstr("got \"t/x\""));
  EXPECT_TRUE(ParseScenario(kHeader, "t.toml", "t/x").ok());
}

TEST(ParseScenarioErrors, BadIdShape) {
  for (std::string_view id : {"", "Strip/x", "a//b", "../x", "a/.x", "/a",
                              "a/", "a b"}) {
    std::string text(kHeader);
    text.replace(text.find("t/x"), 3, std::string(id));
    EXPECT_THAT(ErrorOf(text), StartsWith("t.toml:1:6: id: ")) << id;
  }
}

TEST(ParseScenarioErrors, InvalidTomlSyntax) {
  const std::string msg = ErrorOf("id = \"t/x\"\ntitle = \"unterminated\n");
  EXPECT_THAT(msg, StartsWith("t.toml:2:"));
  EXPECT_THAT(msg, HasSubstr("invalid TOML"));

  EXPECT_THAT(ErrorOf(WithHeader("kind = \"attack\"\n")),
              AllOf(StartsWith("t.toml:7:"), HasSubstr("invalid TOML")));
  EXPECT_THAT(ErrorOf("\xff\xfe = 1\n"), HasSubstr("invalid TOML"));
}

TEST(ParseScenarioErrors, DurationsAreBounded) {
  EXPECT_THAT(ErrorOf(WithHeader("timeout_ms = -1\n")),
              StartsWith("t.toml:7:14: timeout_ms: expected milliseconds "
                         "between 100 and 600000, got -1"));
  EXPECT_THAT(ErrorOf(WithHeader("timeout_ms = 99999999999\n")),
              HasSubstr("between 100 and 600000"));
  EXPECT_THAT(ErrorOf(WithHeader("timeout_ms = 1.5\n")),
              HasSubstr("expected an integer (milliseconds), got a float"));
  EXPECT_THAT(ErrorOf(WithHeader("[[server.connection]]\n"
                                 "[[server.connection.delay]]\n"
                                 "verb = \"EHLO\"\ndelay_ms = -5\n")),
              StartsWith("t.toml:10:12: server.connection[0].delay[0]."
                         "delay_ms: expected milliseconds between 0 and"));
  EXPECT_THAT(ErrorOf(WithHeader("[[server.connection]]\n"
                                 "linger_after_tls_failure_ms = 86400000\n")),
              HasSubstr("linger_after_tls_failure_ms: expected milliseconds"));
  EXPECT_THAT(ErrorOf(WithHeader("[server]\nidle_timeout_ms = 0\n")),
              HasSubstr("server.idle_timeout_ms"));
  EXPECT_THAT(ErrorOf(WithHeader("[server]\nmax_connections = 0\n")),
              HasSubstr("server.max_connections"));
  EXPECT_THAT(ErrorOf(WithHeader("[[server.connection]]\n"
                                 "partial_flight_bytes = 0\n")),
              HasSubstr("partial_flight_bytes"));
}

TEST(ParseScenarioErrors, StringsAndListsAreBounded) {
  EXPECT_THAT(ErrorOf(WithHeader(absl::StrCat(
                  "references = [\"", std::string(kMaxReferenceBytes + 1, 'r'),
                  "\"]\n"))),
              StartsWith("t.toml:7:15: references[0]: expected at most"));
  std::string long_title(kHeader);
  long_title.replace(long_title.find("A title"), 7,
                     std::string(kMaxTitleBytes + 1, 'x'));
  EXPECT_THAT(ErrorOf(long_title), StartsWith("t.toml:2:9: title: expected at "
                                              "most 200 bytes"));
  EXPECT_THAT(ErrorOf(WithHeader(absl::StrCat(
                  "[[server.connection]]\nstarttls_reply = \"",
                  std::string(kMaxRawReplyBytes + 1, 'x'), "\"\n"))),
              HasSubstr("starttls_reply: expected at most"));
  std::string connections;
  for (std::size_t i = 0; i <= kMaxConnections; ++i) {
    connections += "[[server.connection]]\n";
  }
  EXPECT_THAT(ErrorOf(WithHeader(connections)),
              AllOf(StartsWith(absl::StrCat("t.toml:", 7 + kMaxConnections,
                                            ":1: ")),
                    HasSubstr("server.connection: expected at most 16")));
  std::string overrides = "[[server.connection]]\n";
  for (std::size_t i = 0; i <= kMaxReplyOverrides; ++i) {
    overrides += "[[server.connection.reply_override]]\nverb = \"X\"\nraw = \"\"\n";
  }
  EXPECT_THAT(ErrorOf(WithHeader(overrides)),
              HasSubstr("reply_override: expected at most 32"));
  EXPECT_THAT(ErrorOf(WithHeader("[[server.connection]]\n"
                                 "capabilities = [\"A\\r\\nB\"]\n")),
              HasSubstr("expected a single line"));
  EXPECT_THAT(ErrorOf(WithHeader("[[server.connection]]\n"
                                 "[[server.connection.delay]]\n"
                                 "verb = \"mail\"\ndelay_ms = 5\n")),
              HasSubstr("expected an upper-case command verb"));
  std::string empty_tags(kHeader);
  empty_tags.replace(empty_tags.find("[\"t\"]"), 5, "[]");
  EXPECT_THAT(ErrorOf(empty_tags), StartsWith("t.toml:4:8: tags: expected at "
                                              "least one tag"));
  std::string dup_tags(kHeader);
  dup_tags.replace(dup_tags.find("[\"t\"]"), 5, "[\"t\", \"t\"]");
  EXPECT_THAT(ErrorOf(dup_tags), HasSubstr("duplicate tag"));
}

TEST(ParseScenarioErrors, FileSizeIsCapped) {
  std::string big = WithHeader("# ");
  big.append(kMaxFileBytes, 'x');
  EXPECT_THAT(ErrorOf(big), HasSubstr("262144-byte limit for a scenario file"));
}

TEST(ParseScenarioErrors, ExpectationMustFitTheKind) {
  EXPECT_THAT(ErrorOf(WithHeader("[expect]\nrequire-tls = \"deliver-tls\"\n")),
              StartsWith("t.toml:8:15: expect.require-tls: \"deliver-tls\" is "
                         "only for kind = \"control\""));
  std::string control(kHeader);
  control.replace(control.find("\"attack\""), 8, "\"control\"");
  control += "[expect]\nopportunistic = \"unrestricted\"\n";
  EXPECT_THAT(ErrorOf(control),
              StartsWith("t.toml:8:17: expect.opportunistic: a control must "
                         "expect \"deliver-tls\""));
}

TEST(ParseScenarioErrors, NoInputEscapesAsAnException) {
  // Every prefix of a file using most of the syntax: each must come back as
  // a value (ok or an error with a position), never as a crash or a throw.
  const std::string text = WithHeader(
      "timeout_ms = 5000\n[expect]\nopportunistic = \"stay-encrypted\"\n"
      "[server]\nmax_connections = 2\n[[server.connection]]\n"
      "capabilities = [\"A\", 'B']\nstarttls_reply = \"220 \\u00e9\\r\\n\"\n"
      "[[server.connection.delay]]\nverb = \"EHLO\"\ndelay_ms = 1\n");
  ASSERT_TRUE(ParseScenario(text, "t.toml").ok());
  for (std::size_t n = 0; n < text.size(); ++n) {
    auto parsed = ParseScenario(text.substr(0, n), "t.toml");
    if (!parsed.ok()) {
      EXPECT_THAT(std::string(parsed.status().message()),
                  StartsWith("t.toml:"));
    }
  }
}

TEST(ParseScenarioErrors, EveryErrorOfAFileInFileOrder) {
  // Three independent mistakes in three places: all are reported, one per
  // line, in the order they appear in the file.
  const std::string msg = ErrorOf(
      "id = \"t/x\"\n"
      "title = \"A title\"\n"
      "description = \"What is tested.\"\n"
      "tags = [\"t\"]\n"
      "severity = \"loud\"\n"
      "kind = \"attack\"\n"
      "timeout_ms = 5\n"
      "[[server.connection]]\n"
      "handshake_fault = \"explode\"\n");
  const std::vector<std::string> lines = absl::StrSplit(msg, '\n');
  ASSERT_EQ(lines.size(), 3u) << msg;
  EXPECT_THAT(lines[0], StartsWith("t.toml:5:12: severity: expected one of"));
  EXPECT_THAT(lines[1], StartsWith("t.toml:7:14: timeout_ms: expected"));
  EXPECT_THAT(lines[2],
              StartsWith("t.toml:9:19: server.connection[0].handshake_fault"));
}

TEST(ParseScenarioErrors, MisspeltKeyGetsTheNearestKnownKey) {
  EXPECT_THAT(ErrorOf(WithHeader("severty = \"high\"\n")),
              HasSubstr("t.toml:7:1: unknown key \"severty\" in the top "
                        "level; did you mean \"severity\"?"));
  EXPECT_THAT(ErrorOf(WithHeader(
                  "[[server.connection]]\nhandshake_falut = \"stall\"\n")),
              HasSubstr("did you mean \"handshake_fault\"?"));
  // Not a typo of anything: the allowed keys are listed instead.
  const std::string other = ErrorOf(WithHeader("colour = 1\n"));
  EXPECT_THAT(other, Not(HasSubstr("did you mean")));
  EXPECT_THAT(other, HasSubstr("expected one of: \"id\""));
}

TEST(ParseScenarioErrors, QuotedTextIsEscaped) {
  // A key (any UTF-8 in quotes) and a source name with control characters:
  // nothing reaches the message raw.
  auto parsed =
      ParseScenario(WithHeader("\"a\\u001b[2J\\u009b\" = 1\n"), "t\x1b.toml");
  ASSERT_FALSE(parsed.ok());
  const std::string msg(parsed.status().message());
  EXPECT_THAT(
      msg, HasSubstr("t\\x1b.toml:7:1: unknown key \"a\\x1b[2J\\xc2\\x9b\""));
  EXPECT_EQ(msg.find('\x1b'), std::string::npos);
}

TEST(LoadScenarioFile, MissingFileIsNotFound) {
  auto loaded = LoadScenarioFile("/nonexistent/gauntlet/x.toml");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(loaded.status().message()),
              HasSubstr("/nonexistent/gauntlet/x.toml"));
}

}  // namespace
}  // namespace gauntlet::scenario
