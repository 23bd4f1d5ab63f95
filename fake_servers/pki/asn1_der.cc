#include "fake_servers/pki/asn1_der.h"

#include <arpa/inet.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace gauntlet::pki {
namespace {

// DER definite length: short form below 128, else long form.
void AppendLength(std::size_t len, std::string& out) {
  if (len < 0x80) {
    out.push_back(static_cast<char>(len));
    return;
  }
  std::string bytes;
  while (len > 0) {
    bytes.insert(bytes.begin(), static_cast<char>(len & 0xff));
    len >>= 8;
  }
  out.push_back(static_cast<char>(0x80 | bytes.size()));
  out += bytes;
}

void AppendTlv(std::uint8_t tag, const std::string& value, std::string& out) {
  out.push_back(static_cast<char>(tag));
  AppendLength(value.size(), out);
  out += value;
}

// One parsed TLV inside a buffer.
struct Tlv {
  std::uint8_t tag = 0;
  std::string_view value;  // The contents.
  std::string_view whole;  // Header and contents.
};

// Reads the TLV at the start of `in` (definite lengths up to 4 bytes only).
// `offset` is where `in` starts in the original input, for messages.
absl::StatusOr<Tlv> ReadTlv(std::string_view in, std::size_t offset) {
  if (in.size() < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("DER truncated at offset ", offset));
  }
  const auto tag = static_cast<std::uint8_t>(in[0]);
  const auto first = static_cast<std::uint8_t>(in[1]);
  std::size_t header = 2;
  std::size_t len = first;
  if (first & 0x80) {
    const std::size_t n = first & 0x7f;
    if (n == 0 || n > 4 || in.size() < 2 + n) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad DER length at offset ", offset + 1));
    }
    len = 0;
    for (std::size_t i = 0; i < n; ++i) {
      len = (len << 8) | static_cast<std::uint8_t>(in[2 + i]);
    }
    header += n;
  }
  if (len > in.size() - header) {
    return absl::InvalidArgumentError(absl::StrCat(
        "DER length ", len, " at offset ", offset, " overruns the input"));
  }
  return Tlv{tag, in.substr(header, len), in.substr(0, header + len)};
}

std::string MakeTlv(std::uint8_t tag, std::string_view value) {
  std::string out;
  out.push_back(static_cast<char>(tag));
  AppendLength(value.size(), out);
  out.append(value);
  return out;
}

// Offset of `part` inside `whole` (both views of the same buffer).
std::size_t OffsetIn(std::string_view whole, std::string_view part) {
  return static_cast<std::size_t>(part.data() - whole.data());
}

}  // namespace

