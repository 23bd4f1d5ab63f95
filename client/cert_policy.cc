#include "client/cert_policy.h"

// wolfSSL's options.h must come before any other wolfSSL header.
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/openssl/evp.h>
#include <wolfssl/wolfcrypt/asn.h>

#include <memory>

#include "absl/strings/str_cat.h"

namespace gauntlet::client {
namespace {

struct X509Free {
  void operator()(WOLFSSL_X509* x) const { wolfSSL_X509_free(x); }
};
struct PkeyFree {
  void operator()(WOLFSSL_EVP_PKEY* k) const { wolfSSL_EVP_PKEY_free(k); }
};

}  // namespace

absl::Status CheckLeafCertificate(absl::string_view leaf_der,
                                  const LeafPolicy& policy) {
  if (leaf_der.empty() || leaf_der.size() > (1u << 20)) {
    return absl::InvalidArgumentError("no usable server certificate");
  }
  std::unique_ptr<WOLFSSL_X509, X509Free> cert(
      wolfSSL_X509_load_certificate_buffer(
          reinterpret_cast<const unsigned char*>(leaf_der.data()),
          static_cast<int>(leaf_der.size()), WOLFSSL_FILETYPE_ASN1));
  if (cert == nullptr) {
    return absl::InvalidArgumentError("cannot parse the server certificate");
  }

  switch (wolfSSL_X509_get_signature_nid(cert.get())) {
    case NID_sha1WithRSAEncryption:
    case NID_sha1WithRSA:
    case NID_ecdsa_with_SHA1:
    case NID_dsaWithSHA1:
    case NID_md5WithRSAEncryption:
      return absl::PermissionDeniedError(
          "the certificate is signed with SHA-1 or MD5 (deprecated, "
          "collision-prone)");
    default:
      break;
  }

  std::unique_ptr<WOLFSSL_EVP_PKEY, PkeyFree> key(
      wolfSSL_X509_get_pubkey(cert.get()));
  if (key != nullptr && wolfSSL_EVP_PKEY_base_id(key.get()) == EVP_PKEY_RSA) {
    const int bits = wolfSSL_EVP_PKEY_bits(key.get());
    if (bits < kMinRsaBits) {
      return absl::PermissionDeniedError(
          absl::StrCat("the certificate's RSA key has ", bits,
                       " bits (at least ", kMinRsaBits, " required)"));
    }
  }

  if (policy.require_san &&
      wolfSSL_X509_get_ext_by_NID(cert.get(), NID_subject_alt_name, -1) < 0) {
    return absl::PermissionDeniedError(
        "the certificate has no subjectAltName; a host name only in the "
        "subject CN is not accepted (RFC 6125 s6.4.4)");
  }
  return absl::OkStatus();
}

}  // namespace gauntlet::client
