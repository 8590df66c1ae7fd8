"""Factor 8 — Concurrency: scale out through the process model."""

from __future__ import annotations

import posixpath
import re

from ..model.containers import command_words
from ..model.kubernetes import BACKING_IMAGE, BACKING_NAME, INFRA_IMAGE, SCALABLE_KINDS, as_dict, as_list, image_tag
from ..results import Evidence, failed, not_applicable, partial, passed, tally
from . import check
from .common import grade_workloads, level_counts, plural
from .factor06_processes import local_state
from .factor09_disposability import process_modules
from .factor09_disposability import process_types as deployed_process_types

AUTOSCALER_KINDS = ("HorizontalPodAutoscaler", "ScaledObject")
_RESOURCE_TRIGGERS = ("cpu", "memory")


def autoscalers(repo, obj) -> list:
    """HPAs and KEDA ScaledObjects of the same environment whose scaleTargetRef is ``obj``."""
    out = []
    for scaler in repo.kubernetes.scaler_candidates(obj, *AUTOSCALER_KINDS):  # same env, namespace and target name
        ref = as_dict(scaler.spec.get("scaleTargetRef"))
        kind = ref.get("kind") or ("Deployment" if scaler.kind == "ScaledObject" else None)
        if ref.get("name") == obj.name and kind == obj.kind and (not scaler.namespace or not obj.namespace or scaler.namespace == obj.namespace):
            out.append(scaler)
    return out


def _bounds(scaler) -> tuple[int, int]:
    spec = scaler.spec
    if scaler.kind == "ScaledObject":
        low, high = spec.get("minReplicaCount", 0), spec.get("maxReplicaCount", 100)
    else:
        low, high = spec.get("minReplicas", 1), spec.get("maxReplicas", 0)
    return (low if isinstance(low, int) else 1), (high if isinstance(high, int) else 0)


def _metrics(scaler) -> list[tuple[str, str | None]]:
    """(metric kind, target type): ("cpu", "Utilization"), ("external", None), ("rabbitmq", None) …"""
    spec = scaler.spec
    if scaler.kind == "ScaledObject":
        out = []
        for trigger in as_list(spec.get("triggers")):
            trigger = as_dict(trigger)
            kind = str(trigger.get("type") or "?").lower()
            out.append((kind, str(trigger.get("metricType") or "Utilization") if kind in _RESOURCE_TRIGGERS else None))
        return out
    if "targetCPUUtilizationPercentage" in spec:
        return [("cpu", "Utilization")]
    metrics = as_list(spec.get("metrics"))
    if not metrics:
        return [("cpu", "Utilization")]  # the HPA default: 80% CPU utilisation
    out = []
    for metric in metrics:
        metric = as_dict(metric)
        kind = str(metric.get("type") or "").lower()
        if kind in ("resource", "containerresource"):
            res = as_dict(metric.get("resource") or metric.get("containerResource"))
            target = as_dict(res.get("target"))
            ttype = target.get("type") or ("Utilization" if "targetAverageUtilization" in res else "AverageValue")
            out.append((str(res.get("name") or "?"), str(ttype)))
        else:
            out.append((kind or "?", None))
    return out


def _describe(scaler) -> str:
    low, high = _bounds(scaler)
    metrics = ", ".join(sorted({m for m, _ in _metrics(scaler)})) or "no metrics"
    return f"{scaler.kind}/{scaler.name} ({scaler.path}:{scaler.line}) scales {low}-{high} on {metrics}"


def _limitrange_defaults(repo, obj) -> set[str]:
    """Resources whose request a namespace LimitRange defaults (defaultRequest, or default limit)."""
    out = set()
    for lr in repo.kubernetes.objects("LimitRange", env=obj.env):
        if lr.namespace and obj.namespace and lr.namespace != obj.namespace:
            continue
        for limit in as_list(lr.spec.get("limits")):
            limit = as_dict(limit)
            if limit.get("type", "Container") == "Container":
                out.update(as_dict(limit.get("defaultRequest")).keys())
                out.update(as_dict(limit.get("default")).keys())
    return out


