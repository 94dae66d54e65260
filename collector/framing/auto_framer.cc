#include "collector/framing/auto_framer.h"

namespace hinomi::collector {

AutoFramer::AutoFramer(size_t max_frame_bytes, bool nul_ends_frame)
    : octet_(max_frame_bytes), lf_(max_frame_bytes, nul_ends_frame) {}

std::string_view AutoFramer::name() const {
  switch (mode_) {
    case Mode::kOctetCounting: return octet_.name();
    case Mode::kLf: return lf_.name();
    case Mode::kUndecided: break;
  }
  return "auto";
}

void AutoFramer::feed(std::string_view data, const FrameSink& sink) {
  while (!data.empty()) {
    switch (mode_) {
      case Mode::kUndecided: {
        if (pending_.empty()) {
          const size_t first = data.find_first_not_of(std::string_view(" \t\r\n\0", 5));
          if (first == std::string_view::npos) return;
          data.remove_prefix(first);
        }
        // Up to 10 digits then a space are a count; anything else is the start of a line. The
        // decision needs the byte after the digits, however the stream is cut into reads (an
        // 11th digit already decides: not a count).
        size_t i = 0;
        while (i < data.size() && data[i] >= '0' && data[i] <= '9' && pending_.size() + i <= 10) ++i;
        const size_t digits = pending_.size() + i;
        if (i == data.size() && digits <= 10) {
          pending_.append(data);
          return;
        }
        const bool count = digits > 0 && digits <= 10 && data[i] == ' ';
        mode_ = count ? Mode::kOctetCounting : Mode::kLf;
        if (!pending_.empty()) {
          std::string held;
          held.swap(pending_);
          feed(held, sink);  // mode_ is decided now, so this does not come back here
        }
        break;
      }
      case Mode::kOctetCounting: {
        const size_t used = octet_.feedUntilPriStart(data, sink);
        if (used == data.size()) return;
        data.remove_prefix(used);  // a frame starts with '<': the sender frames by LF now
        mode_ = Mode::kLf;
        break;
      }
      case Mode::kLf:
        lf_.feed(data, sink);
        return;
    }
  }
}

void AutoFramer::finish(const FrameSink& sink) {
  if (mode_ == Mode::kUndecided && !pending_.empty()) {
    mode_ = Mode::kLf;  // a stream of nothing but a few digits is one line
    std::string held;
    held.swap(pending_);
    lf_.feed(held, sink);
  }
  if (mode_ == Mode::kOctetCounting) octet_.finish(sink);
  if (mode_ == Mode::kLf) lf_.finish(sink);
  mode_ = Mode::kUndecided;
}

}  // namespace hinomi::collector
