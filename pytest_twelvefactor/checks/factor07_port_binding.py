"""Factor 7 — Port binding: processes bind their own ports, Services and routes reach them."""

from __future__ import annotations

import re

from ..model.containers import command_words
from ..model.kubernetes import WORKLOAD_KINDS, as_dict, as_list, image_tag, selector_matches
from ..model.python_source import is_test_path
from ..results import Evidence, failed, not_applicable, partial, passed, tally
from . import check
from .common import grade_workloads, level_counts, plural
from .factor09_disposability import process_types, script_servers

_SERVER = re.compile(
    r"\b(uvicorn|gunicorn|hypercorn|daphne|granian|waitress-serve|uwsgi|runserver|flask\s+run|fastapi\s+(?:run|dev)|"
    r"streamlit\s+run|next\s+start|npm\s+(?:run\s+)?start|node|java\s+-jar|nginx|httpd|caddy|puma|rails\s+s(?:erver)?|"
    r"http\.server|serve)\b",
    re.I,
)
_PORT_FLAG = re.compile(r"(?:--port|--bind|-b|--http|--listen|-p)(?:\s+|=)['\"]?([^\s'\"]+)|\brunserver\s+([\w.:\[\]]+)")
_UNIX_SOCKET = re.compile(r"unix:|--uds\b|--socket\s+/|--fd\b", re.I)
_PORT_VAR = re.compile(r"\$\(?\{?[A-Z_]*PORT\b", re.I)


def _command(container: dict) -> str:
    return " ".join(str(x) for x in as_list(container.get("command")) + as_list(container.get("args")))


def _container_ports(container: dict) -> list[dict]:
    return [p for p in as_list(container.get("ports")) if isinstance(p, dict) and p.get("containerPort") is not None]


def _services_selecting(repo, obj) -> list:
    labels = obj.pod_labels()
    out = []
    for svc in repo.kubernetes.selector_candidates(labels, obj.env, "Service"):
        if svc.namespace and obj.namespace and svc.namespace != obj.namespace:
            continue
        if selector_matches(svc.selector(), labels):
            out.append(svc)
    return out


def _dockerfile_for(repo, image: str):
    """The repository's Dockerfile that builds ``image``: by directory or suffix name, else the only one."""
    dockerfiles = [d for d in repo.containers.dockerfiles if ".devcontainer/" not in d.path]
    if not image:
        return None
    name = image_tag(image)[0].rsplit("/", 1)[-1].lower()
    for df in dockerfiles:
        parts = re.split(r"[/.]", df.path.lower())
        if name in parts or any(p and p in name for p in parts[:-1] if p not in ("dockerfile", "docker", "src", "app")):
            return df
    return dockerfiles[0] if len(dockerfiles) == 1 else None


def _web_workloads(repo):
    """Long-running workloads of role app that declare ports or are selected by a Service."""
    out = []
    for work in repo.kubernetes.app_workloads(long_running=True):
        if work.role != "app":
            continue
        if any(_container_ports(c) for o in work.variants.values() for c in o.containers()) or any(
            _services_selecting(repo, o) for o in work.variants.values()
        ):
            out.append(work)
    return out


def _binding(repo, obj):
    """(ok, message, line) for one web pod: which container binds which port, and how we know."""
    notes = []
    for container in obj.containers():
        name = container.get("name") or "?"
        cmd = _command(container)
        ports = _container_ports(container)
        flag = _PORT_FLAG.search(cmd)
        if flag and (flag.group(1) or "").startswith(("unix:", "/")):
            flag = None
        server = _SERVER.search(cmd)
        configurable = bool(_PORT_VAR.search(cmd)) or any("PORT" in str(v.get("name", "")).upper() for v in as_list(container.get("env")) if isinstance(v, dict))
        extra = "; port configurable from the environment" if configurable else ""
        if _UNIX_SOCKET.search(cmd) and not flag:
            return False, f"container {name} binds only a Unix socket", obj.container_line(container, "args" if "args" in container else "command")
        if flag:
            how = f"{server.group(1)} " if server else ""
            return True, f"container {name} binds port {flag.group(1) or flag.group(2)} ({how}in its command){extra}", obj.container_line(container, "args" if "args" in container else "command")
        if ports:
            numbers = ", ".join(str(p.get("containerPort")) for p in ports)
            return True, f"container {name} binds containerPort {numbers}{extra}", obj.container_line(container, "ports")
        if server:
            return True, f"container {name} runs {server.group(1)} on its default port{extra}", obj.container_line(container, "command")
        df = _dockerfile_for(repo, str(container.get("image") or "")) if not cmd else None
        if df is not None:
            entry, run = df.command()
            words = " ".join(command_words(run.value)) if run else ""
            expose = df.final.last("EXPOSE")
            if expose or _PORT_FLAG.search(words):
                return True, f"container {name} binds port {expose.value if expose else _PORT_FLAG.search(words).group(1)} (image built by {df.path})", obj.container_line(container, "image")
        notes.append(name)
    return False, f"no container binds a port ({', '.join(notes)}: no containerPort, server command or EXPOSE)", obj.line


