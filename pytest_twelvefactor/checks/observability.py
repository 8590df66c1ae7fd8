"""Cloud Native area 3 — Observability: health routes, probes, metrics, tracing, alerting."""

from __future__ import annotations

import posixpath
import re

from ..model.kubernetes import K8sObject, as_dict, as_list, iter_env_vars, selector_matches
from ..model.python_source import is_test_path
from ..results import Evidence, failed, not_applicable, partial, passed, tally
from . import check
from .common import judge_workloads, plural
from .factor09_disposability import process_types

_HEALTH_PATH = re.compile(
    r"^/?(?:[\w.{}-]+/)*(health|healthz|healthcheck|health-check|health_check|livez|readyz|liveness|readiness|ping)"
    r"(/(live|ready|liveness|readiness|startup|livez|readyz))?/?$",
    re.I,
)
_METRICS_PATH = re.compile(r"^/?(?:[\w.{}-]+/)*metrics/?$", re.I)
# Route registrations: decorators (FastAPI/Flask/Starlette/aiohttp …) and explicit calls.
_ROUTE_DECORATORS = ("get", "head", "api_view")  # and any decorator named *route (route, api_route, custom_route)
_ROUTE_CALLS = ("add_api_route", "add_url_rule", "add_route", "add_get", "path", "re_path", "url", "Route")
_ROUTER_PREFIX = (("APIRouter", "prefix"), ("Blueprint", "url_prefix"), ("include_router", "prefix"), ("register_blueprint", "url_prefix"))
_OTHER_ROUTE = re.compile(
    r"(\.(get|head|route|handle|handlefunc|handler|all|use)|HandleFunc|Handle|Map(Get|HealthChecks)|@(Get|Request)Mapping|router\.\w+)"
    r"\s*\(\s*(value\s*=\s*)?(\w+\s*\+\s*)?[\"'`](?P<route>/_?(health|healthz|livez|readyz|ping|healthcheck)(/\w+)?)[\"'`]",
    re.I,
)
# The standard gRPC health service (grpc.health.v1.Health), which Kubernetes `grpc:` probes call.
_GRPC_HEALTH = re.compile(r"RegisterHealthServer\(|new\s+HealthStatusManager\(|\bHealth\.service\b|MapGrpcService<[\w.]*Health\w*>")
_GRPC_HEALTH_PY = ("add_HealthServicer_to_server",)


def _app_source(repo) -> bool:
    return bool(repo.python.app_modules()) or any(not is_test_path(p) for p in repo.files.of("source_other"))


_WEB_APPS = ("FastAPI", "Flask", "Starlette", "Quart", "Sanic", "FastMCP", "get_wsgi_application", "get_asgi_application", "web.Application")


def _web_apps(repo, message: str) -> list[Evidence]:
    """Where the application's web apps are created: the place an absent route belongs."""
    return [
        Evidence(m.path, call.line, f"{m.path}: {call.name.rsplit('.', 1)[-1]} app {message}", False)
        for m, call in repo.python.calls(*_WEB_APPS)
    ]


def _routes(repo, pattern: re.Pattern) -> list[Evidence]:
    """Routes whose path matches ``pattern`` in application code (Python via ast; other
    languages through route-registration text patterns)."""
    out: list[Evidence] = []
    for module in repo.python.app_modules():
        for call in module.calls:
            path = call.arg(0, "path")
            last = call.name.rsplit(".", 1)[-1]
            if (call.decorator and (last in _ROUTE_DECORATORS or last.endswith("route"))) or last in _ROUTE_CALLS:
                if isinstance(path, str) and not path.startswith("<") and pattern.match(path) and ("/" in path or call.endswith("path", "re_path", "url")):
                    out.append(Evidence(module.path, call.line, f"{module.path}: route {path} ({call.name})", True))
                    continue
            for name, keyword in _ROUTER_PREFIX:
                prefix = call.kwargs.get(keyword)
                if call.endswith(name) and isinstance(prefix, str) and pattern.match(prefix):
                    out.append(Evidence(module.path, call.line, f"{module.path}: router prefix {prefix} ({call.name})", True))
        if any(b.endswith("BaseHTTPRequestHandler") for c in module.classes for b in c.bases):
            for text, line in module.strings:
                if text.startswith("/") and pattern.match(text):
                    out.append(Evidence(module.path, line, f"{module.path}: http.server handler serves {text}", True))
                    break
    return out


