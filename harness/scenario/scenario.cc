#include "harness/scenario/scenario.h"

#include <algorithm>
#include <array>
#include <optional>
#include <span>
#include <string_view>

#include "harness/scenario/name_table.h"

namespace gauntlet::scenario {
namespace {

constexpr std::array<Policy, kPolicyCount> kPolicies = {
    Policy::kRequireTls, Policy::kRequireTlsNoVerify, Policy::kOpportunistic};
constexpr std::array<Expectation, 4> kExpectations = {
    Expectation::kDeliverTls, Expectation::kStaySecure,
    Expectation::kStayEncrypted, Expectation::kUnrestricted};
constexpr std::array<Severity, 5> kSeverities = {
    Severity::kCritical, Severity::kHigh, Severity::kMedium, Severity::kLow,
    Severity::kInfo};
constexpr std::array<ScenarioKind, 2> kKinds = {ScenarioKind::kAttack,
                                                ScenarioKind::kControl};

}  // namespace

std::string_view PolicyName(Policy policy) {
  switch (policy) {
    case Policy::kRequireTls: return "require-tls";
    case Policy::kRequireTlsNoVerify: return "require-tls-no-verify";
    case Policy::kOpportunistic: return "opportunistic";
  }
  return "unknown";
}
std::optional<Policy> PolicyFromName(std::string_view name) {
  return internal::FromName<Policy>(kPolicies, PolicyName, name);
}
std::span<const Policy> AllPolicies() { return kPolicies; }

std::string_view ExpectationName(Expectation expectation) {
  switch (expectation) {
    case Expectation::kDeliverTls: return "deliver-tls";
    case Expectation::kStaySecure: return "stay-secure";
    case Expectation::kStayEncrypted: return "stay-encrypted";
    case Expectation::kUnrestricted: return "unrestricted";
  }
  return "unknown";
}
std::optional<Expectation> ExpectationFromName(std::string_view name) {
  return internal::FromName<Expectation>(kExpectations, ExpectationName, name);
}
std::span<const Expectation> AllExpectations() { return kExpectations; }

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kCritical: return "critical";
    case Severity::kHigh: return "high";
    case Severity::kMedium: return "medium";
    case Severity::kLow: return "low";
    case Severity::kInfo: return "info";
  }
  return "unknown";
}
std::optional<Severity> SeverityFromName(std::string_view name) {
  return internal::FromName<Severity>(kSeverities, SeverityName, name);
}
std::span<const Severity> AllSeverities() { return kSeverities; }

std::string_view ScenarioKindName(ScenarioKind kind) {
  switch (kind) {
    case ScenarioKind::kAttack: return "attack";
    case ScenarioKind::kControl: return "control";
  }
  return "unknown";
}
std::optional<ScenarioKind> ScenarioKindFromName(std::string_view name) {
  return internal::FromName<ScenarioKind>(kKinds, ScenarioKindName, name);
}
std::span<const ScenarioKind> AllScenarioKinds() { return kKinds; }

Expectation DefaultExpectation(ScenarioKind kind, Policy policy) {
  // A control is a good server: every policy must get the message through.
  if (kind == ScenarioKind::kControl) return Expectation::kDeliverTls;
  switch (policy) {
    case Policy::kRequireTls: return Expectation::kStaySecure;
    case Policy::kRequireTlsNoVerify: return Expectation::kStayEncrypted;
    case Policy::kOpportunistic: return Expectation::kUnrestricted;
  }
  return Expectation::kStaySecure;
}

Expectation Scenario::ExpectationFor(Policy policy) const {
  const auto index = static_cast<std::size_t>(policy);
  // An out-of-range value can only come from a cast; judge it strictly.
  if (index >= expectations.size()) return Expectation::kStaySecure;
  return expectations[index];
}

bool Scenario::HasTag(std::string_view tag) const {
  return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

}  // namespace gauntlet::scenario
