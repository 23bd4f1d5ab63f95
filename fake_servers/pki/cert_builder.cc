#include "fake_servers/pki/cert_builder.h"

// wolfSSL's configuration must precede every other wolfSSL header.
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/rsa.h>
#include <wolfssl/wolfcrypt/wc_port.h>

#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"

namespace gauntlet::pki {
namespace {

// Large enough for any certificate or key made here: the biggest is an
// RSA-2048 leaf (~1.2 KB DER) or a 2048-bit private key (~1.2 KB).
constexpr int kDerBufferSize = 8192;

absl::Status WolfError(absl::string_view what, int code) {
  return absl::InternalError(absl::StrCat(what, " failed: wolfCrypt error ",
                                          code, " (", wc_GetErrorString(code),
                                          ")"));
}

void EnsureWolfCryptInit() {
  static std::once_flag once;
  std::call_once(once, [] { wolfCrypt_Init(); });
}

absl::StatusOr<std::string> DerToPem(const std::string& der, int type,
                                     absl::string_view what) {
  // Base64 grows 4/3, plus a newline per 64 columns and the armour lines.
  std::string pem(der.size() * 2 + 128, '\0');
  const int n = wc_DerToPem(reinterpret_cast<const byte*>(der.data()),
                            static_cast<word32>(der.size()),
                            reinterpret_cast<byte*>(pem.data()),
                            static_cast<word32>(pem.size()), type);
  if (n <= 0) return WolfError(absl::StrCat(what, ": wc_DerToPem"), n);
  pem.resize(static_cast<std::size_t>(n));
  return pem;
}

// Copies `value` into a fixed CertName field, refusing to truncate.
absl::Status SetNameField(char* field, std::size_t capacity,
                          const std::string& value, absl::string_view what) {
  if (value.size() >= capacity) {
    return absl::InvalidArgumentError(
        absl::StrCat("certificate subject ", what, " \"", value, "\" is ",
                     value.size(), " bytes; at most ", capacity - 1,
                     " fit"));
  }
  std::memcpy(field, value.data(), value.size());
  field[value.size()] = '\0';
  return absl::OkStatus();
}

absl::Status SetDate(const absl::Time t, byte* field, int* field_size,
                     absl::string_view what) {
  GAUNTLET_ASSIGN_OR_RETURN(const std::string tlv, EncodeTime(t));
  if (tlv.size() > CTC_DATE_SIZE) {
    return absl::InternalError(absl::StrCat(what, " date encoding too long"));
  }
  std::memcpy(field, tlv.data(), tlv.size());
  *field_size = static_cast<int>(tlv.size());
  return absl::OkStatus();
}

struct CertDeleter {
  void operator()(Cert* cert) const { wc_CertFree(cert); }
};

int SignatureType(Key::Algorithm signer, SignatureDigest digest) {
  if (signer == Key::Algorithm::kEcdsaP256) {
    return digest == SignatureDigest::kSha1 ? CTC_SHAwECDSA : CTC_SHA256wECDSA;
  }
  return digest == SignatureDigest::kSha1 ? CTC_SHAwRSA : CTC_SHA256wRSA;
}

}  // namespace

// ---- Rng --------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<Rng>> Rng::Create() {
  EnsureWolfCryptInit();
  auto rng = std::make_unique<WC_RNG>();
  const int rc = wc_InitRng(rng.get());
  if (rc != 0) return WolfError("wc_InitRng", rc);
  return std::unique_ptr<Rng>(new Rng(rng.release()));
}

Rng::~Rng() {
  wc_FreeRng(rng_);
  delete rng_;
}

// ---- Key --------------------------------------------------------------------

absl::StatusOr<Key> Key::GenerateEcdsaP256(Rng& rng) {
  auto* ecc = new ecc_key;
  int rc = wc_ecc_init(ecc);
  if (rc != 0) {
    delete ecc;
    return WolfError("wc_ecc_init", rc);
  }
  Key key(Algorithm::kEcdsaP256, ecc);  // Owns ecc from here on.
  rc = wc_ecc_make_key_ex(rng.get(), 32, ecc, ECC_SECP256R1);
  if (rc != 0) return WolfError("wc_ecc_make_key_ex(P-256)", rc);
  std::string der(kDerBufferSize, '\0');
  rc = wc_EccKeyToDer(ecc, reinterpret_cast<byte*>(der.data()),
                      static_cast<word32>(der.size()));
  if (rc <= 0) return WolfError("wc_EccKeyToDer", rc);
  der.resize(static_cast<std::size_t>(rc));
  GAUNTLET_ASSIGN_OR_RETURN(key.pem_,
                            DerToPem(der, ECC_PRIVATEKEY_TYPE, "EC key"));
  key.der_ = std::move(der);
  return key;
}