def _hpa_problems(repo, obj, scaler) -> list[str]:
    low, high = _bounds(scaler)
    problems = []
    if high and low > high:
        problems.append(f"minReplicas {low} > maxReplicas {high}")
    if high < 2:
        problems.append(f"maxReplicas {high} cannot scale out")
    defaults = _limitrange_defaults(repo, obj)
    for resource, target in _metrics(scaler):
        if resource in _RESOURCE_TRIGGERS and target == "Utilization" and resource not in defaults:
            missing = [c.get("name") or "?" for c in obj.containers() if resource not in as_dict(as_dict(c.get("resources")).get("requests"))]
            if missing:
                problems.append(f"{resource} utilisation target but no {resource} request on {', '.join(missing)}")
    return problems


def _scalable(repo):
    """Scalable app workloads (Deployment, app StatefulSet …), schedulers exempt."""
    return [w for w in repo.kubernetes.app_workloads(long_running=True) if w.kind in SCALABLE_KINDS and w.role != "scheduler"]


@check("factor08.horizontal-scaling")
def horizontal_scaling(repo):
    """Each scalable app workload (Deployment, StatefulSet …; schedulers are deliberate
    singletons and exempt) scales out: an HPA or KEDA ScaledObject with max > 1 targets it, or it
    runs replicas > 1 without local state (hostPath, data emptyDir). `replicas: 1` or unset without
    an autoscaler, in any environment, is fixed. All → pass, some → partial, none → fail."""
    def grade(obj):
        for scaler in autoscalers(repo, obj):
            if _bounds(scaler)[1] > 1:
                return "good", f"autoscaled by {_describe(scaler)}", obj.line
        replicas = obj.replicas()
        if replicas is not None and replicas > 1:
            state = local_state(obj)
            if state:
                return "bad", f"replicas: {replicas} but {state[0][0]}", state[0][1]
            return "good", f"replicas: {replicas}, stateless", obj.line_of("spec", "replicas")
        shown = f"replicas: {replicas}" if replicas is not None else "replicas unset (1)"
        return "bad", f"{shown} fixed, no autoscaler", obj.line_of("spec", "replicas")

    graded = grade_workloads(_scalable(repo), grade)
    return tally([e for e, _ in graded], subject="scalable app workloads", na_reason="no scalable app workloads in Kubernetes manifests")


# --------------------------------------------------------------------------- process types

_MULTI_PROCESS = re.compile(
    r"\bsupervisord\b|\bhoncho\s+start\b|\bforeman\s+start\b|\bovermind\s+start\b|\bs6-svscan\b|\bcircusd\b|"
    r"\bcelery\b[^\n&;]*\bworker\b[^\n&;]*\s(-B|--beat)\b|(?<![&>|<])&(?![&>])\s*\S"
)
_WEB_FRAMEWORKS = ("fastapi", "flask", "starlette", "django", "aiohttp", "sanic", "quart", "litestar", "tornado", "falcon", "bottle")
_BACKGROUND_SCHEDULERS = ("BackgroundScheduler", "AsyncIOScheduler", "GeventScheduler", "TornadoScheduler", "TwistedScheduler", "QtScheduler")
_REPEAT = ("repeat_every",)
_CONSUMERS = ("basic_consume", "consume", "getone", "getmany", "subscribe", "blpop", "brpop", "xreadgroup")
_QUEUE_LIBS = ("pika", "aio_pika", "aiokafka", "kafka", "confluent_kafka", "nats", "kombu", "aiormq")
_QUEUE_ONLY_CONSUMERS = ("basic_consume", "blpop", "brpop", "xreadgroup")  # consume a queue whatever the client library


def _consumer_calls(module) -> list:
    """Queue-consuming calls: blocking list pops, stream group reads and AMQP consumers with any
    client; generic consume/subscribe/getone/getmany only with a queue library imported."""
    queue_lib = bool(module.imported(*_QUEUE_LIBS))
    return [c for c in module.calls if (short := c.name.rsplit(".", 1)[-1]) in _CONSUMERS and (queue_lib or short in _QUEUE_ONLY_CONSUMERS)]


