// The `gauntlet` command line: parses the arguments (CLI11) and dispatches
// to one cmd_<name>.cc per subcommand.
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "CLI/CLI.hpp"
#include "common/spelling.h"
#include "harness/cli/cli_common.h"
#include "harness/cli/commands.h"
#include "harness/cli/proxy_commands.h"
#include "harness/runner/run_outputs.h"

namespace {

using gauntlet::cli::PrintError;
using gauntlet::cli::Safe;

constexpr std::string_view kSubcommands[] = {
    "list", "show", "run", "judge", "validate", "serve", "proxy", "demo", "client"};

// `gauntlet frobnicate` (or `gauntlet lst`): name the word and suggest the
// nearest subcommand, instead of CLI11's "A subcommand is required".
// Returns whether argv[1] was such a word (and the message printed).
bool RejectUnknownSubcommand(int argc, char** argv) {
  if (argc < 2) return false;
  const std::string_view word = argv[1];
  if (word.empty() || word[0] == '-') return false;
  for (std::string_view known : kSubcommands) {
    if (word == known) return false;
  }
  const std::optional<std::string> nearest =
      gauntlet::text::ClosestName(word, kSubcommands);
  std::string message = "unknown subcommand '" + Safe(word) + "'";
  if (nearest.has_value()) message += "; did you mean '" + *nearest + "'?";
  message +=
      " (subcommands: list, show, run, judge, validate, serve, proxy, demo, "
      "client; "
      "see gauntlet --help)";
  PrintError(message);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace gauntlet::cli;
  // The reference client takes its own flags: hand them over untouched.
  if (argc >= 2 && std::string_view(argv[1]) == "client") {
    return RunClientCommand(argc - 1, argv + 1);
  }
  if (RejectUnknownSubcommand(argc, argv)) {
    return gauntlet::runner::kExitUsageOrHarness;
  }

  CLI::App app{
      "gauntlet: runs SMTP clients against hostile STARTTLS servers and "
      "judges them from the wire"};
  app.set_version_flag("--version", std::string("gauntlet ") + GAUNTLET_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Subcommand help, with each subcommand's exit statuses: gauntlet "
      "SUBCOMMAND --help. `gauntlet client --help` shows the reference "
      "client's flags and exit codes.\nExit status of run: 0 as expected; 1 "
      "a failure at or above --fail-on (or a difference from --baseline); 2 "
      "usage or harness error; 3 inconclusive: the client could not be "
      "judged (it failed the controls, no attack scenario passed or failed, "
      "or everything was skipped); 129, 130, 143 interrupted by SIGHUP, "
      "SIGINT, SIGTERM. See gauntlet run --help.");

  ListOptions list_options;
  ShowOptions show_options;
  ValidateOptions validate_options;
  ServeOptions serve_options;
  RunCliOptions run_options;
  ProxyOptions proxy_options;
  DemoOptions demo_options;
  CLI::App* list = AddListCommand(app, list_options);
  CLI::App* show = AddShowCommand(app, show_options);
  CLI::App* run = AddRunCommand(app, run_options);
  JudgeOptions judge_options;
  CLI::App* judge = AddJudgeCommand(app, judge_options);
  CLI::App* validate = AddValidateCommand(app, validate_options);
  CLI::App* serve = AddServeCommand(app, serve_options);
  CLI::App* proxy = AddProxyCommand(app, proxy_options);
  CLI::App* demo = AddDemoCommand(app, demo_options);
  demo->footer(
      "Exit status: 0 the demo ran to its end (whatever the clients did), 2 "
      "usage error or the stage could not be set up (e.g. python3-aiosmtpd "
      "missing), 130 interrupted (everything it started is stopped).");
  app.add_subcommand("client",
                     "The reference SMTP client (its own flags and exit codes "
                     "follow: gauntlet client --help)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version print and succeed; every other parse error is
    // one escaped line (it may quote the user's arguments) and status 2.
    if (e.get_exit_code() == 0) return app.exit(e);
    PrintError(Safe(e.what()) + " (see --help)");
    return gauntlet::runner::kExitUsageOrHarness;
  }
  if (list->parsed()) return RunList(list_options);
  if (show->parsed()) return RunShow(show_options);
  if (run->parsed()) return RunRun(run_options);
  if (judge->parsed()) return RunJudge(judge_options);
  if (validate->parsed()) return RunValidate(validate_options);
  if (serve->parsed()) return RunServe(serve_options);
  if (proxy->parsed()) return RunProxy(proxy_options);
  if (demo->parsed()) return RunDemo(demo_options);
  std::cout << app.help();
  return gauntlet::runner::kExitUsageOrHarness;
}
