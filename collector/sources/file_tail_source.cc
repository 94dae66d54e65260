#include "collector/sources/file_tail_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include "collector/collector_metrics.h"
#include "common/logging.h"
#include "common/metrics.h"

namespace hinomi::collector {
namespace {

prometheus::Family<prometheus::Counter>& rotationsFamily() {
  static auto& f = prometheus::BuildCounter()
                       .Name("hinomi_collector_file_rotations_total")
                       .Help("Rotations a file listener followed, per listener and kind (rename: the path "
                             "names a new file; truncate: the file shrank below the position)")
                       .Register(metrics::registry());
  return f;
}

prometheus::Family<prometheus::Gauge>& behindFamily() {
  static auto& f = prometheus::BuildGauge()
                       .Name("hinomi_collector_file_behind_bytes")
                       .Help("Bytes of the tailed file not read yet, per file listener")
                       .Register(metrics::registry());
  return f;
}

}  // namespace

FileTailSource::FileTailSource(FileTailOptions options, MessageSink sink, SyncFn sync, const Clock& clock)
    : options_(std::move(options)),
      sink_(std::move(sink)),
      sync_(std::move(sync)),
      clock_(clock),
      max_(size_t(std::max<int64_t>(options_.max_message_bytes, 1))) {
  received_ = &receivedFamily().Add({{"listener", options_.name}});
  received_bytes_ = &receivedBytesFamily().Add({{"listener", options_.name}});
  oversize_ = &droppedFamily().Add({{"listener", options_.name}, {"reason", "oversize"}});
  rotations_rename_ = &rotationsFamily().Add({{"listener", options_.name}, {"kind", "rename"}});
  rotations_truncate_ = &rotationsFamily().Add({{"listener", options_.name}, {"kind", "truncate"}});
  behind_bytes_ = &behindFamily().Add({{"listener", options_.name}});
}

FileTailSource::~FileTailSource() { stop(); }

Status FileTailSource::start() {
  if (!options_.position_path.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(options_.position_path).parent_path(), ec);
    if (ec)
      return makeError(ErrorCode::kIo, options_.name + ": cannot create the directory of " +
                                           options_.position_path + ": " + ec.message());
    auto loaded = loadTailPosition(options_.position_path);
    if (!loaded) return makeError(ErrorCode::kIo, options_.name + ": " + loaded.error().message);
    saved_ = *loaded;
  }
  // start_at: end is for a file already there; one that appears later is new, read in full.
  struct stat st;
  start_at_end_ = options_.start_at_end && !saved_ && ::stat(options_.path.c_str(), &st) == 0;
  stopping_.store(false);
  thread_ = std::thread([this] { run(); });
  logging::get("collector")->info("Listening. listener={} transport=file path={}", options_.name, options_.path);
  return {};
}

void FileTailSource::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_.store(true);
  }
  wake_.notify_all();
  thread_.join();
  savePosition(/*force=*/true);
  closeFile();
}

void FileTailSource::run() {
  const auto interval = std::chrono::milliseconds(options_.poll_interval_ms);
  for (;;) {
    poll();
    savePosition(/*force=*/false);
    std::unique_lock<std::mutex> lock(mu_);
    if (wake_.wait_for(lock, interval, [this] { return stopping_.load(); })) return;
  }
}

void FileTailSource::poll() {
  if (fd_ < 0 && !openFile()) return;
  struct stat st;
  if (fstat(fd_, &st) == 0 && st.st_size < offset_) {
    // copytruncate: the writer starts again at 0 in the same file.
    rotations_truncate_->Increment();
    logging::get("collector")->info("File truncated; reading it again from the start. listener={} path={} "
                                    "size={} position={}", options_.name, options_.path, st.st_size, offset_);
    flushPartial();
    offset_ = line_start_ = 0;
  }
  const int64_t got = readToEnd();
  struct stat now;
  if (::stat(options_.path.c_str(), &now) != 0) return;  // renamed, nothing new yet: keep the old one
  if (now.st_ino == inode_ && now.st_dev == device_) return;
  if (!renamed_) {
    // logrotate `create`: the writer may append to the old file until it reopens; keep reading the
    // old one until a poll finds nothing new in it, then switch.
    renamed_ = true;
    rotations_rename_->Increment();
    logging::get("collector")->info("File rotated (renamed); finishing the old one. listener={} path={}",
                                    options_.name, options_.path);
    return;
  }
  if (got > 0 || stopping_.load()) return;
  flushPartial();
  closeFile();
  if (openFile()) {
    savePosition(/*force=*/true);  // the old file can no longer be found by path: leave it at once
    readToEnd();
  }
}

bool FileTailSource::openFile() {
  int fd = ::open(options_.path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    if (fd >= 0) close(fd);
    if (!waiting_logged_)
      logging::get("collector")->info("Waiting for the file. listener={} path={} reason={}", options_.name,
                                      options_.path, std::strerror(errno));
    waiting_logged_ = true;
    return false;
  }
  waiting_logged_ = false;
  fd_ = fd;
  device_ = uint64_t(st.st_dev);
  inode_ = uint64_t(st.st_ino);
  renamed_ = false;
  partial_.clear();
  skipping_ = false;
  int64_t start = 0;
  if (!opened_once_ && saved_) {
    // The saved position counts only for the same file: same inode, still as long, same first bytes.
    const TailPosition& p = *saved_;
    if (p.device == device_ && p.inode == inode_ && p.offset <= int64_t(st.st_size) &&
        fingerprintOf(fd_, p.fingerprint_len) == p.fingerprint) {
      start = p.offset;
      skipping_ = p.skipping;
    } else {
      logging::get("collector")->info("The saved position is for another file (rotated while stopped); "
                                      "reading this one from the start. listener={} path={}",
                                      options_.name, options_.path);
    }
  } else if (!opened_once_ && start_at_end_) {
    start = int64_t(st.st_size);
  }
  opened_once_ = true;
  offset_ = line_start_ = start;
  logging::get("collector")->info("Tailing. listener={} path={} inode={} offset={}", options_.name,
                                  options_.path, inode_, offset_);
  return true;
}

