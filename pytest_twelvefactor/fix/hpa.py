"""HorizontalPodAutoscalers for scalable app workloads that have none.

Bounds come from the workload: ``minReplicas`` is its smallest replica count
across environments (at least 1), ``maxReplicas`` max(3, 2 × its largest). A CPU
utilisation target (70 %) is set only when every container requests CPU in every
environment; without CPU requests an HPA could not work, so none is generated.
Queue workers that get a KEDA ScaledObject (see keda.py) get no HPA.
"""

from __future__ import annotations

from ..checks.factor08_concurrency import AUTOSCALER_KINDS, autoscalers
from ..model.kubernetes import SCALABLE_KINDS, as_dict
from .base import Change, FixContext, Resource, metadata, source_name, source_namespace

ITEMS = ("factor08.hpa", "orchestration.hpa", "factor08.horizontal-scaling", "scalability.horizontal", "factor08.worker-scaling")
CPU_TARGET = 70


def cpu_requested(obj) -> bool:
    containers = obj.containers()
    return bool(containers) and all(as_dict(as_dict(c.get("resources")).get("requests")).get("cpu") not in (None, "") for c in containers)


def bounds(work) -> tuple[int, int]:
    counts = [o.replicas() if o.replicas() is not None else 1 for o in work.variants.values()]
    low = max(1, min(counts))
    return low, max(3, 2 * max(counts))


def candidates(ctx: FixContext):
    return [w for w in ctx.app_workloads() if w.kind in SCALABLE_KINDS and w.role != "scheduler"
            and not any(autoscalers(ctx.repo, o) for o in w.variants.values())]


def hpa_doc(work, item: str, low: int, high: int) -> dict:
    obj = work.first
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": metadata(source_name(obj), item, source_namespace(obj)),
        "spec": {
            "scaleTargetRef": {"apiVersion": obj.api_version or "apps/v1", "kind": obj.kind, "name": source_name(obj)},
            "minReplicas": low,
            "maxReplicas": high,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": CPU_TARGET}}}],
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}},
        },
    }


def generate(ctx: FixContext, exclude: set[str] | None = None) -> list[Change]:
    if not ctx.supported or not ctx.wants(*ITEMS):
        return []
    exclude = exclude or set()
    change = Change("hpa", "HorizontalPodAutoscalers for app workloads without one", ctx.failing(*ITEMS))
    for work in candidates(ctx):
        if work.ref in exclude:
            continue
        if not all(cpu_requested(o) for o in work.variants.values()):
            ctx.skip(("factor08.hpa",), f"{work.ref}: no HPA generated — not every container requests CPU, so a CPU target "
                     "cannot work; set CPU requests first (orchestration.resources)")
            continue
        low, high = bounds(work)
        change.resources.append(Resource(hpa_doc(work, "factor08.hpa", low, high), "factor08.hpa"))
        change.notes.append(f"{work.ref}: HPA {low}-{high} replicas on {CPU_TARGET}% CPU")
        change.decisions.append(f"{work.ref}: minReplicas {low} / maxReplicas {high} and the {CPU_TARGET}% CPU target are defaults "
                                "from its current replicas; set them from load tests. Remove `replicas:` from the Deployment "
                                "if a GitOps tool would fight the HPA.")
    return [] if change.empty else [change]


__all__ = ["generate", "AUTOSCALER_KINDS"]