@check("factor07.self-binding")
def self_binding(repo):
    """Each web process binds its own port: a containerPort, a server command with a port/bind
    option (uvicorn, gunicorn …), or EXPOSE in the Dockerfile that builds its image. A fixed port
    still counts; a port read from the environment is noted as bonus. A process bound only to a
    Unix socket, or with no port at all, fails. Web processes: Kubernetes app workloads with ports
    or a Service; else compose app services with ports; else Dockerfiles whose CMD runs a server;
    else Python scripts started by hand whose ``__main__`` block starts a server (``app.run(port=…)``,
    ``uvicorn.run(…)``), which bind their port themselves."""
    if repo.kubernetes.workloads:
        evidence = grade_workloads(_web_workloads(repo), lambda o: ("good" if (r := _binding(repo, o))[0] else "bad", r[1], r[2]))
        return tally([e for e, _ in evidence], subject="web processes", na_reason="no web workloads (no app workload with ports or a Service)")
    evidence = []
    for svc in repo.containers.services():
        if not (svc.spec.get("ports") or svc.spec.get("expose")):
            continue
        cmd = svc.command_text()
        if _UNIX_SOCKET.search(cmd) and not _PORT_FLAG.search(cmd):
            evidence.append(Evidence(svc.path, svc.line_of("command"), f"compose service {svc.name}: binds only a Unix socket", False))
        else:
            evidence.append(Evidence(svc.path, svc.line_of("ports") if svc.spec.get("ports") else svc.line_of("expose"), f"compose service {svc.name}: binds a published port", True))
    if not evidence:
        for df in repo.containers.dockerfiles:
            entry, run = df.command()
            words = " ".join(w for x in (entry, run) if x for w in command_words(x.value))
            expose = df.final.last("EXPOSE")
            if _SERVER.search(words) or expose:
                line = expose.line if expose else (run or entry).line
                evidence.append(Evidence(df.path, line, f"{df.path}: the image binds {('port ' + expose.value) if expose else 'its server port'} itself", True))
    if not evidence:
        servers = {module.path: (module, call) for module, call in script_servers(repo)}
        for proc in process_types(repo)[0]:
            if proc.by_hand and proc.path in servers:
                evidence.append(_script_binding(*servers[proc.path]))
    return tally(evidence, subject="web processes", na_reason="no web process found (no ports in manifests, compose, Dockerfiles or server scripts)")


def _script_binding(module, call) -> Evidence:
    """How a server started in a script's code binds its port (``port=``, or its positional place:
    ``app.run(host, port)``, ``uvicorn.run(app, host, port)``)."""
    index = 2 if call.endswith("uvicorn.run") else 1 if re.search(r"\.run(_server)?$", call.name) else None
    port = call.kwargs.get("port", call.args[index] if index is not None and len(call.args) > index else "")
    if isinstance(port, int) or (isinstance(port, str) and port.isdigit()):
        how = f"port {port}"
    elif port == "":
        how = "its default port"
    else:
        how = "a port set at start-up"
    configurable = any(r.variable and "PORT" in r.variable.upper() for r in module.env_reads)
    extra = "; port configurable from the environment" if configurable else ""
    return Evidence(module.path, call.line, f"script {module.path}: {call.name} binds {how} itself{extra}", True)


def _port_matches(target, container_ports: list[dict]) -> bool:
    if isinstance(target, int) or (isinstance(target, str) and target.isdigit()):
        return any(str(p.get("containerPort")) == str(target) for p in container_ports)
    return any(p.get("name") == target for p in container_ports)


def _workloads_in_env(repo, env):
    return [o for o in repo.kubernetes.objects(*WORKLOAD_KINDS, env=env)]


