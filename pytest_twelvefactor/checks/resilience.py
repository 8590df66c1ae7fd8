"""Cloud Native 4 — Resilience: auto-restart, circuit breakers, retries, timeouts.

(``resilience.pdb`` is "as orchestration.pdb" and has no evaluator here.)
Outbound calls are found in application source through ``ast`` facts (HTTP
clients, cloud/LLM SDK clients, database and cache clients); other languages
through a few reliable text patterns.
"""

from __future__ import annotations

import re

from ..model.kubernetes import K8sObject, as_dict, as_list
from ..model.python_source import Call, PythonModule
from ..results import Evidence, Result, failed, not_applicable, partial, passed
from . import check
from .common import judge_workloads, plural

# --------------------------------------------------------------------------- outbound calls

_HTTP_VERBS = r"(get|post|put|patch|delete|head|options|request|stream)"
REQUESTS_CALL = re.compile(rf"^requests(\.(api|sessions?\.Session\(\)|Session\(\)))?\.{_HTTP_VERBS}$")
HTTPX_CALL = re.compile(rf"^httpx\.({_HTTP_VERBS}|Client|AsyncClient)$")
AIOHTTP_CALL = re.compile(r"^aiohttp(\.client)?\.(ClientSession|request)$")
URLLIB_CALL = re.compile(r"^(urllib\.request\.urlopen|urllib3(\.poolmanager)?\.PoolManager|urllib3\.request)$")
SDK_CALL = re.compile(
    r"^(boto3\.(client|resource)|boto3\.session\.Session\(\)\.(client|resource)|openai\.(OpenAI|AsyncOpenAI|AzureOpenAI|AsyncAzureOpenAI)|"
    r"anthropic\.(Anthropic|AsyncAnthropic)|stripe\.\w+\.create|grpc\.(insecure_channel|secure_channel)|grpc\.aio\.(insecure_channel|secure_channel))$"
)
OTHER_OUTBOUND = re.compile(r"\b(fetch\(|axios[.(]|http\.(Get|Post|NewRequest)\(|&http\.Client\{|new HttpClient\(|RestTemplate|WebClient\.)")


def _is_http(call: Call) -> bool:
    return bool(REQUESTS_CALL.match(call.name) or HTTPX_CALL.match(call.name) or AIOHTTP_CALL.match(call.name) or URLLIB_CALL.match(call.name))


_SESSION_CTOR = re.compile(r"^requests(\.sessions)?\.[Ss]ession$")


def session_call(module: PythonModule, call: Call) -> bool:
    """An HTTP verb on a name the module binds to a ``requests.Session()`` (``payments.post``)."""
    target, _, verb = call.name.rpartition(".")
    return bool(target and re.fullmatch(_HTTP_VERBS, verb)) and any(
        a.target == target and a.call and _SESSION_CTOR.match(a.call) for a in module.assignments)


def outbound_calls(repo) -> list[tuple[PythonModule, Call]]:
    """HTTP client calls/constructors (requests Session methods too) and external-service SDK clients in application code."""
    return [
        (m, c) for m in repo.python.app_modules() for c in m.calls
        if not c.decorator and (_is_http(c) or SDK_CALL.match(c.name) or session_call(m, c))
    ]


def _other_language_outbound(repo) -> list[tuple[str, int, str]]:
    return repo.grep(("source_other",), OTHER_OUTBOUND)


def _first(found: list[tuple[PythonModule, Call]]) -> Evidence:
    module, call = found[0]
    more = f" (+{len(found) - 1} more)" if len(found) > 1 else ""
    return Evidence(module.path, call.line, f"outbound call {call.name}{more}", None)


def _unguarded(found: list[tuple[PythonModule, Call]], what: str, limit: int = 10) -> list[Evidence]:
    """One bad evidence per outbound call (first ``limit``), the rest summarised."""
    out = [Evidence(m.path, c.line, f"{c.name}: outbound call {what}", False) for m, c in found[:limit]]
    if len(found) > limit:
        out.append(Evidence(None, None, f"… and {len(found) - limit} more outbound calls {what}", None))
    return out


# --------------------------------------------------------------------------- auto-restart


