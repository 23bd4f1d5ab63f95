#include "harness/verdict/rules.h"

#include <array>
#include <span>
#include <string_view>

namespace gauntlet::verdict {
namespace {

const std::array<Rule, 16> kRules = {{
    {kRuleNeverIssuedStarttls,
     "The client must issue STARTTLS when its policy requires TLS.",
     "enable STARTTLS (e.g. curl --ssl-reqd, smtplib starttls(), Postfix "
     "smtp_tls_security_level=encrypt)",
     "RFC 3207 §4", false},
    {kRulePlaintextAuth,
     "No AUTH command, AUTH exchange line or credential in plaintext.",
     "require STARTTLS and abort when the server does not offer it",
     "RFC 3207 §6; RFC 8314", false},
    {kRulePlaintextMessage, "No DATA, BDAT or message bytes in plaintext.",
     "require STARTTLS and abort when the server does not offer it",
     "RFC 3207 §6; RFC 8314", false},
    {kRulePlaintextMail, "No MAIL FROM or RCPT TO in plaintext.",
     "require STARTTLS and abort when the server does not offer it",
     "RFC 3207 §6; RFC 8314", false},
    {kRuleAcceptedBadCertificate,
     "No command but QUIT inside a TLS session with a bad certificate.",
     "verify the certificate chain and host name before sending anything; on "
     "failure close the connection (QUIT at most)",
     "RFC 3207 §4.1; RFC 6125 §6; RFC 7817; RFC 5280 §6", false},
    {kRuleAcceptedWeakTls,
     "No command but QUIT inside TLS 1.1 or older, or with a weak suite.",
     "require TLS 1.2 or later and refuse NULL, export, RC4 and 3DES suites",
     "RFC 3207 §4.1; RFC 8996; RFC 9325 §4.1", false},
    {kRuleActedOnInjectedBytes,
     "Bytes received before the TLS switch, or injected after a reply, must "
     "never be read as the server's replies.",
     "discard buffered bytes at the TLS switch and read each reply only after "
     "sending its command",
     "RFC 3207 §4.2; CVE-2021-22947; CVE-2020-14954; CVE-2021-38371", true},
    {kRuleProceededWithoutReply,
     "After EHLO, HELO, AUTH (and each AUTH step) and DATA the client must "
     "wait for the reply.",
     "wait for the reply to EHLO, AUTH and DATA before sending the next "
     "command",
     "RFC 2920 §3.1; RFC 5321 §4.1.1.4; RFC 3207 §4.2", true},
    {kRuleStarttlsPipelining,
     "Nothing may follow STARTTLS before the server's reply to it.",
     "send STARTTLS alone, wait for its 220 reply, then start the handshake",
     "RFC 3207 §4; cf. CVE-2011-0411", true},
    {kRulePlaintextAfterStarttlsAccepted,
     "After a 220 reply to STARTTLS the client must start TLS, not talk "
     "plaintext.",
     "start the TLS handshake right after the 220 reply and abort if it "
     "cannot complete",
     "RFC 3207 §4", true},
    {kRuleStarttlsInsideTls, "STARTTLS must not be sent inside TLS.",
     "never issue STARTTLS once TLS is active, even if it is advertised",
     "RFC 3207 §4.2", true},
    {kRuleStaleCapabilities,
     "Inside TLS only the extensions of the EHLO reply inside TLS may be "
     "used.",
     "discard the capabilities learned before TLS and use only the reply to "
     "the EHLO sent after the handshake",
     "RFC 3207 §4.2", true},
    {kRuleNoEhloAfterTls,
     "The first command inside TLS must be EHLO (or HELO).",
     "send EHLO as the first command after the handshake",
     "RFC 3207 §4.2", true},
    {kRuleHang, "The client must not wait forever on a silent server.",
     "put a timeout on the connection, the TLS handshake and every reply, and "
     "abort when it expires",
     "RFC 5321 §4.5.3.2", true},
    // Low, not medium: the client did nothing unsafe (it never acted on
    // what it was not sent); waiting for a reply is what RFC 5321
    // §4.5.3.2 asks for (minutes per reply). What remains is that it
    // outwaited the scenario's limit, a cost in CI time and a robustness
    // matter, not a hole an attacker can use. A client that hangs on a
    // stalled handshake, where no reply is due, keeps `hang`.
    {kRuleGaveUpLate,
     "A client waiting for a reply the server withheld, delayed or still "
     "owed should give up on its own within the scenario's limit.",
     "put a timeout on every reply (RFC 5321 §4.5.3.2 suggests minutes; a "
     "client in CI may want less) and close the connection when it expires",
     "RFC 5321 §4.5.3.2", true, scenario::Severity::kLow},
    {kRuleNoDeliveryOverTls,
     "A control scenario (a good server) must end with the message delivered "
     "over TLS.",
     "check the client's TLS settings (CA file, server name, STARTTLS); a "
     "client that cannot deliver makes its attack results meaningless",
     "RFC 3207", false},
}};

}  // namespace

std::span<const Rule> AllRules() { return kRules; }

const Rule* FindRule(std::string_view id) {
  for (const Rule& rule : kRules) {
    if (rule.id == id) return &rule;
  }
  return nullptr;
}

int RuleRank(std::string_view id) {
  for (std::size_t i = 0; i < kRules.size(); ++i) {
    if (kRules[i].id == id) return static_cast<int>(i);
  }
  return static_cast<int>(kRules.size());
}

}  // namespace gauntlet::verdict
