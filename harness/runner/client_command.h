// Turns the user's `--client 'COMMAND TEMPLATE'` into the argv and the
// environment of one client run (the client contract: common/client_contract.h,
// docs/client-contract.md).
//
// A template names the client and where the run-specific values go:
//
//   curl --ssl-reqd --cacert {ca_file} --resolve {host}:{port}:{addr}
//        --mail-from {from} --mail-rcpt {to} -T {message_file}
//        smtp://{host}:{port}
//
// Placeholders are {host} (the server name to connect to and verify),
// {addr} (its loopback address), {port}, {ca_file}, {from}, {to},
// {message_file}, {user}, {password} and {scenario}. `{{` and `}}` stand for
// literal braces; any other use of a brace is an error. Every value is also
// exported as GAUNTLET_HOST, GAUNTLET_ADDR, ..., GAUNTLET_SCENARIO.
//
// Values are hostile (a scenario may pick a user name such as `'; rm -rf /'`),
// so substitution can never change how a command is split:
//
//  * Without --shell the template is first split into words by a small
//    shell-like lexer (SplitWords: blanks separate words; '...' is literal;
//    "..." is literal except that \ escapes " \ $ ` and newline; outside
//    quotes \ escapes any character). Placeholders are then substituted inside
//    each word, so a value with blanks or quotes stays one argv element.
//    Unquoted shell operators (| & ; < > ( ) $ `) are rejected, because
//    without a shell they would silently become arguments.
//
//  * With --shell the command is `/bin/sh -c SCRIPT`, where each placeholder
//    is replaced by the value in single quotes (' written as '\''). That is
//    only safe where the shell reads an unquoted word, so the template's
//    quoting is tracked and a placeholder inside quotes, after a backslash,
//    inside $(...), `...`, ${...}, a comment or after a here-document
//    operator is an error (scripts can use "$GAUNTLET_TO" there instead).

#ifndef GAUNTLET_HARNESS_RUNNER_CLIENT_COMMAND_H_
#define GAUNTLET_HARNESS_RUNNER_CLIENT_COMMAND_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gauntlet::runner {

// Templates longer than this are rejected (they come from the command line
// or a profile file, never from a server, but every parser is bounded).
inline constexpr std::size_t kMaxTemplateLength = 64 * 1024;

// The shell used for --shell templates.
inline constexpr char kShellPath[] = "/bin/sh";

// How the template is turned into a process.
struct ClientCommand {
  std::string template_text;
  // true: run `/bin/sh -c` with the substituted template (--shell).
  bool shell = false;
};

// The run-specific values substituted into a template.
struct ClientParams {
  std::string host = "localhost";
  std::string addr;
  int port = 0;
  std::string ca_file;
  std::string from;
  std::string to;
  std::string message_file;
  std::string user;
  std::string password;
  std::string scenario;
};

// One word of a split template, before placeholder substitution.
struct TemplateWord {
  std::string text;
  // 1-based column of the word's first character in the template.
  int column = 0;
};

// What to spawn.
struct CommandLine {
  std::vector<std::string> argv;
  // Variables to add to (or override in) the parent's environment.
  std::vector<std::pair<std::string, std::string>> env;
};

// Splits `text` into words by the shell-like rules above, without any
// expansion. Errors name the column (1-based): an unterminated quote names
// the column of the opening quote.
absl::StatusOr<std::vector<TemplateWord>> SplitWords(absl::string_view text);

// `value` in single quotes, safe as one word wherever sh reads an unquoted
// word: abc -> 'abc', it's -> 'it'\''s'.
std::string ShellQuote(absl::string_view value);

// The GAUNTLET_* variables for `params`, in a fixed order.
std::vector<std::pair<std::string, std::string>> ClientEnvironment(
    const ClientParams& params);

// Checks `command` as BuildCommandLine would (splitting, quoting, placeholder
// names) without any values, so a bad --client fails before any run. A
// {policy} placeholder is accepted: the runner substitutes it first
// (policy_placeholder.h).
absl::Status ValidateClientCommand(const ClientCommand& command);

// The argv and extra environment that run `command` with `params`.
absl::StatusOr<CommandLine> BuildCommandLine(const ClientCommand& command,
                                             const ClientParams& params);

}  // namespace gauntlet::runner

#endif  // GAUNTLET_HARNESS_RUNNER_CLIENT_COMMAND_H_
