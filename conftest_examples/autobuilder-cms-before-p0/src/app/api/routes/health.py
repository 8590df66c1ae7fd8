from fastapi import APIRouter

router = APIRouter(tags=["health"])


@router.get("/health")
def health() -> dict[str, str]:
    """Liveness/readiness endpoint used by the Kubernetes probes."""
    return {"status": "ok"}
