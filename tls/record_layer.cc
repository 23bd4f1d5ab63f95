#include "tls/record_layer.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "tls/tls_names.h"

namespace gauntlet::tls {
namespace {

constexpr std::size_t kPreviewBytes = 32;

bool IsRecordType(std::uint8_t type) {
  return type >= kContentChangeCipherSpec && type <= kContentHeartbeat;
}

bool LooksLikeText(std::string_view bytes) {
  if (bytes.empty()) return false;
  for (char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    if (!(u == '\r' || u == '\n' || u == '\t' || (u >= 0x20 && u < 0x7f))) {
      return false;
    }
  }
  return true;
}

std::string HexPreview(std::string_view bytes) {
  std::string out;
  const std::size_t n = std::min<std::size_t>(bytes.size(), 16);
  for (std::size_t i = 0; i < n; ++i) {
    absl::StrAppendFormat(&out, "%s%02x", i == 0 ? "" : " ",
                          static_cast<unsigned char>(bytes[i]));
  }
  if (bytes.size() > n) out += " ...";
  return out;
}

}  // namespace

std::string TlsAlert::ToString() const {
  return absl::StrFormat("%s %s(%d)%s", AlertLevelName(level),
                         AlertDescriptionName(description), description,
                         encrypted ? " (encrypted)" : "");
}

std::string BuildAlertRecord(AlertLevel level, std::uint8_t description,
                             std::uint16_t legacy_version) {
  std::string record(7, '\0');
  record[0] = static_cast<char>(kContentAlert);
  record[1] = static_cast<char>(legacy_version >> 8);
  record[2] = static_cast<char>(legacy_version & 0xff);
  record[3] = 0;
  record[4] = 2;
  record[5] = static_cast<char>(level);
  record[6] = static_cast<char>(description);
  return record;
}

std::string DescribeNonTlsBytes(std::string_view bytes) {
  bytes = bytes.substr(0, kPreviewBytes);
  if (bytes.empty()) return "no bytes";
  const auto b = [&](std::size_t i) {
    return static_cast<std::uint8_t>(bytes[i]);
  };
  if (LooksLikeText(bytes)) {
    return absl::StrFormat("plaintext \"%s\"", absl::CHexEscape(absl::string_view(bytes.data(), bytes.size())));
  }
  std::string what;
  if ((b(0) & 0x80) != 0 && bytes.size() >= 3 && b(2) == 1) {
    what = "SSLv2-format ClientHello";
  } else if (!IsRecordType(b(0))) {
    what = absl::StrFormat("content type 0x%02x is not a TLS record type",
                           b(0));
  } else if (bytes.size() >= 3 && (b(1) != 3 || b(2) > 4)) {
    what = absl::StrFormat("record version 0x%02x%02x is not TLS", b(1), b(2));
  } else if (bytes.size() >= 2 && b(1) != 3) {
    what = absl::StrFormat("record version major byte 0x%02x is not TLS",
                           b(1));
  } else if (bytes.size() >= 5) {
    const std::size_t length = (std::size_t{b(3)} << 8) | b(4);
    what = absl::StrFormat("record length %d exceeds the TLS maximum %d",
                           length, kMaxRecordPayload);
  } else {
    what = "not a TLS record header";
  }
  return absl::StrFormat("%s (bytes: %s)", what, HexPreview(bytes));
}

void RecordScanner::Feed(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size() && !non_tls_.has_value()) {
    if (remaining_ > 0) {
      const std::size_t take = std::min(remaining_, bytes.size() - i);
      if (type_ == kContentAlert && length_ == 2) {
        alert_body_.append(bytes.substr(i, take));
      }
      i += take;
      offset_ += take;
      remaining_ -= take;
      if (remaining_ == 0) {
        ++records_;
        if (type_ == kContentAlert && length_ == 2) {
          if (alerts_.size() < kMaxAlerts) {
            alerts_.push_back(TlsAlert{
                static_cast<std::uint8_t>(alert_body_[0]),
                static_cast<std::uint8_t>(alert_body_[1]), false});
          }
          alert_body_.clear();
        }
      }
      continue;
    }
    // Inside a header: check each byte as it arrives, so that "EHLO" is
    // recognised from its first byte rather than after five.
    if (header_fill_ == 0) {
      probe_offset_ = offset_;
      probe_.clear();
    }
    const auto byte = static_cast<std::uint8_t>(bytes[i]);
    header_[header_fill_++] = byte;
    probe_.push_back(static_cast<char>(byte));
    ++i;
    ++offset_;
    bool bad = false;
    switch (header_fill_) {
      case 1:
        bad = !IsRecordType(byte);
        if (!bad && !first_type_.has_value()) first_type_ = byte;
        break;
      case 2: bad = byte != 3; break;
      case 3: bad = byte > 4; break;
      case 5: {
        length_ = (std::size_t{header_[3]} << 8) | header_[4];
        bad = length_ > kMaxRecordPayload;
        break;
      }
      default: break;
    }
    if (bad) {
      // Describe from the header start, with whatever follows in this chunk.
      std::string probe = probe_;
      probe.append(bytes.substr(
          i, std::min(bytes.size() - i, kPreviewBytes - std::min(
                                                         kPreviewBytes,
                                                         probe.size()))));
      non_tls_ = NonTls{
          probe_offset_,
          absl::StrFormat("non-TLS bytes where a record was expected at "
                          "stream offset %d: %s",
                          probe_offset_, DescribeNonTlsBytes(probe))};
      offset_ += bytes.size() - i;
      return;
    }
    if (header_fill_ == kRecordHeaderSize) {
      header_fill_ = 0;
      type_ = header_[0];
      remaining_ = length_;
      if (type_ == kContentAlert && length_ > 2) ++encrypted_alerts_;
      if (remaining_ == 0) ++records_;
    }
  }
  offset_ += bytes.size() - i;
}

}  // namespace gauntlet::tls
