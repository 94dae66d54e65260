#pragma once
// Where a file tail stands: which file (device, inode, and a fingerprint of its first bytes, since
// an inode number is reused once a rotated file is deleted) and how far it has been read. Saved as
// one text line, replaced atomically (temp file + rename), so a crash leaves the old or the new
// position, never half of one.

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"

namespace hinomi::collector {

// How many leading bytes of a file identify it, with the inode.
inline constexpr size_t kFingerprintBytes = 256;

struct TailPosition {
  uint64_t device = 0;
  uint64_t inode = 0;
  int64_t offset = 0;           // the next byte to read: the start of a line, unless skipping
  bool skipping = false;        // offset is inside an oversize line already delivered truncated
  uint32_t fingerprint_len = 0; // bytes the fingerprint covers (fewer while the file is short)
  uint64_t fingerprint = 0;     // FNV-1a of those bytes

  bool operator==(const TailPosition&) const = default;
};

// FNV-1a 64 of the first `len` bytes of the open file `fd`; nullopt when it has fewer bytes.
std::optional<uint64_t> fingerprintOf(int fd, uint32_t len);

// nullopt when there is no position file; an error when it exists but cannot be read or parsed.
[[nodiscard]] Result<std::optional<TailPosition>> loadTailPosition(const std::string& path);
// Writes path.tmp, fsyncs it, renames it over `path`.
[[nodiscard]] Status saveTailPosition(const std::string& path, const TailPosition& position);

}  // namespace hinomi::collector
