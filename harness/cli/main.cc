// The `gauntlet` command line: parses the arguments (CLI11) and dispatches
// to one cmd_<name>.cc per subcommand.
#include <iostream>
#include <string>
#include <string_view>

#include "CLI/CLI.hpp"
#include "harness/cli/commands.h"
#include "harness/cli/proxy_commands.h"
#include "harness/runner/run_outputs.h"

int main(int argc, char** argv) {
  using namespace gauntlet::cli;
  // The reference client takes its own flags: hand them over untouched.
  if (argc >= 2 && std::string_view(argv[1]) == "client") {
    return RunClientCommand(argc - 1, argv + 1);
  }

  CLI::App app{
      "gauntlet: runs SMTP clients against hostile STARTTLS servers and "
      "judges them from the wire"};
  app.set_version_flag("--version", std::string("gauntlet ") + GAUNTLET_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Subcommand help: gauntlet SUBCOMMAND --help. `gauntlet client "
      "--help` shows the reference client's flags.\nExit status of run: 0 "
      "as expected; 1 a failure at or above --fail-on (or a difference from "
      "--baseline); 2 usage or harness error; 3 inconclusive: the client "
      "could not be judged (it failed the controls, no attack scenario "
      "passed or failed, or everything was skipped); 129, 130, 143 "
      "interrupted by SIGHUP, SIGINT, SIGTERM. See gauntlet run --help.");

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
  CLI::App* validate = AddValidateCommand(app, validate_options);
  CLI::App* serve = AddServeCommand(app, serve_options);
  CLI::App* proxy = AddProxyCommand(app, proxy_options);
  CLI::App* demo = AddDemoCommand(app, demo_options);
  app.add_subcommand("client",
                     "The reference SMTP client (its own flags follow)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : gauntlet::runner::kExitUsageOrHarness;
  }
  if (list->parsed()) return RunList(list_options);
  if (show->parsed()) return RunShow(show_options);
  if (run->parsed()) return RunRun(run_options);
  if (validate->parsed()) return RunValidate(validate_options);
  if (serve->parsed()) return RunServe(serve_options);
  if (proxy->parsed()) return RunProxy(proxy_options);
  if (demo->parsed()) return RunDemo(demo_options);
  std::cout << app.help();
  return gauntlet::runner::kExitUsageOrHarness;
}
