// The responder end to end in one process: incidents published on the embedded bus's
// hinomi.incidents, taken into cases by CaseIntake, run by ResponderEngine with the real side
// effects (LiveEffects, libcurl), the first notification received by an in-process webhook
// (cpp-httplib). Two modes:
//   responder_bench [--rate 100] [--seconds 60]   incident → first notification latency at a rate
//   responder_bench --open-cases 10000            memory and disk with that many open cases
// Latency is the webhook's arrival time minus the time the incident that opened the case was
// published (one clock, one process). Every case is a new one (distinct user.name, the playbook's
// group_by) and ends waiting at an approval gate (timeout 1 h), so in --open-cases mode they all
// stay open. Prints a short summary and one JSON line; exits 1 if a case got no notification.
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <httplib.h>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/base_sink.h>

#include "common/bus/embedded_bus.h"
#include "common/logging.h"
#include "common/time.h"
#include "correlator/enrich/tenant_policy.h"
#include "correlator/incident.h"
#include "playbooks/case_intake.h"
#include "playbooks/case_store.h"
#include "playbooks/live_effects.h"
#include "playbooks/playbook_loader.h"
#include "playbooks/responder_engine.h"

namespace {

using hinomi::SystemClock;
namespace pb = hinomi::playbooks;

// Realistic shape (PB3-like), nothing that needs evidence: notify the CSIRT over the webhook first,
// escalate while nobody acknowledges, an approval gate with a containment call after it, a manual
// step and the report.
const char* kPlaybook = R"(playbook: pbbench
title: 不正アクセス・アカウント侵害 (bench)
title_en: Unauthorised access (bench)
match:
  tags: [hinomi.playbook.pbbench]
  levels: [critical, high, medium]
case:
  group_by: [user.name]
  window: 24h
contacts: [csirt, chief_security_officer, ciso]
report:
  - {id: occurred, label: 発生日時・発見者, label_en: When it happened, from: case.first_ts}
  - {id: account, label: 対象アカウント, label_en: Account, from: fields.user.name}
  - {id: source, label: 接続元, label_en: Where the logons came from, from: fields.source.ip}
  - {id: status, label: 現在の状況と講じた措置, label_en: Current status and measures taken}
steps:
  - id: notify_csirt
    phase: 連絡
    kind: notify
    to: [csirt]
    channels: [webhook]
    subject: "[{{incident.level}}] 不正アクセスの疑い: {{fields.user.name}} ← {{fields.source.ip}}"
  - id: escalate_chief
    phase: 連絡
    kind: escalate
    to: [chief_security_officer]
    then: [ciso]
  - id: approve_block
    phase: 被害拡大の防止
    kind: approval
    role: chief_security_officer
    timeout: 1h
    on_timeout: skip
  - id: block_source
    phase: 被害拡大の防止
    kind: action
    after: [approve_block]
    target: "{{fields.source.ip}}"
    http:
      method: POST
      url: "http://127.0.0.1:PORT/block"
      body: {address: "{{fields.source.ip}}", reason: "hinomi case {{case.id}}"}
    timeout: 30s
  - id: check_logons
    phase: 被害拡大の防止
    kind: manual
    text: ログオン履歴を確認する。
    text_en: Check the logon history.
  - id: report
    phase: 再発防止
    kind: report
recurrence_prevention:
  - {id: cause, label: 原因, label_en: Cause}
  - {id: fix, label: 対策, label_en: Measures}
)";

const char* kTenant = R"(tenant: benchcity
name: ベンチ市
model: none
contacts:
  - {role: csirt, name: CSIRT, email: csirt@example.lg.jp, webhook: "http://127.0.0.1:PORT/hook"}
  - {role: chief_security_officer, name: 統括, email: chief@example.lg.jp}
  - {role: ciso, name: CISO, email: ciso@example.lg.jp}
acknowledge:
  critical: {csirt: 0m, chief_security_officer: 30m, ciso: 1h}
)";

std::string withPort(std::string text, int port) {
  const std::string from = "PORT";
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at))
    text.replace(at, from.size(), std::to_string(port));
  return text;
}

