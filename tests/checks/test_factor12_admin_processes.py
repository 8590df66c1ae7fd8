"""factor12: migration-job, admin-jobs, same-environment, one-off."""

from __future__ import annotations

import textwrap

from pytest_twelvefactor.results import Verdict

IMAGE = "registry.example.com/shop:1.0"


def pod(name: str, kind: str, command: str | None, image: str, extra: str, pod_extra: str, spec_extra: str) -> str:
    cmd = f"\n        command: {command}" if command else ""
    extra = textwrap.indent(textwrap.dedent(extra).strip("\n"), " " * 8) + "\n" if extra else ""
    pod_extra = textwrap.indent(textwrap.dedent(pod_extra).strip("\n"), " " * 6) + "\n" if pod_extra else ""
    spec_extra = textwrap.indent(textwrap.dedent(spec_extra).strip("\n"), "  ") + "\n" if spec_extra else ""
    api = "batch/v1" if kind == "Job" else "apps/v1"
    selector = "" if kind == "Job" else f"  selector:\n    matchLabels: {{app: {name}}}\n"
    return (
        f"apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {name}\nspec:\n{spec_extra}{selector}"
        f"  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n{pod_extra}"
        f"      containers:\n      - name: {name}\n        image: {image}{cmd}\n{extra}"
    )


def deploy(name, command=None, image=IMAGE, extra="", pod_extra=""):
    return pod(name, "Deployment", command, image, extra, pod_extra, "")


def job(name, command=None, image=IMAGE, extra="", spec_extra="backoffLimit: 3\nttlSecondsAfterFinished: 600"):
    return pod(name, "Job", command, image, extra, "", spec_extra)


CONFIG = """
envFrom:
- configMapRef:
    name: app-config
"""


# ---------------------------------------------------------------- migration-job

def test_migration_job_pass(evaluate):
    files = {"k8s/api.yaml": deploy("api"), "k8s/migrate.yaml": job("db-migrate", '["alembic", "upgrade", "head"]')}
    r = evaluate("factor12.migration-job", files)
    assert r.verdict is Verdict.PASS
    assert [(e.path, e.line) for e in r.evidence] == [("k8s/migrate.yaml", 15)]
    assert "Job/db-migrate runs `alembic upgrade`" in r.evidence[0].message


def test_migration_job_pass_helm_hook_template(evaluate):
    files = {
        "chart/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 1.0.0\n",
        "chart/templates/migrate.yaml": (
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {{ .Release.Name }}-migrate\n"
            "  annotations:\n    helm.sh/hook: pre-upgrade\nspec:\n  template:\n    spec:\n      containers:\n"
            "      - name: migrate\n        image: {{ .Values.image }}\n        command: [python, manage.py, migrate]\n"
        ),
    }
    r = evaluate("factor12.migration-job", files)
    assert r.verdict is Verdict.PASS
    assert (r.evidence[0].path, r.evidence[0].line) == ("chart/templates/migrate.yaml", 13)
    assert "(Helm hook)" in r.evidence[0].message


def test_migration_job_partial_init_container(evaluate):
    files = {"k8s/api.yaml": deploy("api", pod_extra="""
        initContainers:
        - name: migrate
          image: registry.example.com/shop:1.0
          command: ["python", "manage.py", "migrate"]
    """)}
    r = evaluate("factor12.migration-job", files)
    assert r.verdict is Verdict.PARTIAL
    assert [(e.path, e.line) for e in r.evidence] == [("k8s/api.yaml", 15)]
    assert "init container migrate runs migrations at every pod start" in r.evidence[0].message


def test_migration_job_partial_ddl_at_startup(evaluate):
    files = {
        "app/__init__.py": "",
        "app/main.py": "from fastapi import FastAPI\nfrom app.db import Base, engine\nBase.metadata.create_all(engine)\napp = FastAPI()\n",
        "app/db.py": "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\nengine = None\n",
        "Procfile": "web: uvicorn app.main:app\n",
    }
    r = evaluate("factor12.migration-job", files)
    assert r.verdict is Verdict.PARTIAL
    assert (r.evidence[0].path, r.evidence[0].line) == ("app/main.py", 3)
    assert "create_all at application start-up" in r.evidence[0].message


def test_migration_job_partial_create_table_statement_in_python_entry_module(evaluate):
    files = {
        "server.py": ('import psycopg2\n\ndef init_db(cur):\n    cur.execute(\n        """\n'
                      '        CREATE TABLE IF NOT EXISTS orders (id UUID PRIMARY KEY)\n        """\n    )\n\n'
                      'if __name__ == "__main__":\n    init_db(psycopg2.connect("").cursor())\n'),
        "requirements.txt": "psycopg2-binary==2.9.9\n",
        "k8s/api.yaml": deploy("api", command='["python", "server.py"]'),
    }
    r = evaluate("factor12.migration-job", files)
    assert r.verdict is Verdict.PARTIAL
    assert [(e.path, e.line) for e in r.evidence] == [("server.py", 5)]
    assert "CREATE TABLE statement at application start-up" in r.evidence[0].message


