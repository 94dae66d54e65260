#include "collector/framing/lf_framer.h"

#include <algorithm>
#include <cstring>

namespace hinomi::collector {

LfFramer::LfFramer(size_t max_frame_bytes, bool nul_ends_frame)
    : max_(std::max(max_frame_bytes, kMinMaxFrameBytes)), nul_ends_frame_(nul_ends_frame) {}

size_t LfFramer::findEnd(std::string_view data) const {
  const void* lf = std::memchr(data.data(), '\n', data.size());
  size_t end = lf ? static_cast<const char*>(lf) - data.data() : std::string_view::npos;
  if (nul_ends_frame_) {
    const void* nul = std::memchr(data.data(), '\0', lf ? end : data.size());
    if (nul) end = static_cast<const char*>(nul) - data.data();
  }
  return end;
}

void LfFramer::deliverLine(std::string_view line, const FrameSink& sink) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) return;  // blank lines carry no message
  if (line.size() > max_) {
    sink(Frame{line.substr(0, max_), FrameIssue::kOversize});
  } else {
    sink(Frame{line, FrameIssue::kNone});
  }
}

void LfFramer::deliverOversize(const FrameSink& sink) {
  sink(Frame{buf_, FrameIssue::kOversize});
  buf_.clear();
  pending_cr_ = false;
  skipping_ = true;
}

// `part` has no terminator: keep it, or, once the line is known to be oversize, cut it.
void LfFramer::appendPartial(std::string_view part, const FrameSink& sink) {
  if (part.empty()) return;
  if (pending_cr_) {  // the CR was not the end of the line after all
    deliverOversize(sink);
    return;
  }
  const size_t total = buf_.size() + part.size();
  if (total <= max_) {
    buf_.append(part);
  } else if (total == max_ + 1 && part.back() == '\r') {
    buf_.append(part.substr(0, part.size() - 1));
    pending_cr_ = true;
  } else {
    buf_.append(part.substr(0, max_ - buf_.size()));
    deliverOversize(sink);
  }
}

void LfFramer::feed(std::string_view data, const FrameSink& sink) {
  while (!data.empty()) {
    const size_t end = findEnd(data);
    if (skipping_) {
      if (end == std::string_view::npos) return;
      skipping_ = false;
      data.remove_prefix(end + 1);
      continue;
    }
    if (end == std::string_view::npos) {
      appendPartial(data, sink);
      return;
    }
    std::string_view seg = data.substr(0, end);
    data.remove_prefix(end + 1);
    if (buf_.empty() && !pending_cr_) {
      deliverLine(seg, sink);  // the whole line is in `data`: no copy
      continue;
    }
    if (pending_cr_) {
      if (seg.empty()) {
        sink(Frame{buf_, FrameIssue::kNone});  // max_ bytes, then CRLF
      } else {
        sink(Frame{buf_, FrameIssue::kOversize});
      }
      buf_.clear();
      pending_cr_ = false;
      continue;
    }
    // max_ + 1 bytes may still be max_ and a CR; more is oversize whatever it ends with.
    if (buf_.size() + seg.size() > max_ + 1) {
      buf_.append(seg.substr(0, max_ - buf_.size()));
      sink(Frame{buf_, FrameIssue::kOversize});
    } else {
      buf_.append(seg);
      deliverLine(buf_, sink);
    }
    buf_.clear();
  }
}

void LfFramer::finish(const FrameSink& sink) {
  if (pending_cr_) {
    sink(Frame{buf_, FrameIssue::kNone});
  } else if (!skipping_ && !buf_.empty()) {
    deliverLine(buf_, sink);
  }
  buf_.clear();
  pending_cr_ = false;
  skipping_ = false;
}

}  // namespace hinomi::collector
