"""factor11: stdout, structured, centralized, aggregation, dynamic-level."""

from __future__ import annotations

from pytest_twelvefactor.results import Verdict

STREAM_TEXT = """
import logging, sys
def setup():
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logging.getLogger().addHandler(handler)
"""
FILE_ONLY = """
import logging
from logging.handlers import RotatingFileHandler
def setup():
    logging.getLogger().addHandler(RotatingFileHandler("/app/logs/app.log"))
"""
JSON_LOGS = """
import logging, sys
from pythonjsonlogger import jsonlogger
def setup():
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(jsonlogger.JsonFormatter())
"""
WEB = "from app.log import setup\nfrom fastapi import FastAPI\nsetup()\napp = FastAPI()\n"
WORKER = "from app.wlog import setup\nsetup()\nwhile True:\n    pass\n"


def app(log: str, wlog: str | None = None, procfile: str = "web: uvicorn app.main:app\n") -> dict:
    files = {"app/__init__.py": "", "app/log.py": log, "app/main.py": WEB, "Procfile": procfile}
    if wlog is not None:
        files["app/wlog.py"] = wlog
        files["app/worker.py"] = WORKER
        files["Procfile"] = procfile + "worker: python -m app.worker\n"
    return files


def deploy(name: str, extra: str = "", image: str = "registry.example.com/shop:1.0", kind: str = "Deployment") -> str:
    return (
        f"apiVersion: apps/v1\nkind: {kind}\nmetadata:\n  name: {name}\nspec:\n"
        f"  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n"
        f"    spec:\n      containers:\n      - name: {name}\n        image: {image}\n" + extra
    )


# ---------------------------------------------------------------- stdout

def test_stdout_pass(evaluate):
    r = evaluate("factor11.stdout", app(STREAM_TEXT))
    assert r.verdict is Verdict.PASS
    assert r.evidence[0].path == "Procfile" and "StreamHandler(sys.stdout) at app/log.py:3" in r.evidence[0].message


def test_stdout_partial(evaluate):
    r = evaluate("factor11.stdout", app(STREAM_TEXT, FILE_ONLY))
    assert r.verdict is Verdict.PARTIAL
    bad = [e for e in r.evidence if e.ok is False]
    assert [(e.path, e.line) for e in bad] == [("Procfile", 2)]
    assert "logs only through RotatingFileHandler at app/wlog.py:4" in bad[0].message


def test_stdout_fail(evaluate):
    assert evaluate("factor11.stdout", app(FILE_ONLY)).verdict is Verdict.FAIL


def test_stdout_framework_default_counts(evaluate):
    r = evaluate("factor11.stdout", app("X = 1\n"))
    assert r.verdict is Verdict.PASS and "uvicorn logs to stderr by default" in r.evidence[0].message


def test_stdout_na_without_python_process(evaluate):
    r = evaluate("factor11.stdout", {"Dockerfile": 'FROM node:20-slim\nCMD ["node", "server.js"]\n'})
    assert r.verdict is Verdict.NA
    assert "node language" in r.evidence[0].message


# ---------------------------------------------------------------- structured

def test_structured_pass(evaluate):
    r = evaluate("factor11.structured", app(JSON_LOGS))
    assert r.verdict is Verdict.PASS and "pythonjsonlogger" in r.evidence[0].message


def test_structured_partial_text_format(evaluate):
    r = evaluate("factor11.structured", app(STREAM_TEXT))
    assert r.verdict is Verdict.PARTIAL
    assert "text format with level and time at app/log.py:4" in r.evidence[0].message


def test_structured_partial_json_in_some_process_types(evaluate):
    r = evaluate("factor11.structured", app(JSON_LOGS, "def setup():\n    print('started')\n"))
    assert r.verdict is Verdict.PARTIAL
    assert [(e.path, e.line) for e in r.evidence if e.ok is False] == [("Procfile", 2)]


def test_structured_fail_no_formatter(evaluate):
    r = evaluate("factor11.structured", app("def setup():\n    print('hello')\n"))
    assert r.verdict is Verdict.FAIL and "uvicorn default format has no timestamp" in r.evidence[0].message


