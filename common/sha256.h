#pragma once
// SHA-256 (OpenSSL EVP) as lower-case hex: the audit log's hash chain and the evidence bundles.

#include <string>
#include <string_view>

namespace hinomi {

// 64 lower-case hex digits of SHA-256(bytes).
std::string sha256Hex(std::string_view bytes);

}  // namespace hinomi
