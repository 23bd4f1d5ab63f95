// The passes ObserveRun makes over one recorded connection, each a named
// function with its own test (tests/verdict/observation_passes_test.cc).
//
// A pass reads the connection's transcript (and what earlier passes found,
// in ConnectionScan) and fills in ConnectionFacts or Observations. The order
// in ObserveConnection (observations.cc) is the order below: replies and
// capabilities first (the others need the STARTTLS reply and the offered
// capabilities), then STARTTLS, the TLS session, every client line, lines
// sent too early, the 530 reply, and finally what the client was still
// waiting for.

#ifndef GAUNTLET_HARNESS_VERDICT_OBSERVATION_PASSES_H_
#define GAUNTLET_HARNESS_VERDICT_OBSERVATION_PASSES_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fake_servers/transcript.h"
#include "harness/verdict/observations.h"

namespace gauntlet::verdict::passes {

// Everything the passes need to know about earlier connections.
struct PriorStarttls {
  int connection = -1;  // Latest earlier connection that sent STARTTLS.
};

// What the passes learn about one connection and share.
struct ConnectionScan {
  explicit ConnectionScan(const fake::ConnectionTranscript& c) : conn(c) {}
  const fake::ConnectionTranscript& conn;
  // Per event: when a client line arrived (read_us, or t_us when the
  // transcript has no read time); t_us for the server's events.
  std::vector<int64_t> arrival;
  // Capability tokens: upper-case keywords plus "AUTH=<MECH>" per
  // mechanism, from the plaintext EHLO replies, those inside TLS, and the
  // injected bytes.
  std::set<std::string> plain_caps;
  std::set<std::string> tls_caps;
  std::set<std::string> injected_caps;
  bool saw_plain_ehlo_reply = false;
  std::optional<std::size_t> starttls_index;
  std::optional<std::size_t> starttls_reply_index;
  // When the server first wrote injected bytes (-1: never).
  int64_t injection_t_us = -1;
  // When the server wrote its first 250 EHLO reply inside TLS (-1: never).
  int64_t tls_ehlo_reply_t_us = -1;
  // The client was stopped at its limit and this connection's close (a
  // FIN, reset or truncation from the client) came no earlier than that
  // stop can have: the runner kills the client timeout_us after starting
  // it, and the server's clock started before the client did, so a close
  // at closed_us >= timeout_us may be the kill's and not the client's
  // choice. A close before it was the client's own.
  bool closed_when_stopped = false;
};

// Capability tokens of an EHLO reply's text (as a kReply event holds it:
// lines without the final CRLF), through smtp::EhloCapabilities.
void AddEhloReplyTokens(const std::string& reply_text,
                        std::set<std::string>& tokens);
// Capability tokens of injected bytes: every line of every reply in them is
// read as a capability line (the bytes may imitate the tail of an EHLO
// reply); an unfinished last line counts too, as a lenient client reads it.
void AddInjectedTokens(const std::string& bytes, std::set<std::string>& tokens);

// Pass 0: per event, when it arrived (see ConnectionScan::arrival).
std::vector<int64_t> ArrivalTimes(const fake::ConnectionTranscript& conn);

// Pass 1: replies and capabilities: EHLO replies (plaintext, TLS), EHLO
// refused, HELO after it, STARTTLS and its reply, injected bytes.
void ObserveReplies(ConnectionScan& scan, ConnectionFacts& facts);

// Pass 2: STARTTLS: bytes pipelined after it, plaintext instead of the
// handshake, a ClientHello where the server stayed in plaintext.
void ObserveStarttls(const ConnectionScan& scan, ConnectionFacts& facts);

// Pass 3: the TLS session: outcome, version, suite, why a verifying client
// must refuse it (from the recorded certificate flaws, version and suite),
// whether the client rejected the certificate, why the handshake failed.
void ObserveTlsSession(const ConnectionScan& scan, ConnectionFacts& facts);

// Pass 4: every client line, attributed (channel, phase, cause), and what
// it carried: credentials, messages, protected data in plaintext, the first
// line inside TLS, STARTTLS inside TLS, capabilities used (injected, stale
// or unoffered).
void ObserveClientLines(const ConnectionScan& scan, const PriorStarttls& prior,
                        ConnectionFacts& facts, Observations& obs);

// Pass 5: lines sent before the reply they had to wait for.
void ObservePrematureLines(const ConnectionScan& scan,
                           const PriorStarttls& prior,
                           const ConnectionFacts& facts, Observations& obs);

// Pass 6: a plaintext command answered 530 "... STARTTLS ...".
void ObserveStarttlsRequired(const ConnectionScan& scan, Observations& obs);

// Pass 7: waiting and hanging: a stalled handshake, the reply the client was
// still waiting for when the run ended, how fast it closed.
void ObserveWaiting(const ConnectionScan& scan, ConnectionFacts& facts);

// The cause of a plaintext line (no-op for a line inside TLS).
void SetCause(const ConnectionFacts& facts, bool saw_plain_ehlo_reply,
              const PriorStarttls& prior, ClientLine& line);

}  // namespace gauntlet::verdict::passes

#endif  // GAUNTLET_HARNESS_VERDICT_OBSERVATION_PASSES_H_
