#include "console/api/case_events.h"

#include <chrono>

namespace hinomi::console {

std::deque<CaseUpdate> CaseEvents::Stream::next(int wait_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] { return closed_ || !queue_.empty(); });
  std::deque<CaseUpdate> out;
  out.swap(queue_);
  return out;
}

bool CaseEvents::Stream::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

void CaseEvents::publish(const std::string& tenant, nlohmann::json summary) {
  std::lock_guard<std::mutex> lock(mu_);
  CaseUpdate u{++seq_, tenant, std::move(summary)};
  for (const auto& s : streams_) {
    std::lock_guard<std::mutex> sl(s->mu_);
    if (s->queue_.size() >= kMaxQueued) s->queue_.pop_front();  // the slow reader loses the oldest
    s->queue_.push_back(u);
    s->cv_.notify_one();
  }
}

std::shared_ptr<CaseEvents::Stream> CaseEvents::subscribe() {
  auto s = std::make_shared<Stream>();
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) s->closed_ = true;
  else streams_.insert(s);
  return s;
}

void CaseEvents::unsubscribe(const std::shared_ptr<Stream>& s) {
  std::lock_guard<std::mutex> lock(mu_);
  streams_.erase(s);
}

void CaseEvents::closeAll() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  for (const auto& s : streams_) {
    std::lock_guard<std::mutex> sl(s->mu_);
    s->closed_ = true;
    s->cv_.notify_all();
  }
  streams_.clear();
}

}  // namespace hinomi::console
