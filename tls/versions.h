// Which TLS versions and which cipher suites a TLS context speaks, as the
// two small choices the TLS engine offers (tls_context.h turns them into
// wolfSSL settings).
//
// They are the engine's own types: the fake server's misbehaviour switches
// (fake_servers/behavior.h) name them for a scenario's `tls_versions` and
// `cipher_policy` (docs/scenario-format.md), and the reference client and
// the proxy use them directly, but the engine depends on none of those.

#ifndef GAUNTLET_TLS_VERSIONS_H_
#define GAUNTLET_TLS_VERSIONS_H_

namespace gauntlet::tls {

// Which TLS versions a context accepts.
enum class Versions {
  kDefault,    // TLS 1.2 and TLS 1.3.
  kTls13Only,  // TLS 1.3 only.
  kTls12Only,  // TLS 1.2 only.
  kTls11Only,  // TLS 1.1 only: a client that requires 1.2+ must refuse.
};

// Which cipher suites a context offers.
enum class CipherSet {
  kDefault,   // Modern AEAD suites (TLS 1.3 suites first).
  kWeakOnly,  // Only a weak suite (3DES, as wolfSSL allows), TLS 1.2 at most.
};

}  // namespace gauntlet::tls

#endif  // GAUNTLET_TLS_VERSIONS_H_
