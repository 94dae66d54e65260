#pragma once
// The framer listeners use: it picks the framing per connection from the first bytes that are not
// whitespace. Digits followed by a space start an octet count (RFC 6587 §3.4.1); '<' (a PRI) or
// anything else — including digits followed by something else, such as a PRI-less line that
// starts with a date — means LF framing (§3.4.2). An octet-counted stream whose next frame starts with '<' has switched to
// LF framing, and stays LF for the rest of the connection.
//
// Known limit: a sender that puts messages back to back with no terminator at all (loggen with a
// size below its minimum) is one LF "line"; it comes out as one frame (or, past max_frame_bytes,
// its first max_frame_bytes flagged kOversize). Splitting at each "<PRI>" would also split
// messages that quote a syslog line, so it is not done.

#include <cstddef>
#include <string>
#include <string_view>

#include "collector/framing/framer.h"
#include "collector/framing/lf_framer.h"
#include "collector/framing/octet_counting_framer.h"

namespace hinomi::collector {

class AutoFramer final : public Framer {
 public:
  enum class Mode { kUndecided, kOctetCounting, kLf };

  explicit AutoFramer(size_t max_frame_bytes = kDefaultMaxFrameBytes, bool nul_ends_frame = false);

  std::string_view name() const override;
  void feed(std::string_view data, const FrameSink& sink) override;
  void finish(const FrameSink& sink) override;
  size_t buffered() const override { return pending_.size() + octet_.buffered() + lf_.buffered(); }
  Mode mode() const { return mode_; }

 private:
  Mode mode_ = Mode::kUndecided;
  std::string pending_;  // leading digits seen while undecided (at most 10 bytes)
  OctetCountingFramer octet_;
  LfFramer lf_;
};

}  // namespace hinomi::collector