def _command_findings(repo) -> list[Evidence]:
    """Several processes started in one container: supervisord, `&`, celery worker -B …"""
    out = []
    commands = []
    for work in repo.kubernetes.app_workloads(long_running=True):
        for env, obj in work.variants.items():
            for container in obj.containers():
                words = as_list(container.get("command")) + as_list(container.get("args"))
                text = " ".join(str(w) for w in words)
                commands.append(text)
                match = _MULTI_PROCESS.search(text)
                if match:
                    line = obj.container_line(container, "args" if "args" in container else "command")
                    out.append(Evidence(obj.path, line, f"{work.ref}: container {container.get('name')} starts several processes ({match.group(0).strip()})", False))
            break
    for df in repo.containers.dockerfiles:
        entry, cmd = df.command()
        for instr in (entry, cmd):
            if instr is None:
                continue
            text = " ".join(command_words(instr.value))
            commands.append(text)
            match = _MULTI_PROCESS.search(text)
            if match:
                out.append(Evidence(df.path, instr.line, f"{df.path}: {instr.name} starts several processes ({match.group(0).strip()})", False))
    if not repo.kubernetes.present:
        for svc in repo.containers.services():
            text = svc.command_text()
            commands.append(text)
            match = _MULTI_PROCESS.search(text)
            if match:
                out.append(Evidence(svc.path, svc.line_of("command"), f"compose service {svc.name} starts several processes ({match.group(0).strip()})", False))
    for path in repo.files.of("procfile"):
        for number, line in enumerate((repo.text(path) or "").split("\n"), start=1):
            match = _MULTI_PROCESS.search(line.partition(":")[2])
            if match:
                out.append(Evidence(path, number, f"{path}: entry starts several processes ({match.group(0).strip()})", False))
    scripts = {posixpath.basename(p): p for p in repo.files.of("shell")}
    for name, path in scripts.items():
        if not any(name in c for c in commands):
            continue
        for number, line in enumerate((repo.text(path) or "").split("\n"), start=1):
            if line.lstrip().startswith("#"):
                continue
            match = _MULTI_PROCESS.search(line)
            if match:
                out.append(Evidence(path, number, f"{path}: entrypoint script starts several processes ({match.group(0).strip()})", False))
                break
    return out


def _in_process_findings(repo) -> list[Evidence]:
    """Background loops inside the web process: APScheduler background schedulers,
    repeat_every tasks, queue consumers or `while True` tasks in a web-framework module."""
    out = []
    for module in repo.python.app_modules():
        web = bool(module.imported(*_WEB_FRAMEWORKS))
        for call in module.calls:
            short = call.name.rsplit(".", 1)[-1]
            if short in _BACKGROUND_SCHEDULERS:
                out.append(Evidence(module.path, call.line, f"{module.path}: {short} runs scheduled jobs inside another process", False))
            elif web and short in _REPEAT:
                out.append(Evidence(module.path, call.line, f"{module.path}: {short} runs a background loop in the web process", False))
            elif web and short in _CONSUMERS and module.imported(*_QUEUE_LIBS):
                out.append(Evidence(module.path, call.line, f"{module.path}: queue consumer ({call.name}) inside the web process", False))
        if web and module.infinite_loops and (module.calls_to("create_task", "ensure_future", "Thread", "start_new_thread")):
            out.append(Evidence(module.path, module.infinite_loops[0], f"{module.path}: `while True` background task in a web module", False))
    return out


def _process_types(repo) -> list[Evidence]:
    """One piece of context per distinct process type (role + command) deployed separately."""
    seen: dict[tuple, Evidence] = {}
    if repo.kubernetes.workloads:
        for work in repo.kubernetes.app_workloads(long_running=True):
            obj = work.first
            cmd = " ".join(" ".join(str(x) for x in as_list(c.get("command")) + as_list(c.get("args"))) for c in obj.containers())
            key = (work.role, " ".join(cmd.split()[:4]) or work.name)
            seen.setdefault(key, Evidence(work.path, work.line, f"{work.ref}: process type {work.role}" + (f" ({' '.join(cmd.split()[:4])})" if cmd else ""), True))
    elif repo.containers.services():
        for svc in repo.containers.services():
            image = (svc.image or "").lower()
            if BACKING_IMAGE.search(image_tag(image)[0]) or INFRA_IMAGE.search(image) or BACKING_NAME.search(svc.name.lower()):
                continue
            key = ("compose", svc.command_text() or svc.name)
            seen.setdefault(key, Evidence(svc.path, svc.line, f"compose service {svc.name}: separate process type", True))
    for path in repo.files.of("procfile"):
        for number, line in enumerate((repo.text(path) or "").split("\n"), start=1):
            name, sep, _cmd = line.partition(":")
            if sep and name.strip() and not name.startswith("#"):
                seen.setdefault(("procfile", path, name.strip()), Evidence(path, number, f"{path}: process type {name.strip()}", True))
    return list(seen.values())


