// The reference client's command line: `gauntlet-client ...`, also embedded
// by the `gauntlet` CLI as `gauntlet client ...`.
//
// ClientMain parses the arguments (CLI11), runs one delivery and returns the
// process exit code (see ExitCode in exit_codes.h and
// docs/reference-client.md). It prints at most one line on stderr when the
// delivery fails ("gauntlet-client: <what failed and why>") and one line on
// stdout when it succeeds; --verbose adds the SMTP dialogue on stderr. No
// exception escapes it, and it never calls exit().

#ifndef GAUNTLET_CLIENT_CLIENT_MAIN_H_
#define GAUNTLET_CLIENT_CLIENT_MAIN_H_

#include <string>

namespace gauntlet::client {

int ClientMain(int argc, char** argv);

// The --help footer: every flaw with its behaviour and reference, then the
// exit codes.
std::string FlawAndExitCodeHelp();

}  // namespace gauntlet::client

#endif  // GAUNTLET_CLIENT_CLIENT_MAIN_H_
