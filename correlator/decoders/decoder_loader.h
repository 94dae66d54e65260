#pragma once
// Reads decoder files (YAML, docs/decoders.md) into a DecoderSet. Every regex is compiled and
// checked here; every problem of every file is collected as FILE:LINE:COL before refusing.
//
//   DecoderLoader loader;
//   for (auto& dir : cfg.correlator.decoders) loader.addDirectory(dir);
//   DecoderLoad load = std::move(loader).finish();
//   if (!load.ok()) { print load.errors; exit 2; }

#include <map>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/config/diagnostics.h"
#include "common/result.h"
#include "correlator/decoders/decoder_set.h"

namespace hinomi::correlator {

struct DecoderLoad {
  DecoderSet set;            // usable only when ok()
  std::vector<Error> errors;
  bool ok() const { return errors.empty(); }
  // "FILE:LINE:COL: error: message" per line.
  std::string errorText() const;
};

class DecoderLoader {
 public:
  // Every *.yaml / *.yml under `dir` (recursively), in path order. A missing directory is an error.
  void addDirectory(const std::string& dir);
  void addFile(const std::string& path);
  // One file's text; `file` names it in errors.
  void addText(const std::string& text, const std::string& file);

  DecoderLoad finish() &&;

 private:
  void loadDecoders(const YAML::Node& root, const std::string& file, config::Diagnostics& diag,
                    std::vector<Decoder>& loaded);

  std::vector<Decoder> decoders_;
  std::vector<Error> errors_;
  std::map<std::string, Location> names_;
};

// The decoders of `dirs`, in that order.
DecoderLoad loadDecoderDirectories(const std::vector<std::string>& dirs);

}  // namespace hinomi::correlator
