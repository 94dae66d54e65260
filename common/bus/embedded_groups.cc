#include "common/bus/embedded_groups.h"

#include <algorithm>

namespace hinomi::bus::embedded {

std::vector<int32_t> Group::assignment(uint64_t member, int32_t partitions) const {
  std::lock_guard lock(mu_);
  auto it = std::find(members_.begin(), members_.end(), member);
  if (it == members_.end()) return {};
  const auto n = int32_t(members_.size());
  std::vector<int32_t> out;
  for (int32_t p = int32_t(it - members_.begin()); p < partitions; p += n) out.push_back(p);
  return out;
}

GroupRegistry::Membership GroupRegistry::join(uint32_t topic_id, const std::string& group) {
  std::lock_guard lock(mu_);
  auto& g = groups_[{topic_id, group}];
  if (!g) g = std::make_shared<Group>();
  Membership m{g, next_member_++};
  std::lock_guard glock(g->mu_);
  g->members_.push_back(m.member);
  g->generation_.fetch_add(1, std::memory_order_acq_rel);
  return m;
}

void GroupRegistry::leave(const Membership& m) {
  if (!m.group) return;
  std::lock_guard lock(mu_);
  std::lock_guard glock(m.group->mu_);
  auto& members = m.group->members_;
  auto it = std::find(members.begin(), members.end(), m.member);
  if (it == members.end()) return;
  members.erase(it);
  m.group->generation_.fetch_add(1, std::memory_order_acq_rel);
  // Throw-away groups (`hinomi bus dump`) must not pile up in a long-running process.
  if (members.empty()) {
    std::erase_if(groups_, [&](const auto& kv) { return kv.second == m.group; });
  }
}

}  // namespace hinomi::bus::embedded
