// hinomi kafka-sandbox: librdkafka's mock Kafka cluster in the foreground, for trying the
// Kafka deployment (collector / correlator / responder) on one machine.
#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "common/bus/kafka_mock_cluster.h"

namespace hinomi::cli {
namespace {

constexpr const char* kTopics[] = {"hinomi.events", "hinomi.matches", "hinomi.incidents"};

int runSandbox(int brokers, int partitions) {
  // Blocked before the cluster starts so librdkafka's threads inherit the mask and the signal
  // reaches sigwait() below instead of killing the process mid-write.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto cluster = bus::KafkaMockCluster::start(brokers);
  if (!cluster) {
    std::cerr << "hinomi kafka-sandbox: " << cluster.error().toString() << "\n";
    return 1;
  }
  for (const char* topic : kTopics) {
    if (auto st = (*cluster)->createTopic(topic, partitions); !st) {
      std::cerr << "hinomi kafka-sandbox: " << st.error().toString() << "\n";
      return 1;
    }
  }
  // The one line on stdout, for scripts: everything else goes to stderr.
  std::cout << "bootstrap.servers=" << (*cluster)->bootstrapServers() << std::endl;
  std::cerr << "hinomi kafka-sandbox: mock cluster of " << brokers << " broker(s) up; topics "
            << "hinomi.events, hinomi.matches, hinomi.incidents with " << partitions
            << " partitions. In memory only, for trying and testing; Ctrl-C stops it.\n";
  int sig = 0;
  sigwait(&stop_signals, &sig);
  return 0;
}

}  // namespace

void addKafkaSandboxCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "kafka-sandbox",
      "Run librdkafka's in-memory mock Kafka cluster on 127.0.0.1, for trying and testing the "
      "Kafka deployment on one machine. NOT for production: it keeps only ~5 MiB / 100k messages "
      "per partition and drops older data, keeps nothing on disk and has no transactions. "
      "Prints one line, bootstrap.servers=HOST:PORT,..., then runs until SIGINT/SIGTERM.");
  auto brokers = std::make_shared<int>(3);
  auto partitions = std::make_shared<int>(4);
  cmd->add_option("--brokers", *brokers, "Number of mock brokers")
      ->capture_default_str()
      ->check(CLI::Range(1, 16));
  cmd->add_option("--partitions", *partitions,
                  "Partitions of hinomi.events, hinomi.matches and hinomi.incidents")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  cmd->callback(
      [&exit_code, brokers, partitions] { exit_code = runSandbox(*brokers, *partitions); });
}

}  // namespace hinomi::cli
