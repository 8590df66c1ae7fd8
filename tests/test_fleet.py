"""Many applications in one run: monorepo apps, several roots, xdist groups."""

from __future__ import annotations

import json
import re

import pytest

pytest_plugins = ["pytester"]


def deployment(name: str, tag: str) -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: {name}
          image: registry.example.com/{name}:{tag}
"""


@pytest.fixture
def monorepo(pytester):
    pytester.makepyprojecttoml('[tool.twelvefactor]\napps = ["services/*"]\n')
    for name, tag in (("api", "1.4.2"), ("worker", "latest")):
        path = pytester.path / "services" / name / "k8s" / "deploy.yaml"
        path.parent.mkdir(parents=True)
        path.write_text(deployment(name, tag))
        (pytester.path / "services" / name / "requirements.txt").write_text("fastapi==0.115.0\n")
    return pytester


def test_monorepo_apps_get_their_own_items_and_scores(monorepo):
    out = monorepo.path / "fleet.json"
    result = monorepo.runpytest("--twelvefactor", "--twelvefactor-only", "-p", "no:cacheprovider", "-k", "immutable",
                                f"--twelvefactor-json={out}", "-v")
    out_text = result.stdout.str()
    assert "twelvefactor::services/api::factor05::immutable-images PASSED" in out_text
    assert "twelvefactor::services/worker::factor05::immutable-images FAILED" in out_text
    assert "twelvefactor audit: 2 apps" in out_text
    assert "services/worker: 1 failing: factor05.immutable-images" in out_text
    document = json.loads(out.read_text())
    assert [row["app"] for row in document["fleet"]] == ["services/api", "services/worker"]
    apps = {d["app"]: d for d in document["apps"]}
    assert apps["services/api"]["items"][0]["verdict"] == "pass"
    assert apps["services/worker"]["items"][0]["verdict"] == "fail"
    assert apps["services/worker"]["items"][0]["evidence"][0]["path"] == "k8s/deploy.yaml"
    assert apps["services/api"]["scores"]["areas"]["factor05"] == 100.0


def test_several_roots_and_per_app_config(pytester):
    for name, tag in (("billing", "2.0.0"), ("shop", "latest")):
        path = pytester.path / name / "k8s" / "deploy.yaml"
        path.parent.mkdir(parents=True)
        path.write_text(deployment(name, tag))
    (pytester.path / "shop" / "pyproject.toml").write_text(
        '[tool.twelvefactor.waive."factor05.immutable-images"]\nreason = "migrating to digests this quarter"\n'
    )
    out = pytester.path / "fleet.json"
    result = pytester.runpytest(
        "--twelvefactor", "--twelvefactor-only", "-p", "no:cacheprovider", "-k", "immutable",
        "--twelvefactor-root", str(pytester.path / "billing"), "--twelvefactor-root", str(pytester.path / "shop"),
        f"--twelvefactor-json={out}", "--co", "-q",
    )
    assert "twelvefactor::billing::factor05::immutable-images" in result.stdout.str()
    pytester.runpytest("--twelvefactor", "--twelvefactor-only", "-p", "no:cacheprovider", "-k", "immutable",
                       "--twelvefactor-root", str(pytester.path / "billing"), "--twelvefactor-root", str(pytester.path / "shop"),
                       f"--twelvefactor-json={out}")
    apps = {d["app"]: d for d in json.loads(out.read_text())["apps"]}
    assert apps["billing"]["items"][0]["verdict"] == "pass"
    assert apps["shop"]["items"][0]["verdict"] == "waived"


def test_per_app_gates(monorepo):
    (monorepo.path / "pyproject.toml").write_text('[tool.twelvefactor]\napps = ["services/*"]\nessential = ["factor05.immutable-images"]\n')
    result = monorepo.runpytest("--twelvefactor", "--twelvefactor-only", "-p", "no:cacheprovider", "-k", "immutable")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "GATE FAILED: services/worker: essential item factor05.immutable-images is fail" in result.stdout.str()
    assert "GATE FAILED: services/api" not in result.stdout.str()


def test_apps_pattern_matching_nothing_is_a_usage_error(pytester):
    pytester.makepyprojecttoml('[tool.twelvefactor]\napps = ["apps/*"]\n')
    result = pytester.runpytest("--twelvefactor", "--twelvefactor-only", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "'apps/*' matches no directory" in result.stderr.str()


def test_xdist_loadgroup_gives_the_serial_result(monorepo):
    serial, parallel = monorepo.path / "serial.json", monorepo.path / "parallel.json"
    monorepo.runpytest("--twelvefactor", "--twelvefactor-only", "-p", "no:cacheprovider", f"--twelvefactor-json={serial}")
    result = monorepo.runpytest("--twelvefactor", "--twelvefactor-only", "-p", "no:cacheprovider", "-n", "2",
                                "--dist", "loadgroup", f"--twelvefactor-json={parallel}", "-v")
    assert "twelvefactor audit: 2 apps" in result.stdout.str()
    workers: dict[str, set[str]] = {}
    for line in result.stdout.lines:
        match = re.match(r"\[(gw\d+)\].*twelvefactor::(services/\w+)::", line)
        if match:
            workers.setdefault(match.group(2), set()).add(match.group(1))
    assert set(workers) == {"services/api", "services/worker"}
    assert all(len(w) == 1 for w in workers.values()), f"each app runs on one worker: {workers}"
    a, b = json.loads(serial.read_text()), json.loads(parallel.read_text())
    for document in [a, b] + a["apps"] + b["apps"]:
        document.pop("timestamp")
    assert a == b
