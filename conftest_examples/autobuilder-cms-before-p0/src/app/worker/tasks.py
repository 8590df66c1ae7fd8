"""Celery tasks: render sites into the shared volume, import remote assets."""
import logging
from pathlib import Path

import httpx
import requests
from jinja2 import Environment, PackageLoader, select_autoescape
from langsmith import traceable
from sqlalchemy.exc import OperationalError

from app.core.config import settings
from app.db.models import BuildRun, Site
from app.db.session import SessionLocal
from app.services.assets import download_asset
from app.services.notifier import notify_build_finished
from app.worker.celery_app import celery_app

logger = logging.getLogger(__name__)

templates = Environment(loader=PackageLoader("app", "templates"), autoescape=select_autoescape())

RETRYABLE = (httpx.HTTPError, requests.RequestException, OperationalError)


@celery_app.task(
    bind=True,
    name="sites.build",
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
@traceable(run_type="chain", name="build_site")
def build_site(self, site_id: int) -> str:
    with SessionLocal() as db:
        site = db.get(Site, site_id)
        run = db.query(BuildRun).filter(BuildRun.task_id == self.request.id).one_or_none()
        out_dir = Path(settings.UPLOAD_DIR) / "sites" / site.slug
        out_dir.mkdir(parents=True, exist_ok=True)
        template = templates.get_template(f"{site.template}.html.j2")
        for page in site.pages:
            target = out_dir / (page.path.strip("/") or "index") / "index.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(template.render(site=site, page=page), encoding="utf-8")
        site.status = "built"
        if run is not None:
            run.status = "succeeded"
        db.commit()
    notify_build_finished(site.slug, "succeeded")
    logger.info("built site %s (%d pages)", site.slug, len(site.pages))
    return site.slug


@celery_app.task(
    bind=True,
    name="assets.import_remote",
    autoretry_for=(httpx.HTTPError,),
    retry_backoff=True,
    max_retries=3,
)
def import_remote_asset(self, url: str) -> str:
    path = download_asset(url)
    logger.info("imported %s -> %s", url, path)
    return str(path)
