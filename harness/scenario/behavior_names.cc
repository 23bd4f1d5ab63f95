#include "harness/scenario/behavior_names.h"

#include <array>
#include <optional>
#include <span>
#include <string_view>

#include "harness/scenario/name_table.h"

namespace gauntlet::scenario {
namespace {

using fake::AfterStarttls;
using fake::CipherPolicy;
using fake::HandshakeFault;
using fake::Phase;
using fake::TlsVersions;

constexpr std::array<AfterStarttls, 3> kAfterStarttls = {
    AfterStarttls::kHandshake, AfterStarttls::kStayPlaintext,
    AfterStarttls::kClose};
constexpr std::array<HandshakeFault, 8> kHandshakeFaults = {
    HandshakeFault::kNone,
    HandshakeFault::kCloseBeforeHandshake,
    HandshakeFault::kResetBeforeHandshake,
    HandshakeFault::kStall,
    HandshakeFault::kPlaintextInsteadOfServerHello,
    HandshakeFault::kFatalAlert,
    HandshakeFault::kPartialFlightThenClose,
    HandshakeFault::kCloseAfterHandshake};
constexpr std::array<TlsVersions, 4> kTlsVersions = {
    TlsVersions::kDefault, TlsVersions::kTls13Only, TlsVersions::kTls12Only,
    TlsVersions::kTls11Only};
constexpr std::array<CipherPolicy, 2> kCipherPolicies = {
    CipherPolicy::kDefault, CipherPolicy::kWeakOnly};
constexpr std::array<Phase, 3> kPhases = {Phase::kAny, Phase::kPlaintext,
                                          Phase::kTls};

}  // namespace

std::string_view AfterStarttlsName(AfterStarttls value) {
  switch (value) {
    case AfterStarttls::kHandshake: return "handshake";
    case AfterStarttls::kStayPlaintext: return "stay-plaintext";
    case AfterStarttls::kClose: return "close";
  }
  return "unknown";
}
std::optional<AfterStarttls> AfterStarttlsFromName(std::string_view name) {
  return internal::FromName<AfterStarttls>(kAfterStarttls, AfterStarttlsName,
                                           name);
}
std::span<const AfterStarttls> AllAfterStarttls() { return kAfterStarttls; }

std::string_view HandshakeFaultName(HandshakeFault value) {
  switch (value) {
    case HandshakeFault::kNone: return "none";
    case HandshakeFault::kCloseBeforeHandshake: return "close-before-handshake";
    case HandshakeFault::kResetBeforeHandshake: return "reset-before-handshake";
    case HandshakeFault::kStall: return "stall";
    case HandshakeFault::kPlaintextInsteadOfServerHello:
      return "plaintext-instead-of-server-hello";
    case HandshakeFault::kFatalAlert: return "fatal-alert";
    case HandshakeFault::kPartialFlightThenClose:
      return "partial-flight-then-close";
    case HandshakeFault::kCloseAfterHandshake: return "close-after-handshake";
  }
  return "unknown";
}
std::optional<HandshakeFault> HandshakeFaultFromName(std::string_view name) {
  return internal::FromName<HandshakeFault>(kHandshakeFaults,
                                            HandshakeFaultName, name);
}
std::span<const HandshakeFault> AllHandshakeFaults() {
  return kHandshakeFaults;
}

std::string_view TlsVersionsName(TlsVersions value) {
  switch (value) {
    case TlsVersions::kDefault: return "default";
    case TlsVersions::kTls13Only: return "tls13-only";
    case TlsVersions::kTls12Only: return "tls12-only";
    case TlsVersions::kTls11Only: return "tls11-only";
  }
  return "unknown";
}
std::optional<TlsVersions> TlsVersionsFromName(std::string_view name) {
  return internal::FromName<TlsVersions>(kTlsVersions, TlsVersionsName, name);
}
std::span<const TlsVersions> AllTlsVersions() { return kTlsVersions; }

std::string_view CipherPolicyName(CipherPolicy value) {
  switch (value) {
    case CipherPolicy::kDefault: return "default";
    case CipherPolicy::kWeakOnly: return "weak-only";
  }
  return "unknown";
}
std::optional<CipherPolicy> CipherPolicyFromName(std::string_view name) {
  return internal::FromName<CipherPolicy>(kCipherPolicies, CipherPolicyName,
                                          name);
}
std::span<const CipherPolicy> AllCipherPolicies() { return kCipherPolicies; }

std::string_view PhaseName(Phase value) {
  switch (value) {
    case Phase::kAny: return "any";
    case Phase::kPlaintext: return "plaintext";
    case Phase::kTls: return "tls";
  }
  return "unknown";
}
std::optional<Phase> PhaseFromName(std::string_view name) {
  return internal::FromName<Phase>(kPhases, PhaseName, name);
}
std::span<const Phase> AllPhases() { return kPhases; }

}  // namespace gauntlet::scenario
