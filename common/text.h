#pragma once
// Small text helpers shared by the parts: UTF-8 validity and base64 (OpenSSL's codec).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace hinomi {

bool isValidUtf8(std::string_view s);
// Length of the valid UTF-8 sequence starting at p[0] (`left` bytes available, at least 1), or 0
// when it is not valid UTF-8 (overlong, surrogate, past U+10FFFF, truncated).
size_t utf8SequenceLength(const unsigned char* p, size_t left);
std::string base64Encode(std::string_view bytes);
std::optional<std::string> base64Decode(std::string_view text);

}  // namespace hinomi
