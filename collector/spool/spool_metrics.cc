#include "collector/spool/spool_metrics.h"

#include <map>
#include <memory>
#include <mutex>

#include "common/metrics.h"

namespace hinomi::collector {
namespace {

struct Families {
  prometheus::Family<prometheus::Counter>& appended;
  prometheus::Family<prometheus::Counter>& delivered;
  prometheus::Family<prometheus::Counter>& retries;
  prometheus::Family<prometheus::Counter>& dead_letters;
  prometheus::Family<prometheus::Counter>& full;
  prometheus::Family<prometheus::Gauge>& size_bytes;
  prometheus::Family<prometheus::Gauge>& entries;
};

Families& families() {
  auto& r = metrics::registry();
  static Families f{
      prometheus::BuildCounter()
          .Name("hinomi_spool_appended_total")
          .Help("Entries appended to the disk spool")
          .Register(r),
      prometheus::BuildCounter()
          .Name("hinomi_spool_delivered_total")
          .Help("Spooled entries the bus reported delivered (re-sends count again)")
          .Register(r),
      prometheus::BuildCounter()
          .Name("hinomi_spool_retries_total")
          .Help("Sends from the spool that failed and will be retried (bus retry or queue full)")
          .Register(r),
      prometheus::BuildCounter()
          .Name("hinomi_spool_dead_letters_total")
          .Help("Spooled entries the bus rejected, moved to the dead letters")
          .Register(r),
      prometheus::BuildCounter()
          .Name("hinomi_spool_full_total")
          .Help("Appends refused because the spool was at its size bound")
          .Register(r),
      prometheus::BuildGauge()
          .Name("hinomi_spool_size_bytes")
          .Help("Bytes held by the spool (entries not yet delivered)")
          .Register(r),
      prometheus::BuildGauge()
          .Name("hinomi_spool_entries")
          .Help("Entries held by the spool (not yet delivered)")
          .Register(r),
  };
  return f;
}

}  // namespace

SpoolMetrics& SpoolMetrics::forSpool(const std::string& spool) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<SpoolMetrics>, std::less<>> cache;
  std::lock_guard lock(mu);
  auto it = cache.find(spool);
  if (it != cache.end()) return *it->second;
  auto& f = families();
  const std::map<std::string, std::string> labels{{"spool", spool}};
  auto m = std::make_unique<SpoolMetrics>();
  m->appended = &f.appended.Add(labels);
  m->delivered = &f.delivered.Add(labels);
  m->retries = &f.retries.Add(labels);
  m->dead_letters = &f.dead_letters.Add(labels);
  m->full = &f.full.Add(labels);
  m->size_bytes = &f.size_bytes.Add(labels);
  m->entries = &f.entries.Add(labels);
  return *cache.emplace(spool, std::move(m)).first->second;
}

}  // namespace hinomi::collector
