#pragma once
// A clock the test sets: windows, retention and timers are tested without sleeping.

#include <atomic>
#include <cstdint>

#include "common/time.h"

namespace hinomi::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_us = 1'700'000'000'000'000) : now_us_(start_us) {}
  int64_t nowMicros() const override { return now_us_.load(); }
  void set(int64_t us) { now_us_.store(us); }
  void advanceSeconds(int64_t s) { now_us_.fetch_add(s * 1'000'000); }

 private:
  std::atomic<int64_t> now_us_;
};

}  // namespace hinomi::testing
