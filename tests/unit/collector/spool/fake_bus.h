#pragma once
// A Bus for the spool tests whose answers the test chooses per publish: a publish() error, or an
// outcome reported later on the bus's own thread, in publish order (as both real buses do).
// Delivered records are appended to an in-memory log per topic.

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/bus/bus.h"

namespace hinomi::collector::testing {

struct FakeAnswer {
  std::optional<Error> publish_error;  // publish() fails with it; nothing queued
  bus::DeliveryOutcome outcome = bus::DeliveryOutcome::kDelivered;
  std::string error;
};

class FakeBus final : public bus::Bus {
 public:
  // Called for every publish with the count of publish() calls before it.
  using Policy = std::function<FakeAnswer(const std::string& topic, std::string_view key,
                                          std::string_view value, int64_t call)>;
  explicit FakeBus(Policy policy) : policy_(std::move(policy)) {
    worker_ = std::thread([this] { serve(); });
  }
  ~FakeBus() override {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }

  std::string_view kind() const override { return "fake"; }
  Status ensureTopic(const std::string&, int) override { return {}; }
  Result<int> partitionCount(const std::string&) override { return 1; }
  Status publish(const std::string& topic, std::string_view key, std::string_view value,
                 bus::DeliveryCallback cb) override {
    std::lock_guard lock(mu_);
    FakeAnswer a = policy_(topic, key, value, calls_++);
    if (a.publish_error) return tl::unexpected(*a.publish_error);
    queue_.push_back(Pending{topic, std::string(key), std::string(value), std::move(a),
                             std::move(cb)});
    cv_.notify_all();
    return {};
  }
  Status flush(std::chrono::milliseconds) override { return {}; }
  Result<std::unique_ptr<bus::Consumer>> subscribe(const std::string&,
                                                   const std::string&) override {
    return makeError(ErrorCode::kInternal, "FakeBus has no consumers");
  }

  // Delivered (key, value) pairs of `topic`, in delivery order.
  std::vector<std::pair<std::string, std::string>> log(const std::string& topic) {
    std::lock_guard lock(mu_);
    return logs_[topic];
  }

 private:
  struct Pending {
    std::string topic, key, value;
    FakeAnswer answer;
    bus::DeliveryCallback cb;
  };

  void serve() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;
      Pending p = std::move(queue_.front());
      queue_.pop_front();
      bus::Delivery d;
      d.outcome = p.answer.outcome;
      d.error = p.answer.error;
      if (d.outcome == bus::DeliveryOutcome::kDelivered) {
        auto& log = logs_[p.topic];
        d.partition = 0;
        d.offset = int64_t(log.size());
        log.emplace_back(p.key, p.value);
      }
      lock.unlock();
      p.cb(d);
      lock.lock();
    }
  }

  Policy policy_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> logs_;
  int64_t calls_ = 0;
  bool stop_ = false;
  std::thread worker_;
};

}  // namespace hinomi::collector::testing
