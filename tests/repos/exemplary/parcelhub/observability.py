"""Logging and OpenTelemetry set-up shared by every process type.

* Logs are JSON lines on stdout (python-json-logger). The same records are
  exported over OTLP to the namespace's OpenTelemetry Collector, which ships
  them to Loki (deploy/base/observability.yaml).
* The log level comes from LOG_LEVEL and can be changed at runtime: the API
  has PUT /v1/admin/log-level, and every process toggles DEBUG on SIGUSR2
  (`kubectl exec deploy/parcelhub-worker -- sh -c 'kill -USR2 1'`).
"""

from __future__ import annotations

import logging
import signal
import sys
import threading

from opentelemetry import trace
from opentelemetry._logs import set_logger_provider
from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from pythonjsonlogger import jsonlogger

from parcelhub.settings import Settings

_FRAMEWORK_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "celery", "alembic")

_configured_level = logging.INFO
_providers: list[TracerProvider | LoggerProvider] = []


def configure_logging(level: str) -> None:
    """Send every record, ours and the frameworks', to stdout as JSON."""
    global _configured_level
    _configured_level = logging.getLevelName(level.upper())

    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        jsonlogger.JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(_configured_level)

    # uvicorn and celery install their own text handlers; let them propagate
    # to the JSON handler instead.
    for name in _FRAMEWORK_LOGGERS:
        framework_logger = logging.getLogger(name)
        framework_logger.handlers.clear()
        framework_logger.propagate = True

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGUSR2, _toggle_debug)


def set_log_level(level: str) -> str:
    """Change the root level of this process at runtime."""
    root = logging.getLogger()
    root.setLevel(level.upper())
    return logging.getLevelName(root.level)


def _toggle_debug(signum: int, frame: object) -> None:
    root = logging.getLogger()
    root.setLevel(_configured_level if root.level == logging.DEBUG else logging.DEBUG)
    root.warning("log level changed by signal", extra={"level": logging.getLevelName(root.level)})


def setup_telemetry(settings: Settings) -> None:
    """Traces and logs over OTLP; the endpoint comes from OTEL_EXPORTER_OTLP_ENDPOINT."""
    if settings.otel_sdk_disabled or _providers:
        return
    resource = Resource.create(
        {"service.name": settings.otel_service_name, "deployment.environment": settings.environment}
    )

    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(timeout=5)))
    trace.set_tracer_provider(tracer_provider)

    logger_provider = LoggerProvider(resource=resource)
    logger_provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter(timeout=5)))
    set_logger_provider(logger_provider)
    logging.getLogger().addHandler(LoggingHandler(logger_provider=logger_provider))

    _providers.extend([tracer_provider, logger_provider])


def shutdown_telemetry() -> None:
    """Flush buffered spans and log records before the process exits."""
    while _providers:
        _providers.pop().shutdown()