def test_structured_same_module_name_resolves_inside_the_own_app_root(evaluate):
    # two services each with a logger.py; each entry imports its own, and a service whose
    # entry cannot be resolved is judged on its own directory, not on the whole monorepo
    files = {
        "src/a/logger.py": JSON_LOGS, "src/a/server.py": "import logger\nlogger.setup()\n",
        "src/a/Dockerfile": 'FROM python:3.12-slim\nCOPY . .\nENTRYPOINT ["python", "server.py"]\n',
        "src/b/logger.py": STREAM_TEXT, "src/b/server.py": "import logger\nlogger.setup()\n",
        "src/b/Dockerfile": 'FROM python:3.12-slim\nCOPY . .\nENTRYPOINT ["python", "server.py"]\n',
        "src/c/locustfile.py": "import random\n",
        "src/c/Dockerfile": 'FROM python:3.12-slim\nCOPY . .\nENTRYPOINT ["locust", "--headless"]\n',
        "docker-compose.yml": "services:\n  a:\n    build: src/a\n  b:\n    build: src/b\n  c:\n    build: src/c\n",
    }
    r = evaluate("factor11.structured", files)
    by_name = {e.message.split(":")[0]: e.message for e in r.evidence}
    assert "src/a/logger.py" in by_name["compose service a"]
    assert "text format with level and time at src/b/logger.py" in by_name["compose service b"]
    assert "code under src/c considered" in by_name["compose service c"]


def test_structured_na(evaluate):
    assert evaluate("factor11.structured", {"README.md": "# x\n"}).verdict is Verdict.NA


# ---------------------------------------------------------------- centralized

def test_centralized_pass_log_agent(evaluate):
    files = {"k8s/api.yaml": deploy("api"), "k8s/logging/fluent-bit.yaml": deploy("fluent-bit", image="fluent/fluent-bit:3.1", kind="DaemonSet")}
    r = evaluate("factor11.centralized", files)
    assert r.verdict is Verdict.PASS
    assert (r.evidence[0].path, r.evidence[0].line) == ("k8s/logging/fluent-bit.yaml", 1)
    assert "runs log agent fluent/fluent-bit:3.1" in r.evidence[0].message


def test_centralized_pass_infrastructure_code(evaluate):
    files = {"k8s/api.yaml": deploy("api"), "infra/aks.tf": 'resource "azurerm_kubernetes_cluster" "aks" {\n  oms_agent {\n    log_analytics_workspace_id = var.ws\n  }\n}\n'}
    r = evaluate("factor11.centralized", files)
    assert r.verdict is Verdict.PASS and (r.evidence[0].path, r.evidence[0].line) == ("infra/aks.tf", 2)


OTEL = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: collector
spec:
  selector:
    matchLabels: {app: collector}
  template:
    metadata:
      labels: {app: collector}
    spec:
      containers:
      - name: otel
        image: otel/opentelemetry-collector-contrib:0.100.0
      volumes:
      - name: conf
        configMap:
          name: collector-conf
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: collector-conf
data:
  config.yaml: |
    receivers:
      otlp: {}
    service:
      pipelines:
        traces:
          receivers: [otlp]
          exporters: [x]
"""


def test_centralized_otel_collector_without_logs_pipeline_is_no_log_agent(evaluate):
    files = {"k8s/api.yaml": deploy("api"), "k8s/otel.yaml": OTEL}
    assert evaluate("factor11.centralized", files).verdict is Verdict.FAIL
    files["k8s/otel.yaml"] = OTEL + "        logs:\n          receivers: [otlp]\n          exporters: [x]\n"
    r = evaluate("factor11.centralized", files)
    assert r.verdict is Verdict.PASS and r.evidence[0].path == "k8s/otel.yaml"


def test_centralized_partial_local_compose_only(evaluate):
    files = {"k8s/api.yaml": deploy("api"), "docker-compose.local.yml": "services:\n  loki:\n    image: grafana/loki:3.0.0\n"}
    r = evaluate("factor11.centralized", files)
    assert r.verdict is Verdict.PARTIAL
    assert (r.evidence[0].path, r.evidence[0].line) == ("docker-compose.local.yml", 2)


def test_centralized_fail_lists_file_logging(evaluate):
    files = dict(app(FILE_ONLY))
    files["k8s/api.yaml"] = deploy("api")
    r = evaluate("factor11.centralized", files)
    assert r.verdict is Verdict.FAIL
    assert ("app/log.py", 4) in [(e.path, e.line) for e in r.evidence if e.ok is False]


def test_centralized_na_nothing_deployed(evaluate):
    assert evaluate("factor11.centralized", {"lib/x.py": "X = 1\n"}).verdict is Verdict.NA


PRINTING_SCRIPT = """
from flask import Flask
app = Flask(__name__)

