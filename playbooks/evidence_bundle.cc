#include "playbooks/evidence_bundle.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/event.h"
#include "common/sha256.h"
#include "common/text.h"
#include "common/time.h"

namespace hinomi::playbooks {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

constexpr const char* kEventsFile = "events.jsonl";
constexpr const char* kManifestFile = "manifest.json";
constexpr int64_t kProducerClockLeewayMs = 5000;
constexpr auto kPollTimeout = std::chrono::milliseconds(500);
constexpr int kMaxPollsUnassigned = 120;  // a minute for a Kafka group to hand out partitions

std::string lowerAscii(std::string s) {
  for (char& ch : s)
    if (ch >= 'A' && ch <= 'Z') ch = char(ch - 'A' + 'a');
  return s;
}

bool hostMatches(const Event& e, const std::set<std::string>& hosts) {
  if (hosts.count(lowerAscii(e.host))) return true;
  for (const char* field : {"host.name", "host.hostname"}) {
    const FieldValue* v = e.fields.find(field);
    if (v && v->isString() && hosts.count(lowerAscii(v->str()))) return true;
  }
  return false;
}

struct Found {
  int32_t partition = 0;
  int64_t offset = 0;
  EvidenceEvent event;
};

bool byOffset(const Found& a, const Found& b) {
  return a.offset != b.offset ? a.offset < b.offset : a.partition < b.partition;
}

std::string errnoText() { return std::strerror(errno); }

tl::unexpected<Error> ioError(const std::string& what, const std::string& path) {
  return makeError(ErrorCode::kIo, what + " " + path + ": " + errnoText());
}

Status writeFileSynced(const std::string& path, std::string_view data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return ioError("cannot create", path);
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      auto err = ioError("cannot write", path);
      ::close(fd);
      return err;
    }
    done += size_t(n);
  }
  if (::fsync(fd) != 0) {
    auto err = ioError("cannot fsync", path);
    ::close(fd);
    return err;
  }
  if (::close(fd) != 0) return ioError("cannot close", path);
  return {};
}

Status syncDir(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ioError("cannot open directory", path);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return ioError("cannot fsync directory", path);
  return {};
}

// Creates `dir` and the directories above it that are missing, fsyncing each parent that got a
// new entry so that the bundle's path survives a power loss too.
Status makeDirsSynced(const fs::path& dir) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return {};
  if (dir.has_parent_path() && dir.parent_path() != dir)
    if (auto st = makeDirsSynced(dir.parent_path()); !st) return st;
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return ioError("cannot create directory", dir.string());
  return syncDir(dir.has_parent_path() ? dir.parent_path().string() : std::string("."));
}

std::string uniqueSuffix(int64_t now_us) {
  static std::atomic<uint64_t> counter{0};
  return std::to_string(::getpid()) + "-" + std::to_string(now_us) + "-" + std::to_string(counter++);
}

// `bytes` under `key` as a JSON string when it is valid UTF-8, else base64 with key_encoding.
void putBytes(ordered_json& j, const std::string& key, const std::string& bytes) {
  if (isValidUtf8(bytes)) {
    j[key] = bytes;
  } else {
    j[key] = base64Encode(bytes);
    j[key + "_encoding"] = "base64";
  }
}

// putBytes' value back as bytes; false when the encoding is unknown or the base64 is broken.
bool takeBytes(const nlohmann::json& j, const std::string& key, std::string& out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return false;
  out = it->get<std::string>();
  auto enc = j.find(key + "_encoding");
  if (enc == j.end()) return true;
  if (!enc->is_string() || enc->get<std::string>() != "base64") return false;
  auto bytes = base64Decode(out);
  if (!bytes) return false;
  out = std::move(*bytes);
  return true;
}

Result<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(ErrorCode::kNotFound, "cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return makeError(ErrorCode::kIo, "cannot read " + path);
  return ss.str();
}

// j[key] when it is a string, else "".
std::string stringAt(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

tl::unexpected<Error> mismatch(std::string message) {
  return makeError(ErrorCode::kInvalidArgument, std::move(message));
}

}  // namespace

bool safePathComponent(const std::string& s) {
  if (s.empty() || s.front() == '.' || s.find("..") != std::string::npos) return false;
  return std::all_of(s.begin(), s.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
           ch == '.' || ch == '-';
  });
}

nlohmann::json EvidenceManifest::toJson() const {
  return {{"case", case_id}, {"step", step_id},           {"dir", dir},
          {"events", events}, {"bundle_sha256", bundle_sha256}, {"capped", capped}};
}

