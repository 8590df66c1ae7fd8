"""Evaluators of the Observability area: every verdict each one can give."""

from __future__ import annotations

from pytest_twelvefactor.results import Verdict


def finding(result, ok=False):
    return [e for e in result.evidence if e.ok is ok]


def workload(name: str, kind: str = "Deployment", container_extra: str = "", image: str | None = None, pod_extra: str = "") -> str:
    image = image or f"registry.example.com/{name}:1.0.0"
    return f"""\
apiVersion: apps/v1
kind: {kind}
metadata:
  name: {name}
spec:
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
{pod_extra}    spec:
      containers:
        - name: {name}
          image: {image}
{container_extra}"""


def service(name: str, port: str = "http", labels: str = "") -> str:
    return f"""\
apiVersion: v1
kind: Service
metadata:
  name: {name}
  labels: {{app: {name}}}
spec:
  selector: {{app: {name}}}
  ports:
    - name: http
      port: 80
      targetPort: {port}
"""


PORT = "          ports:\n            - name: http\n              containerPort: 8000\n"
LIVENESS = "          livenessProbe:\n            httpGet: {path: /health, port: http}\n"
READINESS = "          readinessProbe:\n            httpGet: {path: /health, port: http}\n"
FASTAPI = """\
from fastapi import FastAPI

app = FastAPI()


@app.get("/healthz")
def health():
    return {"ok": True}
"""


# --------------------------------------------------------------------------- health endpoint


def test_health_endpoint_pass_fastapi_route_and_router_prefix(evaluate):
    result = evaluate("observability.health-endpoint", {
        "app/main.py": FASTAPI,
        "app/probe.py": 'from fastapi import APIRouter\nrouter = APIRouter(prefix="/health")\n',
        "tests/test_x.py": 'from fastapi import FastAPI\napp = FastAPI()\n@app.get("/livez")\ndef x(): pass\n',
    })
    assert result.verdict is Verdict.PASS
    good = {(e.path, e.line): e.message for e in finding(result, True)}
    assert good[("app/main.py", 6)] == "app/main.py: route /healthz (app.get)"
    assert "router prefix /health" in good[("app/probe.py", 2)]
    assert all(not p.startswith("tests/") for p, _ in good)


def test_health_endpoint_pass_other_language(evaluate):
    result = evaluate("observability.health-endpoint", {
        "cmd/server/main.go": 'package main\nfunc main() {\n\thttp.HandleFunc("/healthz", ok)\n}\n',
    })
    assert result.verdict is Verdict.PASS
    assert (finding(result, True)[0].path, finding(result, True)[0].line) == ("cmd/server/main.go", 3)


def test_health_endpoint_other_language_evidence_names_the_route(evaluate):
    result = evaluate("observability.health-endpoint", {
        "srv/server.go": 'package srv\nfunc routes() {\n\tmux.HandleFunc("/readyz", ready)\n}\n',
    })
    assert result.verdict is Verdict.PASS
    assert finding(result, True)[0].message == "srv/server.go: route /readyz"


def test_health_endpoint_pass_grpc_health_service_and_prefixed_route(evaluate):
    result = evaluate("observability.health-endpoint", {
        "svc/a/server.go": 'package main\nfunc main() {\n\thealthpb.RegisterHealthServer(srv, h)\n}\n',
        "svc/b/server.py": 'import grpc\nfrom grpc_health.v1 import health_pb2_grpc\nhealth_pb2_grpc.add_HealthServicer_to_server(s, server)\n',
        "svc/c/main.go": 'package main\nfunc main() {\n\tr.HandleFunc(base+"/_healthz", ok)\n}\n',
    })
    assert result.verdict is Verdict.PASS
    where = {(e.path, e.line): e.message for e in finding(result, True)}
    assert "gRPC health service" in where[("svc/a/server.go", 3)] and "gRPC health service" in where[("svc/b/server.py", 3)]
    assert where[("svc/c/main.go", 3)] == "svc/c/main.go: route /_healthz"


