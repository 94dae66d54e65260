#include "correlator/windows/correlation_engine.h"

#include <algorithm>
#include <climits>
#include <deque>
#include <map>
#include <queue>
#include <set>
#include <stdexcept>
#include <unordered_map>

namespace hinomi::correlator {
namespace {

using rules::CompiledCorrelation;
using rules::CorrelationType;

struct Seen {
  int64_t ts = 0;
  std::string event_id;
  std::string value;  // value_count: the counted field's value
};

// One group's window of one correlation.
struct GroupState {
  std::string tenant;
  nlohmann::json group = nlohmann::json::object();
  std::deque<Seen> seen;           // event_count / value_count: the window's events, by time
  std::vector<std::optional<Seen>> last;   // temporal: latest match per rule
  std::vector<std::optional<std::pair<int64_t, std::vector<Seen>>>> chain;  // temporal_ordered: (start, steps)
  int64_t window_start = 0;        // closing windows: when it opened
  bool window_open = false;
  // Suppression: the incident raised in the current window, updated by later matches.
  bool suppressing = false;
  int64_t suppress_until = 0;
  uint64_t joined = 0;             // matches that joined it since it was emitted
  Incident incident;
  // Absence: when silence becomes an incident, and the event it is about.
  int64_t deadline = -1;
  Seen awaiting;
  nlohmann::json fields = nlohmann::json::object();  // latest (closing) / awaited (absence) event's fields
  int64_t timer = -1;              // the deadline this group is queued under (-1: none)
  uint64_t timer_seq = 0;          // its place among timers due at the same time
};

struct Timer {
  int64_t at;
  uint64_t seq;
  int correlation;
  std::string key;
  bool operator>(const Timer& o) const { return at != o.at ? at > o.at : seq > o.seq; }
};

bool closing(const CompiledCorrelation& c) {
  return (c.rule.type == CorrelationType::kEventCount || c.rule.type == CorrelationType::kValueCount) &&
         c.rule.condition.judgedAtClose();
}

uint64_t distinctValues(const std::deque<Seen>& seen) {
  std::set<std::string_view> values;
  for (const auto& s : seen) values.insert(s.value);
  return values.size();
}

// The stored form of a group (MessagePack of this JSON): short keys, as there may be millions.
nlohmann::json seenJson(const Seen& s) { return nlohmann::json::array({s.ts, s.event_id, s.value}); }

Seen seenFrom(const nlohmann::json& j) {
  return Seen{j.at(0).get<int64_t>(), j.at(1).get<std::string>(), j.at(2).get<std::string>()};
}

std::string encodeGroup(const GroupState& g) {
  nlohmann::json j = nlohmann::json::object();
  j["t"] = g.tenant;
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
  j["f"] = g.fields;
  j["tm"] = g.timer;
  j["tq"] = g.timer_seq;
  auto bytes = nlohmann::json::to_msgpack(j);
  return std::string(bytes.begin(), bytes.end());
}

// Throws nlohmann's exceptions on bytes that are not an encodeGroup() result.
GroupState decodeGroup(std::string_view bytes) {
  auto j = nlohmann::json::from_msgpack(bytes.begin(), bytes.end());
  GroupState g;
  g.tenant = j.at("t").get<std::string>();
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
  g.fields = j.at("f");
  g.timer = j.at("tm").get<int64_t>();
  g.timer_seq = j.at("tq").get<uint64_t>();
  return g;
}

}  // namespace

struct CorrelationEngine::Impl {
  std::shared_ptr<const rules::CorrelationSet> set;
  CorrelationOptions options;
  std::vector<std::unordered_map<std::string, GroupState>> groups;  // per correlation: key → state
  // Per tenant: each tenant's windows close on its own watermark.
  std::map<std::string, std::priority_queue<Timer, std::vector<Timer>, std::greater<>>> timers;
  uint64_t timer_seq = 0;
  std::map<std::string, int64_t> watermark;  // tenant → latest (clamped) event time
  CorrelationStats stats;
  std::set<std::pair<int, std::string>> changed;  // (correlation, group key) since takeChanges()

