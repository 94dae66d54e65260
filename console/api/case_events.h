#pragma once
// Live updates for the console: every change of a case (opened, joined, a step moved, a person's
// command) as a small summary, fanned out to the Server-Sent Events streams of the users who may
// see its tenant. A stream that falls behind drops its oldest updates (the console re-reads the
// list when it sees a gap in `seq`); the engine never waits for a browser.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace hinomi::console {

struct CaseUpdate {
  uint64_t seq = 0;  // 1, 2, 3 … across all cases
  std::string tenant;
  nlohmann::json summary;
};

class CaseEvents {
 public:
  class Stream {
   public:
    // The next updates after `after` (waits up to `wait_ms` for one); empty on timeout or close.
    std::deque<CaseUpdate> next(int wait_ms);
    bool closed() const;

   private:
    friend class CaseEvents;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<CaseUpdate> queue_;
    bool closed_ = false;
  };

  void publish(const std::string& tenant, nlohmann::json summary);
  std::shared_ptr<Stream> subscribe();
  void unsubscribe(const std::shared_ptr<Stream>& s);
  // Ends every stream (before the HTTP server stops, so its handlers return).
  void closeAll();

  static constexpr size_t kMaxQueued = 1000;

 private:
  std::mutex mu_;
  uint64_t seq_ = 0;
  std::set<std::shared_ptr<Stream>> streams_;
  bool closed_ = false;
};

}  // namespace hinomi::console
