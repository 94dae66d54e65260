// hinomi users new-token: a fresh API token and the SHA-256 to put in the users file (docs/api.md).
// The token is shown once; only its hash is stored.
#include <iostream>

#include "cli/commands.h"
#include "console/api/api_users.h"

namespace hinomi::cli {

void addUsersCommand(CLI::App& app, int& exit_code) {
  auto* users = app.add_subcommand("users", "API users");
  users->require_subcommand(1);
  auto* token = users->add_subcommand("new-token", "Print a new API token and the token_sha256 line for the users file");
  token->callback([&exit_code] {
    auto [secret, hash] = console::newToken();
    std::cout << "token: " << secret << "\n"
              << "token_sha256: " << hash << "\n";
    std::cerr << "Give the token to its user over a safe channel; put only token_sha256 in the users file.\n";
    exit_code = 0;
  });
  addUsersHashPasswordCommand(*users, exit_code);
}

}  // namespace hinomi::cli
