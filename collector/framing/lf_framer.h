#pragma once
// Non-transparent framing (RFC 6587 §3.4.2): a frame ends at LF. A CR before the LF is stripped
// (CRLF senders), NUL also ends a frame when asked (some old senders), and empty lines are skipped.
// A line longer than max_frame_bytes is delivered as its first max_frame_bytes flagged kOversize;
// the rest of it is skipped as it arrives, never buffered. finish() delivers a last line that has
// no LF as an ordinary frame.

#include <cstddef>
#include <string>
#include <string_view>

#include "collector/framing/framer.h"
#include "collector/framing/octet_counting_framer.h"

namespace hinomi::collector {

class LfFramer final : public Framer {
 public:
  explicit LfFramer(size_t max_frame_bytes = kDefaultMaxFrameBytes, bool nul_ends_frame = false);

  std::string_view name() const override { return "lf"; }
  void feed(std::string_view data, const FrameSink& sink) override;
  void finish(const FrameSink& sink) override;
  size_t buffered() const override { return buf_.size(); }
  size_t maxFrameBytes() const { return max_; }

 private:
  size_t findEnd(std::string_view data) const;
  void deliverLine(std::string_view line, const FrameSink& sink);
  void deliverOversize(const FrameSink& sink);
  void appendPartial(std::string_view part, const FrameSink& sink);

  size_t max_;
  bool nul_ends_frame_;
  std::string buf_;          // the current line so far: never more than max_ bytes
  bool pending_cr_ = false;  // buf_ holds max_ bytes and a CR followed them: LF next fits
  bool skipping_ = false;    // dropping the rest of an oversize line
};

}  // namespace hinomi::collector
