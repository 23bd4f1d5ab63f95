// One entry of Gauntlet's scenario catalogue, as loaded from a TOML file.
//
// A scenario pairs a fake server's misbehaviour (fake::ServerBehavior, the
// switches the fake SMTP server reads) with what a client must do about it
// under each client policy (the Expectation per Policy), plus the prose a
// person needs to learn from the result. The file format is documented in
// docs/scenario-format.md; harness/scenario/loader.h turns files into these
// values and harness/scenario/catalog.h collects them.

#ifndef GAUNTLET_HARNESS_SCENARIO_SCENARIO_H_
#define GAUNTLET_HARNESS_SCENARIO_SCENARIO_H_

#include <array>
#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fake_servers/behavior.h"

namespace gauntlet::scenario {

// How the client under test was configured to treat TLS.
enum class Policy {
  kRequireTls,          // "require-tls": TLS with a verified certificate.
  kRequireTlsNoVerify,  // "require-tls-no-verify": TLS, certificate unchecked.
  kOpportunistic,       // "opportunistic": TLS when it works, else plaintext.
};
inline constexpr std::size_t kPolicyCount = 3;

// What a client following one policy must do in one scenario.
enum class Expectation {
  // Must deliver the message over TLS (controls).
  kDeliverTls,
  // Must never send protected data in plaintext nor go on inside a TLS
  // session it should have refused (bad certificate, TLS 1.1, weak suite).
  kStaySecure,
  // Must never send protected data in plaintext; the certificate is not
  // judged.
  kStayEncrypted,
  // Plaintext and any certificate are allowed (reported as notes).
  kUnrestricted,
};

enum class Severity { kCritical, kHigh, kMedium, kLow, kInfo };

enum class ScenarioKind {
  kAttack,   // A hostile or broken server: the client must stay safe.
  kControl,  // A good server: the client must deliver over TLS.
};

std::string_view PolicyName(Policy policy);
std::optional<Policy> PolicyFromName(std::string_view name);
std::span<const Policy> AllPolicies();

std::string_view ExpectationName(Expectation expectation);
std::optional<Expectation> ExpectationFromName(std::string_view name);
std::span<const Expectation> AllExpectations();

std::string_view SeverityName(Severity severity);
std::optional<Severity> SeverityFromName(std::string_view name);
std::span<const Severity> AllSeverities();

std::string_view ScenarioKindName(ScenarioKind kind);
std::optional<ScenarioKind> ScenarioKindFromName(std::string_view name);
std::span<const ScenarioKind> AllScenarioKinds();

// What a policy must do when a file's [expect] table leaves it out.
Expectation DefaultExpectation(ScenarioKind kind, Policy policy);

struct Scenario {
  // The path under the catalogue directory without ".toml", e.g.
  // "strip/capability-removed".
  std::string id;
  std::string title;
  std::string description;
  std::vector<std::string> references;
  std::vector<std::string> tags;
  Severity severity = Severity::kMedium;
  ScenarioKind kind = ScenarioKind::kAttack;
  // Overrides the runner's per-client timeout for this scenario.
  std::optional<std::chrono::milliseconds> timeout;
  // Why the client's limit is what it is (`timeout_reason`): how long an
  // honest client may wait here and why, shown by `gauntlet show`.
  std::string timeout_reason;
  // Why an attack scenario's plaintext EHLO reply offers no AUTH
  // (`no_auth_reason`); empty when it offers it, as an attacker would.
  std::string no_auth_reason;
  // For injection and wait probes (`probe`): what the server does and which
  // recorded event proves that the client acted on what it was not sent.
  std::string probe;
  // For a scenario expanded from a sweep file (`[sweep]`): the file's own
  // id and this scenario's value ("sweep/greeting" and "421" for
  // "sweep/greeting/421"); both empty otherwise.
  std::string sweep_file_id;
  std::string sweep_value;
  // Indexed by Policy.
  std::array<Expectation, kPolicyCount> expectations = {
      Expectation::kStaySecure, Expectation::kStayEncrypted,
      Expectation::kUnrestricted};
  fake::ServerBehavior server;
  // The file it was loaded from (or the source name given to the parser).
  std::string source_path;
  // The catalogue directory it was loaded from (LoadCatalog), as given;
  // empty for a file loaded on its own.
  std::string catalog_dir;

  Expectation ExpectationFor(Policy policy) const;
  bool HasTag(std::string_view tag) const;
};

}  // namespace gauntlet::scenario

#endif  // GAUNTLET_HARNESS_SCENARIO_SCENARIO_H_
