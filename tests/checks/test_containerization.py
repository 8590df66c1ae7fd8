"""Evaluators of the Containerization area: every verdict each one can give."""

from __future__ import annotations

from pytest_twelvefactor.results import Verdict

REQS = "fastapi==0.115.6\n"
MAIN = "from fastapi import FastAPI\napp = FastAPI()\n"


def finding(result, ok=False):
    return [e for e in result.evidence if e.ok is ok]


def deployment(name: str, container_extra: str = "", pod_extra: str = "", init: str = "") -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
{pod_extra}{init}      containers:
        - name: {name}
          image: registry.example.com/{name}:1.0.0
{container_extra}"""


APE = "          securityContext:\n            allowPrivilegeEscalation: false\n"


# --------------------------------------------------------------------------- containerized


def test_containerized_pass_dockerfile_in_ancestor_of_app_root(evaluate):
    result = evaluate("containerization.containerized", {
        "src/app/requirements.txt": REQS,
        "src/app/main.py": MAIN,
        "Dockerfile": "FROM python:3.12-slim\nCOPY src/app/ /app/\nCMD [\"uvicorn\", \"main:app\"]\n",
    })
    assert result.verdict is Verdict.PASS
    ev = finding(result, True)[0]
    assert (ev.path, ev.line) == ("Dockerfile", 1)
    assert "src/app is built by Dockerfile" in ev.message


def test_containerized_pass_dockerfile_elsewhere_copies_root(evaluate):
    result = evaluate("containerization.containerized", {
        "api/requirements.txt": REQS,
        "docker/api.Dockerfile": "FROM python:3.12-slim\nWORKDIR /app\nCOPY api/ ./\n",
    })
    assert result.verdict is Verdict.PASS
    ev = finding(result, True)[0]
    assert (ev.path, ev.line) == ("docker/api.Dockerfile", 3)


def test_containerized_pass_image_built_elsewhere(evaluate):
    result = evaluate("containerization.containerized", {
        "frontend/package.json": '{"name": "frontend"}\n',
        "k8s/deploy.yaml": deployment("web").replace("registry.example.com/web", "ghcr.io/acme/shop-frontend"),
    })
    assert result.verdict is Verdict.PASS
    ev = finding(result, True)[0]
    assert ev.path == "k8s/deploy.yaml"
    assert "deployed as image ghcr.io/acme/shop-frontend:1.0.0" in ev.message


def test_containerized_partial_one_root_not_built(evaluate):
    result = evaluate("containerization.containerized", {
        "api/requirements.txt": REQS,
        "api/Dockerfile": "FROM python:3.12-slim\nCOPY . /app\n",
        "worker/requirements.txt": "celery==5.4.0\n",
        "requirements-dev.txt": "pytest==8.0\n",
    })
    assert result.verdict is Verdict.PARTIAL
    bad = finding(result)
    assert len(bad) == 1
    assert bad[0].path == "worker/requirements.txt"
    assert "app root worker: no Dockerfile builds it" in bad[0].message


def test_containerized_fail_without_container_definitions(evaluate):
    result = evaluate("containerization.containerized", {"src/app/requirements.txt": REQS, "src/app/main.py": MAIN})
    assert result.verdict is Verdict.FAIL
    assert "no container definitions" in result.summary
    assert finding(result)[0].path == "src/app/requirements.txt"


def test_containerized_na_without_application_or_containers(evaluate):
    result = evaluate("containerization.containerized", {"README.md": "# notes\n"})
    assert result.verdict is Verdict.NA


# --------------------------------------------------------------------------- non-root


def test_non_root_pass_user_in_final_stage(evaluate):
    result = evaluate("containerization.non-root", {
        "Dockerfile": "FROM python:3.12-slim AS build\nRUN pip wheel .\nFROM python:3.12-slim\nRUN useradd -u 1001 app\nUSER app\n",
        ".devcontainer/Dockerfile": "FROM mcr.microsoft.com/devcontainers/python:3.12\n",
    })
    assert result.verdict is Verdict.PASS
    ev = finding(result, True)[0]
    assert (ev.path, ev.line) == ("Dockerfile", 5)
    assert "USER app" in ev.message
    assert any(e.ok is None and e.path == ".devcontainer/Dockerfile" for e in result.evidence)


def test_non_root_pass_user_inherited_and_resolved_from_arg(evaluate):
    result = evaluate("containerization.non-root", {
        "Dockerfile": "ARG UID=10001\nFROM python:3.12-slim AS base\nARG UID\nUSER ${UID}\nFROM base AS final\nCMD [\"python\"]\n",
    })
    assert result.verdict is Verdict.PASS
    assert finding(result, True)[0].line == 4
    assert "USER 10001" in finding(result, True)[0].message


def test_non_root_partial(evaluate):
    result = evaluate("containerization.non-root", {
        "api/Dockerfile": "FROM python:3.12-slim\nUSER 1001\n",
        "worker/Dockerfile": "FROM python:3.12-slim\nUSER 0:0\n",
    })
    assert result.verdict is Verdict.PARTIAL
    bad = finding(result)[0]
    assert (bad.path, bad.line) == ("worker/Dockerfile", 2)
    assert "USER 0" in bad.message


def test_non_root_fail_without_user(evaluate):
    result = evaluate("containerization.non-root", {"Dockerfile": "# app\nFROM python:3.12-slim\nCMD [\"python\"]\n"})
    assert result.verdict is Verdict.FAIL
    bad = finding(result)[0]
    assert (bad.path, bad.line) == ("Dockerfile", 2)
    assert "no USER, runs as root" in bad.message


def test_non_root_na_without_dockerfile(evaluate):
    assert evaluate("containerization.non-root", {"app.py": "print(1)\n"}).verdict is Verdict.NA


# --------------------------------------------------------------------------- minimal base


def test_minimal_base_pass_follows_stage_chain(evaluate):
    result = evaluate("containerization.minimal-base", {
        "Dockerfile": "FROM python:3.12 AS build\nRUN pip wheel .\nFROM python:3.12-slim-bookworm AS runtime\nFROM runtime\nCMD [\"x\"]\n",
        "java/Dockerfile": "FROM gradle:8 AS b\nFROM eclipse-temurin:21-jre\n",
        "go/Dockerfile": "FROM golang:1.22 AS b\nFROM gcr.io/distroless/static-debian12:nonroot\n",
    })
    assert result.verdict is Verdict.PASS
    lines = {(e.path, e.line) for e in finding(result, True)}
    assert lines == {("Dockerfile", 3), ("java/Dockerfile", 2), ("go/Dockerfile", 2)}


def test_minimal_base_partial_full_size(evaluate):
    result = evaluate("containerization.minimal-base", {"Dockerfile": "FROM node:20-alpine AS b\nFROM python:3.12\n"})
    assert result.verdict is Verdict.PARTIAL
    bad = finding(result)[0]
    assert (bad.path, bad.line) == ("Dockerfile", 2)
    assert "python:3.12 is a full-size image" in bad.message


def test_minimal_base_fail_mutable_tag(evaluate):
    result = evaluate("containerization.minimal-base", {
        "a/Dockerfile": "FROM python:3.12-slim\n",
        "b/Dockerfile": "FROM alpine\n",
        "c/Dockerfile": "FROM python:slim-latest\n",
    })
    assert result.verdict is Verdict.FAIL
    bad = {e.path: e.message for e in finding(result)}
    assert "no tag" in bad["b/Dockerfile"]
    assert "tag slim-latest" in bad["c/Dockerfile"]


def test_minimal_base_na_without_dockerfile(evaluate):
    assert evaluate("containerization.minimal-base", {"README.md": "x\n"}).verdict is Verdict.NA


# --------------------------------------------------------------------------- security context


def test_security_context_pass_with_bonus_evidence(evaluate):
    extra = APE + "            readOnlyRootFilesystem: true\n            capabilities: {drop: [ALL]}\n"
    result = evaluate("containerization.security-context", {"k8s/api.yaml": deployment("api", extra)})
    assert result.verdict is Verdict.PASS
    ev = finding(result, True)[0]
    assert (ev.path, ev.line) == ("k8s/api.yaml", 16)
    assert "readOnlyRootFilesystem on 1, drop ALL on 1" in ev.message


def test_security_context_partial_init_container_counts(evaluate):
    init = "      initContainers:\n        - name: migrate\n          image: registry.example.com/api:1.0.0\n"
    result = evaluate("containerization.security-context", {
        "k8s/api.yaml": deployment("api", APE, init=init),
        "k8s/worker.yaml": deployment("worker", APE),
    })
    assert result.verdict is Verdict.PARTIAL
    bad = finding(result)[0]
    assert (bad.path, bad.line) == ("k8s/api.yaml", 13)
    assert "Deployment/api: container migrate does not set allowPrivilegeEscalation: false" == bad.message


def test_security_context_fail_pod_level_is_ignored(evaluate):
    pod = "      securityContext:\n        allowPrivilegeEscalation: false\n        runAsNonRoot: true\n"
    result = evaluate("containerization.security-context", {
        "k8s/api.yaml": deployment("api", pod_extra=pod),
        "k8s/redis.yaml": deployment("redis").replace("registry.example.com/redis:1.0.0", "redis:7.2"),
    })
    assert result.verdict is Verdict.FAIL
    bad = finding(result)
    assert len(bad) == 1  # redis is a backing service, not an app workload
    assert "set at pod level" in bad[0].message


def test_security_context_fail_privileged(evaluate):
    extra = APE + "            privileged: true\n"
    result = evaluate("containerization.security-context", {"k8s/api.yaml": deployment("api", extra)})
    assert result.verdict is Verdict.FAIL
    assert "container api is privileged" in finding(result)[0].message


def test_security_context_na_without_kubernetes(evaluate):
    assert evaluate("containerization.security-context", {"Dockerfile": "FROM python:3.12-slim\n"}).verdict is Verdict.NA


def test_odd_inputs_never_raise(evaluate):
    files = {
        "Dockerfile": "ARG BASE\nFROM ${BASE}\nUSER $NOPE\nCOPY --from=x / /\n",
        "b/Dockerfile": "FROM a AS a\nFROM a\n",
        "docker-compose.yml": "services:\n  x: 5\n  y: {build: 5, image: 3}\n",
        "k8s/a.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      securityContext: 3\n      containers: [x, {name: c, securityContext: {capabilities: 4}}]\n      initContainers: 5\n",
        "requirements.txt": "x\n",
    }
    for item in ("containerization.containerized", "containerization.non-root", "containerization.minimal-base", "containerization.security-context"):
        assert isinstance(evaluate(item, files).verdict, Verdict)
