"""FinOps: the payments team's own area, audited and scored next to the built-in ones."""

import dataclasses
import json
import re

import pytest

from pytest_twelvefactor.api import CustomItem, Evidence, failed, partial, passed, tally

COST_LABELS = ("team", "cost-center")


def cost_labels(repo):
    """Every workload says who pays for it."""
    evidence = []
    for workload in repo.kubernetes.workloads:
        obj = workload.first
        labels = {**obj.labels, **obj.pod_labels()}
        missing = [label for label in COST_LABELS if label not in labels]
        message = f"missing {', '.join(missing)} label" if missing else "team and cost-center labels"
        evidence.append(Evidence(obj.path, obj.line_of("metadata", "labels"), f"{workload.ref}: {message}", ok=not missing))
    return tally(evidence, subject="workloads", na_reason="no Kubernetes workloads")


def requests_set(repo):
    """Every container requests the CPU and memory it is billed for."""
    evidence = []
    for workload in repo.kubernetes.workloads:
        obj = workload.first
        for container in obj.containers(init=True):
            requests = (container.get("resources") or {}).get("requests") or {}
            missing = [r for r in ("cpu", "memory") if r not in requests]
            message = f"no {' or '.join(missing)} request" if missing else "cpu and memory requests"
            evidence.append(Evidence(obj.path, obj.container_line(container, "resources"),
                                     f"{workload.ref}: container {container.get('name')}: {message}", ok=not missing))
    return tally(evidence, subject="containers", na_reason="no Kubernetes workloads")


def cost_estimate(repo):
    """An Infracost configuration (the `infracost` file kind below) estimates every change."""
    configs = repo.files.of("infracost")
    if not configs:
        return failed("no infracost.yml: pull requests show no cost estimate")
    projects = repo.grep(("infracost",), re.compile(r"^\s*-\s*path:", re.MULTILINE))
    if not projects:
        return partial(f"{configs[0]} lists no project", [Evidence(configs[0], 1, "Infracost without projects", ok=False)])
    evidence = [Evidence(path, line, f"Infracost project {text.split(':', 1)[1].strip()}", ok=True) for path, line, text in projects]
    return passed(f"Infracost estimates {len(projects)} project(s)", evidence)


@pytest.hookimpl(optionalhook=True)
def pytest_twelvefactor_items(config):
    finops = "FinOps - cost ownership"
    return [
        CustomItem("finops.cost-labels", "Workloads carry team and cost-center labels", cost_labels,
                   area_title=finops, severity="high", remediation="Add `team` and `cost-center` to metadata.labels."),
        CustomItem("finops.requests-set", "Containers request CPU and memory", requests_set, area_title=finops,
                   remediation="Set resources.requests.cpu and .memory on every container."),
        CustomItem("finops.cost-estimate", "Cost estimate on every change", cost_estimate, area_title=finops,
                   weight=0.5, remediation="Add infracost.yml and the Infracost GitHub Action."),
    ]


@pytest.hookimpl(optionalhook=True)
def pytest_twelvefactor_file_kinds(config):
    return {"infracost": r"(^|/)infracost(-[\w-]+)?\.ya?ml$"}


@pytest.hookimpl(optionalhook=True)
def pytest_twelvefactor_modify_result(config, result):
    # finops.requests-set already counts missing requests: count the built-in check at half weight.
    if result.item_id == "orchestration.resources":
        return dataclasses.replace(result, weight=result.weight / 2)
    return None


@pytest.hookimpl(optionalhook=True)
def pytest_twelvefactor_results(config, document):
    scores = document["scores"]
    payload = {
        "service": "payments",
        "finops": scores["areas"].get("finops"),
        "twelve_factor": scores["twelve_factor"],
        "cloud_native": scores["cloud_native"],
        "failing": [item["id"] for item in document["items"] if item["verdict"] == "fail"],
    }
    # In CI this is where the payload goes to the dashboard, e.g. requests.post(DASHBOARD_URL, json=payload).
    out = config.rootpath / "build" / "finops-dashboard.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(payload, indent=2) + "\n")