// Counts what the pipeline logs at warn and above, keeping the first few lines.
class CountingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  int64_t warnings = 0, errors = 0;
  std::vector<std::string> first;

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    if (msg.level < spdlog::level::warn) return;
    (msg.level == spdlog::level::warn ? warnings : errors) += 1;
    if (first.size() < 5) first.emplace_back(msg.payload.data(), msg.payload.size());
  }
  void flush_() override {}
};

// /proc/self/status VmRSS and VmHWM, kB.
std::pair<int64_t, int64_t> rssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  int64_t rss = -1, hwm = -1;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) rss = std::atoll(line.c_str() + 6);
    if (line.rfind("VmHWM:", 0) == 0) hwm = std::atoll(line.c_str() + 6);
  }
  return {rss, hwm};
}

// What `du -s` counts (allocated blocks: RocksDB preallocates its WAL), what `du -s --apparent-size`
// counts, and the number of files; bytes.
struct Disk {
  int64_t allocated = 0, apparent = 0, files = 0;
};
Disk diskUsage(const std::string& dir) {
  Disk d;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0) continue;
    d.allocated += int64_t(st.st_blocks) * 512;
    if (S_ISREG(st.st_mode)) {
      d.apparent += int64_t(st.st_size);
      ++d.files;
    }
  }
  return d;
}

int64_t countSuffix(const std::string& dir, const std::string& suffix) {
  int64_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) ++n;
  }
  return n;
}

// CPU time this process has used, user + system, µs.
int64_t cpuUs() {
  rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  auto us = [](const timeval& t) { return int64_t(t.tv_sec) * 1000000 + t.tv_usec; };
  return us(ru.ru_utime) + us(ru.ru_stime);
}

struct Percentiles {
  double p50 = 0, p90 = 0, p99 = 0, max = 0;
  size_t n = 0;
};

// Nearest rank, in ms.
Percentiles percentiles(std::vector<int64_t> us) {
  Percentiles p;
  p.n = us.size();
  if (us.empty()) return p;
  std::sort(us.begin(), us.end());
  auto at = [&](double q) {
    size_t rank = size_t(std::ceil(q * double(us.size())));
    return double(us[std::min(us.size(), std::max<size_t>(rank, 1)) - 1]) / 1000.0;
  };
  p.p50 = at(0.50);
  p.p90 = at(0.90);
  p.p99 = at(0.99);
  p.max = double(us.back()) / 1000.0;
  return p;
}

nlohmann::json toJson(const Percentiles& p) {
  auto r = [](double v) { return std::round(v * 10.0) / 10.0; };
  return {{"p50", r(p.p50)}, {"p90", r(p.p90)}, {"p99", r(p.p99)}, {"max", r(p.max)}, {"n", p.n}};
}

void printPercentiles(const char* what, const Percentiles& p) {
  std::printf("  %-34s p50 %8.1f  p90 %8.1f  p99 %8.1f  max %8.1f ms  (n=%zu)\n", what, p.p50, p.p90, p.p99, p.max,
              p.n);
}

// What the webhook saw.
struct Receiver {
  std::mutex mu;
  std::vector<int64_t> first_us;     // per incident index: arrival of its case's first notification (0: none)
  std::vector<std::string> case_of;  // per incident index: the case id (from the Idempotency-Key)
  std::unordered_set<std::string> keys;
  int64_t requests = 0, duplicates = 0, unparsed = 0, other_steps = 0, blocks = 0;
  std::atomic<int64_t> notified{0};
  std::atomic<int64_t> last_us{0};
};

// "bench.user.000123" → 123; -1 when it is not one of ours.
int64_t indexOfUser(const std::string& user) {
  const std::string prefix = "bench.user.";
  if (user.rfind(prefix, 0) != 0) return -1;
  return std::atoll(user.c_str() + prefix.size());
}

std::string userOf(int64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "bench.user.%06lld", static_cast<long long>(i));
  return buf;
}

