#include "correlator/rules/trigger_cover.h"

#include <algorithm>
#include <limits>

namespace hinomi::rules {
namespace {

struct Cover {
  bool exists = false;
  double cost = std::numeric_limits<double>::infinity();
  std::vector<int> patterns;
};

struct Builder {
  const Rule& rule;
  const std::function<int(int)>& pattern_of;
  const std::function<double(int)>& cost;

  static void join(Cover& into, const Cover& other) {  // `or`: both are needed
    into.cost += other.cost;
    into.patterns.insert(into.patterns.end(), other.patterns.begin(), other.patterns.end());
  }

  Cover item(const Item& it) const {
    Cover out;
    if (it.all) {  // every value must hold: any one of them is a cover
      for (int p : it.predicates) {
        int g = pattern_of(p);
        if (g >= 0 && cost(g) < out.cost) out = Cover{true, cost(g), {g}};
      }
      return out;
    }
    out = Cover{true, 0, {}};
    for (int p : it.predicates) {
      int g = pattern_of(p);
      if (g < 0) return Cover{};
      join(out, Cover{true, cost(g), {g}});
    }
    return out.patterns.empty() ? Cover{} : out;
  }

  Cover selection(const Selection& sel) const {
    Cover out{true, 0, {}};
    for (const auto& conj : sel.alternatives) {
      Cover best;
      for (const auto& it : conj) {
        Cover c = item(it);
        if (c.exists && c.cost < best.cost) best = std::move(c);
      }
      if (!best.exists) return Cover{};
      join(out, best);
    }
    return out.patterns.empty() ? Cover{} : out;
  }

  Cover condition(const Condition& c) const {
    switch (c.type) {
      case Condition::Type::kSelection:
        return selection(rule.selections[c.selection]);
      case Condition::Type::kNot:
        return Cover{};
      case Condition::Type::kAnd: {
        Cover best;
        for (const auto& ch : c.children) {
          Cover x = condition(ch);
          if (x.exists && x.cost < best.cost) best = std::move(x);
        }
        return best;
      }
      case Condition::Type::kOr: {
        Cover out{true, 0, {}};
        for (const auto& ch : c.children) {
          Cover x = condition(ch);
          if (!x.exists) return Cover{};
          join(out, x);
        }
        return out;
      }
    }
    return Cover{};
  }
};

}  // namespace

std::optional<std::vector<int>> triggerCover(const Rule& rule, const std::function<int(int)>& pattern_of,
                                             const std::function<double(int)>& cost) {
  Cover c = Builder{rule, pattern_of, cost}.condition(rule.condition);
  if (!c.exists) return std::nullopt;
  std::sort(c.patterns.begin(), c.patterns.end());
  c.patterns.erase(std::unique(c.patterns.begin(), c.patterns.end()), c.patterns.end());
  return c.patterns;
}

}  // namespace hinomi::rules