  Incident makeIncident(const CompiledCorrelation& c, const GroupState& g, const std::vector<const Seen*>& events,
                        const nlohmann::json& fields) {
    Incident inc;
    inc.rule_id = c.rule.id;
    inc.title = c.rule.title;
    inc.level = c.rule.level;
    inc.tags = c.rule.tags;
    inc.tenant = g.tenant;
    inc.group = g.group;
    inc.fields = fields;
    inc.first_ts_us = events.empty() ? 0 : events.front()->ts;
    inc.last_ts_us = inc.first_ts_us;
    for (const Seen* s : events) {
      inc.first_ts_us = std::min(inc.first_ts_us, s->ts);
      inc.last_ts_us = std::max(inc.last_ts_us, s->ts);
      inc.addEventId(s->event_id);
    }
    // The window is identified by its first event: a replay or a restart gives the same id.
    inc.id = incidentId(inc.rule_id, inc.tenant, inc.group, events.empty() ? "" : events.front()->event_id);
    return inc;
  }

  void schedule(int ci, const std::string& key, GroupState& g, int64_t at) {
    if (g.timer == at) return;
    g.timer = at;  // an earlier queued timer of the group is now stale and skipped
    g.timer_seq = timer_seq++;
    timers[g.tenant].push(Timer{at, g.timer_seq, ci, key});
  }

  // Emits the suppressed incident's final count when matches joined it, and ends the suppression.
  void endSuppression(int ci, GroupState& g, std::vector<Incident>& out) {
    if (!g.suppressing) return;
    g.suppressing = false;
    if (g.joined > 0 && !set->correlations()[ci].silent) {
      out.push_back(g.incident);
      ++stats.updated;
    }
    g.joined = 0;
  }

  void fire(int ci, GroupState& g, Incident inc, int64_t window_start, std::vector<Incident>& out,
            std::vector<std::pair<int, Event>>& chained, const Event* event) {
    const auto& c = set->correlations()[ci];
    g.suppressing = true;
    g.suppress_until = window_start + c.rule.timespan_us;
    g.joined = 0;
    g.incident = inc;
    ++stats.fired;
    if (!set->usersOfCorrelation(ci).empty()) {
      // A chained correlation sees this one's incident as a match on the triggering event.
      Event e;
      if (event) e = *event;
      else e.fields = inc.fields;
      e.id = inc.id;
      e.tenant = inc.tenant;
      e.ts_us = inc.last_ts_us;
      chained.emplace_back(ci, std::move(e));
    }
    if (!c.silent) out.push_back(std::move(inc));
  }

  // Joins a match to the group's suppressed incident; false when there is none (or it expired).
  bool join(int ci, GroupState& g, int64_t ts, const std::string& event_id, std::vector<Incident>& out) {
    if (!g.suppressing) return false;
    if (ts > g.suppress_until) {
      endSuppression(ci, g, out);
      return false;
    }
    g.incident.addEventId(event_id);
    g.incident.last_ts_us = std::max(g.incident.last_ts_us, ts);
    g.incident.first_ts_us = std::min(g.incident.first_ts_us, ts);
    ++g.joined;
    return true;
  }

  void judgeClosing(int ci, GroupState& g, std::vector<Incident>& out, std::vector<std::pair<int, Event>>& chained) {
    const auto& c = set->correlations()[ci];
    g.window_open = false;
    uint64_t n = c.rule.type == CorrelationType::kValueCount ? distinctValues(g.seen) : g.seen.size();
    if (!g.seen.empty() && c.rule.condition.holds(n)) {
      std::vector<const Seen*> events;
      for (const auto& s : g.seen) events.push_back(&s);
      auto inc = makeIncident(c, g, events, g.fields);
      inc.event_count = g.seen.size();
      fire(ci, g, std::move(inc), g.window_start, out, chained, nullptr);
      g.suppressing = false;  // a closed window takes no more events
    }
    g.seen.clear();
  }

