#pragma once
// A Framer cuts a byte stream (TCP, TLS, a file) into messages. Feed it bytes as they arrive, in
// any split; it hands out each complete frame once. Framers are per connection and not shared.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace hinomi::collector {

// Why a frame is flagged; the frame's bytes are still delivered (never silently dropped).
enum class FrameIssue {
  kNone,
  kOversize,         // longer than max_frame_bytes: delivered truncated to the limit, rest skipped
  kBadOctetCount,    // an octet-counted stream had a count that is not a number: resynced at LF
  kTruncatedAtEnd,   // the stream ended (finish()) inside a frame: what was there is delivered
};

struct Frame {
  std::string_view bytes;  // valid only during the callback
  FrameIssue issue = FrameIssue::kNone;
};

using FrameSink = std::function<void(const Frame&)>;

class Framer {
 public:
  virtual ~Framer() = default;
  virtual std::string_view name() const = 0;
  // Consumes `data`, calling `sink` for every frame completed by it.
  virtual void feed(std::string_view data, const FrameSink& sink) = 0;
  // The stream ended: delivers a partial frame still buffered (kTruncatedAtEnd, or kNone for an
  // LF stream whose last line has no LF).
  virtual void finish(const FrameSink& sink) = 0;
  // Bytes held waiting for the rest of a frame (bounded by max_frame_bytes).
  virtual size_t buffered() const = 0;
};

}  // namespace hinomi::collector
