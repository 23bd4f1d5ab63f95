// The `gauntlet` command line.
#include <iostream>

#include "CLI/CLI.hpp"

int main(int argc, char** argv) {
  CLI::App app{"gauntlet: tests how SMTP clients handle STARTTLS attacks"};
  app.set_version_flag("--version", std::string("gauntlet ") + GAUNTLET_VERSION);
  CLI11_PARSE(app, argc, argv);
  std::cout << app.help();
  return 0;
}
