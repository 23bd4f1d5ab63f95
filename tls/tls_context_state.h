// Internals shared by tls_context.cc and tls_session.cc; not part of the
// public API. It exposes wolfSSL types, so only the engine's own .cc files
// include it (after <wolfssl/options.h>).

#ifndef GAUNTLET_TLS_TLS_CONTEXT_STATE_H_
#define GAUNTLET_TLS_TLS_CONTEXT_STATE_H_

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include <string>

#include "tls/tls_context.h"

namespace gauntlet::tls {

struct TlsContext::State {
  ~State();
  WOLFSSL_CTX* ctx = nullptr;
  TlsContextConfig config;
  std::string cipher_list;
};

namespace internal {

// wolfSSL_Init exactly once per process.
void EnsureWolfSslInitialized();

// The client verify callback (tls_session.cc): records each verification
// error on the session and overrides date errors when the context says so.
int VerifyCallback(int preverify_ok, WOLFSSL_X509_STORE_CTX* store);

}  // namespace internal
}  // namespace gauntlet::tls

#endif  // GAUNTLET_TLS_TLS_CONTEXT_STATE_H_
