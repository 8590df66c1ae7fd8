"""Runtime configuration.

Everything comes from the environment (ConfigMap `parcelhub-config` and the
Secret `parcelhub-secrets` in Kubernetes, `environment:` in docker-compose).
Nothing here knows which environment it runs in: per-environment values live
in deploy/overlays/<env>, never in code.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    # Only a label (OpenTelemetry resource attribute); code never branches on it.
    environment: str = "local"
    log_level: str = "INFO"
    otel_service_name: str = "parcelhub"
    otel_sdk_disabled: bool = False

    # PostgreSQL. The URL carries credentials, so it comes from the Secret.
    database_url: SecretStr
    db_pool_size: int = 5
    db_connect_timeout_seconds: int = 5
    db_statement_timeout_ms: int = 15_000

    # Redis (Celery broker/results, RedBeat schedule). `sentinel://` URLs in
    # Kubernetes, plain `redis://` in docker-compose.
    celery_broker_url: str
    celery_result_backend: str
    redbeat_redis_url: str
    redis_sentinel_master: str | None = None
    redis_socket_timeout_seconds: float = 5.0

    # Carrier tracking API.
    carrier_api_base_url: str
    carrier_api_key: SecretStr
    http_timeout_seconds: float = 5.0
    http_connect_timeout_seconds: float = 2.0

    # Bearer tokens issued by our OIDC provider.
    oidc_issuer: str
    oidc_jwks_url: str
    oidc_audience: str = "parcelhub-api"

    refresh_interval_seconds: int = 900
    shipment_retention_days: int = 90


@lru_cache
def get_settings() -> Settings:
    return Settings()
