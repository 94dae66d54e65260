#include "playbooks/case_intake.h"

#include <map>

#include "common/logging.h"
#include "common/time.h"
#include "correlator/incident.h"
#include "playbooks/responder_metrics.h"

namespace hinomi::playbooks {

Result<std::unique_ptr<CaseIntake>> CaseIntake::start(bus::Bus& bus, CaseIntakeOptions options, CaseStore& store,
                                                      std::shared_ptr<const PlaybookLoad> playbooks) {
  auto consumer = bus.subscribe(options.incidents_topic, options.group);
  if (!consumer) return tl::unexpected(consumer.error());
  std::unique_ptr<CaseIntake> intake(new CaseIntake());
  intake->options_ = std::move(options);
  intake->consumer_ = std::move(*consumer);
  intake->store_ = &store;
  intake->playbooks_ = std::move(playbooks);
  ResponderMetrics::get().playbooks_loaded->Set(double(intake->playbooks_->playbooks.size()));
  intake->thread_ = std::thread([p = intake.get()] { p->loop(); });
  return intake;
}

CaseIntake::~CaseIntake() { stop(); }

void CaseIntake::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  if (consumer_) consumer_->close();
}

void CaseIntake::loop() {
  auto log = logging::get("responder");
  auto& m = ResponderMetrics::get();
  while (!stopping_) {
    auto batch = consumer_->poll(options_.batch_size, options_.poll_timeout);
    if (!batch) {
      log->warn("Cannot poll the incidents topic; retrying. topic={} error={}", options_.incidents_topic,
                batch.error().toString());
      std::this_thread::sleep_for(options_.retry_backoff);
      continue;
    }
    if (batch->empty()) continue;
    std::map<int32_t, int64_t> next;   // partition → offset to commit
    std::map<int32_t, int64_t> first;  // partition → the batch's first offset, to read again from
    for (const auto& record : *batch) first.try_emplace(record.partition, record.offset);
    bool failed = false;
    for (const auto& record : *batch) {
      auto incident = correlator::incidentFromJson(record.value);
      if (!incident) {
        // Not an incident: nothing to open a case for. Counted and logged, then passed over so one
        // bad record cannot stall the queue behind it.
        m.malformed->Increment();
        log->error("Skipping a record of the incidents topic that is not an incident. partition={} offset={} error={}",
                   record.partition, record.offset, incident.error().message);
        next[record.partition] = record.offset + 1;
        continue;
      }
      auto taken = store_->intake(*incident, *playbooks_, SystemClock::instance().nowMicros());
      if (!taken) {
        // The store failed: stop here and read this record again after the back-off.
        log->error("Cannot store an incident; retrying. incident={} error={}", incident->id, taken.error().message);
        m.store_failures->Increment();
        if (auto st = consumer_->seek(record.partition, record.offset); !st)
          log->warn("Cannot rewind the incidents topic. error={}", st.error().toString());
        failed = true;
        break;
      }
      m.incidents->Add({{"outcome", intakeOutcomeName(taken->outcome)}}).Increment();
      if (taken->outcome == Intake::Outcome::kOpened)
        log->info("Case opened. case={} tenant={} incident={} level={}", taken->case_id, incident->tenant,
                  incident->id, incident->level);
      next[record.partition] = record.offset + 1;
      if (options_.on_case && (taken->outcome == Intake::Outcome::kOpened || taken->outcome == Intake::Outcome::kJoined))
        options_.on_case(taken->case_id);
    }
    if (!next.empty()) {
      // What the offsets say was taken must be on disk first: one fsync for the whole batch.
      if (auto st = store_->sync(); !st) {
        m.store_failures->Increment();
        log->error("Cannot sync the case store; the batch is read again. error={}", st.error().message);
        for (const auto& [p, o] : first)
          if (auto sk = consumer_->seek(p, o); !sk) log->warn("Cannot rewind the incidents topic. error={}", sk.error().toString());
        std::this_thread::sleep_for(options_.retry_backoff);
        continue;
      }
      std::vector<bus::PartitionOffset> offsets;
      for (const auto& [p, o] : next) offsets.push_back({p, o});
      if (auto st = consumer_->commit(offsets); !st) {
        m.commit_failures->Increment();
        log->warn("Cannot commit the incidents topic; the records are read again and are duplicates. error={}",
                  st.error().toString());
      }
    }
    if (failed) std::this_thread::sleep_for(options_.retry_backoff);
  }
}

}  // namespace hinomi::playbooks
