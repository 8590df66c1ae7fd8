"""Container securityContext hardening that cannot break a working image:
``allowPrivilegeEscalation: false`` on every container that does not set it (not on
privileged containers or those adding SYS_ADMIN: they need a human). ``runAsNonRoot`` is
added only when the image is built here and its Dockerfile's final USER is a non-zero
numeric uid — otherwise the kubelet could refuse to start the pod."""

from __future__ import annotations

import re

from ..model.kubernetes import as_dict, as_list
from .base import Change, FixContext, pod_patch

ITEMS = ("containerization.security-context", "security.non-root")


def _numeric_user(ctx: FixContext, image: str) -> int | None:
    """The final USER of the one Dockerfile built here, when it is a non-zero numeric uid."""
    dockerfiles = ctx.repo.containers.dockerfiles
    if len(dockerfiles) != 1 or dockerfiles[0].final is None:
        return None  # several images or none built here: cannot tell which one this is
    instr = dockerfiles[0].final.user
    user = str(instr.value).split(":")[0].strip() if instr is not None else ""
    return int(user) if re.fullmatch(r"\d+", user) and int(user) > 0 else None


def generate(ctx: FixContext) -> list[Change]:
    if not ctx.supported or not ctx.wants(*ITEMS):
        return []
    change = Change("security-context", "securityContext hardening", ctx.failing(*ITEMS))
    for work in ctx.app_workloads(long_running=None):
        obj = work.first
        pod: dict = {}
        containers = []
        for group, items in (("containers", obj.containers()), ("initContainers", obj.init_containers())):
            patched = []
            for container in items:
                ctx_sc = as_dict(container.get("securityContext"))
                caps = [str(c).upper() for c in as_list(as_dict(ctx_sc.get("capabilities")).get("add"))]
                if not container.get("name") or ctx_sc.get("privileged") or "SYS_ADMIN" in caps or "CAP_SYS_ADMIN" in caps:
                    continue
                if any(as_dict(c.get("securityContext")).get("allowPrivilegeEscalation") is not False
                       for o in work.variants.values() for c in o.containers(init=True) if c.get("name") == container.get("name")):
                    patched.append({"name": container["name"], "securityContext": {"allowPrivilegeEscalation": False}})
            if patched:
                pod[group] = patched
                containers += [c["name"] for c in patched]
        if ctx.wants("security.non-root"):
            effective = [o.effective_security_context(c) for o in work.variants.values() for c in o.containers(init=True)]
            if any(not (s.get("runAsNonRoot") is True or (isinstance(s.get("runAsUser"), int) and s["runAsUser"] > 0)) for s in effective):
                uids = {_numeric_user(ctx, str(c.get("image") or "")) for c in obj.containers(init=True)}
                if len(uids) == 1 and None not in uids:
                    pod["securityContext"] = {"runAsNonRoot": True}
                else:
                    ctx.skip(("security.non-root",), f"{work.ref}: runAsNonRoot not added — the image's user is not a numeric "
                             "non-root uid built here; set USER <uid> in the Dockerfile first")
        if pod:
            change.patches.append(pod_patch(obj, pod, "security"))
            what = [f"allowPrivilegeEscalation false on {', '.join(containers)}"] if containers else []
            if "securityContext" in pod:
                what.append("runAsNonRoot true")
            change.notes.append(f"{work.ref}: {'; '.join(what)}")
    if change.patches:
        change.decisions.append("Consider also `readOnlyRootFilesystem: true` and `capabilities.drop: [ALL]` once you know "
                                "which paths the process writes and which capabilities it needs (not generated).")
    return [] if change.empty else [change]
