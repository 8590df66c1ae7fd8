"""``imagePullPolicy: IfNotPresent`` for app containers with explicit tags pulled Always:
a rollback then runs the image it names, not whatever the tag points to now. (Mutable tags
themselves are changed by the image-tag text patches, textpatch/image_tags.py.)"""

from __future__ import annotations

from ..model.kubernetes import image_tag, is_mutable_tag
from .base import Change, FixContext, pod_patch

ITEMS = ("factor05.rollback", "cicd.rollback")


def generate(ctx: FixContext) -> list[Change]:
    if not ctx.supported or not ctx.wants(*ITEMS):
        return []
    retagged = getattr(ctx, "retagged", set())
    change = Change("pull-policy", "imagePullPolicy IfNotPresent for explicitly tagged app images", ctx.failing(*ITEMS))
    for work in ctx.app_workloads(long_running=None):
        obj = work.first
        pod: dict = {}
        for group, containers in (("containers", obj.containers()), ("initContainers", obj.init_containers())):
            patched = []
            for container in containers:
                image = str(container.get("image") or "")
                if not container.get("name") or str(container.get("imagePullPolicy") or "") != "Always":
                    continue
                repo, _tag, digest = image_tag(image)
                if is_mutable_tag(image) and repo not in retagged:
                    continue  # still a moving tag: IfNotPresent would pin each node to a stale image
                patched.append({"name": container["name"], "imagePullPolicy": "IfNotPresent"})
            if patched:
                pod[group] = patched
        if pod:
            change.patches.append(pod_patch(obj, pod, "pull-policy"))
            change.notes.append(f"{work.ref}: imagePullPolicy IfNotPresent")
    return [] if change.empty else [change]
