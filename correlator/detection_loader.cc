#include "correlator/detection_loader.h"

#include <filesystem>
#include <fstream>

#include "correlator/decoders/decoder_loader.h"
#include "correlator/detector_metrics.h"
#include "correlator/rules/rule_loader.h"

namespace hinomi::correlator {
namespace fs = std::filesystem;
namespace {

std::string located(const Error& e, const char* kind) {
  if (e.location.file.empty()) return std::string(kind) + ": " + e.message;
  return e.location.file + ":" + std::to_string(e.location.line) + ":" + std::to_string(e.location.column) + ": " +
         kind + ": " + e.message;
}

// Why `path` (a decoder directory, or a rule directory or file) cannot be read; empty when it can.
std::string unreadable(const std::string& path, bool file_allowed) {
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return "no such directory";
  if (fs::is_directory(st)) {
    fs::directory_iterator it(path, ec);
    return ec ? "cannot list: " + ec.message() : "";
  }
  if (!file_allowed || !fs::is_regular_file(st)) return "not a directory";
  std::ifstream in(path);
  return in ? "" : "cannot open";
}

}  // namespace

Result<LoadedDetection> loadDetection(const config::CorrelatorOptions& options, spdlog::logger& log) {
  std::string fatal;
  for (const auto& d : options.decoders)
    if (auto why = unreadable(d, false); !why.empty()) fatal += "\n  correlator.decoders: " + d + ": " + why;
  for (const auto& r : options.rules)
    if (auto why = unreadable(r, true); !why.empty()) fatal += "\n  correlator.rules: " + r + ": " + why;
  if (!fatal.empty()) {
    std::error_code ec;
    fatal += "\n  (relative paths not written in a config file are taken from the working directory, " +
             fs::current_path(ec).string() +
             ": run from the repository or install root, set correlator.decoders and correlator.rules in the "
             "file given with -c, or set correlator.enabled: false)";
    return makeError(ErrorCode::kConfig, "Cannot read the correlator's directories:" + fatal);
  }

  LoadedDetection out;
  auto decoders = loadDecoderDirectories(options.decoders);
  for (const auto& e : decoders.errors) log.error("{}", located(e, "error"));
  out.decoder_errors = decoders.errors.size();

  auto rules = rules::loadRules(options.rules);
  for (const auto& e : rules.errors) log.error("{}", located(e, "error"));
  for (const auto& w : rules.warnings) log.debug("{}", located(w, "warning"));
  if (!rules.set)
    return makeError(ErrorCode::kConfig, "The detection rules do not compile into one set (RE2); see the errors above");
  out.rules_refused = rules.refused;
  out.rule_warnings = rules.warnings.size();

  auto& m = DetectorMetrics::get();
  m.decoders_loaded->Set(double(decoders.set.size()));
  m.rules_loaded->Set(double(rules.set->size()));
  m.correlations_loaded->Set(double(rules.correlations->size()));
  m.rules_refused->Set(double(rules.refused));
  // rules= counts detection and correlation rules, as `hinomi rules lint` does.
  log.info("Detection loaded. decoders={} decoder_errors={} rules={} refused={} warnings={} pipelines={} correlations={}",
           decoders.set.size(), out.decoder_errors, rules.set->size() + rules.correlations->size(), rules.refused,
           rules.warnings.size(), rules.pipelines, rules.correlations->size());
  out.set.decoders = std::make_shared<const DecoderSet>(std::move(decoders.set));
  out.set.rules = std::move(rules.set);
  out.set.correlations = std::move(rules.correlations);
  return out;
}

}  // namespace hinomi::correlator
