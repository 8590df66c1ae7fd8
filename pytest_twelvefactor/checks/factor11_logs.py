"""Factor 11 — Logs: stdout, structured format, a central pipeline, no local log
files, and a log level that can change at runtime.

Per-process items judge each process type of the judged deployment (see
``factor09_disposability.process_types``) over the Python modules its command
loads (the entry module's import closure).
"""

from __future__ import annotations

import posixpath
import re

from ..model.kubernetes import K8sObject, as_dict, as_list, iter_env_vars
from ..results import Evidence, Result, failed, not_applicable, partial, passed, tally
from . import check
from .common import plural
from .factor09_disposability import PY_SERVERS, PY_WORKERS, Process, process_modules, process_types, strip_wrappers

STREAM_CALLS = ("logging.StreamHandler", "StreamHandler", "RichHandler", "structlog.PrintLoggerFactory", "PrintLoggerFactory")
FILE_CALLS = ("FileHandler", "RotatingFileHandler", "TimedRotatingFileHandler", "WatchedFileHandler",
              "ConcurrentRotatingFileHandler", "ConcurrentTimedRotatingFileHandler")
STREAM_CLASS = re.compile(r"^(logging\.StreamHandler|rich\.logging\.RichHandler|ext://sys\.(stdout|stderr))$")
FILE_CLASS = re.compile(r"^logging\.(handlers\.)?(FileHandler|RotatingFileHandler|TimedRotatingFileHandler|WatchedFileHandler)$")
JSON_IMPORTS = ("pythonjsonlogger", "json_log_formatter", "ecs_logging", "jsonlogger", "logstash_formatter")
LEVEL_TIME = (re.compile(r"%\(levelname\)|\{levelname|levelname"), re.compile(r"%\(asctime\)|\{asctime|asctime|\{time"))
LEVEL_VAR = re.compile(r"^(\w+_)?LOG_?LEVEL$|^LOGLEVEL$|^LOG_LVL$", re.I)
LOG_PATH = re.compile(r"(^|[/_-])logs?([/_-]|$)", re.I)


def _loguru(module) -> bool:
    return bool(module.imported("loguru"))


def _handlers(modules) -> tuple[list[tuple[str, str, int]], list[tuple[str, str, int]]]:
    """(stream handlers, file handlers) as (description, path, line) in these modules."""
    stream, files = [], []
    for module in modules:
        for call in module.calls:
            if call.endswith(*FILE_CALLS):
                files.append((f"{call.name.rsplit('.', 1)[-1]}", module.path, call.line))
            elif call.endswith(*STREAM_CALLS):
                target = str(call.args[0]) if call.args else ""
                where = "sys.stdout" if "stdout" in target else ("sys.stderr" if "stderr" in target or not target else target.strip("<>"))
                stream.append((f"{call.name.rsplit('.', 1)[-1]}({where})", module.path, call.line))
            elif call.endswith("logging.basicConfig"):
                if "filename" in call.kwargs:
                    files.append(("basicConfig(filename=…)", module.path, call.line))
                else:
                    stream.append(("basicConfig (stderr)", module.path, call.line))
            elif _loguru(module) and call.endswith("logger.add") and call.args:
                sink = call.args[0]
                if isinstance(sink, str) and sink.startswith("<"):
                    if "stdout" in sink or "stderr" in sink:
                        stream.append((f"loguru sink {sink.strip('<>')}", module.path, call.line))
                elif isinstance(sink, str):
                    files.append(("loguru file sink", module.path, call.line))
        for value, line in module.strings:
            if STREAM_CLASS.match(value):
                stream.append((f"logging config handler {value}", module.path, line))
            elif FILE_CLASS.match(value):
                files.append((f"logging config handler {value}", module.path, line))
    return stream, files


