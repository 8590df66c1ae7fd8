"""Logging set-up shared by every process type (api, worker, mcp, scripts).

Logs go to stdout and, in addition, to a rotating file under LOG_DIR. In
Kubernetes LOG_DIR is the ``cms-logs`` PersistentVolumeClaim, one file per pod.
"""
import logging
import socket
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

from app.core.config import settings

LOG_FORMAT = "%(asctime)s | %(levelname)-8s | %(process)d | %(name)s | %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


def configure_logging(service: str) -> None:
    level = settings.LOG_LEVEL.upper()
    formatter = logging.Formatter(LOG_FORMAT, datefmt=DATE_FORMAT)

    stream_handler = logging.StreamHandler(sys.stdout)
    stream_handler.setFormatter(formatter)

    log_dir = Path(settings.LOG_DIR)
    log_dir.mkdir(parents=True, exist_ok=True)
    file_handler = RotatingFileHandler(
        log_dir / f"{service}-{socket.gethostname()}.log",
        maxBytes=10 * 1024 * 1024,
        backupCount=5,
        encoding="utf-8",
    )
    file_handler.setFormatter(formatter)

    root = logging.getLogger()
    root.handlers.clear()
    root.setLevel(level)
    root.addHandler(stream_handler)
    root.addHandler(file_handler)

    # Let uvicorn and celery loggers propagate to the root handlers above.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "celery"):
        lib_logger = logging.getLogger(name)
        lib_logger.handlers.clear()
        lib_logger.propagate = True
