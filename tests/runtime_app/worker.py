"""A tiny queue-worker stand-in for the runtime tests (stdlib only; never imported).

    python worker.py [--ignore-sigterm] [--pidfile pids.txt] [--tag anything]

Loops until SIGTERM, then finishes its current "job" and exits 0 (unless --ignore-sigterm).
"""

from __future__ import annotations

import argparse
import os
import signal
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ignore-sigterm", action="store_true")
    parser.add_argument("--pidfile")
    parser.add_argument("--tag", default="")
    args = parser.parse_args()
    if args.pidfile:
        with open(args.pidfile, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()}\n")
    stopping = []
    signal.signal(signal.SIGTERM, signal.SIG_IGN if args.ignore_sigterm else (lambda *_: stopping.append(True)))
    while not stopping:
        time.sleep(0.05)  # one "job"


if __name__ == "__main__":
    main()
