#include "tls/tls_context.h"

// wolfSSL's build options must precede every other wolfSSL header.
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "tls/tls_context_state.h"

namespace gauntlet::tls {
namespace {

constexpr char kTls13Suites[] =
    "TLS13-AES128-GCM-SHA256:TLS13-AES256-GCM-SHA384:"
    "TLS13-CHACHA20-POLY1305-SHA256";
constexpr char kTls12AeadSuites[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
// TLS 1.1 predates AEAD: CBC with HMAC-SHA1 is all it can use.
constexpr char kTls11CbcSuites[] =
    "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:"
    "ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA";
// The weak suites wolfSSL 5.5.4 (Debian) accepts: 3DES-EDE-CBC with ECDHE.
// (It also builds RC4 and ECDHE-ECDSA-NULL-SHA, but 3DES is what old MTAs
// really negotiate, and it works with both key types.)
constexpr char kWeakSuites[] = "ECDHE-ECDSA-DES-CBC3-SHA:ECDHE-RSA-DES-CBC3-SHA";

int Rank(TlsVersion v) {
  switch (v) {
    case TlsVersion::kTls11: return 1;
    case TlsVersion::kTls12: return 2;
    case TlsVersion::kTls13: return 3;
  }
  return 0;
}

const char* Name(TlsVersion v) {
  switch (v) {
    case TlsVersion::kTls11: return "TLS 1.1";
    case TlsVersion::kTls12: return "TLS 1.2";
    case TlsVersion::kTls13: return "TLS 1.3";
  }
  return "?";
}

std::pair<TlsVersion, TlsVersion> Range(Versions versions) {
  switch (versions) {
    case Versions::kDefault:
      return {TlsVersion::kTls12, TlsVersion::kTls13};
    case Versions::kTls13Only:
      return {TlsVersion::kTls13, TlsVersion::kTls13};
    case Versions::kTls12Only:
      return {TlsVersion::kTls12, TlsVersion::kTls12};
    case Versions::kTls11Only:
      return {TlsVersion::kTls11, TlsVersion::kTls11};
  }
  return {TlsVersion::kTls12, TlsVersion::kTls13};
}

WOLFSSL_METHOD* MethodFor(Role role, TlsVersion min, TlsVersion max) {
  const bool server = role == Role::kServer;
  if (min == max) {
    switch (min) {
      case TlsVersion::kTls11:
        return server ? wolfTLSv1_1_server_method() : wolfTLSv1_1_client_method();
      case TlsVersion::kTls12:
        return server ? wolfTLSv1_2_server_method() : wolfTLSv1_2_client_method();
      case TlsVersion::kTls13:
        return server ? wolfTLSv1_3_server_method() : wolfTLSv1_3_client_method();
    }
  }
  return server ? wolfSSLv23_server_method() : wolfSSLv23_client_method();
}

std::string DerChainToPem(const std::vector<std::string>& ders) {
  std::string pem;
  for (const std::string& der : ders) {
    const std::string b64 = absl::Base64Escape(der);
    pem += "-----BEGIN CERTIFICATE-----\n";
    for (std::size_t i = 0; i < b64.size(); i += 64) {
      pem += b64.substr(i, 64);
      pem += '\n';
    }
    pem += "-----END CERTIFICATE-----\n";
  }
  return pem;
}

std::string WolfError(int code) {
  char buf[WOLFSSL_MAX_ERROR_SZ] = {};
  wolfSSL_ERR_error_string_n(static_cast<unsigned long>(code), buf,
                             sizeof(buf));
  return absl::StrFormat("%s (%d)", buf, code);
}

absl::Status LoadServerIdentity(WOLFSSL_CTX* ctx,
                                const TlsContextConfig& config) {
  std::string pem = config.cert_chain_pem;
  if (pem.empty()) pem = DerChainToPem(config.cert_chain_der);
  if (pem.empty()) {
    return absl::InvalidArgumentError(
        "TLS server context: no certificate chain (cert_chain_pem and "
        "cert_chain_der are both empty)");
  }
  int rc = wolfSSL_CTX_use_certificate_chain_buffer_format(
      ctx, reinterpret_cast<const unsigned char*>(pem.data()),
      static_cast<long>(pem.size()), WOLFSSL_FILETYPE_PEM);
  if (rc != WOLFSSL_SUCCESS) {
    return absl::InvalidArgumentError(absl::StrCat(
        "TLS server context: cannot load the certificate chain: ",
        WolfError(rc)));
  }
  const bool have_pem_key = !config.private_key_pem.empty();
  const std::string& key =
      have_pem_key ? config.private_key_pem : config.private_key_der;
  if (key.empty()) {
    return absl::InvalidArgumentError(
        "TLS server context: no private key (private_key_pem and "
        "private_key_der are both empty)");
  }
  rc = wolfSSL_CTX_use_PrivateKey_buffer(
      ctx, reinterpret_cast<const unsigned char*>(key.data()),
      static_cast<long>(key.size()),
      have_pem_key ? WOLFSSL_FILETYPE_PEM : WOLFSSL_FILETYPE_ASN1);
  if (rc != WOLFSSL_SUCCESS) {
    return absl::InvalidArgumentError(absl::StrCat(
        "TLS server context: cannot load the private key: ", WolfError(rc)));
  }
  rc = wolfSSL_CTX_check_private_key(ctx);
  if (rc != WOLFSSL_SUCCESS) {
    return absl::InvalidArgumentError(absl::StrCat(
        "TLS server context: the private key does not match the leaf "
        "certificate: ",
        WolfError(rc)));
  }
  // The fake servers never ask clients for certificates.
  wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_NONE, nullptr);
  return absl::OkStatus();
}

absl::Status LoadClientTrust(WOLFSSL_CTX* ctx, const TlsContextConfig& config) {
  if (!config.verify_peer) {
    wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_NONE, nullptr);
    return absl::OkStatus();
  }
  if (config.ca_pem.empty() && config.ca_file.empty()) {
    return absl::InvalidArgumentError(
        "TLS client context: verify_peer is set but no trust anchors were "
        "given (ca_pem and ca_file are both empty)");
  }
  // An expired root is only loadable when dates are ignored on purpose.
  const word32 flags = config.ignore_validity_dates
                           ? WOLFSSL_LOAD_FLAG_DATE_ERR_OKAY
                           : WOLFSSL_LOAD_VERIFY_DEFAULT_FLAGS;
  if (!config.ca_pem.empty()) {
    const int rc = wolfSSL_CTX_load_verify_buffer_ex(
        ctx, reinterpret_cast<const unsigned char*>(config.ca_pem.data()),
        static_cast<long>(config.ca_pem.size()), WOLFSSL_FILETYPE_PEM, 0,
        flags);
    if (rc != WOLFSSL_SUCCESS) {
      return absl::InvalidArgumentError(absl::StrCat(
          "TLS client context: cannot load ca_pem: ", WolfError(rc)));
    }
  }
  if (!config.ca_file.empty()) {
    const int rc = wolfSSL_CTX_load_verify_locations_ex(
        ctx, config.ca_file.c_str(), nullptr, flags);
    if (rc != WOLFSSL_SUCCESS) {
      return absl::InvalidArgumentError(
          absl::StrCat("TLS client context: cannot load ca_file ",
                       config.ca_file, ": ", WolfError(rc)));
    }
  }
  wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, &internal::VerifyCallback);
  return absl::OkStatus();
}

}  // namespace

