// Checks made before a run starts, so that a mistake costs a second and one
// clear line rather than a whole catalogue of identical errors: the client
// program exists and can be executed, every output path can be written, the
// server name is a host name. Also the small helpers behind `--json -`.
//
// The program is resolved as exec would resolve it (RunProcess uses
// posix_spawnp): argv[0] of the split template, searched in PATH unless it
// contains a '/'; with --shell, /bin/sh (the script itself is the shell's
// business). A program named by a placeholder ({scenario}...) cannot be
// checked and is left alone.

#ifndef GAUNTLET_HARNESS_CLI_PREFLIGHT_H_
#define GAUNTLET_HARNESS_CLI_PREFLIGHT_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "harness/cli/commands.h"
#include "harness/report/run_result.h"
#include "harness/runner/client_command.h"

namespace gauntlet::cli {

// `--json -`: the JSON report goes to stdout, and the console report to
// stderr so that stdout holds nothing but the JSON document.
inline constexpr char kStdoutPath[] = "-";

// 1 to 63 bytes of letters, digits, '-' and '.' (a DNS name the test PKI
// can put in a certificate), or 127.0.0.1 / ::1. The error quotes the name
// escaped.
absl::Status CheckServerName(const std::string& name, const char* flag);

// Where exec would find the client's program; an error naming it (and
// PATH) when it would fail to start.
absl::Status CheckClientProgram(const runner::ClientCommand& command);

// Every check above for `gauntlet run`, plus every output path (--json,
// --junit, --write-baseline, --report-dir). `command` is the client command
// the run will use (from --client, the profile, or the reference client).
// The error is one line saying what to fix.
absl::Status PreflightRun(const RunCliOptions& options,
                          const runner::ClientCommand& command);

// Where the console report goes: stderr with `--json -`, else stdout.
std::ostream& ConsoleStream(const RunCliOptions& options);
// The --json file WriteRunOutputs should write: empty for `--json -`.
std::string JsonFileToWrite(const RunCliOptions& options);
// With `--json -`, prints the JSON report on stdout; an error if it cannot
// be formatted.
absl::Status WriteJsonToStdoutIfAsked(const RunCliOptions& options,
                                      const report::RunReport& report);

}  // namespace gauntlet::cli

#endif  // GAUNTLET_HARNESS_CLI_PREFLIGHT_H_
