// UDP load generator for bench/udp_rates.sh: sends the lines of a file as datagrams to a port at a
// fixed rate (sendmmsg batches, paced against the clock) and prints how many it sent and how long
// that took. The sending side of a benchmark, not a measurement of hinomi by itself.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
  CLI::App app{"Send a file's lines as UDP datagrams at a fixed rate"};
  std::string file;
  int port = 0;
  int64_t rate = 100000, count = 200000;
  app.add_option("--file", file, "Lines to send (cycled)")->required();
  app.add_option("--port", port, "127.0.0.1 port")->required();
  app.add_option("--rate", rate, "Datagrams per second (0: as fast as possible)");
  app.add_option("--count", count, "Datagrams to send");
  CLI11_PARSE(app, argc, argv);

  std::vector<std::string> lines;
  std::ifstream in(file);
  for (std::string l; std::getline(in, l) && int64_t(lines.size()) < count;) lines.push_back(l);
  if (lines.empty()) {
    std::fprintf(stderr, "no lines in %s\n", file.c_str());
    return 1;
  }
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  int sndbuf = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(uint16_t(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) return 1;

  constexpr int kBatch = 32;
  mmsghdr msgs[kBatch];
  iovec iov[kBatch];
  const auto start = std::chrono::steady_clock::now();
  int64_t sent = 0;
  while (sent < count) {
    if (rate > 0) {  // hold back until the schedule says the next batch is due
      const auto due = start + std::chrono::nanoseconds(sent * 1'000'000'000 / rate);
      while (std::chrono::steady_clock::now() < due) std::this_thread::yield();
    }
    const int n = int(std::min<int64_t>(kBatch, count - sent));
    for (int i = 0; i < n; ++i) {
      const std::string& l = lines[size_t(sent + i) % lines.size()];
      iov[i] = {const_cast<char*>(l.data()), l.size()};
      msgs[i] = {};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    const int done = sendmmsg(fd, msgs, unsigned(n), 0);
    if (done > 0) sent += done;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%lld %.3f\n", static_cast<long long>(sent), secs);
  return 0;
}
