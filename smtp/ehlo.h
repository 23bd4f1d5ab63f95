// What a server announced in its EHLO reply (RFC 5321 §4.1.1.1).
//
// The first line carries the server's domain (and free text); every further
// line is a keyword with optional space-separated parameters. Keywords are
// matched case-insensitively and as whole words only: "STARTTLSX" is not
// STARTTLS, while "starttls" and "STARTTLS   " are. AUTH mechanisms are the
// union of the standard "AUTH PLAIN LOGIN" lines and the pre-standard
// "AUTH=PLAIN LOGIN" form some servers still send.

#ifndef GAUNTLET_SMTP_EHLO_H_
#define GAUNTLET_SMTP_EHLO_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "smtp/reply.h"

namespace gauntlet::smtp {

struct Capability {
  // Upper-cased keyword ("AUTH" also for the "AUTH=..." form).
  std::string keyword;
  // Parameters as sent, in order.
  std::vector<std::string> params;
  // True for the pre-standard "AUTH=MECH ..." form.
  bool legacy_auth_form = false;

  friend bool operator==(const Capability&, const Capability&) = default;
};

class EhloCapabilities {
 public:
  // Fails (kFailedPrecondition) unless the reply code is 250.
  static absl::StatusOr<EhloCapabilities> FromReply(const Reply& reply);
  // The same, into this object: its strings and vectors (those of an
  // earlier, longer reply included) are overwritten rather than freed and
  // allocated again, so that a reader of many EHLO replies (the reply
  // fuzzer) reaches a steady state without allocating. On error the object
  // is left empty.
  absl::Status Assign(const Reply& reply);

  // First word of the first line (the server's domain or address literal).
  const std::string& domain() const { return domain_; }
  // Whatever followed the domain on the first line.
  const std::string& greeting_text() const { return greeting_text_; }
  // Every keyword line in order (empty lines skipped).
  absl::Span<const Capability> capabilities() const {
    return absl::MakeConstSpan(caps_.data(), caps_used_);
  }

  // First capability with this keyword (case-insensitive), or nullptr.
  const Capability* Find(absl::string_view keyword) const;
  bool Has(absl::string_view keyword) const { return Find(keyword) != nullptr; }

  bool starttls() const { return Has("STARTTLS"); }
  bool pipelining() const { return Has("PIPELINING"); }
  bool eight_bit_mime() const { return Has("8BITMIME"); }
  bool smtputf8() const { return Has("SMTPUTF8"); }
  bool chunking() const { return Has("CHUNKING"); }
  bool enhanced_status_codes() const { return Has("ENHANCEDSTATUSCODES"); }

  // SIZE (RFC 1870): the announced maximum, 0 when SIZE has no parameter
  // (no fixed maximum), nullopt when SIZE is absent or its parameter is not
  // a decimal number that fits 64 bits.
  std::optional<std::uint64_t> size_limit() const;

  // Upper-cased union of all AUTH mechanisms, in order of first appearance.
  absl::Span<const std::string> auth_mechanisms() const {
    return absl::MakeConstSpan(auth_.data(), auth_used_);
  }
  bool SupportsAuth(absl::string_view mechanism) const;

 private:
  std::string domain_;
  std::string greeting_text_;
  // Only the first caps_used_ / auth_used_ elements are this reply's; the
  // rest are kept from an earlier reply for Assign() to reuse.
  std::vector<Capability> caps_;
  std::size_t caps_used_ = 0;
  std::vector<std::string> auth_;
  std::size_t auth_used_ = 0;
};

}  // namespace gauntlet::smtp

#endif  // GAUNTLET_SMTP_EHLO_H_
