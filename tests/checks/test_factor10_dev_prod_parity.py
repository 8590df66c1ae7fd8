"""factor10: same-stack, env-overlays, same-backing-services, container-dev, staging."""

from __future__ import annotations

from pytest_twelvefactor.results import Verdict


def deploy(name: str, image: str = "registry.example.com/shop:1.0", command: str | None = None) -> str:
    cmd = f"\n        command: {command}" if command else ""
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n"
        f"  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n"
        f"    spec:\n      containers:\n      - name: {name}\n        image: {image}{cmd}\n"
    )


def overlay(*resources: str) -> str:
    return "resources:\n" + "".join(f"- {r}\n" for r in resources)


BASE = {
    "deploy/base/kustomization.yaml": overlay("api.yaml"),
    "deploy/base/api.yaml": deploy("api"),
    "deploy/overlays/dev/kustomization.yaml": overlay("../../base"),
    "deploy/overlays/prod/kustomization.yaml": overlay("../../base"),
}


# ---------------------------------------------------------------- same-stack

def test_same_stack_pass(evaluate):
    r = evaluate("factor10.same-stack", BASE)
    assert r.verdict is Verdict.PASS
    assert [(e.path, e.line) for e in r.evidence] == [("deploy/base/api.yaml", 1)]
    assert "same image in dev, prod" in r.evidence[0].message


def test_same_stack_partial_component_dropped_and_image_swapped(evaluate):
    files = dict(BASE)
    files["deploy/overlays/prod/kustomization.yaml"] = overlay("../../base", "worker.yaml")
    files["deploy/overlays/prod/worker.yaml"] = deploy("worker")
    r = evaluate("factor10.same-stack", files)
    assert r.verdict is Verdict.PARTIAL
    bad = [e for e in r.evidence if e.ok is False]
    assert [(e.path, e.line) for e in bad] == [("deploy/overlays/prod/worker.yaml", 1)]
    assert "deployed in prod, not in dev" in bad[0].message


def test_same_stack_copies_with_another_image(evaluate):
    files = {"k8s/dev/api.yaml": deploy("api", image="python:3.12"), "k8s/prod/api.yaml": deploy("api")}
    r = evaluate("factor10.same-stack", files)
    assert r.verdict is Verdict.PARTIAL  # the checklist has no fail for this item
    assert "image differs between environments" in r.evidence[0].message
    assert r.evidence[0].path == "k8s/prod/api.yaml"


def test_same_stack_na_single_environment(evaluate):
    r = evaluate("factor10.same-stack", {"k8s/api.yaml": deploy("api")})
    assert r.verdict is Verdict.NA and "fewer than two" in r.summary


# ---------------------------------------------------------------- env-overlays

def test_env_overlays_pass_kustomize(evaluate):
    r = evaluate("factor10.env-overlays", BASE)
    assert r.verdict is Verdict.PASS
    assert ("deploy/overlays/prod/kustomization.yaml", 1) in [(e.path, e.line) for e in r.evidence if e.ok]
    assert "builds on deploy/base" in r.evidence[1].message


def test_env_overlays_pass_helm_values(evaluate):
    files = {"chart/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 1.0.0\n", "chart/values.yaml": "replicas: 1\n",
             "chart/values-dev.yaml": "replicas: 1\n", "chart/values-prod.yaml": "replicas: 3\n"}
    r = evaluate("factor10.env-overlays", files)
    assert r.verdict is Verdict.PASS and {e.path for e in r.evidence} == {"chart/values-dev.yaml", "chart/values-prod.yaml"}


def test_env_overlays_partial_for_copies(evaluate):
    files = {"k8s/dev/api.yaml": deploy("api"), "k8s/prod/api.yaml": deploy("api")}
    r = evaluate("factor10.env-overlays", files)
    assert r.verdict is Verdict.PARTIAL
    assert [(e.path, e.line, e.ok) for e in r.evidence] == [("k8s/dev/api.yaml", 1, False), ("k8s/prod/api.yaml", 1, False)]
    assert "full copy" in r.evidence[0].message


def test_env_overlays_na(evaluate):
    assert evaluate("factor10.env-overlays", {"k8s/api.yaml": deploy("api")}).verdict is Verdict.NA


# ---------------------------------------------------------------- same-backing-services

COMPOSE = """
services:
  api:
    build: .
    command: ["uvicorn", "app.main:app"]
  db:
    image: {db}
"""


def test_same_backing_services_pass(evaluate):
    files = {"k8s/db.yaml": deploy("db", image="postgres:16"), "docker-compose.yml": COMPOSE.format(db="postgres:16-alpine")}
    r = evaluate("factor10.same-backing-services", files)
    assert r.verdict is Verdict.PASS
    assert [(e.path, e.line) for e in r.evidence] == [("docker-compose.yml", 5)]
    assert "database: postgresql locally (compose service db) as in production" in r.evidence[0].message


def test_same_backing_services_partial_sqlite_stand_in(evaluate):
    files = {
        "requirements.txt": "psycopg==3.2.1\n",
        ".env.prod": "DATABASE_URL=\n",
        ".env.local": "DATABASE_URL=sqlite:///./dev.db\n",
    }
    r = evaluate("factor10.same-backing-services", files)
    assert r.verdict is Verdict.PARTIAL
    assert [(e.path, e.line) for e in r.evidence if e.ok is False] == [(".env.local", 1)]
    assert "sqlite locally" in r.evidence[0].message and "postgresql in production" in r.evidence[0].message
    assert "dev.db" not in r.evidence[0].message  # values never leave the model