def test_migration_job_partial_ddl_in_other_language_source(evaluate):
    files = {
        "k8s/db.yaml": deploy("db", image="postgres:16.4-alpine"),
        "k8s/worker.yaml": deploy("worker", command='["dotnet", "Worker.dll"]', image="registry.example.com/worker:1.0"),
        "worker/Program.cs": 'class P {\n  void Open(DbCommand c) {\n    c.CommandText = @"CREATE TABLE IF NOT EXISTS items (id INT)";\n  }\n}\n',
    }
    r = evaluate("factor12.migration-job", files)
    assert r.verdict is Verdict.PARTIAL
    assert ("worker/Program.cs", 3) in [(e.path, e.line) for e in r.evidence]


def test_migration_job_fail(evaluate):
    files = {"requirements.txt": "fastapi==0.115.0\nsqlalchemy==2.0.36\n", "k8s/api.yaml": deploy("api")}
    r = evaluate("factor12.migration-job", files)
    assert r.verdict is Verdict.FAIL
    assert ("requirements.txt", 2) in [(e.path, e.line) for e in r.evidence]


def test_migration_job_compose_run_in_the_deploy_job_is_a_one_off(evaluate):
    job = ("on:\n  workflow_dispatch:\njobs:\n  deploy:\n    runs-on: {runner}\n    steps:\n"
           "      - run: docker compose build\n"
           "      - run: docker compose run --rm web bash scripts/prestart.sh\n"
           "      - run: docker compose up -d\n")
    files = {
        "requirements.txt": "fastapi==0.115.0\nsqlalchemy==2.0.36\n", "alembic.ini": "[alembic]\n",
        "scripts/prestart.sh": "#!/bin/sh\nset -e\nalembic upgrade head\n",
        "compose.yml": "services:\n  web:\n    build: .\n",
        ".github/workflows/test.yml": job.format(runner="ubuntu-latest"),
    }
    assert evaluate("factor12.migration-job", files).verdict is Verdict.FAIL  # a CI test run is no release step
    files[".github/workflows/deploy.yml"] = job.format(runner="self-hosted")
    r = evaluate("factor12.migration-job", files)
    assert r.verdict is Verdict.PASS
    assert (r.evidence[0].path, r.evidence[0].line) == (".github/workflows/deploy.yml", 8)


def test_migration_job_na(evaluate):
    r = evaluate("factor12.migration-job", {"requirements.txt": "redis==5.0.8\n", "k8s/api.yaml": deploy("api")})
    assert r.verdict is Verdict.NA and "no SQL database" in r.summary


# ---------------------------------------------------------------- admin-jobs

SEED = "def main():\n    pass\n\nif __name__ == '__main__':\n    main()\n"


def test_admin_jobs_pass(evaluate):
    files = {
        "app/__init__.py": "", "app/scripts/__init__.py": "", "app/scripts/seed_data.py": SEED,
        "k8s/seed.yaml": job("seed-data", '["python", "-m", "app.scripts.seed_data"]'),
    }
    r = evaluate("factor12.admin-jobs", files)
    assert r.verdict is Verdict.PASS
    assert [(e.path, e.line) for e in r.evidence] == [("k8s/seed.yaml", 1)]
    assert "script app/scripts/seed_data.py runs as Job/seed-data" in r.evidence[0].message


def test_admin_jobs_partial_script_without_job(evaluate):
    files = {
        "app/__init__.py": "", "app/scripts/__init__.py": "", "app/scripts/seed_data.py": SEED,
        "app/scripts/backfill.py": SEED, "k8s/seed.yaml": job("seed-data", '["python", "-m", "app.scripts.seed_data"]'),
    }
    r = evaluate("factor12.admin-jobs", files)
    assert r.verdict is Verdict.PARTIAL
    assert [(e.path, e.line) for e in r.evidence if e.ok is False] == [("app/scripts/backfill.py", 4)]
    assert "has no Job" in r.evidence[0].message


def test_admin_jobs_partial_when_no_script_has_a_job(evaluate):
    r = evaluate("factor12.admin-jobs", {"scripts/cleanup.sh": "#!/bin/sh\nrm -rf /tmp/x\n"})
    assert r.verdict is Verdict.PARTIAL  # the checklist has no fail for this item
    assert (r.evidence[0].path, r.evidence[0].line) == ("scripts/cleanup.sh", 1)


