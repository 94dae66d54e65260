// hinomi users hash-password: the password_scrypt line for a console user, from a password read on
// standard input (never an argument: it would show in ps and the shell's history).
#include <iostream>

#include "cli/commands.h"
#include "console/api/api_users.h"

namespace hinomi::cli {

void addUsersHashPasswordCommand(CLI::App& users, int& exit_code) {
  auto* hash = users.add_subcommand("hash-password", "Read a password on stdin; print the password_scrypt line for the users file");
  hash->callback([&exit_code] {
    std::string password;
    std::getline(std::cin, password);
    if (password.size() < 12) {
      std::cerr << "A console password has at least 12 characters.\n";
      exit_code = 2;
      return;
    }
    std::cout << "password_scrypt: \"" << console::hashPassword(password) << "\"\n";
    exit_code = 0;
  });
}

}  // namespace hinomi::cli
