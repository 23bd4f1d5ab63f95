// What `gauntlet proxy` is told to do: the attack, where to listen, the one
// upstream it relays to, and the bounds on every session.
//
// The proxy is a man in the middle on purpose, so its configuration is also
// where its safety rails live: a loopback listener unless explicitly
// allowed otherwise, exactly one upstream (whatever the client asks for),
// a bounded number of concurrent sessions, and timeouts and buffer limits
// on both legs. ValidateProxyConfig checks all of it before anything binds.
// The helpers here are pure (text in, values out).

#ifndef GAUNTLET_FAKE_SERVERS_PROXY_PROXY_CONFIG_H_
#define GAUNTLET_FAKE_SERVERS_PROXY_PROXY_CONFIG_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace gauntlet::proxy {

enum class Attack {
  // Byte-for-byte relay; the proxy only watches what is in the clear.
  kPassthrough,
  // Removes STARTTLS from the EHLO reply the client sees (502 if it sends
  // STARTTLS anyway) while the proxy itself upgrades the upstream leg.
  kStrip,
  // Leaves STARTTLS advertised but refuses it (454 by default).
  kRefuse,
  // Accepts the client's STARTTLS with a forged certificate and opens its
  // own TLS session upstream: reads everything a non-verifying client sends.
  kIntercept,
  // Forwards STARTTLS and writes extra plaintext replies right after the
  // upstream's 220 (response injection, curl CVE-2021-22947 class).
  kInject,
};

// "passthrough", "strip", "refuse", "intercept", "inject", and back.
absl::string_view AttackName(Attack attack);
std::optional<Attack> AttackFromName(absl::string_view name);
std::span<const Attack> AllAttacks();
// One line: what the attack does, for --help and the live output.
absl::string_view AttackDescription(Attack attack);

// The classic injection: a second capability list the client will read as
// the answer to its EHLO inside TLS if it keeps pre-handshake bytes.
inline constexpr absl::string_view kDefaultInjection =
    "250-mx.injected.test\r\n250 AUTH PLAIN LOGIN\r\n";
inline constexpr absl::string_view kDefaultRefuseReply =
    "454 4.7.0 TLS not available";
inline constexpr absl::string_view kStripStarttlsReply =
    "502 5.5.1 STARTTLS not supported";

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};

// "HOST:PORT" or "[V6]:PORT". The port must be 1-65535 (0 is allowed for a
// listener only: allow_zero_port).
absl::StatusOr<HostPort> ParseHostPort(absl::string_view text,
                                       bool allow_zero_port = false);

// Undoes the escapes a shell user can type in --inject: \r \n \t \\ and
// \xHH. Any other backslash sequence is an error naming its offset.
absl::StatusOr<std::string> UnescapeInjection(absl::string_view text);

// "454 4.7.0 ..." as given, or built from a bare code ("454") with the
// default text; always a single CRLF-terminated line with a 4xx/5xx code.
absl::StatusOr<std::string> BuildRefuseReply(absl::string_view code,
                                             absl::string_view text);

// Whether `host` is a loopback address literal or "localhost".
bool IsLoopbackHost(absl::string_view host);

struct ProxyConfig {
  Attack attack = Attack::kPassthrough;
  HostPort listen = {"127.0.0.1", 2525};
  HostPort upstream;
  // A listener outside 127.0.0.0/8, ::1 and localhost needs this.
  bool allow_non_loopback = false;

  // The upstream leg's TLS (strip, refuse, intercept): the name sent as SNI
  // and verified (empty: upstream.host), and the CA file to verify against.
  // Exactly one of upstream_ca_file and upstream_no_verify is needed by the
  // attacks that open TLS upstream.
  std::string upstream_name;
  std::string upstream_ca_file;
  bool upstream_no_verify = false;
  // strip / refuse: upgrade the upstream leg when it offers STARTTLS, so
  // the server sees a normal encrypted session. false keeps it plaintext.
  bool upgrade_upstream = true;

  // refuse: the full reply line (CRLF added when missing).
  std::string refuse_reply = std::string(kDefaultRefuseReply) + "\r\n";
  // inject: the raw bytes written after the upstream's 220.
  std::string injection = std::string(kDefaultInjection);
  // intercept: sign the forged certificate with the run's trusted test root
  // (the proxy writes its ca.pem) instead of an unknown root.
  bool trusted_ca = false;

  // Sessions handled before the proxy stops by itself; 0 = until stopped.
  int max_sessions = 0;
  // Sessions served at once; more connections get "421" and are closed.
  int max_concurrent = 4;
  // Every wait on either leg (a read, a write, a handshake, the connect).
  std::chrono::milliseconds io_timeout{30'000};
  // Bytes one leg may buffer ahead of the relay (pipelined input).
  std::size_t max_buffered_bytes = std::size_t{1} << 20;
  // Message bytes kept for the capture (Subject, size); larger messages
  // are relayed whole but only counted.
  std::size_t max_captured_message_bytes = std::size_t{4} << 20;
  // Per-leg cap on transcript bytes.
  std::size_t max_transcript_bytes_per_leg = std::size_t{4} << 20;
};

// Checks the configuration as a whole; the error names the offending flag.
absl::Status ValidateProxyConfig(const ProxyConfig& config);

// Whether the attack opens TLS on the upstream leg itself.
bool AttackOpensUpstreamTls(const ProxyConfig& config);

}  // namespace gauntlet::proxy

#endif  // GAUNTLET_FAKE_SERVERS_PROXY_PROXY_CONFIG_H_
