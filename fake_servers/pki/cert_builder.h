// Private keys and X.509 certificates made with wolfCrypt's generator.
//
// The test PKI (test_pki.h) describes each certificate as a plain CertSpec;
// IssueCertificate() turns one into DER with wc_MakeCert_ex/wc_SignCert_ex.
// Everything wolfSSL needs that it cannot derive (explicit validity dates,
// the subjectAltName value) is encoded by asn1_der.h. Keys are RAII owners
// of wolfCrypt key objects; RSA keys are slow to generate, so
// CachedRsaKeyDer() makes each size once per process.

#ifndef GAUNTLET_FAKE_SERVERS_PKI_CERT_BUILDER_H_
#define GAUNTLET_FAKE_SERVERS_PKI_CERT_BUILDER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fake_servers/pki/asn1_der.h"

struct WC_RNG;

namespace gauntlet::pki {

// A wolfCrypt random generator, initialised on creation and freed on
// destruction. Not thread-safe: one per generating thread.
class Rng {
 public:
  static absl::StatusOr<std::unique_ptr<Rng>> Create();
  ~Rng();
  Rng(const Rng&) = delete;
  Rng& operator=(const Rng&) = delete;

  WC_RNG* get() { return rng_; }

 private:
  explicit Rng(WC_RNG* rng) : rng_(rng) {}
  WC_RNG* rng_;
};

// A private key (ECDSA P-256 or RSA) with its DER and PEM encodings.
class Key {
 public:
  enum class Algorithm { kEcdsaP256, kRsa };

  static absl::StatusOr<Key> GenerateEcdsaP256(Rng& rng);
  // Loads a PKCS#1 RSAPrivateKey (as produced by CachedRsaKeyDer).
  static absl::StatusOr<Key> FromRsaDer(const std::string& der);

  Key(Key&&) noexcept;
  Key& operator=(Key&&) noexcept;
  ~Key();

  Algorithm algorithm() const { return algorithm_; }
  // SEC1 "EC PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY".
  const std::string& der() const { return der_; }
  const std::string& pem() const { return pem_; }

  // wolfCrypt's key type constant (ECC_TYPE / RSA_TYPE) and key object, for
  // the generator calls.
  int wolf_type() const;
  void* wolf_key() const { return key_; }

 private:
  Key(Algorithm algorithm, void* key) : algorithm_(algorithm), key_(key) {}
  void Reset();

  Algorithm algorithm_;
  void* key_;  // ecc_key* or RsaKey*, owned.
  std::string der_;
  std::string pem_;
};

// The DER PKCS#1 encoding of an RSA key of `bits` bits (1024 or 2048),
// generated on first use and shared by every caller in the process.
// Thread-safe.
absl::StatusOr<std::string> CachedRsaKeyDer(int bits);

// Frees wolfCrypt's per-thread ECC fixed-point cache (this wolfSSL is built
// with FP_ECC). wolfSSL requires it before a thread that did ECC exits, or
// the cache leaks; TestPki::Create calls it on its way out.
void ReleaseThreadEccCache();

enum class SignatureDigest { kSha256, kSha1 };

// What one certificate says, independent of how it is encoded.
struct CertSpec {
  std::string common_name;
  std::string organization = "Gauntlet Test PKI";
  // Put in the subject OU so that a human reading the certificate sees what
  // it is for ("expired", "root", ...).
  std::string unit;
  absl::Time not_before;
  absl::Time not_after;
  // basicConstraints: absent when false, CA:TRUE (critical) when true.
  bool is_ca = false;
  std::optional<int> path_len;
  // subjectAltName; absent when empty.
  std::vector<AltName> alt_names;
  // wolfSSL token lists (wc_SetKeyUsage / wc_SetExtKeyUsage); the extension
  // is absent when the list is empty.
  std::string key_usage;
  std::string ext_key_usage;
  SignatureDigest digest = SignatureDigest::kSha256;
};

// A certificate and the key that signs certificates it issues.
struct Issuer {
  const std::string& cert_der;
  const Key& key;
};

// Makes a certificate for `subject_key` described by `spec`, signed by
// `issuer`, or self-signed when issuer is nullopt. Returns the DER.
absl::StatusOr<std::string> IssueCertificate(const CertSpec& spec,
                                             const Key& subject_key,
                                             const std::optional<Issuer>& issuer,
                                             Rng& rng);

// PEM armour for a DER certificate.
absl::StatusOr<std::string> CertDerToPem(const std::string& der);

}  // namespace gauntlet::pki

#endif  // GAUNTLET_FAKE_SERVERS_PKI_CERT_BUILDER_H_
