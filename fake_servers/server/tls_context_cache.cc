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

namespace {

CertFlaw FlawOf(pki::CertDefect defect) {
  switch (defect) {
    case pki::CertDefect::kExpired:
      return CertFlaw::kExpired;
    case pki::CertDefect::kNotYetValid:
      return CertFlaw::kNotYetValid;
    case pki::CertDefect::kNameMismatch:
      return CertFlaw::kNameMismatch;
    case pki::CertDefect::kSelfSigned:
      return CertFlaw::kSelfSigned;
    case pki::CertDefect::kUntrustedRoot:
      return CertFlaw::kUntrustedRoot;
    case pki::CertDefect::kMissingIntermediate:
      return CertFlaw::kMissingIntermediate;
    case pki::CertDefect::kCommonNameOnly:
      return CertFlaw::kCommonNameOnly;
    case pki::CertDefect::kLeafIsCa:
      return CertFlaw::kLeafIsCa;
    case pki::CertDefect::kIntermediateNotCa:
      return CertFlaw::kIntermediateNotCa;
    case pki::CertDefect::kWrongEku:
      return CertFlaw::kWrongEku;
    case pki::CertDefect::kWeakKey:
      return CertFlaw::kWeakKey;
    case pki::CertDefect::kSha1Signature:
      return CertFlaw::kSha1Signature;
    case pki::CertDefect::kExpiredIntermediate:
      return CertFlaw::kExpiredIntermediate;
  }
  return CertFlaw::kSelfSigned;
}

}  // namespace

absl::StatusOr<ServedCertificate> TlsContextCache::Certificate(
    const ConnectionBehavior& behavior) const {
  GAUNTLET_ASSIGN_OR_RETURN(pki::ServedChain chain,
                            pki_->Chain(behavior.cert, behavior.key_type));
  return ServedCertificateOf(chain);
}

ServedCertificate ServedCertificateOf(const pki::ServedChain& chain) {
  ServedCertificate served;
  served.profile = std::string(pki::CertProfileName(chain.profile));
  for (const pki::CertDefect d : chain.defects) {
    served.flaws.push_back(FlawOf(d));
  }
  served.names = chain.dns_names;
  served.key_type = chain.key_name;
  served.key_bits = chain.key_bits;
  served.signature = chain.signature_digest;
  return served;
}

}  // namespace gauntlet::fake::server
