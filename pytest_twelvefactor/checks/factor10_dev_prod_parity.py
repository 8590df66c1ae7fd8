"""Factor 10 — Dev/prod parity: same stack everywhere, overlays instead of copies,
the same kinds of backing services locally, a containerised local stack, and a
pre-production environment.

Environments are the Kubernetes model's stage environments; feature variants
(overlays not named for a stage) are not counted here, as the checklist says.
"""

from __future__ import annotations

import posixpath
import re

from ..model.kubernetes import STAGE_NAMES, as_dict, image_tag, iter_env_vars
from ..results import Evidence, Result, failed, not_applicable, partial, passed, tally
from . import check
from .common import plural
from .factor09_disposability import service_argv, service_dockerfile, process_types, strip_wrappers

# --------------------------------------------------------------------------- helpers


def stage_envs(repo) -> list:
    return [e for e in repo.kubernetes.environments if e.is_stage]


def _image_repo(image: str) -> str:
    return image_tag(image)[0]


# --------------------------------------------------------------------------- factor10.same-stack


@check("factor10.same-stack")
def same_stack(repo) -> Result:
    """Every stage environment runs the same app workloads from the same image
    repositories (tags, replicas and config may differ): an app workload missing from
    a stage environment, or running another image there, is a swapped or dropped
    component (partial). n/a with fewer than two stage environments."""
    envs = stage_envs(repo)
    if len(envs) < 2:
        return not_applicable("fewer than two stage environments" if repo.kubernetes.present else "no Kubernetes environments")
    names = [e.name for e in envs]
    groups: dict[tuple[str, str], dict] = {}  # copies in per-environment folders are one workload
    for work in repo.kubernetes.workloads:
        if work.is_app:
            group = groups.setdefault((work.kind, work.name), {"work": work, "variants": {}})
            for env, obj in work.variants.items():
                group["variants"].setdefault(env, obj)
    evidence: list[Evidence] = []
    for (kind, name), group in sorted(groups.items()):
        work, variants = group["work"], group["variants"]
        present = [n for n in names if n in variants]
        if not present:
            continue
        missing = [n for n in names if n not in variants]
        if missing:
            evidence.append(Evidence(work.path, work.line, f"{work.ref}: deployed in {', '.join(present)}, not in {', '.join(missing)}", False))
            continue
        images = {n: sorted({_image_repo(i) for i in variants[n].images()}) for n in present}
        if len({tuple(v) for v in images.values()}) > 1:
            detail = "; ".join(f"{n}: {', '.join(v) or 'none'}" for n, v in images.items())
            odd = next(variants[n] for n in present if images[n] != images[present[0]])
            evidence.append(Evidence(odd.path, odd.line, f"{work.ref}: image differs between environments ({detail})", False))
        else:
            evidence.append(Evidence(work.path, work.line, f"{work.ref}: same image in {', '.join(present)}", True))
    result = tally(evidence, subject="app workloads", na_reason="no app workloads in the stage environments",
                   all_ok=f"{', '.join(names)} run the same {plural(sum(1 for e in evidence if e.ok), 'app workload')}")
    if result.verdict.value == "fail":
        return partial(f"every app workload differs between {', '.join(names)}", evidence)
    return result


# --------------------------------------------------------------------------- factor10.env-overlays


