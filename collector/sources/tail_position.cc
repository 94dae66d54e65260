#include "collector/sources/tail_position.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace hinomi::collector {
namespace {

constexpr const char* kMagic = "hinomi-tail-position-v1";

std::string ioError(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

}  // namespace

std::optional<uint64_t> fingerprintOf(int fd, uint32_t len) {
  char buf[kFingerprintBytes];
  if (len > sizeof buf) return std::nullopt;
  size_t got = 0;
  while (got < len) {
    ssize_t n = pread(fd, buf + got, len - got, off_t(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    got += size_t(n);
  }
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < len; ++i) {
    h ^= static_cast<unsigned char>(buf[i]);
    h *= 1099511628211ULL;
  }
  return h;
}

Result<std::optional<TailPosition>> loadTailPosition(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) return std::optional<TailPosition>();
  std::ifstream in(path);
  if (!in) return makeError(ErrorCode::kIo, ioError("cannot read the tail position", path));
  std::string line;
  std::getline(in, line);
  TailPosition p;
  char magic[32] = {};
  unsigned skipping = 0;
  int n = std::sscanf(line.c_str(),
                      "%31s device=%" SCNu64 " inode=%" SCNu64 " offset=%" SCNd64
                      " skipping=%u fingerprint_len=%" SCNu32 " fingerprint=%" SCNx64,
                      magic, &p.device, &p.inode, &p.offset, &skipping, &p.fingerprint_len, &p.fingerprint);
  if (n != 7 || std::strcmp(magic, kMagic) != 0 || p.offset < 0 || p.fingerprint_len > kFingerprintBytes)
    return makeError(ErrorCode::kIo, "the tail position " + path + " is not one: '" + line + "'");
  p.skipping = skipping != 0;
  return std::optional<TailPosition>(p);
}

Status saveTailPosition(const std::string& path, const TailPosition& p) {
  char text[256];
  int len = std::snprintf(text, sizeof text,
                          "%s device=%" PRIu64 " inode=%" PRIu64 " offset=%" PRId64
                          " skipping=%u fingerprint_len=%" PRIu32 " fingerprint=%016" PRIx64 "\n",
                          kMagic, p.device, p.inode, p.offset, p.skipping ? 1u : 0u, p.fingerprint_len,
                          p.fingerprint);
  const std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return makeError(ErrorCode::kIo, ioError("cannot write the tail position", tmp));
  bool ok = write(fd, text, size_t(len)) == len && fsync(fd) == 0;
  std::string err = ok ? "" : ioError("cannot write the tail position", tmp);
  close(fd);
  if (!ok) return makeError(ErrorCode::kIo, err);
  if (rename(tmp.c_str(), path.c_str()) != 0)
    return makeError(ErrorCode::kIo, ioError("cannot replace the tail position", path));
  return {};
}

}  // namespace hinomi::collector