def _argv_logfiles(proc: Process) -> list[str]:
    words = strip_wrappers(proc.argv or [])
    out = []
    for i, word in enumerate(words):
        key, _, value = word.partition("=")
        if key in ("--access-logfile", "--error-logfile", "--log-file", "--logfile", "-f") and not value and i + 1 < len(words):
            value = words[i + 1]
        if key in ("--access-logfile", "--error-logfile", "--log-file", "--logfile") and value and value != "-":
            out.append(f"{key} {value}")
    return out


def _python_procs(repo) -> tuple[list[Process], list[Evidence], str]:
    procs, reason = process_types(repo)
    judged, left = [], []
    for proc in procs:
        if proc.argv and proc.language == "python":
            judged.append(proc)
        else:
            why = proc.origin if not proc.argv else f"{proc.language or 'unknown'} language; no log patterns"
            left.append(proc.evidence(f"not judged: {why}", None))
    return judged, left, reason or "no Python process types found"


def _program(proc: Process) -> str:
    words = strip_wrappers(proc.argv or [])
    return posixpath.basename(words[0]) if words else "?"


# --------------------------------------------------------------------------- factor11.stdout


@check("factor11.stdout")
def stdout(repo) -> Result:
    """Each Python process type writes its logs to stdout/stderr: a stream handler in the
    modules it loads, or the server/worker's or Python's default stderr logging when it sets
    up no handler. Only file handlers (or `--*-logfile` paths) make it bad.
    All → pass, some → partial, none → fail."""
    procs, evidence, reason = _python_procs(repo)
    for proc in procs:
        modules, found_by = process_modules(repo, proc)
        stream, files = _handlers(modules)
        files += [(f, proc.path, proc.line) for f in _argv_logfiles(proc)]
        if stream:
            what, path, line = stream[0]
            evidence.append(proc.evidence(f"logs to {what} at {path}:{line}", True))
        elif files:
            what, path, line = files[0]
            evidence.append(proc.evidence(f"logs only through {what} at {path}:{line}", False))
        else:
            evidence.append(proc.evidence(f"no handler set up; {_program(proc)} logs to stderr by default ({found_by})", True))
    return tally(evidence, subject="process types", na_reason=reason,
                 all_ok=f"all {plural(sum(1 for e in evidence if e.ok), 'process type')} log to stdout/stderr")


# --------------------------------------------------------------------------- factor11.structured


def log_format(repo, proc: Process) -> tuple[int, str]:
    """(2 JSON, 1 text with level and time, 0 none) and the reason, for one process type."""
    modules, found_by = process_modules(repo, proc)
    for module in modules:
        for name, line in module.imports:
            if any(name == j or name.startswith(j + ".") for j in JSON_IMPORTS):
                return 2, f"JSON formatter ({name}) at {module.path}:{line}"
        for call in module.calls:
            if call.endswith("JSONRenderer"):
                return 2, f"structlog JSONRenderer at {module.path}:{call.line}"
            if _loguru(module) and call.endswith("logger.add") and call.kwargs.get("serialize") is True:
                return 2, f"loguru serialize=True at {module.path}:{call.line}"
        for value, line in module.strings:
            if "JsonFormatter" in value or "jsonlogger" in value:
                return 2, f"JSON formatter in logging config at {module.path}:{line}"
        if any(c.endswith("json.dumps") for c in module.calls) and any(
            b.endswith("Formatter") for cls in module.classes for b in cls.bases
        ):
            cls = next(c for c in module.classes if any(b.endswith("Formatter") for b in c.bases))
            return 2, f"JSON Formatter subclass {cls.name} at {module.path}:{cls.line}"
    formats = [(m.path, l) for m in modules for v, l in m.strings if all(p.search(v) for p in LEVEL_TIME) and ("%(" in v or "{" in v)]
    formatter_calls = [(m.path, c.line, c.name) for m in modules for c in m.calls
                       if c.endswith("logging.Formatter", "Formatter", "dictConfig", "fileConfig")
                       or (c.endswith("logging.basicConfig") and "format" in c.kwargs)]
    for module in modules:
        for call in module.calls:
            if call.endswith("ConsoleRenderer", "KeyValueRenderer", "LogfmtRenderer"):
                return 1, f"structlog {call.name.rsplit('.', 1)[-1]} (text) at {module.path}:{call.line}"
        if _loguru(module) and any(c.endswith("logger.add") for c in module.calls):
            return 1, f"loguru text format at {module.path}"
    if formatter_calls and formats:
        return 1, f"text format with level and time at {formats[0][0]}:{formats[0][1]}"
    if formatter_calls:
        path, line, name = formatter_calls[0]
        return 0, f"formatter without level and time at {path}:{line}"
    text = " ".join(strip_wrappers(proc.argv or []))
    if PY_WORKERS.search(text) and "celery" in text:
        return 1, "Celery's default text format (time, level)"
    if re.search(r"\bgunicorn\b", text):
        return 1, "gunicorn's default text format (time, level)"
    server = PY_SERVERS.search(text)
    if server:
        return 0, f"{server.group(1)} default format has no timestamp; no formatter configured"
    return 0, f"no log formatter ({found_by})"