@check("factor10.env-overlays")
def env_overlays(repo) -> Result:
    """Stage environments should be small overlays of one shared description:
    Kustomize overlays that all build on a common base, or one Helm chart with
    `values-<env>` files → pass; per-environment full copies (overlays without a
    shared base, raw manifests per environment folder) → partial; n/a below two."""
    k8s = repo.kubernetes
    for chart in k8s.helm_charts:
        staged = [p for p in k8s.helm_values.get(chart, []) if _values_stage(p)]
        if len(staged) >= 2:
            evidence = [Evidence(p, 1, f"values file for {_values_stage(p)} overlays chart {chart or '.'}", True) for p in staged]
            return passed(f"{plural(len(staged), 'environment')} as values files of chart {chart or '.'}", evidence)
    envs = stage_envs(repo)
    if len(envs) < 2:
        return not_applicable("fewer than two stage environments" if k8s.present else "no Kubernetes environments")
    if k8s.judged == "kustomize overlays":
        closures = {}
        for env in envs:
            closures[env.name] = [k.directory for k in k8s.kustomize_closure(env.source)][1:]
        shared = set.intersection(*(set(c) for c in closures.values())) if closures else set()
        bases = [d for d in next(iter(closures.values())) if d in shared]
        evidence = []
        for env in envs:
            kust = k8s.kustomizations.get(env.source)
            path = kust.path if kust else env.source
            if bases:
                evidence.append(Evidence(path, 1, f"overlay {env.name} builds on {bases[0] or '.'}", True))
            else:
                evidence.append(Evidence(path, 1, f"overlay {env.name} shares no base with the other environments", False))
        if bases:
            base = k8s.kustomizations.get(bases[0])
            evidence.insert(0, Evidence(base.path if base else bases[0], 1, f"shared base {bases[0] or '.'}", None))
            return passed(f"{', '.join(e.name for e in envs)} are Kustomize overlays of {bases[0] or '.'}", evidence)
        return partial("overlays do not share a base: each environment is a full copy", evidence)
    if k8s.judged == "manifests":
        evidence = []
        for env in envs:
            first = env.objects[0] if env.objects else None
            evidence.append(Evidence(first.path if first else env.source, first.line if first else None,
                                     f"environment {env.name}: full copy of {plural(len(env.objects), 'object')}", False))
        return partial(f"{', '.join(e.name for e in envs)} are per-environment copies, not overlays", evidence)
    return not_applicable(f"environments not described by overlays or copies ({k8s.judged})")


def _values_stage(path: str) -> str | None:
    stem = posixpath.basename(path).lower().rsplit(".", 1)[0]
    match = re.match(r"values[-_.](.+)$", stem)
    return STAGE_NAMES.get(match.group(1)) if match else None


# --------------------------------------------------------------------------- factor10.same-backing-services

_IMAGE_KINDS = (
    (re.compile(r"(^|/)(postgres|postgresql|postgis|timescaledb|bitnami/postgresql|cloudnative-pg|crunchy)"), "postgresql"),
    (re.compile(r"(^|/)(mysql|mariadb|bitnami/mysql|bitnami/mariadb|percona)"), "mysql"),
    (re.compile(r"(^|/)(mongo|mongodb|bitnami/mongodb)"), "mongodb"),
    (re.compile(r"(^|/)(mssql|mcr\.microsoft\.com/mssql|azure-sql-edge)"), "sqlserver"),
    (re.compile(r"(^|/)(redis|redis-stack|valkey|keydb|dragonfly|bitnami/redis|bitnami/valkey)"), "redis"),
    (re.compile(r"(^|/)memcached"), "memcached"),
    (re.compile(r"(^|/)(rabbitmq|bitnami/rabbitmq)"), "rabbitmq"),
    (re.compile(r"(^|/)(kafka|cp-kafka|redpanda|bitnami/kafka)"), "kafka"),
    (re.compile(r"(^|/)(elasticsearch|opensearch)"), "search"),
)
_SCHEME_KINDS = (
    (re.compile(r"^postgres(ql)?(\+\w+)?://", re.I), "postgresql"),
    (re.compile(r"^(mysql|mariadb)(\+\w+)?://", re.I), "mysql"),
    (re.compile(r"^sqlite(\+\w+)?:", re.I), "sqlite"),
    (re.compile(r"^mongodb(\+srv)?://", re.I), "mongodb"),
    (re.compile(r"^(mssql|sqlserver)(\+\w+)?://", re.I), "sqlserver"),
    (re.compile(r"^rediss?://", re.I), "redis"),
    (re.compile(r"^amqps?://", re.I), "rabbitmq"),
    (re.compile(r"^memcached://", re.I), "memcached"),
    (re.compile(r"^kafka://", re.I), "kafka"),
)
_DRIVERS = {
    "psycopg": "postgresql", "psycopg2": "postgresql", "psycopg2-binary": "postgresql", "psycopg-binary": "postgresql",
    "asyncpg": "postgresql", "pg8000": "postgresql", "pymysql": "mysql", "mysqlclient": "mysql", "aiomysql": "mysql",
    "asyncmy": "mysql", "mysql-connector-python": "mysql", "pymongo": "mongodb", "motor": "mongodb", "pyodbc": "sqlserver",
    "pymssql": "sqlserver",
}
CATEGORY = {
    "postgresql": "database", "mysql": "database", "sqlite": "database", "mongodb": "database", "sqlserver": "database",
    "redis": "cache/broker", "memcached": "cache/broker", "rabbitmq": "cache/broker", "kafka": "cache/broker",
    "search": "search",
}
_PROD_ENV_FILE = re.compile(r"(^|[./])(prod|production|prd|live)([./]|$)")
_DEV_ENV_FILE = re.compile(r"^\.env$|(^|[./])(local|dev|development|develop|example|sample|template)([./]|$)")


