#pragma once
// Consumer-group membership of the embedded bus. Groups live in one process, so there is no
// protocol: a member joins or leaves under a mutex, the group's generation moves, and each member
// recomputes its share at its next call. Partitions go round-robin over the members in join order
// (member i of n owns the partitions p with p % n == i).

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace hinomi::bus::embedded {

class Group {
 public:
  // Bumped on every join and leave.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  // The partitions of [0, partitions) that `member` owns now; empty when it is not a member.
  std::vector<int32_t> assignment(uint64_t member, int32_t partitions) const;

 private:
  friend class GroupRegistry;
  mutable std::mutex mu_;
  std::vector<uint64_t> members_;  // ascending: ids are handed out in join order
  std::atomic<uint64_t> generation_{0};
};

class GroupRegistry {
 public:
  struct Membership {
    std::shared_ptr<Group> group;
    uint64_t member = 0;
  };

  Membership join(uint32_t topic_id, const std::string& group);
  void leave(const Membership& m);

 private:
  std::mutex mu_;
  uint64_t next_member_ = 1;
  std::map<std::pair<uint32_t, std::string>, std::shared_ptr<Group>> groups_;
};

}  // namespace hinomi::bus::embedded