@app.route("/")
def index():
    print("index requested")
    return "hi"

if __name__ == "__main__":
    app.run(port=5000)
"""


def test_script_started_by_hand_is_judged_as_a_process_type(evaluate):
    files = {"app.py": PRINTING_SCRIPT}
    expected = {"factor11.stdout": Verdict.PASS, "factor11.structured": Verdict.FAIL,
                "factor11.dynamic-level": Verdict.FAIL, "factor11.centralized": Verdict.FAIL}
    for item, verdict in expected.items():
        r = evaluate(item, files)
        assert r.verdict is verdict, (item, r.summary)
    assert evaluate("factor11.structured", files).evidence[0].message.startswith("script app.py:")


# ---------------------------------------------------------------- aggregation

def test_aggregation_pass(evaluate):
    r = evaluate("factor11.aggregation", app(STREAM_TEXT))
    assert r.verdict is Verdict.PASS and r.evidence[0].ok is True


def test_aggregation_fail_file_handler_and_log_volume(evaluate):
    files = dict(app(FILE_ONLY))
    files["k8s/api.yaml"] = deploy("api", "        volumeMounts:\n        - name: logs\n          mountPath: /app/logs\n"
                                   "      volumes:\n      - name: logs\n        persistentVolumeClaim:\n          claimName: app-logs\n")
    r = evaluate("factor11.aggregation", files)
    assert r.verdict is Verdict.FAIL
    located = [(e.path, e.line) for e in r.evidence]
    assert ("app/log.py", 4) in located and ("k8s/api.yaml", 15) in located
    assert any("mounts log volume logs (PVC app-logs) at /app/logs" in e.message for e in r.evidence)


def test_aggregation_na(evaluate):
    assert evaluate("factor11.aggregation", {"README.md": "# x\n"}).verdict is Verdict.NA


# ---------------------------------------------------------------- dynamic-level

RUNTIME = """
import logging
from fastapi import APIRouter
router = APIRouter()
@router.put("/admin/log-level")
def set_level(level: str):
    logging.getLogger().setLevel(level)
"""
ENV_LEVEL = "import logging, os\ndef setup():\n    logging.basicConfig(level=os.getenv('LOG_LEVEL', 'INFO'))\n"
FIXED = "import logging\ndef setup():\n    logging.getLogger().setLevel('INFO')\n"


def test_dynamic_level_pass(evaluate):
    files = app(FIXED)
    files["app/admin.py"] = RUNTIME
    files["app/main.py"] = WEB + "from app import admin\n"
    r = evaluate("factor11.dynamic-level", files)
    assert r.verdict is Verdict.PASS
    assert (r.evidence[0].path, r.evidence[0].line) == ("app/admin.py", 4)
    assert "endpoint /admin/log-level" in r.evidence[0].message


def test_dynamic_level_partial_env_only(evaluate):
    r = evaluate("factor11.dynamic-level", app(ENV_LEVEL))
    assert r.verdict is Verdict.PARTIAL
    assert (r.evidence[0].path, r.evidence[0].line) == ("app/log.py", 3)
    assert "environment variable LOG_LEVEL at start-up only" in r.evidence[0].message


def test_dynamic_level_fail(evaluate):
    r = evaluate("factor11.dynamic-level", app(FIXED))
    assert r.verdict is Verdict.FAIL and "fixed" in r.evidence[0].message


def test_dynamic_level_na(evaluate):
    assert evaluate("factor11.dynamic-level", {"README.md": "# x\n"}).verdict is Verdict.NA
