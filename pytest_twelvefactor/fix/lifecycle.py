"""Graceful termination: a preStop hook on containers serving a Service (endpoints are
removed before SIGTERM arrives) and an explicit ``terminationGracePeriodSeconds``.

The hook follows the repository's own convention when it has one (``exec`` of
``sleep`` elsewhere → the same), else the ``sleep`` lifecycle action (Kubernetes ≥ 1.30),
which needs no shell or sleep binary in the image.
"""

from __future__ import annotations

from ..model.kubernetes import as_dict, as_list, selector_matches
from .base import Change, FixContext, pod_patch

ITEMS = ("factor09.prestop", "factor09.grace-period")
SLEEP, GRACE = 5, 30


def _services_select(ctx: FixContext, obj) -> bool:
    return any(selector_matches(s.selector(), obj.pod_labels()) for s in ctx.k8s.objects("Service", env=obj.env))


def _convention(ctx: FixContext):
    for work in ctx.k8s.workloads:
        for container in work.first.containers():
            hook = as_dict(as_dict(container.get("lifecycle")).get("preStop"))
            command = [str(w) for w in as_list(as_dict(hook.get("exec")).get("command"))]
            if command and command[0].endswith("sleep"):
                return {"exec": {"command": command}}
    return {"sleep": {"seconds": SLEEP}}


def generate(ctx: FixContext) -> list[Change]:
    if not ctx.supported or not ctx.wants(*ITEMS):
        return []
    change = Change("lifecycle", "preStop hooks and explicit terminationGracePeriodSeconds", ctx.failing(*ITEMS))
    hook = _convention(ctx)
    for work in ctx.app_workloads():
        obj = work.first
        pod: dict = {}
        if ctx.wants("factor09.grace-period") and any("terminationGracePeriodSeconds" not in o.pod_spec() for o in work.variants.values()):
            pod["terminationGracePeriodSeconds"] = GRACE
        if ctx.wants("factor09.prestop") and any(_services_select(ctx, o) for o in work.variants.values()):
            containers = []
            for container in obj.containers():
                name = container.get("name")
                if name and not as_dict(as_dict(container.get("lifecycle")).get("preStop")):
                    containers.append({"name": name, "lifecycle": {"preStop": hook}})
            if containers:
                pod["containers"] = containers
        if pod:
            change.patches.append(pod_patch(obj, pod, "lifecycle"))
            what = []
            if "terminationGracePeriodSeconds" in pod:
                what.append(f"terminationGracePeriodSeconds {GRACE}")
            if "containers" in pod:
                what.append("preStop on " + ", ".join(c["name"] for c in pod["containers"]))
            change.notes.append(f"{work.ref}: {'; '.join(what)}")
    if change.patches:
        how = "`sleep` action (Kubernetes ≥ 1.30)" if "sleep" in hook else f"`{' '.join(hook['exec']['command'])}` as elsewhere in the repository"
        change.decisions.append(f"preStop waits {SLEEP} s via the {how}; grace period {GRACE} s (the default, now explicit): "
                                "raise it above your longest request or task.")
    return [] if change.empty else [change]
