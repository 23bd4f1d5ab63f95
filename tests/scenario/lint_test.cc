// Tests for the scenario warnings: what `gauntlet validate` says about a
// valid file that tests less than it should.

#include "harness/scenario/lint.h"

#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fake_servers/behavior.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/scenario/loader.h"
#include "harness/scenario/scenario.h"

namespace gauntlet::scenario {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

Scenario Parse(std::string_view rest, std::string_view kind = "attack") {
  const std::string text = absl::StrCat(
      "id = \"t/x\"\ntitle = \"T\"\ndescription = \"D\"\ntags = [\"t\"]\n"
      "severity = \"low\"\nkind = \"",
      std::string(kind), "\"\n", std::string(rest));
  absl::StatusOr<Scenario> parsed = ParseScenario(text, "t.toml");
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *std::move(parsed) : Scenario{};
}

TEST(OffersAuthInPlaintext, ReadsCapabilitiesRefusalsAndEhloOverrides) {
  fake::ConnectionBehavior c;
  EXPECT_FALSE(OffersAuthInPlaintext(c));  // The good server's list.
  c.capabilities = AttackPlaintextCapabilities();
  EXPECT_TRUE(OffersAuthInPlaintext(c));
  c.capabilities = {"STARTTLS", "auth=LOGIN"};
  EXPECT_TRUE(OffersAuthInPlaintext(c));
  c.capabilities = {"AUTHX PLAIN"};
  EXPECT_FALSE(OffersAuthInPlaintext(c));
  c.capabilities = AttackPlaintextCapabilities();
  c.refuse_ehlo = true;
  EXPECT_FALSE(OffersAuthInPlaintext(c));
  c.refuse_ehlo = false;
  // An EHLO override that applies in plaintext replaces the list.
  c.reply_overrides.push_back({"EHLO", "554 no\r\n", fake::Phase::kPlaintext});
  EXPECT_FALSE(OffersAuthInPlaintext(c));
  c.reply_overrides[0].raw = "250-mx\r\n250-SIZE 1\r\n250 AUTH PLAIN\r\n";
  EXPECT_TRUE(OffersAuthInPlaintext(c));
  c.reply_overrides[0].raw = "250-mx\r\n250 STARTTLS\r\n";
  EXPECT_FALSE(OffersAuthInPlaintext(c));
  // One that applies only inside TLS does not.
  c.reply_overrides[0].phase = fake::Phase::kTls;
  EXPECT_TRUE(OffersAuthInPlaintext(c));
}

TEST(ScenarioWarnings, TheDefaultAttackAndControlAreClean) {
  EXPECT_THAT(ScenarioWarnings(Parse("")), IsEmpty());
  EXPECT_THAT(ScenarioWarnings(Parse("", "control")), IsEmpty());
}

TEST(ScenarioWarnings, AnAttackWithoutAuthInPlaintextNeedsAReason) {
  const std::string strip =
      "[[server.connection]]\n"
      "cert = \"expired\"\n"
      "[[server.connection]]\n"
      "capabilities = [\"SIZE 1\"]\n";
  const std::vector<std::string> warnings = ScenarioWarnings(Parse(strip));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], StartsWith("t.toml: warning: t/x: the plaintext "
                                      "EHLO reply of server.connection[1] "
                                      "offers no AUTH"));
  EXPECT_THAT(warnings[0], HasSubstr("no_auth_reason"));
  EXPECT_THAT(
      ScenarioWarnings(
          Parse("no_auth_reason = \"a client without credentials\"\n" + strip)),
      IsEmpty());
  EXPECT_THAT(ScenarioWarnings(Parse("[[server.connection]]\n"
                                     "refuse_ehlo = true\n")),
              ElementsAre(HasSubstr("server.connection[0] offers no AUTH")));
  // A reason where AUTH is offered is stale.
  EXPECT_THAT(ScenarioWarnings(Parse("no_auth_reason = \"none\"\n")),
              ElementsAre(HasSubstr("remove the stale reason")));
}

TEST(ScenarioWarnings, ProbesNeedProbeTextAndWaitsATimeoutReason) {
  EXPECT_THAT(ScenarioWarnings(Parse("[[server.connection]]\n"
                                     "inject_after_starttls_reply = \"x\"\n")),
              ElementsAre(HasSubstr("has no probe text")));
  EXPECT_THAT(ScenarioWarnings(Parse("probe = \"p\"\n"
                                     "[[server.connection]]\n"
                                     "ignore_ehlo_in_tls = true\n")),
              ElementsAre(HasSubstr("holds back a reply but gives no "
                                    "timeout_reason")));
  EXPECT_THAT(ScenarioWarnings(Parse("probe = \"p\"\n"
                                     "timeout_reason = \"r\"\n"
                                     "[[server.connection]]\n"
                                     "[[server.connection.delay]]\n"
                                     "verb = \"EHLO\"\n"
                                     "delay_ms = 100\n")),
              IsEmpty());
  EXPECT_THAT(ScenarioWarnings(Parse("timeout_ms = 1000\n")),
              ElementsAre(HasSubstr("sets timeout_ms but gives no "
                                    "timeout_reason")));
}

}  // namespace
}  // namespace gauntlet::scenario
