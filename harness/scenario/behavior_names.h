// Kebab-case names for the enums of fake_servers/behavior.h.
//
// Scenario files, reports and the CLI all spell the server's misbehaviour
// switches the same way ("close-before-handshake", "tls11-only", ...); this
// is the one table of those spellings. The All*() lists let tests and tools
// enumerate every value (e.g. to check that each handshake fault appears in
// at least one scenario). Certificate profile and key type names live with
// their enums in fake_servers/pki/cert_profile.h.

#ifndef GAUNTLET_HARNESS_SCENARIO_BEHAVIOR_NAMES_H_
#define GAUNTLET_HARNESS_SCENARIO_BEHAVIOR_NAMES_H_

#include <optional>
#include <span>
#include <string_view>

#include "fake_servers/behavior.h"

namespace gauntlet::scenario {

std::string_view AfterStarttlsName(fake::AfterStarttls value);
std::optional<fake::AfterStarttls> AfterStarttlsFromName(std::string_view name);
std::span<const fake::AfterStarttls> AllAfterStarttls();

std::string_view HandshakeFaultName(fake::HandshakeFault value);
std::optional<fake::HandshakeFault> HandshakeFaultFromName(
    std::string_view name);
std::span<const fake::HandshakeFault> AllHandshakeFaults();

std::string_view TlsVersionsName(fake::TlsVersions value);
std::optional<fake::TlsVersions> TlsVersionsFromName(std::string_view name);
std::span<const fake::TlsVersions> AllTlsVersions();

std::string_view CipherPolicyName(fake::CipherPolicy value);
std::optional<fake::CipherPolicy> CipherPolicyFromName(std::string_view name);
std::span<const fake::CipherPolicy> AllCipherPolicies();

std::string_view PhaseName(fake::Phase value);
std::optional<fake::Phase> PhaseFromName(std::string_view name);
std::span<const fake::Phase> AllPhases();

}  // namespace gauntlet::scenario

#endif  // GAUNTLET_HARNESS_SCENARIO_BEHAVIOR_NAMES_H_
