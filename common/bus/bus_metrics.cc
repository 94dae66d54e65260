#include "common/bus/bus_metrics.h"

#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "common/metrics.h"

namespace hinomi::bus {
namespace {

struct Families {
  prometheus::Family<prometheus::Counter>& published;
  prometheus::Family<prometheus::Counter>& delivered;
  prometheus::Family<prometheus::Counter>& failures;
  prometheus::Family<prometheus::Counter>& consumed;
  prometheus::Family<prometheus::Counter>& commits;
  prometheus::Family<prometheus::Gauge>& queued;
  prometheus::Family<prometheus::Histogram>& latency;
};

Families& families() {
  auto& r = metrics::registry();
  static Families f{
      prometheus::BuildCounter()
          .Name("hinomi_bus_published_total")
          .Help("Records accepted by publish()")
          .Register(r),
      prometheus::BuildCounter()
          .Name("hinomi_bus_delivered_total")
          .Help("Records whose delivery was confirmed")
          .Register(r),
      prometheus::BuildCounter()
          .Name("hinomi_bus_delivery_failures_total")
          .Help("Records not delivered, by outcome (retry: the sender re-sends; rejected: never)")
          .Register(r),
      prometheus::BuildCounter()
          .Name("hinomi_bus_consumed_total")
          .Help("Records returned by consumer polls")
          .Register(r),
      prometheus::BuildCounter()
          .Name("hinomi_bus_commits_total")
          .Help("Successful offset commits")
          .Register(r),
      prometheus::BuildGauge()
          .Name("hinomi_bus_queued_records")
          .Help("Records published and still waiting for their delivery outcome")
          .Register(r),
      prometheus::BuildHistogram()
          .Name("hinomi_bus_delivery_latency_seconds")
          .Help("Time from publish() to the delivery outcome")
          .Register(r),
  };
  return f;
}

}  // namespace

BusMetrics& BusMetrics::forTopic(std::string_view bus_kind, const std::string& topic) {
  static std::mutex mu;
  // unique_ptr keeps each BusMetrics at a stable address while the map grows.
  static std::map<std::pair<std::string, std::string>, std::unique_ptr<BusMetrics>, std::less<>>
      cache;
  std::lock_guard lock(mu);
  auto key = std::make_pair(std::string(bus_kind), topic);
  auto it = cache.find(key);
  if (it != cache.end()) return *it->second;

  auto& f = families();
  const std::map<std::string, std::string> labels{{"bus", key.first}, {"topic", topic}};
  auto with = [&](const char* outcome) {
    auto l = labels;
    l.emplace("outcome", outcome);
    return l;
  };
  auto m = std::make_unique<BusMetrics>();
  m->published = &f.published.Add(labels);
  m->delivered = &f.delivered.Add(labels);
  m->retry = &f.failures.Add(with("retry"));
  m->rejected = &f.failures.Add(with("rejected"));
  m->consumed = &f.consumed.Add(labels);
  m->committed = &f.commits.Add(labels);
  m->queued = &f.queued.Add(labels);
  // 100 µs .. ~13 s: an embedded fsync is sub-millisecond, a Kafka acks=all round trip is
  // milliseconds, and a broker outage retries for seconds.
  m->delivery_latency = &f.latency.Add(
      labels, prometheus::Histogram::BucketBoundaries{0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                      1, 2.5, 5, 13});
  return *cache.emplace(std::move(key), std::move(m)).first->second;
}

}  // namespace hinomi::bus
