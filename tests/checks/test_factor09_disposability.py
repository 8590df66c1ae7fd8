"""factor09: fast-startup, graceful-shutdown, prestop, grace-period, sigterm."""

from __future__ import annotations

import textwrap

from pytest_twelvefactor.results import Verdict

MAIN = """
from fastapi import FastAPI
app = FastAPI()
"""
LOOP = """
import time
def main():
    while True:
        time.sleep(1)
if __name__ == "__main__":
    main()
"""
LOOP_SIGTERM = """
import signal, sys, time
def stop(*_):
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
while True:
    time.sleep(1)
"""


def deploy(name: str, command: str | None = None, extra: str = "", pod: str = "", image: str = "registry.example.com/shop:1.0") -> str:
    """A small Deployment; ``extra`` is indented under the container, ``pod`` under the pod spec."""
    cmd = f"\n        command: {command}" if command else ""
    extra = textwrap.indent(textwrap.dedent(extra).strip("\n"), " " * 8) if extra else ""
    pod = textwrap.indent(textwrap.dedent(pod).strip("\n"), " " * 6) if pod else ""
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n"
        f"  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n"
        f"    spec:\n" + (pod + "\n" if pod else "") +
        f"      containers:\n      - name: {name}\n        image: {image}{cmd}\n" + (extra + "\n" if extra else "")
    )


def service(name: str, port: int = 8000) -> str:
    return (f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector: {{app: {name}}}\n"
            f"  ports:\n  - port: 80\n    targetPort: {port}\n")


def located(result, ok=False):
    return [(e.path, e.line) for e in result.evidence if e.ok is ok]


# ---------------------------------------------------------------- fast-startup

def test_fast_startup_pass(evaluate):
    r = evaluate("factor09.fast-startup", {"k8s/api.yaml": deploy("api", '["uvicorn", "app.main:app"]', """
        readinessProbe:
          initialDelaySeconds: 5
    """)})
    assert r.verdict is Verdict.PASS
    assert r.evidence[0].path == "k8s/api.yaml" and "no migrations" in r.evidence[0].message


def test_fast_startup_partial_on_init_container_migrations_and_long_delay(evaluate):
    files = {
        "k8s/api.yaml": deploy("api", '["uvicorn", "app.main:app"]', pod="""
            initContainers:
            - name: migrate
              image: registry.example.com/shop:1.0
              command: ["alembic", "upgrade", "head"]
        """),
        "k8s/web.yaml": deploy("web", '["uvicorn", "app.main:app"]', """
            readinessProbe:
              initialDelaySeconds: 60
        """),
        "k8s/ok.yaml": deploy("ok", '["uvicorn", "app.main:app"]'),
    }
    r = evaluate("factor09.fast-startup", files)
    assert r.verdict is Verdict.PARTIAL
    bad = {e.path: e for e in r.evidence if e.ok is False}
    assert bad["k8s/api.yaml"].line == 15 and "init container migrate runs migrations" in bad["k8s/api.yaml"].message
    assert bad["k8s/web.yaml"].line == 17 and "initialDelaySeconds 60" in bad["k8s/web.yaml"].message


def test_fast_startup_partial_on_ddl_in_the_started_python_code(evaluate):
    files = {
        "server.py": 'import db\nif __name__ == "__main__":\n    db.init()\n',
        "db.py": 'def init(cur=None):\n    cur.execute("ALTER TABLE orders ADD COLUMN IF NOT EXISTS coupon TEXT")\n',
        "k8s/api.yaml": deploy("api", '["python", "server.py"]'),
        "k8s/web.yaml": deploy("web", '["uvicorn", "app.main:app"]'),
    }
    r = evaluate("factor09.fast-startup", files)
    assert r.verdict is Verdict.PARTIAL
    assert located(r) == [("k8s/api.yaml", 15)]
    assert "runs migrations at start (ALTER TABLE statement at db.py:2)" in r.evidence[0].message


def test_fast_startup_partial_when_every_process_installs_at_start(evaluate):
    r = evaluate("factor09.fast-startup", {"Dockerfile": """
        FROM python:3.12-slim
        CMD pip install -r requirements.txt && python app.py
    """})
    assert r.verdict is Verdict.PARTIAL  # the checklist has no fail for this item
    assert located(r) == [("Dockerfile", 2)]
    assert "installs packages" in r.evidence[0].message


