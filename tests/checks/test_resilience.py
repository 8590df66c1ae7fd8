"""Resilience evaluators: every verdict each can give, with its key evidence."""

from __future__ import annotations

from pytest_twelvefactor.results import Verdict


def find(result, fragment):
    hits = [e for e in result.evidence if fragment in e.message]
    assert hits, f"no evidence with {fragment!r} in {[e.message for e in result.evidence]}"
    return hits[0]


DEPLOY_PROBED = """
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
          livenessProbe:
            httpGet: {path: /healthz, port: 8000}
"""

DEPLOY_UNPROBED = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  template:
    spec:
      containers:
        - name: worker
          image: ghcr.io/acme/api:1.0
"""

BARE_POD = """
apiVersion: v1
kind: Pod
metadata:
  name: api-pod
spec:
  containers:
    - name: api
      image: ghcr.io/acme/api:1.0
      livenessProbe:
        tcpSocket: {port: 8000}
"""


# --------------------------------------------------------------------------- auto-restart


def test_auto_restart_pass(evaluate):
    result = evaluate("resilience.auto-restart", {"k8s/api.yaml": DEPLOY_PROBED})
    assert result.verdict is Verdict.PASS
    ev = find(result, "Deployment/api: Deployment controller with livenessProbe")
    assert (ev.path, ev.line, ev.ok) == ("k8s/api.yaml", 11, True)


def test_auto_restart_partial_when_probe_missing(evaluate):
    result = evaluate("resilience.auto-restart", {"k8s/api.yaml": DEPLOY_PROBED, "k8s/worker.yaml": DEPLOY_UNPROBED})
    assert result.verdict is Verdict.PARTIAL
    ev = find(result, "Deployment/worker: Deployment controller, but no livenessProbe on container worker")
    assert (ev.path, ev.line, ev.ok) == ("k8s/worker.yaml", 9, False)


def test_auto_restart_fail_on_bare_pod(evaluate):
    result = evaluate("resilience.auto-restart", {"k8s/api.yaml": DEPLOY_PROBED, "k8s/pod.yaml": BARE_POD})
    assert result.verdict is Verdict.FAIL
    ev = find(result, "Pod/api-pod: bare Pod")
    assert (ev.path, ev.line) == ("k8s/pod.yaml", 1)


def test_auto_restart_na_without_kubernetes(evaluate):
    result = evaluate("resilience.auto-restart", {"Dockerfile": "FROM python:3.12-slim\n"})
    assert result.verdict is Verdict.NA
    assert "no Kubernetes" in result.summary


# --------------------------------------------------------------------------- circuit breaker

CLIENT = """
import requests


def fetch(url):
    return requests.get(url, timeout=5)
"""


def test_circuit_breaker_pass_with_library(evaluate):
    guarded = """
    import pybreaker
    import requests

    breaker = pybreaker.CircuitBreaker(fail_max=5)


    @breaker
    def fetch(url):
        return requests.get(url, timeout=5)
    """
    result = evaluate("resilience.circuit-breaker", {"app/client.py": guarded})
    assert result.verdict is Verdict.PASS
    ev = find(result, "circuit breaker library pybreaker imported")
    assert (ev.path, ev.line, ev.ok) == ("app/client.py", 1, True)


def test_circuit_breaker_pass_with_mesh_outlier_detection(evaluate):
    rule = """
    apiVersion: networking.istio.io/v1beta1
    kind: DestinationRule
    metadata:
      name: payments
    spec:
      host: payments
      trafficPolicy:
        outlierDetection:
          consecutive5xxErrors: 5
    """
    result = evaluate("resilience.circuit-breaker", {"app/client.py": CLIENT, "k8s/dr.yaml": rule})
    assert result.verdict is Verdict.PASS
    ev = find(result, "DestinationRule/payments: mesh outlier detection")
    assert (ev.path, ev.line) == ("k8s/dr.yaml", 8)


def test_circuit_breaker_fail(evaluate):
    result = evaluate("resilience.circuit-breaker", {"app/client.py": CLIENT})
    assert result.verdict is Verdict.FAIL
    ev = find(result, "requests.get: outbound call without a circuit breaker")
    assert (ev.path, ev.line, ev.ok) == ("app/client.py", 5, False)


def test_circuit_breaker_na_without_outbound_calls(evaluate):
    result = evaluate("resilience.circuit-breaker", {"app/main.py": "print('hello')\n"})
    assert result.verdict is Verdict.NA


# --------------------------------------------------------------------------- retry

TENACITY_BACKOFF = """
import requests
from tenacity import retry, stop_after_attempt, wait_exponential


@retry(stop=stop_after_attempt(3), wait=wait_exponential(multiplier=1))
def fetch(url):
    return requests.get(url, timeout=5)
"""

TENACITY_FIXED = """
import requests
from tenacity import retry, wait_fixed


@retry(wait=wait_fixed(2))
def fetch(url):
    return requests.get(url, timeout=5)
"""

CELERY_BACKOFF = """
from celery import Celery

app = Celery("tasks")


@app.task(autoretry_for=(IOError,), retry_backoff=True, max_retries=5)
def build(site_id):
    return site_id
"""

CELERY_PLAIN = """
from celery import Celery

app = Celery("tasks")


@app.task
def build(site_id):
    return site_id