def _other_language_health(repo) -> list[Evidence]:
    out = [
        Evidence(path, line, f"{path}: route {m.group('route')}", True)
        for path, line, text in repo.grep(("source_other",), _OTHER_ROUTE)
        if not is_test_path(path) and (m := _OTHER_ROUTE.search(text))
    ]
    out += [
        Evidence(path, line, f"{path}: Spring Boot Actuator serves /actuator/health", True)
        for path, line, _ in repo.grep(("pom",), re.compile(r"spring-boot-starter-actuator"))
    ]
    out += [
        Evidence(path, line, f"{path}: serves the gRPC health service (grpc.health.v1)", True)
        for path, line, _ in repo.grep(("source_other",), _GRPC_HEALTH) if not is_test_path(path)
    ]
    out += [
        Evidence(module.path, call.line, f"{module.path}: serves the gRPC health service (grpc.health.v1)", True)
        for module, call in repo.python.calls(*_GRPC_HEALTH_PY)
    ]
    return out


@check("observability.health-endpoint")
def health_endpoint(repo):
    """The application serves a health route — /health, /healthz, /livez, /readyz (also
    /_healthz, /healthcheck, /ping, /health/live|ready) — registered as a route or router prefix,
    served by an http.server handler, by Spring Boot Actuator, or the standard gRPC health
    service (grpc.health.v1, what `grpc:` probes call). No application source here → n/a."""
    if not _app_source(repo):
        return not_applicable("no application source")
    evidence = _routes(repo, _HEALTH_PATH) + _other_language_health(repo)
    if evidence:
        return passed(f"{plural(len(evidence), 'health route')} served", evidence)
    return failed("no health route (/health, /healthz, /livez, /readyz) in the application source",
                  _web_apps(repo, "serves no health route"))


# --------------------------------------------------------------------------- probes


def _probe_kind(probe) -> str:
    probe = as_dict(probe)
    if "httpGet" in probe:
        return f"HTTP GET {as_dict(probe['httpGet']).get('path', '/')}"
    for key, label in (("tcpSocket", "TCP"), ("exec", "exec"), ("grpc", "gRPC")):
        if key in probe:
            return label
    return "probe"


@check("observability.liveness")
def liveness(repo):
    """Every container (init containers excluded) of every long-running app workload
    (Deployment, StatefulSet, DaemonSet … of role app, worker or scheduler) has a livenessProbe,
    so a hung process is restarted."""
    workloads = repo.kubernetes.app_workloads(long_running=True)
    if not workloads:
        return not_applicable("no long-running Kubernetes app workloads")

    def judge(obj):
        containers = obj.containers()
        if not containers:
            return None
        for container in containers:
            if not as_dict(container.get("livenessProbe")):
                return False, f"no livenessProbe on container {container.get('name', '?')}", obj.container_line(container)
        kinds = sorted({_probe_kind(c.get("livenessProbe")) for c in containers})
        return True, f"livenessProbe ({', '.join(kinds)}) on {plural(len(containers), 'container')}", obj.container_line(containers[0], "livenessProbe")

    return tally(judge_workloads(workloads, judge), subject="long-running app workloads", na_reason="no app workload with containers")


def _serving_containers(obj: K8sObject, services: list[K8sObject]) -> list[dict]:
    """Containers that expose a targetPort of the Services selecting the pod (all containers
    when no declared port matches)."""
    containers = obj.containers()
    targets = set()
    for svc in services:
        for port in as_list(svc.spec.get("ports")):
            port = as_dict(port)
            target = port.get("targetPort", port.get("port"))
            if target is not None:
                targets.add(str(target))
    chosen = [
        c for c in containers
        if any(str(as_dict(p).get("containerPort")) in targets or str(as_dict(p).get("name")) in targets for p in as_list(c.get("ports")))
    ]
    return chosen or containers


