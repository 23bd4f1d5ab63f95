// The catalogue of rules a client run is judged by: stable ids, what each
// forbids, how to fix a client that breaks it, and the RFC or CVE behind it.
//
// Ids are part of Gauntlet's interface: reports, baselines and tests refer to
// them, so they never change meaning. Universal rules apply under every
// client policy; the others depend on the scenario's expectation (see
// verdict.h). The order of AllRules() is the order violations are listed in
// a verdict: the most damaging first.

#ifndef GAUNTLET_HARNESS_VERDICT_RULES_H_
#define GAUNTLET_HARNESS_VERDICT_RULES_H_

#include <span>
#include <string_view>

namespace gauntlet::verdict {

// Expectation-dependent rules.
inline constexpr std::string_view kRuleNeverIssuedStarttls =
    "never-issued-starttls";
inline constexpr std::string_view kRulePlaintextAuth = "plaintext-auth";
inline constexpr std::string_view kRulePlaintextMessage = "plaintext-message";
inline constexpr std::string_view kRulePlaintextMail = "plaintext-mail";
inline constexpr std::string_view kRuleAcceptedBadCertificate =
    "accepted-bad-certificate";
inline constexpr std::string_view kRuleAcceptedWeakTls = "accepted-weak-tls";
inline constexpr std::string_view kRuleNoDeliveryOverTls =
    "no-delivery-over-tls";
// Universal rules.
inline constexpr std::string_view kRuleActedOnInjectedBytes =
    "acted-on-injected-bytes";
inline constexpr std::string_view kRuleProceededWithoutReply =
    "proceeded-without-reply";
inline constexpr std::string_view kRuleStarttlsPipelining =
    "starttls-pipelining";
inline constexpr std::string_view kRulePlaintextAfterStarttlsAccepted =
    "plaintext-after-starttls-accepted";
inline constexpr std::string_view kRuleStarttlsInsideTls =
    "starttls-inside-tls";
inline constexpr std::string_view kRuleStaleCapabilities =
    "stale-capabilities";
inline constexpr std::string_view kRuleNoEhloAfterTls = "no-ehlo-after-tls";
inline constexpr std::string_view kRuleHang = "hang";

struct Rule {
  std::string_view id;
  // What the rule forbids, one line (for reports and --list-rules).
  std::string_view description;
  // The default advice; a violation may give a more specific one.
  std::string_view fix;
  std::string_view reference;
  // Applies under every policy, whatever the expectation.
  bool universal = false;
};

// Every rule, most damaging first.
std::span<const Rule> AllRules();
// nullptr for an unknown id.
const Rule* FindRule(std::string_view id);
// Position in AllRules() (unknown ids sort last).
int RuleRank(std::string_view id);

}  // namespace gauntlet::verdict

#endif  // GAUNTLET_HARNESS_VERDICT_RULES_H_
