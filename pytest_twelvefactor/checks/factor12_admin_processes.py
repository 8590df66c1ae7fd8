"""Factor 12 — Admin processes: migrations and other admin tasks run as one-off
Jobs, with the app's image and config, and finish cleanly once."""

from __future__ import annotations

import posixpath
import re

from ..model.kubernetes import K8sObject, as_dict, as_list, image_tag
from ..model.python_source import is_test_path
from ..results import Evidence, Result, failed, not_applicable, partial, passed, tally
from . import check
from .common import judge_workloads, plural
from .factor09_disposability import (
    MIGRATE, Process, code_migrations, slow_work, container_argv, container_line, entry_module, process_modules, process_types,
    py_index,
)
from .factor10_dev_prod_parity import CATEGORY, kind_of_image
from .factor02_dependencies import NOT_DEPLOYED

ADMIN_KINDS = ("Job", "CronJob")
MIGRATION_FILES = re.compile(
    r"(^|/)(alembic\.ini|alembic/env\.py|migrations/env\.py|migrations/versions/[^/]+\.py|migrations/\d{4}_[^/]+\.py|"
    r"db/migrate/[^/]+|V\d+(_\d+)*__[^/]+\.sql|migrations?/[^/]+\.sql|changelog[^/]*\.(xml|ya?ml)|schema\.prisma|"
    r"flyway\.conf|liquibase\.properties|dbmate|goose)$"
)
SQL_PACKAGES = {"sqlalchemy", "sqlmodel", "django", "psycopg", "psycopg2", "psycopg2-binary", "psycopg-binary", "asyncpg",
                "pymysql", "mysqlclient", "aiomysql", "asyncmy", "peewee", "tortoise-orm", "pony", "databases", "aiosqlite",
                "flask-sqlalchemy", "ormar", "piccolo"}
OTHER_DDL = re.compile(r"""[\"'`]\s*CREATE\s+TABLE\b""", re.I)  # a DDL string literal in Go/JS/C#/Java … source
DDL_CALLS = ("metadata.create_all", "create_all", "alembic.command.upgrade", "command.upgrade", "generate_schemas", "call_command")
ADMIN_DIRS = {"scripts", "script", "bin", "tools", "admin", "management", "maintenance", "ops", "jobs", "commands"}
ADMIN_NAME = re.compile(r"^(seed|backfill|cleanup|clean_up|purge|prune|import|export|create_(super)?user|create_admin|"
                        r"bootstrap|reindex|rebuild|sync|init_db|initdb|load_(fixtures|data)|fixtures|reset|rotate)", re.I)


def migration_name(match: re.Match) -> str:
    """The tool and verb of a migration command, never its arguments (they may hold URLs with credentials)."""
    words = match.group(0).split()
    return f"{words[0]} … {words[-1]}" if len(words) > 2 else " ".join(words)


def _command_text(obj: K8sObject) -> str:
    return " ".join(" ".join(str(x) for x in as_list(c.get("command")) + as_list(c.get("args"))) for c in obj.containers())


def _runs_migrations_in_code(repo, obj: K8sObject) -> str | None:
    """A Job's Python entry module that calls a migration API (alembic.command.upgrade, call_command('migrate'))."""
    for container in obj.containers():
        argv, origin, dockerfile = container_argv(repo, obj, container)
        if not argv:
            continue
        modules, found_by = process_modules(repo, Process(obj.ref, obj.path, obj.line, argv, origin, dockerfile))
        if found_by.startswith("entry module"):
            for module in modules:
                for call in module.calls:
                    if call.endswith("alembic.command.upgrade", "command.upgrade") or (
                        call.endswith("call_command") and call.args and call.args[0] == "migrate"
                    ):
                        return f"{module.path}:{call.line}"
    return None


def migration_jobs(repo) -> list[Evidence]:
    return [e for _ref, e in _migration_jobs(repo)]


