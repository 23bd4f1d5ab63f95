// Human-readable names for TLS protocol numbers.
//
// Transcripts and verdicts name what a client offered ("TLS_AES_128_GCM_SHA256",
// "TLSv1.3", "handshake_failure") rather than raw numbers. Every function is
// total: a number with no known name comes back as hex ("0x1a2b"), and GREASE
// values (RFC 8701) as "GREASE(0x0a0a)", so hostile input never fails here.
// The tables are written from the IANA TLS registries; they do not depend on
// what wolfSSL implements.

#ifndef GAUNTLET_TLS_TLS_NAMES_H_
#define GAUNTLET_TLS_TLS_NAMES_H_

#include <cstdint>
#include <string>

namespace gauntlet::tls {

// Protocol version numbers as they appear on the wire.
inline constexpr std::uint16_t kSsl3 = 0x0300;
inline constexpr std::uint16_t kTls10 = 0x0301;
inline constexpr std::uint16_t kTls11 = 0x0302;
inline constexpr std::uint16_t kTls12 = 0x0303;
inline constexpr std::uint16_t kTls13 = 0x0304;

// True for the RFC 8701 reserved values 0x0a0a, 0x1a1a, ... 0xfafa.
bool IsGrease(std::uint16_t value);

// "TLS_AES_128_GCM_SHA256", "GREASE(0x2a2a)" or "0x00ab".
std::string CipherSuiteName(std::uint16_t suite);
// "TLSv1.3", "SSLv3", "GREASE(0x7a7a)" or "0x7f1c".
std::string VersionName(std::uint16_t version);
// "handshake_failure" or "alert(123)".
std::string AlertDescriptionName(std::uint8_t description);
// "warning", "fatal" or "level(7)".
std::string AlertLevelName(std::uint8_t level);
// "server_name", "supported_versions", ... or "0x1234".
std::string ExtensionName(std::uint16_t type);
// "x25519", "secp256r1", ... or "0x1234".
std::string NamedGroupName(std::uint16_t group);

}  // namespace gauntlet::tls

#endif  // GAUNTLET_TLS_TLS_NAMES_H_
