// Everything one run of the reference client needs to know: where to
// connect, how strict to be about TLS, what to deliver, and which flaws to
// switch on. Filled from the command line by client_main.cc, or directly by
// code that embeds the client.

#ifndef GAUNTLET_CLIENT_OPTIONS_H_
#define GAUNTLET_CLIENT_OPTIONS_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "client/flaws.h"

namespace gauntlet::client {

// The names match scenario::Policy ("require-tls", ...), so a scenario's
// expectation for a policy applies to the client run with that policy.
enum class TlsPolicy {
  // STARTTLS is mandatory and the certificate must verify against the CA
  // file for the server name (chain, host name, dates).
  kRequireTls,
  // STARTTLS is mandatory; any certificate is accepted (encryption only).
  kRequireTlsNoVerify,
  // STARTTLS when the server offers and accepts it (certificate not
  // verified, like Postfix "may"); plaintext when EHLO is refused or
  // STARTTLS is not offered or is refused. A failed handshake still fails.
  kOpportunistic,
};

absl::string_view TlsPolicyName(TlsPolicy policy);
std::optional<TlsPolicy> TlsPolicyFromName(absl::string_view name);

struct ClientOptions {
  std::string host;  // Name or address to connect to.
  std::uint16_t port = 25;
  // Trust anchors (PEM). Empty: the system bundle.
  std::string ca_file;
  // The name the certificate must carry and the SNI; empty means `host`.
  std::string server_name;
  // AUTH only when user is set.
  std::optional<std::string> user;
  std::string password;
  std::string from = "sender@gauntlet.test";
  std::vector<std::string> to = {"recipient@gauntlet.test"};
  TlsPolicy policy = TlsPolicy::kRequireTls;
  // Connect, every reply, every send and the whole handshake.
  std::chrono::milliseconds timeout{30'000};
  // The message as read from --message-file, lines ending in CRLF; empty
  // means a small default message.
  std::optional<std::string> message;
  // The EHLO/HELO argument.
  std::string ehlo_name = "client.gauntlet.test";
  FlawSet flaws;

  // server_name, or host when it is empty.
  const std::string& EffectiveServerName() const {
    return server_name.empty() ? host : server_name;
  }
};

}  // namespace gauntlet::client

#endif  // GAUNTLET_CLIENT_OPTIONS_H_
