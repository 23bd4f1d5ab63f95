#include "harness/cli/behavior_text.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/text_escape.h"
#include "fake_servers/behavior.h"
#include "fake_servers/pki/cert_profile.h"
#include "harness/scenario/behavior_names.h"

namespace gauntlet::cli {
namespace {

// Raw bytes as a quoted C string; long values are cut (show is for people;
// the scenario file has the exact bytes).
constexpr std::size_t kMaxRawChars = 300;

std::string Raw(const std::string& bytes) {
  std::string escaped = absl::CEscape(bytes);
  if (escaped.size() > kMaxRawChars) {
    escaped = absl::StrCat(escaped.substr(0, kMaxRawChars), "... [",
                           bytes.size(), " bytes]");
  }
  return absl::StrCat("\"", escaped, "\"");
}

bool HasStarttls(const std::vector<std::string>& caps) {
  for (const std::string& c : caps) {
    if (c == "STARTTLS") return true;
  }
  return false;
}

// Capability lines come from a scenario file: one line each, but any other
// byte (ESC included) is possible, so they are escaped for the terminal.
std::string Capabilities(const std::vector<std::string>& caps) {
  if (caps.empty()) return "(none)";
  std::vector<std::string> shown;
  shown.reserve(caps.size());
  for (const std::string& c : caps) shown.push_back(text::SanitizeText(c));
  return absl::StrJoin(shown, ", ");
}

std::string AfterStarttlsText(fake::AfterStarttls a) {
  switch (a) {
    case fake::AfterStarttls::kHandshake:
      return "start the TLS handshake";
    case fake::AfterStarttls::kStayPlaintext:
      return "stay in plaintext and keep answering SMTP commands";
    case fake::AfterStarttls::kClose:
      return "close the connection";
  }
  return std::string(scenario::AfterStarttlsName(a));
}

std::string FaultText(const fake::ConnectionBehavior& c) {
  switch (c.handshake_fault) {
    case fake::HandshakeFault::kNone:
      return "none";
    case fake::HandshakeFault::kCloseBeforeHandshake:
      return "close the TCP connection (FIN) without reading the ClientHello";
    case fake::HandshakeFault::kResetBeforeHandshake:
      return "reset the TCP connection (RST) without reading the ClientHello";
    case fake::HandshakeFault::kStall:
      return "read the ClientHello, then never send a byte (stalled "
             "handshake)";
    case fake::HandshakeFault::kPlaintextInsteadOfServerHello:
      return "answer the ClientHello with plaintext SMTP instead of a "
             "ServerHello";
    case fake::HandshakeFault::kFatalAlert:
      return "answer the ClientHello with a fatal handshake_failure alert";
    case fake::HandshakeFault::kPartialFlightThenClose:
      return absl::StrCat("send only the first ", c.partial_flight_bytes,
                          " bytes of its first flight, then close");
    case fake::HandshakeFault::kCloseAfterHandshake:
      return "complete the handshake, then close at once";
  }
  return std::string(scenario::HandshakeFaultName(c.handshake_fault));
}

std::string PhaseText(fake::Phase p) {
  switch (p) {
    case fake::Phase::kAny:
      return "";
    case fake::Phase::kPlaintext:
      return " (in plaintext only)";
    case fake::Phase::kTls:
      return " (inside TLS only)";
  }
  return "";
}

}  // namespace

std::vector<std::string> DescribeConnection(const fake::ConnectionBehavior& c) {
  const fake::ConnectionBehavior good;
  std::vector<std::string> out;
  if (c.greeting != good.greeting) {
    out.push_back(absl::StrCat("greeting: ", Raw(c.greeting)));
  }
  if (c.refuse_ehlo) {
    out.push_back("refuses EHLO with 500 (the client must fall back to HELO, "
                  "which cannot offer STARTTLS)");
  }
  // The capabilities are always listed: they are what a client decides
  // on (an attack's default differs from the good server's: it offers AUTH
  // in plaintext too).
  bool ehlo_overridden = false;
  for (const fake::ReplyOverride& o : c.reply_overrides) {
    ehlo_overridden =
        ehlo_overridden || (o.verb == "EHLO" && o.phase != fake::Phase::kTls);
  }
  if (!c.refuse_ehlo && !ehlo_overridden) {
    out.push_back(absl::StrCat(
        "capabilities before TLS: ", Capabilities(c.capabilities),
        HasStarttls(c.capabilities) ? "" : " (no STARTTLS)"));
  }
  out.push_back(absl::StrCat("capabilities inside TLS: ",
                             Capabilities(c.tls_capabilities)));
  if (c.ignore_ehlo_in_tls) {
    out.push_back("never answers EHLO inside TLS");
  }
  if (c.starttls_reply != good.starttls_reply) {
    out.push_back(absl::StrCat("reply to STARTTLS: ", Raw(c.starttls_reply)));
  }
  if (!c.inject_after_starttls_reply.empty()) {
    out.push_back(absl::StrCat(
        "injects after the STARTTLS reply, in the same write: ",
        Raw(c.inject_after_starttls_reply)));
  }
  if (c.after_starttls != good.after_starttls) {
    out.push_back(absl::StrCat("after the STARTTLS reply: ",
                               AfterStarttlsText(c.after_starttls)));
  }
  if (c.starttls_in_tls_reply != good.starttls_in_tls_reply) {
    out.push_back(absl::StrCat("reply to STARTTLS inside TLS: ",
                               Raw(c.starttls_in_tls_reply)));
  }
  if (c.handshake_fault != good.handshake_fault) {
    out.push_back(absl::StrCat("TLS handshake fault: ", FaultText(c), " [",
                               std::string(scenario::HandshakeFaultName(c.handshake_fault)),
                               "]"));
  }
  if (c.tls_versions != good.tls_versions) {
    out.push_back(absl::StrCat("TLS versions: ",
                               std::string(scenario::TlsVersionsName(c.tls_versions))));
  }
  if (c.cipher_policy != good.cipher_policy) {
    out.push_back(absl::StrCat("cipher suites: ",
                               std::string(scenario::CipherPolicyName(c.cipher_policy))));
  }
  if (c.cert != good.cert) {
    out.push_back(absl::StrCat("certificate profile: ",
                               std::string(pki::CertProfileName(c.cert))));
  }
  if (c.key_type != good.key_type) {
    out.push_back(
        absl::StrCat("leaf key type: ", std::string(pki::KeyTypeName(c.key_type))));
  }
  if (c.linger_after_tls_failure != good.linger_after_tls_failure) {
    out.push_back(absl::StrCat("keeps the connection open ",
                               c.linger_after_tls_failure.count(),
                               " ms after a failed handshake"));
  }
  if (c.require_tls) {
    out.push_back("answers AUTH, MAIL, RCPT, DATA and BDAT in plaintext with "
                  "\"530 5.7.0 Must issue a STARTTLS command first\"");
  }
  for (const fake::ReplyOverride& o : c.reply_overrides) {
    out.push_back(absl::StrCat("reply to ", o.verb, PhaseText(o.phase), ": ",
                               Raw(o.raw),
                               o.close_after ? ", then closes" : ""));
  }
  for (const fake::CommandDelay& d : c.delays) {
    out.push_back(absl::StrCat("holds back the reply to ", d.verb, " for ",
                               d.delay.count(), " ms"));
  }
  if (c.bare_lf_replies) {
    out.push_back("ends every reply line with a bare LF instead of CRLF");
  }
  if (c.keep_open_after_quit) {
    out.push_back(
        "keeps the connection open after its reply to QUIT and "
        "goes on answering commands");
  }
  return out;
}

std::string DescribeBehavior(const fake::ServerBehavior& b,
                             const std::string& indent) {
  const fake::ServerBehavior good;
  std::string out;
  if (b.max_connections != good.max_connections) {
    absl::StrAppend(&out, indent, "accepts at most ", b.max_connections,
                    " connection(s); later ones are closed at once\n");
  }
  if (b.idle_timeout != good.idle_timeout) {
    absl::StrAppend(&out, indent, "closes a connection idle for ",
                    b.idle_timeout.count(), " ms\n");
  }
  const std::size_t n = b.connections.size();
  bool any = !out.empty();
  for (std::size_t i = 0; i < n; ++i) {
    const std::vector<std::string> lines = DescribeConnection(b.connections[i]);
    std::string label;
    if (n == 1) {
      label = "every connection";
    } else if (i + 1 == n) {
      label = absl::StrCat("connection ", i + 1, " and later");
    } else {
      label = absl::StrCat("connection ", i + 1);
    }
    if (lines.empty()) {
      if (n > 1) {
        absl::StrAppend(&out, indent, label, ": a good server\n");
        any = true;
      }
      continue;
    }
    any = true;
    absl::StrAppend(&out, indent, label, ":\n");
    for (const std::string& line : lines) {
      absl::StrAppend(&out, indent, "  - ", line, "\n");
    }
  }
  if (!any) {
    absl::StrAppend(&out, indent,
                    "a good, RFC 5321/3207-conforming server (no "
                    "misbehaviour switch set)\n");
  }
  return out;
}

}  // namespace gauntlet::cli
