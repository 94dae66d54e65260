#include "correlator/rules/fixture_runner.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "collector/parsers/parser_factory.h"
#include "correlator/enrich/policy_enricher.h"
#include "correlator/incident.h"
#include "correlator/line_decoder.h"
#include "correlator/windows/correlation_engine.h"

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

// A case as replay and run would see it: a line parsed and decoded, an event as written; then
// the ids and zones those add.
Event caseEvent(const FixtureCase& c, const RuleFixture& fixture, const collector::Parser& parser,
                const correlator::DecoderSet& decoders, int64_t now_us, const correlator::TenantPolicies* tenants) {
  Event event;
  if (c.kind == FixtureCase::Kind::kLine) {
    collector::ParseContext ctx;
    ctx.ingest_ts_us = now_us;
    ctx.peer = "127.0.0.1";
    event.ingest_ts_us = now_us;
    correlator::parseAndDecode(c.line, parser, ctx, decoders, event);
  } else {
    event = c.event;
  }
  if (event.id.empty()) event.id = caseEventId(c.location);
  if (event.tenant.empty()) event.tenant = fixture.tenant;
  if (event.listener.empty()) event.listener = "fixture";
  if (tenants) correlator::enrichFromPolicy(*tenants, event);  // as replay and run do
  return event;
}

// Where the correlation's incidents differ from those expected; empty when they agree.
std::string compareIncidents(const std::vector<correlator::Incident>& got, const std::vector<ExpectedIncident>& want) {
  if (got.size() != want.size())
    return "expected " + std::to_string(want.size()) + " incident(s), got " + std::to_string(got.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const std::string which = "incident " + std::to_string(i + 1) + " (line " + std::to_string(want[i].location.line) + "): ";
    if (want[i].event_count && *want[i].event_count != got[i].event_count)
      return which + "event_count " + std::to_string(got[i].event_count) + ", expected " + std::to_string(*want[i].event_count);
    if (!want[i].group.is_null() && want[i].group != got[i].group)
      return which + "group " + got[i].group.dump() + ", expected " + want[i].group.dump();
  }
  return {};
}

}  // namespace

FixtureRun runFixtures(const std::vector<RuleFixture>& fixtures, const RuleSet& rules,
                       const correlator::DecoderSet& decoders, int64_t now_us,
                       const correlator::TenantPolicies* tenants, const CorrelationSet* correlations) {
  FixtureRun out;
  std::map<std::string, const Rule*> by_id;
  for (const auto& r : rules.rules()) by_id.emplace(r.id, &r);
  std::map<std::string, const CorrelationRule*> correlation_by_id;
  if (correlations)
    for (const auto& c : correlations->correlations()) correlation_by_id.emplace(c.rule.id, &c.rule);
  std::set<std::string> tested;
  auto parser = collector::makeParser("auto");

  for (const auto& fixture : fixtures) {
    if (fixture.has_script) {
      auto it = correlation_by_id.find(fixture.rule_id);
      if (it == correlation_by_id.end()) {
        out.errors.push_back(Error{ErrorCode::kNotFound,
                                   "no loaded correlation rule has id '" + fixture.rule_id +
                                       "' (a script tests a correlation; see hinomi rules lint)",
                                   fixture.location});
        continue;
      }
      tested.insert(fixture.rule_id);
      CaseResult result;
      result.correlation = it->second;
      result.location = fixture.location;
      result.expect_fire = !fixture.expect.empty();
      // The whole correlation set, as replay runs it: chains and silenced rules behave the same,
      // except that the correlation under test raises its incidents even where it only feeds others.
      std::shared_ptr<const CorrelationSet> set = correlations->withLoud(fixture.rule_id);
      correlator::CorrelationEngine engine(std::move(set), correlator::CorrelationOptions{});
      std::vector<correlator::Incident> incidents;
      std::vector<int> matched;
      for (const auto& c : fixture.script) {
        result.event = caseEvent(c, fixture, *parser, decoders, now_us, tenants);
        matched.clear();
        for (const Rule* r : rules.match(result.event)) matched.push_back(int(r - rules.rules().data()));
        engine.onEvent(result.event, matched, incidents);
      }
      engine.finish(incidents);
      for (auto& inc : incidents)
        if (inc.rule_id == fixture.rule_id) result.incidents.push_back(std::move(inc));
      result.fired = !result.incidents.empty();
      result.mismatch = compareIncidents(result.incidents, fixture.expect);
      ++(result.passed() ? out.passed : out.failed);
      out.cases.push_back(std::move(result));
      continue;
    }
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
      result.event = caseEvent(c, fixture, *parser, decoders, now_us, tenants);
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
  for (const auto& [id, c] : correlation_by_id)
    if (!tested.count(id)) out.untested_correlations.push_back(c);
  return out;
}

}  // namespace hinomi::rules
