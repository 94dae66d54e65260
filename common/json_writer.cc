#include "common/json_writer.h"

#include <charconv>
#include <cstdint>
#include <cstring>

#include "common/text.h"

namespace hinomi::json {
namespace {

// What needs escaping below 0x80: control characters, '"' and '\'.
constexpr bool needsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

// True when none of the 8 bytes of `w` needs a closer look: all ASCII, no control character,
// no '"' or '\'. Most of a log line is, so it is skipped a word at a time.
inline bool plainWord(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  const auto has_zero = [&](uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  const uint64_t below_space = (w - kOnes * 0x20) & ~w & kHigh;
  return !(below_space | has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\')) | (w & kHigh));
}

}  // namespace

bool appendString(std::string& out, std::string_view s) {
  const size_t start = out.size();
  out.reserve(out.size() + s.size() + 2);
  out.push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t size = s.size();
  size_t run = 0;  // start of the bytes not yet copied
  size_t i = 0;
  while (i < size) {
    if (size - i >= 8) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if (plainWord(w)) {
        i += 8;
        continue;
      }
    }
    const unsigned char c = p[i];
    if (c < 0x80) {
      if (!needsEscape(c)) {
        ++i;
        continue;
      }
      out.append(s.data() + run, i - run);
      switch (c) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\b': out.append("\\b"); break;
        case '\f': out.append("\\f"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        default: {
          static constexpr char kHex[] = "0123456789abcdef";
          const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
          out.append(esc, 6);
        }
      }
      run = ++i;
      continue;
    }
    const size_t n = utf8SequenceLength(p + i, size - i);
    if (n == 0) {
      out.resize(start);
      return false;
    }
    i += n;
  }
  out.append(s.data() + run, size - run);
  out.push_back('"');
  return true;
}

void appendText(std::string& out, std::string_view s) {
  if (appendString(out, s)) return;
  out += nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void appendValue(std::string& out, const nlohmann::json& v) {
  char buf[24];
  switch (v.type()) {
    case nlohmann::json::value_t::string:
      appendText(out, v.get_ref<const std::string&>());
      return;
    case nlohmann::json::value_t::number_integer: {
      auto r = std::to_chars(buf, buf + sizeof buf, v.get<int64_t>());
      out.append(buf, r.ptr);
      return;
    }
    case nlohmann::json::value_t::number_unsigned: {
      auto r = std::to_chars(buf, buf + sizeof buf, v.get<uint64_t>());
      out.append(buf, r.ptr);
      return;
    }
    case nlohmann::json::value_t::boolean:
      out.append(v.get<bool>() ? "true" : "false");
      return;
    case nlohmann::json::value_t::null:
      out.append("null");
      return;
    case nlohmann::json::value_t::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [k, item] : v.items()) {
        if (!first) out.push_back(',');
        first = false;
        appendText(out, k);
        out.push_back(':');
        appendValue(out, item);
      }
      out.push_back('}');
      return;
    }
    default:  // floating point, arrays, binary: rare in events
      out += v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}

}  // namespace hinomi::json
