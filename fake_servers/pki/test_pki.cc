#include "fake_servers/pki/test_pki.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "common/string_view.h"
#include "fake_servers/pki/asn1_der.h"
#include "fake_servers/pki/cert_builder.h"

namespace gauntlet::pki {
namespace {

constexpr absl::Duration kDay = absl::Hours(24);

// A leaf name must be usable as a SAN dNSName and as a subject CN, and must
// not be matched by the names the mismatch profiles carry (else those
// profiles would verify).
absl::Status ValidateHostName(const std::string& name, std::size_t index) {
  const std::string where =
      absl::StrCat("extra_dns_names[", index, "] \"", name, "\"");
  if (name.empty() || name.size() > 63) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": must be 1..63 bytes, is ", name.size()));
  }
  std::vector<absl::string_view> labels = absl::StrSplit(name, '.');
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const absl::string_view label = labels[i];
    if (label.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": empty label ", i));
    }
    for (std::size_t j = 0; j < label.size(); ++j) {
      const char c = label[j];
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": character '", std::string(1, c), "' in label ", i,
            " is not a letter, digit or hyphen"));
      }
    }
    if (label.front() == '-' || label.back() == '-') {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": label ", i, " starts or ends with '-'"));
    }
  }
  bool numeric_tld = true;
  for (char c : labels.back()) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      numeric_tld = false;
    }
  }
  if (numeric_tld) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": looks like an IP address; only DNS names"));
  }
  const std::string lower = absl::AsciiStrToLower(name);
  if (absl::EndsWith(lower, ".gauntlet.test") &&
      lower.find('.') == lower.size() - std::string_view(".gauntlet.test").size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": matched by ", ToAbsl(TestPki::kWildcardName),
        ", which the wildcard-mismatch profile relies on not matching"));
  }
  return absl::OkStatus();
}

// The CA certificates and keys every PKI builds its leaves from.
struct Authority {
  std::string cert_der;
  std::string cert_pem;
  Key key;

  Issuer AsIssuer() const { return Issuer{cert_der, key}; }
};

absl::StatusOr<Authority> MakeAuthority(const CertSpec& spec,
                                        const Authority* parent, Rng& rng) {
  GAUNTLET_ASSIGN_OR_RETURN(Key key, Key::GenerateEcdsaP256(rng));
  std::optional<Issuer> issuer;
  if (parent != nullptr) issuer.emplace(parent->AsIssuer());
  GAUNTLET_ASSIGN_OR_RETURN(std::string der,
                            IssueCertificate(spec, key, issuer, rng));
  GAUNTLET_ASSIGN_OR_RETURN(std::string pem, CertDerToPem(der));
  return Authority{std::move(der), std::move(pem), std::move(key)};
}