@check("resilience.auto-restart")
def auto_restart(repo) -> Result:
    """Long-running workloads (apps and in-cluster backing services; third-party
    infrastructure agents excluded) must run under a controller (so failed pods are
    restarted and rescheduled) with a livenessProbe on every container (so hangs are
    detected). All under controllers with probes → pass; under controllers but some
    probes missing → partial; any bare Pod → fail."""
    k8s = repo.kubernetes
    workloads = [w for w in k8s.workloads if w.long_running and w.role != "infrastructure"]
    if not workloads:
        return not_applicable("no long-running workloads" if k8s.present else "no Kubernetes manifests")

    def judge(obj: K8sObject):
        if obj.kind == "Pod":
            return False, "bare Pod: no controller restarts or reschedules it", obj.line
        for container in obj.containers():
            if not as_dict(container.get("livenessProbe")):
                return False, f"{obj.kind} controller, but no livenessProbe on container {container.get('name')}", obj.container_line(container)
        if not obj.containers():
            return None
        first = obj.containers()[0]
        return True, f"{obj.kind} controller with livenessProbe on every container", obj.container_line(first, "livenessProbe")

    evidence = judge_workloads(workloads, judge)
    bare = [w for w in workloads if w.kind == "Pod"]
    bad = [e for e in evidence if e.ok is False]
    if bare:
        return failed(f"{plural(len(bare), 'bare Pod')} without a controller", evidence)
    if not any(e.ok is not None for e in evidence):
        return not_applicable("no containers in the long-running workloads", evidence)
    if bad:
        return partial(f"all under controllers; {len(bad)} of {len(workloads)} workloads lack liveness probes", evidence)
    return passed(f"all {len(workloads)} long-running workloads under controllers with liveness probes", evidence)


# --------------------------------------------------------------------------- circuit breaker

BREAKER_MODULES = ("pybreaker", "circuitbreaker", "aiobreaker", "purgatory", "aiocircuitbreaker", "pycircuitbreaker")
BREAKER_TEXT = re.compile(r"\b(opossum|gobreaker|sony/gobreaker|resilience4j|Polly|hystrix|CircuitBreaker\()")


def _mesh_outlier_detection(repo) -> list[Evidence]:
    out = []
    for obj in repo.kubernetes.anywhere("DestinationRule"):
        policy = as_dict(obj.spec.get("trafficPolicy"))
        if as_dict(policy.get("outlierDetection")):
            out.append(Evidence(obj.path, obj.line_of("spec", "trafficPolicy", "outlierDetection"),
                                f"{obj.ref}: mesh outlier detection (circuit breaking)", True))
        for i, port in enumerate(as_list(policy.get("portLevelSettings"))):
            if as_dict(as_dict(port).get("outlierDetection")):
                out.append(Evidence(obj.path, obj.line_of("spec", "trafficPolicy", "portLevelSettings", i),
                                    f"{obj.ref}: mesh outlier detection on a port", True))
    return out


@check("resilience.circuit-breaker")
def circuit_breaker(repo) -> Result:
    """Calls to other services should be guarded by a circuit breaker so a failing
    dependency is not hammered: a breaker library used in application code (pybreaker,
    circuitbreaker, aiobreaker, purgatory; opossum/gobreaker/resilience4j/Polly in other
    languages) or mesh outlier detection (Istio DestinationRule) → pass; outbound calls
    without any → fail; no outbound calls found → n/a."""
    evidence: list[Evidence] = []
    for module, name, line in repo.python.imports(*BREAKER_MODULES):
        evidence.append(Evidence(module.path, line, f"circuit breaker library {name} imported", True))
    for path, line, _text in repo.grep(("source_other",), BREAKER_TEXT):
        evidence.append(Evidence(path, line, "circuit breaker library used", True))
    evidence += _mesh_outlier_detection(repo)
    calls = outbound_calls(repo)
    other = _other_language_outbound(repo)
    if evidence:
        context = [_first(calls)] if calls else []
        return passed(f"circuit breaking present ({plural(len(evidence), 'place')})", evidence + context)
    if not calls and not other:
        return not_applicable("no outbound HTTP or service-client calls found in application code")
    declared = [r for f in repo.dependencies.files for r in f.requirements if r.name in BREAKER_MODULES]
    for req in declared:
        evidence.append(Evidence(req.path, req.line, f"{req.name} declared but never imported", None))
    evidence += _unguarded(calls, "without a circuit breaker")
    for path, line, _text in other[:1]:
        evidence.append(Evidence(path, line, "outbound call without a circuit breaker", False))
    return failed("outbound calls are not guarded by a circuit breaker", evidence)


