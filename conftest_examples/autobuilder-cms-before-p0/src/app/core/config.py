"""Application settings.

Every value comes from the process environment (Kubernetes ConfigMap ``cms-config``
and the Secrets ``db-credentials`` / ``app-secrets``; ``.env.<env>`` files locally).
Connection strings have no defaults on purpose: a missing one fails at start-up.
"""
from functools import lru_cache

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    APP_NAME: str = "auto-builder-cms"
    ENVIRONMENT: str = "local"

    # Logging: the level is read once at start-up.
    LOG_LEVEL: str = "INFO"
    LOG_DIR: str = "/app/logs"

    # Shared volume for user uploads and generated site previews.
    UPLOAD_DIR: str = "/app/uploads"
    MAX_UPLOAD_MB: int = 50

    # Backing services
    DATABASE_URL: str
    REDIS_URL: str
    CELERY_BROKER_URL: str
    CELERY_RESULT_BACKEND: str

    # Auth (JWT bearer tokens)
    JWT_SECRET_KEY: SecretStr
    JWT_ALGORITHM: str = "HS256"
    JWT_EXPIRE_MINUTES: int = 60

    # Outbound integrations
    PREVIEW_BASE_URL: str
    DEPLOY_WEBHOOK_URL: str | None = None

    CORS_ORIGINS: list[str] = []

    # Namespace the admin API manages Jobs in (downward API in Kubernetes).
    K8S_NAMESPACE: str = "default"


@lru_cache
def get_settings() -> Settings:
    return Settings()


settings = get_settings()
