#include "fake_servers/server/tls_context_cache.h"

#include <memory>
#include <mutex>
#include <utility>

#include "common/status_macros.h"
#include "fake_servers/pki/served_chain.h"

namespace gauntlet::fake::server {

TlsContextCache::TlsContextCache(std::shared_ptr<const pki::TestPki> pki)
    : pki_(std::move(pki)) {}

absl::StatusOr<std::shared_ptr<const tls::TlsContext>> TlsContextCache::Get(
    const ConnectionBehavior& behavior) {
  const Key key{behavior.cert, behavior.key_type, behavior.tls_versions,
                behavior.cipher_policy};
  std::lock_guard<std::mutex> lock(mu_);
  auto it = contexts_.find(key);
  if (it != contexts_.end()) return it->second;
  GAUNTLET_ASSIGN_OR_RETURN(std::shared_ptr<const tls::TlsContext> context,
                            Make(behavior));
  contexts_.emplace(key, context);
  return context;
}

absl::StatusOr<std::shared_ptr<const tls::TlsContext>> TlsContextCache::Make(
    const ConnectionBehavior& behavior) const {
  GAUNTLET_ASSIGN_OR_RETURN(pki::ServedChain chain,
                            pki_->Chain(behavior.cert, behavior.key_type));
  tls::TlsContextConfig config;
  config.role = tls::Role::kServer;
  config.versions = behavior.tls_versions;
  config.ciphers = behavior.cipher_policy;
  config.cert_chain_pem = chain.chain_pem;
  config.private_key_pem = chain.key_pem;
  GAUNTLET_ASSIGN_OR_RETURN(tls::TlsContext context,
                            tls::TlsContext::Create(config));
  return std::make_shared<const tls::TlsContext>(std::move(context));
}

}  // namespace gauntlet::fake::server
