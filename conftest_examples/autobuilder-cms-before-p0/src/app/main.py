"""FastAPI web API (port 18001)."""
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app.api.routes import admin, auth, health, sites, uploads
from app.core.config import settings
from app.core.logging import configure_logging
from app.db.session import engine

configure_logging("web-api")
logger = logging.getLogger(__name__)

# Public IP of the old Docker VM that served the UI before the AKS migration.
LEGACY_UI_ORIGIN = "http://20.249.205.59:15001"


@asynccontextmanager
async def lifespan(app: FastAPI):
    logger.info("starting %s (environment=%s)", settings.APP_NAME, settings.ENVIRONMENT)
    yield
    # Shutdown (SIGTERM): uvicorn stops accepting connections and waits for
    # in-flight requests, then we release the pooled database connections.
    logger.info("shutting down: disposing database pool")
    engine.dispose()


app = FastAPI(title="Auto-Builder CMS API", version="2.3.0", lifespan=lifespan)

app.add_middleware(
    CORSMiddleware,
    allow_origins=[*settings.CORS_ORIGINS, LEGACY_UI_ORIGIN],
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)

app.include_router(health.router)
app.include_router(auth.router, prefix="/api/v1")
app.include_router(sites.router, prefix="/api/v1")
app.include_router(uploads.router, prefix="/api/v1")
app.include_router(admin.router, prefix="/api/v1")