# --------------------------------------------------------------------------- retry

TENACITY_BACKOFF = re.compile(r"^tenacity(\.wait)?\.(wait_exponential|wait_random_exponential|wait_exponential_jitter|wait_incrementing|wait_chain|wait_full_jitter)$")
RETRY_DECORATOR = re.compile(r"^(tenacity\.retry|backoff\.on_exception|backoff\.on_predicate|stamina\.retry|retrying\.retry|retry\.retry)$")
URLLIB3_RETRY = re.compile(r"^(urllib3(\.util)?(\.retry)?\.Retry|requests\.(adapters|packages\.urllib3\.util\.retry)\.Retry)$")
STARTUP_NAME = re.compile(r"(connect|wait_for|startup|start_up|^init|ready|ping|bootstrap)", re.I)
OTHER_RETRY_TEXT = re.compile(r"\b(axios-retry|p-retry|async-retry|cenkalti/backoff|avast/retry-go|retry-go|resilience4j-retry|Polly|@Retryable)\b")


def _decorated_function(module: PythonModule, call: Call):
    after = [f for f in module.functions if f.line >= call.line]
    return min(after, key=lambda f: f.line) if after else None


def _calls_between(module: PythonModule, start: int, end: int) -> list[Call]:
    return [c for c in module.calls if start <= c.line <= end]


def _truthy(value) -> bool:
    """A literal that enables something; non-literal expressions (None here) count as set."""
    if value is None or (isinstance(value, str) and value.startswith("<")):
        return True
    return bool(value) and value not in (0, "0", "false", "False")


def _outbound_retries(repo) -> list[Evidence]:
    """One evidence per retry mechanism on outbound calls; ok=True with backoff,
    ok=False for fixed-interval or connection-only retries."""
    out: list[Evidence] = []
    for module in repo.python.app_modules():
        for func in module.functions:
            bare = [d for d in func.decorators if d in ("tenacity.retry", "retrying.retry")]
            if bare:
                out.append(Evidence(module.path, func.line, f"{bare[0]} on {func.name}(): immediate retries without backoff", False))
        for call in module.calls:
            name = call.name
            if RETRY_DECORATOR.match(name) or re.match(r"^tenacity\.(Retrying|AsyncRetrying)$", name):
                func = _decorated_function(module, call) if call.decorator else None
                end = func.line if func else call.line + 8
                window = _calls_between(module, call.line, end)
                if name.startswith("backoff."):
                    strategy = str(call.arg(0, "wait_gen") or "")
                    growing = bool(re.search(r"backoff\.(expo|fibo)>?$", strategy)) or strategy == ""
                elif name.startswith("stamina."):
                    growing = True
                else:
                    growing = any(TENACITY_BACKOFF.match(c.name) for c in window)
                where = f" on {func.name}()" if func else ""
                if func and STARTUP_NAME.search(func.name):
                    out.append(Evidence(module.path, call.line, f"{name}{where}: retries only when connecting at start-up", False))
                elif growing:
                    out.append(Evidence(module.path, call.line, f"{name}{where} with exponential backoff", True))
                else:
                    out.append(Evidence(module.path, call.line, f"{name}{where}: fixed-interval retries (no backoff)", False))
            elif URLLIB3_RETRY.match(name):
                if "backoff_factor" in call.kwargs and _truthy(call.kwargs["backoff_factor"]):
                    out.append(Evidence(module.path, call.line, f"{name} with backoff_factor", True))
                else:
                    out.append(Evidence(module.path, call.line, f"{name} without backoff_factor: immediate retries", False))
            elif re.match(r"^httpx\.(HTTPTransport|AsyncHTTPTransport)$", name) and "retries" in call.kwargs:
                out.append(Evidence(module.path, call.line, f"{name}(retries=…): retries failed connections only, no backoff", False))
            elif re.match(r"^redis(\.asyncio)?\.retry\.Retry$", name):
                window = _calls_between(module, call.line, call.line + 3)
                growing = any(re.search(r"backoff\.\w*(Exponential|Jitter)\w*Backoff$", c.name) for c in window)
                out.append(Evidence(module.path, call.line, f"{name} " + ("with exponential backoff" if growing else "with constant backoff"), growing))
            elif re.match(r"^aiohttp_retry\.(ExponentialRetry|JitterRetry)$", name):
                out.append(Evidence(module.path, call.line, f"{name}: retries with backoff", True))
    for path, line, _text in repo.grep(("source_other",), OTHER_RETRY_TEXT):
        out.append(Evidence(path, line, "retry library with backoff used", True))
    return out


