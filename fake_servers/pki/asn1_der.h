// The few DER encodings the test PKI writes itself.
//
// wolfSSL's certificate generator takes the subjectAltName extension value
// and explicit validity dates as ready-made DER (Cert::altNames,
// Cert::beforeDate/afterDate). These functions produce exactly those bytes:
// a GeneralNames SEQUENCE of dNSName and iPAddress entries, and a UTCTime
// (or, outside 1950..2049, GeneralizedTime) TLV. It also patches the one
// thing wolfSSL's encoder gets wrong for us (basicConstraints criticality). Pure: values in, bytes out.

#ifndef GAUNTLET_FAKE_SERVERS_PKI_ASN1_DER_H_
#define GAUNTLET_FAKE_SERVERS_PKI_ASN1_DER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace gauntlet::pki {

// One subjectAltName entry.
struct AltName {
  enum class Kind { kDns, kIp };
  Kind kind = Kind::kDns;
  // kDns: the name as ASCII ("localhost", "*.gauntlet.test").
  // kIp: the address in text form ("127.0.0.1", "::1").
  std::string value;
};

// The DER GeneralNames SEQUENCE (the extnValue contents of subjectAltName).
// Fails on an empty list, a DNS name with bytes outside printable ASCII,
// or an IP that does not parse.
absl::StatusOr<std::string> EncodeGeneralNames(
    const std::vector<AltName>& names);

// Returns `tbs_der` (a DER TBSCertificate) with the extension whose OID
// body is `extension_oid` (e.g. "\x55\x1d\x13" for basicConstraints)
// marked critical. wolfSSL 5.5.4 writes basicConstraints non-critical,
// which RFC 5280 4.2.1.9 forbids for CA certificates and which
// `openssl verify -x509_strict` rejects. Fails if the bytes are not a
// well-formed TBSCertificate or the extension is absent.
absl::StatusOr<std::string> MarkExtensionCritical(
    std::string_view tbs_der, std::string_view extension_oid);

// The DER Time TLV for `t`, truncated to whole seconds: UTCTime
// ("YYMMDDHHMMSSZ") for years 1950..2049 as RFC 5280 requires, else
// GeneralizedTime. Fails for years outside 0..9999.
absl::StatusOr<std::string> EncodeTime(absl::Time t);

}  // namespace gauntlet::pki

#endif  // GAUNTLET_FAKE_SERVERS_PKI_ASN1_DER_H_
