// LZ4 block compression of embedded-bus chunks (see embedded_log_keys.h for the layout).
#include <lz4.h>

#include "common/bus/embedded_log_keys.h"

namespace hinomi::bus::embedded {

bool compressChunkBody(std::string_view records, std::string& out) {
  if (records.size() > kMaxChunkBodyBytes) return false;
  const int bound = LZ4_compressBound(int(records.size()));
  out.resize(4 + size_t(bound));
  putU32(out.data(), uint32_t(records.size()));
  const int n = LZ4_compress_default(records.data(), out.data() + 4, int(records.size()), bound);
  if (n <= 0 || size_t(n) + 4 >= records.size()) return false;
  out.resize(4 + size_t(n));
  return true;
}

bool ChunkReader::decompress() {
  if (corrupt_) return false;
  compressed_ = false;
  if (rest_.size() < 4) return false;
  const uint32_t size = getU32(rest_.data());
  if (size > kMaxChunkBodyBytes) return false;
  body_.resize(size);
  const int n = LZ4_decompress_safe(rest_.data() + 4, body_.data(), int(rest_.size() - 4), int(size));
  if (n < 0 || uint32_t(n) != size) return false;
  rest_ = body_;
  return true;
}

}  // namespace hinomi::bus::embedded
