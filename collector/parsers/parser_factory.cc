#include "collector/parsers/parser_factory.h"

#include "collector/parsers/auto_parser.h"

namespace hinomi::collector {

std::unique_ptr<Parser> makeParser(std::string_view name) {
  if (name == "rfc5424") return std::make_unique<Rfc5424Parser>();
  if (name == "rfc3164") return std::make_unique<Rfc3164Parser>();
  if (name == "cef") return std::make_unique<CefParser>();
  if (name == "kv") return std::make_unique<KvParser>();
  if (name == "json") return std::make_unique<JsonParser>();
  if (name == "auto") return std::make_unique<AutoParser>();
  return nullptr;
}

}  // namespace hinomi::collector
