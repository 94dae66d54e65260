// hinomi bus dump: a topic's records as JSON lines (for people and tests).
#include <unistd.h>

#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/load_config.h"
#include "common/bus/open_bus.h"
#include "common/time.h"

namespace hinomi::cli {
namespace {

struct DumpArgs {
  std::string path, data_dir, topic;
  int64_t limit = -1;
  int64_t idle_ms = 1000;
};

int dump(const DumpArgs& a) {
  auto cfg = loadConfigOrReport(a.path, a.data_dir);
  if (!cfg) return 2;
  auto bus = bus::openBus(cfg->bus);
  if (!bus) {
    std::cerr << "hinomi bus dump: " << bus.error().toString() << "\n";
    return 1;
  }
  // A throw-away group that never commits: dumping moves nobody's offsets.
  const std::string& topic = a.topic.empty() ? cfg->topics.events : a.topic;
  auto consumer = (*bus)->subscribe(topic, "hinomi-bus-dump-" + std::to_string(getpid()));
  if (!consumer) {
    std::cerr << "hinomi bus dump: " << consumer.error().toString() << "\n";
    return 1;
  }
  int64_t printed = 0;
  auto idle_since = std::chrono::steady_clock::now();
  while (a.limit < 0 || printed < a.limit) {
    auto batch = (*consumer)->poll(500, std::chrono::milliseconds(100));
    if (!batch) {
      std::cerr << "hinomi bus dump: " << batch.error().toString() << "\n";
      return 1;
    }
    if (batch->empty()) {
      if (std::chrono::steady_clock::now() - idle_since > std::chrono::milliseconds(a.idle_ms)) break;
      continue;
    }
    idle_since = std::chrono::steady_clock::now();
    for (const auto& r : *batch) {
      if (a.limit >= 0 && printed >= a.limit) break;
      nlohmann::ordered_json j;
      j["topic"] = r.topic;
      j["partition"] = r.partition;
      j["offset"] = r.offset;
      j["timestamp"] = formatRfc3339(r.timestamp_ms * 1000);
      j["key"] = r.key;
      auto value = nlohmann::ordered_json::parse(r.value, nullptr, false);
      j["value"] = value.is_discarded() ? nlohmann::ordered_json(r.value) : value;
      std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      ++printed;
    }
  }
  (*consumer)->close();
  std::cout.flush();
  return 0;
}

}  // namespace

void addBusCommand(CLI::App& app, int& exit_code) {
  auto* bus = app.add_subcommand("bus", "Look into the bus");
  bus->require_subcommand(1);
  auto* dump_cmd = bus->add_subcommand(
      "dump", "Print a topic's records as JSON lines (embedded bus: stop `hinomi run` first)");
  auto a = std::make_shared<DumpArgs>();
  dump_cmd->add_option("-c,--config", a->path, "Configuration file (default: the embedded one)");
  dump_cmd->add_option("--data-dir", a->data_dir, "Overrides data_dir of the configuration");
  dump_cmd->add_option("--topic,-t", a->topic, "Topic to print (default: topics.events, what the collector received)");
  dump_cmd->add_option("-n", a->limit, "Print at most N records");
  dump_cmd->add_option("--idle-ms", a->idle_ms, "Stop after this long without a new record")
      ->check(CLI::Range(int64_t(1), int64_t(3600000)));
  dump_cmd->callback([a, &exit_code] { exit_code = dump(*a); });
}

}  // namespace hinomi::cli