  // One match of reference `ri` of correlation `ci`.
  void onMatch(int ci, int ri, const Event& event, std::vector<Incident>& out,
               std::vector<std::pair<int, Event>>& chained) {
    const auto& c = set->correlations()[ci];
    const auto& ref = c.refs[ri];
    std::string key = event.tenant;
    nlohmann::json group = nlohmann::json::object();
    std::string text;
    for (size_t i = 0; i < ref.group_fields.size(); ++i) {
      if (!rules::fieldText(event, ref.group_fields[i], text) || text.empty()) {
        ++stats.ungrouped;
        return;
      }
      key.push_back('\0');
      key += text;
      group[c.group_keys[i]] = text;
    }
    auto [it, fresh] = groups[ci].try_emplace(key);
    changed.emplace(ci, key);
    GroupState& g = it->second;
    if (fresh) {
      g.tenant = event.tenant;
      g.group = std::move(group);
      g.last.resize(c.refs.size());
      g.chain.resize(c.refs.size());
    }
    const int64_t ts = event.ts_us;
    const int64_t span = c.rule.timespan_us;
    Seen seen{ts, event.id, {}};

    switch (c.rule.type) {
      case CorrelationType::kAbsence: {
        const bool expects_second = c.refs.size() == 2;
        if (expects_second && ri == 1) {  // the awaited follow-up came
          if (g.deadline >= 0 && ts >= g.awaiting.ts) g.deadline = -1;
          if (g.deadline < 0) groups[ci].erase(it);
          return;
        }
        if (expects_second && g.deadline >= 0) return;  // the first unanswered one is the one reported
        g.deadline = ts + span;
        g.awaiting = seen;
        g.fields = event.fields;
        schedule(ci, key, g, g.deadline + options.allowed_lateness_us);
        return;
      }
      case CorrelationType::kEventCount:
      case CorrelationType::kValueCount: {
        if (c.rule.type == CorrelationType::kValueCount) {
          if (!rules::fieldText(event, ref.value_field, text) || text.empty()) return;  // nothing to count
          seen.value = text;
        }
        if (closing(c)) {
          // The group's own time passed its window: judge it now, this event opens the next.
          if (g.window_open && ts > g.window_start + span) judgeClosing(ci, g, out, chained);
          if (!g.window_open) {
            g.window_open = true;
            g.window_start = ts;
            schedule(ci, key, g, ts + span + options.allowed_lateness_us);
          } else if (ts < g.window_start) {
            if (g.window_start - ts > options.allowed_lateness_us) {
              ++stats.late;
              return;
            }
            g.window_start = ts;
          }
          auto pos = std::upper_bound(g.seen.begin(), g.seen.end(), ts, [](int64_t t, const Seen& s) { return t < s.ts; });
          g.seen.insert(pos, std::move(seen));
          g.fields = event.fields;
          return;
        }
        if (join(ci, g, ts, event.id, out)) return;
        int64_t newest = g.seen.empty() ? ts : std::max(ts, g.seen.back().ts);
        if (ts <= newest - span) {
          ++stats.late;
          return;
        }
        auto pos = std::upper_bound(g.seen.begin(), g.seen.end(), ts, [](int64_t t, const Seen& s) { return t < s.ts; });
        g.seen.insert(pos, std::move(seen));
        while (!g.seen.empty() && g.seen.front().ts <= newest - span) g.seen.pop_front();
        uint64_t n = c.rule.type == CorrelationType::kValueCount ? distinctValues(g.seen) : g.seen.size();
        if (!c.rule.condition.holds(n)) {
          schedule(ci, key, g, newest + span + options.allowed_lateness_us);  // forget it when idle
          return;
        }
        std::vector<const Seen*> events;
        for (const auto& s : g.seen) events.push_back(&s);
        auto inc = makeIncident(c, g, events, event.fields);
        inc.event_count = g.seen.size();
        int64_t start = g.seen.front().ts;
        g.seen.clear();
        fire(ci, g, std::move(inc), start, out, chained, &event);
        schedule(ci, key, g, g.suppress_until + options.allowed_lateness_us);
        return;
      }
      case CorrelationType::kTemporal: {
        if (join(ci, g, ts, event.id, out)) return;
        if (!g.last[ri] || g.last[ri]->ts <= ts) g.last[ri] = seen;
        int64_t newest = ts;
        for (const auto& l : g.last)
          if (l) newest = std::max(newest, l->ts);
        std::vector<const Seen*> events;
        for (const auto& l : g.last)
          if (l && l->ts > newest - span) events.push_back(&*l);
        uint64_t needed = c.rule.condition.empty() ? c.refs.size() : 0;
        bool holds = needed ? events.size() >= needed : c.rule.condition.holds(events.size());
        if (!holds) {
          schedule(ci, key, g, newest + span + options.allowed_lateness_us);
          return;
        }
        std::sort(events.begin(), events.end(), [](const Seen* a, const Seen* b) { return a->ts < b->ts; });
        auto inc = makeIncident(c, g, events, event.fields);
        inc.event_count = events.size();
        int64_t start = inc.first_ts_us;
        for (auto& l : g.last) l.reset();
        fire(ci, g, std::move(inc), start, out, chained, &event);
        schedule(ci, key, g, g.suppress_until + options.allowed_lateness_us);
        return;
      }
      case CorrelationType::kTemporalOrdered: {
        if (join(ci, g, ts, event.id, out)) return;
        if (ri == 0) {
          g.chain[0] = std::make_pair(ts, std::vector<Seen>{seen});
        } else {
          const auto& prev = g.chain[ri - 1];
          if (!prev || prev->second.back().ts > ts || ts - prev->first > span) return;
          if (!g.chain[ri] || g.chain[ri]->first <= prev->first) {
            auto steps = prev->second;
            steps.push_back(seen);
            g.chain[ri] = std::make_pair(prev->first, std::move(steps));
          }
        }
        if (ri + 1 != int(c.refs.size())) {
          schedule(ci, key, g, ts + span + options.allowed_lateness_us);
          return;
        }
        std::vector<const Seen*> events;
        for (const auto& s : g.chain[ri]->second) events.push_back(&s);
        auto inc = makeIncident(c, g, events, event.fields);
        inc.event_count = events.size();
        int64_t start = g.chain[ri]->first;
        for (auto& ch : g.chain) ch.reset();
        fire(ci, g, std::move(inc), start, out, chained, &event);
        schedule(ci, key, g, g.suppress_until + options.allowed_lateness_us);
        return;
      }
    }
  }