def test_admin_jobs_recognises_an_unparseable_admin_script(evaluate):
    legacy = 'import sys\n\ndef main(path):\n    print "importing %s" % path\n\nif __name__ == "__main__":\n    main(sys.argv[1])\n'
    r = evaluate("factor12.admin-jobs", {"scripts/import_legacy.py": legacy, "k8s/api.yaml": deploy("api")})
    assert r.verdict is Verdict.PARTIAL
    assert (r.evidence[0].path, r.evidence[0].line) == ("scripts/import_legacy.py", 6)
    assert "not parseable" in r.evidence[0].message


def test_admin_jobs_evidence_once_per_job_across_overlays(evaluate):
    files = {
        "deploy/base/kustomization.yaml": "resources: [api.yaml, purge.yaml]\n",
        "deploy/base/api.yaml": deploy("api"),
        "deploy/base/purge.yaml": job("purge", '["./purge"]'),
        "deploy/overlays/dev/kustomization.yaml": "resources: [../../base]\nnamespace: dev\n",
        "deploy/overlays/prod/kustomization.yaml": "resources: [../../base]\nnamespace: prod\n",
    }
    r = evaluate("factor12.admin-jobs", files)
    assert r.verdict is Verdict.PASS
    assert [e.message for e in r.evidence] == ["admin Job/purge"]


def test_admin_jobs_na(evaluate):
    assert evaluate("factor12.admin-jobs", {"k8s/api.yaml": deploy("api")}).verdict is Verdict.NA


# ---------------------------------------------------------------- same-environment

def test_same_environment_pass(evaluate):
    files = {"k8s/api.yaml": deploy("api", extra=CONFIG), "k8s/seed.yaml": job("seed", extra=CONFIG)}
    r = evaluate("factor12.same-environment", files)
    assert r.verdict is Verdict.PASS
    assert [(e.path, e.line) for e in r.evidence] == [("k8s/seed.yaml", 14)]
    assert "ConfigMap/app-config" in r.evidence[0].message


def test_same_environment_partial_different_config(evaluate):
    files = {"k8s/api.yaml": deploy("api", extra=CONFIG), "k8s/seed.yaml": job("seed")}
    r = evaluate("factor12.same-environment", files)
    assert r.verdict is Verdict.PARTIAL
    assert "same image as the app, different config" in r.evidence[0].message


def test_same_environment_fail_other_image(evaluate):
    files = {"k8s/api.yaml": deploy("api", extra=CONFIG), "k8s/buckets.yaml": job("create-buckets", image="minio/mc:RELEASE.2024-10-02")}
    r = evaluate("factor12.same-environment", files)
    assert r.verdict is Verdict.FAIL
    assert [(e.path, e.line, e.ok) for e in r.evidence] == [("k8s/buckets.yaml", 14, False)]
    assert "runs image minio/mc, not the app's" in r.evidence[0].message


def test_same_environment_na(evaluate):
    assert evaluate("factor12.same-environment", {"k8s/api.yaml": deploy("api")}).verdict is Verdict.NA


# ---------------------------------------------------------------- one-off

CRON = """
apiVersion: batch/v1
kind: CronJob
metadata:
  name: cleanup
spec:
  schedule: "0 3 * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: cleanup
            image: registry.example.com/shop:1.0
"""


def test_one_off_pass(evaluate):
    r = evaluate("factor12.one-off", {"k8s/seed.yaml": job("seed"), "k8s/cron.yaml": CRON})
    assert r.verdict is Verdict.PASS
    assert sorted((e.path, e.line) for e in r.evidence) == [("k8s/cron.yaml", 7), ("k8s/seed.yaml", 6)]
    assert any("concurrencyPolicy Forbid" in e.message for e in r.evidence)


def test_one_off_partial(evaluate):
    r = evaluate("factor12.one-off", {"k8s/seed.yaml": job("seed"), "k8s/other.yaml": job("other", spec_extra="backoffLimit: 2")})
    assert r.verdict is Verdict.PARTIAL
    assert [(e.path, e.line) for e in r.evidence if e.ok is False] == [("k8s/other.yaml", 5)]
    assert "Job/other: no ttlSecondsAfterFinished" in r.evidence[0].message


def test_one_off_fail(evaluate):
    r = evaluate("factor12.one-off", {"k8s/cron.yaml": CRON.replace("  concurrencyPolicy: Forbid\n", "")})
    assert r.verdict is Verdict.FAIL and "unset (Allow)" in r.evidence[0].message


def test_one_off_na(evaluate):
    r = evaluate("factor12.one-off", {"k8s/api.yaml": deploy("api")})
    assert r.verdict is Verdict.NA and "no Jobs" in r.summary