def test_fast_startup_na_without_process_types(evaluate):
    r = evaluate("factor09.fast-startup", {"README.md": "# docs only\n"})
    assert r.verdict is Verdict.NA and "no process types" in r.summary


# ---------------------------------------------------------------- graceful-shutdown

def test_graceful_shutdown_pass_names_server_and_hook(evaluate):
    files = {
        "app/__init__.py": "",
        "app/main.py": "from fastapi import FastAPI\nasync def lifespan(app):\n    yield\napp = FastAPI(lifespan=lifespan)\n",
        "k8s/api.yaml": deploy("api", '["uvicorn", "app.main:app", "--timeout-graceful-shutdown", "20"]'),
        "k8s/worker.yaml": deploy("worker", '["celery", "-A", "app.main", "worker"]'),
    }
    r = evaluate("factor09.graceful-shutdown", files)
    assert r.verdict is Verdict.PASS
    by_path = {e.path: e for e in r.evidence if e.ok}
    assert "uvicorn drains in-flight requests" in by_path["k8s/api.yaml"].message
    assert "graceful timeout set" in by_path["k8s/api.yaml"].message
    assert "celery warm shutdown" in by_path["k8s/worker.yaml"].message
    assert ("app/main.py", 4) in [(e.path, e.line) for e in r.evidence if e.ok is None]


def test_graceful_shutdown_partial_loop_without_handler(evaluate):
    files = {
        "app/__init__.py": "", "app/main.py": MAIN, "app/loop.py": LOOP,
        "Procfile": "web: uvicorn app.main:app\nloop: python -m app.loop\n",
    }
    r = evaluate("factor09.graceful-shutdown", files)
    assert r.verdict is Verdict.PARTIAL
    assert located(r) == [("Procfile", 2)]
    assert "no SIGTERM handler" in r.evidence[1].message and "app/loop.py" in r.evidence[1].message


def test_graceful_shutdown_explicit_sigterm_handler_passes(evaluate):
    files = {"app/__init__.py": "", "app/loop.py": LOOP_SIGTERM, "Procfile": "loop: python -m app.loop\n"}
    r = evaluate("factor09.graceful-shutdown", files)
    assert r.verdict is Verdict.PASS and "installs a SIGTERM handler" in r.evidence[0].message


def test_graceful_shutdown_fail_dev_server_and_plain_loop(evaluate):
    files = {
        "app/__init__.py": "", "app/loop.py": LOOP, "app/web.py": "from flask import Flask\napp = Flask(__name__)\n",
        "Procfile": "web: flask --app app.web run\nloop: python -m app.loop\n",
    }
    r = evaluate("factor09.graceful-shutdown", files)
    assert r.verdict is Verdict.FAIL
    assert located(r) == [("Procfile", 1), ("Procfile", 2)]
    assert "development server" in r.evidence[0].message


def test_graceful_shutdown_fastapi_cli_run_drains_dev_does_not(evaluate):
    files = {
        "backend/app/__init__.py": "", "backend/app/main.py": MAIN,
        "Procfile": "web: fastapi run --workers 4\ndev: fastapi dev --host 0.0.0.0\n",
    }
    r = evaluate("factor09.graceful-shutdown", files)
    assert r.verdict is Verdict.PARTIAL
    assert "fastapi run (uvicorn) drains in-flight requests" in r.evidence[0].message
    assert located(r) == [("Procfile", 2)] and "development server (fastapi dev" in r.evidence[1].message


def test_fastapi_cli_entry_module_is_app_main_in_the_working_directory(evaluate):
    files = {
        "backend/app/__init__.py": "", "backend/app/api/__init__.py": "",
        "backend/app/api/main.py": "X = 1\n", "backend/app/main.py": MAIN,
        "backend/Dockerfile": 'FROM python:3.12-slim\nCMD ["fastapi", "run"]\n',
        "compose.yml": "services:\n  web:\n    build: backend\n",
    }
    r = evaluate("factor11.dynamic-level", files)
    assert "(entry module backend/app/main.py)" in r.evidence[0].message


