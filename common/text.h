#pragma once
// Small text helpers shared by the parts: UTF-8 validity and base64 (OpenSSL's codec).

#include <optional>
#include <string>
#include <string_view>

namespace hinomi {

bool isValidUtf8(std::string_view s);
std::string base64Encode(std::string_view bytes);
std::optional<std::string> base64Decode(std::string_view text);

}  // namespace hinomi
