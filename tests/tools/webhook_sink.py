#!/usr/bin/env python3
"""An HTTP endpoint for tests of hinomi's webhooks and chat messages: it records every request.

usage: webhook_sink.py PORTFILE OUTFILE [--fail-first N] [--status CODE] [--delay SECS]

Listens on 127.0.0.1 on a free port, which it writes to PORTFILE (atomically: a temporary file
renamed) once it accepts connections. Each request (any method) appends one JSON line to OUTFILE,
flushed and fsynced before the reply: {"method", "path", "headers": {lower-cased name: value},
"body": text, "ts": time.time(), "status": the status replied}. Duplicates are recorded as they come
(no de-duplication: tests count Idempotency-Keys themselves). The reply is CODE (default 200) with
{"ok": true|false}; with --fail-first N the first N requests overall get 503 instead.
Runs until SIGTERM or SIGINT.
"""

import argparse
import json
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def write_atomically(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)


class State:
    def __init__(self, outfile, fail_first, status, delay=0.0):
        self.delay = delay
        self.outfile = outfile
        self.fail_first = fail_first
        self.status = status
        self.seen = 0
        self.lock = threading.Lock()


def make_handler(state):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def read_body(self):
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                data = b""
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass  # trailers
                        return data
                    data += self.rfile.read(size)
                    self.rfile.readline()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length > 0 else b""

        def handle_any(self):
            body = self.read_body()
            with state.lock:
                state.seen += 1
                status = 503 if state.seen <= state.fail_first else state.status
                record = {
                    "method": self.command,
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body.decode("utf-8", errors="replace"),
                    "ts": time.time(),
                    "status": status,
                }
                with open(state.outfile, "a", encoding="utf-8") as f:
                    f.write(json.dumps(record, ensure_ascii=False) + "\n")
                    f.flush()
                    os.fsync(f.fileno())
            if state.delay > 0:
                time.sleep(state.delay)  # recorded, not yet answered: a sender killed now is in doubt
            reply = json.dumps({"ok": status < 400}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = handle_any

        def log_message(self, format, *args):
            pass  # the JSON lines are the log

    return Handler


def main():
    parser = argparse.ArgumentParser(description="Record webhook requests for tests.")
    parser.add_argument("portfile")
    parser.add_argument("outfile")
    parser.add_argument("--fail-first", type=int, default=0, help="answer the first N requests with 503")
    parser.add_argument("--status", type=int, default=200, help="the status of the other replies")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds between recording a request and replying")
    args = parser.parse_args()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    open(args.outfile, "a").close()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(State(args.outfile, args.fail_first, args.status, args.delay)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    write_atomically(args.portfile, str(server.server_address[1]))
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    server.shutdown()
    server.server_close()


if __name__ == "__main__":
    main()