  // Runs `tenant`'s timers that its watermark `now` passed.
  void expire(const std::string& tenant, int64_t now, std::vector<Incident>& out,
              std::vector<std::pair<int, Event>>& chained) {
    auto q = timers.find(tenant);
    if (q == timers.end()) return;
    auto& queue = q->second;
    while (!queue.empty() && queue.top().at < now) {
      Timer t = queue.top();
      queue.pop();
      auto& table = groups[t.correlation];
      auto it = table.find(t.key);
      if (it == table.end() || it->second.timer != t.at) continue;  // superseded
      changed.emplace(t.correlation, t.key);
      GroupState& g = it->second;
      g.timer = -1;
      const auto& c = set->correlations()[t.correlation];
      const int64_t horizon = now - options.allowed_lateness_us - c.rule.timespan_us;  // older is out of any window
      if (c.rule.type == CorrelationType::kAbsence) {
        if (g.deadline >= 0 && g.deadline + options.allowed_lateness_us == t.at) {
          std::vector<const Seen*> events{&g.awaiting};
          auto inc = makeIncident(c, g, events, g.fields);
          inc.event_count = 1;
          inc.last_ts_us = g.deadline;  // silent from first_ts until here
          fire(t.correlation, g, std::move(inc), g.awaiting.ts, out, chained, nullptr);
          g.suppressing = false;
          g.deadline = -1;
        }
      } else if (closing(c)) {
        if (g.window_open) judgeClosing(t.correlation, g, out, chained);
      } else {
        if (g.suppressing && g.suppress_until + options.allowed_lateness_us < now) endSuppression(t.correlation, g, out);
        while (!g.seen.empty() && g.seen.front().ts <= horizon) g.seen.pop_front();
        for (auto& l : g.last)
          if (l && l->ts <= horizon) l.reset();
        for (auto& ch : g.chain)
          if (ch && ch->first <= horizon) ch.reset();
      }
      bool idle = g.deadline < 0 && !g.window_open && !g.suppressing && g.seen.empty() &&
                  std::none_of(g.last.begin(), g.last.end(), [](const auto& l) { return l.has_value(); }) &&
                  std::none_of(g.chain.begin(), g.chain.end(), [](const auto& ch) { return ch.has_value(); });
      if (idle) {
        table.erase(it);  // nothing pending: the group costs nothing until it is seen again
        continue;
      }
      int64_t next = g.suppressing ? g.suppress_until : INT64_MIN;
      for (const auto& sn : g.seen) next = std::max(next, sn.ts + c.rule.timespan_us);
      for (const auto& l : g.last)
        if (l) next = std::max(next, l->ts + c.rule.timespan_us);
      for (const auto& ch : g.chain)
        if (ch) next = std::max(next, ch->first + c.rule.timespan_us);
      if (next != INT64_MIN) schedule(t.correlation, t.key, g, std::max(next + options.allowed_lateness_us, t.at) + 1);
    }
  }