@check("observability.readiness")
def readiness(repo):
    """Every long-running workload whose pods a Service selects has a readinessProbe on each
    container serving the Service's targetPort (every container when none declares it), so
    traffic only reaches ready pods."""
    k8s = repo.kubernetes
    workloads = [w for w in k8s.workloads if w.long_running]
    if not workloads:
        return not_applicable("no long-running Kubernetes workloads")

    def judge(obj):
        labels = obj.pod_labels()
        services = [
            s for s in k8s.selector_candidates(labels, obj.env, "Service")
            if (s.namespace is None or obj.namespace is None or s.namespace == obj.namespace) and selector_matches(s.selector(), labels)
        ]
        if not services:
            return None
        names = ", ".join(sorted({s.ref for s in services}))
        containers = _serving_containers(obj, services)
        for container in containers:
            if not as_dict(container.get("readinessProbe")):
                return False, f"no readinessProbe on container {container.get('name', '?')} behind {names}", obj.container_line(container)
        kinds = sorted({_probe_kind(c.get("readinessProbe")) for c in containers})
        return True, f"readinessProbe ({', '.join(kinds)}) behind {names}", obj.container_line(containers[0], "readinessProbe")

    return tally(judge_workloads(workloads, judge), subject="workloads behind Services", na_reason="no workload behind a Service")


# --------------------------------------------------------------------------- metrics

_METRICS_CALLS = ("start_http_server", "start_wsgi_server", "make_asgi_app", "make_wsgi_app", "generate_latest", "handle_metrics", "PrometheusMetrics", "metrics_app")
_METRICS_MODULES = ("prometheus_client", "prometheus_fastapi_instrumentator", "starlette_exporter", "starlette_prometheus",
                    "prometheus_flask_exporter", "aioprometheus", "django_prometheus", "opentelemetry.exporter.prometheus")
_OTHER_METRICS = re.compile(r"promhttp\.Handler|collectDefaultMetrics|prom-client|UseHttpMetrics|MapMetrics|micrometer-registry-prometheus|express-prom-bundle")


def _metrics_endpoints(repo) -> list[Evidence]:
    out = _routes(repo, _METRICS_PATH)
    for module in repo.python.app_modules():
        if not module.imported(*_METRICS_MODULES):
            continue
        for call in module.calls:
            exposed = call.endswith(*_METRICS_CALLS) or (call.name.endswith(".expose") and module.imported("prometheus_fastapi_instrumentator"))
            if exposed:
                out.append(Evidence(module.path, call.line, f"{module.path}: metrics exposed ({call.name})", True))
                break
        else:
            if module.imported("django_prometheus") or any(s == "django_prometheus" for s, _ in module.strings):
                out.append(Evidence(module.path, module.imported("django_prometheus")[0][1] if module.imported("django_prometheus") else 1,
                                    f"{module.path}: django-prometheus exports /metrics", True))
    out += [
        Evidence(path, line, f"{path}: Prometheus metrics exporter", True)
        for path, line, _ in repo.grep(("source_other", "pom", "package_json"), _OTHER_METRICS)
        if not is_test_path(path)
    ]
    return out


def _service_ports(svc: K8sObject) -> set[str]:
    out = set()
    for port in as_list(svc.spec.get("ports")):
        port = as_dict(port)
        for key in ("name", "port", "targetPort"):
            if port.get(key) is not None:
                out.add(str(port[key]))
    return out