@check("factor11.structured")
def structured(repo) -> Result:
    """Logs should be machine-readable: every Python process type formats JSON
    (python-json-logger, structlog JSONRenderer, loguru serialize, ecs-logging, a JSON
    Formatter subclass) → pass; all at least text with level and time, or JSON in some only
    → partial; no process type with a formatter that has level and time → fail."""
    procs, evidence, reason = _python_procs(repo)
    levels = []
    for proc in procs:
        level, why = log_format(repo, proc)
        levels.append(level)
        evidence.append(proc.evidence(("JSON logs: " if level == 2 else "") + why, level == 2))
    if not levels:
        return not_applicable(reason, evidence)
    if all(l == 2 for l in levels):
        return passed(f"JSON logs in all {plural(len(levels), 'process type')}", evidence)
    if all(l == 0 for l in levels):
        return failed(f"no formatter with level and time in {plural(len(levels), 'process type')}", evidence)
    return partial(f"{levels.count(2)} JSON, {levels.count(1)} text, {levels.count(0)} unformatted of {plural(len(levels), 'process type')}", evidence)


# --------------------------------------------------------------------------- factor11.centralized

PIPELINE_IMAGE = re.compile(
    r"(^|/)(loki|promtail|fluent-?bit|fluentd|vector|timberio/vector|grafana/alloy|grafana/agent|alloy|filebeat|logstash|"
    r"elastic-agent|aws-for-fluent-bit|cloudwatch-agent|datadog/agent|splunk/|newrelic-logging|ama-logs|stackdriver|"
    r"opentelemetry-collector[\w-]*|otel/opentelemetry-collector[\w-]*)([:@]|$)", re.I)
PIPELINE_KINDS = {"Flow", "ClusterFlow", "Output", "ClusterOutput", "Logging", "FluentBit", "FluentBitConfig",
                  "ClusterFluentBitConfig", "ClusterInput", "ClusterFilter", "ClusterOutput", "LokiStack", "PodLogs",
                  "ClusterLogForwarder", "ClusterLogging"}
PIPELINE_CHART = re.compile(r"\b(loki(-stack|-distributed)?|promtail|fluent-?bit|fluentd|vector|alloy|grafana-agent|filebeat|"
                            r"logstash|elastic-agent|eck-stack|opentelemetry-collector|datadog|splunk-otel-collector)\b", re.I)
IAC_PIPELINE = re.compile(
    r"azurerm_monitor_diagnostic_setting|oms_agent|omsagent|monitor_metrics|azurerm_log_analytics_workspace|"
    r"Microsoft\.OperationalInsights/workspaces|Microsoft\.Insights/diagnosticSettings|aws_cloudwatch_log_group|"
    r"amazon-cloudwatch-observability|google_logging_|helm_release\s+\"[\w-]*(loki|fluent|promtail|vector|alloy)", re.I)
