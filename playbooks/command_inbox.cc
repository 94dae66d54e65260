#include "playbooks/command_inbox.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "common/logging.h"
#include "common/time.h"

namespace hinomi::playbooks {
namespace fs = std::filesystem;
namespace {

constexpr const char* kCommandSuffix = ".cmd.json";
constexpr const char* kReplySuffix = ".reply.json";

Status writeFileAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return makeError(ErrorCode::kIo, "cannot write " + tmp);
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return makeError(ErrorCode::kIo, "cannot rename " + tmp + ": " + ec.message());
  return {};
}

Status ensureDir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return makeError(ErrorCode::kIo, "cannot create " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  return {};
}

}  // namespace

Result<std::string> submitCommand(const std::string& dir, const CaseCommand& command) {
  if (auto st = ensureDir(dir); !st) return tl::unexpected(st.error());
  // Names sort in submission order: time first, then a random part against collisions.
  std::random_device rd;
  char name[64];
  std::snprintf(name, sizeof name, "%020lld-%08x", static_cast<long long>(SystemClock::instance().nowMicros()), rd());
  if (auto st = writeFileAtomically(dir + "/" + name + kCommandSuffix, command.toJson().dump()); !st)
    return tl::unexpected(st.error());
  return std::string(name);
}

Result<nlohmann::json> awaitReply(const std::string& dir, const std::string& name, std::chrono::milliseconds timeout) {
  const std::string path = dir + "/" + name + kReplySuffix;
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      in.close();
      std::error_code ec;
      fs::remove(path, ec);
      auto j = nlohmann::json::parse(ss.str(), nullptr, false);
      if (j.is_discarded()) return makeError(ErrorCode::kIo, "the responder's reply is not JSON");
      return j;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return makeError(ErrorCode::kUnavailable,
                   "no reply from a running hinomi within " + std::to_string(timeout.count() / 1000) +
                       " s; the command stays queued in " + dir + " and is applied when the responder runs");
}

size_t applyCommands(const std::string& dir, ResponderEngine& engine) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return 0;
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string file = entry.path().filename().string();
    if (file.size() > std::char_traits<char>::length(kCommandSuffix) &&
        file.compare(file.size() - std::char_traits<char>::length(kCommandSuffix), std::string::npos, kCommandSuffix) == 0)
      names.push_back(file.substr(0, file.size() - std::char_traits<char>::length(kCommandSuffix)));
  }
  std::sort(names.begin(), names.end());
  auto log = logging::get("responder");
  for (const auto& name : names) {
    const std::string path = dir + "/" + name + kCommandSuffix;
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    in.close();
    nlohmann::json reply;
    auto j = nlohmann::json::parse(ss.str(), nullptr, false);
    auto cmd = j.is_discarded() ? Result<CaseCommand>(makeError(ErrorCode::kInvalidArgument, "the command is not JSON"))
                                : CaseCommand::fromJson(j);
    if (!cmd) {
      reply = {{"ok", false}, {"error", cmd.error().message}};
    } else {
      auto applied = engine.apply(*cmd);
      if (applied) reply = {{"ok", true}, {"case", applied->toJson()}};
      else reply = {{"ok", false}, {"error", applied.error().message}};
    }
    if (auto st = writeFileAtomically(dir + "/" + name + kReplySuffix, reply.dump()); !st)
      log->warn("Cannot write a command's reply. error={}", st.error().message);
    fs::remove(path, ec);
  }
  return names.size();
}

}  // namespace hinomi::playbooks