Result<std::vector<EvidenceEvent>> collectCaseEvents(bus::Bus& bus, const std::string& events_topic,
                                                     const std::string& tenant, const std::set<std::string>& event_ids,
                                                     const std::set<std::string>& hosts, int64_t from_us,
                                                     int64_t to_us, size_t max_events, bool* capped) {
  if (capped) *capped = false;
  const int64_t start_us = SystemClock::instance().nowMicros();
  // A group nobody else uses and that never commits: it starts at the earliest retained record
  // and moves no other reader's offsets.
  auto consumer = bus.subscribe(events_topic, "hinomi-evidence-" + uniqueSuffix(start_us));
  if (!consumer) return tl::unexpected(consumer.error());
  auto partitions = bus.partitionCount(events_topic);
  const size_t partition_count = partitions ? size_t(std::max(*partitions, 0)) : SIZE_MAX;

  std::set<std::string> wanted_hosts;
  for (const auto& h : hosts) wanted_hosts.insert(lowerAscii(h));
  const int64_t end_ms = start_us / 1000 + kProducerClockLeewayMs;
  std::set<int32_t> ended;
  std::set<std::string> seen;  // ids kept: a re-sent event is kept once (its first offset)
  std::vector<Found> found;
  bool over = false;
  // Keeps the max_events first by offset; what is dropped here can never come back into them.
  auto prune = [&] {
    if (found.size() <= max_events) return;
    std::sort(found.begin(), found.end(), byOffset);
    found.resize(max_events);
    over = true;
  };

  int empties = 0, unassigned = 0;
  while (empties < 2 && ended.size() < partition_count) {
    auto batch = (*consumer)->poll(1000, kPollTimeout);
    if (!batch) return tl::unexpected(batch.error());
    if (batch->empty()) {
      // Before the group has handed out partitions an empty poll says nothing about the topic.
      if (!(*consumer)->assignment().empty()) {
        ++empties;
      } else if (++unassigned >= kMaxPollsUnassigned) {
        return makeError(ErrorCode::kUnavailable, "evidence: no partition of " + events_topic + " was assigned");
      }
      continue;
    }
    empties = 0;
    for (const auto& rec : *batch) {
      if (ended.count(rec.partition)) continue;
      if (rec.timestamp_ms > end_ms) {
        ended.insert(rec.partition);
        continue;
      }
      auto event = eventFromJson(rec.value);
      if (!event || event->tenant != tenant) continue;
      const bool wanted = event_ids.count(event->id) > 0 ||
                          (event->ts_us >= from_us && event->ts_us <= to_us && hostMatches(*event, wanted_hosts));
      if (!wanted || !seen.insert(event->id).second) continue;
      found.push_back({rec.partition, rec.offset, {event->id, event->ts_us, std::move(event->raw), rec.value}});
      if (found.size() > max_events && found.size() - max_events > max_events) prune();
    }
  }
  (*consumer)->close();
  prune();
  if (capped) *capped = over;
  std::stable_sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
    return a.event.ts_us != b.event.ts_us ? a.event.ts_us < b.event.ts_us : byOffset(a, b);
  });
  std::vector<EvidenceEvent> out;
  out.reserve(found.size());
  for (auto& f : found) out.push_back(std::move(f.event));
  return out;
}

Result<EvidenceManifest> writeEvidenceBundle(const std::string& base_dir, const std::string& case_id,
                                             const std::string& step_id, const std::vector<EvidenceEvent>& events,
                                             int64_t now_us, bool capped) {
  if (!safePathComponent(case_id))
    return makeError(ErrorCode::kInvalidArgument, "evidence: the case id '" + case_id + "' is not a safe directory name");
  if (!safePathComponent(step_id))
    return makeError(ErrorCode::kInvalidArgument, "evidence: the step id '" + step_id + "' is not a safe directory name");
  if (base_dir.empty()) return makeError(ErrorCode::kInvalidArgument, "evidence: no directory given");

  std::string lines;
  ordered_json listed = ordered_json::array();
  for (const auto& e : events) {
    ordered_json j;
    j["id"] = e.id;
    j["ts"] = formatRfc3339(e.ts_us);
    const std::string raw_hash = sha256Hex(e.raw);
    j["sha256"] = raw_hash;
    putBytes(j, "raw", e.raw);
    putBytes(j, "record", e.record);
    const std::string line = j.dump();
    lines += line;
    lines.push_back('\n');
    listed.push_back({{"id", e.id}, {"sha256", raw_hash}, {"line_sha256", sha256Hex(line)}});
  }
  const std::string bundle_hash = sha256Hex(lines);
  ordered_json manifest;
  manifest["case"] = case_id;
  manifest["step"] = step_id;
  manifest["created"] = formatRfc3339(now_us);
  manifest["count"] = events.size();
  manifest["capped"] = capped;
  manifest["bundle_sha256"] = bundle_hash;
  manifest["events"] = std::move(listed);

  const fs::path case_dir = fs::path(base_dir) / case_id;
  const fs::path target = case_dir / step_id;
  if (auto st = makeDirsSynced(case_dir); !st) return tl::unexpected(st.error());
  // What a crash in an earlier write left behind (never a complete bundle: that is `target`).
  const std::string prefix = "." + step_id + ".tmp-";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(case_dir, ec))
    if (entry.path().filename().string().rfind(prefix, 0) == 0) fs::remove_all(entry.path(), ec);

  const fs::path tmp = case_dir / (prefix + uniqueSuffix(now_us));
  if (::mkdir(tmp.c_str(), 0755) != 0) return ioError("cannot create directory", tmp.string());
  auto fail = [&](Error e) -> Result<EvidenceManifest> {
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
    return tl::unexpected(std::move(e));
  };
  if (auto st = writeFileSynced((tmp / kEventsFile).string(), lines); !st) return fail(st.error());
  if (auto st = writeFileSynced((tmp / kManifestFile).string(), manifest.dump(2) + "\n"); !st)
    return fail(st.error());
  if (auto st = syncDir(tmp.string()); !st) return fail(st.error());

  // Swap in one step: the new bundle takes the path and the old one (if any) takes tmp's, so a
  // reader sees the old bundle or the new one, never neither.
  fs::path leftover = tmp;  // where the old bundle ends up, to be removed
  bool replaced = true;
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) != 0) {
    if (errno == ENOENT) {
      replaced = false;
      if (::rename(tmp.c_str(), target.c_str()) != 0) return fail(ioError("cannot rename into", target.string()).value());
    } else if (errno == EINVAL || errno == ENOSYS) {
      // A file system without RENAME_EXCHANGE: move the old one aside first (a short gap).
      leftover = case_dir / (prefix + uniqueSuffix(now_us));
      if (::rename(target.c_str(), leftover.c_str()) != 0)
        return fail(ioError("cannot move aside", target.string()).value());
      if (::rename(tmp.c_str(), target.c_str()) != 0) {
        auto err = ioError("cannot rename into", target.string());
        (void)::rename(leftover.c_str(), target.c_str());
        return fail(err.value());
      }
    } else {
      return fail(ioError("cannot swap in", target.string()).value());
    }
  }
  if (auto st = syncDir(case_dir.string()); !st) return tl::unexpected(st.error());
  if (replaced) fs::remove_all(leftover, ec);

  EvidenceManifest m;
  m.case_id = case_id;
  m.step_id = step_id;
  m.dir = target.string();
  m.events = events.size();
  m.bundle_sha256 = bundle_hash;
  m.capped = capped;
  return m;
}