def _celery_modules(repo) -> list[PythonModule]:
    return [m for m in repo.python.app_modules() if m.imported("celery")]


def _task_decorator(name: str) -> bool:
    base = name.removesuffix("()")
    return base == "shared_task" or base.endswith(".shared_task") or base.endswith(".task") or base == "task"


def _worker_retries(repo) -> tuple[list[Evidence], list[Evidence]]:
    """(retry mechanisms, task definitions) of queue workers."""
    mechanisms: list[Evidence] = []
    tasks: list[Evidence] = []
    uses_celery = bool(_celery_modules(repo))
    for module in repo.python.app_modules():
        celery = bool(module.imported("celery")) or any("celery" in c.name for c in module.calls)
        for func in module.functions:
            if any(_task_decorator(d) for d in func.decorators) and (celery or uses_celery):
                tasks.append(Evidence(module.path, func.line, f"Celery task {func.name}()", None))
            if any(d.removesuffix("()") in ("dramatiq.actor", "actor") for d in func.decorators) and module.imported("dramatiq"):
                tasks.append(Evidence(module.path, func.line, f"Dramatiq actor {func.name}()", None))
        for call in module.calls:
            if call.decorator and _task_decorator(call.name) and "autoretry_for" in call.kwargs:
                func = _decorated_function(module, call)
                label = f"task {func.name}()" if func else "task"
                if _truthy(call.kwargs.get("retry_backoff", False)) and "retry_backoff" in call.kwargs:
                    mechanisms.append(Evidence(module.path, call.line, f"Celery {label}: autoretry_for with retry_backoff", True))
                else:
                    mechanisms.append(Evidence(module.path, call.line, f"Celery {label}: autoretry_for at a fixed delay (no retry_backoff)", False))
            elif call.name.endswith(".retry") and call.name.split(".")[0] in ("self", "task", "current_task") and (celery or uses_celery):
                if "countdown" in call.kwargs and not isinstance(call.kwargs["countdown"], (int, float)):
                    mechanisms.append(Evidence(module.path, call.line, f"{call.name}(countdown=…) with a computed delay", True))
                else:
                    mechanisms.append(Evidence(module.path, call.line, f"{call.name}() at a fixed delay", False))
            elif call.decorator and (call.name == "dramatiq.actor" or (call.name == "actor" and module.imported("dramatiq"))):
                if call.kwargs.get("max_retries") == 0:
                    mechanisms.append(Evidence(module.path, call.line, "Dramatiq actor with max_retries=0", False))
            elif re.match(r"^rq(\.retry)?\.Retry$", call.name):
                interval = call.kwargs.get("interval")
                growing = "interval" in call.kwargs and not isinstance(interval, (int, float))
                mechanisms.append(Evidence(module.path, call.line, "rq Retry " + ("with increasing intervals" if growing else "at a fixed interval"), growing))
        for cls in module.classes:
            if any(b.endswith("Task") for b in cls.bases):
                fields = {name: (value, line) for name, value, line in cls.fields}
                if "autoretry_for" in fields:
                    good = "retry_backoff" in fields and _truthy(fields["retry_backoff"][0])
                    mechanisms.append(Evidence(module.path, fields["autoretry_for"][1],
                                               f"Celery task class {cls.name}: autoretry_for" + (" with retry_backoff" if good else " at a fixed delay"), good))
    dramatiq_tasks = [t for t in tasks if t.message.startswith("Dramatiq")]
    if dramatiq_tasks and not any("max_retries=0" in m.message for m in mechanisms):
        first = dramatiq_tasks[0]
        mechanisms.append(Evidence(first.path, first.line, "Dramatiq actors retry with exponential backoff by default", True))
    return mechanisms, tasks