def test_graceful_shutdown_na_without_process_types(evaluate):
    r = evaluate("factor09.graceful-shutdown", {"lib/util.py": "X = 1\n"})
    assert r.verdict is Verdict.NA


FLASK_SCRIPT = """
from flask import Flask
app = Flask(__name__)

@app.route("/")
def index():
    return "hi"

if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5000)
"""


def test_script_that_starts_a_server_is_a_process_type_started_by_hand(evaluate):
    files = {"app.py": FLASK_SCRIPT, "requirements.txt": "flask\n"}
    r = evaluate("factor09.graceful-shutdown", files)
    assert r.verdict is Verdict.FAIL
    assert (r.evidence[0].path, r.evidence[0].line) == ("app.py", 9) and r.evidence[0].message.startswith("script app.py:")
    assert evaluate("factor09.fast-startup", files).verdict is Verdict.PASS
    r = evaluate("factor09.sigterm", files)  # no image or launcher: nothing to deliver the signal
    assert r.verdict is Verdict.NA and "started by hand" in r.evidence[0].message


def test_script_that_starts_no_server_is_no_process_type(evaluate):
    assert evaluate("factor09.graceful-shutdown", {"tool.py": LOOP}).verdict is Verdict.NA


# ---------------------------------------------------------------- prestop

PRESTOP = """
lifecycle:
  preStop:
    exec:
      command: ["sleep", "5"]
ports:
- containerPort: 8000
"""


def test_prestop_pass(evaluate):
    r = evaluate("factor09.prestop", {"k8s/api.yaml": deploy("api", extra=PRESTOP) + "---\n" + service("api")})
    assert r.verdict is Verdict.PASS
    assert located(r, True) == [("k8s/api.yaml", 16)]
    assert "preStop exec sleep 5 on container api" in r.evidence[0].message


def test_prestop_partial_and_worker_without_service_ignored(evaluate):
    files = {
        "k8s/api.yaml": deploy("api", extra=PRESTOP) + "---\n" + service("api"),
        "k8s/cms.yaml": deploy("cms", extra="ports:\n- containerPort: 8000\n") + "---\n" + service("cms"),
        "k8s/worker.yaml": deploy("worker", '["celery", "-A", "app", "worker"]'),
    }
    r = evaluate("factor09.prestop", files)
    assert r.verdict is Verdict.PARTIAL
    assert located(r) == [("k8s/cms.yaml", 13)]
    assert r.evidence[1].message == "Deployment/cms: no preStop hook on container cms"
    assert not any("worker" in e.message for e in r.evidence)


def test_prestop_fail(evaluate):
    r = evaluate("factor09.prestop", {"k8s/api.yaml": deploy("api") + "---\n" + service("api")})
    assert r.verdict is Verdict.FAIL and located(r) == [("k8s/api.yaml", 13)]


def test_prestop_na(evaluate):
    assert evaluate("factor09.prestop", {"app.py": "print(1)\n"}).verdict is Verdict.NA
    r = evaluate("factor09.prestop", {"k8s/worker.yaml": deploy("worker")})
    assert r.verdict is Verdict.NA and "selected by a Service" in r.summary


# ---------------------------------------------------------------- grace-period

def test_grace_period_pass(evaluate):
    r = evaluate("factor09.grace-period", {"k8s/api.yaml": deploy("api", pod="terminationGracePeriodSeconds: 45")})
    assert r.verdict is Verdict.PASS
    assert located(r, True) == [("k8s/api.yaml", 12)] and "terminationGracePeriodSeconds 45" in r.evidence[0].message


def test_grace_period_partial_like_the_seed(evaluate):
    files = {
        "k8s/worker.yaml": deploy("worker", pod="terminationGracePeriodSeconds: 30"),
        "k8s/api.yaml": deploy("api"),
        "k8s/redis.yaml": deploy("redis", image="redis:7.2"),  # backing service: not judged
    }
    r = evaluate("factor09.grace-period", files)
    assert r.verdict is Verdict.PARTIAL
    assert located(r) == [("k8s/api.yaml", 11)]
    assert "Deployment/api: terminationGracePeriodSeconds not set" in r.evidence[0].message
    assert len(r.evidence) == 2