def _scrape_configs(repo) -> tuple[list[Evidence], list[Evidence]]:
    """(configs that target an app workload, configs that target nothing known)."""
    k8s = repo.kubernetes
    apps = [(w, obj) for w in k8s.app_workloads(long_running=True) for obj in w.variants.values()]
    services = k8s.objects("Service")
    good: list[Evidence] = []
    stray: list[Evidence] = []

    def app_selected_by(selector: dict, env: str | None) -> str | None:
        for work, obj in apps:
            if (env is None or obj.env == env) and selector_matches(selector, obj.pod_labels()):
                return work.ref
        return None

    for monitor in k8s.anywhere("ServiceMonitor"):
        selector = as_dict(as_dict(monitor.spec.get("selector")).get("matchLabels"))
        ports = {str(as_dict(e).get("port") or as_dict(e).get("targetPort") or "") for e in as_list(monitor.spec.get("endpoints"))} - {""}
        target = None
        for svc in services:
            if selector_matches(selector, svc.labels) and (not ports or ports & _service_ports(svc)):
                work = app_selected_by(svc.selector(), svc.env)
                if work:
                    target = f"Service {svc.name} of {work}"
                    break
        (good if target else stray).append(
            Evidence(monitor.path, monitor.line, f"{monitor.ref} scrapes {target}" if target else f"{monitor.ref} selects no Service of an app workload", True if target else None)
        )
    for monitor in k8s.anywhere("PodMonitor", "PodMonitoring"):
        work = app_selected_by(as_dict(as_dict(monitor.spec.get("selector")).get("matchLabels")), None)
        (good if work else stray).append(
            Evidence(monitor.path, monitor.line, f"{monitor.ref} scrapes pods of {work}" if work else f"{monitor.ref} selects no app pods", True if work else None)
        )
    seen = set()
    for work, obj in apps:
        if work.ref in seen:
            continue
        if str(obj.pod_annotations().get("prometheus.io/scrape", "")).lower() == "true":
            seen.add(work.ref)
            good.append(Evidence(obj.path, obj.line, f"{work.ref}: pods annotated prometheus.io/scrape", True))
    for svc in k8s.unique_objects("Service"):
        if str(svc.annotations.get("prometheus.io/scrape", "")).lower() == "true":
            work = app_selected_by(svc.selector(), svc.env)
            (good if work else stray).append(
                Evidence(svc.path, svc.line_of("metadata", "annotations"), f"{svc.ref} annotated prometheus.io/scrape" + (f" ({work})" if work else ""), True if work else None)
            )
    for path, line, _ in repo.grep(("yaml",), re.compile(r"^\s*scrape_configs:")):
        good.append(Evidence(path, line, f"{path}: Prometheus scrape_configs (targets not verified)", True))
    return good, stray


@check("observability.metrics")
def metrics(repo):
    """The app exposes Prometheus metrics (a /metrics route or a Prometheus exporter library
    serving them) and a scrape config targets an app workload (ServiceMonitor → Service → app
    pods with a matching port, PodMonitor, prometheus.io/scrape annotations, or a Prometheus
    scrape_configs file): both → pass, one → partial, none → fail."""
    if not _app_source(repo) and not repo.kubernetes.environments:
        return not_applicable("no application source and no Kubernetes manifests")
    endpoints = _metrics_endpoints(repo)
    scrapes, stray = _scrape_configs(repo)
    evidence = endpoints + scrapes + stray
    if endpoints and scrapes:
        return passed("metrics endpoint and a scrape config that targets the app", evidence)
    if endpoints:
        return partial("metrics endpoint, but no scrape config targets it", evidence)
    if scrapes:
        return partial("scrape config, but no metrics endpoint in the application source", evidence)
    if stray:
        return failed("no metrics endpoint; scrape configs target no app workload", evidence)
    return failed("no metrics endpoint and no scrape config", _web_apps(repo, "exposes no /metrics"))


# --------------------------------------------------------------------------- tracing

_OTEL_SDK = ("opentelemetry.sdk", "opentelemetry.distro", "azure.monitor.opentelemetry")
_OTEL_EXPORTER = ("opentelemetry.exporter", "azure.monitor.opentelemetry")
_OTEL_API = ("opentelemetry",)
_VENDOR = ("ddtrace", "newrelic", "elasticapm", "langsmith", "langfuse", "opencensus", "jaeger_client", "py_zipkin",
           "aws_xray_sdk", "beeline", "opentracing", "logfire", "traceloop", "scout_apm", "instana")
_SENTRY_TRACING = ("traces_sample_rate", "traces_sampler", "enable_tracing")
_OTEL_ENV = re.compile(r"^OTEL_(EXPORTER_OTLP_(TRACES_)?ENDPOINT|TRACES_EXPORTER)$")
_VENDOR_ENV = re.compile(r"^(LANGSMITH_TRACING|LANGCHAIN_TRACING_V2|LANGFUSE_HOST|DD_TRACE_ENABLED|DD_AGENT_HOST|ELASTIC_APM_SERVER_URL|NEW_RELIC_LICENSE_KEY)$")
_OTHER_OTEL_SDK = re.compile(r"@opentelemetry/sdk-(node|trace)|go\.opentelemetry\.io/otel/sdk|io\.opentelemetry|OpenTelemetry\.Extensions|opentelemetry-sdk")
_OTHER_OTEL_EXPORTER = re.compile(r"@opentelemetry/exporter|otel/exporters|opentelemetry-exporter|OpenTelemetry\.Exporter")