CertSpec CaSpec(std::string common_name, std::string unit, absl::Time now) {
  CertSpec spec;
  spec.common_name = std::move(common_name);
  spec.unit = std::move(unit);
  spec.not_before = now - kDay;
  spec.not_after = now + 30 * kDay;
  spec.is_ca = true;
  spec.key_usage = "keyCertSign,cRLSign";
  return spec;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TestPki>> TestPki::Create(Options options) {
  // Whatever happens below, leave no wolfCrypt per-thread cache behind: the
  // caller's thread may exit without knowing it used ECC.
  struct EccCacheRelease {
    ~EccCacheRelease() { ReleaseThreadEccCache(); }
  } release_ecc_cache;
  std::vector<std::string> dns_names = {std::string(kLocalHost)};
  for (std::size_t i = 0; i < options.extra_dns_names.size(); ++i) {
    const std::string& name = options.extra_dns_names[i];
    GAUNTLET_RETURN_IF_ERROR(ValidateHostName(name, i));
    bool duplicate = false;
    for (const std::string& have : dns_names) {
      if (absl::EqualsIgnoreCase(have, name)) duplicate = true;
    }
    if (!duplicate) dns_names.push_back(name);
  }
  // The host name a client verifies: the --server-name if one was given.
  const std::string primary_host = options.extra_dns_names.empty()
                                       ? std::string(kLocalHost)
                                       : options.extra_dns_names.front();

  // Whole seconds, since that is all a certificate date can say.
  const absl::Time now = absl::FromUnixSeconds(
      absl::ToUnixSeconds(options.now.value_or(absl::Now())));

  GAUNTLET_ASSIGN_OR_RETURN(std::unique_ptr<Rng> rng, Rng::Create());

  // --- Authorities -----------------------------------------------------------
  GAUNTLET_ASSIGN_OR_RETURN(
      const Authority root,
      MakeAuthority(CaSpec("Gauntlet Test Root CA", "root", now), nullptr,
                    *rng));
  CertSpec inter_spec =
      CaSpec("Gauntlet Test Intermediate CA", "intermediate", now);
  inter_spec.path_len = 0;
  GAUNTLET_ASSIGN_OR_RETURN(const Authority inter,
                            MakeAuthority(inter_spec, &root, *rng));

  GAUNTLET_ASSIGN_OR_RETURN(
      const Authority unknown_root,
      MakeAuthority(CaSpec("Gauntlet Unknown Root CA", "unknown-root", now),
                    nullptr, *rng));
  CertSpec unknown_inter_spec =
      CaSpec("Gauntlet Unknown Intermediate CA", "unknown-intermediate", now);
  unknown_inter_spec.path_len = 0;
  GAUNTLET_ASSIGN_OR_RETURN(
      const Authority unknown_inter,
      MakeAuthority(unknown_inter_spec, &unknown_root, *rng));

  // Signs like a CA but says it is not one: no basicConstraints at all.
  CertSpec not_ca_spec = CaSpec("Gauntlet Test Intermediate (not a CA)",
                                "intermediate-not-ca", now);
  not_ca_spec.is_ca = false;
  GAUNTLET_ASSIGN_OR_RETURN(const Authority not_ca_inter,
                            MakeAuthority(not_ca_spec, &root, *rng));

  CertSpec expired_inter_spec = CaSpec("Gauntlet Test Intermediate (expired)",
                                       "intermediate-expired", now);
  expired_inter_spec.path_len = 0;
  expired_inter_spec.not_before = now - 60 * kDay;
  expired_inter_spec.not_after = now - 2 * kDay;
  GAUNTLET_ASSIGN_OR_RETURN(const Authority expired_inter,
                            MakeAuthority(expired_inter_spec, &root, *rng));

  // --- Leaves ----------------------------------------------------------------
  GAUNTLET_ASSIGN_OR_RETURN(const std::string rsa2048_der,
                            CachedRsaKeyDer(2048));
  GAUNTLET_ASSIGN_OR_RETURN(const std::string rsa1024_der,
                            CachedRsaKeyDer(1024));

  std::unique_ptr<TestPki> pki(new TestPki());
  pki->created_at_ = now;
  pki->root_pem_ = root.cert_pem;
  pki->intermediate_pem_ = inter.cert_pem;
  pki->unknown_root_pem_ = unknown_root.cert_pem;

  for (const CertProfile profile : AllCertProfiles()) {
    for (const KeyType key_type : AllKeyTypes()) {
      std::optional<Key> key;
      if (profile == CertProfile::kRsa1024) {
        GAUNTLET_ASSIGN_OR_RETURN(key, Key::FromRsaDer(rsa1024_der));
      } else if (key_type == KeyType::kRsa2048) {
        GAUNTLET_ASSIGN_OR_RETURN(key, Key::FromRsaDer(rsa2048_der));
      } else {
        GAUNTLET_ASSIGN_OR_RETURN(key, Key::GenerateEcdsaP256(*rng));
      }
      const bool rsa = key->algorithm() == Key::Algorithm::kRsa;

      CertSpec spec;
      spec.common_name = primary_host;
      spec.unit = absl::StrCat(ToAbsl(CertProfileName(profile)), " ",
                               ToAbsl(KeyTypeName(key_type)), " leaf");
      spec.not_before = now - absl::Hours(1);
      spec.not_after = now + 30 * kDay;
      for (const std::string& name : dns_names) {
        spec.alt_names.push_back({AltName::Kind::kDns, name});
      }
      spec.alt_names.push_back({AltName::Kind::kIp, "127.0.0.1"});
      spec.alt_names.push_back({AltName::Kind::kIp, "::1"});
      // RSA key exchange (TLS 1.2 RSA suites) needs keyEncipherment.
      spec.key_usage = rsa ? "digitalSignature,keyEncipherment"
                           : "digitalSignature";
      spec.ext_key_usage = "serverAuth";
      const Authority* issuer = &inter;
      std::vector<const Authority*> sent = {&inter};

      switch (profile) {
        case CertProfile::kValid:
        case CertProfile::kRsa1024:
          break;
        case CertProfile::kExpired:
          spec.not_before = now - 60 * kDay;
          spec.not_after = now - 2 * kDay;
          break;
        case CertProfile::kExpiredSeconds:
          spec.not_before = now - kDay;
          spec.not_after = now - kExpiredSecondsAgo;
          break;
        case CertProfile::kNotYetValid:
          spec.not_before = now + 2 * kDay;
          spec.not_after = now + 60 * kDay;
          break;
        case CertProfile::kWrongHost:
          spec.common_name = std::string(kWrongHostName);
          spec.alt_names = {{AltName::Kind::kDns, spec.common_name}};
          break;
        case CertProfile::kWildcardMismatch:
          spec.common_name = std::string(kWildcardName);
          spec.alt_names = {{AltName::Kind::kDns, spec.common_name}};
          break;
        case CertProfile::kSelfSigned:
          issuer = nullptr;
          sent.clear();
          break;
        case CertProfile::kUnknownRoot:
          issuer = &unknown_inter;
          sent = {&unknown_inter};
          break;
        case CertProfile::kMissingIntermediate:
          sent.clear();
          break;
        case CertProfile::kCommonNameOnly:
          spec.alt_names.clear();
          break;
        case CertProfile::kLeafIsCa:
          spec.is_ca = true;
          spec.key_usage += ",keyCertSign,cRLSign";
          break;
        case CertProfile::kIntermediateNotCa:
          issuer = &not_ca_inter;
          sent = {&not_ca_inter};
          break;
        case CertProfile::kWrongEku:
          spec.ext_key_usage = "clientAuth";
          break;
        case CertProfile::kSha1Signature:
          spec.digest = SignatureDigest::kSha1;
          break;
        case CertProfile::kExpiredIntermediate:
          issuer = &expired_inter;
          sent = {&expired_inter};
          break;
      }

      std::optional<Issuer> signer;
      if (issuer != nullptr) signer.emplace(issuer->AsIssuer());
      ServedChain chain;
      chain.profile = profile;
      chain.key_type = key_type;
      GAUNTLET_ASSIGN_OR_RETURN(chain.leaf_der,
                                IssueCertificate(spec, *key, signer, *rng));
      GAUNTLET_ASSIGN_OR_RETURN(chain.leaf_pem, CertDerToPem(chain.leaf_der));
      chain.chain_pem = chain.leaf_pem;
      for (const Authority* ca : sent) {
        chain.intermediates_pem.push_back(ca->cert_pem);
        chain.chain_pem += ca->cert_pem;
      }
      chain.key_pem = key->pem();
      chain.key_der = key->der();
      chain.defects = DefectsOf(profile);
      for (const AltName& name : spec.alt_names) {
        if (name.kind == AltName::Kind::kDns) {
          chain.dns_names.push_back(name.value);
        }
      }
      if (chain.dns_names.empty()) {
        chain.dns_names.push_back(spec.common_name);
      }
      if (profile == CertProfile::kRsa1024) {
        chain.key_name = "rsa-1024";
        chain.key_bits = 1024;
      } else if (rsa) {
        chain.key_name = "rsa-2048";
        chain.key_bits = 2048;
      } else {
        chain.key_name = "ecdsa-p256";
        chain.key_bits = 256;
      }
      chain.signature_digest =
          spec.digest == SignatureDigest::kSha1 ? "sha1" : "sha256";
      pki->chains_.emplace(std::make_pair(profile, key_type), std::move(chain));
    }
  }
  return pki;
}

absl::StatusOr<ServedChain> TestPki::Chain(CertProfile profile,
                                           KeyType key) const {
  const auto it = chains_.find({profile, key});
  if (it == chains_.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no chain for certificate profile ",
                     static_cast<int>(profile), " with key type ",
                     static_cast<int>(key)));
  }
  return it->second;
}

absl::StatusOr<std::unique_ptr<ClientFiles>> TestPki::WriteClientFiles(
    std::string_view parent) const {
  std::vector<ServedChain> chains;
  chains.reserve(chains_.size());
  for (const auto& [unused, chain] : chains_) chains.push_back(chain);
  return ClientFiles::Write(root_pem_, chains, parent);
}

}  // namespace gauntlet::pki
