"""Factor 7 evaluators: every verdict each can give, with its key evidence."""

from __future__ import annotations


def deploy(name: str, port: int | None = 8000, labels: str | None = None, container_extra: str = "") -> str:
    ports = f"\n          ports:\n            - {{name: http, containerPort: {port}}}" if port else ""
    labels = labels or f"{{app: {name}}}"
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  selector:
    matchLabels: {labels}
  template:
    metadata:
      labels: {labels}
    spec:
      containers:
        - name: {name}
          image: ghcr.io/acme/{name}:1.0{container_extra}{ports}
"""


def service(name: str, target="http", selector: str | None = None, port: int = 80) -> str:
    return f"""
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector: {selector or '{app: ' + name + '}'}
  ports:
    - port: {port}
      targetPort: {target}
"""


def ingress(*backends: tuple[str, int]) -> str:
    paths = "".join(
        f"""
          - path: /{name}
            pathType: Prefix
            backend:
              service:
                name: {name}
                port: {{number: {port}}}"""
        for name, port in backends
    )
    return f"""
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  rules:
    - http:
        paths:{paths}
"""


def _find(result, fragment):
    return next(e for e in result.evidence if fragment in e.message)


# --------------------------------------------------------------------------- self-binding


def test_self_binding_pass(evaluate):
    cmd = '\n          args: ["uvicorn", "app:app", "--port", "$(PORT)"]'
    files = {"k8s/api.yaml": deploy("api", port=None, container_extra=cmd), "k8s/svc.yaml": service("api", target=8000)}
    result = evaluate("factor07.self-binding", files)
    assert result.verdict.value == "pass"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == ("k8s/api.yaml", 15, True)
    assert "binds port $(PORT) (uvicorn in its command); port configurable" in ev.message


def test_self_binding_partial(evaluate):
    files = {
        "k8s/api.yaml": deploy("api"),
        "k8s/ui.yaml": deploy("ui", port=None),
        "k8s/svc.yaml": service("ui", target=3000),
    }
    result = evaluate("factor07.self-binding", files)
    assert result.verdict.value == "partial"
    bad = _find(result, "no container binds a port")
    assert (bad.path, bad.line, bad.ok) == ("k8s/ui.yaml", 1, False)


def test_self_binding_fail_unix_socket(evaluate):
    cmd = '\n          command: ["gunicorn", "--bind", "unix:/run/app.sock", "app:app"]'
    files = {"k8s/api.yaml": deploy("api", port=None, container_extra=cmd), "k8s/svc.yaml": service("api", target=80)}
    result = evaluate("factor07.self-binding", files)
    assert result.verdict.value == "fail"
    assert result.evidence[0].line == 15 and "Unix socket" in result.evidence[0].message


def test_self_binding_pass_dockerfile_without_kubernetes(evaluate):
    dockerfile = 'FROM python:3.12-slim\nEXPOSE 8000\nCMD ["uvicorn", "app:app", "--port", "8000"]\n'
    result = evaluate("factor07.self-binding", {"Dockerfile": dockerfile})
    assert result.verdict.value == "pass"
    assert (result.evidence[0].path, result.evidence[0].line) == ("Dockerfile", 2)


def test_self_binding_pass_script_that_runs_its_server(evaluate):
    script = (
        "import os\nimport uvicorn\nfrom fastapi import FastAPI\napp = FastAPI()\n\n"
        "if __name__ == '__main__':\n    uvicorn.run(app, host='0.0.0.0', port=int(os.getenv('PORT', '8000')))\n"
    )
    result = evaluate("factor07.self-binding", {"main.py": script})
    assert result.verdict.value == "pass"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == ("main.py", 7, True)
    assert "uvicorn.run binds a port set at start-up itself; port configurable from the environment" in ev.message


def test_self_binding_na(evaluate):
    worker = deploy("worker", port=None, container_extra='\n          args: ["celery", "-A", "app", "worker"]')
    assert evaluate("factor07.self-binding", {"k8s/worker.yaml": worker}).verdict.value == "n/a"


# --------------------------------------------------------------------------- service


def test_service_pass(evaluate):
    result = evaluate("factor07.service", {"k8s/api.yaml": deploy("api"), "k8s/svc.yaml": service("api")})
    assert result.verdict.value == "pass"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == ("k8s/api.yaml", 15, True)
    assert "Service/api (k8s/svc.yaml:1)" in ev.message


def test_service_partial_over_selecting(evaluate):
    files = {
        "k8s/api.yaml": deploy("api", labels="{app: cms, tier: api}"),
        "k8s/mcp.yaml": deploy("mcp", labels="{app: cms, tier: mcp}"),
        "k8s/svc-api.yaml": service("api", selector="{app: cms}"),
        "k8s/svc-mcp.yaml": service("mcp", selector="{app: cms, tier: mcp}"),
    }
    result = evaluate("factor07.service", files)
    assert result.verdict.value == "partial"
    ev = _find(result, "also selects")
    assert ev.path == "k8s/api.yaml" and "Service/api" in ev.message and "Deployment/mcp" in ev.message


def test_service_fail_no_service_and_bad_target(evaluate):
    files = {"k8s/api.yaml": deploy("api"), "k8s/ui.yaml": deploy("ui"), "k8s/svc.yaml": service("ui", target=9999)}
    result = evaluate("factor07.service", files)
    assert result.verdict.value == "fail"
    assert _find(result, "no Service selects").path == "k8s/api.yaml"
    mismatch = _find(result, "targetPort 9999 matches no containerPort")
    assert (mismatch.path, mismatch.line) == ("k8s/ui.yaml", 15)


def test_service_na(evaluate):
    assert evaluate("factor07.service", {"app.py": "x = 1\n"}).verdict.value == "n/a"


# --------------------------------------------------------------------------- ingress

def _web():
    return {"k8s/api.yaml": deploy("api"), "k8s/svc.yaml": service("api")}


def test_ingress_pass(evaluate):
    result = evaluate("factor07.ingress", {**_web(), "k8s/ingress.yaml": ingress(("api", 80))})
    assert result.verdict.value == "pass"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == ("k8s/ingress.yaml", 11, True)
    assert ev.message == "Ingress/web routes to Service api port 80"


def test_ingress_partial_missing_backend(evaluate):
    result = evaluate("factor07.ingress", {**_web(), "k8s/ingress.yaml": ingress(("api", 80), ("docs", 80))})
    assert result.verdict.value == "partial"
    bad = _find(result, "backend Service docs does not exist")
    assert (bad.path, bad.line, bad.ok) == ("k8s/ingress.yaml", 17, False)


def test_ingress_partial_wrong_port(evaluate):
    result = evaluate("factor07.ingress", {**_web(), "k8s/ingress.yaml": ingress(("api", 8080))})
    assert result.verdict.value == "partial"
    assert "Service api has no port 8080" in result.evidence[0].message


def test_ingress_fail_none(evaluate):
    result = evaluate("factor07.ingress", _web())
    assert result.verdict.value == "fail"
    assert _find(result, "web workload without a route").path == "k8s/api.yaml"


def test_ingress_na_no_web_workload(evaluate):
    assert evaluate("factor07.ingress", {"k8s/worker.yaml": deploy("worker", port=None)}).verdict.value == "n/a"


# --------------------------------------------------------------------------- metrics-port

INSTRUMENTED = """
from fastapi import FastAPI
from prometheus_fastapi_instrumentator import Instrumentator

