// hinomi: security event log collector, correlator and incident responder.
#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"hinomi (火の見): collects security logs, detects incidents, runs response playbooks"};
  app.require_subcommand(1);
  int exit_code = 0;
  hinomi::cli::addRunCommand(app, exit_code);
  hinomi::cli::addConfigCommand(app, exit_code);
  hinomi::cli::addBusCommand(app, exit_code);
  hinomi::cli::addDecodeCommand(app, exit_code);
  hinomi::cli::addKafkaSandboxCommand(app, exit_code);
  hinomi::cli::addRulesCommand(app, exit_code);
  hinomi::cli::addReplayCommand(app, exit_code);
  hinomi::cli::addPlaybooksCommand(app, exit_code);
  hinomi::cli::addAuditCommand(app, exit_code);
  hinomi::cli::addCasesCommand(app, exit_code);
  hinomi::cli::addResponderCommand(app, exit_code);
  hinomi::cli::addUsersCommand(app, exit_code);
  hinomi::cli::addVersionCommand(app, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