def _migration_jobs(repo) -> list[tuple[str, Evidence]]:
    """(workload ref, evidence) for each one-off migration run."""
    out = []
    for work in repo.kubernetes.workloads:
        if work.kind != "Job":
            continue
        obj = work.first
        text = _command_text(obj)
        hook = obj.annotations.get("helm.sh/hook") or obj.annotations.get("argocd.argoproj.io/hook")
        how = f" as a {'Helm' if obj.annotations.get('helm.sh/hook') else 'Argo CD'} hook ({hook})" if hook else ""
        if MIGRATE.search(text):
            container = next((c for c in obj.containers() if MIGRATE.search(" ".join(str(x) for x in as_list(c.get("command")) + as_list(c.get("args"))))), None)
            line = container_line(obj, container) if container is not None else obj.line
            out.append((work.ref, Evidence(obj.path, line, f"{work.ref} runs `{migration_name(MIGRATE.search(text))}`{how}", True)))
            continue
        in_code = _runs_migrations_in_code(repo, obj)
        if in_code:
            out.append((work.ref, Evidence(obj.path, obj.line, f"{work.ref} runs migrations in code at {in_code}{how}", True)))
        elif re.search(r"migrat", work.name, re.I):
            out.append((work.ref, Evidence(obj.path, obj.line, f"{work.ref} is named for migrations{how}", True)))
    for path in repo.kubernetes.templated_files:
        text = repo.text(path) or ""
        if re.search(r"^\s*kind:\s*Job\b", text, re.M):
            for number, line in enumerate(text.split("\n"), start=1):
                words = re.sub(r"[\[\]\"',]", " ", line)  # flow lists: [python, manage.py, migrate]
                if MIGRATE.search(words):
                    hook = " (Helm hook)" if "helm.sh/hook" in text else ""
                    out.append((path, Evidence(path, number, f"templated Job runs `{migration_name(MIGRATE.search(words))}`{hook}", True)))
                    break
    if not repo.kubernetes.present:
        for svc in repo.containers.services():
            one_off = svc.spec.get("profiles") or str(svc.spec.get("restart", "")).lower() in ("no", "false")
            command = " ".join(str(x) for x in as_list(svc.spec.get("command"))) if isinstance(svc.spec.get("command"), list) else str(svc.spec.get("command") or "")
            if one_off and MIGRATE.search(command):
                out.append((f"compose service {svc.name}", Evidence(svc.path, svc.line_of("command"), f"one-off compose service {svc.name} runs migrations", True)))
        out.extend(_compose_run_migrations(repo))
    return out


_COMPOSE_RUN = re.compile(r"docker[\s-]compose\b[^\n]*\brun\b[^\n]*")


def _compose_run_migrations(repo) -> list[tuple[str, Evidence]]:
    """A deploy job that runs migrations as a one-off ``docker compose run`` of an app service
    before starting the stack (compose's equivalent of a release Job)."""
    from .cicd import deploys  # late: cicd is an evaluator module too

    out = []
    for job, pipe in {(id(d.job), d.pipeline.path): (d.job, d.pipeline) for d in deploys(repo)}.values():
        for step in job.steps:
            for match in _COMPOSE_RUN.finditer(step.text):
                words = match.group(0).split()
                scripts = [w for w in words if w.endswith(".sh")]
                found = MIGRATE.search(match.group(0)) or any(
                    "migrations" in what for w in scripts for what, _p, _l in slow_work(repo, ["sh", w]))
                if found:
                    line = next((i for i, l in pipe.grep(_COMPOSE_RUN) if i >= step.line), step.line)
                    out.append((f"{pipe.path}:{job.name}", Evidence(
                        pipe.path, line, f"deploy job {job.name} runs migrations once per release as a one-off `docker compose run`", True)))
                    return out
    return out


def startup_migrations(repo) -> list[Evidence]:
    """Migrations run at every pod/process start: init containers, start commands, DDL in app code."""
    out = []
    for work in repo.kubernetes.app_workloads(long_running=True):
        obj = work.first
        for init in obj.init_containers():
            text = " ".join(str(x) for x in as_list(init.get("command")) + as_list(init.get("args")))
            if MIGRATE.search(text):
                out.append(Evidence(obj.path, container_line(obj, init), f"{work.ref}: init container {init.get('name')} runs migrations at every pod start", False))
    procs, _reason = process_types(repo)
    for proc in procs:
        for what, path, line in slow_work(repo, proc.argv):
            if "migrations" in what:
                out.append(Evidence(path or proc.path, line or proc.line, f"{proc.name}: {what} at start-up", False))
    seen = set()
    for proc in procs:
        for what, path, line in code_migrations(repo, proc):
            if (path, line) not in seen:
                seen.add((path, line))
                out.append(Evidence(path, line, f"{what} at application start-up ({proc.name})", False))
    if any(proc.argv and proc.language != "python" for proc in procs):  # other languages: DDL literals in app code
        for path, line, _text in repo.grep(("source_other",), OTHER_DDL):
            if not is_test_path(path) and not NOT_DEPLOYED.search(path) and (path, line) not in seen:
                seen.add((path, line))
                out.append(Evidence(path, line, f"{path}: CREATE TABLE issued by the application code at run time", False))
    return out