def kind_of_image(image: str) -> str | None:
    repo = _image_repo(image).lower()
    for pattern, kind in _IMAGE_KINDS:
        if pattern.search(repo):
            return kind
    return None


def kind_of_url(value) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip().strip("'\"")
    for pattern, kind in _SCHEME_KINDS:
        if pattern.match(value):
            return kind
    return None


Source = tuple  # (kind, path, line, label)


def _k8s_sources(repo, env) -> list[Source]:
    out = []
    for obj in env.objects:
        if obj.kind in ("Deployment", "StatefulSet", "DaemonSet", "Pod", "ReplicaSet"):
            for image in obj.images(init=False):
                kind = kind_of_image(image)
                if kind:
                    out.append((kind, obj.path, obj.line, f"{obj.ref} runs {_image_repo(image)}"))
            for container in obj.containers():
                for var in iter_env_vars(container):
                    kind = kind_of_url(var.get("value"))
                    if kind:
                        out.append((kind, obj.path, obj.container_line(container, "env"), f"{obj.ref} env {var.get('name')}"))
        elif obj.kind == "ConfigMap":
            for key, value in as_dict(obj.doc.get("data")).items():
                kind = kind_of_url(value)
                if kind:
                    out.append((kind, obj.path, obj.line_of("data", key), f"ConfigMap/{obj.name} key {key}"))
    return out


def _env_file_sources(repo, pattern: re.Pattern) -> list[Source]:
    out = []
    for env_file in repo.env_files:
        name = posixpath.basename(env_file.path).lower()
        if not pattern.search(name):
            continue
        for key, line, value in env_file.entries:
            kind = kind_of_url(value)
            if kind:
                out.append((kind, env_file.path, line, f"{key} in {env_file.path}"))
    return out


def production_backing(repo) -> list[Source]:
    """Backing-service kinds of production: the prod stage environment (or the only
    environment), prod env files, and — for the database — the app's SQL driver."""
    out: list[Source] = []
    envs = repo.kubernetes.environments
    prod = [e for e in envs if e.stage == "prod"] or (envs if len(envs) == 1 else [])
    for env in prod:
        out.extend(_k8s_sources(repo, env))
    out.extend(_env_file_sources(repo, _PROD_ENV_FILE))
    if not any(CATEGORY.get(s[0]) == "database" for s in out) and (prod or _has_prod_files(repo)):
        for dep in repo.dependencies.python_files():
            if dep.dev:
                continue
            for req in dep.requirements:
                if req.name in _DRIVERS and not req.dev:
                    out.append((_DRIVERS[req.name], req.path, req.line, f"the app's driver {req.name}"))
    return out


def _has_prod_files(repo) -> bool:
    return any(_PROD_ENV_FILE.search(posixpath.basename(f.path).lower()) for f in repo.env_files)


