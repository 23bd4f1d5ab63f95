// The subcommands of the `gauntlet` command line.
//
// Each subcommand lives in its own cmd_<name>.cc: Add<Name>Command
// registers its flags on the CLI11 app and returns the subcommand, and
// Run<Name> does the work once parsing succeeded, returning the process
// exit status. main.cc only dispatches. The work itself lives in the
// libraries (harness/runner, harness/scenario, harness/report).

#ifndef GAUNTLET_HARNESS_CLI_COMMANDS_H_
#define GAUNTLET_HARNESS_CLI_COMMANDS_H_

#include <string>
#include <vector>

#include "CLI/CLI.hpp"

namespace gauntlet::cli {

struct ListOptions {
  std::vector<std::string> filters;
  std::vector<std::string> scenario_dirs;
  // Empty: every severity; else this one and the more severe ones.
  std::string min_severity;
  bool json = false;
  bool no_color = false;
};
CLI::App* AddListCommand(CLI::App& app, ListOptions& options);
int RunList(const ListOptions& options);

struct ShowOptions {
  std::string id;
  std::vector<std::string> scenario_dirs;
  bool json = false;
  bool no_color = false;
};
CLI::App* AddShowCommand(CLI::App& app, ShowOptions& options);
int RunShow(const ShowOptions& options);

struct ValidateOptions {
  std::vector<std::string> files;
};
CLI::App* AddValidateCommand(CLI::App& app, ValidateOptions& options);
int RunValidate(const ValidateOptions& options);

struct ServeOptions {
  std::string id;
  int port = 0;
  std::string server_name = "localhost";
  std::vector<std::string> scenario_dirs;
  // 0: the scenario's own limit.
  int max_connections = 0;
  // The policy the verdict printed at Ctrl-C judges the client under.
  std::string policy = "require-tls";
  // Stream TLS records (handshake, ciphertext) as hex too.
  bool raw = false;
};
CLI::App* AddServeCommand(CLI::App& app, ServeOptions& options);
int RunServe(const ServeOptions& options);

struct JudgeOptions {
  std::string report;
  std::string policy;  // Empty: the report's own.
  std::string json_file;
  std::string junit_file;
  std::string fail_on = "info";
  bool failures_only = false;
  bool verbose = false;
  bool no_color = false;
};
CLI::App* AddJudgeCommand(CLI::App& app, JudgeOptions& options);
int RunJudge(const JudgeOptions& options);

struct RunCliOptions {
  std::string client;
  // --client was given (even as ''): an empty one is a usage error, never
  // the reference client.
  bool client_given = false;
  bool shell = false;
  std::string client_profile;
  std::string policy;  // Empty: the profile's, else require-tls.
  std::string timeout;  // Empty: the profile's, else 10 s.
  int jobs = 0;         // 0: the number of cores.
  int repeat = 1;
  std::vector<std::string> filters;
  std::vector<std::string> scenario_dirs;
  std::string server_name = "localhost";
  std::string report_dir;
  std::string junit_file;
  std::string json_file;
  std::string baseline;
  std::string write_baseline;
  // --fail-on: the least severe failure that fails the run.
  std::string fail_on = "info";
  // -q: list only results that are not pass or skip (or that differ from
  // the baseline).
  bool failures_only = false;
  bool verbose = false;
  bool no_color = false;
};
CLI::App* AddRunCommand(CLI::App& app, RunCliOptions& options);
int RunRun(const RunCliOptions& options);

// `gauntlet client ARGS...`: the reference client, called before CLI11
// sees the arguments (they are the client's own).
int RunClientCommand(int argc, char** argv);

}  // namespace gauntlet::cli

#endif  // GAUNTLET_HARNESS_CLI_COMMANDS_H_