def _layer(mechanisms: list[Evidence]) -> str:
    if any(e.ok for e in mechanisms):
        return "backoff"
    return "fixed" if mechanisms else "none"


@check("resilience.retry")
def retry(repo) -> Result:
    """Transient failures should be retried with backoff in both layers that make
    remote calls: outbound calls (tenacity with a growing wait, backoff.expo, stamina,
    urllib3 Retry with backoff_factor …) and queue workers (Celery autoretry_for with
    retry_backoff, self.retry with a computed countdown, Dramatiq defaults, rq intervals).
    A layer is present when the code makes outbound calls / defines worker tasks (or a
    worker workload runs). Every present layer with backoff → pass; retries in some
    layer, or only fixed-interval / start-up-connection retries → partial; none → fail.
    A Job's backoffLimit is not application retry."""
    calls = outbound_calls(repo)
    other = _other_language_outbound(repo)
    outbound = _outbound_retries(repo)
    worker_mech, tasks = _worker_retries(repo)
    worker_workloads = [w for w in repo.kubernetes.app_workloads() if w.role == "worker"]
    layers: dict[str, str] = {}
    evidence: list[Evidence] = []
    if calls or other or outbound:
        layers["outbound calls"] = _layer(outbound)
        evidence += outbound
        if not outbound:
            if calls:
                evidence += _unguarded(calls, "without retry")
            else:
                path, line, _ = other[0]
                evidence.append(Evidence(path, line, "outbound calls without retry", False))
    if tasks or worker_mech or worker_workloads:
        layers["workers"] = _layer(worker_mech)
        evidence += worker_mech
        if not worker_mech:
            if tasks:
                evidence.append(Evidence(tasks[0].path, tasks[0].line, f"{tasks[0].message}: worker tasks without retry", False))
            else:
                w = worker_workloads[0]
                evidence.append(Evidence(w.path, w.line, f"{w.ref}: worker without retry configuration found in source", False))
    if not layers:
        return not_applicable("no outbound calls and no queue workers found")
    states = ", ".join(f"{k}: {v}" for k, v in layers.items())
    if all(v == "backoff" for v in layers.values()):
        return passed(f"retries with backoff in every layer ({states})", evidence)
    if any(v != "none" for v in layers.values()):
        return partial(f"retries incomplete ({states})", evidence)
    return failed(f"no retry logic ({states})", evidence)


# --------------------------------------------------------------------------- timeouts

DB_CLIENT = re.compile(
    r"^(redis(\.asyncio)?(\.client)?\.(Redis|StrictRedis|from_url)|redis\.asyncio\.from_url|aioredis\.(from_url|Redis)|"
    r"psycopg2?\.connect|psycopg\.(AsyncConnection|Connection)\.connect|asyncpg\.(connect|create_pool)|"
    r"pymongo\.MongoClient|motor\.motor_asyncio\.AsyncIOMotorClient|sqlalchemy(\.ext\.asyncio)?\.(create_engine|create_async_engine)|"
    r"pymysql\.connect|aiomysql\.(connect|create_pool))$"
)
_TIMEOUT_KW = re.compile(r"timeout", re.I)
K8S_CLIENT_CALL = re.compile(
    r"\.(list|read|create|patch|delete|replace)_(namespaced_[a-z_]+|[a-z_]+_for_all_namespaces|node|namespace|persistent_volume|cluster_role\w*)$"
)
INGRESS_TIMEOUT_ANNOTATION = re.compile(r"(timeout|proxy-read|proxy-send)", re.I)


