// The hand-written JSON writer against nlohmann's serializer, on any bytes: the same text, always.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/json_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string s(reinterpret_cast<const char*>(data), size);
  const auto reference = [](const nlohmann::json& v) {
    return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  std::string text;
  hinomi::json::appendText(text, s);
  if (text != reference(nlohmann::json(s))) std::abort();
  std::string strict = "x";
  const bool ok = hinomi::json::appendString(strict, s);
  if (ok ? strict != "x" + text : strict != "x") std::abort();
  // The same bytes as a key and a value of an object, next to numbers of both signs.
  nlohmann::json object = {{s, s}, {"n", int64_t(size) - 100}, {"u", uint64_t(size) << 40}, {"b", size % 2 == 0}};
  std::string out;
  hinomi::json::appendValue(out, object);
  if (out != reference(object)) std::abort();
  return 0;
}