PY_SHIPPERS = ("logging_loki", "fluent", "opencensus.ext.azure.log_exporter", "azure.monitor.opentelemetry", "watchtower",
               "google.cloud.logging", "opentelemetry.sdk._logs", "logstash_async", "graypy", "splunk_handler",
               "opentelemetry.exporter.otlp.proto.grpc._log_exporter", "opentelemetry.exporter.otlp.proto.http._log_exporter")
_LOCAL_COMPOSE = re.compile(r"(local|dev|demo|example|sample|test)", re.I)


OTEL_COLLECTOR = re.compile(r"opentelemetry-collector", re.I)
_OTEL_LOGS_PIPELINE = re.compile(r"^\s+logs(/[\w.-]+)?\s*:", re.M)


def _otel_without_logs(k8s, obj: K8sObject) -> bool:
    """True when the collector's mounted ConfigMaps define pipelines and none of them is
    a ``logs`` pipeline (an unknown configuration is given the benefit of the doubt)."""
    names = {str(as_dict(as_dict(v).get("configMap")).get("name")) for v in as_list(obj.pod_spec().get("volumes"))
             if as_dict(v).get("configMap")}
    configs = [str(value) for cm in k8s.anywhere("ConfigMap") if cm.name in names
               for value in as_dict(cm.doc.get("data")).values()]
    configs = [c for c in configs if "pipelines:" in c]
    return bool(configs) and not any(_OTEL_LOGS_PIPELINE.search(c.split("pipelines:", 1)[1]) for c in configs)


def _pipelines(repo) -> tuple[list[Evidence], list[Evidence]]:
    """(deployed pipelines, pipelines off by default or only in a local/demo compose stack)."""
    full: list[Evidence] = []
    weak: list[Evidence] = []
    k8s = repo.kubernetes
    for obj in k8s.anywhere() if k8s.present else []:
        if obj.kind in PIPELINE_KINDS:
            full.append(Evidence(obj.path, obj.line, f"log pipeline object {obj.ref}", True))
            continue
        images = [i for i in obj.images() if PIPELINE_IMAGE.search(i.split("@")[0])] if obj.template() else []
        if images and OTEL_COLLECTOR.search(images[0].split("@")[0]) and _otel_without_logs(k8s, obj):
            continue  # a collector for traces/metrics only is no log pipeline
        if images:
            full.append(Evidence(obj.path, obj.line, f"{obj.ref} runs log agent {images[0]}", True))
            continue
        if obj.kind in ("Application", "ApplicationSet", "HelmRelease", "HelmChart"):
            source = as_dict(obj.spec.get("source")) or as_dict(as_dict(obj.spec.get("chart")).get("spec")) or obj.spec
            chart = str(source.get("chart") or source.get("path") or obj.spec.get("chart") or "")
            if PIPELINE_CHART.search(chart):
                full.append(Evidence(obj.path, obj.line, f"{obj.ref} deploys {chart}", True))
    for chart in k8s.helm_charts:
        path = posixpath.join(chart, "Chart.yaml") if chart else "Chart.yaml"
        text = repo.text(path) if repo.files.exists(path) else None
        for number, line in enumerate((text or "").split("\n"), start=1):
            m = re.match(r"\s*(?:-\s*)?name:\s*['\"]?([\w-]+)", line)
            if m and PIPELINE_CHART.fullmatch(m.group(1)):
                full.append(Evidence(path, number, f"chart dependency {m.group(1)}", True))
    for path, line, text in repo.grep(("terraform",), IAC_PIPELINE):
        if not text.lstrip().startswith(("#", "//")):
            match = IAC_PIPELINE.search(text)
            full.append(Evidence(path, line, f"log pipeline in infrastructure code ({match.group(0)})", True))
    for module in repo.python.app_modules():
        for name, line in module.imports:
            if any(name == s or name.startswith(s + ".") for s in PY_SHIPPERS):
                full.append(Evidence(module.path, line, f"app ships logs with {name}", True))
    for svc in repo.containers.services():
        image = svc.image or ""
        if PIPELINE_IMAGE.search(image.split("@")[0]):
            local = k8s.present or _LOCAL_COMPOSE.search(posixpath.basename(svc.path)) or svc.spec.get("profiles")
            (weak if local else full).append(Evidence(svc.path, svc.line, f"compose service {svc.name} runs {image}" +
                                                      (" (local/demo stack only)" if local else ""), None if local else True))
    return full, weak