int64_t FileTailSource::readToEnd() {
  char buf[65536];
  int64_t total = 0;
  struct stat st;
  const int64_t size = fstat(fd_, &st) == 0 ? int64_t(st.st_size) : offset_;
  while (!stopping_.load()) {
    ssize_t n = pread(fd_, buf, sizeof buf, off_t(offset_));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      logging::get("collector")->error("Cannot read the file. listener={} path={} error={}", options_.name,
                                       options_.path, std::strerror(errno));
      break;
    }
    if (n == 0) break;
    consume(std::string_view(buf, size_t(n)));
    total += n;
    behind_bytes_->Set(double(std::max<int64_t>(0, size - offset_)));
    savePosition(/*force=*/false);  // a long catch-up saves as it goes
  }
  if (offset_ >= size) behind_bytes_->Set(0);
  return total;
}

// Frames `data` (the bytes at offset_) into lines: the position moves past a line only once the
// line went to the sink, so line_start_ is always a place to resume from.
void FileTailSource::consume(std::string_view data) {
  while (!data.empty()) {
    const void* lf = std::memchr(data.data(), '\n', data.size());
    if (lf == nullptr) {
      offset_ += int64_t(data.size());
      if (skipping_) return;
      if (partial_.size() + data.size() <= max_ + 1) {
        partial_.append(data);
        return;
      }
      // Oversize whatever ends it: deliver its start now, skip the rest as it comes.
      if (partial_.size() < max_) partial_.append(data.substr(0, max_ - partial_.size()));
      deliver(std::string_view(partial_).substr(0, max_), /*truncated=*/true);
      partial_.clear();
      skipping_ = true;
      return;
    }
    const size_t n = size_t(static_cast<const char*>(lf) - data.data());
    const std::string_view seg = data.substr(0, n);
    data.remove_prefix(n + 1);
    offset_ += int64_t(n + 1);
    if (!skipping_) {
      const bool cr = seg.empty() ? (!partial_.empty() && partial_.back() == '\r') : seg.back() == '\r';
      const size_t len = partial_.size() + seg.size() - (cr ? 1 : 0);
      const size_t keep = std::min(len, max_);
      if (partial_.empty()) {
        if (len > 0) deliver(seg.substr(0, keep), len > max_);
      } else {
        if (partial_.size() < keep) partial_.append(seg.substr(0, keep - partial_.size()));
        if (len > 0) deliver(std::string_view(partial_).substr(0, keep), len > max_);
      }
    }
    partial_.clear();
    skipping_ = false;
    line_start_ = offset_;
  }
}

void FileTailSource::deliver(std::string_view line, bool truncated) {
  if (truncated) oversize_->Increment();
  received_->Increment();
  received_bytes_->Increment(double(line.size()));
  // No sender address: the listener's tenant applies, and the parser takes the host from the line.
  sink_(ReceivedMessage{line, "", clock_.nowMicros(), truncated});
}

void FileTailSource::flushPartial() {
  if (!skipping_ && !partial_.empty()) {
    std::string_view line = partial_;
    if (line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) deliver(line.substr(0, std::min(line.size(), max_)), line.size() > max_);
  }
  partial_.clear();
  skipping_ = false;
  line_start_ = offset_;
}

void FileTailSource::closeFile() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

TailPosition FileTailSource::currentPosition() {
  TailPosition p;
  p.device = device_;
  p.inode = inode_;
  p.offset = skipping_ ? offset_ : line_start_;
  p.skipping = skipping_;
  struct stat st;
  const int64_t size = fstat(fd_, &st) == 0 ? int64_t(st.st_size) : 0;
  p.fingerprint_len = uint32_t(std::min<int64_t>(size, int64_t(kFingerprintBytes)));
  if (auto fp = fingerprintOf(fd_, p.fingerprint_len)) {
    p.fingerprint = *fp;
  } else {
    p.fingerprint_len = 0;  // shrank meanwhile: the next save has it
    p.fingerprint = *fingerprintOf(fd_, 0);
  }
  return p;
}

void FileTailSource::savePosition(bool force) {
  if (options_.position_path.empty() || fd_ < 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_save_ < std::chrono::milliseconds(options_.save_interval_ms)) return;
  last_save_ = now;
  TailPosition p = currentPosition();
  if (saved_ && *saved_ == p) return;
  // Every line before p went to the sink on this thread; sync says whether they are durable.
  if (!sync_()) {
    logging::get("collector")->warn("Lines not yet durable downstream; position kept. listener={} offset={}",
                                    options_.name, saved_ ? saved_->offset : 0);
    return;
  }
  if (auto st = saveTailPosition(options_.position_path, p); !st) {
    logging::get("collector")->error("Cannot save the file position. listener={} error={}", options_.name,
                                     st.error().message);
    return;
  }
  saved_ = p;
}

}  // namespace hinomi::collector
