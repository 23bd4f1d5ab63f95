// The {policy} placeholder of a client command template.
//
// client_command.h substitutes the per-run values ({host}, {port}, ...).
// The policy the client is judged under is the same for the whole run and
// is one of three fixed kebab-case names, so the runner substitutes it
// before the template reaches client_command.h: a client wrapper can pick
// its TLS mode from it (`--policy {policy}`, or $GAUNTLET_POLICY).
// Substitution follows client_command.h's brace rules exactly ("{{" and
// "}}" are literal braces, "{name}" runs to the first "}"), so it never
// changes how any other placeholder is read; the inserted names contain no
// character that a shell or the word splitter treats specially.

#ifndef GAUNTLET_HARNESS_RUNNER_POLICY_PLACEHOLDER_H_
#define GAUNTLET_HARNESS_RUNNER_POLICY_PLACEHOLDER_H_

#include <string>
#include <string_view>

#include "harness/scenario/scenario.h"

namespace gauntlet::runner {

// `template_text` with every {policy} replaced by PolicyName(policy).
std::string SubstitutePolicy(std::string_view template_text,
                             scenario::Policy policy);

}  // namespace gauntlet::runner

#endif  // GAUNTLET_HARNESS_RUNNER_POLICY_PLACEHOLDER_H_
