// Certificate configurations the fake servers can present.
//
// Modelled on Chromium's EmbeddedTestServer::ServerCertificate and the
// x509-limbo cases. Each profile names what a client that verifies against
// the run's root CA (and the host name `localhost`, or the --server-name)
// will observe. Only kValid must be accepted by a verifying client.

#ifndef GAUNTLET_FAKE_SERVERS_PKI_CERT_PROFILE_H_
#define GAUNTLET_FAKE_SERVERS_PKI_CERT_PROFILE_H_

#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace gauntlet::pki {

enum class CertProfile {
  // Chains via the intermediate to the trusted root; names the host: accepted.
  kValid,
  // Leaf notAfter is days in the past: "certificate has expired".
  kExpired,
  // Leaf notAfter a few seconds before now: expired, catches off-by-slack checks.
  kExpiredSeconds,
  // Leaf notBefore is in the future: "certificate is not yet valid".
  kNotYetValid,
  // SAN names another host (wrong.gauntlet.test): host name mismatch.
  kWrongHost,
  // SAN is *.gauntlet.test, which never matches the host: wildcard mismatch.
  kWildcardMismatch,
  // Self-signed leaf, not in the trust store: "self-signed certificate".
  kSelfSigned,
  // Valid-looking chain to a root the client was not given: unknown issuer.
  kUnknownRoot,
  // Leaf signed by the intermediate, but the server omits the intermediate.
  kMissingIntermediate,
  // Host name only in subject CN, no SAN: rejected by RFC 6125 clients.
  kCommonNameOnly,
  // Leaf with basicConstraints CA:TRUE: a CA certificate used as a leaf.
  kLeafIsCa,
  // Leaf issued by an intermediate that lacks basicConstraints CA:TRUE.
  kIntermediateNotCa,
  // Leaf's extended key usage is clientAuth only: not valid for a server.
  kWrongEku,
  // Leaf with an RSA-1024 key: below every modern minimum key size.
  kRsa1024,
  // Leaf signed with SHA-1: a deprecated signature algorithm.
  kSha1Signature,
  // Leaf still valid but its intermediate expired: the chain is expired.
  kExpiredIntermediate,
};

// One reason a verifying client must reject a profile's chain: what the
// test PKI built into it (RFC 5280 §6, RFC 6125 §6, CA/B baseline
// requirements). kValid has none.
enum class CertDefect {
  kExpired,
  kNotYetValid,
  kNameMismatch,
  kSelfSigned,
  kUntrustedRoot,
  kMissingIntermediate,
  kCommonNameOnly,
  kLeafIsCa,
  kIntermediateNotCa,
  kWrongEku,
  kWeakKey,
  kSha1Signature,
  kExpiredIntermediate,
};

// The defects of a profile's chain, in the order above.
std::vector<CertDefect> DefectsOf(CertProfile profile);

// The leaf's key type, for profiles where the key is not the point.
enum class KeyType {
  kEcdsaP256,  // ECDSA on P-256.
  kRsa2048,    // RSA with a 2048-bit modulus.
};

// Stable kebab-case names used by scenario files and reports ("expired",
// "wrong-host", ...), and back.
std::string_view CertProfileName(CertProfile profile);
std::optional<CertProfile> CertProfileFromName(std::string_view name);
std::span<const CertProfile> AllCertProfiles();

std::string_view KeyTypeName(KeyType key);  // "ecdsa-p256", "rsa-2048"
std::optional<KeyType> KeyTypeFromName(std::string_view name);
std::span<const KeyType> AllKeyTypes();

}  // namespace gauntlet::pki

#endif  // GAUNTLET_FAKE_SERVERS_PKI_CERT_PROFILE_H_