def local_backing(repo) -> list[Source]:
    """Backing-service kinds of local/dev: compose services, dev/test stage
    environments, local env files and literal URL defaults in settings code."""
    out: list[Source] = []
    for svc in repo.containers.services():
        kind = kind_of_image(svc.image or "")
        if kind:
            out.append((kind, svc.path, svc.line, f"compose service {svc.name}"))
        for key, value in svc.environment().items():
            kind = kind_of_url(value)
            if kind:
                out.append((kind, svc.path, svc.line_of("environment"), f"compose service {svc.name} {key}"))
    for env in repo.kubernetes.environments:
        if env.stage in ("dev", "test"):
            out.extend(_k8s_sources(repo, env))
    out.extend(_env_file_sources(repo, _DEV_ENV_FILE))
    for module in repo.python.app_modules():
        for cls in module.classes:
            for name, value, line in cls.fields:
                kind = kind_of_url(value)
                if kind:
                    out.append((kind, module.path, line, f"default of {cls.name}.{name}"))
        for assign in module.assignments:
            kind = kind_of_url(assign.value)
            if kind == "sqlite":
                out.append((kind, module.path, assign.line, f"literal {assign.target}"))
    return out


@check("factor10.same-backing-services")
def same_backing_services(repo) -> Result:
    """For each backing-service category production uses (database, cache/broker,
    search), local/dev must use the same kind (e.g. PostgreSQL in compose when prod is
    PostgreSQL; no sqlite stand-in). All same → pass, any different → partial; n/a when
    production's or local's backing services are unknown."""
    prod = production_backing(repo)
    local = local_backing(repo)
    if not prod:
        return not_applicable("production backing services unknown")
    if not local:
        return not_applicable("no local/dev backing services described")
    evidence: list[Evidence] = []
    for category in sorted({CATEGORY[s[0]] for s in prod}):
        prod_here = [s for s in prod if CATEGORY[s[0]] == category]
        local_here = [s for s in local if CATEGORY[s[0]] == category]
        prod_kinds = sorted({s[0] for s in prod_here})
        if not local_here:
            evidence.append(Evidence(prod_here[0][1], prod_here[0][2], f"{category}: {'/'.join(prod_kinds)} in production; none described locally", None))
            continue
        odd = [s for s in local_here if s[0] not in prod_kinds]
        where = f"{prod_here[0][3]} at {prod_here[0][1]}:{prod_here[0][2]}"
        if odd:
            kind, path, line, label = odd[0]
            evidence.append(Evidence(path, line, f"{category}: {kind} locally ({label}) but {'/'.join(prod_kinds)} in production ({where})", False))
        else:
            kind, path, line, label = local_here[0]
            evidence.append(Evidence(path, line, f"{category}: {kind} locally ({label}) as in production ({where})", True))
    result = tally(evidence, subject="backing-service categories", na_reason="no backing-service category described both locally and in production",
                   all_ok="local backing services are the same kinds as production")
    if result.verdict.value == "fail":
        return partial("local backing services differ from production", evidence)
    return result


# --------------------------------------------------------------------------- factor10.container-dev

_SWARM = re.compile(r"(^|/)docker-stack")


