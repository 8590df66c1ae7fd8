import uuid
from pathlib import Path

from fastapi import APIRouter, HTTPException, UploadFile
from pydantic import BaseModel, HttpUrl

from app.api.deps import CurrentUser
from app.core.config import settings
from app.worker.tasks import import_remote_asset

router = APIRouter(prefix="/uploads", tags=["uploads"])


class RemoteAsset(BaseModel):
    url: HttpUrl


@router.post("", status_code=201)
async def upload(file: UploadFile, user: CurrentUser) -> dict[str, str]:
    data = await file.read()
    if len(data) > settings.MAX_UPLOAD_MB * 1024 * 1024:
        raise HTTPException(413, "file too large")
    # UPLOAD_DIR is the shared ReadWriteMany volume (cms-uploads) that the
    # worker reads when it renders sites.
    target = Path(settings.UPLOAD_DIR) / "assets" / f"{uuid.uuid4().hex}-{file.filename}"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return {"path": str(target.relative_to(settings.UPLOAD_DIR))}


@router.post("/remote", status_code=202)
def upload_remote(asset: RemoteAsset, user: CurrentUser) -> dict[str, str]:
    result = import_remote_asset.delay(str(asset.url))
    return {"task_id": result.id}
