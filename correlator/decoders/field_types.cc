#include "correlator/decoders/field_types.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstdint>

#include "common/time.h"

namespace hinomi::correlator {

std::optional<FieldType> fieldTypeFromName(std::string_view name) {
  if (name == "string") return FieldType::kString;
  if (name == "ip") return FieldType::kIp;
  if (name == "int") return FieldType::kInt;
  if (name == "timestamp") return FieldType::kTimestamp;
  return std::nullopt;
}

std::optional<std::string> normalizeIp(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  std::string_view zone;
  if (size_t pct = text.find('%'); pct != std::string_view::npos) {
    zone = text.substr(pct);
    text = text.substr(0, pct);
  }
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  std::string addr(text);
  char buf[INET6_ADDRSTRLEN];
  in_addr v4;
  if (zone.empty() && inet_pton(AF_INET, addr.c_str(), &v4) == 1) {
    if (inet_ntop(AF_INET, &v4, buf, sizeof buf) == nullptr) return std::nullopt;
    return std::string(buf);
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, addr.c_str(), &v6) != 1) return std::nullopt;
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    if (!zone.empty() || inet_ntop(AF_INET, &v6.s6_addr[12], buf, sizeof buf) == nullptr) return std::nullopt;
    return std::string(buf);
  }
  if (inet_ntop(AF_INET6, &v6, buf, sizeof buf) == nullptr) return std::nullopt;
  return std::string(buf) + std::string(zone);
}

bool isNormalIpv4(std::string_view text) {
  int parts = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    int v = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 3) v = v * 10 + (text[i++] - '0');
    size_t len = i - start;
    if (len == 0 || v > 255 || (len > 1 && text[start] == '0')) return false;
    ++parts;
    if (i == text.size()) break;
    if (text[i] != '.' || parts == 4) return false;
    ++i;
    if (i == text.size()) return false;
  }
  return parts == 4;
}

std::optional<std::string> normalizeTimestamp(std::string_view text) {
  bool digits = !text.empty() && text.size() <= 19;
  for (char c : text) digits = digits && c >= '0' && c <= '9';
  if (digits) {
    int64_t n = 0;
    std::from_chars(text.data(), text.data() + text.size(), n);
    // Epoch in s, ms, µs or ns: the magnitude says which (s until year 5138).
    int64_t us = n < 100'000'000'000 ? n * 1'000'000 : n < 100'000'000'000'000 ? n * 1'000
                 : n < 100'000'000'000'000'000 ? n : n / 1'000;
    return formatRfc3339(us);
  }
  auto us = parseRfc3339(text);
  if (!us) return std::nullopt;
  return formatRfc3339(*us);
}

bool convertInPlace(FieldValue& value, FieldType type) {
  if ((type == FieldType::kString && value.isString()) || (type == FieldType::kInt && value.isInteger()) ||
      (type == FieldType::kIp && value.isString() && isNormalIpv4(value.str())))
    return true;
  auto converted = convertField(value, type);
  if (!converted) return false;
  value = std::move(*converted);
  return true;
}

std::optional<FieldValue> convertField(const FieldValue& value, FieldType type) {
  if (type == FieldType::kString) {
    if (value.isString()) return value;
    std::string text;
    value.appendJson(text);
    return FieldValue(std::move(text));
  }
  if (type == FieldType::kInt) {
    if (value.isInteger()) return value;
    if (!value.isString()) return std::nullopt;
    const std::string& s = value.str();
    int64_t n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return FieldValue(n);
  }
  std::string digits;
  if (value.isInteger()) value.appendJson(digits);
  std::string_view s = value.isString() ? std::string_view(value.str()) : std::string_view(digits);
  if (s.empty()) return std::nullopt;
  auto out = type == FieldType::kIp ? normalizeIp(s) : normalizeTimestamp(s);
  if (!out) return std::nullopt;
  return FieldValue(std::move(*out));
}

}  // namespace hinomi::correlator