@check("factor07.service")
def service(repo):
    """Every app workload (role app) with container ports is selected by a Service whose
    targetPorts (number or name; default = port) all match one of its containerPorts. A Service
    that also selects the pods of another workload (shared labels) → partial for the workloads
    it selects; no Service or a targetPort that matches nothing → bad. All good → pass, none → fail."""
    if not repo.kubernetes.workloads:
        return not_applicable("no Kubernetes workloads")

    def grade(obj):
        ports = [p for c in obj.containers() for p in _container_ports(c)]
        if not ports:
            return None
        first = next(c for c in obj.containers() if _container_ports(c))
        services = _services_selecting(repo, obj)
        if not services:
            return "bad", "no Service selects its pods", obj.container_line(first, "ports")
        level, message = "good", ""
        for svc in services:
            for svc_port in as_list(svc.spec.get("ports")):
                if not isinstance(svc_port, dict):
                    continue
                target = svc_port.get("targetPort", svc_port.get("port"))
                if not _port_matches(target, ports):
                    return "bad", f"{svc.ref} ({svc.path}:{svc.line}) targetPort {target} matches no containerPort", obj.container_line(first, "ports")
            selected = [o.ref for o in repo.kubernetes.selected_candidates(svc.selector(), obj.env, *WORKLOAD_KINDS) if o is not obj and o.ref != obj.ref and selector_matches(svc.selector(), o.pod_labels())]
            if selected:
                level, message = "partial", f"{svc.ref} ({svc.path}:{svc.line}) also selects {', '.join(sorted(set(selected)))}"
        if level == "good":
            message = "selected by " + ", ".join(f"{s.ref} ({s.path}:{s.line})" for s in services) + " with matching targetPort"
        return level, message, obj.container_line(first, "ports")

    graded = grade_workloads([w for w in repo.kubernetes.app_workloads(long_running=True) if w.role == "app"], grade)
    evidence = [e for e, _ in graded]
    counts = level_counts(graded)
    total = sum(counts.values())
    if not total:
        return not_applicable("no app workload declares container ports", evidence)
    if counts["good"] == total:
        return passed(f"all {plural(total, 'app workload')} with ports are behind a matching Service", evidence)
    if not counts["good"] and not counts["partial"]:
        return failed("no app workload with ports is behind a matching Service", evidence)
    return partial(f"{counts['good']} of {total} app workloads behind a matching Service of their own", evidence)


# --------------------------------------------------------------------------- routes


def _backends(route) -> list[tuple[tuple, str, object, str | None]]:
    """(keys to the backend in the source, service name, port, namespace) of an Ingress/route."""
    spec = route.spec
    out = []
    if route.kind == "Ingress":
        for key in ("defaultBackend", "backend"):
            if key in spec:
                out.append((("spec", key), as_dict(spec.get(key))))
        for i, rule in enumerate(as_list(spec.get("rules"))):
            for j, path in enumerate(as_list(as_dict(as_dict(rule).get("http")).get("paths"))):
                out.append((("spec", "rules", i, "http", "paths", j, "backend"), as_dict(as_dict(path).get("backend"))))
        result = []
        for keys, backend in out:
            svc = as_dict(backend.get("service"))
            if svc:
                port = as_dict(svc.get("port"))
                result.append((keys, str(svc.get("name") or ""), port.get("number", port.get("name")), None))
            elif backend.get("serviceName"):
                result.append((keys, str(backend["serviceName"]), backend.get("servicePort"), None))
        return result
    if route.kind in ("HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"):
        for i, rule in enumerate(as_list(spec.get("rules"))):
            for j, ref in enumerate(as_list(as_dict(rule).get("backendRefs"))):
                ref = as_dict(ref)
                if ref.get("name") and ref.get("kind", "Service") == "Service":
                    out.append((("spec", "rules", i, "backendRefs", j), str(ref["name"]), ref.get("port"), ref.get("namespace")))
        return out
    if route.kind == "VirtualService":
        for i, http in enumerate(as_list(spec.get("http"))):
            for j, dest in enumerate(as_list(as_dict(http).get("route"))):
                d = as_dict(as_dict(dest).get("destination"))
                host = str(d.get("host") or "")
                parts = host.split(".")
                if not host or (len(parts) > 2 and not host.endswith((".svc", ".svc.cluster.local"))):
                    continue  # an external host (ServiceEntry), not a Service
                ns = parts[1] if len(parts) > 1 else None
                out.append((("spec", "http", i, "route", j), parts[0], as_dict(d.get("port")).get("number"), ns))
        return out
    if route.kind == "Route":
        to = as_dict(spec.get("to"))
        if to.get("name"):
            out.append((("spec", "to"), str(to["name"]), as_dict(spec.get("port")).get("targetPort"), None))
        return out
    if route.kind == "IngressRoute":
        for i, r in enumerate(as_list(spec.get("routes"))):
            for j, s in enumerate(as_list(as_dict(r).get("services"))):
                s = as_dict(s)
                if s.get("name") and s.get("kind", "Service") == "Service":
                    out.append((("spec", "routes", i, "services", j), str(s["name"]), s.get("port"), s.get("namespace")))
    return out