def migration_need(repo) -> list[Evidence]:
    """Why the app needs migrations: migration files, or a SQL database in use."""
    out = []
    files = [p for p in repo.files.all_paths() if MIGRATION_FILES.search(p)]
    if files:
        out.append(Evidence(files[0], 1, f"{plural(len(files), 'migration file')} (e.g. {files[0]})", None))
    for dep in repo.dependencies.python_files():
        for req in dep.requirements:
            if req.name in SQL_PACKAGES and not req.dev:
                out.append(Evidence(req.path, req.line, f"SQL package {req.name} declared", None))
                break
        if len(out) > 1:
            break
    for work in repo.kubernetes.workloads:
        for image in work.first.images(init=False):
            kind = kind_of_image(image)
            if kind and CATEGORY.get(kind) == "database" and kind != "mongodb":
                out.append(Evidence(work.path, work.line, f"{work.ref} runs {kind}", None))
    return out


@check("factor12.migration-job")
def migration_job(repo) -> Result:
    """Schema migrations run once per release as a one-off Job (a Kubernetes Job, Helm
    or Argo CD hook, or, when compose is the deployment, a one-off compose service or a
    `docker compose run` of the app in the deploy job) → pass;
    only at start-up (init container, start command or entrypoint script, DDL such as
    create_all or a CREATE/ALTER TABLE statement in the Python code a process type starts,
    or a CREATE TABLE literal in the source of a non-Python process type) → partial; none although the app has migration files or a
    SQL database → fail; n/a when neither."""
    jobs = migration_jobs(repo)
    startup = startup_migrations(repo)
    if jobs:
        return passed(jobs[0].message, jobs + [Evidence(e.path, e.line, e.message, None) for e in startup])
    if startup:
        return partial("migrations run at application start-up, not as a one-off Job", startup)
    need = migration_need(repo)
    if need:
        return failed("the app uses a SQL database but no migration Job or step was found",
                      need + [Evidence(None, None, "no Job, hook or start-up step runs migrations", False)])
    return not_applicable("no SQL database and no migration files")


# --------------------------------------------------------------------------- factor12.admin-jobs


_MAIN_GUARD = re.compile(r"""^if\s+__name__\s*==\s*['"]__main__['"]""", re.M)


def admin_scripts(repo) -> list[tuple[str, str, int, list[str]]]:
    """(label, path, line, ways a command could name it) for admin scripts in the app code."""
    out = []
    index = py_index(repo)
    procs, _ = process_types(repo)
    entries = {m.path for m in (entry_module(repo, p) for p in procs) if m is not None}
    for module in repo.python.app_modules():
        path = module.path
        parts = path.split("/")
        stem = posixpath.basename(path)[:-3]
        if stem == "__init__" or "migrations" in parts or "alembic" in parts or path in entries:
            continue
        django_command = "/".join(parts[-3:-1]) == "management/commands"
        in_admin_dir = any(p in ADMIN_DIRS for p in parts[:-1])
        has_main = any(value == "__main__" for value, _ in module.strings)
        if django_command or ((in_admin_dir or ADMIN_NAME.match(stem)) and has_main):
            line = next((l for v, l in module.strings if v == "__main__"), 1)
            names = [posixpath.basename(path), index.name_of.get(path, stem)]
            if django_command:
                names.append(f"manage.py {stem}")
                names.append(stem)
            out.append((f"script {path}", path, line, names))
    parsed = {m.path for m in repo.python.modules}
    for path in repo.files.of("python"):  # not parseable (e.g. Python 2): recognised by place, name and main guard
        stem = posixpath.basename(path)[:-3]
        if path in parsed or not path.endswith(".py") or is_test_path(path) or stem == "__init__":
            continue
        if any(p in ADMIN_DIRS for p in path.split("/")[:-1]) or ADMIN_NAME.match(stem):
            main = _MAIN_GUARD.search(repo.text(path) or "")
            if main:
                line = (repo.text(path) or "").count("\n", 0, main.start()) + 1
                out.append((f"script {path} (not parseable)", path, line, [posixpath.basename(path), stem]))
    for path in repo.files.of("shell"):
        stem = posixpath.basename(path).rsplit(".", 1)[0]
        if ADMIN_NAME.match(stem):
            out.append((f"script {path}", path, 1, [posixpath.basename(path)]))
    return out