absl::StatusOr<std::string> MarkExtensionCritical(
    std::string_view tbs_der, std::string_view extension_oid) {
  constexpr std::uint8_t kSequence = 0x30, kExtensionsTag = 0xa3,
                         kOid = 0x06, kBoolean = 0x01;
  auto tbs_or = ReadTlv(tbs_der, 0);
  if (!tbs_or.ok()) return tbs_or.status();
  const Tlv tbs = *tbs_or;
  if (tbs.tag != kSequence) {
    return absl::InvalidArgumentError("TBSCertificate is not a SEQUENCE");
  }
  // Walk the TBS fields to [3] Extensions.
  std::string_view rest = tbs.value;
  while (!rest.empty()) {
    auto field_or = ReadTlv(rest, OffsetIn(tbs_der, rest));
    if (!field_or.ok()) return field_or.status();
    const Tlv field = *field_or;
    if (field.tag != kExtensionsTag) {
      rest.remove_prefix(field.whole.size());
      continue;
    }
    auto exts_or = ReadTlv(field.value, OffsetIn(tbs_der, field.value));
    if (!exts_or.ok()) return exts_or.status();
    std::string new_exts;
    bool found = false;
    std::string_view ext_rest = exts_or->value;
    while (!ext_rest.empty()) {
      auto ext_or = ReadTlv(ext_rest, OffsetIn(tbs_der, ext_rest));
      if (!ext_or.ok()) return ext_or.status();
      const Tlv ext = *ext_or;
      ext_rest.remove_prefix(ext.whole.size());
      auto oid_or = ReadTlv(ext.value, OffsetIn(tbs_der, ext.value));
      if (!oid_or.ok()) return oid_or.status();
      if (oid_or->tag != kOid || oid_or->value != extension_oid) {
        new_exts.append(ext.whole);
        continue;
      }
      found = true;
      std::string_view after_oid = ext.value.substr(oid_or->whole.size());
      if (!after_oid.empty() &&
          static_cast<std::uint8_t>(after_oid[0]) == kBoolean) {
        auto crit_or = ReadTlv(after_oid, OffsetIn(tbs_der, after_oid));
        if (!crit_or.ok()) return crit_or.status();
        after_oid.remove_prefix(crit_or->whole.size());  // Replaced below.
      }
      std::string body(oid_or->whole);
      body.append("\x01\x01\xff", 3);
      body.append(after_oid);
      new_exts += MakeTlv(kSequence, body);
    }
    if (!found) {
      return absl::NotFoundError("extension to mark critical is absent");
    }
    const std::string new_field =
        MakeTlv(kExtensionsTag, MakeTlv(kSequence, new_exts));
    std::string body(tbs.value.substr(0, OffsetIn(tbs.value, field.whole)));
    body += new_field;
    body.append(rest.substr(field.whole.size()));
    return MakeTlv(kSequence, body);
  }
  return absl::NotFoundError("TBSCertificate has no extensions");
}

absl::StatusOr<std::string> EncodeGeneralNames(
    const std::vector<AltName>& names) {
  if (names.empty()) {
    return absl::InvalidArgumentError("subjectAltName: no names given");
  }
  std::string body;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const AltName& name = names[i];
    if (name.kind == AltName::Kind::kDns) {
      if (name.value.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("subjectAltName entry ", i, ": empty DNS name"));
      }
      for (std::size_t j = 0; j < name.value.size(); ++j) {
        const unsigned char c = static_cast<unsigned char>(name.value[j]);
        if (c <= 0x20 || c >= 0x7f) {
          return absl::InvalidArgumentError(absl::StrFormat(
              "subjectAltName entry %d: DNS name has byte 0x%02x at offset %d",
              i, c, j));
        }
      }
      AppendTlv(0x82, name.value, body);  // [2] IMPLICIT IA5String
    } else {
      unsigned char addr[16];
      std::string raw;
      if (inet_pton(AF_INET, name.value.c_str(), addr) == 1) {
        raw.assign(reinterpret_cast<const char*>(addr), 4);
      } else if (inet_pton(AF_INET6, name.value.c_str(), addr) == 1) {
        raw.assign(reinterpret_cast<const char*>(addr), 16);
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            "subjectAltName entry ", i, ": not an IP address: \"",
            name.value, "\""));
      }
      AppendTlv(0x87, raw, body);  // [7] IMPLICIT OCTET STRING
    }
  }
  std::string out;
  AppendTlv(0x30, body, out);
  return out;
}

absl::StatusOr<std::string> EncodeTime(absl::Time t) {
  const absl::CivilSecond cs = absl::ToCivilSecond(t, absl::UTCTimeZone());
  if (cs.year() < 0 || cs.year() > 9999) {
    return absl::InvalidArgumentError(
        absl::StrCat("certificate date out of range: year ", cs.year()));
  }
  std::string out;
  if (cs.year() >= 1950 && cs.year() <= 2049) {
    AppendTlv(0x17,
              absl::StrFormat("%02d%02d%02d%02d%02d%02dZ", cs.year() % 100,
                              cs.month(), cs.day(), cs.hour(), cs.minute(),
                              cs.second()),
              out);
  } else {
    AppendTlv(0x18,
              absl::StrFormat("%04d%02d%02d%02d%02d%02dZ", cs.year(),
                              cs.month(), cs.day(), cs.hour(), cs.minute(),
                              cs.second()),
              out);
  }
  return out;
}

}  // namespace gauntlet::pki