std::string incidentJson(int64_t i, const std::string& run, int64_t ts_us) {
  hinomi::correlator::Incident inc;
  inc.rule_id = "windows.logon_after_bruteforce";
  inc.title = "Logon success after repeated failures";
  inc.level = "critical";
  inc.tags = {"attack.credential_access", "attack.t1110", "hinomi.playbook.pbbench"};
  inc.tenant = "benchcity";
  inc.first_ts_us = inc.last_ts_us = ts_us;
  inc.event_count = 1;
  const std::string event_id = hinomi::correlator::stableUuid("bench-event\0" + run + std::to_string(i));
  inc.event_ids = {event_id};
  inc.fields["user.name"] = userOf(i);
  inc.fields["source.ip"] = "203.0.113." + std::to_string(1 + i % 250);
  inc.fields["host.name"] = "ws-" + std::to_string(100 + i % 400) + ".benchcity.lg.jp";
  inc.fields["event.code"] = "4624";
  inc.fields["event.action"] = "logon";
  inc.fields["winlog.logon.type"] = "3";
  inc.id = hinomi::correlator::incidentId(inc.rule_id, inc.tenant, inc.group, event_id);
  return hinomi::correlator::toJson(inc);
}

}  // namespace

int main(int argc, char** argv) {
  const auto rss_baseline = rssKb();
  double rate = 100;
  double seconds = 60;
  int64_t open_cases = 0;
  int workers = 4;
  int partitions = 4;
  double drain_secs = 30;
  std::string dir;
  bool keep = false;
  std::string log_level = "info";
  std::string dump;
  double idle_secs = 20;
  CLI::App app{"Responder: incident → first notification latency, and memory with many open cases"};
  app.add_option("--rate", rate, "Incidents per second (each opens a case)")->capture_default_str();
  app.add_option("--seconds", seconds, "How long to publish at --rate")->capture_default_str();
  app.add_option("--open-cases", open_cases,
                 "Memory mode: publish this many incidents as fast as the pipeline takes them, wait until all "
                 "are notified, report RSS and disk")
      ->capture_default_str();
  app.add_option("--workers", workers, "ResponderEngine workers (EngineSettings::workers)")->capture_default_str();
  app.add_option("--partitions", partitions, "Partitions of hinomi.incidents")->capture_default_str();
  app.add_option("--drain-secs", drain_secs,
                 "Fail if a case has no notification this long after publishing stopped (--open-cases: this long "
                 "without a new notification)")
      ->capture_default_str();
  app.add_option("--dir", dir, "Data directory (default: a fresh one under /tmp, removed at the end)");
  app.add_flag("--keep", keep, "Keep the data directory");
  app.add_option("--idle-secs", idle_secs,
                 "--open-cases: then sit idle this long and report the CPU the open cases cost (0: skip)")
      ->capture_default_str();
  app.add_option("--dump", dump, "Write one line per case: index, published, opened, step started, received (µs)");
  app.add_option("--log-level", log_level, "hinomi's log level (logs go to stderr)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (!hinomi::logging::setLevel(log_level)) return std::fprintf(stderr, "--log-level: unknown level\n"), 2;
  const bool memory_mode = open_cases > 0;
  const int64_t total = memory_mode ? open_cases : int64_t(std::llround(rate * seconds));
  if (total <= 0 || (!memory_mode && rate <= 0)) return std::fprintf(stderr, "nothing to publish\n"), 2;

  auto counter = std::make_shared<CountingSink>();
  for (const char* name : {"responder", "bus"}) hinomi::logging::get(name)->sinks().push_back(counter);

  const bool own_dir = dir.empty();
  if (own_dir) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "responder-bench-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) return std::perror("mkdtemp"), 1;
    dir = tmpl;
  }
  std::filesystem::create_directories(dir);
  struct RemoveDir {  // declared before everything that writes there, so it runs after they closed
    std::string dir;
    bool remove;
    ~RemoveDir() {
      std::error_code ec;
      if (remove) std::filesystem::remove_all(dir, ec);
    }
  } remove_dir{dir, own_dir && !keep};

  // The webhook.
  Receiver rx;
  rx.first_us.assign(size_t(total), 0);
  rx.case_of.assign(size_t(total), "");
  httplib::Server server;
  server.Post("/hook", [&rx](const httplib::Request& req, httplib::Response& res) {
    const int64_t now = SystemClock::instance().nowMicros();
    const std::string key = req.get_header_value("Idempotency-Key");
    int64_t i = -1;
    std::string step;
    auto j = nlohmann::json::parse(req.body, nullptr, false);
    if (!j.is_discarded()) {
      i = indexOfUser(j.value(nlohmann::json::json_pointer("/case/group/user.name"), std::string()));
      step = j.value(nlohmann::json::json_pointer("/step/id"), std::string());
    }
    {
      std::lock_guard<std::mutex> lock(rx.mu);
      ++rx.requests;
      if (!rx.keys.insert(key).second) ++rx.duplicates;
      if (i < 0 || i >= int64_t(rx.first_us.size())) {
        ++rx.unparsed;
      } else if (step != "notify_csirt") {
        ++rx.other_steps;
      } else if (rx.first_us[size_t(i)] == 0) {
        rx.first_us[size_t(i)] = now;
        rx.case_of[size_t(i)] = key.substr(0, key.find(':'));
        rx.notified.fetch_add(1);
        rx.last_us.store(now);
      }
    }
    res.set_content("{\"ok\":true}", "application/json");
  });
  server.Post("/block", [&rx](const httplib::Request&, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(rx.mu);
    ++rx.blocks;
    res.set_content("{\"ok\":true}", "application/json");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) return std::fprintf(stderr, "cannot bind the webhook receiver\n"), 1;
  std::thread server_thread([&server] { server.listen_after_bind(); });
  struct StopServer {  // on every way out, so that no joinable thread is left behind
    httplib::Server& server;
    std::thread& thread;
    ~StopServer() {
      server.stop();
      if (thread.joinable()) thread.join();
    }
  } stop_server{server, server_thread};

  // Playbook, tenant, bus, store, effects, engine, intake: as playbooks/responder.cc wires them.
  auto plays = std::make_shared<pb::PlaybookLoad>(pb::readPlaybookText(withPort(kPlaybook, port), "pbbench.yaml"));
  for (const auto& e : plays->errors) std::fprintf(stderr, "%s\n", e.toString().c_str());
  if (!plays->ok() || plays->playbooks.size() != 1) return 1;
  hinomi::correlator::TenantPolicyLoader loader;
  loader.addText(withPort(kTenant, port), "benchcity.yaml");
  auto tload = std::move(loader).finish();
  if (!tload.ok()) return std::fprintf(stderr, "%s\n", tload.errorText().c_str()), 1;
  auto tenants = std::make_shared<const hinomi::correlator::TenantPolicies>(std::move(tload.policies));

  hinomi::bus::EmbeddedBusOptions bus_options;  // hinomi run's defaults (fsync interval, 1 s)
  bus_options.path = dir + "/bus";
  auto bus = hinomi::bus::EmbeddedBus::open(bus_options);
  if (!bus) return std::fprintf(stderr, "%s\n", bus.error().toString().c_str()), 1;
  const std::string topic = "hinomi.incidents";
  if (auto st = (*bus)->ensureTopic(topic, partitions); !st)
    return std::fprintf(stderr, "%s\n", st.error().toString().c_str()), 1;
  auto store = pb::CaseStore::open(dir + "/responder");
  if (!store) return std::fprintf(stderr, "%s\n", store.error().message.c_str()), 1;
  pb::LiveEffectsOptions effects_options;
  effects_options.bus = bus->get();
  effects_options.evidence_dir = dir + "/evidence";
  pb::LiveEffects effects(effects_options);
  pb::EngineSettings settings;
  settings.workers = workers;
  settings.report_dir = dir + "/reports";
  pb::ResponderEngine engine(**store, plays, tenants, effects, SystemClock::instance(), settings);
  if (auto st = engine.start(); !st) return std::fprintf(stderr, "%s\n", st.error().toString().c_str()), 1;
  pb::CaseIntakeOptions intake_options;
  intake_options.incidents_topic = topic;
  intake_options.on_case = [&engine](const std::string& id) { engine.wake(id); };
  auto intake = pb::CaseIntake::start(**bus, intake_options, **store, plays);
  if (!intake) return std::fprintf(stderr, "%s\n", intake.error().toString().c_str()), 1;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the intake's consumer has joined
  const auto rss_idle = rssKb();
  double empty_cpu_pct = -1;  // the same idle cost with no case, for comparison
  if (memory_mode && idle_secs > 0) {
    const int64_t cpu0 = cpuUs();
    const auto w0 = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(std::min(idle_secs, 10.0)));
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    empty_cpu_pct = double(cpuUs() - cpu0) / 1e6 / wall * 100.0;
  }

  const std::string run = std::to_string(SystemClock::instance().nowMicros());
  std::printf("responder_bench: %s, %lld incidents, workers=%d, partitions=%d, %u CPUs, dir=%s\n",
              memory_mode ? "open-cases mode" : "rate mode", static_cast<long long>(total), workers, partitions,
              std::thread::hardware_concurrency(), dir.c_str());
  if (!memory_mode) std::printf("  rate %.1f/s for %.1f s\n", rate, seconds);

  // Prepared up front so that the publisher measures the pipeline, not JSON writing. Event times
  // are "now" (the case window is event time; these are fresh incidents).
  std::vector<std::string> values(static_cast<size_t>(total)), keys(static_cast<size_t>(total));
  {
    const int64_t now = SystemClock::instance().nowMicros();
    for (int64_t i = 0; i < total; ++i) {
      values[size_t(i)] = incidentJson(i, run, now + i);
      keys[size_t(i)] = nlohmann::json::parse(values[size_t(i)])["id"].get<std::string>();
    }
  }

  std::vector<int64_t> sent_us(static_cast<size_t>(total), 0);
  std::atomic<int64_t> delivered{0}, failed{0};
  int64_t queue_full = 0;
  int64_t max_behind_us = 0;
  auto on_delivery = [&](const hinomi::bus::Delivery& d) {
    (d.outcome == hinomi::bus::DeliveryOutcome::kDelivered ? delivered : failed).fetch_add(1);
  };
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t t0_us = SystemClock::instance().nowMicros();
  const auto period = std::chrono::duration<double>(memory_mode ? 0.0 : 1.0 / rate);
  for (int64_t i = 0; i < total; ++i) {
    if (!memory_mode) {
      auto due = t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(period * double(i));
      auto now = std::chrono::steady_clock::now();
      if (due > now) std::this_thread::sleep_until(due);
      else max_behind_us = std::max<int64_t>(
               max_behind_us, std::chrono::duration_cast<std::chrono::microseconds>(now - due).count());
    }
    for (;;) {
      sent_us[size_t(i)] = SystemClock::instance().nowMicros();
      auto st = (*bus)->publish(topic, keys[size_t(i)], values[size_t(i)], on_delivery);
      if (st) break;
      if (st.error().code != hinomi::ErrorCode::kUnavailable)
        return std::fprintf(stderr, "%s\n", st.error().toString().c_str()), 1;
      ++queue_full;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  const double publish_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const int64_t notified_at_end_of_publishing = rx.notified.load();

  // Wait for every case's first notification.
  bool all = false;
  {
    int64_t last_seen = -1;
    auto last_progress = std::chrono::steady_clock::now();
    const auto hard_end = std::chrono::steady_clock::now() + std::chrono::duration<double>(drain_secs);
    for (;;) {
      const int64_t n = rx.notified.load();
      if (n >= total) {
        all = true;
        break;
      }
      auto now = std::chrono::steady_clock::now();
      if (n != last_seen) {
        last_seen = n;
        last_progress = now;
      }
      if (memory_mode ? now - last_progress > std::chrono::duration<double>(drain_secs) : now > hard_end) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  const int64_t all_notified_us = rx.last_us.load();
  const int64_t notified = rx.notified.load();

  // Settled: every case has also written its report (the step after the notification); then
  // the cases all wait at the gate (and the escalation and manual steps).
  const auto settle_start = std::chrono::steady_clock::now();
  int64_t reports = 0;
  for (;;) {
    reports = countSuffix(settings.report_dir, ".en.json");
    if (reports >= notified || std::chrono::steady_clock::now() - settle_start > std::chrono::seconds(120)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  const double settle_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - settle_start).count();
  const auto rss_end = rssKb();
  const auto disk_bus = diskUsage(dir + "/bus");
  const auto disk_store = diskUsage(dir + "/responder");
  const auto disk_reports = diskUsage(settings.report_dir);
  // With every case waiting (gate, escalation, manual step) nothing should be happening: what the
  // engine still spends (its loop over the due times, the case gauges counted from the store every
  // 10 s) is the cost of keeping the cases open.
  double idle_cpu_pct = -1;
  std::pair<int64_t, int64_t> rss_after_idle{-1, -1};
  if (memory_mode && idle_secs > 0) {
    const int64_t cpu0 = cpuUs();
    const auto w0 = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(idle_secs));
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    idle_cpu_pct = double(cpuUs() - cpu0) / 1e6 / wall * 100.0;
    rss_after_idle = rssKb();
  }

  (*intake)->stop();
  engine.stop();
  server.stop();
  if (server_thread.joinable()) server_thread.join();

  // Latency and where it went: publish → opened (bus + intake), opened → the notify step started
  // (waiting for a worker), started → received (the engine's writes before it, and the HTTP call).
  std::vector<int64_t> lat, to_open, to_start, to_send;
  int64_t missing_records = 0;
  std::ofstream dump_out;
  if (!dump.empty()) dump_out.open(dump);
  for (int64_t i = 0; i < total; ++i) {
    const int64_t got = rx.first_us[size_t(i)];
    if (got == 0) {
      if (dump_out) dump_out << i << ' ' << sent_us[size_t(i)] << " 0 0 0\n";
      continue;
    }
    lat.push_back(got - sent_us[size_t(i)]);
    auto c = (*store)->get(rx.case_of[size_t(i)]);
    if (!c || !*c) {
      ++missing_records;
      continue;
    }
    const auto& k = **c;
    to_open.push_back(k.opened_us - sent_us[size_t(i)]);
    auto it = k.steps.find("notify_csirt");
    const int64_t started = it != k.steps.end() ? it->second.started_us : 0;
    if (started > 0) {
      to_start.push_back(started - k.opened_us);
      to_send.push_back(got - started);
    }
    if (dump_out) dump_out << i << ' ' << sent_us[size_t(i)] << ' ' << k.opened_us << ' ' << started << ' ' << got << '\n';
  }
  const Percentiles p = percentiles(lat);
  const Percentiles p_open = percentiles(to_open), p_start = percentiles(to_start), p_send = percentiles(to_send);
  const double take_secs = all_notified_us > 0 ? double(all_notified_us - t0_us) / 1e6 : 0;
  // Rate mode: the rate the publisher held. Open-cases mode: the rate the pipeline took them at
  // (publishing 10k onto the bus's queue takes milliseconds and says nothing).
  const double achieved = memory_mode ? (take_secs > 0 ? double(notified) / take_secs : 0) : double(total) / publish_secs;

  if (memory_mode)
    std::printf("  pipeline took %lld cases to their first notification in %.2f s = %.1f cases/s\n",
                static_cast<long long>(notified), take_secs, achieved);
  std::printf("  published %lld in %.2f s = %.1f incidents/s (bus delivered %lld, failed %lld, queue full %lld, "
              "publisher behind schedule at most %.1f ms)\n",
              static_cast<long long>(total), publish_secs, double(total) / publish_secs, static_cast<long long>(delivered.load()),
              static_cast<long long>(failed.load()), static_cast<long long>(queue_full), double(max_behind_us) / 1e3);
  const int64_t notified_late = rx.notified.load() - notified;  // after the deadline, before the receiver stopped
  std::printf("  cases notified %lld of %lld (%lld when publishing stopped, %lld only after the deadline); last at "
              "+%.2f s after the first publish\n",
              static_cast<long long>(notified), static_cast<long long>(total),
              static_cast<long long>(notified_at_end_of_publishing), static_cast<long long>(notified_late), take_secs);
  printPercentiles("incident → first notification", p);
  printPercentiles("  publish → case opened (intake)", p_open);
  printPercentiles("  opened → notify step started", p_start);
  printPercentiles("  step started → webhook received", p_send);
  std::printf("  webhook requests %lld (duplicate keys %lld, other steps %lld, unparsed %lld); reports written %lld "
              "(settled %.1f s after the last notification)\n",
              static_cast<long long>(rx.requests), static_cast<long long>(rx.duplicates),
              static_cast<long long>(rx.other_steps), static_cast<long long>(rx.unparsed),
              static_cast<long long>(reports), settle_secs);
  std::printf("  RSS: baseline %.1f MiB, pipeline idle %.1f MiB, end %.1f MiB (peak %.1f MiB)\n",
              double(rss_baseline.first) / 1024, double(rss_idle.first) / 1024, double(rss_end.first) / 1024,
              double(rss_end.second) / 1024);
  if (idle_cpu_pct >= 0)
    std::printf("  idle %.0f s with %lld open cases: %.1f%% of one core (%.1f%% with none); RSS then %.1f MiB\n",
                idle_secs, static_cast<long long>(notified), idle_cpu_pct, empty_cpu_pct,
                double(rss_after_idle.first) / 1024);
  auto mib = [](int64_t b) { return double(b) / 1048576; };
  std::printf("  disk (du / apparent): bus %.1f / %.1f MiB, case store %.1f / %.1f MiB, reports %.1f / %.1f MiB "
              "(%lld files)\n",
              mib(disk_bus.allocated), mib(disk_bus.apparent), mib(disk_store.allocated), mib(disk_store.apparent),
              mib(disk_reports.allocated), mib(disk_reports.apparent), static_cast<long long>(disk_reports.files));
  std::printf("  log: %lld warnings, %lld errors\n", static_cast<long long>(counter->warnings),
              static_cast<long long>(counter->errors));
  for (const auto& line : counter->first) std::printf("    %s\n", line.c_str());
  if (!all)
    std::printf("  FAIL: %lld case(s) got no notification in time (latencies above include the %lld late ones)\n",
                static_cast<long long>(total - notified), static_cast<long long>(notified_late));
  else if (!memory_mode)
    std::printf("  target p99 < 1 s: %s\n", p.p99 < 1000.0 ? "met" : "MISSED");

  nlohmann::json out = {
      {"bench", "responder"},
      {"mode", memory_mode ? "open_cases" : "rate"},
      {"cpus", std::thread::hardware_concurrency()},
      {"workers", workers},
      {"partitions", partitions},
      {"rate", memory_mode ? 0.0 : rate},
      {"seconds", memory_mode ? 0.0 : seconds},
      {"published", total},
      {"achieved_rate", std::round(achieved * 10) / 10},
      {"notified", notified},
      {"notified_when_publishing_stopped", notified_at_end_of_publishing},
      {"notified_late", notified_late},
      {"take_all_s", std::round(take_secs * 100) / 100},
      {"latency_ms", toJson(p)},
      {"publish_to_opened_ms", toJson(p_open)},
      {"opened_to_step_started_ms", toJson(p_start)},
      {"step_started_to_received_ms", toJson(p_send)},
      {"webhook_requests", rx.requests},
      {"duplicate_keys", rx.duplicates},
      {"reports_written", reports},
      {"rss_kb", {{"baseline", rss_baseline.first}, {"idle", rss_idle.first}, {"end", rss_end.first},
                  {"hwm", rss_end.second},
                  {"after_idle", rss_after_idle.first < 0 ? nlohmann::json() : nlohmann::json(rss_after_idle.first)}}},
      {"idle_cpu_pct", idle_cpu_pct < 0 ? nlohmann::json() : nlohmann::json(std::round(idle_cpu_pct * 10) / 10)},
      {"idle_cpu_pct_no_cases",
       empty_cpu_pct < 0 ? nlohmann::json() : nlohmann::json(std::round(empty_cpu_pct * 10) / 10)},
      {"disk_bytes", {{"bus", disk_bus.allocated}, {"case_store", disk_store.allocated},
                      {"reports", disk_reports.allocated}}},
      {"disk_apparent_bytes", {{"bus", disk_bus.apparent}, {"case_store", disk_store.apparent},
                               {"reports", disk_reports.apparent}}},
      {"log_warnings", counter->warnings},
      {"log_errors", counter->errors},
      {"missing_records", missing_records},
      {"ok", all}};
  std::printf("%s\n", out.dump().c_str());

  intake->reset();
  store->reset();
  bus->reset();
  return all ? 0 : 1;
}
