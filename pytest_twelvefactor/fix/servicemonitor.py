"""Prometheus Operator ServiceMonitors for Services in front of a process that serves
/metrics (found in its code, or added by the kit's metrics patch). The Service must have
labels to select and a named port; otherwise nothing is generated."""

from __future__ import annotations

from ..checks.factor09_disposability import process_modules, process_types
from ..checks.observability import _metrics_endpoints
from ..model.kubernetes import as_dict, as_list, selector_matches
from .base import Change, FixContext, Resource, metadata, source_name, source_namespace

ITEMS = ("observability.metrics",)
ITEM = "observability.metrics"


def metrics_workloads(ctx: FixContext) -> set[str]:
    """Refs of workloads whose process serves /metrics (entry-module closure resolved)."""
    paths = {e.path for e in _metrics_endpoints(ctx.repo)}
    out = set(getattr(ctx, "instrumented", set()))
    if not paths:
        return out
    procs, _ = process_types(ctx.repo)
    for proc in procs:
        if proc.obj is None:
            continue
        modules, found_by = process_modules(ctx.repo, proc)
        if found_by.startswith("entry module") and paths & {m.path for m in modules}:
            out.add(proc.obj.ref)
    return out


def generate(ctx: FixContext) -> list[Change]:
    if not ctx.supported or not ctx.wants(*ITEMS, "factor07.metrics-port"):
        return []
    if ctx.k8s.anywhere("ServiceMonitor", "PodMonitor"):
        return []
    serving = metrics_workloads(ctx)
    change = Change("servicemonitor", "ServiceMonitor for the /metrics endpoint", ctx.failing(*ITEMS))
    for work in ctx.app_workloads():
        if work.ref not in serving:
            continue
        obj = work.first
        for svc in ctx.k8s.objects("Service", env=obj.env):
            if not selector_matches(svc.selector(), obj.pod_labels()):
                continue
            labels = as_dict(as_dict(as_dict(svc.source).get("metadata")).get("labels"))
            ports = [as_dict(p) for p in as_list(svc.spec.get("ports"))]
            named = [p for p in ports if p.get("name")]
            if not labels or not svc.source or len(ports) != 1 and not named:
                ctx.skip(ITEMS, f"{svc.ref}: no ServiceMonitor — the Service has no labels to select or no named port")
                continue
            port = next((p for p in named if "metric" in str(p["name"])), named[0] if named else None)
            if port is None:
                ctx.skip(ITEMS, f"{svc.ref}: no ServiceMonitor — its port has no name")
                continue
            doc = {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
                   "metadata": metadata(source_name(svc), ITEM, source_namespace(svc)),
                   "spec": {"selector": {"matchLabels": dict(labels)},
                            "endpoints": [{"port": str(port["name"]), "path": "/metrics", "interval": "30s", "scrapeTimeout": "10s"}]}}
            change.resources.append(Resource(doc, ITEM))
            change.notes.append(f"{svc.ref} ({work.ref}): scraped on port {port['name']} /metrics every 30 s")
    if change.resources:
        change.decisions.append("Needs the Prometheus Operator (monitoring.coreos.com/v1). Most installations select "
                                "ServiceMonitors by a label such as `release: kube-prometheus-stack`: add yours to metadata.labels.")
    return [] if change.empty else [change]
