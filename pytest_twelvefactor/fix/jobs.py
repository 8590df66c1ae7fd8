"""One-off runs that end and are cleaned up: ``backoffLimit`` and ``ttlSecondsAfterFinished``
on Jobs, ``concurrencyPolicy: Forbid`` on CronJobs. Values are Kubernetes' own default retry
count (6) made explicit and one day of history."""

from __future__ import annotations

from ..model.kubernetes import as_dict
from .base import Change, FixContext, workload_patch

ITEMS = ("factor12.one-off",)
BACKOFF, TTL = 6, 86400


def generate(ctx: FixContext) -> list[Change]:
    if not ctx.supported or not ctx.wants(*ITEMS):
        return []
    change = Change("jobs", "Jobs that end and are cleaned up", ctx.failing(*ITEMS))
    for work in [w for w in ctx.k8s.workloads if w.kind in ("Job", "CronJob")]:
        obj = work.first
        if not obj.source or obj.origin == "generated":
            continue
        if work.kind == "Job":
            spec = as_dict(obj.spec)
            patch = {}
            if "backoffLimit" not in spec:
                patch["backoffLimit"] = BACKOFF
            if "ttlSecondsAfterFinished" not in spec and not _hook(obj):
                patch["ttlSecondsAfterFinished"] = TTL
            if patch:
                change.patches.append(workload_patch(obj, patch, "job"))
                change.notes.append(f"{work.ref}: " + ", ".join(f"{k} {v}" for k, v in patch.items()))
        elif obj.spec.get("concurrencyPolicy") not in ("Forbid", "Replace"):
            change.patches.append(workload_patch(obj, {"concurrencyPolicy": "Forbid"}, "cronjob"))
            change.notes.append(f"{work.ref}: concurrencyPolicy Forbid")
    if change.patches:
        change.decisions.append(f"backoffLimit {BACKOFF} (Kubernetes' default, now explicit) and a {TTL // 3600} h TTL: "
                                "shorten the TTL if CI re-creates the Job by name on every deploy.")
    return [] if change.empty else [change]


def _hook(obj) -> bool:
    annotations = obj.annotations
    return any(k in annotations for k in ("helm.sh/hook-delete-policy", "argocd.argoproj.io/hook-delete-policy"))
