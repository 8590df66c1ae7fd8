"""Our organisation's own rule, checked by `pytest --twelvefactor` next to the built-in items."""

import pytest

from pytest_twelvefactor.api import CustomItem, Evidence, tally

REGISTRY = "registry.example.com"


def registry_images(repo):
    """Every image we build from or deploy comes from our registry."""
    evidence = []
    for dockerfile in repo.containers.dockerfiles:
        aliases = set()
        for stage in dockerfile.stages:
            if stage.base not in aliases and stage.base != "scratch":
                ok = stage.base.startswith(REGISTRY + "/")
                verb = "comes from" if ok else "is not from"
                evidence.append(Evidence(dockerfile.path, stage.line, f"FROM {stage.base} {verb} {REGISTRY}", ok=ok))
            if stage.alias:
                aliases.add(stage.alias)
    for workload in repo.kubernetes.workloads:
        obj = workload.first
        for container in obj.containers(init=True):
            image = str(container.get("image", ""))
            ok = image.startswith(REGISTRY + "/")
            verb = "comes from" if ok else "is not from"
            evidence.append(Evidence(
                obj.path, obj.container_line(container, "image"),
                f"{workload.ref}: container {container.get('name')} image {image} {verb} {REGISTRY}", ok=ok,
            ))
    return tally(evidence, subject="images", na_reason="no Dockerfile or workload names an image")


# optionalhook: this conftest keeps working where the plugin is disabled (-p no:twelvefactor).
@pytest.hookimpl(optionalhook=True)
def pytest_twelvefactor_items(config):
    return [
        CustomItem(
            id="security.registry-images",
            title="Images come from registry.example.com",
            evaluator=registry_images,
            severity="high",
            rationale="Only our registry's images are scanned, signed and mirrored.",
            remediation="Mirror the image into registry.example.com (see the platform wiki) and reference the mirror.",
        ),
    ]
