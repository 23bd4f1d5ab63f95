#include "fake_servers/pki/cert_profile.h"

#include <array>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace gauntlet::pki {
namespace {

// One table drives both directions so a name can never map one way only.
constexpr std::array<std::pair<CertProfile, std::string_view>, 16>
    kProfileNames = {{
        {CertProfile::kValid, "valid"},
        {CertProfile::kExpired, "expired"},
        {CertProfile::kExpiredSeconds, "expired-seconds"},
        {CertProfile::kNotYetValid, "not-yet-valid"},
        {CertProfile::kWrongHost, "wrong-host"},
        {CertProfile::kWildcardMismatch, "wildcard-mismatch"},
        {CertProfile::kSelfSigned, "self-signed"},
        {CertProfile::kUnknownRoot, "unknown-root"},
        {CertProfile::kMissingIntermediate, "missing-intermediate"},
        {CertProfile::kCommonNameOnly, "common-name-only"},
        {CertProfile::kLeafIsCa, "leaf-is-ca"},
        {CertProfile::kIntermediateNotCa, "intermediate-not-ca"},
        {CertProfile::kWrongEku, "wrong-eku"},
        {CertProfile::kRsa1024, "rsa-1024"},
        {CertProfile::kSha1Signature, "sha1-signature"},
        {CertProfile::kExpiredIntermediate, "expired-intermediate"},
    }};

constexpr std::array<CertProfile, kProfileNames.size()> kAllProfiles = [] {
  std::array<CertProfile, kProfileNames.size()> all{};
  for (std::size_t i = 0; i < kProfileNames.size(); ++i) {
    all[i] = kProfileNames[i].first;
  }
  return all;
}();

constexpr std::array<std::pair<KeyType, std::string_view>, 2> kKeyNames = {{
    {KeyType::kEcdsaP256, "ecdsa-p256"},
    {KeyType::kRsa2048, "rsa-2048"},
}};

constexpr std::array<KeyType, kKeyNames.size()> kAllKeys = {
    KeyType::kEcdsaP256, KeyType::kRsa2048};

}  // namespace

std::string_view CertProfileName(CertProfile profile) {
  for (const auto& [p, name] : kProfileNames) {
    if (p == profile) return name;
  }
  return "unknown";
}

std::optional<CertProfile> CertProfileFromName(std::string_view name) {
  for (const auto& [p, n] : kProfileNames) {
    if (n == name) return p;
  }
  return std::nullopt;
}

std::span<const CertProfile> AllCertProfiles() { return kAllProfiles; }

std::vector<CertDefect> DefectsOf(CertProfile profile) {
  // Mirrors how test_pki.cc builds each profile.
  switch (profile) {
    case CertProfile::kValid:
      return {};
    case CertProfile::kExpired:
    case CertProfile::kExpiredSeconds:
      return {CertDefect::kExpired};
    case CertProfile::kNotYetValid:
      return {CertDefect::kNotYetValid};
    case CertProfile::kWrongHost:
    case CertProfile::kWildcardMismatch:
      return {CertDefect::kNameMismatch};
    case CertProfile::kSelfSigned:
      return {CertDefect::kSelfSigned};
    case CertProfile::kUnknownRoot:
      return {CertDefect::kUntrustedRoot};
    case CertProfile::kMissingIntermediate:
      return {CertDefect::kMissingIntermediate};
    case CertProfile::kCommonNameOnly:
      return {CertDefect::kCommonNameOnly};
    case CertProfile::kLeafIsCa:
      return {CertDefect::kLeafIsCa};
    case CertProfile::kIntermediateNotCa:
      return {CertDefect::kIntermediateNotCa};
    case CertProfile::kWrongEku:
      return {CertDefect::kWrongEku};
    case CertProfile::kRsa1024:
      return {CertDefect::kWeakKey};
    case CertProfile::kSha1Signature:
      return {CertDefect::kSha1Signature};
    case CertProfile::kExpiredIntermediate:
      return {CertDefect::kExpiredIntermediate};
  }
  return {};
}

std::string_view KeyTypeName(KeyType key) {
  for (const auto& [k, name] : kKeyNames) {
    if (k == key) return name;
  }
  return "unknown";
}

std::optional<KeyType> KeyTypeFromName(std::string_view name) {
  for (const auto& [k, n] : kKeyNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

std::span<const KeyType> AllKeyTypes() { return kAllKeys; }

}  // namespace gauntlet::pki
