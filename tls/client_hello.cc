#include "tls/client_hello.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "tls/record_layer.h"
#include "tls/tls_names.h"

namespace gauntlet::tls {
namespace {

constexpr std::uint8_t kHandshakeClientHello = 1;
constexpr std::size_t kHandshakeHeaderSize = 4;
// A plaintext record may carry at most 2^14 bytes (RFC 8446 §5.1).
constexpr std::size_t kMaxPlaintextRecord = 16384;

constexpr std::uint16_t kExtServerName = 0;
constexpr std::uint16_t kExtSupportedGroups = 10;
constexpr std::uint16_t kExtSignatureAlgorithms = 13;
constexpr std::uint16_t kExtAlpn = 16;
constexpr std::uint16_t kExtSupportedVersions = 43;

// A malformation found while reading the message body: what, and where
// (offset in the reassembled handshake bytes).
struct BodyError {
  std::size_t offset;
  std::string what;
};

// Bounds-checked reader over a byte range of the handshake message.
class Cursor {
 public:
  Cursor(std::string_view bytes, std::size_t base)
      : bytes_(bytes), base_(base) {}

  std::size_t offset() const { return base_ + pos_; }
  std::size_t left() const { return bytes_.size() - pos_; }
  bool empty() const { return left() == 0; }

  bool U8(std::uint8_t* out) {
    if (left() < 1) return false;
    *out = static_cast<std::uint8_t>(bytes_[pos_]);
    pos_ += 1;
    return true;
  }
  bool U16(std::uint16_t* out) {
    if (left() < 2) return false;
    *out = static_cast<std::uint16_t>(
        (static_cast<std::uint8_t>(bytes_[pos_]) << 8) |
        static_cast<std::uint8_t>(bytes_[pos_ + 1]));
    pos_ += 2;
    return true;
  }
  // Splits off the next `n` bytes as a sub-cursor.
  bool Sub(std::size_t n, Cursor* out) {
    if (left() < n) return false;
    *out = Cursor(bytes_.substr(pos_, n), base_ + pos_);
    pos_ += n;
    return true;
  }
  std::string_view rest() const { return bytes_.substr(pos_); }

