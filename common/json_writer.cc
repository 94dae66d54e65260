#include "common/json_writer.h"

#include <charconv>
#include <cstring>

namespace hinomi::json {
namespace {

// Length of the valid UTF-8 sequence starting at p[0] (a byte ≥ 0x80), or 0 when invalid.
// The rules of common/text.cc's isValidUtf8: no overlongs, no surrogates, nothing past U+10FFFF.
size_t utf8Sequence(const unsigned char* p, size_t left) {
  const unsigned char c = p[0];
  size_t n;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    n = 1;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 2;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 3;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (n >= left) return 0;
  for (size_t k = 1; k <= n; ++k) {
    if ((p[k] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[k] & 0x3F);
  }
  if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
      (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
    return 0;
  return n + 1;
}

// What needs escaping below 0x80: control characters, '"' and '\'.
constexpr bool needsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

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
    const size_t n = utf8Sequence(p + i, size - i);
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