  void feedChained(std::vector<std::pair<int, Event>>& chained, std::vector<Incident>& out) {
    // Users come later in the set's order than what they use, so one pass in order suffices.
    for (size_t i = 0; i < chained.size(); ++i) {
      auto [from, event] = chained[i];
      for (auto [ci, ri] : set->usersOfCorrelation(from)) onMatch(ci, ri, event, out, chained);
    }
    chained.clear();
  }
};

CorrelationEngine::CorrelationEngine(std::shared_ptr<const rules::CorrelationSet> set, CorrelationOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->set = std::move(set);
  impl_->options = options;
  impl_->groups.resize(impl_->set->size());
}
CorrelationEngine::~CorrelationEngine() = default;
CorrelationEngine::CorrelationEngine(CorrelationEngine&&) noexcept = default;

void CorrelationEngine::onEvent(const Event& event, const std::vector<int>& matched, std::vector<Incident>& out) {
  auto& im = *impl_;
  if (im.set->empty()) return;
  std::vector<std::pair<int, Event>> chained;
  // The tenant's clock moves first, so windows this event's time closed are judged before it.
  int64_t clamped = event.ts_us;
  if (event.ingest_ts_us > 0) clamped = std::min(clamped, event.ingest_ts_us + im.options.max_clock_skew_us);
  auto [wm, fresh] = im.watermark.try_emplace(event.tenant, clamped);
  if (!fresh && clamped > wm->second) wm->second = clamped;
  im.expire(event.tenant, wm->second, out, chained);
  im.feedChained(chained, out);
  std::vector<std::pair<int, int>> todo;
  for (int r : matched)
    for (auto use : im.set->usersOfRule(size_t(r))) todo.push_back(use);
  std::sort(todo.begin(), todo.end());  // by correlation, then reference: the order of the rule files
  for (auto [ci, ri] : todo) im.onMatch(ci, ri, event, out, chained);
  im.feedChained(chained, out);
}

void CorrelationEngine::finish(std::vector<Incident>& out) {
  auto& im = *impl_;
  std::vector<std::pair<int, Event>> chained;
  for (const auto& [tenant, now] : im.watermark) {
    im.expire(tenant, now + 1, out, chained);
    im.feedChained(chained, out);
  }
  // Suppressed incidents that gathered more events: their final count (their windows may still be
  // open, but the input has ended).
  for (size_t ci = 0; ci < im.groups.size(); ++ci)
    for (auto& [key, g] : im.groups[ci]) {
      if (g.suppressing) im.changed.emplace(int(ci), key);
      im.endSuppression(int(ci), g, out);
    }
}

CorrelationStats CorrelationEngine::stats() const {
  CorrelationStats s = impl_->stats;
  for (const auto& t : impl_->groups) s.open_groups += t.size();
  return s;
}

std::vector<CorrelationEngine::StateChange> CorrelationEngine::takeChanges() {
  auto& im = *impl_;
  std::vector<StateChange> out;
  out.reserve(im.changed.size());
  for (const auto& [ci, key] : im.changed) {
    StateChange change;
    change.key = im.set->correlations()[size_t(ci)].rule.id;
    change.key.push_back('\0');
    change.key += key;
    const auto& table = im.groups[size_t(ci)];
    if (auto it = table.find(key); it != table.end()) change.value = encodeGroup(it->second);
    out.push_back(std::move(change));
  }
  im.changed.clear();
  return out;
}

std::string CorrelationEngine::clockState() const {
  nlohmann::json j = {{"w", impl_->watermark}, {"q", impl_->timer_seq}};
  auto bytes = nlohmann::json::to_msgpack(j);
  return std::string(bytes.begin(), bytes.end());
}

bool CorrelationEngine::restoreGroup(std::string_view key, std::string_view value) {
  auto& im = *impl_;
  size_t nul = key.find('\0');
  if (nul == std::string_view::npos) return false;
  std::string_view rule_id = key.substr(0, nul);
  std::string group_key(key.substr(nul + 1));
  const auto& all = im.set->correlations();
  auto c = std::find_if(all.begin(), all.end(), [&](const auto& cc) { return cc.rule.id == rule_id; });
  if (c == all.end()) return false;
  const int ci = int(c - all.begin());
  try {
    GroupState g = decodeGroup(value);
    // A correlation edited to reference more or fewer rules: per-reference state resized.
    g.last.resize(c->refs.size());
    g.chain.resize(c->refs.size());
    if (g.timer >= 0) im.timers[g.tenant].push(Timer{g.timer, g.timer_seq, ci, group_key});
    im.groups[size_t(ci)][group_key] = std::move(g);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

bool CorrelationEngine::restoreClock(std::string_view value) {
  try {
    auto j = nlohmann::json::from_msgpack(value.begin(), value.end());
    impl_->watermark = j.at("w").get<std::map<std::string, int64_t>>();
    impl_->timer_seq = j.at("q").get<uint64_t>();
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

}  // namespace hinomi::correlator
