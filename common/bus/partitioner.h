#pragma once
// Key → partition, identical to Kafka's default partitioner so a topic keeps the same key→partition
// map whichever bus wrote it (and whichever Kafka client reads it).

#include <cstdint>
#include <string_view>

namespace hinomi::bus {

// Kafka's murmur2 (seed 0x9747b28c), as in the Java client's Utils.murmur2.
uint32_t murmur2(std::string_view data);

// (murmur2(key) & 0x7fffffff) % partitions; an empty key goes to partition 0's hash of "" too.
int32_t partitionFor(std::string_view key, int32_t partitions);

}  // namespace hinomi::bus
