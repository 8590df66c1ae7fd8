"""MCP server (port 18002) exposing CMS tools to the Auto-Builder agents.

Run with: uvicorn app.mcp_server:app --host 0.0.0.0 --port 18002
Served over Streamable HTTP at /mcp; uvicorn drains open requests on SIGTERM.
"""
import logging

from fastapi import Request
from fastapi.responses import JSONResponse
from langsmith import traceable
from mcp.server.fastmcp import FastMCP

from app.core.logging import configure_logging
from app.db.models import Site
from app.db.session import SessionLocal
from app.worker.tasks import build_site

configure_logging("web-mcp")
logger = logging.getLogger(__name__)

mcp = FastMCP("auto-builder-cms")


@mcp.custom_route("/health", methods=["GET"])
async def health(request: Request) -> JSONResponse:
    """Liveness/readiness endpoint used by the Kubernetes probes."""
    return JSONResponse({"status": "ok"})


@mcp.tool()
def list_sites(limit: int = 50) -> list[dict]:
    """List CMS sites with their build status."""
    with SessionLocal() as db:
        rows = db.query(Site).order_by(Site.updated_at.desc()).limit(limit).all()
        return [{"id": s.id, "slug": s.slug, "title": s.title, "status": s.status} for s in rows]


@mcp.tool()
def get_site(slug: str) -> dict:
    """Return a site and its pages."""
    with SessionLocal() as db:
        site = db.query(Site).filter(Site.slug == slug).one()
        return {
            "slug": site.slug,
            "title": site.title,
            "template": site.template,
            "pages": [{"path": p.path, "title": p.title} for p in site.pages],
        }


@mcp.tool()
@traceable(run_type="tool", name="mcp.trigger_build")
def trigger_build(site_id: int) -> str:
    """Queue a site build on the Celery worker and return the task id."""
    result = build_site.delay(site_id)
    logger.info("queued build for site %s: %s", site_id, result.id)
    return result.id


app = mcp.streamable_http_app()
