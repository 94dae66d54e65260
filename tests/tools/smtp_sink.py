#!/usr/bin/env python3
"""An SMTP server for tests of hinomi's e-mail: it accepts every message and writes it out.

usage: smtp_sink.py PORTFILE OUTDIR

Listens on 127.0.0.1 on a free port, which it writes to PORTFILE (atomically: a temporary file
renamed) once it accepts connections. Each message received becomes OUTDIR/<n>.json (n = 1, 2, ...,
also written atomically): {"mail_from": ..., "rcpt_tos": [...], "data": "<the raw message>"}.
Runs until SIGTERM or SIGINT. Needs aiosmtpd (Debian: python3-aiosmtpd).
"""

import json
import os
import signal
import socket
import sys
import threading

from aiosmtpd.controller import Controller


def write_atomically(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    def __init__(self, outdir):
        self.outdir = outdir
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        content = envelope.content
        if isinstance(content, bytes):
            content = content.decode("utf-8", errors="replace")
        record = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos), "data": content}
        with self.lock:
            self.count += 1
            n = self.count
        # Written before the 250 reply: once the client's send returns, the file is there.
        write_atomically(os.path.join(self.outdir, "%d.json" % n), json.dumps(record, ensure_ascii=False))
        return "250 Message accepted for delivery"


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: smtp_sink.py PORTFILE OUTDIR")
    portfile, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    # Block the stop signals before the server thread starts, so only sigwait below sees them.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    controller = None
    for _ in range(20):  # the free port may be taken between the probe and the bind: try another
        controller = Controller(Sink(outdir), hostname="127.0.0.1", port=free_port())
        try:
            controller.start()
            break
        except Exception:  # aiosmtpd raises OSError or its own start-up error
            controller = None
    if controller is None:
        sys.exit("smtp_sink: could not listen on 127.0.0.1")
    write_atomically(portfile, str(controller.port))
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


if __name__ == "__main__":
    main()
