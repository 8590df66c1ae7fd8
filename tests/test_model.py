"""The repository model: discovery, parsers, Kustomize environments, bounds."""

from __future__ import annotations

import os
import shutil

import pytest

from pytest_twelvefactor.model import yamlio
from pytest_twelvefactor.model.discovery import classify
from pytest_twelvefactor.model.kubernetes import image_tag, is_mutable_tag

DEPLOY = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      securityContext:
        runAsNonRoot: true
      containers:
        - name: web
          image: registry.example.com/web:latest
          securityContext:
            allowPrivilegeEscalation: false
"""

OVERLAY = """
resources: [../../base]
namespace: {env}
images:
  - name: registry.example.com/web
    newTag: "{tag}"
"""


@pytest.mark.parametrize(
    "path, kind",
    [
        ("Dockerfile", "dockerfile"), ("api/Dockerfile.prod", "dockerfile"), ("web.Dockerfile", "dockerfile"),
        ("Containerfile", "dockerfile"), ("docker-compose.local.yml", "compose"), ("compose.override.yaml", "compose"),
        ("docker-stack.yml", "compose"), ("requirements-dev.txt", "requirements"), ("k/kustomization.yaml", "kustomization"),
        (".github/workflows/deploy.yml", "ci"), (".gitlab-ci.yml", "ci"), ("Jenkinsfile", "ci"), ("charts/x/Chart.yaml", "helm_chart"),
        ("src/app/main.py", "python"), (".env.prod", "env_file"), ("k8s/deploy.yaml", "yaml"), ("poetry.lock", "lockfile"),
        ("pip.conf", "pip_conf"), ("README.md", "docs"), ("infra/main.tf", "terraform"),
    ],
)
def test_classify(path, kind):
    assert classify(path) == kind


def test_discovery_skips_vendored_and_gitignored(make_repo):
    repo = make_repo({
        ".gitignore": "generated/\n*.log\n",
        "app.py": "print('x')\n",
        "generated/deploy.yaml": DEPLOY,
        "node_modules/x/Dockerfile": "FROM node\n",
        ".venv/lib/site.py": "x = 1\n",
        "debug.log": "x",
        "k8s/deploy.yaml": DEPLOY,
    })
    paths = repo.files.all_paths()
    assert "app.py" in paths and "k8s/deploy.yaml" in paths
    assert not any(p.startswith(("generated/", "node_modules/", ".venv/")) or p.endswith(".log") for p in paths)


def test_symlinks_outside_the_tree_are_diagnostics(make_repo, tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text(DEPLOY)
    repo = make_repo({"k8s/deploy.yaml": DEPLOY})
    os.symlink(outside, repo.root / "k8s" / "escape.yaml")
    os.symlink(repo.root / "k8s", repo.root / "k8s" / "loop")
    assert "k8s/escape.yaml" not in repo.files.all_paths()
    messages = {d.path: d.message for d in repo.files.diagnostics}
    assert "outside the tree" in messages["k8s/escape.yaml"]
    assert "not followed" in messages["k8s/loop"]


def test_yaml_lines_and_custom_tags():
    docs = yamlio.load_all("a: 1\nb:\n  c: !ENV [X]\n---\nkind: Pod\n")
    assert docs[0].line_of("b") == 2 and docs[0]["b"].line == 3
    assert docs[0]["b"]["c"] == ["X"]
    assert docs[1].line == 5


def test_yaml_alias_bomb_is_refused():
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i in range(8):
        prev, cur = chr(97 + i), chr(98 + i)
        bomb += f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]\n"
    with pytest.raises(yamlio.YAMLBoundsError, match="alias"):
        yamlio.load_all(bomb)


@pytest.mark.parametrize(
    "image, mutable",
    [
        ("nginx", True), ("nginx:latest", True), ("reg:5000/app:main", True), ("app:1.2-latest", True),
        ("app:1.2.3", False), ("app@sha256:" + "a" * 64, False), ("reg:5000/app", True), ("app:stable", True),
    ],
)
def test_mutable_tags(image, mutable):
    assert is_mutable_tag(image) is mutable


def test_image_tag_split():
    assert image_tag("reg.io:5000/team/app:1.0@sha256:abc") == ("reg.io:5000/team/app", "1.0", "sha256:abc")


def test_raw_manifests_one_environment(make_repo):
    repo = make_repo({"k8s/deploy.yaml": DEPLOY})
    k8s = repo.kubernetes
    assert k8s.judged == "manifests"
    assert k8s.env_names() == ["default"]
    [work] = k8s.workloads
    assert (work.ref, work.path, work.line, work.role) == ("Deployment/web", "k8s/deploy.yaml", 1, "app")
    obj = work.first
    container = obj.containers()[0]
    assert obj.container_line(container, "image") == 15
    assert obj.effective_security_context(container) == {"runAsNonRoot": True, "allowPrivilegeEscalation": False}


def test_role_from_name_for_deployments_not_jobs(make_repo):
    cron = DEPLOY.replace("kind: Deployment", "kind: CronJob").replace("name: web", "name: warm-cache", 1)
    repo = make_repo({
        "k8s/replica.yaml": DEPLOY.replace("name: web", "name: database-replica", 1),
        "k8s/cron.yaml": cron,
    })
    roles = {w.ref: (w.role, w.role_reason) for w in repo.kubernetes.workloads}
    assert roles["Deployment/database-replica"] == ("backing", "name 'database-replica' says data service")
    assert roles["CronJob/warm-cache"][0] == "app"


def test_is_test_path_knows_go_and_js_test_files():
    from pytest_twelvefactor.model.python_source import is_test_path
    assert is_test_path("pkg/api/server_test.go") and is_test_path("web/src/app.spec.ts") and is_test_path("lib/x.test.js")
    assert not is_test_path("pkg/api/server.go") and not is_test_path("web/src/app.ts")


def _overlay_tree():
    return {
        "k/base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "k/base/deploy.yaml": DEPLOY,
        "k/overlays/dev/kustomization.yaml": OVERLAY.format(env="dev", tag="dev-1"),
        "k/overlays/prod/kustomization.yaml": OVERLAY.format(env="prod", tag="1.0.0"),
    }


@pytest.mark.skipif(not (shutil.which("kubectl") or shutil.which("kustomize")), reason="no kustomize renderer on PATH")
def test_kustomize_overlays_render_and_map_back(make_repo):
    repo = make_repo(_overlay_tree())
    k8s = repo.kubernetes
    assert k8s.judged == "kustomize overlays"
    assert [(e.name, e.mode) for e in k8s.environments] == [("dev", "kustomize"), ("prod", "kustomize")]
    [work] = k8s.workloads
    assert sorted(work.variants) == ["dev", "prod"]
    assert (work.path, work.line) == ("k/base/deploy.yaml", 1)
    assert work.variants["prod"].images() == ["registry.example.com/web:1.0.0"]
    assert work.variants["dev"].namespace == "dev"
    assert work.variants["prod"].container_line(work.variants["prod"].containers()[0], "image") == 15


def test_kustomize_read_directly_without_renderer(make_repo):
    repo = make_repo(_overlay_tree(), render=False)
    k8s = repo.kubernetes
    assert [(e.name, e.mode) for e in k8s.environments] == [("dev", "kustomize (read directly)"), ("prod", "kustomize (read directly)")]
    [work] = k8s.workloads
    assert work.variants["prod"].images() == ["registry.example.com/web:1.0.0"]
    assert work.variants["dev"].namespace == "dev"
    assert any("read directly" in d.message for d in repo.diagnostics)


def test_kustomize_failure_falls_back_and_says_why(make_repo):
    tree = _overlay_tree()
    tree["k/overlays/dev/kustomization.yaml"] += "  - name: x\nresources: [../../base, https://github.com/example/base?ref=v1]\n"
    tree["k/overlays/dev/kustomization.yaml"] = OVERLAY.format(env="dev", tag="d").replace(
        "resources: [../../base]", "resources: [../../base, missing.yaml]"
    )
    repo = make_repo(tree)
    k8s = repo.kubernetes
    dev = next(e for e in k8s.environments if e.name == "dev")
    assert dev.objects, "the fallback still reads the base"
    if shutil.which("kubectl") or shutil.which("kustomize"):
        assert dev.mode == "kustomize (read directly)"
        assert any(d.path == "k/overlays/dev/kustomization.yaml" and "failed" in d.message for d in repo.diagnostics)


def test_secret_payloads_are_redacted_at_parse_time(make_repo):
    repo = make_repo({"k8s/secret.yaml": """
        apiVersion: v1
        kind: Secret
        metadata: {name: db}
        stringData:
          password: hunter2-canary
        data:
          token: aHVudGVyMg==
        """})
    [secret] = repo.kubernetes.all_objects()
    assert secret.doc["stringData"]["password"] == "<redacted>"
    assert secret.doc["data"]["token"] == "<redacted>"


def test_helm_templates_are_not_analysed_not_errors(make_repo):
    repo = make_repo({
        "charts/shop/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
        "charts/shop/values.yaml": "replicaCount: 1\n",
        "charts/shop/templates/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n{{- if .Values.x }}\n",
    })
    k8s = repo.kubernetes
    assert k8s.helm_charts == ["charts/shop"]
    assert k8s.templated_files == ["charts/shop/templates/deployment.yaml"]
    [diag] = [d for d in repo.diagnostics if d.path.endswith("deployment.yaml")]
    assert diag.severity == "info" and "Helm template" in diag.message


def test_broken_yaml_is_a_diagnostic(make_repo):
    repo = make_repo({"k8s/bad.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n   labels: {}\n", "k8s/deploy.yaml": DEPLOY})
    assert [w.ref for w in repo.kubernetes.workloads] == ["Deployment/web"]
    [diag] = [d for d in repo.diagnostics if d.path == "k8s/bad.yaml"]
    assert diag.message.startswith("invalid YAML at line 5")


def test_dockerfile_stages_and_args(make_repo):
    repo = make_repo({"Dockerfile": """
        # syntax=docker/dockerfile:1.6
        ARG PY=3.12
        FROM python:${PY}-slim AS build
        RUN pip install --no-cache-dir \\
            -r requirements.txt
        FROM build AS runtime
        USER 1001
        CMD ["uvicorn", "app.main:app"]
        """})
    [dockerfile] = repo.containers.dockerfiles
    assert [s.base for s in dockerfile.stages] == ["python:3.12-slim", "build"]
    assert dockerfile.runtime_base() == "python:3.12-slim"
    assert dockerfile.final.user.value == "1001" and dockerfile.final.user.line == 7
    entry, cmd = dockerfile.command()
    assert entry is None and cmd.line == 8


def test_dockerfile_nested_args_and_heredocs(make_repo):
    repo = make_repo({"Dockerfile": """
        ARG PYTHON_VERSION=3.11
        ARG BASE_IMAGE=python:${PYTHON_VERSION}
        FROM ${BASE_IMAGE}
        RUN <<EOF
        set -eux
        apt-get install -y gcc
        EOF
        CMD ["python", "app.py"]
        """})
    [dockerfile] = repo.containers.dockerfiles
    assert dockerfile.runtime_base() == "python:3.11"
    assert [(i.name, i.line) for i in dockerfile.final.instructions] == [("RUN", 4), ("CMD", 8)]
    assert dockerfile.final.of("RUN")[0].value == "<<EOF\nset -eux\napt-get install -y gcc"


def test_requirements_includes_pins_and_loops(make_repo):
    repo = make_repo({
        "requirements.txt": "-r base.txt\nfastapi==0.115.0\nhttpx>=0.27\n--index-url https://user:s3cret@pypi.example.com/simple\n",
        "base.txt": "-r requirements.txt\npydantic==2.9.2 \\\n    --hash=sha256:abc\nrequests ; python_version > '3.8'\n",
    })
    deps = repo.dependencies
    req = {r.name: r for f in deps.files for r in f.requirements}
    assert req["fastapi"].pinned and not req["httpx"].pinned and req["pydantic"].pinned and not req["requests"].pinned
    assert req["httpx"].line == 3
    [index] = deps.index_configs
    assert index.has_credentials and "s3cret" not in index.url_redacted
    assert any("include loop" in d.message for d in repo.diagnostics)


def test_python_facts_without_import(make_repo):
    repo = make_repo({
        "canary.py": "open('IMPORTED', 'w').write('x')\n",
        "app/main.py": """
            import os
            import requests as rq
            from fastapi import FastAPI
            app = FastAPI()
            DB = os.environ["DATABASE_URL"]
            LEVEL = os.getenv("LOG_LEVEL", "INFO")

            @app.get("/health")
            def health():
                return rq.get("http://svc", timeout=3)
            """,
        "app/broken.py": "def x(:\n",
    })
    python = repo.python
    main = next(m for m in python.modules if m.path == "app/main.py")
    assert {e.variable for e in main.env_reads} == {"DATABASE_URL", "LOG_LEVEL"}
    [call] = main.calls_to("requests.get")
    assert call.kwargs == {"timeout": 3} and call.line == 10
    [route] = [c for c in main.calls if c.decorator]
    assert route.name == "app.get" and route.args == ("/health",)
    assert not (repo.root / "IMPORTED").exists()
    assert any(d.path == "app/broken.py" and "syntax error" in d.message for d in repo.diagnostics)


def test_python_assignments_name_their_callee(make_repo):
    repo = make_repo({"app/http.py": "import requests as rq\nS = rq.Session()\nN: int = 3\nclass C:\n    def __init__(self):\n        self.s = rq.Session()\n"})
    [module] = repo.python.modules
    assert [(a.target, a.value, a.call) for a in module.assignments] == [
        ("S", None, "requests.Session"), ("N", 3, None), ("self.s", None, "requests.Session")]


def test_python_from_imports_name_the_imported_objects(make_repo):
    repo = make_repo({"app/main.py": "from opentelemetry import trace, metrics as m\nfrom . import util\nfrom os import *\n"})
    [main] = [m for m in repo.python.modules if m.path == "app/main.py"]
    assert main.imports == [("opentelemetry", 1), (".", 2), ("os", 3)]
    assert main.from_imports == [("opentelemetry.trace", 1), ("opentelemetry.metrics", 1), (".util", 2)]


def test_python_main_block_and_module_state(make_repo):
    repo = make_repo({"app.py": """
        from collections import defaultdict
        from prometheus_client import Counter
        votes = {}
        seen = defaultdict(int)
        ORDERS = Counter("orders_total", "Orders")
        PLACES = ["a", "b"]

        def vote(place):
            votes[place] = votes.get(place, 0) + 1
            ORDERS.inc()

        def reset():
            global seen
            votes.clear()
            seen = defaultdict(int)

        def local_only():
            votes = {}
            votes["x"] = 1
            del seen["y"]

        if __name__ == "__main__":
            vote("a")
        """,
        "lib.py": "x = {}\n",
    })
    module, lib = sorted(repo.python.modules, key=lambda m: m.path)
    assert module.main_block == (22, 23)
    assert module.module_state == [("votes", 3), ("seen", 4), ("PLACES", 6)]   # a metric Counter is no container
    assert module.state_writes == [("vote", "votes", 9), ("reset", "votes", 14), ("local_only", "seen", 20)]
    assert lib.main_block is None and lib.module_state == [("x", 1)] and lib.state_writes == []


def test_python_cookie_keyed_module_state(make_repo):
    repo = make_repo({"app/web.py": """
        from fastapi import Cookie
        from flask import request
        SESSIONS = {}
        CACHE = {}

        def flask_view():
            sid = request.cookies.get("sid")
            return SESSIONS[sid], CACHE["static"]

        def fastapi_view(sid: str = Cookie(None)):
            SESSIONS.pop(sid, None)

        def shadowed():
            SESSIONS = {}
            return SESSIONS[request.cookies["sid"]]
        """})
    [module] = repo.python.modules
    assert module.cookie_state == [("SESSIONS", 8), ("SESSIONS", 11)]


def test_ci_github_jobs_and_environments(make_repo):
    repo = make_repo({".github/workflows/deploy.yml": """
        on:
          push:
            branches: [main]
            tags: ["v*"]
        jobs:
          deploy:
            runs-on: ubuntu-latest
            environment: prod
            steps:
              - uses: actions/checkout@v4
              - run: kubectl apply -k k8s/overlays/prod
        """})
    [pipeline] = repo.ci.pipelines
    assert pipeline.triggers == ["push", "tags"] and pipeline.branches == ["main"]
    [job] = pipeline.jobs
    assert job.environment == "prod"
    assert [s.line for s in job.steps] == [10, 11]


def test_binary_and_non_utf8_files_are_diagnostics(make_repo):
    repo = make_repo({"k8s/blob.yaml": b"apiVersion: v1\x00\x01kind", "k8s/latin.yaml": "kind: Pod\napiVersion: v1\n# caf\xe9\n".encode("latin-1")})
    repo.kubernetes
    messages = {d.path: d.message for d in repo.diagnostics}
    assert "binary" in messages["k8s/blob.yaml"]
    assert "not UTF-8" in messages["k8s/latin.yaml"]


FAKE_HELM = """#!{python}
import sys
args = sys.argv[1:]
assert args[:2] == ["template", "release"], args
values = args[args.index("-f") + 1] if "-f" in args else ""
replicas = 3 if values.endswith("values-prod.yaml") else 1
print("---\\n# Source: shop/templates/service.yaml\\napiVersion: v1\\nkind: Service\\nmetadata:\\n  name: shop\\nspec:\\n  selector: {{app: shop}}")
print("---\\n# Source: shop/templates/deployment.yaml\\napiVersion: apps/v1\\nkind: Deployment\\nmetadata:\\n  name: shop\\nspec:\\n  replicas: %d\\n  template:\\n    spec:\\n      containers:\\n        - name: shop\\n          image: shop:1.0" % replicas)
"""


def test_helm_charts_rendered_per_values_file_when_helm_exists(make_repo, tmp_path, monkeypatch):
    import sys

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    helm = bin_dir / "helm"
    helm.write_text(FAKE_HELM.format(python=sys.executable))
    helm.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    repo = make_repo({
        "charts/shop/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
        "charts/shop/values.yaml": "replicaCount: 1\n",
        "charts/shop/values-dev.yaml": "replicaCount: 1\n",
        "charts/shop/values-prod.yaml": "replicaCount: 3\n",
        "charts/shop/templates/deployment.yaml": "kind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
    })
    k8s = repo.kubernetes
    assert k8s.judged == "helm charts"
    assert [(e.name, e.mode) for e in k8s.environments] == [("dev", "helm"), ("prod", "helm")]
    [work] = [w for w in k8s.workloads]
    assert (work.ref, work.path) == ("Deployment/shop", "charts/shop/templates/deployment.yaml")
    assert work.variants["prod"].replicas() == 3 and work.variants["dev"].replicas() == 1
    assert not [d for d in repo.diagnostics if "not analysed" in d.message]


def test_remote_bases_are_never_fetched_and_empty_kustomize_falls_back_to_raw(make_repo):
    repo = make_repo({
        "kustomize/kustomization.yaml": "resources:\n  - https://github.com/example/base?ref=v1\npatches:\n  - path: patch.yaml\n",
        "kustomize/patch.yaml": DEPLOY,
        "k8s/deploy.yaml": DEPLOY,
    })
    k8s = repo.kubernetes
    assert k8s.judged == "manifests"
    [work] = k8s.workloads
    assert work.path == "k8s/deploy.yaml", "a patch file is not an object of its own"
    messages = [d.message for d in repo.diagnostics if d.path == "kustomize/kustomization.yaml"]
    assert any("remote base not fetched" in m for m in messages)
    assert any("raw manifests judged instead" in m for m in messages)