absl::StatusOr<Key> Key::FromRsaDer(const std::string& der) {
  auto* rsa = new RsaKey;
  int rc = wc_InitRsaKey(rsa, nullptr);
  if (rc != 0) {
    delete rsa;
    return WolfError("wc_InitRsaKey", rc);
  }
  Key key(Algorithm::kRsa, rsa);
  word32 index = 0;
  rc = wc_RsaPrivateKeyDecode(reinterpret_cast<const byte*>(der.data()),
                              &index, rsa, static_cast<word32>(der.size()));
  if (rc != 0) return WolfError("wc_RsaPrivateKeyDecode", rc);
  GAUNTLET_ASSIGN_OR_RETURN(key.pem_,
                            DerToPem(der, PRIVATEKEY_TYPE, "RSA key"));
  key.der_ = der;
  return key;
}

Key::Key(Key&& other) noexcept
    : algorithm_(other.algorithm_),
      key_(std::exchange(other.key_, nullptr)),
      der_(std::move(other.der_)),
      pem_(std::move(other.pem_)) {}

Key& Key::operator=(Key&& other) noexcept {
  if (this != &other) {
    Reset();
    algorithm_ = other.algorithm_;
    key_ = std::exchange(other.key_, nullptr);
    der_ = std::move(other.der_);
    pem_ = std::move(other.pem_);
  }
  return *this;
}

Key::~Key() { Reset(); }

void Key::Reset() {
  if (key_ == nullptr) return;
  if (algorithm_ == Algorithm::kEcdsaP256) {
    auto* ecc = static_cast<ecc_key*>(key_);
    wc_ecc_free(ecc);
    delete ecc;
  } else {
    auto* rsa = static_cast<RsaKey*>(key_);
    wc_FreeRsaKey(rsa);
    delete rsa;
  }
  key_ = nullptr;
}

int Key::wolf_type() const {
  return algorithm_ == Algorithm::kEcdsaP256 ? ECC_TYPE : RSA_TYPE;
}

void ReleaseThreadEccCache() {
#ifdef FP_ECC
  wc_ecc_fp_free();
#endif
}

// ---- RSA key cache ----------------------------------------------------------

absl::StatusOr<std::string> CachedRsaKeyDer(int bits) {
  if (bits != 1024 && bits != 2048) {
    return absl::InvalidArgumentError(
        absl::StrCat("RSA key size ", bits, " not offered (1024 or 2048)"));
  }
  // Generation happens under the lock so concurrent first callers wait for
  // one key instead of each making their own.
  static std::mutex mu;
  static std::map<int, std::string>* cache = new std::map<int, std::string>;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache->find(bits); it != cache->end()) return it->second;

  GAUNTLET_ASSIGN_OR_RETURN(std::unique_ptr<Rng> rng, Rng::Create());
  RsaKey rsa;
  int rc = wc_InitRsaKey(&rsa, nullptr);
  if (rc != 0) return WolfError("wc_InitRsaKey", rc);
  rc = wc_MakeRsaKey(&rsa, bits, WC_RSA_EXPONENT, rng->get());
  if (rc != 0) {
    wc_FreeRsaKey(&rsa);
    return WolfError(absl::StrCat("wc_MakeRsaKey(", bits, ")"), rc);
  }
  std::string der(kDerBufferSize, '\0');
  rc = wc_RsaKeyToDer(&rsa, reinterpret_cast<byte*>(der.data()),
                      static_cast<word32>(der.size()));
  wc_FreeRsaKey(&rsa);
  if (rc <= 0) return WolfError("wc_RsaKeyToDer", rc);
  der.resize(static_cast<std::size_t>(rc));
  cache->emplace(bits, der);
  return der;
}

// ---- Certificates -----------------------------------------------------------

