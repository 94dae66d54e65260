#pragma once
// Tails one file: lines appended to it become messages (LF framing, CRLF accepted, a last line
// without LF waits for it). Polls every poll_interval_ms. Follows rotation by rename (logrotate
// `create`: the old file is read to its end, then the new one from offset 0) and by truncation
// (`copytruncate`: the size drops below the position → start again at 0). A missing file is
// waited for.
//
// The position (file identity + offset of the next line) is saved under the data dir so a restart
// resumes where it stopped — but only after `sync` confirmed that every line handed to the sink so
// far is durable downstream. A clean stop saves it last, so a restart neither loses nor repeats a
// line; after kill -9 the lines since the last save (at most ~1 s) are read again: duplicates,
// never losses.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "collector/sources/source.h"
#include "collector/sources/tail_position.h"
#include "common/time.h"

namespace prometheus {
class Counter;
class Gauge;
}  // namespace prometheus

namespace hinomi::collector {

struct FileTailOptions {
  std::string name = "file";
  std::string path;                // the file to tail
  std::string position_path;       // where the position is kept; empty: not kept (starts per start_at)
  int64_t poll_interval_ms = 250;
  bool start_at_end = false;       // for a file that has no saved position and exists at start()
  int64_t max_message_bytes = 65536;
  int64_t save_interval_ms = 1000; // the position is saved at most this often (and at stop())
};

// True when everything handed to the sink so far is durable; the position advances only then.
using SyncFn = std::function<bool()>;

class FileTailSource final : public Source {
 public:
  FileTailSource(FileTailOptions options, MessageSink sink, SyncFn sync,
                 const Clock& clock = SystemClock::instance());
  ~FileTailSource() override;

  std::string_view name() const override { return options_.name; }
  // Reads the saved position (an unreadable one is an error: better stop than re-read or skip a
  // whole file silently) and starts the polling thread.
  [[nodiscard]] Status start() override;
  // Stops polling, then saves the position of the last line handed to the sink (after sync).
  void stop() override;
  int port() const override { return 0; }

 private:
  void run();
  void poll();
  // Opens the path; the first file opened resumes at the saved position when it is the same file.
  bool openFile();
  // Reads from offset_ to the end of the open file; returns the bytes read.
  int64_t readToEnd();
  void consume(std::string_view data);
  void deliver(std::string_view line, bool truncated);
  // A line with no LF at the end of a file that is being left (rotated or truncated).
  void flushPartial();
  void closeFile();
  TailPosition currentPosition();
  void savePosition(bool force);

  FileTailOptions options_;
  MessageSink sink_;
  SyncFn sync_;
  const Clock& clock_;
  size_t max_;

  std::thread thread_;
  std::mutex mu_;                 // with wake_: ends the wait between polls at stop()
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};

  // Only the polling thread (and stop(), after joining it) touch these.
  std::optional<TailPosition> saved_;  // loaded at start(), then what was last written
  bool opened_once_ = false;
  bool start_at_end_ = false;  // start_at: end, and the file was there at start()
  bool waiting_logged_ = false;
  int fd_ = -1;
  uint64_t device_ = 0, inode_ = 0;
  int64_t offset_ = 0;       // next byte to read
  int64_t line_start_ = 0;   // offset of the first byte of partial_ (the line in progress)
  std::string partial_;      // the line in progress: at most max_ + 1 bytes (a CR may follow max_)
  bool skipping_ = false;    // dropping the rest of an oversize line already delivered truncated
  bool renamed_ = false;     // the path names another file now; finishing this one
  std::chrono::steady_clock::time_point last_save_{};

  prometheus::Counter* received_ = nullptr;
  prometheus::Counter* received_bytes_ = nullptr;
  prometheus::Counter* oversize_ = nullptr;
  prometheus::Counter* rotations_rename_ = nullptr;
  prometheus::Counter* rotations_truncate_ = nullptr;
  prometheus::Gauge* behind_bytes_ = nullptr;
};

}  // namespace hinomi::collector
