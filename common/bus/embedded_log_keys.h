#pragma once
// How the embedded bus lays its data out in RocksDB. Integers are big-endian so that RocksDB's
// bytewise order is numeric order: a partition's records iterate in offset order.
//
//   records CF  key   topic id u32 | partition u32 | offset of the chunk's first record u64
//               value a chunk: version u8 | record count u32 | newest timestamp_ms i64 | body
//                     version 1: body = the records, each: timestamp_ms i64 | key length u32 |
//                                value length u32 | key | value
//                     version 2: body = records' size u32 | the records, LZ4-compressed (block)
//   offsets CF  key   topic id u32 | partition u32 | group name       value: next offset i64
//   meta CF     "topic/" name                      → topic id u32 | partitions u32
//               "start/" topic id u32 | partition u32 → first retained offset i64
//
// A chunk holds the consecutive records of one partition that one writer round wrote (at most
// kMaxChunkRecords): RocksDB's cost is per entry (memtable insert, WAL and SST framing, and the
// assertions Debian's build keeps on), and with one entry per 300-byte record the bench stayed
// at 210-345k records/s on one core; with chunks it does 580-890k (bench/embedded_bus_bench.cc).
// A record's offset is its chunk's key plus its index in the chunk.
//
// Chunks are LZ4-compressed when that makes them smaller (events are JSON with the same keys in
// every record: about 4x): the bytes written to the WAL, flushed and compacted were most of the
// ingest cost on a small machine. The header stays uncompressed for recovery and retention.
//
// Record keys hold a numeric topic id rather than the name so that every partition has the same
// fixed 8-byte prefix: compaction cuts SST files at it, so that retention can drop old files of
// one partition whole.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace hinomi::bus::embedded {

inline constexpr size_t kPartitionPrefixSize = 8;
inline constexpr size_t kRecordKeySize = 16;
inline constexpr size_t kChunkHeaderSize = 13;
inline constexpr size_t kRecordHeaderSize = 16;
inline constexpr uint8_t kChunkVersion = 1;
inline constexpr uint8_t kCompressedChunkVersion = 2;
inline constexpr size_t kMaxChunkBodyBytes = 64 << 20;  // refuse a corrupt size before allocating
inline constexpr std::string_view kTopicMetaPrefix = "topic/";
inline constexpr std::string_view kStartMetaPrefix = "start/";

inline void putU32(char* out, uint32_t v) {
  out[0] = char(v >> 24);
  out[1] = char(v >> 16);
  out[2] = char(v >> 8);
  out[3] = char(v);
}

inline void putU64(char* out, uint64_t v) {
  putU32(out, uint32_t(v >> 32));
  putU32(out + 4, uint32_t(v));
}

