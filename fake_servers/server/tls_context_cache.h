// The server's wolfSSL contexts, one per TLS configuration, made once.
//
// Building a WOLFSSL_CTX (parsing the chain and key, installing suites) is
// far more expensive than a connection, and scenarios reuse a handful of
// configurations across many connections, so the server keeps one context
// per (cert profile, key type, versions, cipher policy) for its lifetime.
// Safe to call from any I/O thread.

#ifndef GAUNTLET_FAKE_SERVERS_SERVER_TLS_CONTEXT_CACHE_H_
#define GAUNTLET_FAKE_SERVERS_SERVER_TLS_CONTEXT_CACHE_H_

#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include "absl/status/statusor.h"
#include "fake_servers/behavior.h"
#include "fake_servers/pki/test_pki.h"
#include "fake_servers/transcript.h"
#include "tls/tls_context.h"

namespace gauntlet::fake::server {

// A chain the test PKI built, as the transcript records it (profile name,
// flaws, names, key, signature); t_us left unset. The proxy records its
// forged chain with it too.
ServedCertificate ServedCertificateOf(const pki::ServedChain& chain);

class TlsContextCache {
 public:
  explicit TlsContextCache(std::shared_ptr<const pki::TestPki> pki);

  // The context for the behaviour's TLS settings, made on first use.
  absl::StatusOr<std::shared_ptr<const tls::TlsContext>> Get(
      const ConnectionBehavior& behavior);

  // The chain a context for `behavior` serves, as the transcript records it
  // (profile name, flaws, names, key, signature); t_us left unset.
  absl::StatusOr<ServedCertificate> Certificate(
      const ConnectionBehavior& behavior) const;

 private:
  using Key =
      std::tuple<pki::CertProfile, pki::KeyType, TlsVersions, CipherPolicy>;

  absl::StatusOr<std::shared_ptr<const tls::TlsContext>> Make(
      const ConnectionBehavior& behavior) const;

  std::shared_ptr<const pki::TestPki> pki_;
  std::mutex mu_;
  std::map<Key, std::shared_ptr<const tls::TlsContext>> contexts_;
};

}  // namespace gauntlet::fake::server

#endif  // GAUNTLET_FAKE_SERVERS_SERVER_TLS_CONTEXT_CACHE_H_
