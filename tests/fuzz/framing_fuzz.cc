// Any bytes through each framer (octet counting, LF, LF with NUL, auto): fed whole, byte by byte
// and in chunks the input picks, the frames are the same; no frame is longer than the limit and
// buffered() never exceeds it. Byte 0 picks the limit, byte 1 the chunking.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collector/framing/auto_framer.h"
#include "collector/framing/lf_framer.h"
#include "collector/framing/octet_counting_framer.h"

namespace {

using hinomi::collector::AutoFramer;
using hinomi::collector::Frame;
using hinomi::collector::FrameIssue;
using hinomi::collector::Framer;
using hinomi::collector::FrameSink;
using hinomi::collector::LfFramer;
using hinomi::collector::OctetCountingFramer;

using Frames = std::vector<std::pair<std::string, FrameIssue>>;

std::unique_ptr<Framer> make(int kind, size_t max) {
  switch (kind) {
    case 0: return std::make_unique<OctetCountingFramer>(max);
    case 1: return std::make_unique<LfFramer>(max, false);
    case 2: return std::make_unique<LfFramer>(max, true);
    default: return std::make_unique<AutoFramer>(max, kind == 4);
  }
}

// chunk == 0: whole; otherwise chunk sizes cycle through 1..chunk.
Frames run(int kind, size_t max, std::string_view data, size_t chunk) {
  auto framer = make(kind, max);
  const size_t bound = std::max(max, hinomi::collector::kMinMaxFrameBytes);
  Frames out;
  FrameSink sink = [&](const Frame& f) {
    if (f.bytes.size() > bound) std::abort();
    out.emplace_back(std::string(f.bytes), f.issue);
  };
  size_t i = 0, step = 0;
  while (i < data.size()) {
    size_t n = chunk == 0 ? data.size() - i : std::min(data.size() - i, 1 + step++ % chunk);
    framer->feed(data.substr(i, n), sink);
    if (framer->buffered() > bound) std::abort();
    i += n;
  }
  framer->finish(sink);
  if (framer->buffered() != 0) std::abort();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t max = 1 + data[0] * 4;  // 1..1021: below the minimum is raised to it
  const size_t chunk = 1 + data[1] % 64;
  const std::string_view bytes(reinterpret_cast<const char*>(data + 2), size - 2);
  for (int kind = 0; kind < 5; ++kind) {
    const Frames whole = run(kind, max, bytes, 0);
    if (run(kind, max, bytes, 1) != whole) std::abort();
    if (run(kind, max, bytes, chunk) != whole) std::abort();
  }
  return 0;
}
