"""Generate a synthetic application monorepo for the performance benchmarks.

Deterministic (seeded): the same size and seed always give the same tree.

    python benchmarks/generate.py large /tmp/bench-large
    python benchmarks/generate.py double /tmp/bench-double   # 2x large, to check linearity

Sizes (apps / Python files / Dockerfiles):

    small     100 /    500 /   20
    medium  1,000 /  5,000 /  200
    large   5,000 / 20,000 / 1,000
    double 10,000 / 40,000 / 2,000

Every app has a Deployment (or, for a few, a StatefulSet), a Service, an HPA,
a PodDisruptionBudget and a ConfigMap, varied: images and tags (pinned,
``latest``, digests, private registries), missing probes, missing limits,
root containers, HPAs on CPU or memory, PDBs with minAvailable or
maxUnavailable, a few with a selector that matches nothing. A share of the
apps (KUSTOMIZE_SHARE) is described by a per-app ``kustomization.yaml``
(namespace, images and labels transforms, a configMapGenerator for some); the
others are plain manifests. Python modules carry imports, settings classes,
environment reads, logging, HTTP calls with and without timeouts, Celery
tasks and tests. Dockerfiles are single- and multi-stage, with and without
USER / HEALTHCHECK. A few GitHub Actions workflows and a compose file for
local development sit at the root.

Generated trees belong in /tmp, never in the repository.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import time
from pathlib import Path

SIZES = {
    #          apps, python files, dockerfiles
    "tiny": (20, 100, 4),
    "small": (100, 500, 20),
    "medium": (1_000, 5_000, 200),
    "large": (5_000, 20_000, 1_000),
    "double": (10_000, 40_000, 2_000),
}
KUSTOMIZE_SHARE = 0.3   # share of apps described by a per-app kustomization
TEAMS = ["payments", "search", "catalog", "identity", "orders", "billing", "media", "notify", "ledger", "growth",
         "support", "shipping", "pricing", "reviews", "ads", "maps", "chat", "risk", "data", "platform"]
REGISTRIES = ["", "ghcr.io/acme/", "registry.acme.internal/", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/", "docker.io/acme/"]
BASES = ["python:3.12-slim", "python:3.11-slim-bookworm", "python:3.12-alpine", "python:3.10", "python:latest",
         "gcr.io/distroless/python3-debian12", "ubuntu:22.04", "python@sha256:" + "ab" * 32]
WORDS = ["alpha", "beta", "gamma", "delta", "kappa", "sigma", "omega", "nova", "lumen", "vector", "quartz", "ember",
         "atlas", "comet", "pulse", "orbit", "prism", "spark", "tide", "zephyr"]


# --------------------------------------------------------------------------- Kubernetes


def image_for(rng: random.Random, app: str) -> str:
    registry = rng.choice(REGISTRIES)
    roll = rng.random()
    if roll < 0.08:
        return f"{registry}{app}:latest"
    if roll < 0.12:
        return f"{registry}{app}"
    if roll < 0.17:
        return f"{registry}{app}@sha256:{rng.getrandbits(256):064x}"
    return f"{registry}{app}:{rng.randint(0, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}"


def deployment(rng: random.Random, app: str, team: str, image: str, kind: str = "Deployment") -> str:
    port = rng.choice([8000, 8080, 5000, 3000, 9000])
    probes = rng.random() > 0.2
    limits = rng.random() > 0.15
    non_root = rng.random() > 0.35
    worker = rng.random() < 0.15
    replicas = rng.choice([1, 2, 2, 3, 3, 4, 6])
    lines = [
        "apiVersion: apps/v1",
        f"kind: {kind}",
        "metadata:",
        f"  name: {app}",
        "  labels:",
        f"    app.kubernetes.io/name: {app}",
        f"    app.kubernetes.io/part-of: {team}",
        f"    app.kubernetes.io/component: {'worker' if worker else 'api'}",
        "spec:",
        f"  replicas: {replicas}",
    ]
    if kind == "StatefulSet":
        lines.append(f"  serviceName: {app}")
    lines += [
        "  selector:",
        "    matchLabels:",
        f"      app.kubernetes.io/name: {app}",
        "  template:",
        "    metadata:",
        "      labels:",
        f"        app.kubernetes.io/name: {app}",
        f"        app.kubernetes.io/part-of: {team}",
    ]
    if rng.random() < 0.4:
        lines += ["      annotations:", '        prometheus.io/scrape: "true"', f'        prometheus.io/port: "{port}"']
    lines += ["    spec:"]
    if rng.random() < 0.5:
        lines.append(f"      serviceAccountName: {app}")
    lines.append(f"      terminationGracePeriodSeconds: {rng.choice([10, 30, 30, 60])}")
    if non_root:
        lines += ["      securityContext:", "        runAsNonRoot: true", f"        runAsUser: {rng.choice([1000, 10001, 65532])}"]
    if rng.random() < 0.2:
        lines += [
            "      initContainers:",
            "        - name: migrate",
            f"          image: {image}",
            '          command: ["python", "-m", "app.migrate"]',
        ]
    lines += [
        "      containers:",
        f"        - name: {app}",
        f"          image: {image}",
        f"          imagePullPolicy: {rng.choice(['IfNotPresent', 'IfNotPresent', 'Always'])}",
    ]
    if worker:
        lines.append(f'          command: ["celery", "-A", "app.tasks", "worker", "--concurrency={rng.randint(1, 8)}"]')
    else:
        lines.append(f'          command: ["gunicorn", "app.main:app", "-b", "0.0.0.0:{port}", "-w", "{rng.randint(2, 8)}"]')
        lines += ["          ports:", f"            - containerPort: {port}", "              name: http"]
    lines += [
        "          env:",
        "            - name: LOG_LEVEL",
        f"              value: {rng.choice(['info', 'debug', 'warning'])}",
        "            - name: DATABASE_URL",
        "              valueFrom:",
        "                secretKeyRef:",
        f"                  name: {app}-db",
        "                  key: url",
    ]
    if rng.random() < 0.1:
        lines += ["            - name: API_TOKEN", f'              value: "tok-{rng.getrandbits(64):016x}"']
    lines += ["          envFrom:", "            - configMapRef:", f"                name: {app}-config"]
    if probes and not worker:
        lines += [
            "          readinessProbe:",
            "            httpGet:",
            f"              path: {rng.choice(['/healthz', '/ready', '/health/ready'])}",
            f"              port: {port}",
            f"            periodSeconds: {rng.choice([5, 10])}",
            "          livenessProbe:",
            "            httpGet:",
            "              path: /healthz",
            f"              port: {port}",
            f"            initialDelaySeconds: {rng.choice([5, 10, 30])}",
        ]
    elif probes:
        lines += ["          livenessProbe:", "            exec:", '              command: ["celery", "inspect", "ping"]']
    lines += ["          resources:", "            requests:", f"              cpu: {rng.choice(['50m', '100m', '250m', '500m'])}",
              f"              memory: {rng.choice(['64Mi', '128Mi', '256Mi', '512Mi'])}"]
    if limits:
        lines += ["            limits:", f"              memory: {rng.choice(['256Mi', '512Mi', '1Gi'])}"]
        if rng.random() < 0.5:
            lines.append(f"              cpu: {rng.choice(['500m', '1', '2'])}")
    if rng.random() < 0.6:
        lines += [
            "          securityContext:",
            "            allowPrivilegeEscalation: false",
            f"            readOnlyRootFilesystem: {rng.choice(['true', 'false'])}",
            "            capabilities:",
            "              drop: [ALL]",
        ]
    if rng.random() < 0.3:
        lines += ["          lifecycle:", "            preStop:", "              exec:", '                command: ["sleep", "5"]']
    return "\n".join(lines) + "\n"


def service(rng: random.Random, app: str) -> str:
    port = rng.choice([80, 8080])
    return (
        "apiVersion: v1\nkind: Service\nmetadata:\n"
        f"  name: {app}\n  labels:\n    app.kubernetes.io/name: {app}\n"
        f"spec:\n  type: {rng.choice(['ClusterIP', 'ClusterIP', 'ClusterIP', 'NodePort'])}\n"
        f"  selector:\n    app.kubernetes.io/name: {app}\n"
        f"  ports:\n    - name: http\n      port: {port}\n      targetPort: http\n"
    )


def hpa(rng: random.Random, app: str, kind: str) -> str:
    low = rng.choice([1, 2, 2, 3])
    metric = rng.choice(["cpu", "cpu", "memory"])
    return (
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n"
        f"  name: {app}\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: {kind}\n    name: {app}\n"
        f"  minReplicas: {low}\n  maxReplicas: {low * rng.choice([2, 4, 5, 10])}\n"
        f"  metrics:\n    - type: Resource\n      resource:\n        name: {metric}\n"
        f"        target:\n          type: Utilization\n          averageUtilization: {rng.choice([60, 70, 75, 80])}\n"
    )


def pdb(rng: random.Random, app: str) -> str:
    target = app if rng.random() > 0.05 else app + "-old"   # a few match nothing
    budget = f"minAvailable: {rng.choice([1, 1, 2])}" if rng.random() < 0.6 else f"maxUnavailable: {rng.choice([1, '25%'])}"
    return (
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n"
        f"  name: {app}\nspec:\n  {budget}\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {target}\n"
    )


def configmap(rng: random.Random, app: str, team: str) -> str:
    entries = [f"  FEATURE_{w.upper()}: \"{rng.choice(['true', 'false'])}\"" for w in rng.sample(WORDS, rng.randint(2, 6))]
    entries.append(f"  UPSTREAM_URL: http://{rng.choice(WORDS)}.{team}.svc.cluster.local:8080")
    if rng.random() < 0.1:
        entries.append(f"  DB_PASSWORD: \"pw-{rng.getrandbits(40):010x}\"")
    return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n" f"  name: {app}-config\ndata:\n" + "\n".join(entries) + "\n"


def kustomization(rng: random.Random, app: str, team: str, image: str, files: list[str]) -> str:
    lines = ["apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization", f"namespace: {team}", "resources:"]
    lines += [f"  - {f}" for f in files]
    if rng.random() < 0.5:
        lines += ["labels:", "  - pairs:", f"      team: {team}", "    includeSelectors: false"]
    if rng.random() < 0.4:
        name = image.split("@")[0].rsplit(":", 1)[0] if ":" in image.split("/")[-1] or "@" in image else image
        lines += ["images:", f"  - name: {name}", f"    newTag: {rng.randint(1, 3)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}"]
    if rng.random() < 0.3:
        lines += ["configMapGenerator:", f"  - name: {app}-extra", "    literals:", f"      - REGION={rng.choice(['eu', 'us', 'ap'])}",
                  "      - MODE=production"]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- Python


def py_main(rng: random.Random, app: str, web: str) -> str:
    port = rng.choice([8000, 8080, 5000])
    if web == "fastapi":
        head = (
            "import logging\nimport os\n\nimport httpx\nfrom fastapi import FastAPI, HTTPException\n\n"
            "from .settings import settings\nfrom .client import fetch_upstream\n\n"
            f"logger = logging.getLogger(__name__)\napp = FastAPI(title=\"{app}\")\n\n\n"
            "@app.get(\"/healthz\")\nasync def healthz():\n    return {\"status\": \"ok\"}\n\n\n"
        )
        routes = "".join(
            f"@app.get(\"/{w}/{{item_id}}\")\nasync def get_{w}(item_id: int):\n"
            f"    logger.info(\"get {w} %s\", item_id)\n"
            f"    data = await fetch_upstream(\"/{w}/\" + str(item_id))\n"
            "    if data is None:\n        raise HTTPException(status_code=404)\n    return data\n\n\n"
            for w in rng.sample(WORDS, rng.randint(3, 8))
        )
        tail = (
            "if __name__ == \"__main__\":\n    import uvicorn\n\n"
            f"    uvicorn.run(app, host=\"0.0.0.0\", port=int(os.environ.get(\"PORT\", \"{port}\")))\n"
        )
        return head + routes + tail
    head = (
        "import logging\nimport os\n\nimport requests\nfrom flask import Flask, jsonify\n\n"
        "from .settings import settings\n\n"
        f"logging.basicConfig(level=os.environ.get(\"LOG_LEVEL\", \"INFO\"))\nlog = logging.getLogger(\"{app}\")\napp = Flask(__name__)\n\n\n"
        "@app.route(\"/health\")\ndef health():\n    return jsonify(status=\"ok\")\n\n\n"
    )
    routes = "".join(
        f"@app.route(\"/{w}\")\ndef {w}():\n    log.info(\"{w} requested\")\n"
        + (f"    reply = requests.get(settings.upstream_url + \"/{w}\", timeout={rng.choice([2, 5, 10])})\n"
           if rng.random() < 0.7 else f"    reply = requests.get(settings.upstream_url + \"/{w}\")\n")
        + "    return jsonify(reply.json())\n\n\n"
        for w in rng.sample(WORDS, rng.randint(3, 8))
    )
    tail = f"if __name__ == \"__main__\":\n    app.run(host=\"0.0.0.0\", port={port})\n" if rng.random() < 0.3 else ""
    return head + routes + tail


def py_settings(rng: random.Random, app: str) -> str:
    if rng.random() < 0.6:
        fields = "".join(f"    feature_{w}: bool = False\n" for w in rng.sample(WORDS, rng.randint(2, 6)))
        secret = "    api_key: str = \"dev-key-123\"\n" if rng.random() < 0.1 else "    api_key: str\n"
        return (
            "from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
            f"    app_name: str = \"{app}\"\n    database_url: str\n    redis_url: str = \"redis://localhost:6379/0\"\n"
            f"    upstream_url: str = \"http://localhost:8080\"\n    log_level: str = \"INFO\"\n{secret}{fields}\n\nsettings = Settings()\n"
        )
    body = "import os\n\n\nclass _Settings:\n"
    body += "    database_url = os.environ[\"DATABASE_URL\"]\n"
    body += "    upstream_url = os.getenv(\"UPSTREAM_URL\", \"http://localhost:8080\")\n"
    body += "    debug = os.environ.get(\"DEBUG\", \"0\") == \"1\"\n"
    for w in rng.sample(WORDS, rng.randint(1, 5)):
        body += f"    {w}_enabled = os.getenv(\"{w.upper()}_ENABLED\") == \"true\"\n"
    return body + "\n\nsettings = _Settings()\n"


def py_client(rng: random.Random) -> str:
    timeout = ", timeout=5.0" if rng.random() < 0.7 else ""
    retry = "from tenacity import retry, stop_after_attempt\n" if rng.random() < 0.4 else ""
    deco = "@retry(stop=stop_after_attempt(3))\n" if retry else ""
    return (
        f"import logging\n\nimport httpx\n{retry}\nfrom .settings import settings\n\nlogger = logging.getLogger(__name__)\n\n\n"
        f"{deco}async def fetch_upstream(path: str):\n    async with httpx.AsyncClient(base_url=settings.upstream_url{timeout}) as client:\n"
        "        reply = await client.get(path)\n        if reply.status_code == 404:\n            return None\n"
        "        reply.raise_for_status()\n        logger.debug(\"fetched %s\", path)\n        return reply.json()\n"
    )


def py_tasks(rng: random.Random, app: str) -> str:
    tasks = "".join(
        f"@celery.task(bind=True, max_retries={rng.randint(0, 5)})\ndef process_{w}(self, item_id):\n"
        f"    logger.info(\"processing {w} %s\", item_id)\n    return item_id\n\n\n"
        for w in rng.sample(WORDS, rng.randint(2, 5))
    )
    return (
        "import logging\nimport os\n\nfrom celery import Celery\n\n"
        f"logger = logging.getLogger(__name__)\ncelery = Celery(\"{app}\", broker=os.environ.get(\"BROKER_URL\", \"redis://localhost:6379/0\"))\n\n\n"
        + tasks
    )


def py_models(rng: random.Random) -> str:
    classes = ""
    for w in rng.sample(WORDS, rng.randint(2, 6)):
        fields = "".join(f"    {f}: {rng.choice(['int', 'str', 'float', 'bool'])}\n" for f in rng.sample(WORDS, rng.randint(2, 7)))
        classes += f"@dataclass\nclass {w.title()}:\n    id: int\n{fields}\n    def describe(self) -> str:\n        return f\"{w} {{self.id}}\"\n\n\n"
    cache = "_CACHE: dict = {}\n\n\ndef remember(key, value):\n    _CACHE[key] = value\n\n\n" if rng.random() < 0.2 else ""
    return "from dataclasses import dataclass\n\n\n" + cache + classes


def py_test(rng: random.Random, app: str) -> str:
    tests = "".join(f"def test_{w}():\n    assert \"{w}\".upper() == \"{w.upper()}\"\n\n\n" for w in rng.sample(WORDS, rng.randint(2, 6)))
    return f"\"\"\"Tests for {app}.\"\"\"\n\n\n" + tests


def py_util(rng: random.Random, n: int) -> str:
    funcs = ""
    for w in rng.sample(WORDS, rng.randint(3, 8)):
        funcs += (
            f"def {w}_{n}(values):\n    total = 0\n    for value in values:\n        if value > {rng.randint(0, 99)}:\n"
            f"            total += value * {rng.randint(1, 9)}\n    return total\n\n\n"
        )
    return "import json\nimport logging\n\nlogger = logging.getLogger(__name__)\n\n\n" + funcs


PY_KINDS = ["main", "settings", "client", "tasks", "models", "test"]


# --------------------------------------------------------------------------- Dockerfiles, CI, root


def dockerfile(rng: random.Random, app: str) -> str:
    base = rng.choice(BASES)
    user = "USER 10001\n" if rng.random() > 0.4 else ""
    health = "HEALTHCHECK CMD curl -f http://localhost:8000/healthz || exit 1\n" if rng.random() < 0.3 else ""
    cmd = 'CMD ["gunicorn", "app.main:app", "-b", "0.0.0.0:8000"]\n'
    if rng.random() < 0.5:
        builder = rng.choice(["python:3.12", "python:3.11-bookworm", "python:3.12-slim"])
        return (
            f"# {app}: multi-stage build\nFROM {builder} AS build\nWORKDIR /src\nCOPY requirements.txt .\n"
            "RUN pip wheel --no-cache-dir -r requirements.txt -w /wheels\nCOPY . .\n\n"
            f"FROM {base}\nWORKDIR /app\nCOPY --from=build /wheels /wheels\n"
            "RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels\nCOPY app ./app\n"
            f"ENV PYTHONUNBUFFERED=1\nEXPOSE 8000\n{user}{health}{cmd}"
        )
    install = "RUN pip install -r requirements.txt\n" if rng.random() < 0.5 else "RUN pip install --no-cache-dir -r requirements.txt\n"
    return (
        f"FROM {base}\nWORKDIR /app\nRUN apt-get update && apt-get install -y curl\nCOPY requirements.txt .\n{install}"
        f"COPY . .\nEXPOSE 8000\n{user}{health}{cmd}"
    )


def requirements(rng: random.Random) -> str:
    pkgs = ["fastapi==0.115.0", "uvicorn[standard]==0.30.6", "httpx==0.27.2", "pydantic-settings==2.5.2", "celery==5.4.0",
            "redis==5.0.8", "requests", "flask>=3.0", "gunicorn==23.0.0", "tenacity==9.0.0", "sqlalchemy==2.0.35",
            "psycopg[binary]==3.2.3", "structlog==24.4.0", "prometheus-client==0.21.0"]
    return "\n".join(rng.sample(pkgs, rng.randint(4, 10))) + "\n"


WORKFLOW = """name: {name}
on:
  push:
    branches: [main]
  pull_request:
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install -r requirements-dev.txt
      - run: pytest -q apps/{scope}
  build:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: docker/build-push-action@v6
        with:
          push: ${{{{ github.ref == 'refs/heads/main' }}}}
          tags: ghcr.io/acme/{scope}:${{{{ github.sha }}}}