"""


def test_retry_pass_both_layers(evaluate):
    result = evaluate("resilience.retry", {"app/client.py": TENACITY_BACKOFF, "app/tasks.py": CELERY_BACKOFF})
    assert result.verdict is Verdict.PASS
    ev = find(result, "tenacity.retry on fetch() with exponential backoff")
    assert (ev.path, ev.line, ev.ok) == ("app/client.py", 5, True)
    ev = find(result, "Celery task build(): autoretry_for with retry_backoff")
    assert (ev.path, ev.line) == ("app/tasks.py", 6)


def test_retry_partial_celery_only(evaluate):
    result = evaluate("resilience.retry", {"app/client.py": CLIENT, "app/tasks.py": CELERY_BACKOFF})
    assert result.verdict is Verdict.PARTIAL
    ev = find(result, "requests.get: outbound call without retry")
    assert (ev.path, ev.line, ev.ok) == ("app/client.py", 5, False)


def test_retry_partial_fixed_interval(evaluate):
    result = evaluate("resilience.retry", {"app/client.py": TENACITY_FIXED})
    assert result.verdict is Verdict.PARTIAL
    ev = find(result, "fixed-interval retries")
    assert (ev.path, ev.line, ev.ok) == ("app/client.py", 5, False)


def test_retry_partial_startup_connection_only(evaluate):
    source = """
    import redis
    import requests
    from tenacity import retry, wait_exponential


    @retry(wait=wait_exponential())
    def wait_for_redis():
        redis.Redis().ping()


    def fetch(url):
        return requests.get(url, timeout=5)
    """
    result = evaluate("resilience.retry", {"app/client.py": source})
    assert result.verdict is Verdict.PARTIAL
    ev = find(result, "retries only when connecting at start-up")
    assert (ev.path, ev.line) == ("app/client.py", 6)


def test_retry_fail(evaluate):
    result = evaluate("resilience.retry", {"app/client.py": CLIENT, "app/tasks.py": CELERY_PLAIN})
    assert result.verdict is Verdict.FAIL
    ev = find(result, "worker tasks without retry")
    assert (ev.path, ev.line) == ("app/tasks.py", 7)


def test_retry_job_backoff_limit_is_not_retry(evaluate):
    job = """
    apiVersion: batch/v1
    kind: Job
    metadata:
      name: seed
    spec:
      backoffLimit: 3
      template:
        spec:
          containers:
            - name: seed
              image: ghcr.io/acme/api:1.0
    """
    result = evaluate("resilience.retry", {"k8s/job.yaml": job, "app/main.py": "print('x')\n"})
    assert result.verdict is Verdict.NA


# --------------------------------------------------------------------------- timeouts

NO_TIMEOUT = """
import requests


def fetch(url):
    return requests.get(url)
"""

INGRESS_TIMEOUT = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    nginx.ingress.kubernetes.io/proxy-read-timeout: "120"
spec:
  rules: []
"""


def test_timeouts_pass(evaluate):
    result = evaluate("resilience.timeouts", {"app/client.py": CLIENT})
    assert result.verdict is Verdict.PASS
    ev = find(result, "requests.get: timeout=")
    assert (ev.path, ev.line, ev.ok) == ("app/client.py", 5, True)


def test_timeouts_partial_some(evaluate):
    result = evaluate("resilience.timeouts", {"app/client.py": CLIENT, "app/other.py": NO_TIMEOUT})
    assert result.verdict is Verdict.PARTIAL
    ev = find(result, "requests.get: no timeout=")
    assert (ev.path, ev.line, ev.ok) == ("app/other.py", 5, False)


def test_timeouts_calls_on_a_requests_session_are_judged(evaluate):
    source = """
    import requests

    payments = requests.Session()


    def refund(url):
        return payments.post(url, json={}, timeout=5)


    def charge(url):
        return payments.post(url, json={})
    """
    result = evaluate("resilience.timeouts", {"app/payments.py": source})
    assert result.verdict is Verdict.PARTIAL
    assert [(e.line, e.ok) for e in result.evidence] == [(7, True), (11, False)]
    assert result.evidence[1].message == "payments.post: no timeout= (requests waits forever)"


def test_timeouts_partial_ingress_only(evaluate):
    result = evaluate("resilience.timeouts", {"app/other.py": NO_TIMEOUT, "k8s/ingress.yaml": INGRESS_TIMEOUT})
    assert result.verdict is Verdict.PARTIAL
    assert "ingress/proxy timeouts only" in result.summary
    ev = find(result, "Ingress/web: proxy timeouts")
    assert (ev.path, ev.line) == ("k8s/ingress.yaml", 6)


def test_timeouts_fail(evaluate):
    source = """
    import httpx
    import redis

    client = redis.Redis(host="cache")


    def fetch(url):
        return httpx.get(url)
    """
    result = evaluate("resilience.timeouts", {"app/client.py": source})
    assert result.verdict is Verdict.FAIL
    assert find(result, "redis.Redis: no socket/connect timeout").line == 4
    assert find(result, "httpx.get: no explicit timeout=").line == 8


def test_timeouts_pass_ingress_without_outbound_calls(evaluate):
    result = evaluate("resilience.timeouts", {"app/main.py": "print('x')\n", "k8s/ingress.yaml": INGRESS_TIMEOUT})
    assert result.verdict is Verdict.PASS


def test_timeouts_na(evaluate):
    result = evaluate("resilience.timeouts", {"app/main.py": "print('x')\n"})
    assert result.verdict is Verdict.NA
