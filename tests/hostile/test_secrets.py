"""Secrets canary: values planted wherever repositories keep credentials never reach any output
(terminal, logs, JSON, JUnit, Markdown, SARIF, HTML), while the evidence still says where they are."""

from __future__ import annotations

import base64
import uuid

import pytest

from audit_run import fingerprint, finish, start
from conftest import write_tree

CANARY = f"CANARY{uuid.uuid4().hex[:12]}"


def secret(where: str) -> str:
    return f"{CANARY}-{where}"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


KUBERNETES = {
    "k8s/secret.yaml": f"""
        apiVersion: v1
        kind: Secret
        metadata:
          name: app-secrets
        type: Opaque
        data:
          DB_PASSWORD: {b64(secret("secret-data"))}
        stringData:
          API_TOKEN: {secret("secret-stringdata")}
          config.yaml: |
            password: {secret("secret-multiline")}
        """,
    "k8s/configmap.yaml": f"""
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: app-config
        data:
          DATABASE_URL: postgresql://app:{secret("configmap-url")}@db.prod.internal:5432/app
          LOG_LEVEL: info
        """,
    "k8s/deployment.yaml": f"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          replicas: 2
          selector:
            matchLabels: {{app: web}}
          template:
            metadata:
              labels: {{app: web}}
            spec:
              containers:
                - name: web
                  image: registry.example.com/web:1.0
                  args: ["--password={secret("k8s-args")}", "--api-key", "{secret("k8s-args-spaced")}"]
                  env:
                    - name: SECRET_KEY
                      value: "{secret("k8s-env")}"
                    - name: REDIS_URL
                      value: "redis://:{secret("k8s-env-url")}@redis:6379/0"
        """,
    ".env": f"SECRET_KEY={secret('dotenv')}\nDATABASE_URL=postgres://u:{secret('dotenv-url')}@localhost/db\n",
    ".env.production": f"export STRIPE_API_KEY='{secret('dotenv-prod')}'\n",
    "Dockerfile": f"""
        FROM python:3.12-slim
        ARG PIP_TOKEN={secret("docker-arg")}
        ENV SECRET_KEY={secret("docker-env")} API_KEY="{secret("docker-env2")}"
        ENV DB_PASSWORD {secret("docker-env-space")}
        RUN pip install --index-url https://user:{secret("docker-pip")}@pypi.example.com/simple flask
        USER 1000
        CMD ["python", "-m", "app", "--api-key={secret("docker-cmd")}"]
        """,
    "app/settings.py": f"""
        import psycopg
        SECRET_KEY = "{secret("py-const")}"
        DATABASE_URL = "postgresql://app:{secret("py-url")}@db.prod.internal/app"
        API_TOKEN: str = "{secret("py-annotated")}"
        def connect():
            return psycopg.connect(host="db", password="{secret("py-kwarg")}", connect_timeout=5)
        class Settings:
            jwt_secret = "{secret("py-class")}"
        """,
    "pip.conf": f"[global]\nindex-url = https://user:{secret('pip-conf')}@pypi.example.com/simple\n",
    ".npmrc": f"//registry.npmjs.org/:_authToken={secret('npmrc-token')}\nregistry=https://u:{secret('npmrc-url')}@npm.example.com/\n",
    "requirements.txt": f"--extra-index-url https://u:{secret('requirements-index')}@pypi.example.com/simple\nflask==3.0.3\n",
    "Procfile": f"web: gunicorn app:app --token {secret('procfile')} --bind 0.0.0.0:$PORT\n",
    ".github/workflows/deploy.yml": f"""
        on: push
        jobs:
          deploy:
            runs-on: ubuntu-latest
            environment: production
            steps:
              - run: docker login -u bot -p {secret("ci-login")} registry.example.com
              - run: helm upgrade --install web ./chart --set db.password={secret("ci-helm")}
        """,
}

COMPOSE = {
    "docker-compose.yml": f"""
        services:
          web:
            build: .
            environment:
              POSTGRES_PASSWORD: {secret("compose-env")}
              DATABASE_URL: postgresql://app:{secret("compose-url")}@db/app
            command: gunicorn app:app --password={secret("compose-command")}
          worker:
            build: .
            command: celery -A app worker --broker=amqp://u:{secret("compose-broker")}@mq//
          db:
            image: postgres:16
            environment:
              - POSTGRES_PASSWORD={secret("compose-list")}
        """,
    "Dockerfile": "FROM python:3.12-slim\nUSER 1000\nCMD [\"gunicorn\", \"app:app\"]\n",
    "app/__init__.py": "",
}

KUSTOMIZE = {
    "deploy/base/kustomization.yaml": f"""
        resources: [app.yaml]
        secretGenerator:
          - name: generated
            literals: [PASSWORD={secret("kustomize-secret")}]
        configMapGenerator:
          - name: config
            literals: ["DATABASE_URL=postgres://u:{secret("kustomize-configmap")}@db/x"]
        """,
    "deploy/base/app.yaml": f"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: api
          annotations:
            kubectl.kubernetes.io/last-applied-configuration: '{{"kind":"Secret","data":{{"x":"{secret("annotation")}"}}}}'
        spec:
          selector: {{matchLabels: {{app: api}}}}
          template:
            metadata: {{labels: {{app: api}}}}
            spec:
              containers:
                - name: api
                  image: registry.example.com/api:1.0
                  command: ["sh", "-c", "exec uvicorn app:api --db postgres://u:{secret("kustomize-command")}@db/x"]
        """,
    "deploy/overlays/prod/kustomization.yaml": f"""
        resources: [../../base]
        secretGenerator:
          - name: prod
            literals: [TOKEN={secret("kustomize-overlay")}]
        """,
    "k8s/list.json": f'{{"apiVersion": "v1", "kind": "List", "items": [{{"apiVersion": "v1", "kind": "Secret", '
                     f'"metadata": {{"name": "listed"}}, "stringData": {{"pw": "{secret("json-list")}"}}}}]}}\n',
}

