#include <iostream>

#include <librdkafka/rdkafka.h>
#include <rocksdb/version.h>

#include "cli/commands.h"

namespace hinomi::cli {

void addVersionCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("version", "Print hinomi's version and the library versions it runs on");
  cmd->callback([&exit_code] {
    std::cout << "hinomi " << HINOMI_VERSION << "\n"
              << "librdkafka " << rd_kafka_version_str() << "\n"
              << "rocksdb " << ROCKSDB_MAJOR << "." << ROCKSDB_MINOR << "." << ROCKSDB_PATCH << "\n";
    exit_code = 0;
  });
}

}  // namespace hinomi::cli