def test_health_endpoint_fail(evaluate):
    result = evaluate("observability.health-endpoint", {
        "app/main.py": 'import requests\nrequests.get("http://x/health", timeout=2)\nEXCLUDED = ["/health"]\n',
    })
    assert result.verdict is Verdict.FAIL


def test_health_endpoint_na_without_source(evaluate):
    result = evaluate("observability.health-endpoint", {"k8s/api.yaml": workload("api")})
    assert result.verdict is Verdict.NA
    assert result.summary == "no application source"


# --------------------------------------------------------------------------- liveness


def test_liveness_pass(evaluate):
    result = evaluate("observability.liveness", {
        "k8s/api.yaml": workload("api", container_extra=PORT + LIVENESS),
        "k8s/migrate.yaml": workload("migrate", "Job"),
        "k8s/redis.yaml": workload("redis", "StatefulSet", image="redis:7.2"),
    })
    assert result.verdict is Verdict.PASS
    ev = finding(result, True)
    assert len(ev) == 1  # Jobs and backing services are not judged
    assert (ev[0].path, ev[0].line) == ("k8s/api.yaml", 18)
    assert "livenessProbe (HTTP GET /health) on 1 container" in ev[0].message


def test_liveness_partial(evaluate):
    result = evaluate("observability.liveness", {"k8s/api.yaml": workload("api", container_extra=LIVENESS), "k8s/worker.yaml": workload("worker")})
    assert result.verdict is Verdict.PARTIAL
    bad = finding(result)[0]
    assert (bad.path, bad.line) == ("k8s/worker.yaml", 13)
    assert bad.message == "Deployment/worker: no livenessProbe on container worker"


def test_liveness_fail(evaluate):
    assert evaluate("observability.liveness", {"k8s/api.yaml": workload("api")}).verdict is Verdict.FAIL


def test_liveness_na(evaluate):
    assert evaluate("observability.liveness", {"k8s/job.yaml": workload("migrate", "Job")}).verdict is Verdict.NA


# --------------------------------------------------------------------------- readiness


def test_readiness_pass_only_serving_container(evaluate):
    sidecar = "        - name: shipper\n          image: fluent/fluent-bit:3.0\n"
    result = evaluate("observability.readiness", {
        "k8s/api.yaml": workload("api", container_extra=PORT + READINESS + sidecar),
        "k8s/svc.yaml": service("api"),
        "k8s/worker.yaml": workload("worker"),  # behind no Service: not judged
    })
    assert result.verdict is Verdict.PASS
    ev = finding(result, True)
    assert len(ev) == 1
    assert (ev[0].path, ev[0].line) == ("k8s/api.yaml", 18)
    assert "behind Service/api" in ev[0].message


def test_readiness_partial(evaluate):
    result = evaluate("observability.readiness", {
        "k8s/api.yaml": workload("api", container_extra=PORT + READINESS),
        "k8s/svc.yaml": service("api"),
        "k8s/redis.yaml": workload("redis", "StatefulSet", image="redis:7.2"),
        "k8s/redis-svc.yaml": service("redis", "6379"),
    })
    assert result.verdict is Verdict.PARTIAL
    bad = finding(result)[0]
    assert bad.path == "k8s/redis.yaml"
    assert "no readinessProbe on container redis behind Service/redis" in bad.message


def test_readiness_fail(evaluate):
    result = evaluate("observability.readiness", {"k8s/api.yaml": workload("api", container_extra=PORT), "k8s/svc.yaml": service("api")})
    assert result.verdict is Verdict.FAIL


def test_readiness_na_without_services(evaluate):
    result = evaluate("observability.readiness", {"k8s/api.yaml": workload("api", container_extra=PORT)})
    assert result.verdict is Verdict.NA
    assert "behind a Service" in result.summary


# --------------------------------------------------------------------------- metrics