REPOS = {"kubernetes": KUBERNETES, "compose": COMPOSE, "kustomize": KUSTOMIZE}

# Where the evidence must still point: (repo, path, line or None for "any line", words the message names).
LOCATIONS = [
    ("kubernetes", "k8s/secret.yaml", 1, ["DB_PASSWORD", "API_TOKEN"]),
    ("kubernetes", "k8s/deployment.yaml", 18, ["SECRET_KEY"]),
    ("kubernetes", "k8s/deployment.yaml", 16, ["literal credential in command flag --password"]),
    ("kubernetes", "k8s/deployment.yaml", 16, ["literal credential in command flag --api-key"]),
    ("kubernetes", ".env", 1, ["SECRET_KEY"]),
    ("kubernetes", ".env.production", 1, ["STRIPE_API_KEY"]),
    ("kubernetes", "Dockerfile", 2, ["PIP_TOKEN"]),
    ("kubernetes", "Dockerfile", 3, ["SECRET_KEY"]),
    ("kubernetes", "Dockerfile", 4, ["DB_PASSWORD"]),
    ("kubernetes", "Dockerfile", 5, ["***@pypi.example.com"]),
    ("kubernetes", "app/settings.py", 2, ["SECRET_KEY"]),
    ("kubernetes", "app/settings.py", 3, ["credentials"]),
    ("kubernetes", "app/settings.py", 4, ["API_TOKEN"]),
    ("kubernetes", "app/settings.py", 6, ["password="]),
    ("kubernetes", "app/settings.py", 8, ["jwt_secret"]),
    ("kubernetes", "pip.conf", 2, ["***@pypi.example.com"]),
    ("kubernetes", ".npmrc", 1, ["_authtoken=***"]),
    ("kubernetes", ".npmrc", 2, ["***@npm.example.com"]),
    ("kubernetes", "requirements.txt", 1, ["***@pypi.example.com"]),
    ("compose", "docker-compose.yml", 4, ["POSTGRES_PASSWORD"]),
    ("kustomize", "deploy/base/kustomization.yaml", 3, ["PASSWORD"]),
    ("kustomize", "deploy/overlays/prod/kustomization.yaml", 3, ["TOKEN"]),
    ("kustomize", "k8s/list.json", 1, ["pw"]),
]


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    base = tmp_path_factory.mktemp("secrets")
    procs, trees = {}, {}
    for name, files in REPOS.items():
        root = write_tree(base / name / "repo", files)
        (root / ".git").mkdir()
        trees[name] = (root, fingerprint(root))
        procs[name] = start(root, base / name / "out", "-v", "-rA", "--log-level=DEBUG", "--log-cli-level=DEBUG",
                            "--twelvefactor-lang=ko" if name == "compose" else "-v")
    runs = {name: finish(proc) for name, proc in procs.items()}
    for name, (root, before) in trees.items():
        assert fingerprint(root) == before, f"{name}: the audit changed the audited tree"
    return runs


def _planted() -> list[str]:
    values = []
    for files in REPOS.values():
        for text in files.values():
            values += [w for w in text.replace('"', " ").replace("'", " ").replace("@", " ").replace("=", " ").split()
                       if CANARY in w]
    return values


@pytest.mark.parametrize("name", list(REPOS))
def test_no_secret_reaches_any_output(audited, name):
    run = audited[name]
    assert run.returncode in (0, 1), run.stderr[-2000:]
    outputs = run.outputs()
    assert set(outputs) >= {"stdout", "stderr", "result.json", "junit.xml", "report.md", "report.sarif", "report.html"}
    assert "twelvefactor::" in outputs["stdout"] and "<testcase" in outputs["junit.xml"]
    for where, text in outputs.items():
        assert CANARY not in text, f"{where}: {text[max(0, text.find(CANARY) - 200): text.find(CANARY) + 100]}"
        for value in _planted():
            value = value.strip(",[]{}:")
            assert b64(value) not in text and b64(CANARY)[:16] not in text, where


@pytest.mark.parametrize("repo, path, line, words", LOCATIONS, ids=[f"{r}:{p}:{l}" for r, p, l, _w in LOCATIONS])
def test_evidence_still_points_at_each_secret(audited, repo, path, line, words):
    evidence = [e for item in audited[repo].json()["items"] for e in item["evidence"]
                if e["path"] == path and (line is None or e["line"] == line)]
    assert evidence, f"no evidence at {path}:{line}"
    assert any(all(w in e["message"] for w in words) for e in evidence), [e["message"] for e in evidence]


def test_redaction_keeps_names_and_references():
    from pytest_twelvefactor.model.redaction import redact

    assert redact("process type app (--password=hunter2)") == "process type app (--password=***)"
    assert redact("gunicorn --token abc --bind 0.0.0.0") == "gunicorn --token *** --bind 0.0.0.0"
    assert redact("redis://:pw@redis:6379/0") == "redis://:***@redis:6379/0"
    assert redact("helm --set db.password=xyz") == "helm --set db.password=***"
    assert redact("docker login -u bot -p xyz registry") == "docker login -u bot -p *** registry"
    for kept in ("postgres://u:${DB_PASSWORD}@db/x", "--api-key=$(API_KEY)", "literal password= in call to connect",
                 "index https://***@pypi.example.com", "SECRET_KEY has a literal credential"):
        assert redact(kept) == kept
