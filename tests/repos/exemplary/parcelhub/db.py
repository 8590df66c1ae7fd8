"""PostgreSQL access (SQLAlchemy 2.0 + psycopg 3)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import DateTime, String, UniqueConstraint, create_engine, func
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from parcelhub.settings import get_settings

_settings = get_settings()

engine = create_engine(
    _settings.database_url.get_secret_value(),
    pool_size=_settings.db_pool_size,
    max_overflow=5,
    pool_pre_ping=True,
    pool_timeout=10,
    pool_recycle=1800,
    connect_args={
        "connect_timeout": _settings.db_connect_timeout_seconds,
        "options": f"-c statement_timeout={_settings.db_statement_timeout_ms}",
        "application_name": _settings.otel_service_name,
    },
)
SessionLocal = sessionmaker(engine, expire_on_commit=False)

FINAL_STATUSES = frozenset({"delivered", "returned", "cancelled"})


class Base(DeclarativeBase):
    pass


class Shipment(Base):
    __tablename__ = "shipments"
    __table_args__ = (UniqueConstraint("carrier", "tracking_number"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    carrier: Mapped[str] = mapped_column(String(32))
    tracking_number: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32), default="registered")
    last_event_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


def get_session() -> Iterator[Session]:
    """FastAPI dependency: one session per request."""
    with SessionLocal() as session:
        yield session


@contextmanager
def session_scope() -> Iterator[Session]:
    """A transaction for tasks and admin commands."""
    with SessionLocal.begin() as session:
        yield session
