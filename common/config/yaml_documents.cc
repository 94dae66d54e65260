#include "common/config/yaml_documents.h"

#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

namespace hinomi::config {
namespace {

// Receives the parse events and keeps only where the last one was.
class Probe final : public YAML::EventHandler {
 public:
  YAML::Mark last;
  void OnDocumentStart(const YAML::Mark& m) override { last = m; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { last = m; }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { last = m; }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t, const std::string&) override { last = m; }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    last = m;
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    last = m;
  }
  void OnMapEnd() override {}
};

}  // namespace

std::vector<YAML::Node> loadAllDocuments(const std::string& text) {
  {
    std::istringstream in(text);
    YAML::Parser parser(in);
    Probe probe;
    // Every document after the first starts with a `---` line, so a stream holds at most about a
    // document per 3 bytes; more means the parser is not advancing.
    const size_t limit = text.size() / 3 + 2;
    for (size_t docs = 0; parser.HandleNextDocument(probe);)
      if (++docs > limit)
        throw YAML::ParserException(probe.last, "the YAML parser cannot get past this point (malformed stream)");
  }
  return YAML::LoadAll(text);
}

}  // namespace hinomi::config
