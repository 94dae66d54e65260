#include "correlator/detector.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <unordered_map>

#include "common/event.h"
#include "common/logging.h"
#include "correlator/detector_metrics.h"
#include "correlator/enrich/policy_enricher.h"
#include "correlator/incident.h"

namespace hinomi::correlator {

struct Detector::Shared {
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  uint64_t committed_events = 0;
};

namespace {

// The outcomes of one round of publishes; delivery callbacks fill it under Shared::mu.
struct Round {
  explicit Round(size_t n) : outcomes(n), pending(n) {}
  std::vector<bus::Delivery> outcomes;
  size_t pending;
};

}  // namespace

Result<std::unique_ptr<Detector>> Detector::start(bus::Bus& bus, DetectorOptions options, DetectionSet detection,
                                                  const Clock& clock) {
  if (!detection.decoders || !detection.rules)
    return makeError(ErrorCode::kInvalidArgument, "the detector needs a decoder set and a rule set");
  if (options.batch_size == 0) return makeError(ErrorCode::kInvalidArgument, "batch_size must be at least 1");
  const DetectorRole role = options.role;
  if (role == DetectorRole::kWindows && (!detection.correlations || detection.correlations->empty()))
    return makeError(ErrorCode::kInvalidArgument, "the windows detector needs correlation rules");
  int32_t matches_partitions = 1;
  if (role == DetectorRole::kMatch) {
    auto n = bus.partitionCount(options.matches_topic);
    if (!n) return tl::unexpected(n.error());
    matches_partitions = std::max(*n, 1);
  }
  auto consumer = bus.subscribe(role == DetectorRole::kWindows ? options.matches_topic : options.events_topic,
                                options.group);
  if (!consumer) return tl::unexpected(consumer.error());
  std::unique_ptr<Detector> d(
      new Detector(bus, std::move(options), std::move(detection), clock, std::move(*consumer)));
  d->matches_partitions_ = matches_partitions;
  if (d->correlation_ && !d->options_.state_path.empty() && role != DetectorRole::kMatch) {
    const auto started = std::chrono::steady_clock::now();
    auto store = WindowStore::open(d->options_.state_path);
    if (!store) return tl::unexpected(store.error());
    auto counted = (*store)->load(*d->correlation_, d->consumedTopic());
    if (!counted) return tl::unexpected(counted.error());
    d->counted_ = std::move(*counted);
    auto sources = (*store)->loadSources(d->consumedTopic());
    if (!sources) return tl::unexpected(sources.error());
    d->sources_ = std::move(*sources);
    d->store_ = std::move(*store);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    DetectorMetrics::get().state_restore_seconds->Set(secs);
    logging::get("correlator")
        ->info("Correlation windows opened; groups are read when seen. path={} groups_estimate={} "
               "correlations_dropped={} max_groups_in_memory={} seconds={:.3f}",
               d->options_.state_path, d->store_->estimatedGroups(), d->store_->stats().correlations_dropped,
               d->options_.correlation.max_groups_in_memory, secs);
  }
  d->thread_ = std::thread([raw = d.get()] { raw->run(); });
  logging::get("correlator")
      ->info("Detector started. role={} topic={} group={} incidents={} rules={} correlations={} decoders={}",
             role == DetectorRole::kMatch ? "match" : role == DetectorRole::kWindows ? "windows" : "inline",
             d->consumedTopic(), d->options_.group, d->options_.incidents_topic, d->detection_.rules->size(),
             d->detection_.correlations ? d->detection_.correlations->size() : 0, d->detection_.decoders->size());
  return d;
}

Detector::Detector(bus::Bus& bus, DetectorOptions options, DetectionSet detection, const Clock& clock,
                   std::unique_ptr<bus::Consumer> consumer)
    : bus_(bus),
      options_(std::move(options)),
      detection_(std::move(detection)),
      clock_(clock),
      consumer_(std::move(consumer)),
      shared_(std::make_shared<Shared>()) {
  if (detection_.correlations && !detection_.correlations->empty())
    correlation_ = std::make_unique<CorrelationEngine>(detection_.correlations, options_.correlation);
}

Detector::~Detector() { stop(); }

const std::string& Detector::consumedTopic() const {
  return options_.role == DetectorRole::kWindows ? options_.matches_topic : options_.events_topic;
}

void Detector::stop() {
  {
    std::lock_guard lock(shared_->mu);
    shared_->stopping = true;
  }
  shared_->cv.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Detector::stopping() const {
  std::lock_guard lock(shared_->mu);
  return shared_->stopping;
}

bool Detector::sleepUnlessStopped(std::chrono::milliseconds d) {
  std::unique_lock lock(shared_->mu);
  return !shared_->cv.wait_for(lock, d, [this] { return shared_->stopping; });
}

uint64_t Detector::committedEvents() const {
  std::lock_guard lock(shared_->mu);
  return shared_->committed_events;
}

bool Detector::waitForCommitted(uint64_t events, std::chrono::milliseconds timeout) {
  std::unique_lock lock(shared_->mu);
  return shared_->cv.wait_for(lock, timeout, [&] { return shared_->committed_events >= events; });
}

bool Detector::warningDue() {
  int64_t now = clock_.nowMicros();
  if (now - last_warning_us_ < 1000000) {
    ++suppressed_warnings_;
    return false;
  }
  last_warning_us_ = now;
  return true;
}

void Detector::run() {
  auto log = logging::get("correlator");
  auto& m = DetectorMetrics::get();
  std::map<int32_t, int64_t> uncommitted;  // partition → next offset to read
  uint64_t uncommitted_events = 0;
  auto poll_backoff = options_.retry_backoff;
  while (!stopping()) {
    auto batch = consumer_->poll(options_.batch_size, options_.poll_timeout);
    if (!batch) {
      if (warningDue())
        log->warn("Cannot poll the events topic; retrying. topic={} error={}", options_.events_topic,
                  batch.error().toString());
      if (!sleepUnlessStopped(poll_backoff)) break;
      poll_backoff = std::min(poll_backoff * 2, options_.max_retry_backoff);
      continue;
    }
    poll_backoff = options_.retry_backoff;
    if (batch->empty()) {
      if (!uncommitted.empty()) commit(uncommitted, uncommitted_events);  // a commit that failed before
      if (options_.role == DetectorRole::kMatch) {
        // Quiet: every clock's latest time reaches the windows (deadlines pass without events).
        std::vector<Outgoing> ticks;
        ticked_threshold_us_ = 0;
        addTicks(ticks);
        ticked_threshold_us_ = kTickEveryUs;
        if (!ticks.empty() && !publishAll(ticks)) break;
      }
      continue;
    }
    const auto started = std::chrono::steady_clock::now();
    std::vector<Outgoing> out;
    for (const auto& record : *batch) {
      auto counted = counted_.find(record.partition);
      if (store_ && counted != counted_.end() && record.offset < counted->second) {
        m.events_already_counted->Increment();  // its incidents were published before the windows were stored
      } else {
        process(record, out);
      }
      auto& next = uncommitted[record.partition];
      next = std::max(next, record.offset + 1);
    }
    if (options_.role == DetectorRole::kMatch) addTicks(out);
    // Nothing of a batch is committed before all its incidents have their outcome: a stop here
    // leaves the whole batch to be read again.
    if (!publishAll(out)) {
      log->info("Stopping with a batch not fully published; it stays uncommitted. events={} incidents={}",
                batch->size(), out.size());
      break;
    }
    if (store_) {
      for (const auto& [partition, next] : uncommitted) counted_[partition] = std::max(counted_[partition], next);
      if (!storeWindows()) break;  // stopping: this batch is read again and skipped or counted once
    }
    uncommitted_events += batch->size();
    commit(uncommitted, uncommitted_events);
    m.batch_duration->Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  consumer_->close();
  if (suppressed_warnings_ > 0) log->info("Detector stopped. suppressed_warnings={}", suppressed_warnings_);
  else log->info("Detector stopped.");
}

bool Detector::storeWindows() {
  auto& m = DetectorMetrics::get();
  auto backoff = options_.retry_backoff;
  for (;;) {
    auto st = store_->commit(*correlation_, consumedTopic(), counted_, sources_);
    if (st) break;
    m.state_commit_failures->Increment();
    if (warningDue())
      logging::get("correlator")->error("Cannot store the correlation windows; retrying. error={}", st.error().toString());
    if (!sleepUnlessStopped(backoff)) return false;
    backoff = std::min(backoff * 2, options_.max_retry_backoff);
  }
  const auto stats = correlation_->stats();
  m.open_groups->Set(double(store_->estimatedGroups()));
  m.groups_in_memory->Set(double(stats.groups_in_memory));
  m.groups_evicted->Increment(double(stats.evicted - reported_evicted_));
  m.groups_read_back->Increment(double(stats.read_back - reported_read_back_));
  reported_evicted_ = stats.evicted;
  reported_read_back_ = stats.read_back;
  return true;
}

void Detector::process(const bus::Record& record, std::vector<Outgoing>& out) {
  if (options_.role == DetectorRole::kWindows) return processMatch(record, out);
  auto& m = DetectorMetrics::get();
  m.events->Increment();
  auto event = eventFromJson(record.value);
  if (!event) {
    m.invalid->Increment();
    // The reason names the broken field, never the payload (it may hold secrets).
    if (warningDue())
      logging::get("correlator")
          ->warn("Skipping a record that is not an event. topic={} partition={} offset={} error={}",
                 record.topic, record.partition, record.offset, event.error().message);
    return;
  }
  // The collector publishes parsed, undecoded events: the decoders run here, as parseAndDecode
  // does after parsing. An event that arrives decoded already (replayed) is not decoded twice.
  if (event->decoder.empty()) {
    if (detection_.decoders->decode(*event)) m.decoded->Increment();
  } else {
    m.decoded->Increment();
  }
  if (detection_.tenants) enrichFromPolicy(*detection_.tenants, *event);
  if (event->ingest_ts_us > 0) m.event_lag->Set(double(clock_.nowMicros() - event->ingest_ts_us) / 1e6);
  matched_.clear();
  for (const rules::Rule* rule : detection_.rules->match(*event)) {
    m.ruleMatches(rule->id).Increment();
    size_t index = size_t(rule - detection_.rules->rules().data());
    matched_.push_back(int(index));
    // A rule that only feeds correlations raises no incident of its own (Sigma: generate: false).
    if (correlation_ && !detection_.correlations->raisesOwnIncidents(index)) continue;
    auto incident = incidentFromEvent(rule->id, rule->title, rule->level, rule->tags, *event);
    // Keyed by the incident id: a re-emitted incident lands in the partition of its first copy,
    // so a consumer de-duplicating per partition sees both; incidents carry their own times and
    // need no per-tenant order, and one busy tenant does not load one partition.
    out.push_back(Outgoing{&options_.incidents_topic, incident.id, toJson(incident)});
  }
  if (!correlation_) return;
  if (options_.role == DetectorRole::kMatch) {
    const int64_t time = correlation_->clampedTime(*event);
    auto [clock, fresh] = clocks_.try_emplace(event->tenant, time);
    if (!fresh) clock->second = std::max(clock->second, time);
    uint32_t use = 0;
    for (auto [ci, ri] : correlation_->uses(matched_)) {
      ++use;  // counted for every use, so a match's place is the same however often it is published
      auto group = correlation_->groupKey(ci, ri, *event);
      if (!group) continue;  // no group-by value: counts nowhere
      MatchRecord match;
      match.tenant = event->tenant;
      match.clock_us = clock->second;
      match.correlation = correlation_->correlationId(ci);
      match.reference = ri;
      match.source = MatchSource{record.partition, record.offset, use};
      match.event = *event;
      out.push_back(Outgoing{&options_.matches_topic, matchKey(match.correlation, *group), encodeMatch(match)});
    }
    return;
  }
  correlated_.clear();
  correlation_->onEvent(*event, matched_, correlated_);
  for (const auto& incident : correlated_) {
    m.ruleMatches(incident.rule_id).Increment();
    out.push_back(Outgoing{&options_.incidents_topic, incident.id, toJson(incident)});
  }
}

void Detector::addTicks(std::vector<Outgoing>& out) {
  for (const auto& [tenant, clock] : clocks_) {
    auto [last, fresh] = ticked_.try_emplace(tenant, clock);
    if (!fresh && clock - last->second < ticked_threshold_us_) continue;
    if (!fresh && clock == last->second) continue;
    last->second = clock;
    auto& keys = tick_keys_[tenant];
    if (keys.empty()) keys = tickKeys(tenant, matches_partitions_);
    MatchRecord tick;
    tick.tick = true;
    tick.tenant = tenant;
    tick.clock_us = clock;
    const std::string value = encodeMatch(tick);
    for (const auto& key : keys) out.push_back(Outgoing{&options_.matches_topic, key, value});
  }
}

void Detector::processMatch(const bus::Record& record, std::vector<Outgoing>& out) {
  auto& m = DetectorMetrics::get();
  m.matches_read->Increment();
  auto match = decodeMatch(record.value);
  if (!match) {
    m.invalid->Increment();
    if (warningDue())
      logging::get("correlator")
          ->warn("Skipping a record that is not a match. topic={} partition={} offset={} error={}", record.topic,
                 record.partition, record.offset, match.error().message);
    return;
  }
  correlated_.clear();
  // The tenant's clock in this partition (correlation_engine.h): \x1f is no tenant character.
  const std::string clock = match->tenant + '\x1f' + std::to_string(record.partition);
  if (match->tick) {
    correlation_->advance(clock, match->clock_us, correlated_);
  } else {
    // A match stage that restarted publishes its last batch's matches again: counted once.
    const std::pair<int32_t, int32_t> from{record.partition, match->source.partition};
    auto seen = sources_.find(from);
    if (seen != sources_.end() && match->source <= seen->second) {
      m.matches_already_counted->Increment();
      return;
    }
    sources_[from] = match->source;
    const int ci = correlation_->correlationIndex(match->correlation);
    if (ci < 0) {
      m.invalid->Increment();
      if (warningDue())
        logging::get("correlator")
            ->warn("Skipping a match of a correlation not loaded here (are all correlators on the same rules?). "
                   "correlation={} partition={} offset={}",
                   match->correlation, record.partition, record.offset);
      return;
    }
    correlation_->advance(clock, match->clock_us, correlated_);
    correlation_->onMatch(ci, match->reference, match->event, clock, correlated_);
  }
  for (const auto& incident : correlated_) {
    m.ruleMatches(incident.rule_id).Increment();
    out.push_back(Outgoing{&options_.incidents_topic, incident.id, toJson(incident)});
  }
}

bool Detector::publishAll(const std::vector<Outgoing>& out) {
  auto log = logging::get("correlator");
  auto& m = DetectorMetrics::get();
  std::vector<size_t> unsent(out.size());  // indexes into `out` not yet delivered or rejected
  for (size_t i = 0; i < unsent.size(); ++i) unsent[i] = i;
  auto backoff = options_.retry_backoff;
  while (!unsent.empty()) {
    auto round = std::make_shared<Round>(unsent.size());
    for (size_t k = 0; k < unsent.size(); ++k) {
      const Outgoing& o = out[unsent[k]];
      auto st = bus_.publish(*o.topic, o.key, o.value,
                             [shared = shared_, round, k](const bus::Delivery& d) {
                               {
                                 std::lock_guard lock(shared->mu);
                                 round->outcomes[k] = d;
                                 --round->pending;
                               }
                               shared->cv.notify_all();
                             });
      if (!st) {  // not queued, the callback will not run: a full queue is retried, the rest refused
        std::lock_guard lock(shared_->mu);
        round->outcomes[k].outcome = st.error().code == ErrorCode::kUnavailable ? bus::DeliveryOutcome::kRetry
                                                                                : bus::DeliveryOutcome::kRejected;
        round->outcomes[k].error = st.error().toString();
        --round->pending;
      }
    }
    {
      std::unique_lock lock(shared_->mu);
      shared_->cv.wait(lock, [&] { return round->pending == 0 || shared_->stopping; });
      if (round->pending > 0)
        shared_->cv.wait_for(lock, options_.stop_grace, [&] { return round->pending == 0; });
      if (round->pending > 0) return false;
    }
    std::vector<size_t> again;
    std::string last_error;
    for (size_t k = 0; k < unsent.size(); ++k) {
      const auto& d = round->outcomes[k];
      switch (d.outcome) {
        case bus::DeliveryOutcome::kDelivered:
          (out[unsent[k]].topic == &options_.incidents_topic ? m.published : m.matches_published)->Increment();
          break;
        case bus::DeliveryOutcome::kRetry:
          m.retries->Increment();
          again.push_back(unsent[k]);
          last_error = d.error;
          break;
        case bus::DeliveryOutcome::kRejected:
          m.rejected->Increment();
          log->error("The bus rejected a record; it is lost. topic={} key={} error={}", *out[unsent[k]].topic,
                     out[unsent[k]].key, d.error);
          break;
      }
    }
    if (again.empty()) return true;
    if (warningDue())
      log->warn("Incidents or matches not delivered; re-sending. records={} backoff_ms={} error={}", again.size(),
                backoff.count(), last_error);
    if (!sleepUnlessStopped(backoff)) return false;
    backoff = std::min(backoff * 2, options_.max_retry_backoff);
    unsent = std::move(again);
  }
  return true;
}

void Detector::commit(std::map<int32_t, int64_t>& offsets, uint64_t& events) {
  std::vector<bus::PartitionOffset> list;
  list.reserve(offsets.size());
  for (const auto& [partition, offset] : offsets) list.push_back({partition, offset});
  if (auto st = consumer_->commit(list); !st) {
    DetectorMetrics::get().commit_failures->Increment();
    // Kept for the next try, except partitions a rebalance took away (their new owner reads
    // them again from the last commit: duplicates with the same ids, nothing lost).
    auto assigned = consumer_->assignment();
    std::erase_if(offsets, [&](const auto& po) {
      return std::find(assigned.begin(), assigned.end(), po.first) == assigned.end();
    });
    if (warningDue())
      logging::get("correlator")
          ->warn("Cannot commit the detector's offsets; will retry. topic={} group={} error={}",
                 options_.events_topic, options_.group, st.error().toString());
    return;
  }
  {
    std::lock_guard lock(shared_->mu);
    shared_->committed_events += events;
  }
  shared_->cv.notify_all();
  offsets.clear();
  events = 0;
}

}  // namespace hinomi::correlator