def _admin_commands(repo) -> list[tuple[str, str, int, str]]:
    """(ref, path, line, command text) of Jobs/CronJobs (and one-off compose services without Kubernetes)."""
    out = []
    for work in repo.kubernetes.workloads:
        if work.kind in ADMIN_KINDS:
            for obj in work.variants.values():
                out.append((work.ref, obj.path, obj.line, _command_text(obj)))
    if not repo.kubernetes.present:
        for svc in repo.containers.services():
            if svc.spec.get("profiles") or str(svc.spec.get("restart", "")).lower() in ("no", "false"):
                out.append((f"compose service {svc.name}", svc.path, svc.line, svc.command_text()))
    return out


@check("factor12.admin-jobs")
def admin_jobs(repo) -> Result:
    """Admin tasks (seed data, backfills, cleanups) run as Jobs/CronJobs: every admin
    script in the app code (a `__main__` module under scripts/bin/tools/… or named
    seed/backfill/cleanup…, also when it does not parse, Django management commands,
    such shell scripts) is run by
    some Job → pass; scripts without a Job → partial; n/a with no scripts and no admin Jobs."""
    scripts = admin_scripts(repo)
    commands = _admin_commands(repo)
    migration_refs = {ref for ref, _e in _migration_jobs(repo)}
    others = [c for c in commands if c[0] not in migration_refs]
    evidence = []
    for label, path, line, names in scripts:
        runner = next((c for c in commands if any(re.search(rf"(^|[\s/.=]){re.escape(n)}(\s|$|\.py)", c[3]) for n in names)), None)
        if runner:
            evidence.append(Evidence(runner[1], runner[2], f"{label} runs as {runner[0]}", True))
        else:
            evidence.append(Evidence(path, line, f"{label} has no Job", False))
    if not scripts:
        if not others:
            return not_applicable("no admin scripts and no admin Jobs")
        evidence = list(dict.fromkeys(Evidence(p, l, f"admin {ref}", True) for ref, p, l, _t in others))  # one per Job, not per environment
        return passed(f"{plural(len({o[0] for o in others}), 'admin Job')}", evidence)
    result = tally(evidence, subject="admin scripts", na_reason="no admin scripts",
                   all_ok=f"every admin script runs as a Job ({len(scripts)})")
    if result.verdict.value == "fail":
        return partial(f"{plural(len(scripts), 'admin script')} without a Job", evidence)
    return result


# --------------------------------------------------------------------------- factor12.same-environment


def config_refs(obj: K8sObject, containers: list[dict]) -> set[str]:
    """ConfigMaps and Secrets a pod's containers read (envFrom, valueFrom, volumes)."""
    refs = set()
    for container in containers:
        for source in as_list(container.get("envFrom")):
            source = as_dict(source)
            for key, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                if as_dict(source.get(key)).get("name"):
                    refs.add(f"{kind}/{as_dict(source.get(key))['name']}")
        for var in as_list(container.get("env")):
            value_from = as_dict(as_dict(var).get("valueFrom"))
            for key, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                if as_dict(value_from.get(key)).get("name"):
                    refs.add(f"{kind}/{as_dict(value_from.get(key))['name']}")
    mounted = {str(as_dict(m).get("name")) for c in containers for m in as_list(c.get("volumeMounts"))}
    for volume in as_list(obj.pod_spec().get("volumes")):
        volume = as_dict(volume)
        if str(volume.get("name")) not in mounted:
            continue
        if as_dict(volume.get("configMap")).get("name"):
            refs.add(f"ConfigMap/{volume['configMap']['name']}")
        if as_dict(volume.get("secret")).get("secretName"):
            refs.add(f"Secret/{volume['secret']['secretName']}")
        for source in as_list(as_dict(volume.get("projected")).get("sources")):
            source = as_dict(source)
            if as_dict(source.get("configMap")).get("name"):
                refs.add(f"ConfigMap/{source['configMap']['name']}")
            if as_dict(source.get("secret")).get("name"):
                refs.add(f"Secret/{source['secret']['name']}")
    return refs


def _tier(obj: K8sObject, containers: list[dict], app_images: set[str], app_config: set[str]) -> tuple[int, str, int]:
    images = [str(c.get("image") or "") for c in containers]
    foreign = [i for i in images if image_tag(i)[0] not in app_images]
    line = obj.container_line(containers[0], "image") if containers else obj.line
    if foreign:
        return 0, f"runs image {image_tag(foreign[0])[0]}, not the app's", line
    refs = config_refs(obj, containers)
    shared = sorted(refs & app_config)
    if shared or (not refs and not app_config):
        return 2, "same image as the app" + (f" and the app's config ({', '.join(shared[:3])})" if shared else ""), line
    return 1, "same image as the app, different config" + (f" ({', '.join(sorted(refs)[:3])})" if refs else " (no ConfigMap/Secret)"), line


