#include "tls/tls_names.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_format.h"

namespace gauntlet::tls {
namespace {

struct Entry {
  std::uint16_t value;
  const char* name;
};

// IANA "TLS Cipher Suites": the suites real clients offer today, the legacy
// ones old clients still send, and the signalling values.
constexpr Entry kCipherSuites[] = {
    {0x0000, "TLS_NULL_WITH_NULL_NULL"},
    {0x0001, "TLS_RSA_WITH_NULL_MD5"},
    {0x0002, "TLS_RSA_WITH_NULL_SHA"},
    {0x0004, "TLS_RSA_WITH_RC4_128_MD5"},
    {0x0005, "TLS_RSA_WITH_RC4_128_SHA"},
    {0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA"},
    {0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"},
    {0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"},
    {0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"},
    {0x003B, "TLS_RSA_WITH_NULL_SHA256"},
    {0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256"},
    {0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256"},
    {0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"},
    {0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"},
    {0x008C, "TLS_PSK_WITH_AES_128_CBC_SHA"},
    {0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256"},
    {0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384"},
    {0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"},
    {0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"},
    {0x00A8, "TLS_PSK_WITH_AES_128_GCM_SHA256"},
    {0x00A9, "TLS_PSK_WITH_AES_256_GCM_SHA384"},
    {0x00FF, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"},
    {0x1301, "TLS_AES_128_GCM_SHA256"},
    {0x1302, "TLS_AES_256_GCM_SHA384"},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256"},
    {0x1304, "TLS_AES_128_CCM_SHA256"},
    {0x1305, "TLS_AES_128_CCM_8_SHA256"},
    {0x5600, "TLS_FALLBACK_SCSV"},
    {0xC006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA"},
    {0xC007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA"},
    {0xC008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA"},
    {0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"},
    {0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"},
    {0xC010, "TLS_ECDHE_RSA_WITH_NULL_SHA"},
    {0xC011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA"},
    {0xC012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
    {0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"},
    {0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"},
    {0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"},
    {0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"},
    {0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"},
    {0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
    {0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
    {0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
    {0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
    {0xC09C, "TLS_RSA_WITH_AES_128_CCM"},
    {0xC09D, "TLS_RSA_WITH_AES_256_CCM"},
    {0xC09E, "TLS_DHE_RSA_WITH_AES_128_CCM"},
    {0xC09F, "TLS_DHE_RSA_WITH_AES_256_CCM"},
    {0xC0AC, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM"},
    {0xC0AD, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM"},
    {0xC0AE, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8"},
    {0xC0AF, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8"},
    {0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
};

constexpr Entry kAlerts[] = {
    {0, "close_notify"},
    {10, "unexpected_message"},
    {20, "bad_record_mac"},
    {21, "decryption_failed"},
    {22, "record_overflow"},
    {30, "decompression_failure"},
    {40, "handshake_failure"},
    {41, "no_certificate"},
    {42, "bad_certificate"},
    {43, "unsupported_certificate"},
    {44, "certificate_revoked"},
    {45, "certificate_expired"},
    {46, "certificate_unknown"},
    {47, "illegal_parameter"},
    {48, "unknown_ca"},
    {49, "access_denied"},
    {50, "decode_error"},
    {51, "decrypt_error"},
    {60, "export_restriction"},
    {70, "protocol_version"},
    {71, "insufficient_security"},
    {80, "internal_error"},
    {86, "inappropriate_fallback"},
    {90, "user_canceled"},
    {100, "no_renegotiation"},
    {109, "missing_extension"},
    {110, "unsupported_extension"},
    {111, "certificate_unobtainable"},
    {112, "unrecognized_name"},
    {113, "bad_certificate_status_response"},
    {114, "bad_certificate_hash_value"},
    {115, "unknown_psk_identity"},
    {116, "certificate_required"},
    {120, "no_application_protocol"},
};

constexpr Entry kExtensions[] = {
    {0, "server_name"},
    {1, "max_fragment_length"},
    {5, "status_request"},
    {10, "supported_groups"},
    {11, "ec_point_formats"},
    {13, "signature_algorithms"},
    {14, "use_srtp"},
    {15, "heartbeat"},
    {16, "application_layer_protocol_negotiation"},
    {17, "status_request_v2"},
    {18, "signed_certificate_timestamp"},
    {21, "padding"},
    {22, "encrypt_then_mac"},
    {23, "extended_master_secret"},
    {27, "compress_certificate"},
    {28, "record_size_limit"},
    {35, "session_ticket"},
    {41, "pre_shared_key"},
    {42, "early_data"},
    {43, "supported_versions"},
    {44, "cookie"},
    {45, "psk_key_exchange_modes"},
    {47, "certificate_authorities"},
    {48, "oid_filters"},
    {49, "post_handshake_auth"},
    {50, "signature_algorithms_cert"},
    {51, "key_share"},
    {0x4469, "application_settings"},
    {0xFE0D, "encrypted_client_hello"},
    {0xFF01, "renegotiation_info"},
};

constexpr Entry kGroups[] = {
    {21, "secp224r1"},       {23, "secp256r1"},    {24, "secp384r1"},
    {25, "secp521r1"},       {26, "brainpoolP256r1"},
    {27, "brainpoolP384r1"}, {28, "brainpoolP512r1"},
    {29, "x25519"},          {30, "x448"},         {256, "ffdhe2048"},
    {257, "ffdhe3072"},      {258, "ffdhe4096"},   {259, "ffdhe6144"},
    {260, "ffdhe8192"},      {0x11EC, "X25519MLKEM768"},
    {0x6399, "X25519Kyber768Draft00"},
};

template <std::size_t N>
const char* Find(const Entry (&table)[N], std::uint16_t value) {
  for (const Entry& e : table) {
    if (e.value == value) return e.name;
  }
  return nullptr;
}

std::string Hex16(std::uint16_t value) {
  return absl::StrFormat("0x%04x", value);
}

std::string Grease(std::uint16_t value) {
  return absl::StrFormat("GREASE(0x%04x)", value);
}

}  // namespace

bool IsGrease(std::uint16_t value) {
  return (value & 0x0f0f) == 0x0a0a && (value >> 12) == ((value >> 4) & 0xf);
}

std::string CipherSuiteName(std::uint16_t suite) {
  if (IsGrease(suite)) return Grease(suite);
  const char* name = Find(kCipherSuites, suite);
  return name != nullptr ? std::string(name) : Hex16(suite);
}

std::string VersionName(std::uint16_t version) {
  switch (version) {
    case 0x0002: return "SSLv2";
    case kSsl3: return "SSLv3";
    case kTls10: return "TLSv1.0";
    case kTls11: return "TLSv1.1";
    case kTls12: return "TLSv1.2";
    case kTls13: return "TLSv1.3";
    default: break;
  }
  if (IsGrease(version)) return Grease(version);
  return Hex16(version);
}

std::string AlertDescriptionName(std::uint8_t description) {
  const char* name = Find(kAlerts, description);
  return name != nullptr ? std::string(name)
                         : absl::StrFormat("alert(%d)", description);
}

std::string AlertLevelName(std::uint8_t level) {
  if (level == 1) return "warning";
  if (level == 2) return "fatal";
  return absl::StrFormat("level(%d)", level);
}

std::string ExtensionName(std::uint16_t type) {
  if (IsGrease(type)) return Grease(type);
  const char* name = Find(kExtensions, type);
  return name != nullptr ? std::string(name) : Hex16(type);
}

std::string NamedGroupName(std::uint16_t group) {
  if (IsGrease(group)) return Grease(group);
  const char* name = Find(kGroups, group);
  return name != nullptr ? std::string(name) : Hex16(group);
}

}  // namespace gauntlet::tls
