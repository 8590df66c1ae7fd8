"""Team policy: waivers (config per item and per target, inline), gates, severities, knobs."""

from __future__ import annotations

import json

import pytest

pytest_plugins = ["pytester"]


def deployment(name: str, hpa: bool = False, annotations: str = "", image: str = "registry.example.com/{name}:1.2.3", extra: str = "") -> str:
    text = f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
{annotations}spec:
  replicas: 2
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: {name}
          image: {image.format(name=name)}
          resources:
            requests: {{cpu: 100m, memory: 128Mi}}
            limits: {{memory: 256Mi}}
{extra}"""
    if hpa:
        text += f"""---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {name}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: {name}}}
  minReplicas: 2
  maxReplicas: 5
  metrics:
    - type: Resource
      resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 70}}}}
"""
    return text


@pytest.fixture
def two_apps(pytester):
    pytester.makefile(".yaml", **{"k8s/web": deployment("web", hpa=True), "k8s/mcp": deployment("mcp")})
    return pytester


def run(pytester, *args) -> tuple[dict, object]:
    out = pytester.path / "result.json"
    result = pytester.runpytest("--twelvefactor", "--twelvefactor-only", "-p", "no:cacheprovider", f"--twelvefactor-json={out}", *args)
    document = json.loads(out.read_text()) if out.exists() else {}
    return {i["id"]: i for i in document.get("items", [])}, result


def test_target_waiver_waives_one_workload(two_apps):
    two_apps.makepyprojecttoml(
        """
        [[tool.twelvefactor.waive."factor08.hpa"]]
        target = "Deployment/mcp"
        reason = "MCP is a singleton by design"
        owner = "platform"
        """
    )
    items, result = run(two_apps, "-k", "factor08 and hpa")
    hpa = items["factor08.hpa"]
    assert hpa["verdict"] == "pass" and hpa["underlying_verdict"] == "partial"
    assert hpa["summary"] == "passes with 1 waived finding"
    waived = [e for e in hpa["evidence"] if "(waived: MCP is a singleton by design)" in e["message"]]
    assert [(e["path"], e.get("ok")) for e in waived] == [("k8s/mcp.yaml", None)]
    assert "Unused waiver" not in result.stdout.str()


def test_waiver_for_every_finding_without_good_objects_is_waived(pytester):
    pytester.makefile(".yaml", **{"k8s/mcp": deployment("mcp")})
    pytester.makepyprojecttoml('[[tool.twelvefactor.waive."factor08.hpa"]]\ntarget = "k8s/*.yaml"\nreason = "autoscaling is done by the platform"\n')
    items, _ = run(pytester, "-k", "factor08 and hpa")
    assert items["factor08.hpa"]["verdict"] == "waived"
    assert items["factor08.hpa"]["summary"] == "waived: autoscaling is done by the platform"


def test_expired_and_unused_waivers_are_reported(two_apps):
    two_apps.makepyprojecttoml(
        """
        [[tool.twelvefactor.waive."factor08.hpa"]]
        target = "Deployment/mcp"
        reason = "until the HPA lands"
        expires = "2001-01-01"
        [[tool.twelvefactor.waive."factor08.hpa"]]
        target = "Deployment/nonexistent"
        reason = "typo"
        [tool.twelvefactor.waive."factor05.immutable-images"]
        reason = "passes anyway"
        """
    )
    items, result = run(two_apps, "-m", "factor08 or factor05")
    assert items["factor08.hpa"]["verdict"] == "partial"
    assert any("waiver expired on 2001-01-01" in e["message"] for e in items["factor08.hpa"]["evidence"])
    assert items["factor05.immutable-images"]["verdict"] == "pass"
    out = result.stdout.str()
    assert "Expired waiver: factor08.hpa (Deployment/mcp) expired on 2001-01-01" in out
    assert "Unused waiver: factor08.hpa for Deployment/nonexistent" in out
    assert "Unused waiver: factor05.immutable-images (pyproject.toml)" in out


def test_inline_annotation_and_comment_waivers_and_the_switch(pytester):
    annotations = '  annotations:\n    twelvefactor.io/waive: "factor08.hpa: runs one replica on purpose"\n'
    pytester.makefile(".yaml", **{"k8s/web": deployment("web", hpa=True), "k8s/mcp": deployment("mcp", annotations=annotations)})
    pytester.makefile("", Dockerfile="FROM python:3.12-slim\n# twelvefactor: waive containerization.non-root -- the base image drops privileges itself\nCMD [\"python\", \"app.py\"]\n")
    items, _ = run(pytester, "-k", "hpa or non-root")
    assert items["factor08.hpa"]["verdict"] == "pass"
    assert items["factor08.hpa"]["waiver"]["targets"][0] == {
        "item": "factor08.hpa", "reason": "runs one replica on purpose", "source": "k8s/mcp.yaml", "target": "Deployment/mcp", "line": 6,
    }
    assert items["containerization.non-root"]["verdict"] == "waived"
    items, _ = run(pytester, "-k", "hpa or non-root", "--twelvefactor-no-inline-waivers")
    assert items["factor08.hpa"]["verdict"] == "partial"
    assert items["containerization.non-root"]["verdict"] == "fail"
    pytester.makepyprojecttoml("[tool.twelvefactor]\ninline_waivers = false\n")
    items, _ = run(pytester, "-k", "hpa")
    assert items["factor08.hpa"]["verdict"] == "partial"


def test_container_target(pytester):
    extra = "        - name: sidecar\n          image: registry.example.com/proxy:latest\n"
    pytester.makefile(".yaml", **{"k8s/web": deployment("web", extra=extra)})
    pytester.makepyprojecttoml('[[tool.twelvefactor.waive."factor05.immutable-images"]]\ntarget = "Deployment/web/sidecar"\nreason = "vendor pins it"\n')
    items, _ = run(pytester, "-k", "immutable")
    result = items["factor05.immutable-images"]
    # the workload's only finding is about the waived sidecar and nothing else was judged: waived
    assert result["verdict"] == "waived" and result["underlying_verdict"] == "fail"
    assert [e["message"] for e in result["evidence"] if "container sidecar" in e["message"] and "(waived: vendor pins it)" in e["message"]]


def test_gates_fail_the_run_and_say_why(two_apps):
    two_apps.makepyprojecttoml(
        """
        [tool.twelvefactor]
        essential = ["factor08.hpa"]
        [tool.twelvefactor.fail_under]
        factor08 = 99
        """
    )
    items, result = run(two_apps, "-m", "factor08")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    out = result.stdout.str()
    assert "GATE FAILED: factor08 score" in out and "is below the required 99% (short by" in out
    assert "GATE FAILED: essential item factor08.hpa is partial" in out


def test_fail_under_option_uses_the_overall_score(two_apps):
    _, result = run(two_apps, "-m", "factor08", "--twelvefactor-fail-under", "100")
    assert "GATE FAILED: overall score" in result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    _, result = run(two_apps, "-m", "factor08", "--twelvefactor-fail-under", "1")
    assert "GATE FAILED" not in result.stdout.str()
    _, result = run(two_apps, "--twelvefactor-fail-under", "101")
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_severity_override_orders_the_roadmap(two_apps):
    two_apps.makepyprojecttoml('[tool.twelvefactor.severity]\n"factor08.hpa" = "low"\n')
    out = two_apps.path / "r.json"
    two_apps.runpytest("--twelvefactor", "--twelvefactor-only", "-p", "no:cacheprovider", "-m", "factor08", f"--twelvefactor-json={out}")
    roadmap = {tuple(e["items"]): e for e in json.loads(out.read_text())["roadmap"]}
    assert roadmap[("factor08.hpa",)]["severity"] == "low"
    assert roadmap[("factor08.hpa",)]["priority"] == "P3"  # the catalog says critical (P0); the team says low


def test_policy_knobs(pytester):
    tree = {
        "k/base/kustomization.yaml": "resources: [web.yaml, cache.yaml]\n",
        "k/base/web.yaml": deployment("web"),
        "k/base/cache.yaml": deployment("cache", image="registry.example.com/team/keystore:2.0"),
        "k/overlays/dev/kustomization.yaml": "resources: [../../base]\nnamespace: dev\n",
        "k/overlays/prd/kustomization.yaml": "resources: [../../base]\nnamespace: prd\n",
        "k/overlays/preview/kustomization.yaml": "resources: [../../base]\nnamespace: preview\n",
    }
    for rel, text in tree.items():
        path = pytester.path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    items, _ = run(pytester, "-k", "staging or resources")
    assert items["factor10.staging"]["verdict"] == "partial"
    assert items["orchestration.resources"]["verdict"] == "pass"
    pytester.makepyprojecttoml(
        """
        [tool.twelvefactor]
        staging_names = ["preview"]
        cpu_limits_required = true
        """
    )
    items, _ = run(pytester, "-k", "staging or resources")
    assert items["factor10.staging"]["verdict"] == "pass"
    assert items["orchestration.resources"]["verdict"] == "fail"
    pytester.makepyprojecttoml('[tool.twelvefactor]\nenvironments = ["prd"]\nbacking_images = ["registry.example.com/team/keystore"]\n')
    out = pytester.path / "r.json"
    pytester.runpytest("--twelvefactor", "--twelvefactor-only", "-p", "no:cacheprovider", "-k", "hpa", f"--twelvefactor-json={out}")
    document = json.loads(out.read_text())
    assert [e["name"] for e in document["environments"]] == ["prd"]
    hpa = document["items"][0]
    assert "Deployment/cache" not in json.dumps(hpa), "a backing service is not an app workload"


@pytest.mark.parametrize(
    "table, message",
    [
        ('[tool.twelvefactor.severity]\n"factor08.hpa" = "urgent"\n', "must be one of critical, high, medium, low"),
        ('[tool.twelvefactor.fail_under]\nsecurity = 120\n', "must be a percentage between 0 and 100"),
        ('[tool.twelvefactor.fail_under]\nsecuritee = 50\n', "unknown family or area 'securitee'"),
        ('[tool.twelvefactor]\nessential = ["factor08.nope"]\n', "unknown item id 'factor08.nope'"),
        ('[[tool.twelvefactor.waive."factor08.hpa"]]\ntarget = "Deployment/x"\n', "needs a non-empty reason"),
        ('[tool.twelvefactor]\nenvironments = "prd"\n', "environments must be a list"),
    ],
)
def test_invalid_policy_is_a_usage_error(pytester, table, message):
    pytester.makepyprojecttoml(table)
    result = pytester.runpytest("--twelvefactor", "--twelvefactor-only", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.str() and "pyproject.toml" in result.stderr.str()