@check("factor12.same-environment")
def same_environment(repo) -> Result:
    """Admin processes (Jobs, CronJobs, migration init containers, bootstrap Jobs of
    backing services) run the app's image and read the app's ConfigMaps/Secrets: all
    same → pass; same image with different config, or some on another image → partial;
    all on other images → fail; n/a with no admin process or no app workload."""
    k8s = repo.kubernetes
    if not k8s.present:
        return not_applicable("no Kubernetes manifests")
    apps = k8s.app_workloads(long_running=True)
    app_images = {image_tag(i)[0] for w in apps for o in w.variants.values() for i in o.images(init=False)}
    app_config = {r for w in apps for o in w.variants.values() for r in config_refs(o, o.containers())}
    judged: list[tuple[int, Evidence]] = []
    for work in k8s.workloads:
        if work.kind not in ADMIN_KINDS:
            continue
        worst = None
        for env, obj in work.variants.items():
            if not obj.containers():
                continue
            tier, message, line = _tier(obj, obj.containers(), app_images, app_config)
            if worst is None or tier < worst[0]:
                worst = (tier, Evidence(obj.path, line, f"{work.ref}: {message}", tier == 2))
        if worst:
            judged.append(worst)
    for work in apps:
        obj = work.first
        for init in obj.init_containers():
            if MIGRATE.search(" ".join(str(x) for x in as_list(init.get("command")) + as_list(init.get("args")))):
                tier, message, line = _tier(obj, [init], app_images, app_config)
                judged.append((tier, Evidence(obj.path, obj.container_line(init), f"{work.ref}: migration init container {init.get('name')}: {message}", tier == 2)))
    if not judged:
        return not_applicable("no Jobs, CronJobs or migration init containers")
    if not app_images:
        return not_applicable("no long-running app workload to compare admin processes with", [e for _, e in judged])
    tiers = [t for t, _ in judged]
    evidence = [e for _, e in judged]
    if all(t == 2 for t in tiers):
        return passed(f"all {len(tiers)} admin processes use the app's image and config", evidence)
    if all(t == 0 for t in tiers):
        return failed(f"all {len(tiers)} admin processes run other images", evidence)
    return partial(f"{tiers.count(2)} of {len(tiers)} admin processes use the app's image and config", evidence)


# --------------------------------------------------------------------------- factor12.one-off


@check("factor12.one-off")
def one_off(repo) -> Result:
    """One-off runs must end and be cleaned up: each Job sets `backoffLimit` and
    `ttlSecondsAfterFinished` (or a Helm/Argo CD hook delete policy); each CronJob sets
    `concurrencyPolicy` Forbid or Replace. All → pass, some → partial, none → fail."""
    if not repo.kubernetes.present:
        return not_applicable("no Kubernetes manifests")

    def judge(obj: K8sObject):
        spec = obj.spec
        if obj.kind == "CronJob":
            policy = spec.get("concurrencyPolicy")
            if policy in ("Forbid", "Replace"):
                return True, f"concurrencyPolicy {policy}", obj.line_of("spec", "concurrencyPolicy")
            return False, f"concurrencyPolicy {policy or 'unset (Allow)'} lets runs overlap", obj.line_of("spec", "concurrencyPolicy") if policy else obj.line_of("spec")
        missing = []
        if not isinstance(spec.get("backoffLimit"), int) or isinstance(spec.get("backoffLimit"), bool):
            missing.append("backoffLimit")
        cleanup = obj.annotations.get("helm.sh/hook-delete-policy") or obj.annotations.get("argocd.argoproj.io/hook-delete-policy")
        if not isinstance(spec.get("ttlSecondsAfterFinished"), int) and not cleanup:
            missing.append("ttlSecondsAfterFinished")
        if missing:
            return False, f"no {' and no '.join(missing)}", obj.line_of("spec")
        ttl = spec.get("ttlSecondsAfterFinished")
        done = f"ttlSecondsAfterFinished {ttl}" if isinstance(ttl, int) else f"hook delete policy {cleanup}"
        return True, f"backoffLimit {spec['backoffLimit']}, {done}", obj.line_of("spec", "backoffLimit")

    workloads = [w for w in repo.kubernetes.workloads if w.kind in ADMIN_KINDS]
    evidence = judge_workloads(workloads, judge)
    return tally(evidence, subject="Jobs and CronJobs", na_reason="no Jobs or CronJobs")
