"""HTTP API: shipments, carrier labels, health, metrics and runtime log level.

Run with uvicorn (see Dockerfile CMD). On SIGTERM uvicorn stops accepting
connections, waits up to --timeout-graceful-shutdown for in-flight requests,
then runs the shutdown half of `lifespan` below.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Literal

import jwt
from fastapi import Depends, FastAPI, HTTPException, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from prometheus_client import Counter
from prometheus_fastapi_instrumentator import Instrumentator
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text
from sqlalchemy.orm import Session

from parcelhub.carrier import CarrierClient, CarrierUnavailable
from parcelhub.db import Shipment, engine, get_session
from parcelhub.observability import (
    configure_logging,
    set_log_level,
    setup_telemetry,
    shutdown_telemetry,
)
from parcelhub.settings import get_settings
from parcelhub.worker import refresh_tracking

settings = get_settings()
configure_logging(settings.log_level)
setup_telemetry(settings)
log = logging.getLogger("parcelhub.api")

SHIPMENTS_CREATED = Counter(
    "parcelhub_shipments_created_total", "Shipments registered through the API", ["carrier"]
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.carrier = CarrierClient(settings)
    app.state.jwks = jwt.PyJWKClient(settings.oidc_jwks_url, cache_keys=True, lifespan=900, timeout=5)
    log.info("api started")
    yield
    log.info("api draining: closing carrier client, database pool and exporters")
    app.state.carrier.close()
    engine.dispose()
    shutdown_telemetry()


app = FastAPI(title="parcelhub", version="1.5.0", lifespan=lifespan)
FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")
HTTPXClientInstrumentor().instrument()
SQLAlchemyInstrumentor().instrument(engine=engine)
Instrumentator(excluded_handlers=["/healthz", "/readyz", "/metrics"]).instrument(app).expose(
    app, endpoint="/metrics", include_in_schema=False
)

bearer = HTTPBearer()


def claims(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]
) -> dict:
    """Stateless auth: RS256/ES256 bearer tokens from our OIDC provider."""
    token = credentials.credentials
    try:
        signing_key = request.app.state.jwks.get_signing_key_from_jwt(token)
        return jwt.decode(
            token,
            signing_key.key,
            algorithms=["RS256", "ES256"],
            audience=settings.oidc_audience,
            issuer=settings.oidc_issuer,
        )
    except jwt.PyJWTError as exc:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "invalid or expired token", headers={"WWW-Authenticate": "Bearer"}
        ) from exc


def admin_claims(token_claims: Annotated[dict, Depends(claims)]) -> dict:
    if "parcelhub:admin" not in token_claims.get("scope", "").split():
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admin scope required")
    return token_claims


class ShipmentIn(BaseModel):
    carrier: str = Field(pattern=r"^[a-z0-9-]{2,32}$")
    tracking_number: str = Field(min_length=4, max_length=64)


class ShipmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    carrier: str
    tracking_number: str
    status: str
    last_event_at: datetime | None


class LogLevelIn(BaseModel):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"]


@app.get("/healthz", include_in_schema=False)
def healthz() -> dict:
    """Liveness: the process answers. No dependency checks here."""
    return {"status": "ok"}


@app.get("/readyz", include_in_schema=False)
def readyz(response: Response) -> dict:
    """Readiness: the database answers within its connect timeout."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        log.warning("readiness check failed: database unreachable")
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"status": "unavailable"}
    return {"status": "ready"}


@app.post("/v1/shipments", status_code=status.HTTP_201_CREATED, response_model=ShipmentOut)
def create_shipment(
    body: ShipmentIn,
    session: Annotated[Session, Depends(get_session)],
    _: Annotated[dict, Depends(claims)],
) -> Shipment:
    shipment = Shipment(carrier=body.carrier, tracking_number=body.tracking_number)
    session.add(shipment)
    session.commit()
    refresh_tracking.delay(str(shipment.id))
    SHIPMENTS_CREATED.labels(carrier=body.carrier).inc()
    return shipment


@app.get("/v1/shipments/{shipment_id}", response_model=ShipmentOut)
def get_shipment(
    shipment_id: uuid.UUID,
    session: Annotated[Session, Depends(get_session)],
    _: Annotated[dict, Depends(claims)],
) -> Shipment:
    shipment = session.get(Shipment, shipment_id)
    if shipment is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such shipment")
    return shipment


@app.get("/v1/shipments/{shipment_id}/label")
def get_label(
    shipment_id: uuid.UUID,
    request: Request,
    session: Annotated[Session, Depends(get_session)],
    _: Annotated[dict, Depends(claims)],
) -> Response:
    shipment = session.get(Shipment, shipment_id)
    if shipment is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such shipment")
    try:
        pdf = request.app.state.carrier.label_pdf(shipment.carrier, shipment.tracking_number)
    except CarrierUnavailable:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "carrier unavailable", headers={"Retry-After": "30"}
        ) from None
    return Response(content=pdf, media_type="application/pdf")


@app.put("/v1/admin/log-level")
def change_log_level(body: LogLevelIn, _: Annotated[dict, Depends(admin_claims)]) -> dict:
    """Change this replica's log level without a restart (LOG_LEVEL stays the default)."""
    level = set_log_level(body.level)
    log.warning("log level changed at runtime", extra={"level": level})
    return {"level": level}
