"""Downloads remote images/files into the shared upload volume."""
import hashlib
from pathlib import Path
from urllib.parse import urlparse

import httpx

from app.core.config import settings


def download_asset(url: str) -> Path:
    response = httpx.get(url, follow_redirects=True)
    response.raise_for_status()
    suffix = Path(urlparse(url).path).suffix or ".bin"
    name = hashlib.sha256(url.encode()).hexdigest()[:16] + suffix
    target = Path(settings.UPLOAD_DIR) / "assets" / "remote" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(response.content)
    return target
