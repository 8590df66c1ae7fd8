"""Factor 3 — Config evaluators: every verdict each can give; secret values never in evidence."""

from __future__ import annotations

import base64
import shutil

import pytest

SETTINGS = '''
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    DATABASE_URL: str
    LOG_LEVEL: str = "INFO"
'''


def _find(result, fragment):
    return next(e for e in result.evidence if fragment in e.message)


def _no_secret(result, *values):
    for e in result.evidence:
        for value in values:
            assert value not in e.message, e.message
    for value in values:
        assert value not in result.summary


def deployment(name="api", env="", env_from="", volumes=""):
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  template:
    spec:
      containers:
        - name: {name}
          image: registry.example.com/{name}:1.0.0
{env}{env_from}{volumes}"""


CM_ENV_FROM = "          envFrom:\n            - configMapRef:\n                name: app-config\n"
SECRET_ENV_FROM = "          envFrom:\n            - secretRef:\n                name: app-secrets\n"
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  LOG_LEVEL: INFO\n"


# --------------------------------------------------------------------------- env-config


def test_env_config_pass_base_settings(evaluate):
    result = evaluate("factor03.env-config", {"app/config.py": SETTINGS})
    assert result.verdict.value == "pass"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == ("app/config.py", 4, True)
    assert "Settings(BaseSettings)" in ev.message


def test_env_config_partial_branches_on_environment(evaluate):
    result = evaluate("factor03.env-config", {
        "app/config.py": 'import os\nENV = os.getenv("APP_ENV", "dev")\nif ENV == "production":\n    DEBUG = False\n',
    })
    assert result.verdict.value == "partial"
    ev = _find(result, "branches on the environment name")
    assert (ev.path, ev.line, ev.ok) == ("app/config.py", 3, False)


def test_env_config_partial_per_environment_modules(evaluate):
    result = evaluate("factor03.env-config", {
        "proj/settings/base.py": "import os\nSECRET = os.environ['SECRET']\n",
        "proj/settings/prod.py": "DEBUG = False\n",
    })
    assert result.verdict.value == "partial"
    assert _find(result, "per-environment settings module").path == "proj/settings/prod.py"


def test_env_config_fail_no_env_reads(evaluate):
    result = evaluate("factor03.env-config", {"app/main.py": 'DEBUG = True\nPORT = 8000\n'})
    assert result.verdict.value == "fail"
    assert result.evidence[0].path == "app/main.py"


def test_env_config_na_without_source(evaluate):
    assert evaluate("factor03.env-config", {"README.md": "x\n"}).verdict.value == "n/a"


# --------------------------------------------------------------------------- configmap


def test_configmap_pass(evaluate):
    result = evaluate("factor03.configmap", {"k8s/deploy.yaml": deployment(env_from=CM_ENV_FROM), "k8s/cm.yaml": CONFIGMAP})
    assert result.verdict.value == "pass"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == ("k8s/deploy.yaml", 12, True)
    assert "Deployment/api: config from ConfigMap app-config" in ev.message


def test_configmap_partial(evaluate):
    inline = "          env:\n            - name: LOG_LEVEL\n              value: INFO\n"
    result = evaluate("factor03.configmap", {
        "k8s/api.yaml": deployment(env_from=CM_ENV_FROM),
        "k8s/worker.yaml": deployment(name="worker", env=inline),
        "k8s/cm.yaml": CONFIGMAP,
    })
    assert result.verdict.value == "partial"
    ev = _find(result, "Deployment/worker")
    assert (ev.path, ev.ok) == ("k8s/worker.yaml", False)
    assert "no ConfigMap reference" in ev.message


def test_configmap_fail_missing_configmap(evaluate):
    result = evaluate("factor03.configmap", {"k8s/deploy.yaml": deployment(env_from=CM_ENV_FROM)})
    assert result.verdict.value == "fail"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == ("k8s/deploy.yaml", 12, False)
    assert "missing ConfigMap app-config" in ev.message


def test_configmap_na_without_kubernetes(evaluate):
    assert evaluate("factor03.configmap", {"app/config.py": SETTINGS}).verdict.value == "n/a"


# --------------------------------------------------------------------------- secrets


def test_secrets_pass_secret_refs(evaluate):
    env = "          env:\n            - name: DB_PASSWORD\n              valueFrom:\n                secretKeyRef:\n                  name: db\n                  key: password\n"
    result = evaluate("factor03.secrets", {"k8s/deploy.yaml": deployment(env=env)})
    assert result.verdict.value == "pass"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == ("k8s/deploy.yaml", 12, True)
    assert "DB_PASSWORD" in ev.message


def test_secrets_fail_literal_value(evaluate):
    env = "          env:\n            - name: LOG_LEVEL\n              value: INFO\n            - name: JWT_SECRET_KEY\n              value: sup3r-s3cret-v4lue\n"
    result = evaluate("factor03.secrets", {"k8s/deploy.yaml": deployment(env=env)})
    assert result.verdict.value == "fail"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == ("k8s/deploy.yaml", 14, False)
    assert "literal value for JWT_SECRET_KEY" in ev.message
    _no_secret(result, "sup3r-s3cret-v4lue")


def test_secrets_fail_connection_string_with_password(evaluate):
    env = "          env:\n            - name: DATABASE_URL\n              value: postgresql://app:Pa55word@db.internal:5432/app\n"
    result = evaluate("factor03.secrets", {"k8s/deploy.yaml": deployment(env=env)})
    assert result.verdict.value == "fail"
    assert "DATABASE_URL" in result.evidence[0].message
    _no_secret(result, "Pa55word")


def test_secrets_fail_connection_string_with_placeholder_password(evaluate):
    env = ("          env:\n            - name: DATABASE_URL\n              value: postgresql://app:changeme@db.example.com:5432/app\n"
           "            - name: CACHE_URL\n              value: redis://app:$(CACHE_PASSWORD)@cache:6379/0\n")
    result = evaluate("factor03.secrets", {"k8s/deploy.yaml": deployment(env=env)})
    assert result.verdict.value == "fail"
    assert "literal value for DATABASE_URL" in result.evidence[0].message and "more)" not in result.evidence[0].message
    _no_secret(result, "changeme")


def test_secrets_na_nothing_sensitive(evaluate):
    result = evaluate("factor03.secrets", {"k8s/deploy.yaml": deployment(env_from=CM_ENV_FROM), "k8s/cm.yaml": CONFIGMAP})
    assert result.verdict.value == "n/a"


def test_secrets_na_without_kubernetes(evaluate):
    assert evaluate("factor03.secrets", {"app/config.py": SETTINGS}).verdict.value == "n/a"


# --------------------------------------------------------------------------- no-hardcoded


def test_no_hardcoded_pass(evaluate):
    result = evaluate("factor03.no-hardcoded", {
        "app/config.py": SETTINGS + '    REDIS_URL: str = "redis://redis:6379/0"\n',
        "Dockerfile": "FROM python:3.12-slim\nENV PORT=8000\n",
    })
    assert result.verdict.value == "pass"
    assert _find(result, "Dockerfile: no literal").path == "Dockerfile"


def test_no_hardcoded_partial_ip(evaluate):
    result = evaluate("factor03.no-hardcoded", {
        "app/main.py": '"""Serves the API on 10.0.0.1 in the old setup."""\nLEGACY_UI_ORIGIN = "http://20.249.205.59:15001"\nBIND = "0.0.0.0"\n',
    })
    assert result.verdict.value == "partial"
    assert len(result.evidence) == 1
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == ("app/main.py", 2, False)
    assert "IP address 20.249.205.59" in ev.message


def test_no_hardcoded_fail_credentials(evaluate):
    result = evaluate("factor03.no-hardcoded", {
        "app/config.py": SETTINGS + '    JWT_SECRET_KEY: str = "dev-signing-k3y"\n',
        "app/db.py": 'import os\nURL = "postgresql://app:Pa55word@db.example.net/app"\nTOKEN = os.getenv("API_TOKEN", "tok-12345")\n',
        "Dockerfile": "FROM python:3.12-slim\nENV ADMIN_PASSWORD=hunter2hunter2\n",
        "tests/test_x.py": 'PASSWORD = "only-in-tests"\n',
    })
    assert result.verdict.value == "fail"
    field = _find(result, "Settings.JWT_SECRET_KEY")
    assert (field.path, field.line, field.ok) == ("app/config.py", 7, False)
    assert _find(result, "embedded credentials").line == 2
    assert _find(result, "secret variable API_TOKEN").line == 3
    assert _find(result, "ENV ADMIN_PASSWORD").path == "Dockerfile"
    assert not any(e.path.startswith("tests/") for e in result.evidence if e.path)
    _no_secret(result, "dev-signing-k3y", "Pa55word", "tok-12345", "hunter2hunter2")


def test_no_hardcoded_placeholders_and_references_are_not_credentials(evaluate):
    result = evaluate("factor03.no-hardcoded", {
        "app/config.py": 'import os\nSECRET_KEY = os.environ["SECRET_KEY"]\nSECRET_KEY_ENV = "SECRET_KEY"\nTOKEN_URL = "/token"\n',
        "Dockerfile": "FROM python:3.12-slim\nARG PIP_TOKEN\nENV API_KEY=${API_KEY}\n",
    })
    assert result.verdict.value == "pass"


def test_no_hardcoded_fail_secret_constant_whose_value_mentions_secret(evaluate):
    # hyphens make it a value, not an environment variable's name like "APP_SECRET_KEY"
    result = evaluate("factor03.no-hardcoded", {
        "app.py": 'from flask import Flask\nSECRET_KEY = "dev-secret-do-not-use"\nSECRET_KEY_ENV = "APP_SECRET_KEY"\napp = Flask(__name__)\n',
    })
    assert result.verdict.value == "fail"
    assert [(e.path, e.line, e.ok) for e in result.evidence] == [("app.py", 2, False)]
    assert "literal credential assigned to SECRET_KEY" in result.evidence[0].message
    _no_secret(result, "dev-secret-do-not-use")


def test_no_hardcoded_na(evaluate):
    assert evaluate("factor03.no-hardcoded", {"README.md": "x\n"}).verdict.value == "n/a"


# --------------------------------------------------------------------------- env-separation


def test_env_separation_pass_env_files(evaluate):
    result = evaluate("factor03.env-separation", {
        ".env.dev": "LOG_LEVEL=DEBUG\nDB_PASSWORD=CHANGE_ME\n",
        ".env.prod": "LOG_LEVEL=INFO\nDB_PASSWORD=CHANGE_ME\n",
        ".env.example": "LOG_LEVEL=\n",
    })
    assert result.verdict.value == "pass"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == (".env.dev", 1, True)
    assert "LOG_LEVEL differs" in ev.message


@pytest.mark.skipif(not (shutil.which("kubectl") or shutil.which("kustomize")), reason="needs kubectl or kustomize")
def test_env_separation_pass_overlay_configmaps(evaluate):
    overlay = "resources:\n  - ../../base\npatches:\n  - path: cm.yaml\n"
    patch = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  LOG_LEVEL: {level}\n"
    result = evaluate("factor03.env-separation", {
        "k8s/base/kustomization.yaml": "resources:\n  - cm.yaml\n",
        "k8s/base/cm.yaml": CONFIGMAP,
        "k8s/overlays/dev/kustomization.yaml": overlay,
        "k8s/overlays/dev/cm.yaml": patch.format(level="DEBUG"),
        "k8s/overlays/prod/kustomization.yaml": overlay,
        "k8s/overlays/prod/cm.yaml": patch.format(level="INFO"),
    })
    assert result.verdict.value == "pass"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == ("k8s/overlays/dev/cm.yaml", 6, True)
    assert "ConfigMap app-config key LOG_LEVEL differs between dev and prod" in ev.message


def test_env_separation_fail_identical_env_files(evaluate):
    result = evaluate("factor03.env-separation", {".env.dev": "LOG_LEVEL=INFO\n", ".env.prod": "LOG_LEVEL=INFO\n"})
    assert result.verdict.value == "fail"
    assert "identical" in result.evidence[0].message


def test_env_separation_fail_one_environment(evaluate):
    result = evaluate("factor03.env-separation", {"k8s/deploy.yaml": deployment(env_from=CM_ENV_FROM), "k8s/cm.yaml": CONFIGMAP})
    assert result.verdict.value == "fail"
    assert "one environment" in result.evidence[0].message


def test_env_separation_fail_configuration_hard_coded_in_source(evaluate):
    result = evaluate("factor03.env-separation", {"app.py": 'DB_PASSWORD = "hunter2-prod"\nprint(DB_PASSWORD)\n'})
    assert result.verdict.value == "fail"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == ("app.py", 1, False)
    assert "configuration hard-coded in the source" in ev.message
    _no_secret(result, "hunter2-prod")


def test_env_separation_na(evaluate):
    assert evaluate("factor03.env-separation", {"main.py": "print(1)\n"}).verdict.value == "n/a"


# --------------------------------------------------------------------------- secret-store

SPC = "apiVersion: secrets-store.csi.x-k8s.io/v1\nkind: SecretProviderClass\nmetadata:\n  name: kv\nspec:\n  provider: azure\n"
CSI_VOLUME = "      volumes:\n        - name: secrets\n          csi:\n            driver: secrets-store.csi.k8s.io\n            volumeAttributes:\n              secretProviderClass: kv\n"


def test_secret_store_pass_external_secret_used(evaluate):
    external = "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata:\n  name: app\nspec:\n  target:\n    name: app-secrets\n"
    result = evaluate("factor03.secret-store", {"k8s/es.yaml": external, "k8s/deploy.yaml": deployment(env_from=SECRET_ENV_FROM)})
    assert result.verdict.value == "pass"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == ("k8s/es.yaml", 1, True)
    assert "produces Secret app-secrets, used by Deployment/api" in ev.message


def test_secret_store_pass_csi_mounted(evaluate):
    result = evaluate("factor03.secret-store", {"k8s/spc.yaml": SPC, "k8s/deploy.yaml": deployment(volumes=CSI_VOLUME)})
    assert result.verdict.value == "pass"
    assert "mounted by Deployment/api" in result.evidence[0].message


def test_secret_store_partial_store_not_mounted(evaluate):
    result = evaluate("factor03.secret-store", {"k8s/spc.yaml": SPC, "k8s/deploy.yaml": deployment(env_from=SECRET_ENV_FROM)})
    assert result.verdict.value == "partial"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == ("k8s/spc.yaml", 1, False)
    assert "not mounted by any workload" in ev.message


def test_secret_store_partial_kubernetes_secrets_only(evaluate):
    placeholder = base64.b64encode(b"replace-me").decode()
    secret = f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: app-secrets\ndata:\n  JWT_SECRET_KEY: {placeholder}\n"
    result = evaluate("factor03.secret-store", {"k8s/secret.yaml": secret, "k8s/deploy.yaml": deployment(env_from=SECRET_ENV_FROM)})
    assert result.verdict.value == "partial"
    ev = result.evidence[0]
    assert (ev.path, ev.ok) == ("k8s/secret.yaml", False)
    assert "no external store" in ev.message


def test_secret_store_fail_plaintext_committed(evaluate):
    real = base64.b64encode(b"postgresql://app:Pa55word@db.example.net/app").decode()
    secret = f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  DATABASE_URL: {real}\n"
    result = evaluate("factor03.secret-store", {
        "k8s/secret.yaml": secret,
        "k8s/deploy.yaml": deployment(env_from=SECRET_ENV_FROM),
        ".env.prod": "LOG_LEVEL=INFO\nSTRIPE_API_KEY=sk_live_abcdef123456\n",
    })
    assert result.verdict.value == "fail"
    ev = _find(result, "Secret/db")
    assert (ev.path, ev.line, ev.ok) == ("k8s/secret.yaml", 1, False)
    env = _find(result, ".env.prod")
    assert (env.line, env.ok) == (2, False) and "STRIPE_API_KEY" in env.message
    _no_secret(result, "Pa55word", "sk_live_abcdef123456", real)


def test_secret_store_na(evaluate):
    result = evaluate("factor03.secret-store", {"k8s/deploy.yaml": deployment(env_from=CM_ENV_FROM), "k8s/cm.yaml": CONFIGMAP})
    assert result.verdict.value == "n/a"


def test_no_hardcoded_fail_on_credentials_in_other_languages(evaluate):
    result = evaluate("factor03.no-hardcoded", {
        "result/server.js": """
            const { Pool } = require('pg');
            // connection string for local runs: postgres://user:pw@localhost
            const pool = new Pool({ connectionString: 'postgres://postgres:canary-pw@db/postgres' });
            """,
        "worker/Program.cs": 'var conn = "Server=db;Username=postgres;Password=canary-pw2;";\n',
        "worker/Other.cs": 'var ok = "Server=db;Username=app;Password=${DB_PASSWORD};";\n',
    })
    assert result.verdict.value == "fail"
    located = {(e.path, e.line) for e in result.evidence if e.ok is False}
    assert located == {("result/server.js", 3), ("worker/Program.cs", 1)}
    assert all("canary" not in e.message for e in result.evidence)
