"""Celery worker lifecycle hooks."""
import logging

from celery.signals import setup_logging, worker_ready, worker_shutdown

from app.core.logging import configure_logging
from app.db.session import engine

logger = logging.getLogger(__name__)


@setup_logging.connect
def on_setup_logging(**kwargs) -> None:
    configure_logging("celery-worker")


@worker_ready.connect
def on_worker_ready(sender=None, **kwargs) -> None:
    logger.info("celery worker ready: %s", sender.hostname if sender else "?")


@worker_shutdown.connect
def on_worker_shutdown(sender=None, **kwargs) -> None:
    # Warm shutdown (SIGTERM) lets running tasks finish first; acks_late puts
    # unfinished ones back on the queue. Release the DB pool last.
    logger.info("celery worker shutting down, disposing database pool")
    engine.dispose()