"""


def generate(size: str, out: Path, seed: int = 12) -> dict:
    apps, py_files, dockerfiles = SIZES[size]
    rng = random.Random(f"{seed}-{size}")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    counts = {"apps": apps, "python": 0, "dockerfiles": 0, "manifests": 0, "kustomizations": 0, "workflows": 0}

    def write(rel: str, text: str) -> None:
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    docker_every = max(1, apps // dockerfiles) if dockerfiles else 0
    per_app_py = py_files // apps
    extra_py = py_files - per_app_py * apps
    for n in range(apps):
        team = TEAMS[n % len(TEAMS)]
        app = f"{rng.choice(WORDS)}-{team}-{n:05d}"
        base = f"apps/{team}/{app}"
        image = image_for(rng, app)
        kind = "StatefulSet" if rng.random() < 0.03 else "Deployment"
        manifests = {
            "deployment.yaml": deployment(rng, app, team, image, kind),
            "service.yaml": service(rng, app),
            "hpa.yaml": hpa(rng, app, kind),
            "pdb.yaml": pdb(rng, app),
            "configmap.yaml": configmap(rng, app, team),
        }
        if rng.random() < KUSTOMIZE_SHARE:
            for name, text in manifests.items():
                write(f"{base}/deploy/{name}", text)
            write(f"{base}/deploy/kustomization.yaml", kustomization(rng, app, team, image, list(manifests)))
            counts["kustomizations"] += 1
        elif rng.random() < 0.3:   # one multi-document file
            write(f"{base}/k8s/{app}.yaml", "---\n".join(manifests.values()))
        else:
            for name, text in manifests.items():
                write(f"{base}/k8s/{name}", text)
        counts["manifests"] += len(manifests)
        # Python: the app package first, then tests and utilities up to the per-app share.
        want = per_app_py + (1 if n < extra_py else 0)
        web = rng.choice(["fastapi", "flask"])
        generators = [
            ("app/main.py", lambda: py_main(rng, app, web)),
            ("app/settings.py", lambda: py_settings(rng, app)),
            ("app/client.py", lambda: py_client(rng)),
            ("app/tasks.py", lambda: py_tasks(rng, app)),
            ("tests/test_app.py", lambda: py_test(rng, app)),
            ("app/models.py", lambda: py_models(rng)),
        ]
        for i in range(want):
            if i < len(generators):
                rel, make = generators[i]
                write(f"{base}/{rel}", make())
            else:
                write(f"{base}/app/util_{i}.py", py_util(rng, i))
            counts["python"] += 1
        if docker_every and n % docker_every == 0 and counts["dockerfiles"] < dockerfiles:
            write(f"{base}/Dockerfile", dockerfile(rng, app))
            write(f"{base}/requirements.txt", requirements(rng))
            counts["dockerfiles"] += 1
    for i, team in enumerate(TEAMS[: max(3, min(len(TEAMS), apps // 250))]):
        write(f".github/workflows/{team}.yml", WORKFLOW.format(name=f"{team} CI", scope=team))
        counts["workflows"] += 1
    write("docker-compose.yml", (
        "services:\n  postgres:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n"
        "  redis:\n    image: redis:7\n  api:\n    build: apps/payments\n    ports: [\"8000:8000\"]\n"
        "    depends_on: [postgres, redis]\n"))
    write("requirements-dev.txt", "pytest==8.3.3\nruff==0.6.9\n")
    write("pyproject.toml", "[project]\nname = \"acme-monorepo\"\nversion = \"0.1.0\"\nrequires-python = \">=3.11\"\n")
    write("README.md", f"# ACME monorepo\n\nSynthetic benchmark tree: {apps} apps ({size}, seed {seed}).\n")
    write(".gitignore", "__pycache__/\n*.pyc\n.env\n")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("size", choices=sorted(SIZES))
    parser.add_argument("out", type=Path, help="directory to (re)create, e.g. /tmp/bench-large")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args(argv)
    out = args.out.resolve()
    repo = Path(__file__).resolve().parent.parent
    if out == repo or repo in out.parents:
        parser.error("write generated trees outside the repository (e.g. /tmp/bench-large)")
    started = time.perf_counter()
    counts = generate(args.size, out, args.seed)
    files = sum(len(f) for _, _, f in os.walk(out))
    print(f"{args.size}: {files} files in {out} ({time.perf_counter() - started:.1f} s) {counts}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
