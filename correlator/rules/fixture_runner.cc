#include "correlator/rules/fixture_runner.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "collector/parsers/parser_factory.h"
#include "correlator/enrich/zone_enricher.h"
#include "correlator/incident.h"
#include "correlator/line_decoder.h"

namespace hinomi::rules {
namespace {

// Stable per case, so a fixture run decodes to the same events every time.
std::string caseEventId(const Location& at) {
  std::string key = "fixture";
  key.push_back('\0');
  key += at.file;
  key.push_back('\0');
  key += std::to_string(at.line) + ":" + std::to_string(at.column);
  return correlator::stableUuid(key);
}

}  // namespace

FixtureRun runFixtures(const std::vector<RuleFixture>& fixtures, const RuleSet& rules,
                       const correlator::DecoderSet& decoders, int64_t now_us,
                       const correlator::TenantPolicies* tenants) {
  FixtureRun out;
  std::map<std::string, const Rule*> by_id;
  for (const auto& r : rules.rules()) by_id.emplace(r.id, &r);
  std::set<std::string> tested;
  auto parser = collector::makeParser("auto");

  for (const auto& fixture : fixtures) {
    auto it = by_id.find(fixture.rule_id);
    if (it == by_id.end()) {
      out.errors.push_back(Error{ErrorCode::kNotFound,
                                 "no loaded rule has id '" + fixture.rule_id +
                                     "' (not in these rules directories, or refused: see hinomi rules lint)",
                                 fixture.location});
      continue;
    }
    tested.insert(fixture.rule_id);
    for (const auto& c : fixture.cases) {
      CaseResult result;
      result.rule = it->second;
      result.location = c.location;
      result.expect_fire = c.expect_fire;
      if (c.kind == FixtureCase::Kind::kLine) {
        collector::ParseContext ctx;
        ctx.ingest_ts_us = now_us;
        ctx.peer = "127.0.0.1";
        result.event.ingest_ts_us = now_us;
        correlator::parseAndDecode(c.line, *parser, ctx, decoders, result.event);
      } else {
        result.event = c.event;
      }
      if (result.event.id.empty()) result.event.id = caseEventId(c.location);
      if (result.event.tenant.empty()) result.event.tenant = fixture.tenant;
      if (result.event.listener.empty()) result.event.listener = "fixture";
      if (tenants) correlator::enrichZones(*tenants, result.event);  // as replay and run do
      auto matched = rules.match(result.event);
      result.fired = std::any_of(matched.begin(), matched.end(), [&](const Rule* r) { return r == result.rule; });
      ++(result.passed() ? out.passed : out.failed);
      out.cases.push_back(std::move(result));
    }
  }

  for (const auto& r : rules.rules())
    if (!tested.count(r.id)) out.untested.push_back(&r);
  std::sort(out.untested.begin(), out.untested.end(), [](const Rule* a, const Rule* b) {
    return std::tie(a->location.file, a->location.line, a->id) < std::tie(b->location.file, b->location.line, b->id);
  });
  return out;
}

}  // namespace hinomi::rules