@check("factor08.process-types")
def process_types(repo):
    """Distinct process types (web, worker, scheduler …) run as separate workloads, compose
    services or Procfile entries. Several processes in one container (supervisord, honcho, a
    shell `&`, `celery worker -B`, an entrypoint script doing so) or background loops inside the
    web process (APScheduler background schedulers, repeat_every, queue consumers, `while True`
    tasks in a web module) → partial; ≥ 2 separate process types and none of that → pass; a
    single process type → n/a."""
    findings = _command_findings(repo) + _in_process_findings(repo)
    types = _process_types(repo)
    evidence = findings + types
    if findings:
        return partial(f"{plural(len(findings), 'place')} where several processes share one container", evidence)
    if len(types) >= 2:
        return passed(f"{plural(len(types), 'process type')} run separately", evidence)
    return not_applicable("single process type" if types else "no process types found (no app workloads, compose services or Procfile)", evidence)


# --------------------------------------------------------------------------- autoscaling


def _in_process_consumers(repo) -> dict[str, Evidence]:
    """Workload ref -> why, for app workloads whose web process also consumes a queue in-process
    (a web-framework module of the process's entry-module closure calls a queue consumer)."""
    out: dict[str, Evidence] = {}
    procs, _reason = deployed_process_types(repo)
    for proc in procs:
        if proc.obj is None or not proc.argv or proc.language != "python" or proc.obj.ref in out:
            continue
        modules, found_by = process_modules(repo, proc)
        if "not resolved" in found_by:
            continue
        for module in modules:
            calls = _consumer_calls(module) if module.imported(*_WEB_FRAMEWORKS) else []
            if calls:
                out[proc.obj.ref] = Evidence(module.path, calls[0].line, f"{proc.obj.ref}: worker too, its web process consumes a queue in-process ({calls[0].name})", None)
                break
    return out


def _workers(repo, why: dict[str, Evidence] | None = None):
    """Worker workloads: role worker, or an app whose web process consumes a queue in-process."""
    why = _in_process_consumers(repo) if why is None else why
    return [w for w in repo.kubernetes.app_workloads(long_running=True) if w.role == "worker" or (w.role == "app" and w.ref in why)]


@check("factor08.worker-scaling")
def worker_scaling(repo):
    """Every queue-worker workload (role worker: a celery/rq/dramatiq … command or a worker/
    consumer name; also an app workload whose web process consumes a queue in-process) is
    targeted by an HPA or KEDA ScaledObject that can scale it above one replica,
    in every environment. All → pass, some → partial, none → fail; no workers → n/a."""
    def judge(obj):
        for scaler in autoscalers(repo, obj):
            if _bounds(scaler)[1] > 1:
                return "good", f"autoscaled by {_describe(scaler)}", obj.line
        replicas = obj.replicas()
        return "bad", f"no autoscaler (replicas: {replicas if replicas is not None else 'unset'})", obj.line_of("spec", "replicas")

    why = _in_process_consumers(repo)
    workers = _workers(repo, why)
    graded = grade_workloads(workers, judge)
    reasons = [why[w.ref] for w in workers if w.ref in why]
    return tally([e for e, _ in graded] + reasons, subject="worker workloads", na_reason="no queue-worker workloads in Kubernetes manifests")


