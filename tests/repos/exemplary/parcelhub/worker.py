"""Celery application: carrier polling tasks, the beat schedule and process hooks.

    worker: celery --app parcelhub.worker worker --pool threads --concurrency 16
    beat:   celery --app parcelhub.worker beat --scheduler redbeat.RedBeatScheduler

The broker and result backend are Redis behind Sentinel in Kubernetes
(RedisFailover `parcelhub-redis`), plain Redis in docker-compose. The beat
schedule and its lock live in Redis too (RedBeat), so beat keeps no local
state and a restarted pod picks up where the old one stopped.
"""

from __future__ import annotations

import atexit
import logging
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from celery import Celery, signals
from opentelemetry.instrumentation.celery import CeleryInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from sqlalchemy import select

from parcelhub.carrier import CarrierClient, CarrierUnavailable
from parcelhub.db import FINAL_STATUSES, Shipment, engine, session_scope
from parcelhub.observability import configure_logging, setup_telemetry, shutdown_telemetry
from parcelhub.settings import get_settings

settings = get_settings()
log = logging.getLogger("parcelhub.worker")


def _sentinels(url: str) -> list[tuple[str, int]]:
    """`redis-sentinel://a:26379;redis-sentinel://b:26379/2` -> [("a", 26379), ("b", 26379)]."""
    hosts = []
    for part in url.split(";"):
        parsed = urlsplit(part)
        hosts.append((parsed.hostname or "localhost", parsed.port or 26379))
    return hosts


transport_options: dict[str, object] = {
    "socket_timeout": settings.redis_socket_timeout_seconds,
    "socket_connect_timeout": settings.redis_socket_timeout_seconds,
    "visibility_timeout": 3600,
}
if settings.redis_sentinel_master:
    transport_options["master_name"] = settings.redis_sentinel_master

app = Celery("parcelhub", broker=settings.celery_broker_url, backend=settings.celery_result_backend)
app.conf.update(
    broker_transport_options=transport_options,
    result_backend_transport_options=transport_options,
    broker_connection_retry_on_startup=True,
    redis_socket_timeout=settings.redis_socket_timeout_seconds,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    task_time_limit=120,
    task_soft_time_limit=90,
    worker_prefetch_multiplier=1,
    worker_hijack_root_logger=False,
    result_expires=3600,
    beat_scheduler="redbeat.RedBeatScheduler",
    beat_max_loop_interval=30,
    redbeat_redis_url=settings.redbeat_redis_url,
    redbeat_lock_timeout=90,
    beat_schedule={
        "refresh-open-shipments": {
            "task": "parcelhub.worker.refresh_open_shipments",
            "schedule": float(settings.refresh_interval_seconds),
        },
    },
)
if settings.redis_sentinel_master:
    app.conf.redbeat_redis_options = {
        "sentinels": _sentinels(settings.redbeat_redis_url),
        "service_name": settings.redis_sentinel_master,
        "socket_timeout": settings.redis_socket_timeout_seconds,
    }

_carrier: CarrierClient | None = None


def carrier() -> CarrierClient:
    global _carrier
    if _carrier is None:
        _carrier = CarrierClient(settings)
    return _carrier


@signals.setup_logging.connect
def _configure_logging(**_: object) -> None:
    # Connecting this signal stops Celery from installing its own text logging.
    configure_logging(settings.log_level)


@signals.worker_init.connect
def _worker_init(**_: object) -> None:
    setup_telemetry(settings)
    CeleryInstrumentor().instrument()
    HTTPXClientInstrumentor().instrument()
    SQLAlchemyInstrumentor().instrument(engine=engine)
    carrier()


@signals.beat_init.connect
def _beat_init(**_: object) -> None:
    setup_telemetry(settings)
    atexit.register(shutdown_telemetry)


@signals.worker_shutdown.connect
def _worker_shutdown(**_: object) -> None:
    """Runs after the warm shutdown triggered by SIGTERM has let running tasks finish."""
    log.info("worker draining: closing carrier client, database pool and exporters")
    if _carrier is not None:
        _carrier.close()
    engine.dispose()
    shutdown_telemetry()


@app.task(
    bind=True,
    autoretry_for=(CarrierUnavailable,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def refresh_tracking(self, shipment_id: str) -> str:
    with session_scope() as session:
        shipment = session.get(Shipment, uuid.UUID(shipment_id))
        if shipment is None or shipment.is_final:
            return "skipped"
        update = carrier().tracking(shipment.carrier, shipment.tracking_number)
        shipment.status = update.status
        shipment.last_event_at = update.last_event_at
    log.info("tracking refreshed", extra={"shipment_id": shipment_id, "status": update.status})
    return update.status


@app.task
def refresh_open_shipments() -> int:
    cutoff = datetime.now(UTC) - timedelta(seconds=settings.refresh_interval_seconds)
    with session_scope() as session:
        ids = session.scalars(
            select(Shipment.id)
            .where(Shipment.status.not_in(FINAL_STATUSES), Shipment.updated_at < cutoff)
            .limit(5000)
        ).all()
    for shipment_id in ids:
        refresh_tracking.delay(str(shipment_id))
    log.info("scheduled tracking refreshes", extra={"count": len(ids)})
    return len(ids)
