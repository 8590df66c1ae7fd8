"""Scalability evaluators: every verdict each can give, with its key evidence."""

from __future__ import annotations

from pytest_twelvefactor.results import Verdict


def find(result, fragment):
    hits = [e for e in result.evidence if fragment in e.message]
    assert hits, f"no evidence with {fragment!r} in {[e.message for e in result.evidence]}"
    return hits[0]


def deployment(name, resources="", image="ghcr.io/acme/api:1.0"):
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: {name}
          image: {image}
{resources}"""


SIZED = """          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 256Mi}
"""


# --------------------------------------------------------------------------- vertical


def test_vertical_pass(evaluate):
    result = evaluate("scalability.vertical", {"k8s/api.yaml": deployment("api", SIZED)})
    assert result.verdict is Verdict.PASS
    ev = find(result, "Deployment/api: requests and limits set on 1 container")
    assert (ev.path, ev.line, ev.ok) == ("k8s/api.yaml", 12, True)


def test_vertical_cpu_limit_only_under_policy(evaluate):
    result = evaluate("scalability.vertical", {"k8s/api.yaml": deployment("api", SIZED)}, policy={"cpu_limits_required": True})
    assert result.verdict is Verdict.FAIL
    assert "no limits.cpu" in find(result, "Deployment/api").message


def test_vertical_partial(evaluate):
    files = {"k8s/api.yaml": deployment("api", SIZED), "k8s/worker.yaml": deployment("worker")}
    result = evaluate("scalability.vertical", files)
    assert result.verdict is Verdict.PARTIAL
    ev = find(result, "Deployment/worker: container worker has no requests.cpu, requests.memory, limits.memory")
    assert (ev.path, ev.line, ev.ok) == ("k8s/worker.yaml", 10, False)


def test_vertical_vpa_and_limitrange_count(evaluate):
    vpa = """
    apiVersion: autoscaling.k8s.io/v1
    kind: VerticalPodAutoscaler
    metadata:
      name: worker-vpa
      namespace: shop
    spec:
      targetRef: {apiVersion: apps/v1, kind: Deployment, name: worker}
      updatePolicy: {updateMode: "Off"}
    """
    limit_range = """
    apiVersion: v1
    kind: LimitRange
    metadata:
      name: defaults
      namespace: shop
    spec:
      limits:
        - type: Container
          default: {cpu: 500m, memory: 512Mi}
    """
    files = {"k8s/worker.yaml": deployment("worker"), "k8s/vpa.yaml": vpa, "k8s/api.yaml": deployment("api"), "k8s/lr.yaml": limit_range}
    result = evaluate("scalability.vertical", files)
    assert result.verdict is Verdict.PASS
    assert "VerticalPodAutoscaler worker-vpa (updateMode Off)" in find(result, "Deployment/worker").message
    assert "LimitRange defaults fills defaults" in find(result, "Deployment/api").message


def test_vertical_fail(evaluate):
    result = evaluate("scalability.vertical", {"k8s/worker.yaml": deployment("worker")})
    assert result.verdict is Verdict.FAIL


def test_vertical_na(evaluate):
    result = evaluate("scalability.vertical", {"docker-compose.yml": "services:\n  web:\n    image: nginx:1.27\n"})
    assert result.verdict is Verdict.NA


# --------------------------------------------------------------------------- database

POSTGRES = """
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: postgres
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: postgres
          image: postgres:16.4
"""

DB_APP = """
from sqlalchemy import create_engine

engine = create_engine("postgresql://db/app")
"""


def test_database_pass_managed_in_terraform(evaluate):
    tf = 'resource "azurerm_postgresql_flexible_server" "main" {\n  name = "cms"\n}\n'
    result = evaluate("scalability.database", {"infra/db.tf": tf, "k8s/api.yaml": deployment("api", SIZED), "app/db.py": DB_APP})
    assert result.verdict is Verdict.PASS
    ev = find(result, "managed database defined in infrastructure code")
    assert (ev.path, ev.line) == ("infra/db.tf", 1)


def test_database_pass_external_when_no_db_workload(evaluate):
    result = evaluate("scalability.database", {"k8s/api.yaml": deployment("api", SIZED), "app/db.py": DB_APP})
    assert result.verdict is Verdict.PASS
    ev = find(result, "database client sqlalchemy used; no database workload")
    assert (ev.path, ev.line) == ("app/db.py", 1)


def test_database_pass_operator_cluster(evaluate):
    cnpg = """
    apiVersion: postgresql.cnpg.io/v1
    kind: Cluster
    metadata:
      name: pg
    spec:
      instances: 3
    """
    result = evaluate("scalability.database", {"k8s/pg.yaml": cnpg, "k8s/api.yaml": deployment("api")})
    assert result.verdict is Verdict.PASS
    assert find(result, "Cluster/pg: operator-managed database").path == "k8s/pg.yaml"


def test_database_partial_single_instance(evaluate):
    result = evaluate("scalability.database", {"k8s/pg.yaml": POSTGRES, "k8s/api.yaml": deployment("api")})
    assert result.verdict is Verdict.PARTIAL
    ev = find(result, "StatefulSet/postgres: single in-cluster database instance")
    assert (ev.path, ev.line, ev.ok) == ("k8s/pg.yaml", 6, False)


def test_database_partial_compose_deployment(evaluate):
    compose = "services:\n  web:\n    build: .\n  db:\n    image: postgres:16\n"
    result = evaluate("scalability.database", {"docker-compose.yml": compose})
    assert result.verdict is Verdict.PARTIAL
    ev = find(result, "compose service db: single database instance")
    assert (ev.path, ev.line) == ("docker-compose.yml", 4)


def test_database_na(evaluate):
    result = evaluate("scalability.database", {"k8s/api.yaml": deployment("api"), "app/main.py": "print('x')\n"})
    assert result.verdict is Verdict.NA


# --------------------------------------------------------------------------- cache

REDIS = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: broker
spec:
  template:
    spec:
      containers:
        - name: redis
          image: redis:7.2-alpine
"""


def test_cache_partial_single_redis_even_as_broker(evaluate):
    result = evaluate("scalability.cache", {"k8s/redis.yaml": REDIS, "k8s/api.yaml": deployment("api")})
    assert result.verdict is Verdict.PARTIAL
    ev = find(result, "Deployment/broker: single in-cluster cache instance (redis:7.2-alpine)")
    assert (ev.path, ev.line, ev.ok) == ("k8s/redis.yaml", 1, False)


def test_cache_pass_sentinel(evaluate):
    sentinel = REDIS.replace("image: redis:7.2-alpine", "image: redis:7.2-alpine\n          args: [\"--replicaof\", \"redis-0\", \"6379\"]")
    result = evaluate("scalability.cache", {"k8s/redis.yaml": sentinel})
    assert result.verdict is Verdict.PASS
    assert find(result, "replicated/clustered cache").ok is True


def test_cache_pass_managed(evaluate):
    tf = 'resource "aws_elasticache_replication_group" "cache" {\n}\n'
    app = "import redis\n\nclient = redis.from_url('redis://cache')\n"
    result = evaluate("scalability.cache", {"infra/cache.tf": tf, "app/cache.py": app, "k8s/api.yaml": deployment("api")})
    assert result.verdict is Verdict.PASS
    assert find(result, "managed cache defined in infrastructure code").path == "infra/cache.tf"


def test_cache_na(evaluate):
    result = evaluate("scalability.cache", {"k8s/api.yaml": deployment("api")})
    assert result.verdict is Verdict.NA
