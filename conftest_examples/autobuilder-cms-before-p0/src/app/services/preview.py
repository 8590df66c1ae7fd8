"""Checks whether a generated site is reachable on the preview host."""
import logging

import requests

from app.core.config import settings

logger = logging.getLogger(__name__)


def preview_is_live(slug: str) -> bool:
    url = f"{settings.PREVIEW_BASE_URL.rstrip('/')}/{slug}/"
    try:
        response = requests.get(url, allow_redirects=True)
    except requests.RequestException:
        logger.warning("preview check failed for %s", url)
        return False
    return response.status_code == 200
