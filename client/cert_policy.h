// Checks the reference client applies to the server's leaf certificate on
// top of what the TLS engine verifies (chain, dates, host name).
//
// wolfSSL accepts three things a modern verifier must not: a host name
// carried only in the subject CN with no subjectAltName (RFC 6125 §6.4.4),
// an RSA key below 2048 bits, and a SHA-1 or MD5 signature. The client
// runs these checks right after the handshake, before it sends anything
// inside TLS, whenever it verifies certificates. Pure: DER in, Status out.

#ifndef GAUNTLET_CLIENT_CERT_POLICY_H_
#define GAUNTLET_CLIENT_CERT_POLICY_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace gauntlet::client {

// RSA keys below this many bits are refused (NIST SP 800-131A, CA/B BR).
inline constexpr int kMinRsaBits = 2048;

struct LeafPolicy {
  // Require a subjectAltName extension (off with the no-hostname-check flaw,
  // which skips every host name check).
  bool require_san = true;
};

// OK, or kPermissionDenied naming what is wrong with the leaf (or
// kInvalidArgument when the DER cannot be parsed).
absl::Status CheckLeafCertificate(absl::string_view leaf_der,
                                  const LeafPolicy& policy);

}  // namespace gauntlet::client

#endif  // GAUNTLET_CLIENT_CERT_POLICY_H_
