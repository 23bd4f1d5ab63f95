#include "client/options.h"

namespace gauntlet::client {

absl::string_view TlsPolicyName(TlsPolicy policy) {
  switch (policy) {
    case TlsPolicy::kRequireTls:
      return "require-tls";
    case TlsPolicy::kRequireTlsNoVerify:
      return "require-tls-no-verify";
    case TlsPolicy::kOpportunistic:
      return "opportunistic";
  }
  return "require-tls";
}

std::optional<TlsPolicy> TlsPolicyFromName(absl::string_view name) {
  for (TlsPolicy p : {TlsPolicy::kRequireTls, TlsPolicy::kRequireTlsNoVerify,
                      TlsPolicy::kOpportunistic}) {
    if (TlsPolicyName(p) == name) return p;
  }
  return std::nullopt;
}

}  // namespace gauntlet::client