def signature(argv: list[str] | None) -> str | None:
    """A process type's identity: program, app reference and sub-command
    (``uvicorn app.main:app``, ``celery app.worker.celery_app worker``, ``python -m app.x``)."""
    words = strip_wrappers(argv or [])
    if not words:
        return None
    head = posixpath.basename(words[0])
    if re.fullmatch(r"python[\d.]*", head):
        rest = [w for w in words[1:] if not w.startswith("-") or w == "-m"]
        if rest[:1] == ["-m"] and len(rest) > 1:
            return f"python -m {rest[1]}"
        return f"python {rest[0]}" if rest else "python"
    if head == "celery":
        app = next((words[i + 1] for i, w in enumerate(words[:-1]) if w in ("-A", "--app")), "")
        sub = next((w for w in words if w in ("worker", "beat", "flower")), "")
        return f"celery {app} {sub}".strip()
    ref = next((w for w in words[1:] if re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_][\w.()]*", w)), None)
    if ref:
        return f"{head} {ref}"
    sub = next((w for w in words[1:] if not w.startswith("-")), "")
    return f"{head} {sub}".strip()


@check("factor10.container-dev")
def container_dev(repo) -> Result:
    """A one-command containerised local stack (compose, skaffold/tilt/devspace,
    devcontainer) should run every process type and backing service of the deployment:
    one compose file (or skaffold/tilt over the manifests) covering all → pass; gaps,
    several files needed, or a lone devcontainer → partial; none → fail."""
    compose = [f for f in repo.containers.compose_files if not _SWARM.search(f.path)]
    tools = repo.files.of("skaffold")
    devcontainers = [p for p in repo.files.of("json") if p.endswith("devcontainer.json")]
    if tools:
        return passed(f"{posixpath.basename(tools[0])} runs the deployment locally", [Evidence(tools[0], 1, f"local dev tool {posixpath.basename(tools[0])}", True)])
    if not compose:
        if devcontainers:
            return partial("devcontainer only: no local stack of the process types and backing services",
                           [Evidence(devcontainers[0], 1, "devcontainer without a compose stack", None)])
        return failed("no containerised local stack (compose, skaffold, tilt, devcontainer)",
                      [Evidence(None, None, "no compose file, skaffold/tilt/devspace config or devcontainer", False)])
    if not repo.kubernetes.present:
        first = compose[0]
        return passed(f"{first.path} is the deployment and runs locally with one command",
                      [Evidence(first.path, 1, f"compose stack with {plural(len(first.services), 'service')}", True)])
    needs: list[tuple[str, str, str | None, int | None]] = []   # (key, label, path, line)
    procs, _reason = process_types(repo)
    context: list[Evidence] = []
    for proc in procs:
        sig = signature(proc.argv)
        if sig is None:
            context.append(proc.evidence("image built elsewhere; not expected in the local stack", None))
            continue
        if f"proc:{sig}" not in {n[0] for n in needs}:
            needs.append((f"proc:{sig}", f"process type `{sig}` ({proc.name.split(' container')[0]})", proc.path, proc.line))
    for work in repo.kubernetes.workloads:
        if work.role != "backing":
            continue
        for image in work.first.images(init=False):
            kind = kind_of_image(image)
            if kind and f"backing:{kind}" not in [n[0] for n in needs]:
                needs.append((f"backing:{kind}", f"backing service {kind} ({work.ref})", work.path, work.line))
    for kind, path, line, label in production_backing(repo):
        if f"backing:{kind}" not in [n[0] for n in needs]:
            needs.append((f"backing:{kind}", f"backing service {kind} ({label})", path, line))
    if not needs:
        return not_applicable("no process types or backing services known to compare the local stack with", context)
    covered_by: dict[str, set[str]] = {}
    where: dict[tuple[str, str], tuple[str, int]] = {}
    for cfile in compose:
        keys = set()
        for svc in cfile.services:
            kind = kind_of_image(svc.image or "")
            if kind:
                keys.add(f"backing:{kind}")
                where.setdefault((cfile.path, f"backing:{kind}"), (svc.path, svc.line))
            argv, _origin = service_argv(svc, service_dockerfile(repo, svc))
            sig = signature(argv)
            if sig:
                keys.add(f"proc:{sig}")
                where.setdefault((cfile.path, f"proc:{sig}"), (svc.path, svc.line_of("command") if svc.spec.get("command") else svc.line))
        covered_by[cfile.path] = keys
    wanted = {n[0] for n in needs}
    best = max(compose, key=lambda f: (len(covered_by[f.path] & wanted), -len(f.path)))
    union = set().union(*covered_by.values())
    evidence = list(context)
    for key, label, path, line in needs:
        if key in covered_by[best.path]:
            spath, sline = where[(best.path, key)]
            evidence.append(Evidence(spath, sline, f"{label} runs in {best.path}", True))
        elif key in union:
            other = next(p for p, keys in covered_by.items() if key in keys)
            spath, sline = where[(other, key)]
            evidence.append(Evidence(spath, sline, f"{label} only in a separate file {other}", False))
        else:
            evidence.append(Evidence(path, line, f"{label} is not in any local compose stack", False))
    missing = [e for e in evidence if e.ok is False]
    if not missing:
        return passed(f"{best.path} runs all {plural(len(needs), 'process type and backing service')}", evidence)
    return partial(f"local stack covers {len(needs) - len(missing)} of {len(needs)} process types and backing services", evidence)


# --------------------------------------------------------------------------- factor10.staging

PRE_PROD = ("staging", "qa", "test")


def _stage(repo, name: str) -> str | None:
    """The stage a name denotes; the policy's ``staging_names`` count as staging."""
    lowered = name.lower()
    if lowered in {str(n).lower() for n in repo.policy.get("staging_names", ())}:
        return "staging"
    return STAGE_NAMES.get(lowered)


def named_environments(repo) -> dict[str, tuple[str | None, int | None, str]]:
    """stage -> (path, line, how it is named) over overlays/folders, Helm values files,
    CI jobs with `environment:` and deploy folders named for a stage (the policy's
    ``staging_names`` name staging environments too)."""
    found: dict[str, tuple[str | None, int | None, str]] = {}
    k8s = repo.kubernetes
    for env in k8s.environments:
        stage = _stage(repo, env.name)
        if stage:
            kust = k8s.kustomizations.get(env.source)
            first = env.objects[0] if env.objects else None
            path = kust.path if kust else (first.path if first else env.source)
            found.setdefault(stage, (path, 1 if kust else (first.line if first else None), f"Kubernetes environment {env.name}"))
    for chart, files in k8s.helm_values.items():
        for path in files:
            stage = _values_stage(path)
            if stage:
                found.setdefault(stage, (path, 1, f"Helm values file {posixpath.basename(path)}"))
    for pipe in repo.ci.pipelines:
        for job in pipe.jobs:
            if job.environment:
                stage = _stage(repo, re.sub(r"[^a-z-]", "", job.environment.lower()))
                if stage:
                    found.setdefault(stage, (pipe.path, job.line, f"CI job {job.name} deploys to environment {job.environment}"))
    deploy_files = repo.files.of("yaml", "json", "kustomization", "terraform")
    for directory in repo.files.directories:
        stage = _stage(repo, posixpath.basename(directory))
        if stage and stage not in found and not directory.split("/")[0] in ("tests", "test", "docs"):
            inside = next((p for p in deploy_files if p.startswith(directory + "/")), None)
            if inside:
                found.setdefault(stage, (inside, 1, f"deploy folder {directory}"))
    return found


@check("factor10.staging")
def staging(repo) -> Result:
    """A pre-production environment (stage staging/preprod, qa/uat or test) lets
    releases be tried before production: one → pass; several environments but no
    pre-production one (dev + prod) → partial; a single environment → fail (waivable), also
    when an app runs (a process type) without any deployment description; n/a when nothing
    is deployed or run."""
    found = named_environments(repo)
    evidence = [Evidence(p, l, how, stage in PRE_PROD or None) for stage, (p, l, how) in sorted(found.items())]
    pre = [s for s in found if s in PRE_PROD]
    if pre:
        return passed(f"pre-production environment: {', '.join(sorted(pre))}", evidence)
    evidence.append(Evidence(None, None, "no staging, qa or test environment", False))
    if len(found) >= 2:
        return partial(f"{' + '.join(sorted(found))} only, no staging/qa environment", evidence)
    described = found or repo.kubernetes.environments or repo.containers.compose_files or repo.ci.pipelines
    procs = [] if described else process_types(repo)[0]
    if described or procs:
        stage = next(iter(found), None)
        evidence[:0] = [p.evidence("runs without a deployment description: one environment", None) for p in procs[:1]]
        return failed(f"one environment{f' ({stage})' if stage else ''}, no pre-production environment",
                      evidence)
    return not_applicable("no deployment described and no process type")
