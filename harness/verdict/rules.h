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

#include <optional>
#include <span>
#include <string_view>

#include "harness/scenario/scenario.h"

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
// Robustness: the client waited for a reply until it was stopped. Not a
// security finding: it has its own severity (Rule::severity).
inline constexpr std::string_view kRuleGaveUpLate = "gave-up-late";

// Note ids (findings that do not fail a run; see docs/how-gauntlet-decides.md).
// A capability used though the reply the client should have read did not
// offer it, with no proof of where the client took it from.
inline constexpr std::string_view kNoteCapabilityNotOffered =
    "capability-not-offered";
inline constexpr std::string_view kNoteRefusedAfterHandshake =
    "refused-after-handshake";
inline constexpr std::string_view kNoteHeloFallback = "helo-fallback";
inline constexpr std::string_view kNoteClientSignal = "client-signal";
inline constexpr std::string_view kNoteAttackNotExercised =
    "attack-not-exercised";

struct Rule {
  std::string_view id;
  // What the rule forbids, one line (for reports and --list-rules).
  std::string_view description;
  // The default advice; a violation may give a more specific one.
  std::string_view fix;
  std::string_view reference;
  // Applies under every policy, whatever the expectation.
  bool universal = false;
  // A robustness rule's own severity; unset: a violation takes the
  // scenario's severity.
  std::optional<scenario::Severity> severity = std::nullopt;
};

// Every rule, most damaging first.
std::span<const Rule> AllRules();
// nullptr for an unknown id.
const Rule* FindRule(std::string_view id);
// Position in AllRules() (unknown ids sort last).
int RuleRank(std::string_view id);

}  // namespace gauntlet::verdict

#endif  // GAUNTLET_HARNESS_VERDICT_RULES_H_
