// The embedded bus's chunk format: compressed chunks read back record for record, and damaged
// ones read as corrupt without reading past their end.
#include <gtest/gtest.h>

#include "common/bus/embedded_log_keys.h"

namespace hinomi::bus::embedded {
namespace {

std::string records(int n) {
  std::string out;
  for (int i = 0; i < n; ++i)
    appendRecord(out, 1000 + i, "tenant|host" + std::to_string(i % 3),
                 R"({"id":")" + std::to_string(i) + R"(","message":"Failed password for admin"})");
  return out;
}

std::string chunk(uint32_t count, const std::string& body, uint8_t version) {
  std::string out(kChunkHeaderSize, '\0');
  encodeChunkHeader(out.data(), count, 2000, version);
  return out + body;
}

TEST(EmbeddedChunk, CompressedChunkReadsBackEveryRecord) {
  const std::string plain = records(200);
  std::string body;
  ASSERT_TRUE(compressChunkBody(plain, body));
  EXPECT_LT(body.size(), plain.size() / 2) << "similar JSON records compress well";
  const std::string value = chunk(200, body, kCompressedChunkVersion);
  ChunkReader reader(value);
  EXPECT_EQ(reader.header().count, 200u);
  EXPECT_EQ(reader.header().last_timestamp_ms, 2000);
  int64_t ts;
  std::string_view key, val;
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(reader.next(ts, key, val)) << i;
    EXPECT_EQ(ts, 1000 + i);
    EXPECT_EQ(key, "tenant|host" + std::to_string(i % 3));
    EXPECT_NE(val.find("\"id\":\"" + std::to_string(i) + "\""), std::string_view::npos);
  }
  EXPECT_FALSE(reader.next(ts, key, val));
  EXPECT_FALSE(reader.corrupt());
}

TEST(EmbeddedChunk, IncompressibleBodyIsNotCompressed) {
  std::string noise;
  uint32_t x = 12345;
  for (int i = 0; i < 4096; ++i) noise.push_back(char((x = x * 1664525 + 1013904223) >> 24));
  std::string body;
  EXPECT_FALSE(compressChunkBody(noise, body));
}

TEST(EmbeddedChunk, DamagedCompressedChunksReadAsCorrupt) {
  const std::string plain = records(50);
  std::string body;
  ASSERT_TRUE(compressChunkBody(plain, body));
  std::vector<std::string> damaged;
  damaged.push_back(chunk(50, body.substr(0, body.size() / 2), kCompressedChunkVersion));  // cut
  std::string wrong_size = body;
  putU32(wrong_size.data(), uint32_t(plain.size() + 1));
  damaged.push_back(chunk(50, wrong_size, kCompressedChunkVersion));
  std::string huge = body;
  putU32(huge.data(), 0xFFFFFFFFu);
  damaged.push_back(chunk(50, huge, kCompressedChunkVersion));
  damaged.push_back(chunk(51, body, kCompressedChunkVersion));  // one record more than there is
  damaged.push_back(chunk(50, "", kCompressedChunkVersion));
  for (size_t d = 0; d < damaged.size(); ++d) {
    ChunkReader reader(damaged[d]);
    int64_t ts;
    std::string_view key, val;
    int n = 0;
    while (reader.next(ts, key, val)) ++n;
    EXPECT_TRUE(reader.corrupt()) << "case " << d << " read " << n;
  }
}

}  // namespace
}  // namespace hinomi::bus::embedded
