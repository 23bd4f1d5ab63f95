// Warnings about scenarios that load but test less than they should.
//
// A scenario file can be valid and still let a leak go unprovoked: an
// attack whose plaintext EHLO reply offers no AUTH lets a client that falls
// back to plaintext give up ("server did not advertise AUTH") before it
// sends its password, although a real attacker, who writes every plaintext
// byte, would offer it. `gauntlet validate` prints these warnings (its exit
// status stays 0); the built-in catalogue has none. The rules are listed in
// docs/scenario-format.md ("Warnings").

#ifndef GAUNTLET_HARNESS_SCENARIO_LINT_H_
#define GAUNTLET_HARNESS_SCENARIO_LINT_H_

#include <string>
#include <vector>

#include "fake_servers/behavior.h"
#include "harness/scenario/scenario.h"

namespace gauntlet::scenario {

// Whether the connection's reply to EHLO in plaintext advertises AUTH: not
// refused (refuse_ehlo, or a plaintext EHLO reply_override that is not
// 250), and an "AUTH ..." keyword among the capabilities (or among the
// lines of a 250 reply_override).
bool OffersAuthInPlaintext(const fake::ConnectionBehavior &connection);

// Whether the scenario is an injection or wait probe: bytes injected after
// the STARTTLS reply, EHLO inside TLS never answered, or a reply held back.
bool IsProbe(const Scenario &s);

// One sentence per problem, each starting "<source>: warning: <id>: ";
// empty when there is nothing to say:
//  - an attack whose plaintext EHLO reply (on some connection) offers no
//    AUTH and that gives no `no_auth_reason`; or that gives one though
//    every connection offers AUTH (the reason is stale);
//  - a probe without its `probe` text;
//  - a `timeout_ms`, or a wait probe, without a `timeout_reason`.
std::vector<std::string> ScenarioWarnings(const Scenario &s);

}  // namespace gauntlet::scenario

#endif  // GAUNTLET_HARNESS_SCENARIO_LINT_H_
