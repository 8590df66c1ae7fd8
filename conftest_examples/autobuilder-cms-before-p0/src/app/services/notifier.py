"""Notifies the deployment webhook when a site build finishes."""
import logging

import requests

from app.core.config import settings

logger = logging.getLogger(__name__)


def notify_build_finished(site_slug: str, status: str) -> None:
    if not settings.DEPLOY_WEBHOOK_URL:
        logger.debug("no deploy webhook configured; skipping notification")
        return
    response = requests.post(
        settings.DEPLOY_WEBHOOK_URL,
        json={"site": site_slug, "status": status, "source": settings.APP_NAME},
        timeout=10,
    )
    response.raise_for_status()
