#include "collector/framing/octet_counting_framer.h"

#include <algorithm>
#include <cstring>

namespace hinomi::collector {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

std::string_view stripOne(std::string_view s, char c) {
  if (!s.empty() && s.back() == c) s.remove_suffix(1);
  return s;
}

// Position of the next LF in data[from..], or npos.
size_t findLf(std::string_view data, size_t from) {
  const void* p = std::memchr(data.data() + from, '\n', data.size() - from);
  return p ? static_cast<const char*>(p) - data.data() : std::string_view::npos;
}

}  // namespace

OctetCountingFramer::OctetCountingFramer(size_t max_frame_bytes)
    : max_(std::max(max_frame_bytes, kMinMaxFrameBytes)) {}

void OctetCountingFramer::feed(std::string_view data, const FrameSink& sink) {
  consume(data, sink, /*stop_at_pri=*/false);
}

size_t OctetCountingFramer::feedUntilPriStart(std::string_view data, const FrameSink& sink) {
  return consume(data, sink, /*stop_at_pri=*/true);
}

void OctetCountingFramer::reset() {
  state_ = State::kBetween;
  digits_len_ = 0;
  count_ = 0;
  skip_ = 0;
  buf_.clear();
}

void OctetCountingFramer::startBadLine() {
  buf_.assign(digits_.data(), digits_len_);
  digits_len_ = 0;
  state_ = State::kBadLine;
}

void OctetCountingFramer::deliverBody(std::string_view body, const FrameSink& sink) {
  sink(Frame{stripOne(body, '\n'), FrameIssue::kNone});
}

size_t OctetCountingFramer::consume(std::string_view data, const FrameSink& sink,
                                    bool stop_at_pri) {
  const size_t n = data.size();
  size_t i = 0;
  while (i < n) {
    switch (state_) {
      case State::kBetween: {
        const char c = data[i];
        if (c == '\n' || c == '\r' || c == '\0') {
          ++i;
        } else if (isDigit(c)) {
          digits_[0] = c;
          digits_len_ = 1;
          count_ = static_cast<size_t>(c - '0');
          state_ = State::kCount;
          ++i;
        } else if (c == '<' && stop_at_pri) {
          return i;
        } else {
          startBadLine();  // c is collected by kBadLine
        }
        break;
      }

      case State::kCount: {
        const char c = data[i];
        if (isDigit(c) && digits_len_ < digits_.size()) {
          digits_[digits_len_++] = c;
          count_ = count_ * 10 + static_cast<size_t>(c - '0');
          ++i;
        } else if (c == ' ' && count_ > 0) {
          digits_len_ = 0;
          buf_.clear();
          state_ = State::kBody;
          ++i;
        } else {
          startBadLine();
        }
        break;
      }

      case State::kBody: {
        const size_t keep = std::min(count_, max_);
        std::string_view body;
        if (buf_.empty() && n - i >= keep) {
          body = data.substr(i, keep);  // the whole frame is here: no copy
          i += keep;
        } else {
          const size_t take = std::min(keep - buf_.size(), n - i);
          buf_.append(data.data() + i, take);
          i += take;
          if (buf_.size() < keep) break;  // i == n: wait for more
          body = buf_;
        }
        if (count_ == keep) {
          deliverBody(body, sink);
          buf_.clear();
          state_ = State::kBetween;
        } else if (count_ == max_ + 1) {
          // One byte over: if it is the counted LF the frame is not oversize at all.
          if (body.data() != buf_.data()) buf_.assign(body);
          state_ = State::kLastByte;
        } else {
          sink(Frame{body, FrameIssue::kOversize});
          buf_.clear();
          skip_ = count_ - keep;
          state_ = State::kSkip;
        }
        break;
      }

      case State::kLastByte: {
        const bool lf = data[i] == '\n';
        ++i;
        sink(Frame{buf_, lf ? FrameIssue::kNone : FrameIssue::kOversize});
        buf_.clear();
        state_ = State::kBetween;
        break;
      }

      case State::kSkip: {
        const size_t take = std::min(skip_, n - i);
        i += take;
        skip_ -= take;
        if (skip_ == 0) state_ = State::kBetween;
        break;
      }

      case State::kBadLine: {
        const size_t lf = findLf(data, i);
        const size_t end = lf == std::string_view::npos ? n : lf;
        std::string_view seg = data.substr(i, end - i);
        if (lf != std::string_view::npos && buf_.empty() && seg.size() <= max_) {
          sink(Frame{stripOne(seg, '\r'), FrameIssue::kBadOctetCount});
          i = lf + 1;
          state_ = State::kBetween;
          break;
        }
        const size_t room = max_ - buf_.size();
        if (seg.size() > room) {
          buf_.append(seg.data(), room);
          sink(Frame{buf_, FrameIssue::kBadOctetCount});
          buf_.clear();
          if (lf == std::string_view::npos) {
            state_ = State::kBadSkip;
            i = n;
          } else {
            state_ = State::kBetween;
            i = lf + 1;
          }
          break;
        }
        buf_.append(seg);
        if (lf == std::string_view::npos) {
          i = n;
        } else {
          sink(Frame{stripOne(buf_, '\r'), FrameIssue::kBadOctetCount});
          buf_.clear();
          state_ = State::kBetween;
          i = lf + 1;
        }
        break;
      }

      case State::kBadSkip: {
        const size_t lf = findLf(data, i);
        if (lf == std::string_view::npos) {
          i = n;
        } else {
          state_ = State::kBetween;
          i = lf + 1;
        }
        break;
      }
    }
  }
  return n;
}

void OctetCountingFramer::finish(const FrameSink& sink) {
  switch (state_) {
    case State::kBetween:
    case State::kSkip:     // its kOversize frame is already out
    case State::kBadSkip:  // its kBadOctetCount frame is already out
      break;
    case State::kCount:
      sink(Frame{std::string_view(digits_.data(), digits_len_), FrameIssue::kTruncatedAtEnd});
      break;
    case State::kBody:
      sink(Frame{stripOne(buf_, '\n'), FrameIssue::kTruncatedAtEnd});
      break;
    case State::kLastByte:
      sink(Frame{buf_, FrameIssue::kTruncatedAtEnd});
      break;
    case State::kBadLine:
      sink(Frame{stripOne(buf_, '\r'), FrameIssue::kBadOctetCount});
      break;
  }
  reset();
}

}  // namespace hinomi::collector
