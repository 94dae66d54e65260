// Any bytes as what the responder reads back from disk: a stored case (CaseRecord::fromJson) and a
// command dropped into the command inbox (CaseCommand::fromJson). Neither crashes or throws; a case
// that parses writes back to the same JSON; any text put in a report's table cell stays one cell.
#include <cstdint>
#include <string>

#include "playbooks/case_record.h"
#include "playbooks/case_report.h"
#include "playbooks/responder_engine.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (auto c = hinomi::playbooks::CaseRecord::fromJson(text)) {
    const std::string once = c->toJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    auto again = hinomi::playbooks::CaseRecord::fromJson(once);
    if (!again) __builtin_trap();
    if (again->toJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) != once) __builtin_trap();
  }
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded()) (void)hinomi::playbooks::CaseCommand::fromJson(j);
  const std::string cell = hinomi::playbooks::markdownCell(text);
  for (char ch : cell)
    if (ch == '\n' || ch == '\r') __builtin_trap();
  for (size_t i = 0; i < cell.size(); ++i)
    if (cell[i] == '|' && (i == 0 || cell[i - 1] != '\\')) __builtin_trap();
  return 0;
}
