// Any bytes as an event on the bus: parsing never crashes, and what parses survives a round trip.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto event = hinomi::eventFromJson(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!event) return 0;
  std::string json = hinomi::toJson(*event);
  auto again = hinomi::eventFromJson(json);
  if (!again || hinomi::toJson(*again) != json) std::abort();
  return 0;
}
