#pragma once
// Octet-counted framing (RFC 6587 §3.4.1, RFC 5425 §4.3): `MSG-LEN SP SYSLOG-MSG`, MSG-LEN being
// 1-9 digits. What real senders do beyond the RFC, and what this framer does about it:
// - rsyslog and syslog-ng count an LF inside the frame: one trailing LF is stripped from the
//   delivered bytes (a CR before it is kept: it was counted and is not framing).
// - some senders add an LF after the frame (not counted): LF, CR and NUL between frames are skipped.
// - a count that is not a number (or 0, or 10+ digits): the bytes up to the next LF are delivered
//   flagged kBadOctetCount, and framing resumes after that LF.
// - a count above max_frame_bytes: the first max_frame_bytes are delivered flagged kOversize and
//   the rest of the frame is skipped as it arrives, never buffered.

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "collector/framing/framer.h"

namespace hinomi::collector {

inline constexpr size_t kDefaultMaxFrameBytes = 64 * 1024;
// Smaller limits are raised to this, so that a count's digits always fit in the bound.
inline constexpr size_t kMinMaxFrameBytes = 16;

class OctetCountingFramer final : public Framer {
 public:
  explicit OctetCountingFramer(size_t max_frame_bytes = kDefaultMaxFrameBytes);

  std::string_view name() const override { return "octet-counting"; }
  void feed(std::string_view data, const FrameSink& sink) override;
  void finish(const FrameSink& sink) override;
  size_t buffered() const override { return buf_.size() + digits_len_; }

  // Like feed(), but stops before a frame that starts with '<' (the sender is LF-framing) and
  // returns how many bytes of `data` it consumed; AutoFramer hands the rest to an LfFramer.
  size_t feedUntilPriStart(std::string_view data, const FrameSink& sink);
  size_t maxFrameBytes() const { return max_; }

 private:
  enum class State {
    kBetween,   // before a frame: skipping LF/CR/NUL
    kCount,     // reading MSG-LEN digits
    kBody,      // collecting the counted bytes (at most max_ of them)
    kLastByte,  // count was max_+1 and max_ bytes are held: an LF as the last byte fits
    kSkip,      // oversize: dropping the rest of the counted bytes
    kBadLine,   // bad count: collecting up to the next LF (at most max_ bytes)
    kBadSkip,   // bad count longer than max_: dropping up to the next LF
  };

  size_t consume(std::string_view data, const FrameSink& sink, bool stop_at_pri);
  void startBadLine();
  void deliverBody(std::string_view body, const FrameSink& sink);
  void reset();

  size_t max_;
  State state_ = State::kBetween;
  std::array<char, 9> digits_{};  // MSG-LEN so far, kept for a bad-count frame
  size_t digits_len_ = 0;
  size_t count_ = 0;    // MSG-LEN
  size_t skip_ = 0;     // counted bytes still to drop in kSkip
  std::string buf_;     // never more than max_ bytes
};

}  // namespace hinomi::collector