ROUTE_KINDS = ("Ingress", "HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute", "VirtualService", "Route", "IngressRoute")


def _service_port_ok(svc, port) -> bool:
    if port is None:
        return True
    for p in as_list(svc.spec.get("ports")):
        if isinstance(p, dict) and (str(p.get("port")) == str(port) or p.get("name") == port):
            return True
    return False


@check("factor07.ingress")
def ingress(repo):
    """Web workloads are reached through an Ingress, Gateway API route, Istio VirtualService,
    OpenShift Route or Traefik IngressRoute whose backends are Services that exist in the same
    environment with the named port: all backends resolve → pass; some backend missing → partial;
    no route at all → fail; no web workload → n/a."""
    web = _web_workloads(repo) if repo.kubernetes.workloads else []
    if not web:
        return not_applicable("no web workload (no app workload with ports or a Service)")
    results: dict[tuple, list] = {}
    for env in repo.kubernetes.env_names():
        services = repo.kubernetes.objects("Service", env=env)
        for route in repo.kubernetes.objects(*ROUTE_KINDS, env=env):
            for keys, name, port, ns in _backends(route):
                namespace = ns or route.namespace
                svc = next((s for s in services if s.name == name and (not namespace or not s.namespace or s.namespace == namespace)), None)
                if svc is None:
                    ok, message = False, f"{route.ref}: backend Service {name} does not exist"
                elif not _service_port_ok(svc, port):
                    ok, message = False, f"{route.ref}: Service {name} has no port {port}"
                else:
                    ok, message = True, f"{route.ref} routes to Service {name}" + (f" port {port}" if port is not None else "")
                results.setdefault((route.path, route.line_of(*keys), name), []).append((env, ok, message))
    evidence = []
    for (path, line, _name), answers in sorted(results.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        bad = [a for a in answers if not a[1]]
        env, ok, message = (bad or answers)[0]
        scope = f" (in {', '.join(a[0] for a in bad)})" if bad and len(bad) < len(answers) else ""
        evidence.append(Evidence(path, line, message + scope, not bad, bad[0][0] if scope else None))
    if not evidence:
        others = repo.kubernetes.anywhere(*ROUTE_KINDS)
        context = [Evidence(o.path, o.line, f"{o.ref} is not part of the judged deployment", None) for o in others]
        context += [Evidence(w.path, w.line, f"{w.ref}: web workload without a route", False) for w in web]
        return failed("no Ingress or HTTP route in the judged deployment", context)
    bad = [e for e in evidence if e.ok is False]
    if bad:
        return partial(f"missing Services or ports behind {plural(len(bad), 'route backend')}", evidence)
    return passed(f"{plural(len(evidence), 'route backend')} resolve to existing Services", evidence)


# --------------------------------------------------------------------------- metrics port

_APP_PORT_IMPORTS = ("django_prometheus", "prometheus_flask_exporter", "starlette_exporter", "starlette_prometheus", "aioprometheus", "prometheus_async")
_OTHER_METRICS = re.compile(r"promhttp\.Handler|require\(['\"]prom-client['\"]\)|from ['\"]prom-client['\"]|UseMetricServer|MapMetrics\(|micrometer\.prometheus|['\"]/metrics['\"]")


def _metrics_endpoints(repo) -> list[tuple[str, int, str, object]]:
    """(path, line, description, port) — port None means the app's own HTTP port."""
    out = []
    for module in repo.python.app_modules():
        instrumentator = bool(module.imported("prometheus_fastapi_instrumentator"))
        for call in module.calls:
            if instrumentator and call.endswith("expose"):
                out.append((module.path, call.line, "prometheus-fastapi-instrumentator exposes /metrics", None))
            elif call.endswith("start_http_server", "start_wsgi_server") and ("prometheus_client" in call.name or module.imported("prometheus_client")):
                out.append((module.path, call.line, "prometheus_client serves metrics on its own port", call.arg(0, "port")))
            elif call.endswith("make_asgi_app", "make_wsgi_app") and "prometheus" in call.name:
                out.append((module.path, call.line, "prometheus_client metrics app mounted in the web app", None))
            elif call.endswith("PrometheusMetrics", "PrometheusMiddleware", "handle_metrics"):
                out.append((module.path, call.line, f"{call.name.rsplit('.', 1)[-1]} serves /metrics", None))
            elif call.args and call.args[0] in ("/metrics", "/metrics/", "metrics/") and (call.decorator or call.endswith("add_route", "mount", "route", "path", "add_api_route")):
                out.append((module.path, call.line, f"route {call.args[0]} ({call.name})", None))
        for name, line in module.imported(*_APP_PORT_IMPORTS):
            out.append((module.path, line, f"{name} serves /metrics", None))
    for path, line, _text in repo.grep(("source_other",), _OTHER_METRICS):
        if not is_test_path(path):
            out.append((path, line, "metrics endpoint in source", None))
    seen, unique = set(), []
    for item in out:
        if (item[0], item[1]) not in seen:
            seen.add((item[0], item[1]))
            unique.append(item)
    return unique


def _declared_ports(repo) -> list[tuple[str, int, str, str, bool]]:
    """(path, line, port, how, web) for ports declared for app processes; web = a role-app process."""
    out = []
    for work in repo.kubernetes.app_workloads(long_running=True):
        obj = work.first
        web = work.role == "app"
        for container in obj.containers():
            for p in _container_ports(container):
                line = obj.container_line(container, "ports")
                out.append((obj.path, line, str(p.get("containerPort")), f"{work.ref} containerPort {p.get('containerPort')}" + (f" ({p['name']})" if p.get("name") else ""), web))
                if p.get("name"):
                    out.append((obj.path, line, str(p["name"]), f"{work.ref} port name {p['name']}", web))
        port = obj.pod_annotations().get("prometheus.io/port")
        if port is not None:
            out.append((obj.path, obj.line_of("spec", "template", "metadata", "annotations"), str(port), f"{work.ref} prometheus.io/port {port}", web))
    if not repo.kubernetes.present:
        for svc in repo.containers.services():
            for key in ("ports", "expose"):
                for item in as_list(svc.spec.get(key)):
                    port = str(item.get("target", "") if isinstance(item, dict) else item).split(":")[-1].split("/")[0]
                    out.append((svc.path, svc.line_of(key), port, f"compose service {svc.name} {key} {port}", True))
        for df in repo.containers.dockerfiles:
            for stage in df.stages[-1:]:
                for instr in stage.of("EXPOSE"):
                    for port in instr.value.split():
                        out.append((df.path, instr.line, port.split("/")[0], f"{df.path} EXPOSE {port}", True))
    return out


@check("factor07.metrics-port")
def metrics_port(repo):
    """The app serves a Prometheus /metrics endpoint on a declared port. Endpoints on the web
    app's own port (instrumentator, django-prometheus, a /metrics route …) need a declared app
    port (containerPort; without Kubernetes compose ports or EXPOSE); `start_http_server(N)`
    needs N declared (containerPort, prometheus.io/port, EXPOSE). All declared → pass; an
    endpoint without a declared port → partial; no endpoint → fail; no app source → n/a."""
    if not repo.python.app_modules() and not repo.files.of("source_other"):
        return not_applicable("no application source to look for a metrics endpoint")
    endpoints = _metrics_endpoints(repo)
    if not endpoints:
        from .observability import _web_apps

        return failed("no /metrics endpoint in the application code", _web_apps(repo, "exposes no /metrics endpoint"))
    declared = _declared_ports(repo)
    evidence = []
    for path, line, what, port in endpoints:
        if port is None:
            match = next((d for d in declared if d[4]), None)
        elif isinstance(port, int) or (isinstance(port, str) and port.isdigit()):
            match = next((d for d in declared if d[2] == str(port)), None)
        else:
            match = next((d for d in declared if "metrics" in d[2].lower() or "prometheus.io/port" in d[3]), None)
        if match:
            evidence.append(Evidence(path, line, f"{path}: {what}; declared as {match[3]} ({match[0]}:{match[1]})", True))
        else:
            where = f"port {port}" if port is not None else "the app's port"
            evidence.append(Evidence(path, line, f"{path}: {what}, but {where} is not declared", False))
    good = sum(1 for e in evidence if e.ok)
    if good == len(evidence):
        return passed("/metrics is served on a declared port", evidence)
    return partial(f"{plural(len(evidence) - good, 'metrics endpoint')} without a declared port", evidence)