INSTRUMENTED = """\
from fastapi import FastAPI
from prometheus_fastapi_instrumentator import Instrumentator

app = FastAPI()
Instrumentator().instrument(app).expose(app)
"""
MONITOR = """\
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: api
spec:
  selector:
    matchLabels: {app: api}
  endpoints:
    - port: http
"""


def test_metrics_pass_endpoint_and_service_monitor(evaluate):
    result = evaluate("observability.metrics", {
        "app/main.py": INSTRUMENTED,
        "k8s/api.yaml": workload("api", container_extra=PORT),
        "k8s/svc.yaml": service("api"),
        "k8s/monitor.yaml": MONITOR,
    })
    assert result.verdict is Verdict.PASS
    good = {(e.path, e.line): e.message for e in finding(result, True)}
    assert "metrics exposed" in good[("app/main.py", 5)]
    assert good[("k8s/monitor.yaml", 1)] == "ServiceMonitor/api scrapes Service api of Deployment/api"


def test_metrics_pass_prometheus_client_and_pod_annotations(evaluate):
    annotations = '      annotations:\n        prometheus.io/scrape: "true"\n'
    result = evaluate("observability.metrics", {
        "worker/metrics.py": "from prometheus_client import start_http_server\nstart_http_server(9100)\n",
        "k8s/worker.yaml": workload("worker", pod_extra=annotations),
    })
    assert result.verdict is Verdict.PASS
    assert any("pods annotated prometheus.io/scrape" in e.message for e in finding(result, True))


def test_metrics_partial_endpoint_only(evaluate):
    result = evaluate("observability.metrics", {"app/main.py": INSTRUMENTED, "k8s/api.yaml": workload("api", container_extra=PORT)})
    assert result.verdict is Verdict.PARTIAL
    assert "no scrape config" in result.summary


def test_metrics_partial_scrape_config_without_endpoint(evaluate):
    result = evaluate("observability.metrics", {
        "app/main.py": FASTAPI,
        "k8s/api.yaml": workload("api", container_extra=PORT),
        "k8s/svc.yaml": service("api"),
        "k8s/monitor.yaml": MONITOR,
    })
    assert result.verdict is Verdict.PARTIAL
    assert "no metrics endpoint" in result.summary


def test_metrics_fail_monitor_targets_nothing(evaluate):
    result = evaluate("observability.metrics", {
        "app/main.py": FASTAPI,
        "k8s/api.yaml": workload("api", container_extra=PORT),
        "k8s/monitor.yaml": MONITOR.replace("{app: api}", "{app: other}"),
    })
    assert result.verdict is Verdict.FAIL
    assert any(e.ok is None and "selects no Service" in e.message for e in result.evidence)


def test_metrics_na(evaluate):
    assert evaluate("observability.metrics", {"README.md": "x\n"}).verdict is Verdict.NA


# --------------------------------------------------------------------------- tracing


def test_tracing_pass_sdk_and_exporter_env(evaluate):
    result = evaluate("observability.tracing", {
        "app/tracing.py": "from opentelemetry.sdk.trace import TracerProvider\n",
        "k8s/api.yaml": workload("api", container_extra="          env:\n            - name: OTEL_EXPORTER_OTLP_ENDPOINT\n              value: http://otel-collector:4317\n"),
    })
    assert result.verdict is Verdict.PASS
    good = {(e.path, e.line): e.message for e in finding(result, True)}
    assert "imports opentelemetry.sdk.trace" in good[("app/tracing.py", 1)]
    assert "OTEL_EXPORTER_OTLP_ENDPOINT configures the OTel exporter" in good[("k8s/api.yaml", 15)]


def test_tracing_pass_auto_instrumentation(evaluate):
    result = evaluate("observability.tracing", {
        "requirements.txt": "opentelemetry-distro==0.48b0\nopentelemetry-exporter-otlp==1.27.0\n",
        "Dockerfile": 'FROM python:3.12-slim\nCMD ["opentelemetry-instrument", "uvicorn", "app:app"]\n',
        "app.py": "x = 1\n",
    })
    assert result.verdict is Verdict.PASS


