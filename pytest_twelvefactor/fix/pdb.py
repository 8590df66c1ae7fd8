"""PodDisruptionBudgets that allow a disruption.

Every app workload that can run more than one replica — replicas > 1, an
existing autoscaler, or an HPA this kit generates — and that no PDB selects
gets ``maxUnavailable: 1`` (always at least one voluntary disruption, whatever
the replica count). An existing PDB that blocks node drains (it allows no
disruption at the workload's minimum) is patched to ``maxUnavailable: 1``.
"""

from __future__ import annotations

from ..checks.orchestration import _allowed_disruptions, _multi_replica, _pdbs_for, _replica_range
from ..model.kubernetes import as_dict
from .base import Change, FixContext, Resource, WorkloadPatch, metadata, source_name, source_namespace

ITEMS = ("orchestration.pdb", "resilience.pdb")


def _selector(obj) -> dict | None:
    source_spec = as_dict(as_dict(obj.source).get("spec"))
    labels = as_dict(as_dict(source_spec.get("selector")).get("matchLabels"))
    return dict(labels) if labels else None


def generate(ctx: FixContext) -> list[Change]:
    if not ctx.supported:
        return []
    scaled = {r.doc["spec"]["scaleTargetRef"]["name"] for c in ctx.generated for r in c.resources
              if r.doc.get("kind") in ("HorizontalPodAutoscaler", "ScaledObject")}
    wanted = ctx.wants(*ITEMS) or bool(scaled)
    if not wanted:
        return []
    change = Change("pdb", "PodDisruptionBudgets that allow one disruption", ITEMS if scaled else ctx.failing(*ITEMS))
    for work in ctx.app_workloads():
        if work.kind in ("DaemonSet", "Job", "CronJob", "Pod"):
            continue
        obj = work.first
        multi = source_name(obj) in scaled or any(_multi_replica(ctx.repo, o) for o in work.variants.values())
        if not multi:
            continue
        existing = [p for o in work.variants.values() for p in _pdbs_for(ctx.repo, o)]
        if existing:
            continue
        selector = _selector(obj)
        if not selector:
            ctx.skip(ITEMS, f"{work.ref}: no PDB generated — its selector has no matchLabels to reuse")
            continue
        doc = {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": metadata(source_name(obj), "orchestration.pdb", source_namespace(obj)),
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector}},
        }
        change.resources.append(Resource(doc, "orchestration.pdb"))
        change.notes.append(f"{work.ref}: PDB maxUnavailable 1")
    # Existing PDBs that block drains, on any workload (backing services included).
    seen = set()
    for work in ctx.k8s.workloads:
        if work.kind in ("Job", "CronJob", "DaemonSet", "Pod"):
            continue
        for obj in work.variants.values():
            low = _replica_range(ctx.repo, obj)[0]
            for budget in _pdbs_for(ctx.repo, obj):
                allowed = _allowed_disruptions(budget, low)
                key = (budget.path, budget.line)
                if allowed is not None and allowed >= 1 or key in seen or not budget.source or budget.origin == "generated":
                    continue
                seen.add(key)
                meta = {"name": source_name(budget)}
                if source_namespace(budget):
                    meta["namespace"] = source_namespace(budget)
                patch = {"apiVersion": budget.api_version, "kind": "PodDisruptionBudget", "metadata": meta,
                         "spec": {"minAvailable": None, "maxUnavailable": 1}}
                change.patches.append(WorkloadPatch(budget, patch, "drain"))
                change.notes.append(f"{budget.ref} ({budget.path}:{budget.line}) blocks node drains at {low} replica(s): "
                                    "patched to maxUnavailable 1")
    if change.resources or change.patches:
        change.decisions.append("`maxUnavailable: 1` lets one pod go at a time during node drains; for workloads that "
                                "always run many replicas a percentage (e.g. 25%) may fit better.")
    return [] if change.empty else [change]
