#include "fake_servers/proxy/proxy_config.h"

#include <arpa/inet.h>

#include <array>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace gauntlet::proxy {
namespace {

constexpr std::array<Attack, 5> kAttacks = {
    Attack::kPassthrough, Attack::kStrip, Attack::kRefuse, Attack::kIntercept,
    Attack::kInject};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

absl::string_view AttackName(Attack attack) {
  switch (attack) {
    case Attack::kPassthrough: return "passthrough";
    case Attack::kStrip: return "strip";
    case Attack::kRefuse: return "refuse";
    case Attack::kIntercept: return "intercept";
    case Attack::kInject: return "inject";
  }
  return "unknown";
}

std::optional<Attack> AttackFromName(absl::string_view name) {
  for (Attack a : kAttacks) {
    if (AttackName(a) == name) return a;
  }
  return std::nullopt;
}

std::span<const Attack> AllAttacks() { return kAttacks; }

absl::string_view AttackDescription(Attack attack) {
  switch (attack) {
    case Attack::kPassthrough:
      return "no attack: relays every byte unchanged and reads only what is "
             "in the clear";
    case Attack::kStrip:
      return "removes STARTTLS from the EHLO reply (502 if sent anyway) and "
             "upgrades the upstream leg itself";
    case Attack::kRefuse:
      return "advertises STARTTLS but answers it with 454 (or --refuse-reply)";
    case Attack::kIntercept:
      return "accepts STARTTLS with a forged certificate for the upstream's "
             "name and opens its own TLS upstream";
    case Attack::kInject:
      return "forwards STARTTLS and injects plaintext replies right after the "
             "upstream's 220";
  }
  return "";
}

absl::StatusOr<HostPort> ParseHostPort(absl::string_view text,
                                       bool allow_zero_port) {
  HostPort out;
  absl::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == absl::string_view::npos || close + 1 >= text.size() ||
        text[close + 1] != ':') {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", text, "': expected [IPV6]:PORT"));
    }
    out.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == absl::string_view::npos || colon == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", text, "': expected HOST:PORT"));
    }
    out.host = std::string(text.substr(0, colon));
    if (out.host.find(':') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", text, "': an IPv6 address needs brackets: [ADDR]:PORT"));
    }
    port_text = text.substr(colon + 1);
  }
  std::uint32_t port = 0;
  if (port_text.empty() || port_text.size() > 5 ||
      !absl::SimpleAtoi(absl::string_view(port_text.data(), port_text.size()),
                        &port) ||
      port > 65535 || (port == 0 && !allow_zero_port)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", text, "': port '", port_text, "' is not a number in 1-65535"));
  }
  if (out.host.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "': empty host"));
  }
  out.port = static_cast<std::uint16_t>(port);
  return out;
}

absl::StatusOr<std::string> UnescapeInjection(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (i + 1 >= text.size()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--inject: lone backslash at the end (offset %d)", i));
    }
    const char e = text[++i];
    switch (e) {
      case 'r': out.push_back('\r'); break;
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case '\\': out.push_back('\\'); break;
      case 'x': {
        const int hi = i + 1 < text.size() ? HexValue(text[i + 1]) : -1;
        const int lo = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
          return absl::InvalidArgumentError(absl::StrFormat(
              "--inject: \\x at offset %d needs two hex digits", i - 1));
        }
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        break;
      }
      default:
        return absl::InvalidArgumentError(absl::StrFormat(
            "--inject: unknown escape '\\%c' at offset %d (use \\r \\n \\t "
            "\\\\ \\xHH)",
            e, i - 1));
    }
  }
  return out;
}

absl::StatusOr<std::string> BuildRefuseReply(absl::string_view code,
                                             absl::string_view text) {
  std::string line;
  if (!text.empty()) {
    line = std::string(text);
  } else if (!code.empty()) {
    line = absl::StrCat(code, " 4.7.0 TLS not available");
  } else {
    line = std::string(kDefaultRefuseReply);
  }
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.pop_back();
  }
  if (line.size() < 3 || (line[0] != '4' && line[0] != '5') ||
      !absl::ascii_isdigit(static_cast<unsigned char>(line[1])) ||
      !absl::ascii_isdigit(static_cast<unsigned char>(line[2])) ||
      (line.size() > 3 && line[3] != ' ')) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--refuse-code/--refuse-reply: '", line,
        "' is not a 4xx or 5xx reply line (e.g. \"454 4.7.0 TLS not "
        "available\")"));
  }
  if (line.find_first_of("\r\n") != std::string::npos || line.size() > 510) {
    return absl::InvalidArgumentError(
        "--refuse-reply: must be one line of at most 510 bytes");
  }
  return line + "\r\n";
}

bool IsLoopbackHost(absl::string_view host) {
  if (host == "localhost") return true;
  const std::string h(host);
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, h.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

bool AttackOpensUpstreamTls(const ProxyConfig& config) {
  switch (config.attack) {
    case Attack::kStrip:
    case Attack::kRefuse:
      return config.upgrade_upstream;
    case Attack::kIntercept:
      return true;
    case Attack::kPassthrough:
    case Attack::kInject:
      return false;
  }
  return false;
}

absl::Status ValidateProxyConfig(const ProxyConfig& config) {
  if (config.listen.host.empty()) {
    return absl::InvalidArgumentError("--listen: no address");
  }
  if (!config.allow_non_loopback && !IsLoopbackHost(config.listen.host)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--listen ", config.listen.host,
        ": not a loopback address; a man-in-the-middle proxy must not face a "
        "network unless you pass --allow-non-loopback"));
  }
  if (config.upstream.host.empty() || config.upstream.port == 0) {
    return absl::InvalidArgumentError("--upstream HOST:PORT is required");
  }
  if (AttackOpensUpstreamTls(config)) {
    if (config.upstream_ca_file.empty() && !config.upstream_no_verify) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--attack ", AttackName(config.attack),
          " opens TLS to the upstream: give --upstream-ca FILE to verify its "
          "certificate, or --upstream-no-verify"));
    }
    if (!config.upstream_ca_file.empty() && config.upstream_no_verify) {
      return absl::InvalidArgumentError(
          "--upstream-ca and --upstream-no-verify exclude each other");
    }
  }
  if (config.max_sessions < 0) {
    return absl::InvalidArgumentError("--max-sessions must be >= 0");
  }
  if (config.max_concurrent < 1 || config.max_concurrent > 64) {
    return absl::InvalidArgumentError("--max-concurrent must be 1-64");
  }
  if (config.io_timeout <= std::chrono::milliseconds(0) ||
      config.io_timeout > std::chrono::hours(1)) {
    return absl::InvalidArgumentError(
        "--timeout must be positive and at most one hour");
  }
  if (config.max_buffered_bytes < 4096) {
    return absl::InvalidArgumentError("buffer limit below 4096 bytes");
  }
  if (config.injection.size() > 64 * 1024) {
    return absl::InvalidArgumentError("--inject: more than 64 KiB");
  }
  return absl::OkStatus();
}

}  // namespace gauntlet::proxy