absl::StatusOr<std::string> IssueCertificate(const CertSpec& spec,
                                             const Key& subject_key,
                                             const std::optional<Issuer>& issuer,
                                             Rng& rng) {
  const std::string where = absl::StrCat("certificate \"", spec.common_name,
                                         "\" (", spec.unit, ")");
  std::unique_ptr<Cert, CertDeleter> cert(wc_CertNew(nullptr));
  if (cert == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat(where, ": wc_CertNew failed"));
  }
  Cert& c = *cert;
  const Key& signer = issuer.has_value() ? issuer->key : subject_key;
  c.sigType = SignatureType(signer.algorithm(), spec.digest);

  GAUNTLET_RETURN_IF_ERROR(SetNameField(c.subject.commonName,
                                        sizeof(c.subject.commonName),
                                        spec.common_name, "CN"));
  GAUNTLET_RETURN_IF_ERROR(SetNameField(
      c.subject.org, sizeof(c.subject.org), spec.organization, "O"));
  GAUNTLET_RETURN_IF_ERROR(
      SetNameField(c.subject.unit, sizeof(c.subject.unit), spec.unit, "OU"));

  GAUNTLET_RETURN_IF_ERROR(
      SetDate(spec.not_before, c.beforeDate, &c.beforeDateSz, "notBefore"));
  GAUNTLET_RETURN_IF_ERROR(
      SetDate(spec.not_after, c.afterDate, &c.afterDateSz, "notAfter"));

  if (spec.is_ca) {
    c.isCA = 1;
    c.basicConstSet = 1;
    if (spec.path_len.has_value()) {
      c.pathLen = static_cast<byte>(*spec.path_len);
      c.pathLenSet = 1;
    }
  }

  if (!spec.alt_names.empty()) {
    GAUNTLET_ASSIGN_OR_RETURN(const std::string san,
                              EncodeGeneralNames(spec.alt_names));
    if (san.size() > sizeof(c.altNames)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": subjectAltName is ", san.size(),
                       " bytes; at most ", sizeof(c.altNames), " fit"));
    }
    std::memcpy(c.altNames, san.data(), san.size());
    c.altNamesSz = static_cast<int>(san.size());
  }

  int rc = 0;
  if (issuer.has_value()) {
    rc = wc_SetIssuerBuffer(
        &c, reinterpret_cast<const byte*>(issuer->cert_der.data()),
        static_cast<int>(issuer->cert_der.size()));
    if (rc != 0) return WolfError(absl::StrCat(where, ": wc_SetIssuerBuffer"), rc);
  }
  // selfSigned (the wc_InitCert default) makes the issuer name the subject.
  rc = wc_SetSubjectKeyIdFromPublicKey_ex(&c, subject_key.wolf_type(),
                                          subject_key.wolf_key());
  if (rc != 0) return WolfError(absl::StrCat(where, ": set SKID"), rc);
  rc = wc_SetAuthKeyIdFromPublicKey_ex(&c, signer.wolf_type(),
                                       signer.wolf_key());
  if (rc != 0) return WolfError(absl::StrCat(where, ": set AKID"), rc);

  if (!spec.key_usage.empty()) {
    rc = wc_SetKeyUsage(&c, spec.key_usage.c_str());
    if (rc != 0) {
      return WolfError(
          absl::StrCat(where, ": wc_SetKeyUsage(", spec.key_usage, ")"), rc);
    }
  }
  if (!spec.ext_key_usage.empty()) {
    rc = wc_SetExtKeyUsage(&c, spec.ext_key_usage.c_str());
    if (rc != 0) {
      return WolfError(absl::StrCat(where, ": wc_SetExtKeyUsage(",
                                    spec.ext_key_usage, ")"),
                       rc);
    }
  }

  std::string der(kDerBufferSize, '\0');
  auto* buf = reinterpret_cast<byte*>(der.data());
  rc = wc_MakeCert_ex(&c, buf, static_cast<word32>(der.size()),
                      subject_key.wolf_type(), subject_key.wolf_key(),
                      rng.get());
  if (rc < 0) return WolfError(absl::StrCat(where, ": wc_MakeCert_ex"), rc);
  int body_size = c.bodySz;
  if (spec.is_ca) {
    // RFC 5280 4.2.1.9: a CA's basicConstraints MUST be critical; wolfSSL
    // 5.5.4 has no way to say so, so patch the unsigned TBS before signing.
    constexpr std::string_view kBasicConstraintsOid("\x55\x1d\x13", 3);
    auto tbs = MarkExtensionCritical(
        std::string_view(der.data(), static_cast<std::size_t>(body_size)),
        kBasicConstraintsOid);
    if (!tbs.ok()) {
      return absl::InternalError(absl::StrCat(
          where, ": marking basicConstraints critical: ", tbs.status().message()));
    }
    if (tbs->size() > der.size() / 2) {
      return absl::InternalError(absl::StrCat(where, ": TBS too large"));
    }
    std::memcpy(der.data(), tbs->data(), tbs->size());
    body_size = static_cast<int>(tbs->size());
  }
  rc = wc_SignCert_ex(body_size, c.sigType, buf,
                      static_cast<word32>(der.size()), signer.wolf_type(),
                      signer.wolf_key(), rng.get());
  if (rc < 0) return WolfError(absl::StrCat(where, ": wc_SignCert_ex"), rc);
  der.resize(static_cast<std::size_t>(rc));
  return der;
}

absl::StatusOr<std::string> CertDerToPem(const std::string& der) {
  return DerToPem(der, CERT_TYPE, "certificate");
}

}  // namespace gauntlet::pki
