"""Preferred pod anti-affinity for workloads that can run (or will, with the kit's HPA)
more than one replica and do not spread their pods yet."""

from __future__ import annotations

from ..checks.orchestration import _multi_replica, _spread
from ..model.kubernetes import as_dict
from .base import Change, FixContext, pod_patch, source_name

ITEMS = ("orchestration.anti-affinity",)


def generate(ctx: FixContext) -> list[Change]:
    if not ctx.supported:
        return []
    scaled = {r.doc["spec"]["scaleTargetRef"]["name"] for c in ctx.generated for r in c.resources
              if r.doc.get("kind") in ("HorizontalPodAutoscaler", "ScaledObject")}
    if not ctx.wants(*ITEMS) and not scaled:
        return []
    change = Change("spread", "Spread replicas over nodes (preferred pod anti-affinity)", ITEMS)
    for work in ctx.app_workloads():
        if work.kind == "DaemonSet":
            continue
        obj = work.first
        multi = source_name(obj) in scaled or any(_multi_replica(ctx.repo, o) for o in work.variants.values())
        if not multi or any(_spread(o) for o in work.variants.values()):
            continue
        if as_dict(obj.pod_spec().get("affinity")).get("podAntiAffinity"):
            continue  # an anti-affinity of its own that does not select its pods: the user's to fix
        labels = as_dict(as_dict(as_dict(as_dict(obj.source).get("spec")).get("selector")).get("matchLabels"))
        if not labels:
            continue
        term = {"weight": 100, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname",
                                                    "labelSelector": {"matchLabels": dict(labels)}}}
        change.patches.append(pod_patch(obj, {"affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [term]}}}, "spread"))
        change.notes.append(f"{work.ref}: preferred podAntiAffinity on kubernetes.io/hostname")
    return [] if change.empty else [change]
