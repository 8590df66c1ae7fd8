"""Celery application. Start with: celery -A app.worker.celery_app worker"""
from celery import Celery

from app.core.config import settings

celery_app = Celery(
    "auto_builder_cms",
    broker=settings.CELERY_BROKER_URL,
    backend=settings.CELERY_RESULT_BACKEND,
    include=["app.worker.tasks"],
)
celery_app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
    result_expires=86400,
    task_default_queue="builds",
)

# Register signal handlers and the health-check bootstep.
from app.worker import health, signals  # noqa: E402,F401

celery_app.steps["worker"].add(health.HealthCheckServer)