@check("factor08.hpa")
def hpa(repo):
    """Every scalable app workload (Deployment, app StatefulSet …; schedulers exempt) has a valid
    HPA (a KEDA ScaledObject counts) in every environment: minReplicas ≤ maxReplicas, max ≥ 2, and
    CPU/memory utilisation targets only with requests on every container (or a LimitRange default).
    All valid → pass; an invalid HPA, an HPA whose target does not exist, or some workloads
    without → partial; none → fail."""
    def grade(obj):
        scalers = autoscalers(repo, obj)
        if not scalers:
            return "bad", "no HPA", obj.line
        problems = [(s, p) for s in scalers for p in _hpa_problems(repo, obj, s)]
        if problems:
            scaler, problem = problems[0]
            return "partial", f"{scaler.kind}/{scaler.name} ({scaler.path}:{scaler.line_of('spec')}) invalid: {problem}", obj.line
        return "good", _describe(scalers[0]), obj.line

    scalable = _scalable(repo)
    graded = grade_workloads(scalable, grade)
    evidence = [e for e, _ in graded]
    orphans = _orphan_autoscalers(repo)
    evidence += orphans
    counts = level_counts(graded)
    total = sum(counts.values())
    if not total:
        return not_applicable("no scalable app workloads in Kubernetes manifests", evidence)
    if counts["good"] == total and not orphans:
        return passed(f"all {plural(total, 'scalable app workload')} have a valid HPA", evidence)
    if not counts["good"] and not counts["partial"]:
        return failed("no scalable app workload has an HPA", evidence)
    return partial(f"{counts['good']} of {total} scalable app workloads have a valid HPA", evidence)


def _orphan_autoscalers(repo) -> list[Evidence]:
    """HPAs / ScaledObjects whose scaleTargetRef names no workload of their environment."""
    found: dict[tuple, Evidence] = {}
    for env in repo.kubernetes.env_names():
        workloads = {(o.kind, o.name) for o in repo.kubernetes.objects(*SCALABLE_KINDS, env=env)}
        for scaler in repo.kubernetes.objects(*AUTOSCALER_KINDS, env=env):
            ref = as_dict(scaler.spec.get("scaleTargetRef"))
            kind = ref.get("kind") or ("Deployment" if scaler.kind == "ScaledObject" else None)
            if (kind, ref.get("name")) not in workloads:
                found.setdefault((scaler.path, scaler.line), Evidence(
                    scaler.path, scaler.line_of("spec", "scaleTargetRef"),
                    f"{scaler.ref}: target {kind}/{ref.get('name')} does not exist (in {env})", False, env))
    return list(found.values())


@check("factor08.event-driven")
def event_driven(repo):
    """Queue workers scale on queue length: a KEDA ScaledObject with a non-CPU/memory trigger
    (rabbitmq, redis, kafka, SQS …) or an HPA on External/Object/Pods metrics → good; CPU or
    memory autoscaling only → partial; not autoscaled → bad. KEDA ScaledJobs count as event-driven
    workers; so does an app workload whose web process consumes a queue in-process. All good →
    pass, none autoscaled → fail, else partial; no queue workers → n/a."""
    def grade(obj):
        scalers = autoscalers(repo, obj)
        if not scalers:
            return "bad", "not autoscaled", obj.line
        for scaler in scalers:
            events = [m for m, _ in _metrics(scaler) if m not in _RESOURCE_TRIGGERS and m != "?"]
            if events:
                return "good", f"scales on {', '.join(sorted(set(events)))} via {scaler.kind}/{scaler.name} ({scaler.path}:{scaler.line})", obj.line
        return "partial", f"CPU/memory autoscaling only ({_describe(scalers[0])})", obj.line

    why = _in_process_consumers(repo)
    workers = _workers(repo, why)
    graded = grade_workloads(workers, grade)
    evidence = [e for e, _ in graded]
    for job in repo.kubernetes.unique_objects("ScaledJob"):
        triggers = sorted({str(as_dict(t).get("type")) for t in as_list(job.spec.get("triggers"))})
        evidence.append(Evidence(job.path, job.line, f"{job.ref}: KEDA ScaledJob on {', '.join(triggers) or 'no trigger'}", True))
    counts = level_counts(graded)
    counts["good"] += len(evidence) - len(graded)
    evidence += [why[w.ref] for w in workers if w.ref in why]
    total = sum(counts.values())
    if not total:
        return not_applicable("no queue-worker workloads in Kubernetes manifests", evidence)
    if counts["good"] == total:
        return passed("queue workers scale on queue length", evidence)
    if not counts["good"] and not counts["partial"]:
        return failed("queue workers are not autoscaled", evidence)
    if not counts["good"]:
        return partial("queue workers autoscale on CPU/memory only", evidence)
    return partial(f"{counts['good']} of {total} queue workers scale on events", evidence)
