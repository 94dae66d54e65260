// Where a replay's time goes, stage by stage, on one core: the log's lines held in memory are
// (1) parsed ("auto", as replay does), (2) parsed and decoded, and (3) the decoded events matched
// against the rules, each stage timed on its own. bench/detect_bench.sh gives the end-to-end
// figure; this says which stage to work on. Run it pinned, from the repository root:
//   taskset -c 0 build-rel/bench/detect_stages_bench --log FILE --rules DIR [--rules DIR]...
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "collector/parsers/parser_factory.h"
#include "correlator/decoders/decoder_loader.h"
#include "correlator/line_decoder.h"
#include "correlator/rules/rule_loader.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

void report(const char* stage, size_t n, double secs) {
  std::printf("%-22s %10.0f lines/s  %7.2f us/line\n", stage, double(n) / secs, secs * 1e6 / double(n));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Detection stages: parse, decode, match"};
  std::string log;
  std::vector<std::string> rule_dirs;
  std::vector<std::string> decoder_dirs{"config/decoders"};
  size_t max_lines = 1000000;
  app.add_option("--log", log, "Log file (one line per event)")->required();
  app.add_option("--rules", rule_dirs, "Rules directory (repeatable)")->required();
  app.add_option("--decoders", decoder_dirs, "Decoder directories (default config/decoders)");
  app.add_option("--lines", max_lines, "At most this many lines of the log");
  CLI11_PARSE(app, argc, argv);

  std::vector<std::string> lines;
  std::ifstream in(log);
  for (std::string line; lines.size() < max_lines && std::getline(in, line);) lines.push_back(std::move(line));
  if (lines.empty()) {
    std::fprintf(stderr, "%s: no lines\n", log.c_str());
    return 1;
  }
  auto decoders = hinomi::correlator::loadDecoderDirectories(decoder_dirs);
  auto rules = hinomi::rules::loadRules(rule_dirs);
  if (!decoders.ok() || !rules.set) {
    std::fprintf(stderr, "cannot load decoders or rules\n%s", decoders.errorText().c_str());
    return 1;
  }
  auto parser = hinomi::collector::makeParser("auto");
  hinomi::collector::ParseContext ctx;
  ctx.ingest_ts_us = 1795435200000000;  // 2026-11-23T12:00:00Z: the year of year-less stamps
  ctx.peer = "127.0.0.1";
  std::printf("%zu lines, %zu decoders, %zu rules\n", lines.size(), decoders.set.size(), rules.set->size());

  auto t = Clock::now();
  size_t malformed = 0;
  for (const auto& line : lines) {
    hinomi::Event e;
    parser->parse(line, ctx, e);
    malformed += e.malformed();
  }
  double parse_s = seconds(t);

  t = Clock::now();
  for (const auto& line : lines) {
    hinomi::Event e;  // one at a time, as replay does: a vector of a million would measure the heap
    hinomi::correlator::parseAndDecode(line, *parser, ctx, decoders.set, e);
  }
  double decode_s = seconds(t);

  // Matching: the first 20,000 decoded events (a working set like replay's), matched round after
  // round until as many events as lines were matched.
  std::vector<hinomi::Event> events(std::min<size_t>(lines.size(), 20000));
  for (size_t i = 0; i < events.size(); ++i)
    hinomi::correlator::parseAndDecode(lines[i], *parser, ctx, decoders.set, events[i]);
  size_t matches = 0;
  t = Clock::now();
  for (size_t i = 0; i < lines.size(); ++i) matches += rules.set->match(events[i % events.size()]).size();
  double match_s = seconds(t);

  report("parse", lines.size(), parse_s);
  report("parse+decode", lines.size(), decode_s);
  report("match", lines.size(), match_s);
  report("parse+decode+match", lines.size(), decode_s + match_s);
  std::printf("decode alone ~%.2f us/line; %zu malformed; %zu matches (the first 20,000 events, repeated)\n", (decode_s - parse_s) * 1e6 / double(lines.size()),
              malformed, matches);
  return 0;
}
