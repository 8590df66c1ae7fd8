"""Factor 8 evaluators: every verdict each can give, with its key evidence."""

from __future__ import annotations


def deploy(name: str, replicas: int | None = None, args: str = "", requests: bool = True, pod_extra: str = "") -> str:
    reps = f"\n  replicas: {replicas}" if replicas is not None else ""
    res = "\n          resources: {requests: {cpu: 100m, memory: 128Mi}}" if requests else ""
    arg = f"\n          args: {args}" if args else ""
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:{reps}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:{pod_extra}
      containers:
        - name: {name}
          image: ghcr.io/acme/cms:1.0{arg}{res}
"""


def hpa(target: str, low: int = 1, high: int = 5, metric: str = "cpu") -> str:
    return f"""
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {target}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: {target}}}
  minReplicas: {low}
  maxReplicas: {high}
  metrics:
    - type: Resource
      resource:
        name: {metric}
        target: {{type: Utilization, averageUtilization: 70}}
"""


SCALED_OBJECT = """
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: worker
spec:
  scaleTargetRef: {name: worker}
  maxReplicaCount: 10
  triggers:
    - type: rabbitmq
      metadata: {queueName: builds, mode: QueueLength, value: "5"}
"""
WORKER_ARGS = '["celery", "-A", "app.worker", "worker"]'


def _find(result, fragment):
    return next(e for e in result.evidence if fragment in e.message)


# --------------------------------------------------------------------------- horizontal-scaling


def test_horizontal_scaling_pass(evaluate):
    files = {"k8s/api.yaml": deploy("api"), "k8s/hpa.yaml": hpa("api"), "k8s/ui.yaml": deploy("ui", replicas=3)}
    result = evaluate("factor08.horizontal-scaling", files)
    assert result.verdict.value == "pass"
    assert "autoscaled by HorizontalPodAutoscaler/api (k8s/hpa.yaml:1) scales 1-5 on cpu" in _find(result, "Deployment/api").message
    ui = _find(result, "Deployment/ui")
    assert (ui.path, ui.line, ui.ok) == ("k8s/ui.yaml", 6, True)


def test_horizontal_scaling_partial(evaluate):
    files = {"k8s/api.yaml": deploy("api"), "k8s/hpa.yaml": hpa("api"), "k8s/mcp.yaml": deploy("mcp", replicas=1)}
    result = evaluate("factor08.horizontal-scaling", files)
    assert result.verdict.value == "partial"
    bad = _find(result, "replicas: 1 fixed")
    assert (bad.path, bad.line, bad.ok) == ("k8s/mcp.yaml", 6, False)


def test_horizontal_scaling_fail_stateful_replicas(evaluate):
    volume = "\n      volumes:\n        - name: data\n          hostPath: {path: /srv}"
    result = evaluate("factor08.horizontal-scaling", {"k8s/api.yaml": deploy("api", replicas=3, pod_extra=volume)})
    assert result.verdict.value == "fail"
    assert "replicas: 3 but hostPath volume data" in result.evidence[0].message
    assert result.evidence[0].line == 14


def test_horizontal_scaling_na_scheduler_only(evaluate):
    beat = deploy("beat", args='["celery", "-A", "app", "beat"]')
    assert evaluate("factor08.horizontal-scaling", {"k8s/beat.yaml": beat}).verdict.value == "n/a"


# --------------------------------------------------------------------------- process-types


def test_process_types_pass(evaluate):
    files = {"k8s/api.yaml": deploy("api"), "k8s/worker.yaml": deploy("worker", args=WORKER_ARGS)}
    result = evaluate("factor08.process-types", files)
    assert result.verdict.value == "pass"
    assert _find(result, "process type worker").path == "k8s/worker.yaml"


def test_process_types_partial_supervisord(evaluate):
    files = {
        "Dockerfile": 'FROM python:3.12-slim\nCMD ["supervisord", "-c", "/etc/supervisord.conf"]\n',
        "k8s/api.yaml": deploy("api"),
    }
    result = evaluate("factor08.process-types", files)
    assert result.verdict.value == "partial"
    ev = _find(result, "starts several processes")
    assert (ev.path, ev.line, ev.ok) == ("Dockerfile", 2, False)


def test_process_types_partial_background_scheduler_in_web(evaluate):
    source = (
        "from fastapi import FastAPI\n"
        "from apscheduler.schedulers.background import BackgroundScheduler\n"
        "app = FastAPI()\n"
        "scheduler = BackgroundScheduler()\n"
    )
    files = {"app/main.py": source, "k8s/api.yaml": deploy("api")}
    result = evaluate("factor08.process-types", files)
    assert result.verdict.value == "partial"
    ev = _find(result, "BackgroundScheduler")
    assert (ev.path, ev.line) == ("app/main.py", 4)


def test_process_types_partial_shell_background(evaluate):
    args = '["sh", "-c", "celery -A app worker & uvicorn app:app"]'
    result = evaluate("factor08.process-types", {"k8s/api.yaml": deploy("api", args=args)})
    assert result.verdict.value == "partial"
    assert result.evidence[0].line == 15


def test_process_types_na_single(evaluate):
    result = evaluate("factor08.process-types", {"k8s/api.yaml": deploy("api")})
    assert result.verdict.value == "n/a"
    assert result.summary == "single process type"


# --------------------------------------------------------------------------- worker-scaling


def test_worker_scaling_pass(evaluate):
    files = {"k8s/worker.yaml": deploy("worker", args=WORKER_ARGS), "k8s/hpa.yaml": hpa("worker", high=3)}
    result = evaluate("factor08.worker-scaling", files)
    assert result.verdict.value == "pass"
    assert result.evidence[0].path == "k8s/worker.yaml" and "scales 1-3" in result.evidence[0].message


def test_worker_scaling_partial(evaluate):
    files = {
        "k8s/worker.yaml": deploy("worker", args=WORKER_ARGS),
        "k8s/hpa.yaml": hpa("worker"),
        "k8s/consumer.yaml": deploy("events-consumer", replicas=2),
    }
    result = evaluate("factor08.worker-scaling", files)
    assert result.verdict.value == "partial"
    bad = _find(result, "no autoscaler (replicas: 2)")
    assert (bad.path, bad.line) == ("k8s/consumer.yaml", 6)


def test_worker_scaling_fail(evaluate):
    result = evaluate("factor08.worker-scaling", {"k8s/worker.yaml": deploy("worker", args=WORKER_ARGS)})
    assert result.verdict.value == "fail"
    assert "no autoscaler (replicas: unset)" in result.evidence[0].message


IN_PROCESS_CONSUMER = {
    "Dockerfile": 'FROM python:3.12-slim\nCMD ["python", "server.py"]\n',
    "server.py": (
        "import threading\nimport redis\nfrom flask import Flask\n\napp = Flask(__name__)\nqueue = redis.Redis()\n\n"
        "def consume():\n    while True:\n        queue.blpop('orders', timeout=5)\n\n"
        "if __name__ == '__main__':\n    threading.Thread(target=consume, daemon=True).start()\n    app.run(port=8080)\n"
    ),
    "k8s/api.yaml": deploy("api", replicas=2),
}


def test_worker_items_count_a_web_process_consuming_a_queue_in_process(evaluate):
    result = evaluate("factor08.worker-scaling", IN_PROCESS_CONSUMER)
    assert result.verdict.value == "fail"
    assert [(e.path, e.line, e.ok) for e in result.evidence] == [("k8s/api.yaml", 6, False), ("server.py", 10, None)]
    assert "consumes a queue in-process (queue.blpop)" in result.evidence[1].message
    assert evaluate("factor08.event-driven", IN_PROCESS_CONSUMER).verdict.value == "fail"


def test_worker_scaling_na(evaluate):
    assert evaluate("factor08.worker-scaling", {"k8s/api.yaml": deploy("api")}).verdict.value == "n/a"


# --------------------------------------------------------------------------- hpa


def test_hpa_pass(evaluate):
    result = evaluate("factor08.hpa", {"k8s/api.yaml": deploy("api"), "k8s/hpa.yaml": hpa("api")})
    assert result.verdict.value == "pass"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == ("k8s/api.yaml", 1, True)


def test_hpa_partial_cpu_target_without_requests(evaluate):
    result = evaluate("factor08.hpa", {"k8s/api.yaml": deploy("api", requests=False), "k8s/hpa.yaml": hpa("api")})
    assert result.verdict.value == "partial"
    assert "cpu utilisation target but no cpu request on api" in result.evidence[0].message


def test_hpa_pass_when_limitrange_defaults_requests(evaluate):
    limits = "apiVersion: v1\nkind: LimitRange\nmetadata: {name: defaults}\nspec:\n  limits:\n    - type: Container\n      defaultRequest: {cpu: 100m}\n"
    files = {"k8s/api.yaml": deploy("api", requests=False), "k8s/hpa.yaml": hpa("api"), "k8s/limits.yaml": limits}
    assert evaluate("factor08.hpa", files).verdict.value == "pass"


def test_hpa_partial_orphan_and_missing(evaluate):
    files = {"k8s/api.yaml": deploy("api"), "k8s/hpa.yaml": hpa("api"), "k8s/mcp.yaml": deploy("mcp"), "k8s/old.yaml": hpa("gone")}
    result = evaluate("factor08.hpa", files)
    assert result.verdict.value == "partial"
    assert _find(result, "Deployment/mcp: no HPA").ok is False
    orphan = _find(result, "target Deployment/gone does not exist")
    assert (orphan.path, orphan.line) == ("k8s/old.yaml", 6)


def test_hpa_fail(evaluate):
    assert evaluate("factor08.hpa", {"k8s/api.yaml": deploy("api", replicas=2)}).verdict.value == "fail"


def test_hpa_na(evaluate):
    assert evaluate("factor08.hpa", {"app.py": "x = 1\n"}).verdict.value == "n/a"


# --------------------------------------------------------------------------- event-driven


def test_event_driven_pass_keda(evaluate):
    files = {"k8s/worker.yaml": deploy("worker", args=WORKER_ARGS), "k8s/keda.yaml": SCALED_OBJECT}
    result = evaluate("factor08.event-driven", files)
    assert result.verdict.value == "pass"
    assert "scales on rabbitmq via ScaledObject/worker (k8s/keda.yaml:1)" in result.evidence[0].message


def test_event_driven_partial_cpu_only(evaluate):
    files = {"k8s/worker.yaml": deploy("worker", args=WORKER_ARGS), "k8s/hpa.yaml": hpa("worker")}
    result = evaluate("factor08.event-driven", files)
    assert result.verdict.value == "partial"
    ev = result.evidence[0]
    assert (ev.path, ev.ok) == ("k8s/worker.yaml", False) and "CPU/memory autoscaling only" in ev.message


def test_event_driven_fail(evaluate):
    result = evaluate("factor08.event-driven", {"k8s/worker.yaml": deploy("worker", args=WORKER_ARGS)})
    assert result.verdict.value == "fail"
    assert result.evidence[0].message == "Deployment/worker: not autoscaled"


def test_event_driven_na(evaluate):
    assert evaluate("factor08.event-driven", {"k8s/api.yaml": deploy("api")}).verdict.value == "n/a"