def test_tracing_partial_llm_only(evaluate):
    result = evaluate("observability.tracing", {"app/tasks.py": "import os\nfrom langsmith import traceable\n"})
    assert result.verdict is Verdict.PARTIAL
    assert "vendor/LLM tracing only (langsmith)" in result.summary
    assert (result.evidence[0].path, result.evidence[0].line) == ("app/tasks.py", 2)


def test_tracing_partial_sdk_without_exporter(evaluate):
    result = evaluate("observability.tracing", {"app/t.py": "from opentelemetry.sdk.trace import TracerProvider\n"})
    assert result.verdict is Verdict.PARTIAL
    assert result.summary == "OpenTelemetry SDK without an exporter"


def test_tracing_fail(evaluate):
    assert evaluate("observability.tracing", {"app.py": "import logging\n"}).verdict is Verdict.FAIL


def test_tracing_na(evaluate):
    assert evaluate("observability.tracing", {"k8s/api.yaml": workload("api")}).verdict is Verdict.NA


# --------------------------------------------------------------------------- alerting

RULE = """\
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: api
spec:
  groups:
    - name: api
      rules:
        - alert: HighErrorRate
          expr: rate(http_requests_total{status=~"5.."}[5m]) > 1
"""


def test_alerting_pass_prometheus_rule(evaluate):
    result = evaluate("observability.alerting", {"k8s/api.yaml": workload("api"), "k8s/rules.yaml": RULE})
    assert result.verdict is Verdict.PASS
    ev = finding(result, True)[0]
    assert (ev.path, ev.line) == ("k8s/rules.yaml", 1)
    assert ev.message == "PrometheusRule/api: 1 alert rule"


def test_alerting_pass_terraform(evaluate):
    tf = 'resource "azurerm_monitor_metric_alert" "cpu" {\n  name = "cpu"\n}\n'
    result = evaluate("observability.alerting", {"infra/alerts.tf": tf, "Dockerfile": "FROM python:3.12-slim\n"})
    assert result.verdict is Verdict.PASS
    assert (finding(result, True)[0].path, finding(result, True)[0].line) == ("infra/alerts.tf", 1)


def test_alerting_partial_off_by_default(evaluate):
    tf = (
        'variable "enable_alerts" {\n  type = bool\n  default = false\n}\n\n'
        'resource "azurerm_monitor_metric_alert" "cpu" {\n  count = var.enable_alerts ? 1 : 0\n  name = "cpu"\n}\n'
    )
    result = evaluate("observability.alerting", {"infra/alerts.tf": tf})
    assert result.verdict is Verdict.PARTIAL
    bad = finding(result)[0]
    assert (bad.path, bad.line) == ("infra/alerts.tf", 6)
    assert "off by default" in bad.message


def test_alerting_partial_local_compose_stack_only(evaluate):
    rules = "groups:\n  - name: app\n    rules:\n      - alert: Down\n        expr: up == 0\n"
    compose = "services:\n  prometheus:\n    image: prom/prometheus:v2.53.0\n    volumes:\n      - ./monitoring/alerts.yml:/etc/prometheus/alerts.yml\n"
    result = evaluate("observability.alerting", {"monitoring/alerts.yml": rules, "docker-compose.yml": compose})
    assert result.verdict is Verdict.PARTIAL
    assert (finding(result)[0].path, finding(result)[0].line) == ("monitoring/alerts.yml", 4)


def test_alerting_fail_recording_rules_only(evaluate):
    recording = RULE.replace("- alert: HighErrorRate", "- record: job:errors:rate5m")
    result = evaluate("observability.alerting", {"k8s/api.yaml": workload("api"), "k8s/rules.yaml": recording})
    assert result.verdict is Verdict.FAIL
    assert any(e.ok is None and "recording rules only" in e.message for e in result.evidence)


