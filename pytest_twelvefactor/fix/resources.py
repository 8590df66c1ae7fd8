"""Resource requests and limits a workload sets in one environment but not in another:
the missing values are copied from the environment that has them, per environment
(an overlay-specific patch). Without such a value nothing is generated: sizes are not
guessed."""

from __future__ import annotations

from ..model.kubernetes import as_dict
from .base import Change, FixContext, pod_patch

ITEMS = ("orchestration.resources", "scalability.vertical")
FIELDS = (("requests", "cpu"), ("requests", "memory"), ("limits", "memory"))


def generate(ctx: FixContext) -> list[Change]:
    if not ctx.supported or not ctx.wants(*ITEMS) or len(ctx.k8s.environments) < 2:
        return []
    change = Change("resources", "Resource requests and limits from the other environments", ctx.failing(*ITEMS))
    for work in ctx.k8s.workloads:
        if len(work.variants) < 2 or not all(o.source and o.origin != "generated" for o in work.variants.values()):
            continue
        for env, obj in work.variants.items():
            patched = []
            for container in obj.containers(init=True):
                name = container.get("name")
                res = as_dict(container.get("resources"))
                fill: dict = {}
                for group, resource in FIELDS:
                    if as_dict(res.get(group)).get(resource) not in (None, ""):
                        continue
                    donors = {str(as_dict(as_dict(c.get("resources")).get(group)).get(resource))
                              for other_env, other in work.variants.items() if other_env != env
                              for c in other.containers(init=True) if c.get("name") == name
                              and as_dict(as_dict(c.get("resources")).get(group)).get(resource) not in (None, "")}
                    if len(donors) == 1:
                        fill.setdefault(group, {})[resource] = donors.pop()
                if fill and name:
                    patched.append({"name": name, "resources": fill})
            if patched:
                patch = pod_patch(obj, {"containers": patched}, "resources")
                patch.envs = (env,)
                change.patches.append(patch)
                change.notes.append(f"{work.ref} in {env}: " + "; ".join(
                    f"{p['name']} " + ", ".join(f"{r} {g[:-1]} {v}" for g, vals in p["resources"].items() for r, v in vals.items()) for p in patched))
    if change.patches:
        change.decisions.append("Values are copied from another environment; size each environment from its own usage.")
    return [] if change.empty else [change]
