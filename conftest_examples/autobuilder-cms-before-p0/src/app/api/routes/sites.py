from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from app.api.deps import CurrentUser, DbSession
from app.db.models import BuildRun, Site
from app.services.preview import preview_is_live
from app.worker.tasks import build_site

router = APIRouter(prefix="/sites", tags=["sites"])


class SiteIn(BaseModel):
    slug: str
    title: str
    template: str = "landing"


@router.get("")
def list_sites(db: DbSession, user: CurrentUser) -> list[dict]:
    rows = db.query(Site).filter(Site.owner_id == user.id).order_by(Site.updated_at.desc()).all()
    return [{"id": s.id, "slug": s.slug, "title": s.title, "status": s.status} for s in rows]


@router.post("", status_code=201)
def create_site(payload: SiteIn, db: DbSession, user: CurrentUser) -> dict:
    site = Site(slug=payload.slug, title=payload.title, template=payload.template, owner_id=user.id)
    db.add(site)
    db.commit()
    return {"id": site.id, "slug": site.slug}


@router.post("/{site_id}/build", status_code=202)
def trigger_build(site_id: int, db: DbSession, user: CurrentUser) -> dict:
    site = db.get(Site, site_id)
    if site is None or site.owner_id != user.id:
        raise HTTPException(404, "site not found")
    result = build_site.delay(site_id)
    db.add(BuildRun(site_id=site_id, task_id=result.id))
    db.commit()
    return {"task_id": result.id}


@router.get("/{site_id}/preview")
def preview_status(site_id: int, db: DbSession, user: CurrentUser) -> dict:
    site = db.get(Site, site_id)
    if site is None or site.owner_id != user.id:
        raise HTTPException(404, "site not found")
    return {"slug": site.slug, "live": preview_is_live(site.slug)}
