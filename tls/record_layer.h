// The TLS record layer as seen from the wire, without decrypting anything.
//
// The fake servers must tell apart, from the bytes alone, a peer that sent
// an alert, a peer that sent something that is not TLS at all (an SMTP line
// after STARTTLS, an SSLv2 hello), and a stream cut in the middle of a
// record. RecordScanner follows the record boundaries of ONE direction of a
// connection and notes those facts; BuildAlertRecord writes the plaintext
// alert record a faulty server sends instead of a ServerHello. Everything
// here is pure: bytes in, values out, bounded memory on any input.

#ifndef GAUNTLET_TLS_RECORD_LAYER_H_
#define GAUNTLET_TLS_RECORD_LAYER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gauntlet::tls {

// TLS ContentType values (RFC 8446 §5.1).
inline constexpr std::uint8_t kContentChangeCipherSpec = 20;
inline constexpr std::uint8_t kContentAlert = 21;
inline constexpr std::uint8_t kContentHandshake = 22;
inline constexpr std::uint8_t kContentApplicationData = 23;
inline constexpr std::uint8_t kContentHeartbeat = 24;

inline constexpr std::size_t kRecordHeaderSize = 5;
// Largest record payload any TLS version allows (TLS 1.2 ciphertext:
// 2^14 + 2048); anything longer is not a TLS record.
inline constexpr std::size_t kMaxRecordPayload = 16384 + 2048;

enum class AlertLevel : std::uint8_t { kWarning = 1, kFatal = 2 };

// Alert descriptions the fake servers send or tests look for (RFC 8446 §6).
inline constexpr std::uint8_t kAlertCloseNotify = 0;
inline constexpr std::uint8_t kAlertUnexpectedMessage = 10;
inline constexpr std::uint8_t kAlertHandshakeFailure = 40;
inline constexpr std::uint8_t kAlertBadCertificate = 42;
inline constexpr std::uint8_t kAlertCertificateExpired = 45;
inline constexpr std::uint8_t kAlertCertificateUnknown = 46;
inline constexpr std::uint8_t kAlertIllegalParameter = 47;
inline constexpr std::uint8_t kAlertUnknownCa = 48;
inline constexpr std::uint8_t kAlertDecodeError = 50;
inline constexpr std::uint8_t kAlertProtocolVersion = 70;
inline constexpr std::uint8_t kAlertInsufficientSecurity = 71;
inline constexpr std::uint8_t kAlertInternalError = 80;
inline constexpr std::uint8_t kAlertUnrecognizedName = 112;

// One alert a peer sent.
struct TlsAlert {
  // Raw wire values: level 1 = warning, 2 = fatal (others are kept as sent).
  std::uint8_t level = 0;
  std::uint8_t description = 0;
  // True when the alert travelled inside an encrypted record, so its content
  // is what wolfSSL decrypted rather than what the scanner read.
  bool encrypted = false;

  bool fatal() const { return level == 2; }
  // "fatal handshake_failure(40)", with " (encrypted)" when it was.
  std::string ToString() const;
  bool operator==(const TlsAlert&) const = default;
};

// The 7-byte plaintext alert record: type 21, `legacy_version`, length 2,
// level, description. Used to answer a ClientHello with an alert.
std::string BuildAlertRecord(AlertLevel level, std::uint8_t description,
                             std::uint16_t legacy_version = 0x0303);

// Why the bytes at some offset cannot start a TLS record, in words:
// "plaintext \"EHLO client.example\\r\\n\"", "SSLv2-format ClientHello",
// "content type 0x47 is not a TLS record type", ... `bytes` starts at the
// offending header; only its first bytes are looked at.
std::string DescribeNonTlsBytes(std::string_view bytes);

// Follows the records of one direction of a TLS connection.
class RecordScanner {
 public:
  // Where the stream stopped looking like TLS.
  struct NonTls {
    std::uint64_t offset = 0;  // Offset in the stream of the first bad byte.
    std::string description;   // From DescribeNonTlsBytes, plus the offset.
  };

  // Appends bytes of the stream. After the stream is found not to be TLS,
  // further bytes are only counted.
  void Feed(std::string_view bytes);

  // Set once a record header is impossible for TLS.
  const std::optional<NonTls>& non_tls() const { return non_tls_; }
  // Plaintext alert records seen (an unencrypted alert is exactly 2 bytes
  // long: encrypted ones always carry a MAC or tag). At most kMaxAlerts.
  const std::vector<TlsAlert>& plaintext_alerts() const { return alerts_; }
  // Alert records longer than 2 bytes, i.e. encrypted TLS 1.2 alerts. (TLS
  // 1.3 encrypted alerts look like application_data and are not counted.)
  std::uint64_t encrypted_alert_records() const { return encrypted_alerts_; }
  std::uint64_t complete_records() const { return records_; }
  std::uint64_t bytes_seen() const { return offset_; }
  // True when the stream ends inside a record header or payload.
  bool mid_record() const { return header_fill_ > 0 || remaining_ > 0; }
  // Content type of the first record, if one started.
  std::optional<std::uint8_t> first_content_type() const {
    return first_type_;
  }

  static constexpr std::size_t kMaxAlerts = 16;

 private:
  std::uint64_t offset_ = 0;
  std::uint8_t header_[kRecordHeaderSize] = {};
  std::size_t header_fill_ = 0;
  std::size_t remaining_ = 0;  // Payload bytes left in the current record.
  std::uint8_t type_ = 0;
  std::size_t length_ = 0;
  std::string alert_body_;  // Payload of a 2-byte alert record being read.
  // A few bytes kept from the start of a rejected header, for the message.
  std::string probe_;
  std::uint64_t probe_offset_ = 0;
  std::optional<NonTls> non_tls_;
  std::vector<TlsAlert> alerts_;
  std::uint64_t encrypted_alerts_ = 0;
  std::uint64_t records_ = 0;
  std::optional<std::uint8_t> first_type_;
};

}  // namespace gauntlet::tls

#endif  // GAUNTLET_TLS_RECORD_LAYER_H_
