#pragma once
// Helpers for tests that start `hinomi run` as a child process: wait until it listens, send it a
// syslog line, read a series from /metrics, stop it cleanly.

#include <string>

#include "tests/testing/child_process.h"

namespace hinomi::testing {

struct RunPorts {
  int tcp = -1;   // the port of the listener named syslog-tcp
  int http = -1;  // -1 when hinomi did not report "hinomi running."
};

// Waits (30 s each) for the syslog-tcp listener, the HTTP server and "hinomi running." on stderr.
RunPorts waitUntilRunning(ChildProcess& p);

// Sends one RFC 3164 line over TCP with logger(1), as program `tag` at auth.info.
void sendSyslogTcp(int port, const std::string& tag, const std::string& message);

// The value of `series` (a name, with its labels if it has any: name{k="v"}) on /metrics;
// `missing` when it is not there, -1 when /metrics cannot be read.
double metricValue(int http_port, const std::string& series, double missing = -1);

// Polls metricValue until it is at least `at_least` (30 s at most).
bool waitForMetric(int http_port, const std::string& series, double at_least);

// SIGTERM, then expects a clean exit within 60 s.
void stopRun(ChildProcess& p);

}  // namespace hinomi::testing