Status verifyEvidenceBundle(const std::string& dir) {
  const fs::path d(dir);
  auto manifest_text = readFile((d / kManifestFile).string());
  if (!manifest_text) return tl::unexpected(manifest_text.error());
  auto manifest = nlohmann::json::parse(*manifest_text, nullptr, /*allow_exceptions=*/false);
  if (!manifest.is_object() || !manifest.contains("events") || !manifest["events"].is_array() ||
      !manifest.contains("bundle_sha256") || !manifest["bundle_sha256"].is_string())
    return mismatch("evidence " + dir + ": manifest.json is not a bundle manifest");
  const auto& listed = manifest["events"];
  if (!manifest.contains("count") || !manifest["count"].is_number_unsigned() ||
      manifest["count"].get<size_t>() != listed.size())
    return mismatch("evidence " + dir + ": manifest.json's count differs from its list of events");
  auto text = readFile((d / kEventsFile).string());
  if (!text) return tl::unexpected(text.error());

  std::vector<std::string_view> lines;
  std::string_view rest(*text);
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) {
      lines.push_back(rest);  // a last line without its newline: the file was cut or appended to
      break;
    }
    lines.push_back(rest.substr(0, nl));
    rest.remove_prefix(nl + 1);
  }
  const size_t n = std::min(lines.size(), listed.size());
  for (size_t i = 0; i < n; ++i) {
    const auto& want = listed[i];
    const std::string want_id = stringAt(want, "id");
    const std::string name = "evidence " + dir + ": event " + std::to_string(i + 1) + " (id " + want_id + ")";
    auto line = nlohmann::json::parse(lines[i], nullptr, /*allow_exceptions=*/false);
    std::string raw;
    const std::string line_hash = stringAt(line, "sha256");
    if (line_hash.empty() || !takeBytes(line, "raw", raw))
      return mismatch(name + ": its line in events.jsonl is not a valid evidence line");
    const std::string raw_hash = sha256Hex(raw);
    if (raw_hash != line_hash)
      return mismatch(name + ": its raw bytes do not match their sha256 (recorded " + line_hash + ", now " +
                      raw_hash + ")");
    if (raw_hash != stringAt(want, "sha256")) return mismatch(name + ": its sha256 differs from the manifest's");
    if (stringAt(line, "id") != want_id) return mismatch(name + ": events.jsonl names it " + stringAt(line, "id"));
    if (want.contains("line_sha256") && sha256Hex(lines[i]) != stringAt(want, "line_sha256"))
      return mismatch(name + ": its line in events.jsonl was modified (id, time or record)");
  }
  if (lines.size() != listed.size())
    return mismatch("evidence " + dir + ": events.jsonl has " + std::to_string(lines.size()) +
                    " events, the manifest lists " + std::to_string(listed.size()));
  const std::string bundle_hash = sha256Hex(*text);
  if (bundle_hash != manifest["bundle_sha256"].get<std::string>())
    return mismatch("evidence " + dir + ": events.jsonl does not match the manifest's bundle_sha256 (recorded " +
                    manifest["bundle_sha256"].get<std::string>() + ", now " + bundle_hash + ")");
  return {};
}

}  // namespace hinomi::playbooks
