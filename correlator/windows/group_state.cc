#include "correlator/windows/group_state.h"

#include <stdexcept>

namespace hinomi::correlator {
namespace {

nlohmann::json seenJson(const Seen& s) { return nlohmann::json::array({s.ts, s.event_id, s.value}); }

Seen seenFrom(const nlohmann::json& j) {
  return Seen{j.at(0).get<int64_t>(), j.at(1).get<std::string>(), j.at(2).get<std::string>()};
}

}  // namespace

std::string encodeGroup(const GroupState& g) {
  nlohmann::json j = nlohmann::json::object();
  j["t"] = g.tenant;
  if (g.clock != g.tenant) j["k"] = g.clock;
  j["g"] = g.group;
  auto& seen = j["s"] = nlohmann::json::array();
  for (const auto& s : g.seen) seen.push_back(seenJson(s));
  auto& last = j["l"] = nlohmann::json::array();
  for (const auto& l : g.last) last.push_back(l ? seenJson(*l) : nlohmann::json());
  auto& chain = j["c"] = nlohmann::json::array();
  for (const auto& ch : g.chain) {
    if (!ch) {
      chain.push_back(nullptr);
      continue;
    }
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& s : ch->second) steps.push_back(seenJson(s));
    chain.push_back(nlohmann::json::array({ch->first, std::move(steps)}));
  }
  j["ws"] = g.window_start;
  j["wo"] = g.window_open;
  j["su"] = g.suppressing;
  j["sut"] = g.suppress_until;
  j["j"] = g.joined;
  if (g.suppressing) j["i"] = toJson(g.incident);
  j["d"] = g.deadline;
  j["a"] = seenJson(g.awaiting);
  j["f"] = g.fields.toJson();
  j["tm"] = g.timer;
  j["tq"] = g.timer_seq;
  j["st"] = g.stored_timer;
  j["sq"] = g.stored_timer_seq;
  auto bytes = nlohmann::json::to_msgpack(j);
  return std::string(bytes.begin(), bytes.end());
}

GroupState decodeGroup(std::string_view bytes) {
  auto j = nlohmann::json::from_msgpack(bytes.begin(), bytes.end());
  GroupState g;
  g.tenant = j.at("t").get<std::string>();
  g.clock = j.contains("k") ? j["k"].get<std::string>() : g.tenant;
  g.group = j.at("g");
  for (const auto& s : j.at("s")) g.seen.push_back(seenFrom(s));
  for (const auto& l : j.at("l")) g.last.push_back(l.is_null() ? std::nullopt : std::optional<Seen>(seenFrom(l)));
  for (const auto& ch : j.at("c")) {
    if (ch.is_null()) {
      g.chain.emplace_back();
      continue;
    }
    std::vector<Seen> steps;
    for (const auto& s : ch.at(1)) steps.push_back(seenFrom(s));
    g.chain.emplace_back(std::make_pair(ch.at(0).get<int64_t>(), std::move(steps)));
  }
  g.window_start = j.at("ws").get<int64_t>();
  g.window_open = j.at("wo").get<bool>();
  g.suppressing = j.at("su").get<bool>();
  g.suppress_until = j.at("sut").get<int64_t>();
  g.joined = j.at("j").get<uint64_t>();
  if (g.suppressing) {
    auto inc = incidentFromJson(j.at("i").get<std::string>());
    if (!inc) throw std::runtime_error(inc.error().message);
    g.incident = std::move(*inc);
  }
  g.deadline = j.at("d").get<int64_t>();
  g.awaiting = seenFrom(j.at("a"));
  g.fields = Fields::fromJson(j.at("f"));
  g.timer = j.at("tm").get<int64_t>();
  g.timer_seq = j.at("tq").get<uint64_t>();
  // Written before the timer index existed: nothing of it is in the index.
  g.stored_timer = j.contains("st") ? j["st"].get<int64_t>() : -1;
  g.stored_timer_seq = j.contains("sq") ? j["sq"].get<uint64_t>() : 0;
  return g;
}

}  // namespace hinomi::correlator
