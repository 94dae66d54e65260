#pragma once
// Each cli/cmd_*.cc adds one subcommand to the `hinomi` app. When the subcommand is chosen its
// callback runs the command and stores the process exit code in `exit_code`.

#include <string_view>

#include <CLI/CLI.hpp>

namespace hinomi::cli {

extern const std::string_view kDefaultConfig;  // config/hinomi.yaml, compiled in

void addVersionCommand(CLI::App& app, int& exit_code);
void addRunCommand(CLI::App& app, int& exit_code);
void addConfigCommand(CLI::App& app, int& exit_code);
void addBusCommand(CLI::App& app, int& exit_code);
void addKafkaSandboxCommand(CLI::App& app, int& exit_code);
void addDecodeCommand(CLI::App& app, int& exit_code);
void addRulesCommand(CLI::App& app, int& exit_code);
// `rules test`, added by addRulesCommand under its `rules` subcommand.
void addRulesTestCommand(CLI::App& rules, int& exit_code);
void addReplayCommand(CLI::App& app, int& exit_code);
void addPlaybooksCommand(CLI::App& app, int& exit_code);
void addAuditCommand(CLI::App& app, int& exit_code);
void addCasesCommand(CLI::App& app, int& exit_code);
// show, ack, assign, approve, deny, done, comment, note, close, report: added under `cases`.
void addCaseActionCommands(CLI::App& cases, int& exit_code);
void addResponderCommand(CLI::App& app, int& exit_code);
void addUsersCommand(CLI::App& app, int& exit_code);
// `users hash-password`, added by addUsersCommand.
void addUsersHashPasswordCommand(CLI::App& users, int& exit_code);

}  // namespace hinomi::cli
