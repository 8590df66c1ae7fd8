"""Factor 1 — Codebase evaluators: every verdict each can give."""

from __future__ import annotations

import shutil

import pytest

DEPLOY = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: registry.example.com/api:1.0.0
"""


def _find(result, fragment):
    return next(e for e in result.evidence if fragment in e.message)


# --------------------------------------------------------------------------- version-control


def test_version_control_pass_with_git_and_ci(evaluate):
    result = evaluate("factor01.version-control", {
        ".git/HEAD": "ref: refs/heads/main\n",
        ".github/workflows/ci.yml": "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n",
    })
    assert result.verdict.value == "pass"
    ev = _find(result, "CI pipeline (github)")
    assert (ev.path, ev.line, ev.ok) == (".github/workflows/ci.yml", 1, True)


def test_version_control_partial_without_ci(evaluate):
    result = evaluate("factor01.version-control", {".git/HEAD": "ref: refs/heads/main\n", "app.py": "print(1)\n"})
    assert result.verdict.value == "partial"
    assert any(e.ok is False and "no CI pipeline" in e.message for e in result.evidence)


def test_version_control_fail_without_git(evaluate):
    result = evaluate("factor01.version-control", {"app.py": "print(1)\n"})
    assert result.verdict.value == "fail"
    assert "not a git checkout" in result.evidence[0].message


# --------------------------------------------------------------------------- single-codebase


def test_single_codebase_pass_one_root(evaluate):
    result = evaluate("factor01.single-codebase", {
        "Dockerfile": "FROM python:3.12-slim\nCOPY src/app /app\n",
        "src/app/requirements.txt": "fastapi==0.115.6\n",
        "src/app/main.py": "import fastapi\n",
    })
    assert result.verdict.value == "pass"
    ev = result.evidence[0]
    assert (ev.path, ev.ok) == ("src/app/requirements.txt", True)
    assert "one app root" in ev.message


def test_single_codebase_pass_monorepo_each_root_with_manifest(evaluate):
    result = evaluate("factor01.single-codebase", {
        "api/requirements.txt": "fastapi==0.115.6\n",
        "api/main.py": "import fastapi\n",
        "web/package.json": '{"dependencies": {"react": "18.3.1"}}\n',
        "web/index.js": "console.log(1)\n",
    })
    assert result.verdict.value == "pass"
    assert "each with its own manifest" in result.summary
    assert {e.path for e in result.evidence if e.ok} == {"api/requirements.txt", "web/package.json"}


def test_single_codebase_pass_stdlib_only_root_needs_no_manifest(evaluate):
    result = evaluate("factor01.single-codebase", {
        "api/requirements.txt": "fastapi==0.115.6\n",
        "api/main.py": "import fastapi\n",
        "loadgen/Dockerfile": "FROM python:3.12-slim\nCOPY . /app\n",
        "loadgen/make_data.py": "import json\nimport urllib.parse\n",
    })
    assert result.verdict.value == "pass"
    ev = _find(result, "loadgen")
    assert (ev.path, ev.ok) == ("loadgen/Dockerfile", True)
    assert "standard library only" in ev.message


def test_single_codebase_partial_copied_code(evaluate):
    shared = "".join(f"def helper_{i}():\n    return {i}\n" for i in range(8))
    result = evaluate("factor01.single-codebase", {
        "api/requirements.txt": "requests==2.32.3\n",
        "api/util.py": shared,
        "worker/requirements.txt": "celery==5.4.0\n",
        "worker/util.py": shared,
    })
    assert result.verdict.value == "partial"
    ev = _find(result, "is a copy of")
    assert (ev.path, ev.line, ev.ok) == ("worker/util.py", 1, False)
    assert "api/util.py" in ev.message


def test_single_codebase_partial_undeclared_roots(evaluate):
    result = evaluate("factor01.single-codebase", {
        "api/requirements.txt": "requests==2.32.3\n",
        "api/main.py": "import requests\n",
        "tools/Dockerfile": "FROM python:3.12-slim\nCOPY . /app\n",
        "tools/run.py": "import yaml\n",
    })
    assert result.verdict.value == "partial"
    ev = _find(result, "without its own dependency manifest")
    assert (ev.path, ev.ok) == ("tools/Dockerfile", False)


def test_single_codebase_na_without_code(evaluate):
    result = evaluate("factor01.single-codebase", {"README.md": "# notes\n"})
    assert result.verdict.value == "n/a"


# --------------------------------------------------------------------------- env-deploys


@pytest.mark.skipif(not (shutil.which("kubectl") or shutil.which("kustomize")), reason="needs kubectl or kustomize")
def test_env_deploys_pass_overlays_over_one_base(evaluate):
    overlay = "resources:\n  - ../../base\nnamespace: {ns}\n"
    result = evaluate("factor01.env-deploys", {
        "k8s/base/kustomization.yaml": "resources:\n  - deploy.yaml\n",
        "k8s/base/deploy.yaml": DEPLOY,
        "k8s/overlays/dev/kustomization.yaml": overlay.format(ns="dev"),
        "k8s/overlays/prod/kustomization.yaml": overlay.format(ns="prod"),
    })
    assert result.verdict.value == "pass"
    ev = _find(result, "environment prod")
    assert (ev.path, ev.line, ev.ok) == ("k8s/overlays/prod/kustomization.yaml", 2, True)
    assert "builds on ../../base" in ev.message


def test_env_deploys_pass_helm_values_per_env(evaluate):
    result = evaluate("factor01.env-deploys", {
        "chart/Chart.yaml": "apiVersion: v2\nname: api\nversion: 0.1.0\n",
        "chart/values.yaml": "replicas: 1\n",
        "chart/values-dev.yaml": "replicas: 1\n",
        "chart/values-prod.yaml": "replicas: 3\n",
        "chart/templates/deploy.yaml": "kind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
    })
    assert result.verdict.value == "pass"
    assert {e.path for e in result.evidence} == {"chart/values-dev.yaml", "chart/values-prod.yaml"}


def test_env_deploys_pass_ci_environments(evaluate):
    workflow = """
    on: push
    jobs:
      deploy-dev:
        environment: dev
        runs-on: ubuntu-latest
        steps:
          - run: ./deploy.sh dev
      deploy-prod:
        environment: production
        runs-on: ubuntu-latest
        steps:
          - run: ./deploy.sh prod
    """
    result = evaluate("factor01.env-deploys", {".github/workflows/deploy.yml": workflow})
    assert result.verdict.value == "pass"
    ev = _find(result, "environment production")
    assert (ev.path, ev.line) == (".github/workflows/deploy.yml", 8)


def test_env_deploys_partial_full_copies(evaluate):
    result = evaluate("factor01.env-deploys", {"k8s/dev/deploy.yaml": DEPLOY, "k8s/prod/deploy.yaml": DEPLOY})
    assert result.verdict.value == "partial"
    ev = _find(result, "environment prod")
    assert (ev.path, ev.ok) == ("k8s/prod/deploy.yaml", False)
    assert "full copy" in ev.message


def test_env_deploys_fail_single_environment(evaluate):
    result = evaluate("factor01.env-deploys", {"k8s/deploy.yaml": DEPLOY})
    assert result.verdict.value == "fail"
    ev = result.evidence[0]
    assert (ev.path, ev.ok) == ("k8s/deploy.yaml", False)
    assert "single environment" in ev.message


def test_env_deploys_fail_compose_only(evaluate):
    result = evaluate("factor01.env-deploys", {"docker-compose.yml": "services:\n  api:\n    image: api:1\n"})
    assert result.verdict.value == "fail"
    assert result.evidence[0].path == "docker-compose.yml"


def test_env_deploys_fail_app_run_by_hand_is_one_environment(evaluate):
    script = "from flask import Flask\napp = Flask(__name__)\n\nif __name__ == '__main__':\n    app.run(port=5000)\n"
    result = evaluate("factor01.env-deploys", {"app.py": script})
    assert result.verdict.value == "fail"
    assert (result.evidence[0].path, result.evidence[0].line, result.evidence[0].ok) == ("app.py", 5, False)
    assert "one environment" in result.evidence[0].message


def test_env_deploys_na_without_deployment(evaluate):
    result = evaluate("factor01.env-deploys", {"app.py": "print(1)\n"})
    assert result.verdict.value == "n/a"
