// The client contract in code: what every client under test is given and
// what it may answer, in one place (docs/client-contract.md explains it for
// people; README.md, "Testing your client", shows it in use).
//
// A client is a command template (`--client 'TEMPLATE'`, a profile's
// `command`) whose placeholders Gauntlet fills per run; each value is also
// exported in an environment variable, so a wrapper script can read it
// instead. The runner substitutes them (harness/runner/client_command.h,
// policy_placeholder.h) and judges the exit status (harness/verdict); the
// profile loader refuses a profile that sets one of these variables. They
// all read the names from here, so the contract cannot drift between them.

#ifndef GAUNTLET_COMMON_CLIENT_CONTRACT_H_
#define GAUNTLET_COMMON_CLIENT_CONTRACT_H_

#include <array>
#include <string_view>

namespace gauntlet::contract {

// The exit status by which a client says "this scenario asks for something
// I do not implement" (BoringSSL's test-shim convention): the scenario is
// skipped, never judged.
inline constexpr int kUnsupportedExitCode = 89;

// One placeholder of a command template and its environment variable.
struct Placeholder {
  std::string_view name;  // {name} in a template.
  std::string_view env;   // The variable holding the same value.
};

// The per-run placeholders, in the order the documentation lists them.
inline constexpr std::array<Placeholder, 10> kRunPlaceholders = {{
    {"host", "GAUNTLET_HOST"},      // The server name to connect to and verify.
    {"addr", "GAUNTLET_ADDR"},      // Its loopback address.
    {"port", "GAUNTLET_PORT"},      // Its port.
    {"ca_file", "GAUNTLET_CA_FILE"},  // PEM file of the run's test root.
    {"from", "GAUNTLET_FROM"},      // Envelope sender.
    {"to", "GAUNTLET_TO"},          // Envelope recipient.
    {"message_file", "GAUNTLET_MESSAGE_FILE"},  // The message, CRLF lines.
    {"user", "GAUNTLET_USER"},          // AUTH user name.
    {"password", "GAUNTLET_PASSWORD"},  // AUTH password.
    {"scenario", "GAUNTLET_SCENARIO"},  // The scenario's id.
}};

// The policy the client is judged under, the same for a whole run:
// "require-tls", "require-tls-no-verify" or "opportunistic"
// (harness/scenario/scenario.h, Policy).
inline constexpr Placeholder kPolicyPlaceholder = {"policy",
                                                   "GAUNTLET_POLICY"};

// Variables with this prefix belong to Gauntlet: a profile's [env] may not
// set them.
inline constexpr std::string_view kReservedEnvPrefix = "GAUNTLET_";

// The client's own empty temporary directory (docs/client-contract.md).
inline constexpr std::string_view kTmpDirEnv = "TMPDIR";

}  // namespace gauntlet::contract

#endif  // GAUNTLET_COMMON_CLIENT_CONTRACT_H_
