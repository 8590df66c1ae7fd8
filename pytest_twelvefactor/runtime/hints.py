"""What the static model says the running app should show.

The defaults of the runtime options come from here: the process command of
each process type (for ``--twelvefactor-process``), the declared port and
bind address of the web process, the health route (for
``--twelvefactor-health-url``) and the grace period a SIGTERM must fit in.
Each value carries where it was read, for the evidence.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from ..model.containers import command_words
from ..model.kubernetes import as_dict, as_list

_HEALTH = re.compile(r"^/(?:[\w.-]+/)*(health|healthz|healthcheck|livez|readyz|ping)(/(live|ready|liveness|readiness|startup))?/?$", re.I)
_PORT = re.compile(r"(?:^|\s)(?:--port|-p|--http-port)(?:\s+|=)['\"]?(\d{2,5})\b")
_BIND = re.compile(r"(?:^|\s)(?:--bind|-b|--listen|--http)(?:\s+|=)['\"]?(\[[^\]]*\]|[^\s:'\"]*):(\d{2,5})\b")
_HOST = re.compile(r"(?:^|\s)(?:--host|-h|--address)(?:\s+|=)['\"]?([^\s'\"]+)")
_RUNSERVER = re.compile(r"\brunserver\s+(?:([\w.\[\]:]+):)?(\d{2,5})\b")
_INTERPRETERS = re.compile(r"^(python[\d.]*|node|ruby|java|bun|deno|php)$")
_PY_FLAGS_WITH_VALUE = {"-W", "-X", "-c"}


@dataclass
class Hints:
    commands: list[tuple[str, str]] = field(default_factory=list)   # (program, where)
    ports: list[tuple[int, str]] = field(default_factory=list)      # (declared port, where)
    bind_host: tuple[str, str] | None = None                       # (host written in the command, where)
    containerized: bool = False
    health_route: tuple[str, str] | None = None                     # (route, where)
    grace: tuple[float, str] = (30.0, "default 30 s")               # (seconds, where)

    @property
    def pattern(self) -> str | None:
        names = sorted({program for program, _ in self.commands})
        if not names:
            return None
        return r"(^|[\s/])(" + "|".join(re.escape(n) for n in names) + r")(\s|:|$)"  # ":" for titles like "gunicorn: master"

    def port(self) -> int | None:
        return self.ports[0][0] if self.ports else None


def program_of(argv: list[str]) -> str | None:
    """The program a command line runs, as it shows in a process list: ``uvicorn``,
    ``celery``, ``web.py`` for ``python web.py``, ``uvicorn`` for ``python -m uvicorn``."""
    from ..checks.factor09_disposability import strip_wrappers

    words = strip_wrappers(list(argv))
    if not words:
        return None
    head = posixpath.basename(words[0])
    if _INTERPRETERS.match(head):
        rest = words[1:]
        while rest:
            word = rest[0]
            if word == "-m" and len(rest) > 1:
                return rest[1].split(".")[0]
            if word in _PY_FLAGS_WITH_VALUE:
                rest = rest[2:]
            elif word.startswith("-"):
                rest = rest[1:]
            else:
                return posixpath.basename(word)
        return head
    return head or None


def _where(path: str | None, line: int | None) -> str:
    return f"{path}:{line}" if path and line else (path or "the static model")


def derive(repo) -> Hints:
    """Hints from the repository model; never raises on odd input."""
    from ..checks.factor09_disposability import process_types

    hints = Hints()
    k8s = repo.kubernetes
    containers = repo.containers
    hints.containerized = bool(k8s.workloads or containers.dockerfiles or containers.services())
    procs, _reason = process_types(repo)
    for proc in procs:
        if not proc.argv:
            continue
        path, line = proc.cmd_at or (proc.path, proc.line)
        where = _where(path, line)
        program = program_of(proc.argv)
        if program and (program, where) not in hints.commands:
            hints.commands.append((program, where))
        text = " ".join(proc.argv)
        for match in _BIND.finditer(text):
            hints.ports.append((int(match.group(2)), where))
            if hints.bind_host is None and match.group(1):
                hints.bind_host = (match.group(1).strip("[]"), where)
        for match in _PORT.finditer(text):
            hints.ports.append((int(match.group(1)), where))
        for match in _RUNSERVER.finditer(text):
            hints.ports.append((int(match.group(2)), where))
            if hints.bind_host is None and match.group(1):
                hints.bind_host = (match.group(1).strip("[]"), where)
        host = _HOST.search(text)
        if host and hints.bind_host is None and not host.group(1).startswith("$"):
            hints.bind_host = (host.group(1).strip("[]"), where)
    _k8s_hints(repo, hints)
    for df in containers.dockerfiles:
        expose = df.final.last("EXPOSE") if df.final else None
        if expose:
            for word in command_words(expose.value) if expose.value.startswith("[") else expose.value.split():
                number = word.split("/")[0]
                if number.isdigit():
                    hints.ports.append((int(number), _where(df.path, expose.line)))
    for svc in containers.services():
        for spec in as_list(svc.spec.get("ports")):
            text = str(spec.get("target") if isinstance(spec, dict) else spec)
            number = text.rsplit(":", 1)[-1].split("/")[0]
            if number.isdigit():
                hints.ports.append((int(number), _where(svc.path, svc.line_of("ports"))))
    seen: set[int] = set()
    hints.ports = [(p, w) for p, w in hints.ports if not (p in seen or seen.add(p))]
    if hints.health_route is None:
        hints.health_route = _source_route(repo)
    if hints.grace[1].startswith("default"):
        hints.grace = _compose_grace(repo) or ((30.0, "default 30 s (Kubernetes)") if k8s.present else hints.grace)
    return hints


def _k8s_hints(repo, hints: Hints) -> None:
    graces: list[tuple[float, str]] = []
    for work in repo.kubernetes.app_workloads(long_running=True):
        for obj in work.variants.values():
            spec = obj.pod_spec()
            value = spec.get("terminationGracePeriodSeconds")
            if isinstance(value, int) and not isinstance(value, bool):
                keys = ("spec",) if obj.kind == "Pod" else ("spec", "template", "spec")
                graces.append((float(value), f"terminationGracePeriodSeconds of {work.ref} at "
                                             f"{_where(obj.path, obj.line_of(*keys, 'terminationGracePeriodSeconds'))}"))
            for container in obj.containers():
                for port in as_list(container.get("ports")):
                    number = as_dict(port).get("containerPort")
                    if isinstance(number, int):
                        hints.ports.append((number, f"containerPort of {work.ref} at {_where(obj.path, obj.container_line(container, 'ports'))}"))
                if hints.health_route is None:
                    for probe in ("readinessProbe", "startupProbe", "livenessProbe"):
                        path = as_dict(as_dict(container.get(probe)).get("httpGet")).get("path")
                        if isinstance(path, str) and path.startswith("/"):
                            hints.health_route = (path, f"{probe} of {work.ref} at {_where(obj.path, obj.container_line(container, probe))}")
                            break
    if graces:
        hints.grace = min(graces)


def _source_route(repo) -> tuple[str, str] | None:
    for module in repo.python.app_modules():
        for call in module.calls:
            path = call.arg(0, "path")
            if isinstance(path, str) and _HEALTH.match(path):
                return path, f"route in {_where(module.path, call.line)}"
        for text, line in module.strings:
            if _HEALTH.match(text) and any(b.endswith("BaseHTTPRequestHandler") for c in module.classes for b in c.bases):
                return text, f"http.server handler in {_where(module.path, line)}"
    return None


_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$")


def parse_duration(text) -> float | None:
    """Compose durations: ``10s``, ``1m30s``, ``500ms``, or a number of seconds."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    match = _DURATION.match(str(text).strip())
    if not match or not any(match.groups()):
        return None
    h, m, s, ms = (float(g) if g else 0.0 for g in match.groups())
    return h * 3600 + m * 60 + s + ms / 1000


def _compose_grace(repo) -> tuple[float, str] | None:
    services = repo.containers.services()
    if repo.kubernetes.present or not services:
        return None
    values = []
    for svc in services:
        seconds = parse_duration(svc.spec.get("stop_grace_period")) if svc.spec.get("stop_grace_period") is not None else None
        if seconds is not None:
            values.append((seconds, f"stop_grace_period of compose service {svc.name} at {_where(svc.path, svc.line_of('stop_grace_period'))}"))
    return min(values) if values else (10.0, "default 10 s (Docker stop)")
