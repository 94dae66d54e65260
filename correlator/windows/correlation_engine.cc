#include "correlator/windows/correlation_engine.h"

#include <algorithm>
#include <climits>
#include <deque>
#include <map>
#include <set>
#include <unordered_map>

#include "correlator/windows/group_state.h"

namespace hinomi::correlator {
namespace {

using rules::CompiledCorrelation;
using rules::CorrelationType;

// A correlation's incident as a match of the correlations chained on it, in its group's clock.
struct Chained {
  int from;
  Event event;
  std::string clock;
};
using ChainedList = std::vector<Chained>;

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

// Timer index keys: tenant, NUL, due time (sign bit flipped, so negative times sort first) and
// sequence, both big-endian, so a tenant's timers sort in the order they are run.
void appendBigEndian(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(char((v >> shift) & 0xff));
}

uint64_t readBigEndian(std::string_view in) {
  uint64_t v = 0;
  for (char c : in) v = (v << 8) | uint8_t(c);
  return v;
}

std::string timerPrefix(const std::string& tenant) {
  std::string key = tenant;
  key.push_back('\0');
  return key;
}

std::string timerKey(const std::string& tenant, int64_t at, uint64_t seq) {
  std::string key = timerPrefix(tenant);
  appendBigEndian(key, uint64_t(at) ^ (uint64_t(1) << 63));
  appendBigEndian(key, seq);
  return key;
}

}  // namespace

struct CorrelationEngine::Impl {
  using Table = std::unordered_map<std::string, GroupState>;
  using Heap = std::vector<Timer>;  // a min-heap by (at, seq) through std::push_heap / pop_heap

  std::shared_ptr<const rules::CorrelationSet> set;
  CorrelationOptions options;
  std::vector<Table> groups;  // per correlation: key → state (all of them, or the recently used)
  std::unordered_map<std::string, int> by_id;  // correlation rule id → index
  // Per tenant: each tenant's windows close on its own watermark.
  std::map<std::string, Heap> timers;
  uint64_t timer_seq = 0;
  std::map<std::string, int64_t> watermark;  // tenant → latest (clamped) event time
  CorrelationStats stats;
  std::set<std::pair<int, std::string>> changed;  // (correlation, group key) since takeChanges()

  // With a backing: what is out of memory.
  WindowBacking* backing = nullptr;
  uint64_t tick = 0;  // stamps each use of a group, for eviction
  std::vector<StateChange> index_deletes;  // timer index entries done with, since takeChanges()
  struct StoredTimers {
    int64_t due = INT64_MIN;  // the earliest index entry not yet run (INT64_MIN: not known, look)
    std::string from;         // where that search starts (empty: the tenant's first entry)
  };
  std::map<std::string, StoredTimers> stored;  // per tenant

  std::string fullKey(int ci, const std::string& key) const {
    std::string k = set->correlations()[size_t(ci)].rule.id;
    k.push_back('\0');
    k += key;
    return k;
  }

  // The group in memory, or read back from the backing when it was evicted; end() when neither
  // has it.
  Table::iterator find(int ci, const std::string& key) {
    auto& table = groups[size_t(ci)];
    auto it = table.find(key);
    // A group changed since the last write and not in memory was erased: its stored state is
    // older than that and must not come back.
    if (it == table.end() && backing && !changed.count({ci, key})) {
      if (auto bytes = backing->readGroup(fullKey(ci, key))) {
        try {
          GroupState g = decodeGroup(*bytes);
          // A correlation edited to reference more or fewer rules: per-reference state resized.
          const auto& c = set->correlations()[size_t(ci)];
          g.last.resize(c.refs.size());
          g.chain.resize(c.refs.size());
          it = table.emplace(key, std::move(g)).first;
          ++stats.read_back;
        } catch (const std::exception&) {
          ++stats.unreadable;  // starts afresh; its next write replaces the bytes
        }
      }
    }
    if (it != table.end()) it->second.touched = ++tick;
    return it;
  }