def _config_keys(repo):
    """(path, line, variable name) of env/config keys: container env, ConfigMap data, compose
    environment, dotenv files, Dockerfile ENV."""
    k8s = repo.kubernetes
    for obj in k8s.unique_objects():
        if obj.kind == "ConfigMap":
            for key in as_dict(obj.doc.get("data")):
                yield obj.path, obj.line_of("data", key), str(key)
        for container in obj.containers(init=True):
            for var in iter_env_vars(container):
                yield obj.path, obj.container_line(container, "env"), str(var["name"])
    for svc in repo.containers.services():
        for key in svc.environment():
            yield svc.path, svc.line_of("environment"), key
    for env_file in repo.env_files:
        for key, line, _value in env_file.entries:
            yield env_file.path, line, key
    for df in repo.containers.dockerfiles:
        for stage in df.stages:
            for ins in stage.of("ENV"):
                for word in re.split(r"\s+", ins.value):
                    yield df.path, ins.line, word.split("=", 1)[0]


def _auto_instrumentation(repo) -> list[Evidence]:
    out = []
    for obj in repo.kubernetes.anywhere("Instrumentation"):
        if "opentelemetry" in obj.api_version:
            out.append(Evidence(obj.path, obj.line, f"{obj.ref}: OpenTelemetry Operator auto-instrumentation", True))
    for work in repo.kubernetes.app_workloads():
        obj = work.first
        if any(k.startswith("instrumentation.opentelemetry.io/inject-") for k in obj.pod_annotations()):
            out.append(Evidence(obj.path, obj.line, f"{work.ref}: OpenTelemetry auto-instrumentation injected", True))
        for container in obj.containers():
            words = " ".join(str(x) for x in as_list(container.get("command")) + as_list(container.get("args")))
            if "opentelemetry-instrument" in words:
                out.append(Evidence(obj.path, obj.container_line(container, "command"), f"{work.ref}: runs under opentelemetry-instrument", True))
    for df in repo.containers.dockerfiles:
        for stage in df.stages:
            for ins in stage.of("CMD") + stage.of("ENTRYPOINT"):
                if "opentelemetry-instrument" in ins.value:
                    out.append(Evidence(df.path, ins.line, f"{df.path}: runs under opentelemetry-instrument", True))
    return out