app = FastAPI()
Instrumentator().instrument(app).expose(app)
"""


def test_metrics_port_pass(evaluate):
    result = evaluate("factor07.metrics-port", {"app/main.py": INSTRUMENTED, "k8s/api.yaml": deploy("api")})
    assert result.verdict.value == "pass"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == ("app/main.py", 5, True)
    assert "Deployment/api containerPort 8000 (http) (k8s/api.yaml:15)" in ev.message


def test_metrics_port_partial_separate_port_not_declared(evaluate):
    source = "from prometheus_client import start_http_server\nstart_http_server(9100)\n"
    result = evaluate("factor07.metrics-port", {"app/worker.py": source, "k8s/api.yaml": deploy("api")})
    assert result.verdict.value == "partial"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == ("app/worker.py", 2, False)
    assert "port 9100 is not declared" in ev.message


def test_metrics_port_fail_no_endpoint(evaluate):
    result = evaluate("factor07.metrics-port", {"app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n"})
    assert result.verdict.value == "fail"


def test_metrics_port_ignores_go_test_files(evaluate):
    result = evaluate("factor07.metrics-port", {
        "pkg/server.go": 'package pkg\nfunc routes() {\n\tmux.Handle("/metrics", promhttp.Handler())\n}\n',
        "pkg/server_test.go": 'package pkg\nfunc TestMetrics(t *testing.T) {\n\tget("/metrics")\n}\n',
        "k8s/api.yaml": deploy("api"),
    })
    assert result.verdict.value == "pass"
    assert [e.path for e in result.evidence] == ["pkg/server.go"]


def test_metrics_port_na_no_source(evaluate):
    assert evaluate("factor07.metrics-port", {"k8s/api.yaml": deploy("api")}).verdict.value == "n/a"