  void erase(int ci, Table::iterator it) {
    const GroupState& g = it->second;
    if (g.stored_timer >= 0)
      index_deletes.push_back({StateChange::Kind::kTimer, timerKey(g.clock, g.stored_timer, g.stored_timer_seq), {}});
    groups[size_t(ci)].erase(it);
  }

  Incident makeIncident(const CompiledCorrelation& c, const GroupState& g, const std::vector<const Seen*>& events,
                        const Fields& fields) {
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
    auto& heap = timers[g.clock];
    heap.push_back(Timer{at, g.timer_seq, ci, key});
    std::push_heap(heap.begin(), heap.end(), std::greater<>());
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
            ChainedList& chained, const Event* event) {
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
      chained.push_back(Chained{ci, std::move(e), g.clock});
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

  void judgeClosing(int ci, GroupState& g, std::vector<Incident>& out, ChainedList& chained) {
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

  // The key of the group `event` counts in for reference `ri` of correlation `ci`: the tenant and
  // the group-by values, NUL-separated; false when a group-by field is missing or empty.
  bool groupKey(int ci, int ri, const Event& event, std::string& key, nlohmann::json* group) const {
    const auto& c = set->correlations()[size_t(ci)];
    const auto& ref = c.refs[size_t(ri)];
    key = event.tenant;
    std::string text;
    for (size_t i = 0; i < ref.group_fields.size(); ++i) {
      if (!rules::fieldText(event, ref.group_fields[i], text) || text.empty()) return false;
      key.push_back('\0');
      key += text;
      if (group) (*group)[c.group_keys[i]] = text;
    }
    return true;
  }

  int64_t clamped(const Event& event) const {
    int64_t t = event.ts_us;
    if (event.ingest_ts_us > 0) t = std::min(t, event.ingest_ts_us + options.max_clock_skew_us);
    return t;
  }

  // Moves `tenant`'s clock to `time` (never back) and runs the timers it passed.
  void advance(const std::string& tenant, int64_t time, std::vector<Incident>& out,
               ChainedList& chained) {
    auto [wm, fresh] = watermark.try_emplace(tenant, time);
    if (!fresh && time > wm->second) wm->second = time;
    expire(tenant, wm->second, out, chained);
    feedChained(chained, out);
  }

  // One match of reference `ri` of correlation `ci`.
  void onMatch(int ci, int ri, const Event& event, const std::string& clock, std::vector<Incident>& out,
               ChainedList& chained) {
    const auto& c = set->correlations()[ci];
    const auto& ref = c.refs[ri];
    std::string key;
    nlohmann::json group = nlohmann::json::object();
    if (!groupKey(ci, ri, event, key, &group)) {
      ++stats.ungrouped;
      return;
    }
    std::string text;
    auto it = find(ci, key);
    const bool fresh = it == groups[size_t(ci)].end();
    if (fresh) {
      it = groups[size_t(ci)].emplace(key, GroupState{}).first;
      it->second.touched = ++tick;
    }
    changed.emplace(ci, key);
    GroupState& g = it->second;
    if (fresh) {
      g.tenant = event.tenant;
      g.clock = clock;
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
          if (g.deadline < 0) erase(ci, it);
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

  // A timer due: from the heap, or from the backing's index (index_key set).
  struct Due {
    int64_t at;
    uint64_t seq;
    int correlation;
    std::string key;
    std::string index_key;
  };

  // Appends to `due` the next index entries of `tenant` due before `now` (a bounded number); false
  // when there are no more.
  bool fetchStored(const std::string& tenant, int64_t now, std::deque<Due>& due) {
    constexpr size_t kChunk = 1024;
    auto& st = stored[tenant];
    const std::string prefix = timerPrefix(tenant);
    bool more = false;
    st.due = INT64_MAX;
    backing->scanTimers(st.from.empty() ? prefix : st.from, prefix, [&](std::string_view key, std::string_view value) {
      if (key.size() != prefix.size() + 16) return true;  // not an index key: skipped
      const int64_t at = int64_t(readBigEndian(key.substr(prefix.size(), 8)) ^ (uint64_t(1) << 63));
      if (at >= now || due.size() >= kChunk) {
        st.due = at;
        more = at < now;
        return false;
      }
      st.from = std::string(key) + '\0';  // the next key after this one
      size_t nul = value.find('\0');
      auto c = nul == std::string_view::npos ? by_id.end() : by_id.find(std::string(value.substr(0, nul)));
      if (c == by_id.end()) {  // a correlation no longer loaded
        index_deletes.push_back({StateChange::Kind::kTimer, std::string(key), {}});
        return true;
      }
      due.push_back(Due{at, readBigEndian(key.substr(prefix.size() + 8)), c->second,
                        std::string(value.substr(nul + 1)), std::string(key)});
      return true;
    });
    return more;
  }

  // Runs `tenant`'s timers that its watermark `now` passed, from memory and from the backing's
  // index merged in (time, sequence) order: the order an engine holding everything runs them in.
  void expire(const std::string& tenant, int64_t now, std::vector<Incident>& out,
              ChainedList& chained) {
    auto q = timers.find(tenant);
    bool more_stored = false;
    if (backing) {
      auto st = stored.find(tenant);
      more_stored = st == stored.end() || st->second.due < now;
    }
    if (!more_stored && (q == timers.end() || q->second.empty() || q->second.front().at >= now)) return;
    Heap& heap = timers[tenant];  // node stays put while timers run and schedule more
    std::deque<Due> from_store;
    for (;;) {
      if (from_store.empty() && more_stored) more_stored = fetchStored(tenant, now, from_store);
      const bool h = !heap.empty() && heap.front().at < now;
      if (!h && from_store.empty()) break;
      Due t;
      if (h && (from_store.empty() || std::pair(heap.front().at, heap.front().seq) <=
                                          std::pair(from_store.front().at, from_store.front().seq))) {
        std::pop_heap(heap.begin(), heap.end(), std::greater<>());
        Timer& top = heap.back();
        t = Due{top.at, top.seq, top.correlation, std::move(top.key), {}};
        heap.pop_back();
      } else {
        t = std::move(from_store.front());
        from_store.pop_front();
      }
      runTimer(t, now, out, chained);
    }
  }

  void runTimer(const Due& t, int64_t now, std::vector<Incident>& out, ChainedList& chained) {
    if (!t.index_key.empty()) index_deletes.push_back({StateChange::Kind::kTimer, t.index_key, {}});  // done with
    auto& table = groups[size_t(t.correlation)];
    auto it = find(t.correlation, t.key);
    if (it == table.end() || it->second.timer != t.at || it->second.timer_seq != t.seq) return;  // superseded
    changed.emplace(t.correlation, t.key);
    GroupState& g = it->second;
    g.timer = -1;
    const auto& c = set->correlations()[size_t(t.correlation)];
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
      erase(t.correlation, it);  // nothing pending: the group costs nothing until it is seen again
      return;
    }
    int64_t next = g.suppressing ? g.suppress_until : INT64_MIN;
    for (const auto& sn : g.seen) next = std::max(next, sn.ts + c.rule.timespan_us);
    for (const auto& l : g.last)
      if (l) next = std::max(next, l->ts + c.rule.timespan_us);
    for (const auto& ch : g.chain)
      if (ch) next = std::max(next, ch->first + c.rule.timespan_us);
    if (next != INT64_MIN) schedule(t.correlation, t.key, g, std::max(next + options.allowed_lateness_us, t.at) + 1);
  }

  void feedChained(ChainedList& chained, std::vector<Incident>& out) {
    // Users come later in the set's order than what they use, so one pass in order suffices.
    for (size_t i = 0; i < chained.size(); ++i) {
      Chained c = chained[i];  // a copy: onMatch may append to `chained`
      for (auto [ci, ri] : set->usersOfCorrelation(c.from)) onMatch(ci, ri, c.event, c.clock, out, chained);
    }
    chained.clear();
  }
};

CorrelationEngine::CorrelationEngine(std::shared_ptr<const rules::CorrelationSet> set, CorrelationOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->set = std::move(set);
  impl_->options = options;
  impl_->groups.resize(impl_->set->size());
  for (size_t i = 0; i < impl_->set->size(); ++i) impl_->by_id.emplace(impl_->set->correlations()[i].rule.id, int(i));
}
CorrelationEngine::~CorrelationEngine() = default;
CorrelationEngine::CorrelationEngine(CorrelationEngine&&) noexcept = default;

void CorrelationEngine::onEvent(const Event& event, const std::vector<int>& matched, std::vector<Incident>& out) {
  auto& im = *impl_;
  if (im.set->empty()) return;
  ChainedList chained;
  // The tenant's clock moves first, so windows this event's time closed are judged before it.
  im.advance(event.tenant, im.clamped(event), out, chained);
  for (auto [ci, ri] : uses(matched)) im.onMatch(ci, ri, event, event.tenant, out, chained);
  im.feedChained(chained, out);
}

std::vector<std::pair<int, int>> CorrelationEngine::uses(const std::vector<int>& matched) const {
  std::vector<std::pair<int, int>> fed;
  for (int r : matched)
    for (auto use : impl_->set->usersOfRule(size_t(r))) fed.push_back(use);
  std::sort(fed.begin(), fed.end());  // by correlation, then reference: the order of the rule files
  return fed;
}

std::optional<std::string> CorrelationEngine::groupKey(int ci, int ri, const Event& event) const {
  std::string key;
  if (!impl_->groupKey(ci, ri, event, key, nullptr)) return std::nullopt;
  return key;
}

int64_t CorrelationEngine::clampedTime(const Event& event) const { return impl_->clamped(event); }

void CorrelationEngine::advance(const std::string& tenant, int64_t time, std::vector<Incident>& out) {
  ChainedList chained;
  impl_->advance(tenant, time, out, chained);
}

void CorrelationEngine::onMatch(int ci, int ri, const Event& event, const std::string& clock,
                                std::vector<Incident>& out) {
  auto& im = *impl_;
  if (ci < 0 || size_t(ci) >= im.set->size() || ri < 0 ||
      size_t(ri) >= im.set->correlations()[size_t(ci)].refs.size())
    return;
  ChainedList chained;
  im.onMatch(ci, ri, event, clock, out, chained);
  im.feedChained(chained, out);
}

int CorrelationEngine::correlationIndex(std::string_view rule_id) const {
  auto it = impl_->by_id.find(std::string(rule_id));
  return it == impl_->by_id.end() ? -1 : it->second;
}

const std::string& CorrelationEngine::correlationId(int ci) const {
  return impl_->set->correlations()[size_t(ci)].rule.id;
}

void CorrelationEngine::finish(std::vector<Incident>& out) {
  auto& im = *impl_;
  ChainedList chained;
  for (const auto& [tenant, now] : im.watermark) {
    im.expire(tenant, now + 1, out, chained);
    im.feedChained(chained, out);
  }
  // Suppressed incidents that gathered more events: their final count (their windows may still be
  // open, but the input has ended), in key order, whichever groups are in memory.
  std::vector<std::pair<int, std::string>> keys;
  for (size_t ci = 0; ci < im.groups.size(); ++ci)
    for (const auto& [key, g] : im.groups[ci]) keys.emplace_back(int(ci), key);
  if (im.backing) {
    im.backing->scanGroupKeys([&](std::string_view full) {
      size_t nul = full.find('\0');
      if (nul == std::string_view::npos) return;
      auto c = im.by_id.find(std::string(full.substr(0, nul)));
      if (c != im.by_id.end()) keys.emplace_back(c->second, std::string(full.substr(nul + 1)));
    });
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  for (const auto& [ci, key] : keys) {
    auto& table = im.groups[size_t(ci)];
    const bool held = table.count(key) > 0;
    auto it = im.find(ci, key);
    if (it == table.end()) continue;
    if (!it->second.suppressing) {
      if (!held) table.erase(it);  // read back only to look: memory stays bounded to the end
      continue;
    }
    im.changed.emplace(ci, key);
    im.endSuppression(ci, it->second, out);
  }
}

CorrelationStats CorrelationEngine::stats() const {
  CorrelationStats s = impl_->stats;
  for (const auto& t : impl_->groups) s.groups_in_memory += t.size();
  return s;
}

std::vector<CorrelationEngine::StateChange> CorrelationEngine::takeChanges() {
  auto& im = *impl_;
  std::vector<StateChange> out = std::move(im.index_deletes);
  im.index_deletes.clear();
  out.reserve(out.size() + im.changed.size() * 2);
  for (const auto& [ci, key] : im.changed) {
    StateChange change{StateChange::Kind::kGroup, im.fullKey(ci, key), {}};
    auto& table = im.groups[size_t(ci)];
    if (auto it = table.find(key); it != table.end()) {
      GroupState& g = it->second;
      // The timer index follows the group's timer: the old entry goes, the new one is written.
      if (g.timer != g.stored_timer || g.timer_seq != g.stored_timer_seq) {
        if (g.stored_timer >= 0)
          out.push_back({StateChange::Kind::kTimer, timerKey(g.clock, g.stored_timer, g.stored_timer_seq), {}});
        if (g.timer >= 0) {
          std::string index_key = timerKey(g.clock, g.timer, g.timer_seq);
          auto& st = im.stored[g.clock];
          st.due = std::min(st.due, g.timer);
          if (!st.from.empty() && index_key < st.from) st.from = index_key;
          out.push_back({StateChange::Kind::kTimer, std::move(index_key), change.key});
        }
        g.stored_timer = g.timer;
        g.stored_timer_seq = g.timer_seq;
      }
      change.value = encodeGroup(g);
    }
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

void CorrelationEngine::attach(WindowBacking* backing) { impl_->backing = backing; }

bool CorrelationEngine::hasCorrelation(std::string_view rule_id) const {
  return impl_->by_id.count(std::string(rule_id)) > 0;
}

void CorrelationEngine::shrink() {
  auto& im = *impl_;
  const size_t bound = im.options.max_groups_in_memory;
  if (!im.backing || bound == 0 || !im.changed.empty() || !im.index_deletes.empty()) return;
  size_t total = 0;
  for (const auto& t : im.groups) total += t.size();
  if (total <= bound) return;
  // Down to 90% of the bound, so eviction runs once per tenth of the bound of new groups rather
  // than at every write.
  const size_t keep = bound - bound / 10;
  std::vector<uint64_t> ticks;
  ticks.reserve(total);
  for (const auto& t : im.groups)
    for (const auto& [key, g] : t) ticks.push_back(g.touched);
  auto nth = ticks.begin() + ptrdiff_t(total - keep);
  std::nth_element(ticks.begin(), nth, ticks.end());
  const uint64_t oldest_kept = keep == 0 ? UINT64_MAX : *nth;
  for (auto& t : im.groups)
    im.stats.evicted += std::erase_if(t, [&](const auto& kv) { return kv.second.touched < oldest_kept; });
  // Timers of evicted groups are in the index; the heap keeps only the live timers of the rest.
  for (auto& [tenant, heap] : im.timers) {
    std::erase_if(heap, [&](const Timer& t) {
      const auto& table = im.groups[size_t(t.correlation)];
      auto it = table.find(t.key);
      return it == table.end() || it->second.timer != t.at || it->second.timer_seq != t.seq;
    });
    std::make_heap(heap.begin(), heap.end(), std::greater<>());
  }
}

}  // namespace hinomi::correlator
