#include "collector/sources/json_batch.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace hinomi::collector {
namespace {

using json = nlohmann::json;

// Validates without building a document: nlohmann's SAX parser keeps its own stack, so deep
// nesting cannot exhaust ours.
struct Validator final : nlohmann::json_sax<json> {
  size_t error_position = 0;
  std::string error;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) override {
    error_position = position;
    // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error …": keep
    // the part after the position, which our own line number replaces.
    std::string what = ex.what();
    size_t at = what.find("column");
    at = at == std::string::npos ? std::string::npos : what.find(": ", at);
    error = "invalid JSON" + (at == std::string::npos ? std::string() : ": " + what.substr(at + 2));
    return false;
  }
};

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

int64_t lineAt(std::string_view body, size_t offset) {
  offset = std::min(offset, body.size());
  return 1 + std::count(body.begin(), body.begin() + ptrdiff_t(offset), '\n');
}

// Nullopt-free check of one JSON text; fills `error` (line relative to `text`) on failure.
bool validJson(std::string_view text, JsonBatchError& error) {
  Validator v;
  if (json::sax_parse(text.data(), text.data() + text.size(), &v)) return true;
  error.message = v.error.empty() ? "invalid JSON" : v.error;
  // The position counts the character that failed.
  error.line = lineAt(text, v.error_position > 0 ? v.error_position - 1 : 0);
  return false;
}

bool fail(JsonBatchError& error, std::string message, int64_t line) {
  error.message = std::move(message);
  error.line = line;
  return false;
}

bool splitNdjson(std::string_view body, std::vector<JsonObjectText>& objects, JsonBatchError& error) {
  int64_t line = 0;
  for (size_t pos = 0; pos < body.size();) {
    size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    std::string_view text = trim(body.substr(pos, end - pos));
    pos = end + 1;
    ++line;
    if (text.empty()) continue;
    if (!validJson(text, error)) return fail(error, error.message, line);
    if (text.front() != '{') return fail(error, "line is not a JSON object", line);
    objects.push_back({text, line});
  }
  return true;
}

// `body` is valid JSON: finds the elements of its top-level array by depth, outside strings.
bool splitArray(std::string_view body, size_t open, std::vector<JsonObjectText>& objects, JsonBatchError& error) {
  int depth = 0;
  bool in_string = false;
  size_t start = open + 1;
  for (size_t i = open; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']' || c == ',') {
      if (c != ',') --depth;
      if ((c == ',' && depth == 1) || depth == 0) {
        std::string_view element = body.substr(start, i - start);
        size_t lead = 0;
        while (lead < element.size() && isSpace(element[lead])) ++lead;
        element = trim(element);
        if (!element.empty()) {  // empty only for "[]"
          if (element.front() != '{')
            return fail(error, "array element " + std::to_string(objects.size() + 1) + " is not a JSON object",
                        lineAt(body, start + lead));
          objects.push_back({element, lineAt(body, start + lead)});
        }
        start = i + 1;
        if (depth == 0) break;
      }
    }
  }
  return true;
}

}  // namespace

bool splitJsonBatch(std::string_view body, bool ndjson, std::vector<JsonObjectText>& objects,
                    JsonBatchError& error) {
  objects.clear();
  if (ndjson) return splitNdjson(body, objects, error);
  if (trim(body).empty()) return fail(error, "empty body", 1);
  if (!validJson(body, error)) return false;
  size_t first = 0;
  while (isSpace(body[first])) ++first;
  if (body[first] == '{') {
    objects.push_back({trim(body), lineAt(body, first)});
    return true;
  }
  if (body[first] == '[') return splitArray(body, first, objects, error);
  return fail(error, "body is not a JSON object or an array of objects", lineAt(body, first));
}

}  // namespace hinomi::collector