@check("factor11.centralized")
def centralized(repo) -> Result:
    """A log pipeline is part of the deployment: a log agent or collector workload
    (Promtail, Fluent Bit, Fluentd, Vector, OTel collector, Alloy…), logging-operator
    objects, a GitOps/Helm release or chart dependency of one, infrastructure code (Azure
    Monitor, CloudWatch…) or an app-side shipping handler → pass; only in a local/demo
    compose stack → partial; none (file logging at most) → fail."""
    procs, _reason = process_types(repo)
    full, weak = _pipelines(repo)
    if full:
        return passed(f"log pipeline: {full[0].message}", full + weak)
    if weak:
        return partial("log pipeline only in a local/demo stack", weak)
    if not procs and not repo.kubernetes.present and not repo.containers.compose_files:
        return not_applicable("no deployed application found")
    findings = local_log_files(repo)
    message = "no log pipeline (Loki/Promtail, Fluent Bit, Fluentd, Vector, OTel collector) found"
    return failed(message + (f"; logs go to local files ({len(findings)} findings)" if findings else ""),
                  [Evidence(None, None, message, False)] + findings)


# --------------------------------------------------------------------------- factor11.aggregation


def local_log_files(repo) -> list[Evidence]:
    """File handlers in application code and log volumes of app workloads."""
    out: list[Evidence] = []
    _stream, files = _handlers(repo.python.app_modules())
    for what, path, line in files:
        out.append(Evidence(path, line, f"{what} writes logs to a local file", False))
    k8s = repo.kubernetes
    for work in k8s.workloads if k8s.present else []:
        if not work.is_app:
            continue
        for env, obj in work.variants.items():
            volumes = {str(as_dict(v).get("name")): as_dict(v) for v in as_list(obj.pod_spec().get("volumes"))}
            found = False
            for container in obj.containers(init=True):
                for index, mount in enumerate(as_list(container.get("volumeMounts"))):
                    mount = as_dict(mount)
                    name, mpath = str(mount.get("name", "")), str(mount.get("mountPath", ""))
                    if LOG_PATH.search(mpath) or LOG_PATH.search(name):
                        volume = volumes.get(name, {})
                        source = next((k for k in ("persistentVolumeClaim", "emptyDir", "hostPath", "azureFile", "nfs") if k in volume), "volume")
                        claim = as_dict(volume.get("persistentVolumeClaim")).get("claimName")
                        detail = f"PVC {claim}" if claim else source
                        out.append(Evidence(obj.path, obj.container_line(container, "volumeMounts"),
                                            f"{work.ref}: container {container.get('name')} mounts log volume {name} ({detail}) at {mpath}", False))
                        found = True
            if found:
                break
    for obj in k8s.unique_objects("PersistentVolumeClaim") if k8s.present else []:
        if LOG_PATH.search(obj.name):
            out.append(Evidence(obj.path, obj.line, f"{obj.ref} stores log files", False))
    if not k8s.present:
        for svc in repo.containers.services():
            for volume in as_list(svc.spec.get("volumes")):
                target = str(volume.split(":")[1] if isinstance(volume, str) and ":" in volume else as_dict(volume).get("target", ""))
                if target and LOG_PATH.search(target):
                    out.append(Evidence(svc.path, svc.line_of("volumes"), f"compose service {svc.name} keeps logs in a volume at {target}", False))
    procs, _ = process_types(repo)
    for proc in procs:
        for logfile in _argv_logfiles(proc):
            out.append(proc.evidence(f"{logfile} writes logs to a local file", False))
    return out


