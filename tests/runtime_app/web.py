"""A tiny web app for the runtime tests (stdlib only; started by tests/test_runtime.py, never imported).

    python web.py --port 8123 [--host 127.0.0.1] [--ignore-sigterm] [--log-file app.log]
                  [--startup-delay 4] [--pidfile pids.txt] [--tag anything]

GET /health answers 200 once started (503 during --startup-delay), anything else 404.
On SIGTERM it stops serving and exits 0, unless --ignore-sigterm.
"""

from __future__ import annotations

import argparse
import http.server
import logging
import os
import signal
import threading
import time

log = logging.getLogger("runtime-app")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ignore-sigterm", action="store_true")
    parser.add_argument("--log-file")
    parser.add_argument("--startup-delay", type=float, default=0.0)
    parser.add_argument("--pidfile")
    parser.add_argument("--tag", default="")
    args = parser.parse_args()
    if args.pidfile:
        with open(args.pidfile, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()}\n")
    if args.log_file:
        handler = logging.FileHandler(args.log_file)
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    started = time.monotonic()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            if self.path == "/health":
                ready = time.monotonic() - started >= args.startup_delay
                self.send_response(200 if ready else 503)
                self.end_headers()
                self.wfile.write(b"ok\n" if ready else b"starting\n")
            else:
                self.send_response(404)
                self.end_headers()

        def log_message(self, format, *values):  # noqa: A002
            log.info("%s " + format, self.address_string(), *values)

    server = http.server.ThreadingHTTPServer((args.host, args.port), Handler)
    if args.ignore_sigterm:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    else:
        signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    log.info("serving on %s:%s", args.host, args.port)
    try:
        server.serve_forever(poll_interval=0.05)
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
