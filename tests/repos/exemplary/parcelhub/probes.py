"""Exec liveness probes for the process types that have no HTTP port.

    python -m parcelhub.probes worker   # this pod's worker answers a broadcast ping
    python -m parcelhub.probes beat     # beat still holds (and refreshes) its RedBeat lock
"""

from __future__ import annotations

import socket
import sys


def worker_alive() -> bool:
    from parcelhub.worker import app

    replies = app.control.ping(destination=[f"celery@{socket.gethostname()}"], timeout=5)
    return bool(replies)


def beat_alive() -> bool:
    from redbeat.schedulers import RedBeatConfig, get_redis

    from parcelhub.worker import app

    return bool(get_redis(app).exists(RedBeatConfig(app).lock_key))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    match args:
        case ["worker"]:
            check = worker_alive
        case ["beat"]:
            check = beat_alive
        case _:
            sys.stderr.write("usage: python -m parcelhub.probes {worker|beat}\n")
            return 2
    try:
        return 0 if check() else 1
    except Exception as exc:  # a probe must answer, never hang or crash noisily
        sys.stderr.write(f"probe failed: {exc}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