@check("factor11.aggregation")
def aggregation(repo) -> Result:
    """Logs are an event stream, not files: no file handler in application code
    (FileHandler, RotatingFileHandler, basicConfig(filename=…), loguru file sinks, logging
    config file handlers), no log volume (a mount whose path or name says log) on app
    workloads and no server log-file options. None → pass; any → fail."""
    findings = local_log_files(repo)
    if findings:
        return failed(f"logs written to local files or volumes ({len(findings)} findings)", findings)
    procs, reason = process_types(repo)
    if not procs and not repo.python.app_modules():
        return not_applicable(reason)
    evidence = [p.evidence("no log files or log volumes", True) for p in procs] or \
        [Evidence(None, None, f"no file handlers in {plural(len(repo.python.app_modules()), 'app module')}", True)]
    return passed("no logs written to pod-local or volume paths", evidence)


# --------------------------------------------------------------------------- factor11.dynamic-level


def _sets_level(module) -> bool:
    return any(c.endswith("setLevel", "dictConfig", "fileConfig") for c in module.calls)


def level_control(repo, proc: Process) -> tuple[int, str, str | None, int | None]:
    """(2 runtime, 1 environment, 0 hard-coded), reason, path, line for one process type."""
    modules, found_by = process_modules(repo, proc)
    for module in modules:
        for call in module.calls:
            first = str(call.args[0]) if call.args else ""
            if call.endswith("logging.config.listen"):
                return 2, "logging.config.listen() accepts new config at runtime", module.path, call.line
            if call.decorator and re.search(r"log", first, re.I) and first.startswith("/") and _sets_level(module):
                return 2, f"endpoint {first} changes the level at runtime", module.path, call.line
            if call.endswith("signal.signal", "add_signal_handler") and re.search(r"SIGUSR[12]|SIGHUP", first) and _sets_level(module):
                return 2, f"{first.strip('<>')} handler changes the level at runtime", module.path, call.line
    for module in modules:
        for read in module.env_reads:
            if read.variable and LEVEL_VAR.match(read.variable):
                return 1, f"level from environment variable {read.variable} at start-up only", module.path, read.line
        for cls in module.classes:
            if any(b.endswith("BaseSettings") or b.endswith("Settings") for b in cls.bases):
                for name, _value, line in cls.fields:
                    if LEVEL_VAR.match(name):
                        return 1, f"level from setting {cls.name}.{name} (environment) at start-up only", module.path, line
    words = strip_wrappers(proc.argv or [])
    for i, word in enumerate(words):
        if word.startswith(("--log-level", "--loglevel", "-l")) and "$" in " ".join(words[i:i + 2]):
            return 1, f"level from the environment in the command ({word})", proc.path, proc.line
    if proc.container is not None:
        for var in iter_env_vars(proc.container):
            if LEVEL_VAR.match(str(var.get("name"))):
                return 1, f"container env {var.get('name')} sets the level at start-up only", proc.path, proc.line
    return 0, f"log level fixed in code or defaults ({found_by})", proc.path, proc.line


@check("factor11.dynamic-level")
def dynamic_level(repo) -> Result:
    """The log level of each Python process type should change without a redeploy: an
    admin endpoint or SIGUSR/SIGHUP handler that calls setLevel, or logging.config.listen
    → runtime; read from an environment variable/setting at start-up → env only; else
    hard-coded. All runtime → pass; all hard-coded → fail; otherwise partial."""
    procs, evidence, reason = _python_procs(repo)
    levels = []
    for proc in procs:
        level, why, path, line = level_control(repo, proc)
        levels.append(level)
        evidence.append(Evidence(path, line, f"{proc.name}: {why}", level == 2, proc.env))
    if not levels:
        return not_applicable(reason, evidence)
    if all(l == 2 for l in levels):
        return passed(f"log level adjustable at runtime in all {plural(len(levels), 'process type')}", evidence)
    if all(l == 0 for l in levels):
        return failed(f"log level hard-coded in {plural(len(levels), 'process type')}", evidence)
    return partial(f"{levels.count(2)} runtime, {levels.count(1)} environment-only, {levels.count(0)} hard-coded of "
                   f"{plural(len(levels), 'process type')}", evidence)
