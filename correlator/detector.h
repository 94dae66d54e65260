#pragma once
// The correlator's consuming loop (docs/correlator.md), in one of three roles:
//
//   match     a consumer group on the events topic: decodes every event, matches the rule set,
//             publishes one incident per matching rule that raises its own, and one match record
//             per correlation the matches feed on the matches topic, keyed by (correlation,
//             tenant, group), with ticks of each tenant's clock (match_record.h). Stateless.
//   windows   a consumer group on the matches topic: the correlation windows of the groups of its
//             partitions (RocksDB), publishing correlation incidents. Stateful.
//   inline    both in one loop on the events topic, no matches topic (as `hinomi replay` runs).
//
// `hinomi run` runs a match and a windows detector in one process on its bus; on Kafka each may
// run as many times as the topics have partitions.
//
// At least once: a batch's offsets are committed only after every incident it raised has its
// delivery outcome (delivered, or rejected and counted), and incident ids are deterministic (rule,
// tenant, event id). A crash or stop mid-batch leaves the batch uncommitted; the next start reads
// it again and re-emits only incidents with the same ids, which consumers de-duplicate.
// Correlation windows count each event once: after the incidents, the windows and the offsets
// they include are written in one RocksDB batch, then the bus offsets are committed; events a
// restart reads again below the stored offsets are skipped.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/bus/bus.h"
#include "common/result.h"
#include "common/time.h"
#include "correlator/decoders/decoder_set.h"
#include "correlator/enrich/tenant_policy.h"
#include "correlator/rules/correlation_set.h"
#include "correlator/rules/rule_set.h"
#include "correlator/windows/correlation_engine.h"
#include "correlator/windows/match_record.h"
#include "correlator/windows/window_store.h"

namespace hinomi::correlator {

enum class DetectorRole { kInline, kMatch, kWindows };

struct DetectorOptions {
  DetectorRole role = DetectorRole::kInline;
  std::string events_topic = "hinomi.events";
  std::string matches_topic = "hinomi.matches";
  std::string incidents_topic = "hinomi.incidents";
  std::string group = "hinomi-detector";
  size_t batch_size = 500;
  std::chrono::milliseconds poll_timeout{200};  // also bounds how long stop() waits for a poll
  std::chrono::milliseconds retry_backoff{100};  // before the first re-publish after kRetry; doubles
  std::chrono::milliseconds max_retry_backoff{5000};
  // On stop, how long incidents already handed to the bus may take to report delivered, so a
  // clean stop commits its last batch instead of leaving it to be re-emitted.
  std::chrono::milliseconds stop_grace{2000};
  CorrelationOptions correlation;  // lateness and clock skew of the correlation windows
  // RocksDB directory of the correlation windows (window_store.h); empty: in memory only, lost on
  // a restart (tests, and detectors without correlations).
  std::string state_path;
};

// What the detector applies; compiled once at load and shared read-only.
struct DetectionSet {
  std::shared_ptr<const DecoderSet> decoders;
  std::shared_ptr<const rules::RuleSet> rules;
  std::shared_ptr<const TenantPolicies> tenants;  // zone enrichment after decoding; null: none
  std::shared_ptr<const rules::CorrelationSet> correlations;  // null: none
};

class Detector {
 public:
  // Subscribes `options.group` to the events topic and starts the detector's thread. `bus` and
  // `clock` outlive the detector.
  [[nodiscard]] static Result<std::unique_ptr<Detector>> start(bus::Bus& bus, DetectorOptions options,
                                                               DetectionSet detection,
                                                               const Clock& clock = SystemClock::instance());
  ~Detector();  // stop()
  Detector(const Detector&) = delete;
  Detector& operator=(const Detector&) = delete;

  // Finishes the batch in hand if its incidents are all delivered and commits it, else abandons
  // it uncommitted; then leaves the group and joins the thread. Idempotent.
  void stop();

  // Events whose offsets this detector committed; waits (at most `timeout`) until there are at
  // least `events`. For tests and callers that must know a batch is done.
  bool waitForCommitted(uint64_t events, std::chrono::milliseconds timeout);
  uint64_t committedEvents() const;

 private:
  struct Shared;  // state the delivery callbacks share with the thread (they may outlive it)
  struct Outgoing {
    const std::string* topic;  // the incidents or the matches topic (options_)
    std::string key;    // the incident id, or the match's key
    std::string value;  // the incident's JSON, or the match record
  };

  Detector(bus::Bus& bus, DetectorOptions options, DetectionSet detection, const Clock& clock,
           std::unique_ptr<bus::Consumer> consumer);
  void run();
  void process(const bus::Record& record, std::vector<Outgoing>& out);
  void processMatch(const bus::Record& record, std::vector<Outgoing>& out);  // the windows role
  // The match role: each tenant whose clock moved on since its last tick, a tick to every
  // partition of the matches topic.
  void addTicks(std::vector<Outgoing>& out);
  const std::string& consumedTopic() const;
  // Publishes every incident until each is delivered or rejected; false when stop() came first.
  bool publishAll(const std::vector<Outgoing>& out);
  // Commits `offsets`; they are kept for the next try when it fails.
  void commit(std::map<int32_t, int64_t>& offsets, uint64_t& events);
  bool sleepUnlessStopped(std::chrono::milliseconds d);
  bool stopping() const;
  bool warningDue();  // at most one per-record warning a second

  bus::Bus& bus_;
  const DetectorOptions options_;
  const DetectionSet detection_;
  const Clock& clock_;
  std::unique_ptr<bus::Consumer> consumer_;
  std::shared_ptr<Shared> shared_;
  int64_t last_warning_us_ = 0;  // rate-limits per-record warnings (thread only)
  // Correlation windows (thread only), persisted with the offsets they include when store_ is set.
  std::unique_ptr<CorrelationEngine> correlation_;
  std::unique_ptr<WindowStore> store_;
  std::map<int32_t, int64_t> counted_;  // partition → next offset not yet in the stored windows
  CountedSources sources_;              // windows role: the last match counted per source
  // Match role: each tenant's clock, the clock its last tick carried, the matches topic's keys.
  std::map<std::string, int64_t> clocks_;
  std::map<std::string, int64_t> ticked_;
  std::map<std::string, std::vector<std::string>> tick_keys_;
  // While events flow, a tenant's clock is ticked once it moved this much (event time); when the
  // events topic goes quiet, whatever it moved.
  static constexpr int64_t kTickEveryUs = 1'000'000;
  int64_t ticked_threshold_us_ = kTickEveryUs;
  int32_t matches_partitions_ = 1;
  // Writes the windows and counted_; retries until it succeeds (false: stop() came first).
  bool storeWindows();
  uint64_t reported_evicted_ = 0;    // engine stats already added to the counters
  uint64_t reported_read_back_ = 0;
  std::vector<int> matched_;
  std::vector<Incident> correlated_;
  uint64_t suppressed_warnings_ = 0;
  std::thread thread_;
};

}  // namespace hinomi::correlator
