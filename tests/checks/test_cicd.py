"""CI/CD & GitOps evaluators: every verdict each can give, with its key evidence."""

from __future__ import annotations

from pytest_twelvefactor.results import Verdict


def find(result, fragment):
    hits = [e for e in result.evidence if fragment in e.message]
    assert hits, f"no evidence with {fragment!r} in {[e.message for e in result.evidence]}"
    return hits[0]


DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.0
"""

DEPLOY_ON_PUSH = """
name: deploy
on:
  push:
    branches: [main]
jobs:
  deploy-prod:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - uses: actions/checkout@v4
      - name: Deploy
        run: |
          kubectl config current-context
          kubectl apply -k k8s/overlays/prod
"""

DEPLOY_TWO_ENVS = """
name: deploy
on: push
jobs:
  deploy-dev:
    runs-on: ubuntu-latest
    environment: dev
    steps:
      - run: helm upgrade --install api chart -f chart/values-dev.yaml
  deploy-prd:
    runs-on: ubuntu-latest
    environment: prd
    steps:
      - run: helm upgrade --install api chart -f chart/values-prd.yaml
"""

MANUAL = """
name: deploy
on: workflow_dispatch
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: kubectl apply -f k8s/
"""

KIND_E2E = """
name: e2e
on: push
jobs:
  e2e:
    runs-on: ubuntu-latest
    steps:
      - uses: helm/kind-action@v1
      - run: kubectl apply -f k8s/
"""

SSH_COMPOSE = """
name: deploy
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: appleboy/ssh-action@v1
        with:
          host: ${{ secrets.HOST }}
          script: cd /srv/app && docker compose pull && docker compose up -d
