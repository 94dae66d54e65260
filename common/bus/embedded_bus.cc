#include "common/bus/embedded_bus.h"

#include <exception>

#include "common/bus/embedded_consumer.h"
#include "common/bus/embedded_log.h"

namespace hinomi::bus {

EmbeddedBus::EmbeddedBus(std::shared_ptr<embedded::Log> log) : log_(std::move(log)) {}

EmbeddedBus::~EmbeddedBus() { log_->shutdown(); }

Result<std::unique_ptr<Bus>> EmbeddedBus::open(const EmbeddedBusOptions& options) {
  auto bus = open(options, SystemClock::instance());
  if (!bus) return tl::unexpected(bus.error());
  return std::unique_ptr<Bus>(std::move(*bus));
}

Result<std::unique_ptr<EmbeddedBus>> EmbeddedBus::open(const EmbeddedBusOptions& options,
                                                       const Clock& clock) {
  try {
    auto log = embedded::Log::open(options, clock);
    if (!log) return tl::unexpected(log.error());
    return std::unique_ptr<EmbeddedBus>(new EmbeddedBus(std::move(*log)));
  } catch (const std::exception& e) {
    return makeError(ErrorCode::kInternal,
                     "embedded bus: cannot open " + options.path + ": " + e.what());
  }
}

Status EmbeddedBus::ensureTopic(const std::string& topic, int partitions) {
  if (partitions < 1)
    return makeError(ErrorCode::kInvalidArgument,
                     "embedded bus: topic " + topic + " needs at least one partition");
  auto t = log_->topic(topic, partitions);
  if (!t) return tl::unexpected(t.error());
  return {};
}

Result<int> EmbeddedBus::partitionCount(const std::string& topic) {
  embedded::Topic* t = log_->findTopic(topic);
  if (!t) return makeError(ErrorCode::kNotFound, "embedded bus: no topic " + topic);
  return int(t->partitions.load(std::memory_order_acquire));
}

Status EmbeddedBus::publish(const std::string& topic, std::string_view key, std::string_view value,
                            DeliveryCallback cb) {
  embedded::Topic* t = log_->findTopic(topic);
  if (!t) {
    auto created = log_->topic(topic, 0);
    if (!created) return tl::unexpected(created.error());
    t = *created;
  }
  return log_->append(*t, key, value, std::move(cb));
}

Status EmbeddedBus::flush(std::chrono::milliseconds timeout) { return log_->flush(timeout); }

Result<std::unique_ptr<Consumer>> EmbeddedBus::subscribe(const std::string& topic,
                                                         const std::string& group) {
  if (group.empty())
    return makeError(ErrorCode::kInvalidArgument, "embedded bus: the group name is empty");
  auto t = log_->topic(topic, 0);
  if (!t) return tl::unexpected(t.error());
  try {
    return std::unique_ptr<Consumer>(
        std::make_unique<embedded::EmbeddedConsumer>(log_, **t, group));
  } catch (const std::exception& e) {
    return makeError(ErrorCode::kInternal,
                     "embedded bus: cannot subscribe: " + std::string(e.what()));
  }
}

Result<int64_t> EmbeddedBus::applyRetention() { return log_->applyRetention(); }

}  // namespace hinomi::bus
