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
        const size_t first = data.find_first_not_of(std::string_view(" \t\r\n\0", 5));
        if (first == std::string_view::npos) return;
        data.remove_prefix(first);
        const char c = data.front();
        mode_ = (c >= '0' && c <= '9') ? Mode::kOctetCounting : Mode::kLf;
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
  if (mode_ == Mode::kOctetCounting) octet_.finish(sink);
  if (mode_ == Mode::kLf) lf_.finish(sink);
  mode_ = Mode::kUndecided;
}

}  // namespace hinomi::collector