inline uint32_t getU32(const char* in) {
  const auto* p = reinterpret_cast<const unsigned char*>(in);
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

inline uint64_t getU64(const char* in) { return uint64_t(getU32(in)) << 32 | getU32(in + 4); }

// Fills kRecordKeySize bytes.
inline void encodeRecordKey(char* out, uint32_t topic_id, int32_t partition, int64_t offset) {
  putU32(out, topic_id);
  putU32(out + 4, uint32_t(partition));
  putU64(out + 8, uint64_t(offset));
}

inline int64_t recordKeyOffset(std::string_view key) { return int64_t(getU64(key.data() + 8)); }

inline void encodePartitionPrefix(char* out, uint32_t topic_id, int32_t partition) {
  putU32(out, topic_id);
  putU32(out + 4, uint32_t(partition));
}

// One record as the publisher queues it and as it sits in a chunk.
inline void appendRecord(std::string& out, int64_t timestamp_ms, std::string_view key,
                         std::string_view value) {
  char header[kRecordHeaderSize];
  putU64(header, uint64_t(timestamp_ms));
  putU32(header + 8, uint32_t(key.size()));
  putU32(header + 12, uint32_t(value.size()));
  out.append(header, kRecordHeaderSize);
  out.append(key);
  out.append(value);
}

inline int64_t recordTimestamp(const char* record) { return int64_t(getU64(record)); }

// Compresses `records` into a version 2 chunk body in `out`; false (out unspecified) when that
// would not be smaller, and the chunk is then written as version 1.
bool compressChunkBody(std::string_view records, std::string& out);

// Fills kChunkHeaderSize bytes.
inline void encodeChunkHeader(char* out, uint32_t count, int64_t last_timestamp_ms,
                              uint8_t version = kChunkVersion) {
  out[0] = char(version);
  putU32(out + 1, count);
  putU64(out + 5, uint64_t(last_timestamp_ms));
}

struct ChunkHeader {
  uint32_t count = 0;
  int64_t last_timestamp_ms = 0;  // the newest record's: retention drops whole chunks
};

// Walks the records of one chunk value; a malformed chunk reads as corrupt, never overruns.
// The header is read at once; a compressed body only when the first record is asked for.
class ChunkReader {
 public:
  ChunkReader(const ChunkReader&) = delete;  // rest_ may point into body_
  ChunkReader& operator=(const ChunkReader&) = delete;
  explicit ChunkReader(std::string_view chunk) : rest_(chunk) {
    const uint8_t version = rest_.empty() ? 0 : uint8_t(rest_[0]);
    if (rest_.size() < kChunkHeaderSize || (version != kChunkVersion && version != kCompressedChunkVersion)) {
      corrupt_ = true;
      return;
    }
    header_.count = getU32(rest_.data() + 1);
    header_.last_timestamp_ms = int64_t(getU64(rest_.data() + 5));
    rest_.remove_prefix(kChunkHeaderSize);
    compressed_ = version == kCompressedChunkVersion;
  }

  const ChunkHeader& header() const { return header_; }
  bool corrupt() const { return corrupt_; }

  // The next record; false at the end of the chunk or when it is corrupt.
  bool next(int64_t& timestamp_ms, std::string_view& key, std::string_view& value) {
    if (compressed_ && !decompress()) return fail();
    if (corrupt_ || read_ == header_.count) {
      if (!corrupt_ && !rest_.empty()) corrupt_ = true;
      return false;
    }
    if (rest_.size() < kRecordHeaderSize) return fail();
    timestamp_ms = int64_t(getU64(rest_.data()));
    const uint64_t key_len = getU32(rest_.data() + 8), value_len = getU32(rest_.data() + 12);
    if (rest_.size() - kRecordHeaderSize < key_len + value_len) return fail();
    key = rest_.substr(kRecordHeaderSize, key_len);
    value = rest_.substr(kRecordHeaderSize + key_len, value_len);
    rest_.remove_prefix(kRecordHeaderSize + key_len + value_len);
    ++read_;
    return true;
  }

 private:
  bool fail() {
    corrupt_ = true;
    return false;
  }

  bool decompress();  // embedded_log_chunk.cc

  std::string_view rest_;
  std::string body_;  // the decompressed records of a version 2 chunk
  bool compressed_ = false;
  ChunkHeader header_;
  uint32_t read_ = 0;
  bool corrupt_ = false;
};

inline std::string offsetsKey(uint32_t topic_id, int32_t partition, std::string_view group) {
  std::string k(kPartitionPrefixSize, '\0');
  putU32(k.data(), topic_id);
  putU32(k.data() + 4, uint32_t(partition));
  k.append(group);
  return k;
}

inline std::string encodeI64(int64_t v) {
  std::string s(8, '\0');
  putU64(s.data(), uint64_t(v));
  return s;
}

inline std::string topicMetaKey(std::string_view name) {
  std::string k(kTopicMetaPrefix);
  k.append(name);
  return k;
}

inline std::string encodeTopicMeta(uint32_t id, int32_t partitions) {
  std::string s(8, '\0');
  putU32(s.data(), id);
  putU32(s.data() + 4, uint32_t(partitions));
  return s;
}

inline std::string startMetaKey(uint32_t topic_id, int32_t partition) {
  std::string k(kStartMetaPrefix);
  k.resize(k.size() + kPartitionPrefixSize);
  putU32(k.data() + kStartMetaPrefix.size(), topic_id);
  putU32(k.data() + kStartMetaPrefix.size() + 4, uint32_t(partition));
  return k;
}

}  // namespace hinomi::bus::embedded
