// hinomi decode -c CONFIG [--rules DIR]... [LOGFILE|-]: each line parsed (format auto) and decoded,
// one JSON event out per line in, in order — to see what a decoder makes of real lines (like
// wazuh-logtest). With --rules, each event also lists the rules it matches ("matched_rules").
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/load_config.h"
#include "collector/parsers/parser_factory.h"
#include "common/time.h"
#include "correlator/enrich/policy_enricher.h"
#include "correlator/line_decoder.h"
#include "correlator/rules/rule_loader.h"

namespace hinomi::cli {
namespace {

struct DecodeArgs {
  std::string config;
  std::vector<std::string> decoder_dirs;
  std::vector<std::string> rule_dirs;
  std::string input = "-";
  std::string tenant;  // empty: by the tenant policies' senders, else "default"
};

int runDecode(const DecodeArgs& args) {
  auto cfg = loadConfigOrReport(args.config, "");
  if (!cfg) return 2;
  auto decoders = loadDecodersOrReport(*cfg, args.decoder_dirs);
  if (!decoders) return 2;
  auto tenants = loadTenantPoliciesOrReport(*cfg);
  if (!tenants) return 2;
  // Rules only when asked for: the config's and --rules (only --rules without -c), as replay loads
  // them; refused rules are listed on stderr and the others match.
  std::shared_ptr<const rules::RuleSet> rule_set;
  if (!args.rule_dirs.empty()) {
    auto loaded = rules::loadRules(rulePaths(*cfg, !args.config.empty(), args.rule_dirs));
    for (const auto& e : loaded.errors) std::cerr << e.toString() << "\n";
    if (!loaded.set) return 2;
    rule_set = std::move(loaded.set);
  }

  std::ifstream file;
  if (args.input != "-") {
    file.open(args.input, std::ios::binary);
    if (!file) {
      std::cerr << args.input << ": cannot read the file\n";
      return 1;
    }
  }
  std::istream& in = args.input == "-" ? std::cin : file;
  auto parser = collector::makeParser("auto");
  const Clock& clock = SystemClock::instance();
  std::string line, out;
  while (std::getline(in, line)) {
    Event event;
    collector::ParseContext ctx;
    ctx.ingest_ts_us = clock.nowMicros();
    ctx.peer = "127.0.0.1";
    event.id = newEventId(ctx.ingest_ts_us);
    event.ingest_ts_us = ctx.ingest_ts_us;
    event.tenant = args.tenant;
    event.listener = "decode";
    correlator::parseAndDecode(line, *parser, ctx, *decoders, event);
    if (args.tenant.empty()) event.tenant = tenants->tenantOfSender(event.host);
    correlator::enrichFromPolicy(*tenants, event);
    out.clear();
    appendJson(event, out);
    if (rule_set) {
      nlohmann::json matched = nlohmann::json::array();
      for (const rules::Rule* r : rule_set->match(event))
        matched.push_back({{"id", r->id}, {"title", r->title}, {"level", r->level}});
      out.pop_back();  // the event object's closing brace
      out += ",\"matched_rules\":" + matched.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "}";
    }
    out.push_back('\n');
    std::cout << out;
  }
  std::cout.flush();
  return 0;
}

}  // namespace

void addDecodeCommand(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<DecodeArgs>();
  auto* cmd = app.add_subcommand("decode", "Parse and decode log lines; prints one event as JSON per line in");
  cmd->add_option("-c,--config", args->config, "Configuration file (default: the embedded config/hinomi.yaml)");
  cmd->add_option("--decoders", args->decoder_dirs, "Another directory of decoder files (repeatable)")
      ->allow_extra_args(false);  // one directory per --decoders, so a following - stays the input
  cmd->add_option("--rules", args->rule_dirs,
                  "Also match these rules (repeatable; with -c, the config's rules too) and list the matches "
                  "of each event as \"matched_rules\"")
      ->allow_extra_args(false);
  cmd->add_option("--tenant", args->tenant,
                  "Tenant id the events get, which picks the tenant policy for enrichment (default: the tenant whose policy lists the event's host under senders, else default)");
  cmd->add_option("logfile", args->input, "Lines to decode; - (the default) reads stdin");
  cmd->callback([args, &exit_code] { exit_code = runDecode(*args); });
}

}  // namespace hinomi::cli
