#pragma once
// Picks the format per message from its first bytes: `<N>1 ` → RFC 5424 (CEF when its MSG is
// CEF), `{` → JSON, `CEF:` (bare or after a syslog header) → CEF, `<N>key=…` (FortiGate) → kv,
// anything else → RFC 3164. A syslog message whose text is a JSON object is then read as JSON
// (the header's host and app kept, the object's keys as fields).

#include "collector/parsers/cef_parser.h"
#include "collector/parsers/json_parser.h"
#include "collector/parsers/kv_parser.h"
#include "collector/parsers/parser.h"
#include "collector/parsers/rfc3164_parser.h"
#include "collector/parsers/rfc5424_parser.h"

namespace hinomi::collector {

class AutoParser final : public Parser {
 public:
  std::string_view name() const override { return "auto"; }
  void parse(std::string_view bytes, const ParseContext& ctx, Event& out) const override;

 private:
  void jsonBody(std::string_view bytes, const ParseContext& ctx, Event& out) const;

  Rfc5424Parser rfc5424_;
  Rfc3164Parser rfc3164_;
  CefParser cef_;
  KvParser kv_;
  JsonParser json_;
};

}  // namespace hinomi::collector
