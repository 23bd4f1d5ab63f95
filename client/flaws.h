// The reference client's switchable flaws: one known class of STARTTLS
// client bug each, reproduced on purpose.
//
// Gauntlet proves that it detects every flaw class by running its own
// client once per flaw against the scenario catalogue. Each flaw changes
// exactly one decision of the otherwise secure client (see
// docs/reference-client.md for the precise behaviour of each); with an empty
// FlawSet the client is secure. AllFlaws() is the programmatic list the
// runner, `gauntlet demo` and the help text are built from.

#ifndef GAUNTLET_CLIENT_FLAWS_H_
#define GAUNTLET_CLIENT_FLAWS_H_

#include <bitset>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace gauntlet::client {

enum class Flaw {
  kFallbackOnStrip,
  kAcceptHelo,
  kNoVerify,
  kNoHostnameCheck,
  kIgnoreDates,
  kRetryPlaintext,
  kKeepBuffer,
  kStaleCapabilities,
  kPipelineStarttls,
  kNoTimeout,
  kAuthBeforeTls,
  kStarttlsTwice,
  kFallbackSameConnection,
  kAlwaysAuthPlain,
};
inline constexpr std::size_t kFlawCount = 14;

// Whether a flaw breaks the client's security or only looks suspicious.
enum class FlawKind {
  // A real vulnerability: some scenario must fail the client for it.
  kInsecure,
  // A harmless quirk of real clients that a careless verdict could mistake
  // for an attack (e.g. always using AUTH PLAIN): no scenario may fail the
  // client for it. It proves the verdicts raise no false alarm.
  kBenign,
};

struct FlawInfo {
  Flaw flaw;
  // The --flaw name, kebab-case ("fallback-on-strip"). Stable: scenario
  // expectation files and reports refer to it.
  std::string_view name;
  // What the flawed client does, one line.
  std::string_view behaviour;
  // The real bug class it reproduces: CVEs, advisories, products.
  std::string_view reference;
  FlawKind kind;
};

// Every flaw, in enum order.
std::span<const FlawInfo> AllFlaws();
const FlawInfo& InfoFor(Flaw flaw);
std::string_view FlawName(Flaw flaw);
std::optional<Flaw> FlawFromName(std::string_view name);

// A set of enabled flaws. Default-constructed: the secure client.
class FlawSet {
 public:
  FlawSet() = default;

  FlawSet& Add(Flaw flaw) {
    bits_.set(static_cast<std::size_t>(flaw));
    return *this;
  }
  bool Has(Flaw flaw) const {
    return bits_.test(static_cast<std::size_t>(flaw));
  }
  bool empty() const { return bits_.none(); }
  // Comma-separated names in enum order, "none" when empty.
  std::string ToString() const;

  friend bool operator==(const FlawSet&, const FlawSet&) = default;

 private:
  std::bitset<kFlawCount> bits_;
};

}  // namespace gauntlet::client

#endif  // GAUNTLET_CLIENT_FLAWS_H_
