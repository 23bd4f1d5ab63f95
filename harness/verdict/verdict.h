// Judging one client run: Observations plus what the scenario expects give a
// Verdict.
//
// Judge is the second half of Gauntlet's verdict engine and, like
// ObserveRun, a pure function: the same inputs always give the same verdict,
// with violations in the same order (AllRules() order, then connection, then
// time). Every violation names the rule broken in one sentence, quotes its
// evidence, says what to change in the client and cites the RFC or CVE
// behind it.
//
// Which rules apply:
//   * universal rules (rules.h: injection, pipelining, STARTTLS inside TLS,
//     stale capabilities, EHLO after TLS, hangs) under every expectation;
//   * kDeliverTls: everything below, plus the message must reach the server
//     over TLS;
//   * kStaySecure: no protected data in plaintext, and no command but QUIT
//     inside a TLS session with a bad certificate, TLS 1.1 or a weak suite;
//   * kStayEncrypted: no protected data in plaintext (a NULL suite counts as
//     plaintext); the certificate is not judged;
//   * kUnrestricted: plaintext and any certificate allowed, reported as
//     notes.
//
// Precedence: a harness fault is kError whatever the client did; wire
// evidence of a broken rule is kFail (even if the client later hung or said
// "unsupported"); then kSkip (exit 89), kInconclusive (never connected),
// kTimeout (hang, or gave-up-late: stopped at the limit while waiting for a
// reply), the delivery check, and finally kPass, which becomes
// kInconclusive for an attack scenario when the client failed the controls
// (a client that cannot deliver at all must not be called secure).
//
// Waiting is not hanging: a client stopped at the limit while it waited for
// a reply the server withheld, delayed or still owed did nothing unsafe. Its
// security verdict is what the wire shows (a fail if it broke a rule); the
// wait itself is the robustness finding gave-up-late, with that rule's own
// low severity, so a gate at --fail-on medium is not failed by patience. A
// client that hangs on a stalled handshake keeps `hang`, with the
// scenario's severity. Each violation carries its severity; the gate
// (harness/report/gate.h) decides per violation.

#ifndef GAUNTLET_HARNESS_VERDICT_VERDICT_H_
#define GAUNTLET_HARNESS_VERDICT_VERDICT_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "harness/scenario/scenario.h"
#include "harness/verdict/observations.h"

namespace gauntlet::verdict {

enum class VerdictKind {
  kPass,
  kFail,
  kSkip,          // The client reported the policy as unsupported (exit 89).
  kInconclusive,  // Nothing can be concluded about the client's security.
  kTimeout,       // The client hung: it did not exit before the timeout.
  kError,         // The harness failed; never blamed on the client.
};

// "pass", "fail", "skip", "inconclusive", "timeout", "error", and back.
std::string_view VerdictName(VerdictKind kind);
std::optional<VerdictKind> VerdictFromName(std::string_view name);

struct Violation {
  std::string rule;       // A rules.h id.
  // The scenario's severity, or a robustness rule's own (Rule::severity).
  scenario::Severity severity = scenario::Severity::kMedium;
  std::string sentence;   // One sentence: what the client did wrong.
  std::string fix;        // What to change in the client.
  std::string reference;  // RFC sections and CVEs.
  Evidence evidence;
};

// A finding that does not fail the run (allowed by the expectation, or
// context such as "closed right after the TLS handshake").
struct Note {
  std::string rule;  // A rules.h id when a rule was waived, else a note id.
  std::string text;
  Evidence evidence;
};

struct Verdict {
  VerdictKind verdict = VerdictKind::kError;
  std::vector<Violation> violations;
  std::vector<Note> notes;
  // One line: "fail: sent AUTH PLAIN credentials in plaintext ... [rule]".
  std::string summary;
};

// What the scenario and the runner add to the observations.
struct JudgeInput {
  scenario::Expectation expectation = scenario::Expectation::kStaySecure;
  scenario::Policy policy = scenario::Policy::kRequireTls;
  scenario::ScenarioKind kind = scenario::ScenarioKind::kAttack;
  // The client failed the control scenarios for this policy.
  bool controls_failed = false;
  // The scenario's severity: every violation's unless its rule has its own.
  scenario::Severity severity = scenario::Severity::kMedium;
  // Not OK: the harness failed (server did not start, ...): kError.
  absl::Status harness_status;
};

Verdict Judge(const Observations& observations, const JudgeInput& input);

// The most severe of a verdict's violations (what a report shows for the
// result); nullopt when it has none.
std::optional<scenario::Severity> MostSevere(const Verdict& verdict);

}  // namespace gauntlet::verdict

#endif  // GAUNTLET_HARNESS_VERDICT_VERDICT_H_
