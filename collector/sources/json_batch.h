#pragma once
// Splits the body of an HTTP ingest request into the exact text of each JSON object it carries:
// application/json (one object, or an array of objects) or application/x-ndjson (one object per
// line, blank lines ignored). The whole body is checked first, so a request is either taken whole
// or refused with the line of its first fault.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hinomi::collector {

struct JsonObjectText {
  std::string_view text;  // from '{' to its '}', a view into the body
  int64_t line = 1;       // 1-based line of the body where it starts
};

struct JsonBatchError {
  std::string message;
  int64_t line = 1;
};

// True and `objects` filled when every value is a well-formed JSON object; otherwise false and
// `error` says what and where.
bool splitJsonBatch(std::string_view body, bool ndjson, std::vector<JsonObjectText>& objects,
                    JsonBatchError& error);

}  // namespace hinomi::collector
