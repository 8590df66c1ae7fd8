"""Liveness and readiness probes on the declared port and the app's health route.

A probe is generated only where the evidence is unambiguous: the container declares
exactly one ``containerPort`` (no port → no probe); the path is the one health route
(/health, /healthz …) found in the module closure of that container's process, else
the probe is a TCP check of the port.
"""

from __future__ import annotations

import re

from ..checks.factor09_disposability import process_modules, process_types
from ..checks.observability import _HEALTH_PATH, _routes
from ..model.kubernetes import as_dict, as_list, selector_matches
from .base import Change, FixContext, pod_patch

ITEMS = ("observability.liveness", "observability.readiness", "resilience.auto-restart")
_PATH = re.compile(r"route (\S+)")


def _health_route(ctx: FixContext, obj, container: dict) -> str | None:
    procs, _ = process_types(ctx.repo)
    for proc in procs:
        if proc.obj is None or proc.obj.ref != obj.ref or (proc.container or {}).get("name") != container.get("name"):
            continue
        modules, found_by = process_modules(ctx.repo, proc)
        if not found_by.startswith("entry module"):
            return None
        paths = {m.path for m in modules}
        routes = sorted({match.group(1) for e in _routes(ctx.repo, _HEALTH_PATH) if e.path in paths
                         and (match := _PATH.search(e.message))})
        return routes[0] if len(routes) == 1 else None
    return None


def _probe(port, path: str | None, readiness: bool) -> dict:
    action = {"httpGet": {"path": path, "port": port}} if path else {"tcpSocket": {"port": port}}
    timing = {"periodSeconds": 10, "timeoutSeconds": 3, "failureThreshold": 3} if readiness else \
        {"initialDelaySeconds": 10, "periodSeconds": 20, "timeoutSeconds": 5, "failureThreshold": 3}
    return {**action, **timing}


def generate(ctx: FixContext) -> list[Change]:
    if not ctx.supported or not ctx.wants(*ITEMS):
        return []
    change = Change("probes", "Liveness and readiness probes on the declared port", ctx.failing(*ITEMS))
    for work in ctx.app_workloads():
        obj = work.first
        served = any(selector_matches(s.selector(), o.pod_labels()) for o in work.variants.values() for s in ctx.k8s.objects("Service", env=o.env))
        containers = []
        for container in obj.containers():
            name = container.get("name")
            missing_live = not container.get("livenessProbe")
            missing_ready = served and not container.get("readinessProbe")
            if not name or not (missing_live or missing_ready):
                continue
            ports = [as_dict(p) for p in as_list(container.get("ports")) if as_dict(p).get("containerPort")]
            if len(ports) != 1:
                ctx.skip(("observability.liveness",), f"{work.ref}: no probe for container {name} — "
                         + ("it declares no port" if not ports else "it declares several ports"))
                continue
            port = ports[0].get("name") or ports[0]["containerPort"]
            path = _health_route(ctx, obj, container)
            patch = {"name": name}
            if missing_live:
                patch["livenessProbe"] = _probe(port, path, False)
            if missing_ready:
                patch["readinessProbe"] = _probe(port, path, True)
            containers.append(patch)
            change.notes.append(f"{work.ref}: container {name} " + " and ".join(k for k in ("livenessProbe", "readinessProbe") if k in patch)
                                + (f" GET {path}" if path else " TCP") + f" on port {port}")
        if containers:
            change.patches.append(pod_patch(obj, {"containers": containers}, "probes"))
    if change.patches:
        change.decisions.append("Probe timings are conservative defaults; a TCP probe only proves the port is open — add a "
                                "health route (/healthz) that checks the process itself and switch to httpGet.")
    return [] if change.empty else [change]
