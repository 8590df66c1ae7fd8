"""Factor 4 — Backing-service evaluators: every verdict each can give."""

from __future__ import annotations

SETTINGS = '''
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    DATABASE_URL: str
    REDIS_URL: str = "redis://redis:6379/0"
'''
ENGINE = "from sqlalchemy import create_engine\nfrom app.config import Settings\nengine = create_engine(Settings().DATABASE_URL)\n"
REDIS_STS = """
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: redis
spec:
  template:
    spec:
      containers:
        - name: redis
          image: redis:7.2.6-alpine
"""
API_WITH_REDIS_SIDECAR = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: registry.example.com/api:1.0.0
        - name: cache
          image: redis:7.2.6
"""


def _find(result, fragment):
    return next(e for e in result.evidence if fragment in e.message)


# --------------------------------------------------------------------------- database-attached


def test_database_attached_pass(evaluate):
    result = evaluate("factor04.database-attached", {"app/config.py": SETTINGS, "app/db.py": ENGINE})
    assert result.verdict.value == "pass"
    ev = _find(result, "DATABASE_URL read from config")
    assert (ev.path, ev.line, ev.ok) == ("app/config.py", 5, True)
    assert _find(result, "external or managed").ok is None


def test_database_attached_partial_sqlite(evaluate):
    result = evaluate("factor04.database-attached", {
        "app/config.py": 'import os\nDATABASE_URL = os.getenv("DATABASE_URL", "sqlite:///./app.db")\n',
        "app/db.py": "import sqlite3\n",
    })
    assert result.verdict.value == "partial"
    ev = _find(result, "SQLite database URL")
    assert (ev.path, ev.ok) == ("app/config.py", False)
    assert ev.line == 2


def test_database_attached_partial_db_container_in_app_pod(evaluate):
    pod = API_WITH_REDIS_SIDECAR.replace("name: cache", "name: db").replace("redis:7.2.6", "postgres:16.6")
    result = evaluate("factor04.database-attached", {"app/config.py": SETTINGS, "app/db.py": ENGINE, "k8s/api.yaml": pod})
    assert result.verdict.value == "partial"
    ev = _find(result, "database container db")
    assert (ev.path, ev.line) == ("k8s/api.yaml", 12)


def test_database_attached_fail_hard_coded(evaluate):
    result = evaluate("factor04.database-attached", {
        "app/db.py": 'from sqlalchemy import create_engine\nengine = create_engine("postgresql://app:Pa55word@10.1.2.3:5432/app")\n',
    })
    assert result.verdict.value == "fail"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == ("app/db.py", 2, False)
    assert "hard-codes database host 10.1.2.3" in ev.message
    assert all("Pa55word" not in e.message for e in result.evidence)


def test_database_attached_na(evaluate):
    assert evaluate("factor04.database-attached", {"app/main.py": "import json\n"}).verdict.value == "n/a"


# --------------------------------------------------------------------------- services-separated


def test_services_separated_pass_own_workload(evaluate):
    result = evaluate("factor04.services-separated", {"k8s/redis.yaml": REDIS_STS})
    assert result.verdict.value == "pass"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == ("k8s/redis.yaml", 1, True)
    assert "StatefulSet/redis" in ev.message


def test_services_separated_pass_external(evaluate):
    result = evaluate("factor04.services-separated", {"app/config.py": SETTINGS, "app/cache.py": "import redis\n"})
    assert result.verdict.value == "pass"
    assert _find(result, "REDIS_URL").path == "app/config.py"


def test_services_separated_fail_bundled_in_image(evaluate):
    result = evaluate("factor04.services-separated", {
        "Dockerfile": "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y redis-server supervisor\n"
                      'CMD ["supervisord", "-c", "/etc/supervisord.conf"]\n',
    })
    assert result.verdict.value == "fail"
    assert _find(result, "installs redis-server").line == 2
    assert _find(result, "starts supervisord").line == 3


def test_services_separated_fail_sidecar_in_app_pod(evaluate):
    result = evaluate("factor04.services-separated", {"k8s/api.yaml": API_WITH_REDIS_SIDECAR})
    assert result.verdict.value == "fail"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == ("k8s/api.yaml", 12, False)
    assert "container cache of an app pod" in ev.message


def test_services_separated_na(evaluate):
    assert evaluate("factor04.services-separated", {"app/main.py": "import json\n"}).verdict.value == "n/a"


# --------------------------------------------------------------------------- urls-from-env


def test_urls_from_env_pass(evaluate):
    result = evaluate("factor04.urls-from-env", {
        "app/config.py": SETTINGS,
        "app/worker.py": 'import os\nfrom celery import Celery\napp = Celery("w", broker=os.environ["CELERY_BROKER_URL"])\n',
    })
    assert result.verdict.value == "pass"
    assert {e.message.split(" ")[0] for e in result.evidence} == {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}
    assert _find(result, "CELERY_BROKER_URL").line == 3


def test_urls_from_env_partial(evaluate):
    result = evaluate("factor04.urls-from-env", {
        "app/config.py": SETTINGS,
        "app/storage.py": 'from minio import Minio\nclient = Minio("minio.example.net:9000")\n',
    })
    assert result.verdict.value == "partial"
    ev = _find(result, "hard-codes")
    assert (ev.path, ev.line, ev.ok) == ("app/storage.py", 2, False)
    assert "storage host minio.example.net:9000" in ev.message


def test_urls_from_env_fail(evaluate):
    result = evaluate("factor04.urls-from-env", {
        "app/settings.py": 'BROKER_URL = "amqp://guest:guest@rabbitmq:5672//"\nMONGO_URI = "mongodb://mongo.example.net/app"\n',
    })
    assert result.verdict.value == "fail"
    assert [e.line for e in result.evidence] == [1, 2]
    assert "module constant BROKER_URL" in result.evidence[0].message


def test_urls_from_env_na(evaluate):
    assert evaluate("factor04.urls-from-env", {"app/main.py": "print(1)\n"}).verdict.value == "n/a"


# --------------------------------------------------------------------------- swappable


def test_swappable_pass(evaluate):
    result = evaluate("factor04.swappable", {"app/config.py": SETTINGS})
    assert result.verdict.value == "pass"
    ev = _find(result, "REDIS_URL")
    assert (ev.path, ev.line, ev.ok) == ("app/config.py", 6, True)


def test_swappable_partial_real_host_default(evaluate):
    result = evaluate("factor04.swappable", {
        "app/config.py": SETTINGS + '    MONGO_URL: str = "mongodb://mongo-prod.example.net:27017/app"\n',
    })
    assert result.verdict.value == "partial"
    ev = _find(result, "MONGO_URL")
    assert (ev.line, ev.ok) == (7, False)
    assert "defaults to database host mongo-prod.example.net" in ev.message


def test_swappable_partial_dockerfile_env(evaluate):
    result = evaluate("factor04.swappable", {
        "app/config.py": SETTINGS,
        "Dockerfile": "FROM python:3.12-slim\nENV REDIS_URL=redis://cache.prod.example.net:6379/0\n",
    })
    assert result.verdict.value == "partial"
    assert _find(result, "bakes cache host").path == "Dockerfile"


def test_swappable_fail_hard_coded_only(evaluate):
    result = evaluate("factor04.swappable", {
        "app/cache.py": 'import redis\nclient = redis.Redis(host="10.0.0.12", port=6379)\n',
    })
    assert result.verdict.value == "fail"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == ("app/cache.py", 2, False)
    assert "cache host 10.0.0.12" in ev.message


def test_swappable_na(evaluate):
    assert evaluate("factor04.swappable", {"app/main.py": "print(1)\n"}).verdict.value == "n/a"
