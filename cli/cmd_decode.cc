// hinomi decode -c CONFIG [LOGFILE|-]: each line parsed (format auto) and decoded, one JSON event
// out per line in, in order — to see what a decoder makes of real lines (like wazuh-logtest).
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/load_config.h"
#include "collector/parsers/parser_factory.h"
#include "common/time.h"
#include "correlator/decoders/decoder_loader.h"
#include "correlator/enrich/zone_enricher.h"
#include "correlator/line_decoder.h"

namespace hinomi::cli {
namespace {

struct DecodeArgs {
  std::string config;
  std::vector<std::string> decoder_dirs;
  std::string input = "-";
  std::string tenant = "default";
};

int runDecode(const DecodeArgs& args) {
  auto cfg = loadConfigOrReport(args.config, "");
  if (!cfg) return 2;
  std::vector<std::string> dirs = cfg->correlator.decoders;
  dirs.insert(dirs.end(), args.decoder_dirs.begin(), args.decoder_dirs.end());
  auto load = correlator::loadDecoderDirectories(dirs);
  if (!load.ok()) {
    std::cerr << load.errorText() << load.errors.size() << (load.errors.size() == 1 ? " error" : " errors")
              << " in the decoders\n";
    return 2;
  }
  auto tenants = loadTenantPoliciesOrReport(*cfg);
  if (!tenants) return 2;

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
    correlator::parseAndDecode(line, *parser, ctx, load.set, event);
    correlator::enrichZones(*tenants, event);
    out.clear();
    appendJson(event, out);
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
  cmd->add_option("--tenant", args->tenant,
                  "Tenant id the events get, which picks the tenant policy for zone enrichment (default: default)");
  cmd->add_option("logfile", args->input, "Lines to decode; - (the default) reads stdin");
  cmd->callback([args, &exit_code] { exit_code = runDecode(*args); });
}

}  // namespace hinomi::cli
