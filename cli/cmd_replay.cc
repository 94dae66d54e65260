// hinomi replay -c CONFIG [--rules DIR]... [--decoders DIR]... [--events-out FILE] LOGFILE...:
// every line parsed (format auto), decoded and matched against the rules, on event time; one
// incident per matching rule per event as a JSON line on stdout, in input order. Deterministic:
// the same input gives byte-identical output (docs/replay.md says how).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <optional>

#include "cli/commands.h"
#include "cli/load_config.h"
#include "collector/parsers/parser_factory.h"
#include "common/time.h"
#include "correlator/enrich/policy_enricher.h"
#include "correlator/incident.h"
#include "correlator/line_decoder.h"
#include "correlator/rules/rule_loader.h"
#include "correlator/windows/correlation_engine.h"
#include "correlator/windows/spilling_windows.h"

namespace hinomi::cli {
namespace {

struct ReplayArgs {
  std::string config;
  std::vector<std::string> rule_dirs;
  std::vector<std::string> decoder_dirs;
  std::string events_out;
  std::string now;
  bool strict = false;
  std::string tenant;  // empty: by the tenant policies' senders, else "default"
  std::vector<std::string> inputs;
};

// A file (plain or gzip: zlib reads both) or stdin, read in blocks and split into lines, so any
// bytes (NUL included) and any line length survive.
class LineReader {
 public:
  ~LineReader() {
    if (file_) gzclose(file_);
  }
  // Returns the reason on failure.
  std::optional<std::string> open(const std::string& name) {
    errno = 0;
    if (name == "-") {
      int fd = dup(0);
      file_ = fd < 0 ? nullptr : gzdopen(fd, "rb");
      if (!file_ && fd >= 0) close(fd);
    } else {
      struct stat st{};
      if (stat(name.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return std::string("is a directory");
      file_ = gzopen(name.c_str(), "rb");
    }
    if (!file_) return std::string(errno ? std::strerror(errno) : "cannot open");
    gzbuffer(file_, 1 << 17);
    return std::nullopt;
  }
  // Next line without its '\n'; false at the end. `error` is set when reading failed.
  bool next(std::string& line, std::string& error) {
    for (;;) {
      if (pos_ < buf_.size()) {
        const char* start = buf_.data() + pos_;
        const void* nl = std::memchr(start, '\n', buf_.size() - pos_);
        if (nl) {
          size_t n = size_t(static_cast<const char*>(nl) - start);
          line.assign(start, n);
          pos_ += n + 1;
          return true;
        }
      }
      if (eof_) {
        if (pos_ >= buf_.size()) return false;
        line.assign(buf_, pos_);  // a last line without '\n'
        pos_ = buf_.size();
        return true;
      }
      buf_.erase(0, pos_);
      pos_ = 0;
      size_t old = buf_.size();
      buf_.resize(old + (1 << 17));
      int n = gzread(file_, buf_.data() + old, unsigned(1 << 17));
      if (n < 0) {
        int code = 0;
        const char* msg = gzerror(file_, &code);
        error = code == Z_ERRNO ? std::strerror(errno) : msg;
        buf_.resize(old);
        return false;
      }
      buf_.resize(old + size_t(n));
      if (n == 0) eof_ = true;
    }
  }

 private:
  gzFile file_ = nullptr;
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false;
};

std::string located(const Error& e) {
  return e.location.file + ":" + std::to_string(e.location.line) + ":" + std::to_string(e.location.column) +
         ": error: " + e.message;
}

struct RuleCount {
  std::string title;
  uint64_t count = 0;
};

int runReplay(const ReplayArgs& args) {
  using Steady = std::chrono::steady_clock;
  auto cfg = loadConfigOrReport(args.config, "");
  if (!cfg) return 2;

  auto decoders = loadDecodersOrReport(*cfg, args.decoder_dirs);
  if (!decoders) return 2;
  auto tenants = loadTenantPoliciesOrReport(*cfg);
  if (!tenants) return 2;
  // As `hinomi run` does, refused rules are reported and the others replay: a checkout of a public
  // Sigma repository always holds some rules hinomi refuses. --strict refuses to start instead.
  auto rules = rules::loadRules(rulePaths(*cfg, !args.config.empty(), args.rule_dirs));
  for (const auto& e : rules.errors) std::cerr << located(e) << "\n";
  if (!rules.set || (args.strict && !rules.errors.empty())) {
    std::cerr << rules.errors.size() << (rules.errors.size() == 1 ? " error" : " errors") << " in the rules ("
              << rules.refused << " refused)\n";
    return 2;
  }
  if (!rules.errors.empty())
    std::cerr << rules.errors.size() << (rules.errors.size() == 1 ? " error" : " errors") << " in the rules: "
              << rules.refused << " refused, replaying with the " << rules.set->size() << " that loaded\n";

  std::optional<int64_t> fixed_now;
  if (!args.now.empty()) {
    auto t = parseRfc3339(args.now);
    if (!t) {
      std::cerr << "--now: not an RFC 3339 time: " << args.now << "\n";
      return 2;
    }
    fixed_now = *t;
  }

  // Every input opened before the first line, so an unreadable one fails before any output.
  std::vector<std::unique_ptr<LineReader>> readers;
  std::vector<int64_t> references;  // year reference per input: --now, else the file's mtime, else now
  for (const auto& name : args.inputs) {
    auto reader = std::make_unique<LineReader>();
    if (auto err = reader->open(name)) {
      std::cerr << (name == "-" ? "stdin" : name) << ": cannot read: " << *err << "\n";
      return 1;
    }
    readers.push_back(std::move(reader));
    struct stat st{};
    if (fixed_now) references.push_back(*fixed_now);
    else if (name != "-" && stat(name.c_str(), &st) == 0)
      references.push_back(int64_t(st.st_mtim.tv_sec) * 1000000 + st.st_mtim.tv_nsec / 1000);
    else references.push_back(SystemClock::instance().nowMicros());
  }

  FILE* events_out = nullptr;
  if (!args.events_out.empty()) {
    events_out = std::fopen(args.events_out.c_str(), "wb");
    if (!events_out) {
      std::cerr << args.events_out << ": cannot write: " << std::strerror(errno) << "\n";
      return 1;
    }
  }

  auto parser = collector::makeParser("auto");

  const bool progress = isatty(2) == 1;
  const auto started = Steady::now();
  auto last_progress = started;
  uint64_t lines = 0, malformed = 0, decoded = 0, incidents = 0;
  std::map<std::string, RuleCount> per_rule;
  std::string line, out, events_buf, error;
  int exit_code = 0;
  correlator::CorrelationOptions corr_options;
  corr_options.allowed_lateness_us = cfg->correlator.allowed_lateness_secs * 1000000;
  corr_options.max_clock_skew_us = cfg->correlator.max_clock_skew_secs * 1000000;
  corr_options.max_groups_in_memory = size_t(cfg->correlator.max_groups_in_memory);
  correlator::CorrelationEngine correlations(rules.correlations, corr_options);
  // Windows beyond the bound go to a temporary store (TMPDIR), removed at the end.
  const char* tmpdir = std::getenv("TMPDIR");
  correlator::SpillingWindows spill(correlations, corr_options.max_groups_in_memory,
                                    tmpdir && *tmpdir ? tmpdir : "/tmp");
  std::vector<int> matched;
  std::vector<correlator::Incident> correlated;
  correlator::Incident single;  // a rule's own incident, rewritten for each (buffers reused)
  auto emit = [&](const correlator::Incident& incident) {
    correlator::appendJson(incident, out);
    out.push_back('\n');
    ++incidents;
    auto& rc = per_rule[incident.rule_id];
    if (rc.title.empty()) rc.title = incident.title;
    ++rc.count;
  };
  for (size_t i = 0; i < readers.size() && exit_code == 0; ++i) {
    const std::string& name = args.inputs[i];
    int64_t previous_ts = references[i];  // year reference and time of a line without one
    uint64_t line_no = 0;
    std::string id_prefix = "replay";
    id_prefix.push_back('\0');
    id_prefix += name;
    id_prefix.push_back('\0');
    const correlator::StableUuids event_ids(id_prefix);
    Event event;  // reused line after line: its field slots stay allocated
    while (readers[i]->next(line, error)) {
      ++line_no;
      ++lines;
      collector::ParseContext ctx;
      ctx.ingest_ts_us = previous_ts;
      ctx.peer = "127.0.0.1";
      event.id = event_ids(std::to_string(line_no));
      event.ingest_ts_us = previous_ts;
      event.tenant = args.tenant;
      event.listener = "replay";
      correlator::parseAndDecode(line, *parser, ctx, *decoders, event);
      if (args.tenant.empty()) event.tenant = tenants->tenantOfSender(event.host);
      correlator::enrichFromPolicy(*tenants, event);
      previous_ts = event.ts_us;
      if (event.malformed()) ++malformed;
      if (!event.decoder.empty()) ++decoded;
      if (events_out) {
        events_buf.clear();
        appendJson(event, events_buf);
        events_buf.push_back('\n');
        std::fwrite(events_buf.data(), 1, events_buf.size(), events_out);
      }
      matched.clear();
      for (const rules::Rule* rule : rules.set->match(event)) {
        size_t index = size_t(rule - rules.set->rules().data());
        matched.push_back(int(index));
        // A rule that only feeds correlations raises no incident of its own (Sigma: generate: false).
        if (rules.correlations->raisesOwnIncidents(index)) {
          correlator::incidentFromEvent(single, rule->id, rule->title, rule->level, rule->tags, event);
          emit(single);
        }
      }
      correlated.clear();
      correlations.onEvent(event, matched, correlated);
      for (const auto& incident : correlated) emit(incident);
      if (auto st = spill.afterEvent(); !st)
        std::cerr << (progress ? "\r\033[K" : "") << "replay: " << st.error().toString()
                  << "; the correlation windows stay in memory\n";
      if (out.size() >= (1 << 16)) {
        std::fwrite(out.data(), 1, out.size(), stdout);
        out.clear();
      }
      if (progress && (lines & 1023) == 0) {
        auto now = Steady::now();
        if (now - last_progress >= std::chrono::milliseconds(100)) {
          last_progress = now;
          double secs = std::chrono::duration<double>(now - started).count();
          std::fprintf(stderr, "\r\033[K%llu lines, %.0f lines/s, %llu incidents", (unsigned long long)lines,
                       secs > 0 ? double(lines) / secs : 0.0, (unsigned long long)incidents);
        }
      }
    }
    if (!error.empty()) {
      std::cerr << (progress ? "\r\033[K" : "") << (name == "-" ? "stdin" : name) << ": cannot read: " << error
                << "\n";
      exit_code = 1;
    }
  }
  correlated.clear();
  correlations.finish(correlated);
  for (const auto& incident : correlated) emit(incident);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  if (events_out && std::fclose(events_out) != 0) {
    std::cerr << args.events_out << ": cannot write: " << std::strerror(errno) << "\n";
    exit_code = 1;
  }

  double secs = std::chrono::duration<double>(Steady::now() - started).count();
  if (progress) std::fputs("\r\033[K", stderr);
  std::fprintf(stderr, "replay: %llu lines read, %llu malformed, %llu decoded, %llu incidents in %.3f s (%.0f lines/s)\n",
               (unsigned long long)lines, (unsigned long long)malformed, (unsigned long long)decoded,
               (unsigned long long)incidents, secs, secs > 0 ? double(lines) / secs : 0.0);
  if (spill.spilled())
    std::fprintf(stderr, "  correlation windows: more than %zu groups, the rest kept in %s (removed)\n",
                 corr_options.max_groups_in_memory, spill.path().c_str());
  std::vector<std::pair<std::string, RuleCount>> top(per_rule.begin(), per_rule.end());
  std::stable_sort(top.begin(), top.end(), [](const auto& a, const auto& b) { return a.second.count > b.second.count; });
  if (top.size() > 10) top.resize(10);
  for (const auto& [id, rc] : top)
    std::fprintf(stderr, "  %10llu  %s  %s\n", (unsigned long long)rc.count, id.c_str(), rc.title.c_str());
  return exit_code;
}

}  // namespace

void addReplayCommand(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ReplayArgs>();
  auto* cmd = app.add_subcommand(
      "replay", "Decode log files and match the rules on event time; prints one incident as JSON per line");
  cmd->add_option("-c,--config", args->config,
                  "Configuration file: its correlator.decoders and correlator.rules are loaded (default: the "
                  "embedded one; with only --rules and no -c, just those rules)");
  cmd->add_option("--rules", args->rule_dirs, "Another rules directory or file (repeatable)")->allow_extra_args(false);
  cmd->add_option("--decoders", args->decoder_dirs, "Another directory of decoder files (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--events-out", args->events_out, "Also write every event (decoded or not) as JSON lines to FILE");
  cmd->add_option("--now", args->now,
                  "RFC 3339 time the year of year-less syslog timestamps is inferred from (default: each file's "
                  "modification time; stdin: the current time)");
  cmd->add_flag("--strict", args->strict, "Exit 2 when any rule is refused, instead of replaying with the others");
  cmd->add_option("--tenant", args->tenant,
                  "Tenant id every event gets, which picks the tenant policy for enrichment (default: the tenant whose policy lists the event's host under senders, else default)");
  cmd->add_option("logfile", args->inputs, "Log files (plain or .gz); - reads stdin")->required();
  cmd->callback([args, &exit_code] { exit_code = runReplay(*args); });
}

}  // namespace hinomi::cli