def test_same_backing_services_na_without_local_stack(evaluate):
    r = evaluate("factor10.same-backing-services", {"k8s/db.yaml": deploy("db", image="postgres:16")})
    assert r.verdict is Verdict.NA and "local" in r.summary


# ---------------------------------------------------------------- container-dev

K8S_APP = {
    "Dockerfile": 'FROM python:3.12-slim\nCMD ["uvicorn", "app.main:app"]\n',
    "k8s/api.yaml": deploy("api"),
    "k8s/worker.yaml": deploy("worker", command='["celery", "-A", "app.worker", "worker"]'),
    "k8s/db.yaml": deploy("db", image="postgres:16"),
}


def test_container_dev_pass(evaluate):
    files = dict(K8S_APP)
    files["docker-compose.yml"] = COMPOSE.format(db="postgres:16") + "  worker:\n    build: .\n    command: celery -A app.worker worker\n"
    r = evaluate("factor10.container-dev", files)
    assert r.verdict is Verdict.PASS, r.evidence
    assert ("docker-compose.yml", 4) in [(e.path, e.line) for e in r.evidence if e.ok]


def test_container_dev_partial_missing_process_type(evaluate):
    files = dict(K8S_APP)
    files["docker-compose.yml"] = COMPOSE.format(db="postgres:16")
    r = evaluate("factor10.container-dev", files)
    assert r.verdict is Verdict.PARTIAL
    bad = [e for e in r.evidence if e.ok is False]
    assert [(e.path, e.line) for e in bad] == [("k8s/worker.yaml", 15)]
    assert "celery app.worker worker" in bad[0].message and "not in any local compose stack" in bad[0].message


def test_container_dev_partial_devcontainer_only(evaluate):
    files = dict(K8S_APP)
    files[".devcontainer/devcontainer.json"] = '{"image": "python:3.12"}\n'
    r = evaluate("factor10.container-dev", files)
    assert r.verdict is Verdict.PARTIAL and r.evidence[0].path == ".devcontainer/devcontainer.json"


def test_container_dev_pass_skaffold(evaluate):
    files = dict(K8S_APP)
    files["skaffold.yaml"] = "apiVersion: skaffold/v4beta11\nkind: Config\n"
    r = evaluate("factor10.container-dev", files)
    assert r.verdict is Verdict.PASS and r.evidence[0].path == "skaffold.yaml"


def test_container_dev_pass_when_compose_is_the_deployment(evaluate):
    r = evaluate("factor10.container-dev", {"compose.yaml": COMPOSE.format(db="postgres:16")})
    assert r.verdict is Verdict.PASS and "is the deployment" in r.summary


def test_container_dev_fail(evaluate):
    r = evaluate("factor10.container-dev", K8S_APP)
    assert r.verdict is Verdict.FAIL and "no containerised local stack" in r.summary


# ---------------------------------------------------------------- staging

def test_staging_pass(evaluate):
    files = {"k8s/staging/api.yaml": deploy("api"), "k8s/prod/api.yaml": deploy("api")}
    r = evaluate("factor10.staging", files)
    assert r.verdict is Verdict.PASS
    assert [(e.path, e.ok) for e in r.evidence if e.ok] == [("k8s/staging/api.yaml", True)]


def test_staging_partial_dev_and_prod_only(evaluate):
    r = evaluate("factor10.staging", BASE)
    assert r.verdict is Verdict.PARTIAL and "dev + prod only" in r.summary
    assert ("deploy/overlays/prod/kustomization.yaml", 1) in [(e.path, e.line) for e in r.evidence]


def test_staging_from_ci_environment(evaluate):
    files = {
        "k8s/api.yaml": deploy("api"),
        ".github/workflows/deploy.yml": "on: push\njobs:\n  qa:\n    runs-on: ubuntu-latest\n    environment: qa\n    steps:\n    - run: make deploy\n",
    }
    r = evaluate("factor10.staging", files)
    assert r.verdict is Verdict.PASS
    assert (".github/workflows/deploy.yml", 3) in [(e.path, e.line) for e in r.evidence if e.ok]


def test_staging_fail_single_environment(evaluate):
    r = evaluate("factor10.staging", {"k8s/api.yaml": deploy("api")})
    assert r.verdict is Verdict.FAIL and "one environment" in r.summary


def test_staging_fail_app_run_by_hand_is_one_environment(evaluate):
    script = "import uvicorn\nfrom fastapi import FastAPI\napp = FastAPI()\n\nif __name__ == '__main__':\n    uvicorn.run(app, port=8000)\n"
    r = evaluate("factor10.staging", {"main.py": script})
    assert r.verdict is Verdict.FAIL and "one environment" in r.summary
    assert (r.evidence[0].path, r.evidence[0].line) == ("main.py", 6)


def test_staging_na_without_deployment(evaluate):
    assert evaluate("factor10.staging", {"app.py": "print(1)\n"}).verdict is Verdict.NA
