"""Admin endpoints: inspect and re-run the admin Jobs (db-init, seed-data)."""
from fastapi import APIRouter

from app.api.deps import AdminUser
from app.services import jobs

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/jobs")
def list_jobs(user: AdminUser) -> list[dict]:
    return jobs.list_admin_jobs()


@router.post("/jobs/{name}/rerun", status_code=202)
def rerun_job(name: str, user: AdminUser) -> dict[str, str]:
    return {"job": jobs.rerun_job(name)}