 private:
  std::string_view bytes_;
  std::size_t base_;
  std::size_t pos_ = 0;
};

std::optional<BodyError> Error(const Cursor& at, std::string what) {
  return BodyError{at.offset(), std::move(what)};
}

// Reads a vector of 16-bit values with a length prefix of `prefix` bytes.
std::optional<BodyError> ReadU16List(Cursor& c, int prefix, const char* name,
                                     std::vector<std::uint16_t>* out) {
  const Cursor at = c;
  std::size_t length = 0;
  if (prefix == 1) {
    std::uint8_t n = 0;
    if (!c.U8(&n)) return Error(at, absl::StrFormat("%s: no length", name));
    length = n;
  } else {
    std::uint16_t n = 0;
    if (!c.U16(&n)) return Error(at, absl::StrFormat("%s: no length", name));
    length = n;
  }
  if (length == 0 || length % 2 != 0) {
    return Error(at, absl::StrFormat("%s: length %d is zero or odd", name,
                                     length));
  }
  Cursor list(std::string_view(), 0);
  if (!c.Sub(length, &list)) {
    return Error(at, absl::StrFormat("%s: length %d exceeds the %d bytes left",
                                     name, length, c.left()));
  }
  while (!list.empty()) {
    std::uint16_t v = 0;
    list.U16(&v);
    out->push_back(v);
  }
  return std::nullopt;
}

std::optional<BodyError> ParseServerName(Cursor ext, ClientHello* hello) {
  const Cursor at = ext;
  std::uint16_t list_length = 0;
  Cursor list(std::string_view(), 0);
  if (!ext.U16(&list_length) || list_length == 0 ||
      !ext.Sub(list_length, &list) || !ext.empty()) {
    return Error(at, "server_name: bad server_name_list length");
  }
  while (!list.empty()) {
    const Cursor entry_at = list;
    std::uint8_t type = 0;
    std::uint16_t length = 0;
    Cursor name(std::string_view(), 0);
    if (!list.U8(&type) || !list.U16(&length) || !list.Sub(length, &name)) {
      return Error(entry_at, "server_name: truncated ServerName entry");
    }
    if (type != 0) continue;  // Unknown name types are skipped (RFC 6066).
    if (length == 0) return Error(entry_at, "server_name: empty host_name");
    if (hello->server_name.has_value()) {
      return Error(entry_at, "server_name: more than one host_name");
    }
    hello->server_name = std::string(name.rest());
  }
  return std::nullopt;
}

std::optional<BodyError> ParseAlpn(Cursor ext, ClientHello* hello) {
  const Cursor at = ext;
  std::uint16_t list_length = 0;
  Cursor list(std::string_view(), 0);
  if (!ext.U16(&list_length) || list_length < 2 ||
      !ext.Sub(list_length, &list) || !ext.empty()) {
    return Error(at, "application_layer_protocol_negotiation: bad list length");
  }
  while (!list.empty()) {
    const Cursor entry_at = list;
    std::uint8_t length = 0;
    Cursor name(std::string_view(), 0);
    if (!list.U8(&length) || length == 0 || !list.Sub(length, &name)) {
      return Error(entry_at,
                   "application_layer_protocol_negotiation: bad protocol name");
    }
    hello->alpn.emplace_back(name.rest());
  }
  return std::nullopt;
}

// A list extension whose body is exactly one length-prefixed u16 list.
std::optional<BodyError> ParseWholeU16List(Cursor ext, int prefix,
                                           const char* name,
                                           std::vector<std::uint16_t>* out) {
  if (auto e = ReadU16List(ext, prefix, name, out)) return e;
  if (!ext.empty()) {
    return Error(ext, absl::StrFormat("%s: %d trailing bytes", name,
                                      ext.left()));
  }
  return std::nullopt;
}

std::optional<BodyError> ParseBody(Cursor c, ClientHello* hello) {
  const Cursor start = c;
  if (!c.U16(&hello->legacy_version)) return Error(start, "no legacy_version");
  Cursor random(std::string_view(), 0);
  if (!c.Sub(32, &random)) return Error(c, "random shorter than 32 bytes");
  hello->random = std::string(random.rest());

  const Cursor sid_at = c;
  std::uint8_t sid_length = 0;
  Cursor sid(std::string_view(), 0);
  if (!c.U8(&sid_length)) return Error(sid_at, "no legacy_session_id");
  if (sid_length > 32 || !c.Sub(sid_length, &sid)) {
    return Error(sid_at, absl::StrFormat(
                             "legacy_session_id length %d invalid", sid_length));
  }
  hello->session_id = std::string(sid.rest());

  if (auto e = ReadU16List(c, 2, "cipher_suites", &hello->cipher_suites)) {
    return e;
  }

  const Cursor comp_at = c;
  std::uint8_t comp_length = 0;
  Cursor comp(std::string_view(), 0);
  if (!c.U8(&comp_length) || comp_length == 0 || !c.Sub(comp_length, &comp)) {
    return Error(comp_at, "bad legacy_compression_methods");
  }
  while (!comp.empty()) {
    std::uint8_t m = 0;
    comp.U8(&m);
    hello->compression_methods.push_back(m);
  }

  if (c.empty()) return std::nullopt;  // No extensions block (pre-TLS 1.2).
  hello->has_extensions_block = true;
  const Cursor ext_at = c;
  std::uint16_t ext_length = 0;
  Cursor exts(std::string_view(), 0);
  if (!c.U16(&ext_length) || !c.Sub(ext_length, &exts) || !c.empty()) {
    return Error(ext_at, absl::StrFormat(
                             "extensions length %d does not match the %d "
                             "bytes left in the message",
                             ext_length, ext_at.left() < 2 ? 0 : ext_at.left() - 2));
  }
  while (!exts.empty()) {
    const Cursor one_at = exts;
    std::uint16_t type = 0;
    std::uint16_t length = 0;
    Cursor body(std::string_view(), 0);
    if (!exts.U16(&type) || !exts.U16(&length) || !exts.Sub(length, &body)) {
      return Error(one_at, "truncated extension header or body");
    }
    if (std::find(hello->extensions.begin(), hello->extensions.end(), type) !=
        hello->extensions.end()) {
      return Error(one_at, absl::StrFormat("duplicate extension %s",
                                           ExtensionName(type)));
    }
    hello->extensions.push_back(type);
    std::optional<BodyError> e;
    switch (type) {
      case kExtServerName: e = ParseServerName(body, hello); break;
      case kExtSupportedVersions:
        e = ParseWholeU16List(body, 1, "supported_versions",
                              &hello->supported_versions);
        break;
      case kExtAlpn: e = ParseAlpn(body, hello); break;
      case kExtSignatureAlgorithms:
        e = ParseWholeU16List(body, 2, "signature_algorithms",
                              &hello->signature_algorithms);
        break;
      case kExtSupportedGroups:
        e = ParseWholeU16List(body, 2, "supported_groups",
                              &hello->supported_groups);
        break;
      default: break;
    }
    if (e) return e;
  }
  return std::nullopt;
}

std::string DescribeFirstByte(std::uint8_t byte) {
  if (byte >= 0x20 && byte < 0x7f) {
    return absl::StrFormat(
        "byte 0x%02x ('%c') cannot start a TLS record: plaintext (e.g. an "
        "SMTP command) where a ClientHello was expected",
        byte, static_cast<char>(byte));
  }
  if ((byte & 0x80) != 0) {
    return absl::StrFormat(
        "byte 0x%02x cannot start a TLS record: high bit set, as in an "
        "SSLv2-format ClientHello header",
        byte);
  }
  return absl::StrFormat("byte 0x%02x is not a TLS record content type", byte);
}

}  // namespace

std::vector<std::uint16_t> ClientHello::OfferedVersions() const {
  std::vector<std::uint16_t> out;
  for (std::uint16_t v : supported_versions) {
    if (!IsGrease(v)) out.push_back(v);
  }
  if (supported_versions.empty()) out.push_back(legacy_version);
  return out;
}

bool ClientHello::OffersVersion(std::uint16_t version) const {
  const std::vector<std::uint16_t> offered = OfferedVersions();
  return std::find(offered.begin(), offered.end(), version) != offered.end();
}

std::vector<std::string> ClientHello::CipherSuiteNames() const {
  std::vector<std::string> out;
  out.reserve(cipher_suites.size());
  for (std::uint16_t s : cipher_suites) out.push_back(CipherSuiteName(s));
  return out;
}

std::vector<std::string> ClientHello::OfferedVersionNames() const {
  std::vector<std::string> out;
  for (std::uint16_t v : OfferedVersions()) out.push_back(VersionName(v));
  return out;
}

absl::Status ClientHelloResult::ToStatus() const {
  switch (status) {
    case ClientHelloStatus::kComplete: return absl::OkStatus();
    case ClientHelloStatus::kNeedMoreBytes:
      return absl::UnavailableError("ClientHello incomplete: need more bytes");
    default: return absl::InvalidArgumentError(error);
  }
}

std::string_view ClientHelloStatusName(ClientHelloStatus status) {
  switch (status) {
    case ClientHelloStatus::kComplete: return "complete";
    case ClientHelloStatus::kNeedMoreBytes: return "need-more-bytes";
    case ClientHelloStatus::kNotTls: return "not-tls";
    case ClientHelloStatus::kMalformed: return "malformed";
  }
  return "unknown";
}

ClientHelloResult ParseClientHello(std::string_view bytes) {
  ClientHelloReader reader;
  return reader.Feed(bytes);
}

void ClientHelloReader::Fail(ClientHelloStatus status, std::size_t offset,
                             std::string what) {
  result_.status = status;
  result_.error_offset = offset;
  result_.error = absl::StrFormat("%s ClientHello at input offset %d: %s",
                                  status == ClientHelloStatus::kNotTls
                                      ? "not a TLS"
                                      : "malformed",
                                  offset, what);
  result_.hello = ClientHello();
  // Nothing more will be parsed: release the buffers.
  handshake_ = std::string();
  fragments_ = {};
}

std::size_t ClientHelloReader::RawOffset(std::size_t hs_offset) const {
  // The last fragment starting at or before hs_offset holds it.
  auto it = std::upper_bound(
      fragments_.begin(), fragments_.end(), hs_offset,
      [](std::size_t v, const std::pair<std::size_t, std::size_t>& f) {
        return v < f.first;
      });
  if (it == fragments_.begin()) return 0;
  --it;
  return it->second + (hs_offset - it->first);
}

void ClientHelloReader::OnRecordComplete() {
  ++records_;
  if (handshake_.size() < kHandshakeHeaderSize) return;
  const auto type = static_cast<std::uint8_t>(handshake_[0]);
  if (type != kHandshakeClientHello) {
    Fail(ClientHelloStatus::kMalformed, RawOffset(0),
         absl::StrFormat("handshake message type %d is not ClientHello (1)",
                         type));
    return;
  }
  const std::size_t length =
      (std::size_t{static_cast<std::uint8_t>(handshake_[1])} << 16) |
      (std::size_t{static_cast<std::uint8_t>(handshake_[2])} << 8) |
      static_cast<std::uint8_t>(handshake_[3]);
  if (length > kMaxClientHelloBytes) {
    Fail(ClientHelloStatus::kMalformed, RawOffset(1),
         absl::StrFormat("ClientHello length %d exceeds the %d-byte limit",
                         length, kMaxClientHelloBytes));
    return;
  }
  if (handshake_.size() < kHandshakeHeaderSize + length) return;

  ClientHello hello;
  hello.record_version = first_record_version_;
  const std::string_view body =
      std::string_view(handshake_).substr(kHandshakeHeaderSize, length);
  if (auto e = ParseBody(Cursor(body, kHandshakeHeaderSize), &hello)) {
    Fail(ClientHelloStatus::kMalformed, RawOffset(e->offset), e->what);
    return;
  }
  hello.record_count = records_;
  hello.wire_length = offset_;
  result_.status = ClientHelloStatus::kComplete;
  result_.hello = std::move(hello);
  handshake_ = std::string();
  fragments_ = {};
}

const ClientHelloResult& ClientHelloReader::Feed(std::string_view chunk) {
  std::size_t i = 0;
  while (i < chunk.size() && !done()) {
    if (remaining_ > 0) {
      const std::size_t take = std::min(remaining_, chunk.size() - i);
      handshake_.append(chunk.substr(i, take));
      i += take;
      offset_ += take;
      remaining_ -= take;
      if (remaining_ == 0) OnRecordComplete();
      continue;
    }
    if (header_fill_ == 0) header_offset_ = offset_;
    const auto byte = static_cast<std::uint8_t>(chunk[i]);
    header_[header_fill_++] = byte;
    ++i;
    ++offset_;
    // The first record decides "is this TLS at all"; later records are TLS
    // by then, so anything wrong with them is a malformed ClientHello.
    const bool first = records_ == 0;
    const ClientHelloStatus wrong =
        first ? ClientHelloStatus::kNotTls : ClientHelloStatus::kMalformed;
    switch (header_fill_) {
      case 1:
        if (byte < kContentChangeCipherSpec || byte > kContentHeartbeat) {
          // Described from this byte alone, so that the verdict does not
          // depend on how the input was split; DescribeNonTlsBytes on the
          // raw bytes from error_offset gives a longer preview.
          Fail(wrong, header_offset_, DescribeFirstByte(byte));
        } else if (byte != kContentHandshake) {
          Fail(ClientHelloStatus::kMalformed, header_offset_,
               absl::StrFormat("record content type %d, expected handshake (22)",
                               byte));
        }
        break;
      case 2:
        if (byte != 3) {
          Fail(wrong, header_offset_ + 1,
               absl::StrFormat("record version major byte 0x%02x is not TLS",
                               byte));
        }
        break;
      case 3:
        if (byte > 4) {
          Fail(wrong, header_offset_ + 1,
               absl::StrFormat("record version 0x03%02x is not TLS", byte));
        }
        if (first) {
          first_record_version_ =
              static_cast<std::uint16_t>((header_[1] << 8) | header_[2]);
        }
        break;
      case 5: {
        const std::size_t length = (std::size_t{header_[3]} << 8) | header_[4];
        header_fill_ = 0;
        if (length == 0) {
          Fail(ClientHelloStatus::kMalformed, header_offset_ + 3,
               "zero-length handshake record");
        } else if (length > kMaxPlaintextRecord) {
          Fail(first && length > kMaxRecordPayload ? ClientHelloStatus::kNotTls
                                                   : ClientHelloStatus::kMalformed,
               header_offset_ + 3,
               absl::StrFormat("record length %d exceeds 2^14", length));
        } else {
          fragments_.emplace_back(handshake_.size(), offset_);
          remaining_ = length;
        }
        break;
      }
      default: break;
    }
  }
  return result_;
}

}  // namespace gauntlet::tls
