#include "client/flaws.h"

#include <array>

namespace gauntlet::client {
namespace {

constexpr std::array<FlawInfo, kFlawCount> kFlaws = {{
    {Flaw::kFallbackOnStrip, "fallback-on-strip",
     "continues in plaintext when STARTTLS is not advertised or is refused "
     "(454, 502, ...)",
     "STARTTLS stripping: Python smtplib CVE-2016-0772, parsedmarc/mailsuite "
     "advisory; striptls StripFromCapabilities/StripWithError",
     FlawKind::kInsecure},
    {Flaw::kAcceptHelo, "accept-helo",
     "accepts a refused EHLO and goes on with HELO in plaintext",
     "ESMTP downgrade (EHLO 500, HELO 250): striptls "
     "ProtocolDowngradeStripExtendedMode, curl test 804",
     FlawKind::kInsecure},
    {Flaw::kNoVerify, "no-verify",
     "accepts any server certificate (no chain, name or date checks)",
     "Trojita CVE-2020-15047 (certificate errors ignored for SMTP); "
     "verification off by default",
     FlawKind::kInsecure},
    {Flaw::kNoHostnameCheck, "no-hostname-check",
     "verifies the chain and dates but not that the certificate names the "
     "host",
     "Jakarta Mail mail.smtp.ssl.checkserveridentity=false, "
     "vertx-mail-client (no host check on STARTTLS); RFC 6125, RFC 7817",
     FlawKind::kInsecure},
    {Flaw::kIgnoreDates, "ignore-dates",
     "accepts expired and not-yet-valid certificates (other checks stay)",
     "RFC 5280 s4.1.2.5 validity ignored; x509-limbo / badssl.com expired "
     "cases",
     FlawKind::kInsecure},
    {Flaw::kRetryPlaintext, "retry-plaintext",
     "after a failed TLS handshake, reconnects and delivers without STARTTLS",
     "covert downgrade after a TLS failure (NDSS 2025, Tang et al.; "
     "striptls UntrustedIntercept)",
     FlawKind::kInsecure},
    {Flaw::kKeepBuffer, "keep-buffer",
     "keeps bytes received after the 220 to STARTTLS and reads them as "
     "replies inside TLS",
     "response injection: curl CVE-2021-22947, Mutt CVE-2020-14954, libEtPan "
     "CVE-2020-15953, Exim CVE-2021-38371",
     FlawKind::kInsecure},
    {Flaw::kStaleCapabilities, "stale-capabilities",
     "sends EHLO inside TLS but ignores its reply and keeps using the "
     "pre-TLS capability list (SIZE, BODY=8BITMIME, AUTH mechanism)",
     "RFC 3207 s4.2 (discard pre-TLS knowledge); MailKit SASL mechanism "
     "downgrade (USENIX Security 2021)",
     FlawKind::kInsecure},
    {Flaw::kPipelineStarttls, "pipeline-starttls",
     "sends EHLO in the same write as STARTTLS, before the 220 reply",
     "RFC 3207 s4 / RFC 2920 s3.1 (STARTTLS ends a pipeline); client-side "
     "mirror of Postfix CVE-2011-0411, Dovecot CVE-2021-33515",
     FlawKind::kInsecure},
    {Flaw::kNoTimeout, "no-timeout",
     "waits forever for the TLS handshake and for every reply",
     "stalled handshake hangs the client (RFC 5321 s4.5.3.2 timeouts; "
     "USENIX Security 2021 STARTTLS study)",
     FlawKind::kInsecure},
    {Flaw::kAuthBeforeTls, "auth-before-tls",
     "authenticates in plaintext before STARTTLS when the plaintext EHLO "
     "advertises AUTH PLAIN or LOGIN",
     "credentials sent in plaintext although TLS was required: RFC 4954 s4, "
     "RFC 3207 s4.2",
     FlawKind::kInsecure},
    {Flaw::kStarttlsTwice, "starttls-twice",
     "issues STARTTLS again inside TLS when the in-TLS EHLO advertises it",
     "RFC 3207 s4.2 (STARTTLS must not be used twice); USENIX Security 2021 "
     "STARTTLS study",
     FlawKind::kInsecure},
    {Flaw::kFallbackSameConnection, "fallback-same-connection",
     "after a failed handshake, a rejected certificate or a refused "
     "STARTTLS, goes on in plaintext on the same connection: EHLO, AUTH "
     "(gives up if none is offered), MAIL, RCPT, DATA",
     "same-connection downgrade of authenticating opportunistic clients "
     "(USENIX Security 2021 STARTTLS study; NDSS 2025, Tang et al.); RFC "
     "3207 s6",
     FlawKind::kInsecure},
    {Flaw::kAlwaysAuthPlain, "always-auth-plain",
     "benign: inside TLS, after the real EHLO reply, authenticates with "
     "AUTH PLAIN whatever mechanisms the reply offers",
     "clients configured for one mechanism: s-nail smtp-auth=plain (Debian "
     "12) sends AUTH PLAIN after the in-TLS EHLO reply whatever it offers",
     FlawKind::kBenign},
}};

}  // namespace

std::span<const FlawInfo> AllFlaws() { return kFlaws; }

const FlawInfo& InfoFor(Flaw flaw) {
  return kFlaws[static_cast<std::size_t>(flaw)];
}

std::string_view FlawName(Flaw flaw) { return InfoFor(flaw).name; }

std::optional<Flaw> FlawFromName(std::string_view name) {
  for (const FlawInfo& info : kFlaws) {
    if (info.name == name) return info.flaw;
  }
  return std::nullopt;
}

std::string FlawSet::ToString() const {
  std::string out;
  for (const FlawInfo& info : kFlaws) {
    if (!Has(info.flaw)) continue;
    if (!out.empty()) out += ',';
    out += info.name;
  }
  return out.empty() ? "none" : out;
}

}  // namespace gauntlet::client