def _timeout_judgement(module: PythonModule, call: Call) -> tuple[bool, str] | None:
    name = call.name
    has_kw = any(_TIMEOUT_KW.search(k) for k in call.kwargs)
    if REQUESTS_CALL.match(name) or session_call(module, call):
        return has_kw, "timeout=" if has_kw else "no timeout= (requests waits forever)"
    if name.startswith("urllib.request.urlopen"):
        ok = has_kw or len(call.args) >= 3
        return ok, "timeout set" if ok else "no timeout (waits forever)"
    if URLLIB_CALL.match(name):
        return has_kw, "timeout=" if has_kw else "no timeout="
    if HTTPX_CALL.match(name):
        return has_kw, "timeout=" if has_kw else "no explicit timeout= (relies on httpx's 5 s default)"
    if AIOHTTP_CALL.match(name):
        return has_kw, "timeout=" if has_kw else "no timeout= (aiohttp default is 5 minutes)"
    if DB_CLIENT.match(name):
        if "create_engine" in name or "create_async_engine" in name:
            in_module = any("timeout" in text.lower() for text, _ in module.strings)
            ok = has_kw or ("connect_args" in call.kwargs and in_module) or any("timeout" in str(a) for a in call.args)
            return ok, "driver timeout configured" if ok else "no connect/statement timeout"
        return has_kw, "timeout set" if has_kw else "no socket/connect timeout"
    if K8S_CLIENT_CALL.search(name) and module.imported("kubernetes", "kubernetes_asyncio"):
        return has_kw, "_request_timeout set" if has_kw else "no _request_timeout"
    return None


def _proxy_timeouts(repo) -> list[Evidence]:
    out = []
    for obj in repo.kubernetes.unique_objects("Ingress"):
        keys = [k for k in obj.annotations if INGRESS_TIMEOUT_ANNOTATION.search(str(k))]
        if keys:
            out.append(Evidence(obj.path, obj.line_of("metadata", "annotations", keys[0]), f"{obj.ref}: proxy timeouts via {keys[0]}", True))
    for obj in repo.kubernetes.anywhere("HTTPRoute", "VirtualService", "BackendConfig"):
        spec = obj.spec
        if obj.kind == "HTTPRoute":
            for i, rule in enumerate(as_list(spec.get("rules"))):
                if as_dict(as_dict(rule).get("timeouts")):
                    out.append(Evidence(obj.path, obj.line_of("spec", "rules", i), f"{obj.ref}: route timeouts", True))
        elif obj.kind == "VirtualService":
            for i, route in enumerate(as_list(spec.get("http"))):
                if as_dict(route).get("timeout"):
                    out.append(Evidence(obj.path, obj.line_of("spec", "http", i), f"{obj.ref}: route timeout", True))
        elif spec.get("timeoutSec"):
            out.append(Evidence(obj.path, obj.line_of("spec", "timeoutSec"), f"{obj.ref}: backend timeoutSec", True))
    return out


@check("resilience.timeouts")
def timeouts(repo) -> Result:
    """Every outbound call needs a bound so a slow dependency cannot hang the process:
    requests/urllib/httpx/aiohttp calls and clients (calls on a requests Session too) need
    an explicit timeout= (library defaults are infinite or implicit), Redis/Postgres/Mongo/MySQL clients a socket/connect
    timeout, SQLAlchemy engines a driver timeout in connect_args or the URL, Kubernetes
    API client calls _request_timeout. All calls bounded → pass; some, or only ingress/proxy
    timeouts → partial; none → fail; no outbound calls → pass if ingress timeouts exist,
    else n/a."""
    judged: list[Evidence] = []
    for module in repo.python.app_modules():
        for call in module.calls:
            if call.decorator:
                continue
            answer = _timeout_judgement(module, call)
            if answer is not None:
                ok, message = answer
                judged.append(Evidence(module.path, call.line, f"{call.name}: {message}", ok))
    proxy = _proxy_timeouts(repo)
    if not judged:
        if proxy:
            return passed("ingress/proxy timeouts set; no outbound client calls found", proxy)
        return not_applicable("no outbound HTTP, database or cache client calls found")
    good = sum(1 for e in judged if e.ok)
    evidence = judged + proxy
    if good == len(judged):
        return passed(f"all {plural(len(judged), 'outbound call')} have timeouts", evidence)
    if good:
        return partial(f"{good} of {len(judged)} outbound calls have timeouts", evidence)
    if proxy:
        return partial(f"ingress/proxy timeouts only; none of {len(judged)} outbound calls has a timeout", evidence)
    return failed(f"none of {plural(len(judged), 'outbound call')} has a timeout", evidence)