@check("observability.tracing")
def tracing(repo):
    """OpenTelemetry with an SDK (imported, declared, or auto-instrumentation via
    opentelemetry-instrument or the OTel Operator) and an exporter (imported, declared, or
    OTEL_EXPORTER_OTLP_ENDPOINT/OTEL_TRACES_EXPORTER configured) → pass. The OTel API or SDK
    without an exporter, or vendor/LLM-only tracing (LangSmith, Datadog, Sentry …) → partial.
    No tracing → fail; no application source → n/a."""
    deps = repo.dependencies.declared_names()
    if not _app_source(repo) and not deps:
        return not_applicable("no application source")
    imports = repo.python.imports
    sdk = [Evidence(m.path, line, f"{m.path}: imports {name}", True) for m, name, line in imports(*_OTEL_SDK)]
    sdk += [Evidence(None, None, f"declares {d}", True) for d in sorted(deps) if d in ("opentelemetry-sdk", "opentelemetry-distro", "azure-monitor-opentelemetry")]
    sdk += _auto_instrumentation(repo)
    exporters = [Evidence(m.path, line, f"{m.path}: imports {name}", True) for m, name, line in imports(*_OTEL_EXPORTER)]
    exporters += [Evidence(None, None, f"declares {d}", True) for d in sorted(deps) if d.startswith("opentelemetry-exporter-")]
    vendor, seen_keys = [], set()
    for path, line, key in _config_keys(repo):
        if _OTEL_ENV.match(key) and key not in seen_keys:
            seen_keys.add(key)
            exporters.append(Evidence(path, line, f"{path}: {key} configures the OTel exporter", True))
        elif _VENDOR_ENV.match(key) and key not in seen_keys:
            seen_keys.add(key)
            vendor.append(Evidence(path, line, f"{path}: {key} configures vendor tracing", None))
    for path, line, _ in repo.grep(("package_json", "go_mod", "pom", "source_other"), _OTHER_OTEL_SDK):
        if not is_test_path(path):
            sdk.append(Evidence(path, line, f"{path}: OpenTelemetry SDK", True))
    for path, line, _ in repo.grep(("package_json", "go_mod", "pom"), _OTHER_OTEL_EXPORTER):
        exporters.append(Evidence(path, line, f"{path}: OpenTelemetry exporter", True))
    if sdk and exporters:
        return passed("OpenTelemetry SDK with an exporter", sdk + exporters)
    api = [Evidence(m.path, line, f"{m.path}: imports {name}", None) for m, name, line in imports(*_OTEL_API)]
    vendor = [
        Evidence(module.path, line, f"{module.path}: imports {name} (vendor/LLM tracing)", None)
        for module in repo.python.app_modules() for name, line in module.imported(*_VENDOR)
    ] + [
        Evidence(m.path, call.line, f"{m.path}: sentry_sdk.init with performance tracing (vendor tracing)", None)
        for m, call in repo.python.calls("sentry_sdk.init") if any(k in call.kwargs for k in _SENTRY_TRACING)
    ] + vendor  # code first, configuration after
    if sdk or api:
        what = "OpenTelemetry SDK without an exporter" if sdk else "OpenTelemetry API without the SDK"
        return partial(what, [Evidence(e.path, e.line, e.message, None) for e in sdk] + api + exporters + vendor)
    if vendor:
        names = sorted({m.group(1) or m.group(2) for e in vendor if (m := re.search(r"imports (\S+)|(sentry_sdk)", e.message))})
        return partial(f"vendor/LLM tracing only ({', '.join(names) or 'configured by env'}); no OpenTelemetry", vendor)
    return failed("no tracing (no OpenTelemetry, no vendor tracing)", exporters + _web_apps(repo, "is not instrumented for tracing"))


# --------------------------------------------------------------------------- alerting

_ALERT_RULE = re.compile(r"^\s*(?:-\s*)?alert:\s*\S")  # not `\s*-?\s*`: quadratic on long blank runs
_RECORD_RULE = re.compile(r"^\s*(?:-\s*)?record:\s*\S")
_ALERTMANAGER = re.compile(r"^receivers:\s*$")
_ALERTMANAGER_ROUTE = re.compile(r"^route:\s*$")  # Alertmanager needs a top-level route; OTel collectors have receivers: too
_GRAFANA_ALERT = re.compile(r"^\s*(contactPoints|policies):\s*$")
_TF_ALERT = re.compile(
    r"""resource\s+["'](azurerm_monitor_(metric_alert|scheduled_query_rules_alert(_v2)?|activity_log_alert|alert_prometheus_rule_group)|"""
    r"""aws_cloudwatch_metric_alarm|aws_cloudwatch_composite_alarm|google_monitoring_alert_policy|grafana_rule_group|"""
    r"""grafana_contact_point|datadog_monitor|newrelic_(alert_policy|nrql_alert_condition)|alertmanager_\w+)["']|"""
    r"""Microsoft\.(Insights/(metricAlerts|scheduledQueryRules|activityLogAlerts)|AlertsManagement/prometheusRuleGroups)"""
)
_LOCAL_DIR = re.compile(r"(^|/)(local|demo|examples?|samples?|sandbox|dev-?stack)(/|$)", re.I)


def _alert_objects(repo) -> tuple[list[Evidence], list[Evidence]]:
    """(alerting evidence, recording-only/context evidence) from Kubernetes objects."""
    alerting, context = [], []
    for obj in repo.kubernetes.anywhere("PrometheusRule", "VMRule", "Rules", "ClusterRules", "GlobalRules"):
        rules = [as_dict(r) for g in as_list(obj.spec.get("groups")) for r in as_list(as_dict(g).get("rules"))]
        alerts = [r for r in rules if r.get("alert")]
        if alerts:
            alerting.append(Evidence(obj.path, obj.line, f"{obj.ref}: {plural(len(alerts), 'alert rule')}", True))
        else:
            context.append(Evidence(obj.path, obj.line, f"{obj.ref}: recording rules only, no alert", None))
    for obj in repo.kubernetes.anywhere("AlertmanagerConfig", "Alertmanager"):
        alerting.append(Evidence(obj.path, obj.line, f"{obj.ref}: Alertmanager routing", True))
    return alerting, context