"""


# --------------------------------------------------------------------------- automated deploy


def test_automated_deploy_pass(evaluate):
    files = {"k8s/api.yaml": DEPLOYMENT, ".github/workflows/deploy.yml": DEPLOY_ON_PUSH}
    result = evaluate("cicd.automated-deploy", files)
    assert result.verdict is Verdict.PASS
    ev = find(result, "job deploy-prod deploys the Kubernetes deployment on push")
    assert (ev.path, ev.line, ev.ok, ev.env) == (".github/workflows/deploy.yml", 14, True, "production")


def test_automated_deploy_pass_argo_auto_sync(evaluate):
    app = """
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: api-prod
    spec:
      source: {path: k8s/overlays/prod}
      syncPolicy:
        automated: {prune: true}
    """
    result = evaluate("cicd.automated-deploy", {"k8s/api.yaml": DEPLOYMENT, "argocd/app.yaml": app})
    assert result.verdict is Verdict.PASS
    assert find(result, "Application/api-prod: Argo CD syncs every commit").path == "argocd/app.yaml"


def test_automated_deploy_partial_manual(evaluate):
    files = {"k8s/api.yaml": DEPLOYMENT, ".github/workflows/deploy.yml": MANUAL}
    result = evaluate("cicd.automated-deploy", files)
    assert result.verdict is Verdict.PARTIAL
    ev = find(result, "by manual trigger only")
    assert (ev.path, ev.line, ev.ok) == (".github/workflows/deploy.yml", 7, False)


def test_automated_deploy_partial_other_target(evaluate):
    files = {"k8s/api.yaml": DEPLOYMENT, ".github/workflows/deploy.yml": SSH_COMPOSE}
    result = evaluate("cicd.automated-deploy", files)
    assert result.verdict is Verdict.PARTIAL
    ev = find(result, "deploys another target (docker … up), not the Kubernetes deployment")
    assert (ev.path, ev.line) == (".github/workflows/deploy.yml", 10)
    assert "secrets.HOST" not in ev.message


def test_automated_deploy_compose_on_self_hosted_runner_and_paas_cli(evaluate):
    compose = "services:\n  web:\n    build: .\n"
    manual = (
        "on:\n  workflow_dispatch:\njobs:\n  deploy:\n    runs-on: self-hosted\n    steps:\n"
        "      - run: docker compose -f compose.yml build\n"
        "      - run: docker compose -f compose.yml up -d\n"
    )
    hosted_test = manual.replace("self-hosted", "ubuntu-latest").replace("workflow_dispatch", "push")
    files = {"compose.yml": compose, ".github/workflows/deploy.yml": manual, ".github/workflows/test.yml": hosted_test}
    result = evaluate("cicd.automated-deploy", files)
    assert result.verdict is Verdict.PARTIAL
    ev = find(result, "job deploy deploys the deployment by manual trigger only")
    assert (ev.path, ev.line) == (".github/workflows/deploy.yml", 8)
    assert all(e.path != ".github/workflows/test.yml" for e in result.evidence)
    files[".github/workflows/cloud.yml"] = "on:\n  push:\njobs:\n  ship:\n    runs-on: ubuntu-latest\n    steps:\n      - run: uv run fastapi deploy\n"
    result = evaluate("cicd.automated-deploy", files)
    assert result.verdict is Verdict.PASS
    assert find(result, "job ship deploys the deployment on push").line == 7


def test_automated_deploy_fail_kind_cluster_does_not_count(evaluate):
    files = {"k8s/api.yaml": DEPLOYMENT, ".github/workflows/e2e.yml": KIND_E2E}
    result = evaluate("cicd.automated-deploy", files)
    assert result.verdict is Verdict.FAIL
    assert find(result, "pipeline without a deploy step").path == ".github/workflows/e2e.yml"


def test_automated_deploy_fail_server_script_deployed_by_hand(evaluate):
    script = "import uvicorn\nfrom fastapi import FastAPI\napp = FastAPI()\n\nif __name__ == '__main__':\n    uvicorn.run(app)\n"
    result = evaluate("cicd.automated-deploy", {"main.py": script})
    assert result.verdict is Verdict.FAIL
    assert (result.evidence[0].path, result.evidence[0].line) == ("main.py", 6)


def test_automated_deploy_na(evaluate):
    assert evaluate("cicd.automated-deploy", {"README.md": "# lib\n"}).verdict is Verdict.NA


# --------------------------------------------------------------------------- environment separation


def test_environment_separation_pass(evaluate):
    files = {"k8s/api.yaml": DEPLOYMENT, ".github/workflows/deploy.yml": DEPLOY_TWO_ENVS}
    result = evaluate("cicd.environment-separation", files)
    assert result.verdict is Verdict.PASS
    assert "dev, prod" in result.summary
    ev = find(result, "job deploy-prd deploys to prd")
    assert (ev.path, ev.line, ev.ok) == (".github/workflows/deploy.yml", 11, True)


def test_environment_separation_fail_single_target(evaluate):
    files = {"k8s/api.yaml": DEPLOYMENT, ".github/workflows/deploy.yml": DEPLOY_ON_PUSH}
    result = evaluate("cicd.environment-separation", files)
    assert result.verdict is Verdict.FAIL
    assert "single deploy target (prod)" in result.summary
    ev = find(result, "the only deploy target")
    assert (ev.path, ev.line, ev.ok) == (".github/workflows/deploy.yml", 14, False)


def test_environment_separation_na(evaluate):
    files = {"k8s/api.yaml": DEPLOYMENT, ".github/workflows/e2e.yml": KIND_E2E}
    assert evaluate("cicd.environment-separation", files).verdict is Verdict.NA


# --------------------------------------------------------------------------- GitOps


def test_gitops_pass_flux(evaluate):
    flux = """
    apiVersion: kustomize.toolkit.fluxcd.io/v1
    kind: Kustomization
    metadata:
      name: apps
    spec:
      path: ./k8s
      sourceRef: {kind: GitRepository, name: flux-system}
    """
    result = evaluate("cicd.gitops", {"k8s/api.yaml": DEPLOYMENT, "clusters/prod/apps.yaml": flux})
    assert result.verdict is Verdict.PASS
    ev = find(result, "Kustomization/apps: Flux object")
    assert (ev.path, ev.line) == ("clusters/prod/apps.yaml", 1)


def test_gitops_fail_push_based(evaluate):
    files = {"k8s/api.yaml": DEPLOYMENT, ".github/workflows/deploy.yml": DEPLOY_ON_PUSH}
    result = evaluate("cicd.gitops", files)
    assert result.verdict is Verdict.FAIL
    ev = find(result, "job deploy-prod pushes manifests to the cluster (kubectl apply)")
    assert (ev.path, ev.line, ev.ok) == (".github/workflows/deploy.yml", 14, False)


def test_gitops_na(evaluate):
    assert evaluate("cicd.gitops", {"docker-compose.yml": "services:\n  web:\n    build: .\n"}).verdict is Verdict.NA


# --------------------------------------------------------------------------- progressive delivery


def test_progressive_delivery_pass_rollout(evaluate):
    rollout = """
    apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    metadata:
      name: api
    spec:
      strategy:
        canary:
          steps: [{setWeight: 20}, {pause: {}}]
    """
    result = evaluate("cicd.progressive-delivery", {"k8s/rollout.yaml": rollout})
    assert result.verdict is Verdict.PASS
    ev = find(result, "Rollout/api: Argo Rollouts canary strategy")
    assert (ev.path, ev.line) == ("k8s/rollout.yaml", 6)


def test_progressive_delivery_pass_weighted_route(evaluate):
    route = """
    apiVersion: gateway.networking.k8s.io/v1
    kind: HTTPRoute
    metadata:
      name: api
    spec:
      rules:
        - backendRefs:
            - {name: api-stable, port: 80, weight: 90}
            - {name: api-canary, port: 80, weight: 10}
    """
    result = evaluate("cicd.progressive-delivery", {"k8s/api.yaml": DEPLOYMENT, "k8s/route.yaml": route})
    assert result.verdict is Verdict.PASS
    assert find(result, "HTTPRoute/api: Gateway API weighted backends").line == 7


def test_progressive_delivery_fail(evaluate):
    result = evaluate("cicd.progressive-delivery", {"k8s/api.yaml": DEPLOYMENT})
    assert result.verdict is Verdict.FAIL
    ev = find(result, "Deployment/api: plain RollingUpdate update")
    assert (ev.path, ev.ok) == ("k8s/api.yaml", False)


def test_progressive_delivery_na(evaluate):
    assert evaluate("cicd.progressive-delivery", {"Dockerfile": "FROM python:3.12-slim\n"}).verdict is Verdict.NA