def test_alerting_otel_collector_receivers_are_not_alertmanager(evaluate):
    collector = "receivers:\n  otlp:\n    protocols:\n      grpc:\nexporters:\n  debug:\nservice:\n  pipelines:\n    logs:\n      receivers: [otlp]\n      exporters: [debug]\n"
    result = evaluate("observability.alerting", {"k8s/api.yaml": workload("api"), "collector/config.yaml": collector})
    assert result.verdict is Verdict.FAIL
    alertmanager = "route:\n  receiver: team\nreceivers:\n  - name: team\n"
    result = evaluate("observability.alerting", {"k8s/api.yaml": workload("api"), "monitoring/alertmanager.yml": alertmanager})
    assert result.verdict is Verdict.PASS
    assert (finding(result, True)[0].path, finding(result, True)[0].line) == ("monitoring/alertmanager.yml", 3)


def test_alerting_na_nothing_deployed(evaluate):
    assert evaluate("observability.alerting", {"lib.py": "x = 1\n"}).verdict is Verdict.NA


def test_alerting_fail_server_script_run_by_hand(evaluate):
    script = "from flask import Flask\napp = Flask(__name__)\n\nif __name__ == '__main__':\n    app.run(port=5000)\n"
    result = evaluate("observability.alerting", {"app.py": script})
    assert result.verdict is Verdict.FAIL and "no alert rules" in result.summary


def test_health_and_metrics_failures_point_at_the_web_app(evaluate):
    files = {"app/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n"}
    health = evaluate("observability.health-endpoint", files)
    assert health.verdict is Verdict.FAIL
    assert (health.evidence[0].path, health.evidence[0].line) == ("app/main.py", 3)
    assert "FastAPI app serves no health route" in health.evidence[0].message
    assert evaluate("observability.metrics", files).evidence[0].line == 3


def test_odd_inputs_never_raise(evaluate):
    files = {
        "k8s/b.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b}\nspec:\n  template:\n    metadata: {labels: 7, annotations: 3}\n"
            "    spec:\n      containers: [x, {name: c, ports: 7, livenessProbe: 1, readinessProbe: {}, env: [1]}]\n"
        ),
        "k8s/c.yaml": (
            "apiVersion: v1\nkind: Service\nmetadata: {name: s, labels: 3}\nspec: {selector: [1], ports: [1, {targetPort: {a: 1}}]}\n---\n"
            "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: m}\nspec: {selector: 1, endpoints: 3}\n---\n"
            "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: r}\nspec: {groups: [1, {rules: 5}]}\n"
        ),
        "app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n@app.get(123)\ndef f(): pass\n",
        "infra/a.tf": 'resource "azurerm_monitor_metric_alert" "x" {\n',
        "rules.yaml": "- alert: x\n",
    }
    for item in ("observability.health-endpoint", "observability.liveness", "observability.readiness", "observability.metrics",
                 "observability.tracing", "observability.alerting"):
        assert isinstance(evaluate(item, files).verdict, Verdict)


def test_tracing_sentry_counts_only_with_performance_tracing(evaluate):
    errors_only = {"app/main.py": 'import sentry_sdk\nsentry_sdk.init(dsn="https://k@o1.ingest.sentry.io/1")\n'}
    assert evaluate("observability.tracing", errors_only).verdict is Verdict.FAIL
    traced = {"app/main.py": 'import sentry_sdk\nsentry_sdk.init(dsn="https://k@o1.ingest.sentry.io/1", traces_sample_rate=0.2)\n'}
    result = evaluate("observability.tracing", traced)
    assert result.verdict is Verdict.PARTIAL
    assert (result.evidence[0].path, result.evidence[0].line) == ("app/main.py", 2)
    assert "ingest.sentry.io" not in result.evidence[0].message