def _terraform_alerts(repo) -> list[Evidence]:
    out = []
    variables_off = set()
    for path in repo.files.of("terraform"):
        text = repo.text(path) or ""
        for match in re.finditer(r'variable\s+"(\w+)"\s*\{[^}]*?default\s*=\s*false', text, re.S):
            variables_off.add(match.group(1))
    for path, line, text in repo.grep(("terraform",), _TF_ALERT):
        lines = (repo.text(path) or "").split("\n")
        block = []
        for body in lines[line:]:
            if body.startswith("}"):
                break
            block.append(body)
        body = "\n".join(block)
        off = re.search(r"^\s*enabled\s*=\s*false", body, re.M)
        gated = re.search(r"^\s*count\s*=\s*var\.(\w+)\s*\?", body, re.M)
        match = _TF_ALERT.search(text)
        kind = match.group(1) or match.group(0)
        if off or (gated and gated.group(1) in variables_off):
            out.append(Evidence(path, line, f"{path}: {kind} is off by default", False))
        else:
            out.append(Evidence(path, line, f"{path}: {kind} defined in infrastructure code", True))
    return out


def _compose_mounts(repo) -> str:
    return "\n".join(repo.text(p) or "" for p in repo.files.of("compose"))


@check("observability.alerting")
def alerting(repo):
    """Alert rules exist: PrometheusRule/VMRule objects with at least one ``alert:`` rule,
    Alertmanager configuration, Prometheus rule or Grafana alerting files, or alert resources
    in Terraform/Bicep. Rules that exist only for a local/demo stack (mounted by compose only, or
    under local/demo/example folders) or are off by default → partial; recording-only groups
    are not alerting. n/a when nothing is deployed or run from the repository (no manifests,
    Dockerfile, compose file, Terraform or process type such as a server script)."""
    k8s = repo.kubernetes
    if not (k8s.present or repo.containers.dockerfiles or repo.containers.compose_files or repo.files.of("terraform")
            or process_types(repo)[0]):
        return not_applicable("nothing is deployed or run from this repository")
    alerting_ev, context = _alert_objects(repo)
    object_paths = {e.path for e in alerting_ev + context}
    compose_text = _compose_mounts(repo)
    limited: list[Evidence] = []
    for path in repo.files.of("yaml"):
        if path in object_paths:
            continue
        text = repo.text(path) or ""
        lines = text.split("\n")
        hit = next((i for i, l in enumerate(lines, 1) if _ALERT_RULE.match(l)), None)
        what = "Prometheus alert rules"
        if hit is None:
            alertmanager = any(_ALERTMANAGER_ROUTE.match(l) for l in lines)
            hit = next((i for i, l in enumerate(lines, 1) if (alertmanager and _ALERTMANAGER.match(l)) or _GRAFANA_ALERT.match(l)), None)
            what = "Alertmanager/Grafana alerting configuration"
            if hit is None:
                if any(_RECORD_RULE.match(l) for l in lines):
                    context.append(Evidence(path, 1, f"{path}: recording rules only, no alert", None))
                continue
        base = posixpath.basename(path)
        local_only = _LOCAL_DIR.search(posixpath.dirname(path)) or (base in compose_text and not k8s.present)
        if local_only:
            limited.append(Evidence(path, hit, f"{path}: {what} for a local/demo stack only", False))
        else:
            alerting_ev.append(Evidence(path, hit, f"{path}: {what}", True))
    for ev in _terraform_alerts(repo):
        (alerting_ev if ev.ok else limited).append(ev)
    if alerting_ev:
        return passed(f"{plural(len(alerting_ev), 'alerting definition')}", alerting_ev + limited + context)
    if limited:
        return partial("alerting only in a local/demo stack or off by default", limited + context)
    monitoring = [
        Evidence(o.path, o.line, f"{o.kind}/{o.name}: scrapes metrics, but no alert rule uses them", None)
        for o in k8s.anywhere("ServiceMonitor", "PodMonitor")
    ]
    return failed("no alert rules (PrometheusRule, Alertmanager, Grafana alerting, Terraform alerts)", context + monitoring)