def test_grace_period_fail_zero_counts_as_bad(evaluate):
    r = evaluate("factor09.grace-period", {"k8s/api.yaml": deploy("api", pod="terminationGracePeriodSeconds: 0")})
    assert r.verdict is Verdict.FAIL and "leaves no time to drain" in r.evidence[0].message


def test_grace_period_na(evaluate):
    assert evaluate("factor09.grace-period", {"Dockerfile": "FROM python:3.12\n"}).verdict is Verdict.NA


# ---------------------------------------------------------------- sigterm

def test_sigterm_pass_exec_form_from_dockerfile(evaluate):
    files = {
        "Dockerfile": 'FROM python:3.12-slim\nCMD ["uvicorn", "app.main:app"]\n',
        "k8s/api.yaml": deploy("api"),
        "k8s/worker.yaml": deploy("worker", '["tini", "--", "celery", "-A", "app", "worker"]'),
    }
    r = evaluate("factor09.sigterm", files)
    assert r.verdict is Verdict.PASS
    assert ("Dockerfile", 2) in located(r, True)
    assert any("tini as PID 1" in e.message for e in r.evidence)


def test_sigterm_partial_shell_wrapper_without_exec(evaluate):
    files = {
        "k8s/api.yaml": deploy("api", '["sh", "-c", "exec uvicorn app.main:app"]'),
        "k8s/worker.yaml": deploy("worker", '["sh", "-c", "sleep 2 && celery -A app worker"]'),
    }
    r = evaluate("factor09.sigterm", files)
    assert r.verdict is Verdict.PARTIAL
    assert located(r) == [("k8s/worker.yaml", 15)]
    assert "sh -c without exec" in r.evidence[1].message


def test_sigterm_fail_shell_form_cmd_and_entrypoint_script(evaluate):
    files = {
        "Dockerfile": "FROM python:3.12-slim\nCMD python app.py\n",
        "worker/Dockerfile": 'FROM python:3.12-slim\nENTRYPOINT ["/entrypoint.sh"]\n',
        "worker/entrypoint.sh": "#!/bin/sh\nalembic upgrade head\ncelery -A app worker\n",
    }
    r = evaluate("factor09.sigterm", files)
    assert r.verdict is Verdict.FAIL
    assert located(r) == [("Dockerfile", 2), ("worker/Dockerfile", 2)]
    assert "entrypoint script worker/entrypoint.sh runs the program without exec" in r.evidence[1].message


def test_sigterm_entrypoint_script_with_exec_passes(evaluate):
    files = {
        "Dockerfile": 'FROM python:3.12-slim\nENTRYPOINT ["/docker-entrypoint.sh"]\nCMD ["celery", "-A", "app", "worker"]\n',
        "docker-entrypoint.sh": '#!/bin/sh\nset -e\nexec "$@"\n',
    }
    r = evaluate("factor09.sigterm", files)
    assert r.verdict is Verdict.PASS and "execs the program" in r.evidence[0].message


def test_sigterm_images_mapped_through_docker_build_context_in_ci(evaluate):
    files = {
        "Dockerfile": 'FROM python:3.12-slim\nCMD sh -c "python server.py"\n',
        "web/Dockerfile": 'FROM node:20-alpine\nCMD ["node", "server.js"]\n',
        ".gitlab-ci.yml": "build:\n  script:\n"
                          "    - docker build -t \"$CI_REGISTRY_IMAGE/api:$CI_COMMIT_SHA\" .\n"
                          "    - docker build --pull -t \"$CI_REGISTRY_IMAGE/web:$CI_COMMIT_SHA\" web\n",
        "k8s/api.yaml": deploy("api", image="registry.example.com/shop/api:1.0"),
        "k8s/web.yaml": deploy("web", image="registry.example.com/shop/web:1.0"),
    }
    r = evaluate("factor09.sigterm", files)
    assert r.verdict is Verdict.PARTIAL
    assert located(r) == [("Dockerfile", 2)] and located(r, True) == [("web/Dockerfile", 2)]


def test_sigterm_na_when_image_built_elsewhere(evaluate):
    r = evaluate("factor09.sigterm", {"k8s/ui.yaml": deploy("ui", image="ghcr.io/acme/ui:2.0")})
    assert r.verdict is Verdict.NA
    assert "command unknown" in r.evidence[0].message