namespace internal {
void EnsureWolfSslInitialized() {
  static std::once_flag once;
  // Never paired with wolfSSL_Cleanup: contexts may live until exit.
  std::call_once(once, [] { wolfSSL_Init(); });
}
}  // namespace internal

std::string CipherListFor(CipherSet ciphers, bool allows_tls11) {
  if (ciphers == CipherSet::kWeakOnly) return kWeakSuites;
  std::string list = absl::StrCat(kTls13Suites, ":", kTls12AeadSuites);
  if (allows_tls11) absl::StrAppend(&list, ":", kTls11CbcSuites);
  return list;
}

TlsContext::State::~State() {
  if (ctx != nullptr) wolfSSL_CTX_free(ctx);
}

absl::StatusOr<TlsContext> TlsContext::Create(const TlsContextConfig& config) {
  internal::EnsureWolfSslInitialized();

  auto [min, max] = Range(config.versions);
  if (config.min_version.has_value()) {
    if (Rank(*config.min_version) > Rank(max)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "TLS context: min_version %s is above the highest allowed version "
          "%s",
          Name(*config.min_version), Name(max)));
    }
    min = *config.min_version;
  }
  if (config.ciphers == CipherSet::kWeakOnly &&
      config.cipher_list_override.empty() && Rank(max) > 2) {
    if (Rank(min) > 2) {
      return absl::InvalidArgumentError(
          "TLS context: cipher policy weak-only needs TLS 1.2 or lower, but "
          "the versions allow only TLS 1.3");
    }
    max = TlsVersion::kTls12;
  }

  auto state = std::make_shared<State>();
  state->config = config;
  state->ctx = wolfSSL_CTX_new(MethodFor(config.role, min, max));
  if (state->ctx == nullptr) {
    return absl::InternalError("TLS context: wolfSSL_CTX_new failed");
  }
  WOLFSSL_CTX* ctx = state->ctx;
  if (min != max) {
    const int wolf_min = min == TlsVersion::kTls11   ? WOLFSSL_TLSV1_1
                         : min == TlsVersion::kTls12 ? WOLFSSL_TLSV1_2
                                                     : WOLFSSL_TLSV1_3;
    int rc = wolfSSL_CTX_SetMinVersion(ctx, wolf_min);
    if (rc != WOLFSSL_SUCCESS) {
      return absl::InternalError(absl::StrCat(
          "TLS context: wolfSSL_CTX_SetMinVersion(", Name(min),
          ") failed: ", WolfError(rc)));
    }
    if (max != TlsVersion::kTls13) {
      rc = wolfSSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
      if (rc != WOLFSSL_SUCCESS) {
        return absl::InternalError(absl::StrCat(
            "TLS context: cannot cap the version at TLS 1.2: ", WolfError(rc)));
      }
    }
  }

  state->cipher_list =
      config.cipher_list_override.empty()
          ? CipherListFor(config.ciphers, min == TlsVersion::kTls11)
          : config.cipher_list_override;
  if (wolfSSL_CTX_set_cipher_list(ctx, state->cipher_list.c_str()) !=
      WOLFSSL_SUCCESS) {
    return absl::InvalidArgumentError(absl::StrCat(
        "TLS context: wolfSSL accepts none of the cipher suites \"",
        state->cipher_list, "\""));
  }

  if (config.role == Role::kServer) {
    GAUNTLET_RETURN_IF_ERROR(LoadServerIdentity(ctx, config));
  } else {
    GAUNTLET_RETURN_IF_ERROR(LoadClientTrust(ctx, config));
  }
  return TlsContext(std::move(state));
}

TlsContext::TlsContext(std::shared_ptr<State> state)
    : state_(std::move(state)) {}
TlsContext::TlsContext(TlsContext&&) noexcept = default;
TlsContext& TlsContext::operator=(TlsContext&&) noexcept = default;
TlsContext::~TlsContext() = default;

Role TlsContext::role() const { return state_->config.role; }
const TlsContextConfig& TlsContext::config() const { return state_->config; }
const std::string& TlsContext::cipher_list() const {
  return state_->cipher_list;
}

}  // namespace gauntlet::tls
