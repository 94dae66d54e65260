#include "playbooks/effects/program_run.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace hinomi::playbooks::effects {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kKillAfter = std::chrono::seconds(2);
constexpr auto kLeftoverGrace = std::chrono::milliseconds(500);

std::string errnoText(int e) { return std::error_code(e, std::generic_category()).message(); }

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// posix_spawn's attributes and file actions, destroyed on every path out.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

bool validEnvName(const std::string& name) {
  return !name.empty() && name.find_first_of(std::string_view("=\0", 2)) == std::string::npos;
}

bool hasNul(const std::string& s) { return s.find('\0') != std::string::npos; }

// A path that cannot run says why in words an operator can act on (posix_spawn's errno alone
// would say "Permission denied" for a file without its x bit).
Status checkRunnable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return makeError(ErrorCode::kUnavailable, "cannot run " + path + ": " + errnoText(errno));
  }
  if (S_ISDIR(st.st_mode)) return makeError(ErrorCode::kUnavailable, "cannot run " + path + ": it is a directory");
  if (::access(path.c_str(), X_OK) != 0) {
    return makeError(ErrorCode::kUnavailable, "cannot run " + path + ": not executable (" + errnoText(errno) + ")");
  }
  return {};
}

int openPidFd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  return -1;
#endif
}

}  // namespace

Result<ProgramResult> runProgram(const ProgramRequest& request) {
  if (request.argv.empty()) return makeError(ErrorCode::kInvalidArgument, "a program needs an argv");
  const std::string& path = request.argv[0];
  if (path.empty() || path[0] != '/') {
    return makeError(ErrorCode::kInvalidArgument, "the program '" + path + "' is not an absolute path");
  }
  if (std::any_of(request.argv.begin(), request.argv.end(), hasNul)) {
    return makeError(ErrorCode::kInvalidArgument, "an argument of " + path + " holds a NUL byte");
  }
  std::vector<std::string> env;
  bool own_path = false;
  for (const auto& [name, value] : request.env) {
    if (!validEnvName(name) || hasNul(value)) {
      return makeError(ErrorCode::kInvalidArgument, "bad environment variable '" + name + "' for " + path);
    }
    own_path = own_path || name == "PATH";
    env.push_back(name + "=" + value);
  }
  if (!own_path) env.insert(env.begin(), std::string("PATH=") + kProgramPath);
  if (auto ok = checkRunnable(path); !ok) return tl::unexpected(ok.error());

  std::vector<char*> argv_ptrs, env_ptrs;
  for (const auto& a : request.argv) argv_ptrs.push_back(const_cast<char*>(a.c_str()));
  argv_ptrs.push_back(nullptr);
  for (const auto& e : env) env_ptrs.push_back(const_cast<char*>(e.c_str()));
  env_ptrs.push_back(nullptr);

  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return makeError(ErrorCode::kUnavailable, "pipe: " + errnoText(errno));
  Fd out_r(out_pipe[0]), out_w(out_pipe[1]);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) return makeError(ErrorCode::kUnavailable, "pipe: " + errnoText(errno));
  Fd err_r(err_pipe[0]), err_w(err_pipe[1]);

  pid_t pid = -1;
  const auto start = Clock::now();
  {
    SpawnSetup spawn;
    posix_spawn_file_actions_addopen(&spawn.actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&spawn.actions, out_w.get(), 1);
    posix_spawn_file_actions_adddup2(&spawn.actions, err_w.get(), 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    // Descriptors another thread opened without O_CLOEXEC do not leak into the program either.
    posix_spawn_file_actions_addclosefrom_np(&spawn.actions, 3);
#endif
    // Its own process group (so a timeout ends everything it started), no blocked signals and
    // default dispositions (hinomi's signal thread blocks SIGTERM; a program must not inherit that).
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setflags(&spawn.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&spawn.attr, 0);
    posix_spawnattr_setsigmask(&spawn.attr, &none);
    posix_spawnattr_setsigdefault(&spawn.attr, &all);
    int rc = ::posix_spawn(&pid, path.c_str(), &spawn.actions, &spawn.attr, argv_ptrs.data(), env_ptrs.data());
    if (rc != 0) return makeError(ErrorCode::kUnavailable, "cannot run " + path + ": " + errnoText(rc));
  }
  out_w.reset();
  err_w.reset();

  ProgramResult result;
  Fd pidfd(openPidFd(pid));
  const auto deadline = start + request.timeout;
  bool exited = false, killed = false, reaped = false;
  int status = 0;
  Clock::time_point exited_at, kill_at, killed_at;
  char buf[65536];

  auto readInto = [&](Fd& fd, std::string& into) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n > 0) {
      size_t room = request.max_output > into.size() ? request.max_output - into.size() : 0;
      into.append(buf, std::min(room, static_cast<size_t>(n)));
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
      fd.reset();
    }
  };

  while (true) {
    if (!exited) {
      pid_t r = ::waitpid(pid, &status, WNOHANG);
      if (r == pid || (r < 0 && errno == ECHILD)) {  // ECHILD: reaped elsewhere (SIGCHLD ignored)
        exited = true;
        reaped = r == pid;
        exited_at = Clock::now();
        pidfd.reset();
      }
    }
    const bool pipes_open = out_r.valid() || err_r.valid();
    const auto now = Clock::now();
    if (exited && !pipes_open) break;
    // Something it left behind holds the pipes: stop reading once the program is done with.
    if (exited && !result.timed_out && now >= exited_at + kLeftoverGrace) break;
    if (exited && killed && now >= killed_at + kLeftoverGrace) break;
    if (!exited && !result.timed_out && now >= deadline) {
      result.timed_out = true;
      ::kill(-pid, SIGTERM);
      kill_at = now + kKillAfter;
    }
    if (result.timed_out && !killed && now >= kill_at) {
      // The group is alive while it is unreaped or a member holds the pipes, so -pid is still it.
      ::kill(-pid, SIGKILL);
      killed = true;
      killed_at = now;
    }

    Clock::time_point wake = Clock::time_point::max();
    if (!exited && !result.timed_out) wake = std::min(wake, deadline);
    if (result.timed_out && !killed) wake = std::min(wake, kill_at);
    if (exited && !result.timed_out) wake = std::min(wake, exited_at + kLeftoverGrace);
    if (killed) wake = std::min(wake, killed_at + kLeftoverGrace);
    if (!exited && !pidfd.valid()) wake = std::min(wake, now + std::chrono::milliseconds(20));
    int timeout_ms = -1;
    if (wake != Clock::time_point::max()) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(wake - now).count();
      timeout_ms = static_cast<int>(std::clamp<int64_t>(left, 0, 60'000));
    }

    pollfd fds[3];
    nfds_t n = 0;
    int out_at = -1, err_at = -1;
    if (out_r.valid()) { out_at = static_cast<int>(n); fds[n++] = {out_r.get(), POLLIN, 0}; }
    if (err_r.valid()) { err_at = static_cast<int>(n); fds[n++] = {err_r.get(), POLLIN, 0}; }
    if (!exited && pidfd.valid()) fds[n++] = {pidfd.get(), POLLIN, 0};
    int ready = ::poll(fds, n, timeout_ms);
    if (ready <= 0) continue;  // timeout or EINTR: the checks above run again
    if (out_at >= 0 && fds[out_at].revents != 0) readInto(out_r, result.out);
    if (err_at >= 0 && fds[err_at].revents != 0) readInto(err_r, result.err);
  }

  result.duration_us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
  if (reaped && WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (reaped && WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  return result;
}

}  // namespace hinomi::playbooks::effects
